"""The secretariat records the attendance of a real session, forty participants over three
days, in a real browser, and counts what it takes: every click, fill, choice and tick."""

import datetime
import re

from playwright.sync_api import expect

from participants.models import Attendance, Person
from tests.factories import (
    PASSWORD,
    AttendanceFactory,
    CommitteeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    SessionFactory,
)

# What the clerk may spend on forty people over three days (issue 14).
INTERACTION_BUDGET = 60


class Clerk:
    """The page, with every interaction of the user counted."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def fill(self, locator, value):
        self.count += 1
        locator.fill(value)

    def select(self, locator, label):
        self.count += 1
        locator.select_option(label=label)

    def uncheck(self, locator):
        self.count += 1
        locator.uncheck()

    def check(self, locator):
        self.count += 1
        locator.check()


def person_row(page, person):
    return page.get_by_role("group", name=person.full_name, exact=True)


def test_forty_participants_over_three_days_in_at_most_sixty_interactions(
    page, browser_login, secretariat
):
    committee = CommitteeFactory()
    start = datetime.date(2019, 9, 26)
    previous = SessionFactory(
        committee=committee,
        number=17,
        start_date=datetime.date(2019, 6, 26),
        end_date=datetime.date(2019, 6, 28),
    )
    session = SessionFactory(
        committee=committee, number=18, start_date=start, end_date=start + datetime.timedelta(2)
    )
    # 31 member organizations, each with its usual representative.
    members = [
        MembershipFactory(
            committee=committee,
            organization=OrganizationFactory(acronym=f"MEMBRE{n:02}"),
            representative__first_name=f"Membre{n:02}",
            representative__last_name=f"Représentant{n:02}",
        ).representative
        for n in range(1, 32)
    ]
    # The 17th session also had six invited guests.
    guests = [PersonFactory(first_name=f"Invité{n}", last_name=f"Expert{n}") for n in range(1, 7)]
    for person in members[:28] + guests:
        AttendanceFactory(session=previous, person=person)
    # Three people of the directory came this time, and one who is not in it yet.
    anam = OrganizationFactory(acronym="ANAM")
    walk_ins = [
        PersonFactory(first_name="Hassane", last_name="Tangara", organization=anam),
        PersonFactory(first_name="Fatoumata", last_name="Konaté"),
        PersonFactory(first_name="Oumar", last_name="Dembélé"),
    ]
    PersonFactory.create_batch(20)  # the rest of the directory
    clerk = Clerk(browser_login(secretariat))
    page.goto(session.get_absolute_url())

    clerk.click(page.get_by_role("link", name="Modifier : Liste de présence"))
    # The members' representatives are on the list before anything is typed.
    expect(page.locator("[data-formset-row]")).to_have_count(31 + 3)
    expect(person_row(page, members[0])).to_be_visible()

    clerk.click(page.get_by_role("button", name="Recopier la liste de la 17ème session ordinaire"))
    expect(page.get_by_role("status")).to_contain_text("6 personne(s) ajoutée(s) à la liste")
    expect(person_row(page, guests[0])).to_be_visible()
    page.wait_for_load_state()  # the pickers are set up once the page's scripts have run

    # Three people found by typing a few letters.
    for index, (person, letters) in enumerate(
        zip(walk_ins, ["tanga", "konat", "dembé"], strict=True)
    ):
        box = page.get_by_role("combobox", name="Personne", exact=True).nth(index)
        clerk.fill(box, letters)
        clerk.click(page.get_by_role("option", name=re.compile(person.full_name)))
        expect(box).to_have_value(re.compile(person.full_name))

    # Who was excused, represented, or missed a day; one member did not come at all.
    clerk.select(person_row(page, members[1]).get_by_label("État"), "excusé")
    clerk.select(person_row(page, members[2]).get_by_label("État"), "excusé")
    represented = person_row(page, members[3])
    clerk.select(represented.get_by_label("État"), "représenté")
    clerk.fill(represented.get_by_label("Représenté par"), "son adjoint, M. Diarra")
    for person in members[4:8]:
        clerk.uncheck(person_row(page, person).get_by_label("sam 28"))
    clerk.uncheck(person_row(page, guests[1]).get_by_label("jeu 26"))
    clerk.check(person_row(page, members[30]).get_by_label("Retirer"))
    clerk.click(page.get_by_role("button", name="Enregistrer", exact=True))
    expect(page.get_by_role("status")).to_contain_text("Modifications enregistrées")

    # Someone missing from the directory, added from the same screen.
    clerk.click(page.get_by_role("link", name="Modifier : Liste de présence"))
    quick_add = page.get_by_role("group", name="Une personne manque à l’annuaire ?")
    clerk.fill(quick_add.get_by_role("textbox", name=re.compile("^Prénom")), "Mariam")
    clerk.fill(quick_add.get_by_role("textbox", name=re.compile("^Nom")), "Sidibé")
    clerk.select(quick_add.get_by_label("Structure"), "ANAM")
    clerk.click(quick_add.get_by_role("button", name="Ajouter cette personne"))
    expect(page.get_by_role("status")).to_contain_text("Mariam SIDIBÉ a été ajouté(e)")

    print(f"\nAttendance of 40 people over 3 days: {clerk.count} interactions")
    assert clerk.count <= INTERACTION_BUDGET

    # The database holds forty people, day by day.
    rows = {a.person_id: a for a in session.attendances.all()}
    sidibe = Person.objects.get(last_name="Sidibé")
    assert len(rows) == 40
    assert set(rows) == {p.pk for p in members[:30] + guests + walk_ins + [sidibe]}
    assert [rows[p.pk].status for p in members[1:4]] == ["excused", "excused", "represented"]
    assert rows[members[3].pk].represented_by == "son adjoint, M. Diarra"
    assert [rows[p.pk].day_numbers(3) for p in members[4:8]] == [[1, 2]] * 4
    assert rows[guests[1].pk].day_numbers(3) == [2, 3]
    assert rows[members[0].pk].present_days is None  # every day
    assert rows[sidibe.pk].status == Attendance.Status.PRESENT
    assert rows[members[1].pk].day_numbers(3) == []

    # And the session page says so.
    page.goto(session.get_absolute_url())
    attendance = page.locator("#attendance")
    expect(attendance.locator("caption")).to_have_text("40 personnes sur la liste")
    expect(attendance.get_by_role("row", name=re.compile(members[4].full_name))).to_contain_text(
        "26/09 et 27/09"
    )
    expect(attendance.get_by_role("row", name=re.compile(members[1].full_name))).to_contain_text(
        "Excusé"
    )
    expect(attendance.get_by_role("row", name=re.compile(members[3].full_name))).to_contain_text(
        "son adjoint, M. Diarra"
    )


def test_the_attendance_list_works_without_javascript(chromium, live_server, secretariat):
    committee = CommitteeFactory()
    session = SessionFactory(committee=committee, number=18)
    member = MembershipFactory(
        committee=committee,
        representative__first_name="Aminata",
        representative__last_name="Diallo",
    ).representative
    walk_in = PersonFactory(
        first_name="Hassane", last_name="Tangara", organization=OrganizationFactory(acronym="ANAM")
    )
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Nom d’utilisateur").fill(secretariat.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/")
    page.goto(f"/sessions/{session.pk}/attendance/")

    # The person lists are plain selects, the days plain checkboxes.
    person_row(page, member).get_by_label("sam 28").uncheck()
    blank = page.get_by_role("group", name="Ligne 2", exact=True)
    blank.get_by_label("Personne").select_option(label="Hassane TANGARA (ANAM)")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Modifications enregistrées")
    days = {a.person_id: a.day_numbers(3) for a in session.attendances.all()}
    assert days == {member.pk: [1, 2], walk_in.pk: [1, 2, 3]}
    context.close()


def test_a_row_added_in_the_browser_gets_a_picker_with_the_focus(page, browser_login, secretariat):
    session = SessionFactory(number=18)
    walk_in = PersonFactory(
        first_name="Hassane", last_name="Tangara", organization=OrganizationFactory(acronym="ANAM")
    )
    browser_login(secretariat)
    page.goto(f"/sessions/{session.pk}/attendance/")
    page.wait_for_load_state()

    page.get_by_role("button", name="Ajouter une ligne").click()
    box = page.get_by_role("group", name="Ligne 4", exact=True).get_by_role(
        "combobox", name="Personne"
    )
    expect(box).to_be_focused()
    page.keyboard.type("tanga")
    page.get_by_role("option", name="Hassane TANGARA (ANAM)").click()
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Modifications enregistrées")
    assert [a.person for a in session.attendances.all()] == [walk_in]
