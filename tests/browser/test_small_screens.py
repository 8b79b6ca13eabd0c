"""Every main page on a 360 px phone, for each role: no horizontal scroll (the page is never wider
than the screen); the navigation collapses behind a « Menu » button that works without
JavaScript; on a 1280 px screen the secretariat's and the coordinator's navigation holds on
one line."""

import datetime
import os
import re

import pytest
from playwright.sync_api import expect

from participants.models import Attendance, Organization
from reports import services
from sessions.models import Session
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    InterventionFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
LONG = (
    "Faire le point des activités d’achèvement du financement initial et dégager le niveau de "
    "mise en œuvre des nouveaux financements du programme de filets sociaux Jigisemejiri "
)

SCREENSHOTS = os.environ.get("CTN_SCREENSHOTS", "")

# What is wider than the screen, as "tag#id.class (right edge)": empty when the page fits.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width && box.right > width + 0.5) {
      let scroller = element.parentElement, clipped = false;
      while (scroller && scroller !== document.body) {
        const style = getComputedStyle(scroller);
        if (/(auto|scroll|hidden|clip)/.test(style.overflowX)) { clipped = true; break; }
        scroller = scroller.parentElement;
      }
      if (!clipped) {
        wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className} `
          + `(${Math.round(box.right)})`);
      }
    }
  }
  // Links, buttons and fields out of sight, even inside a box that scrolls sideways.
  const hidden = [];
  const controls = 'main a, main button, main input, main select, main textarea';
  for (const element of document.querySelectorAll(controls)) {
    const box = element.getBoundingClientRect();
    if (box.width > 1 && box.right > width + 0.5 && !element.closest('.visually-hidden')) {
      const label = (element.textContent || element.name || '').trim().slice(0, 30);
      hidden.push(`${element.tagName.toLowerCase()}:${label}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5),
          hidden: hidden.slice(0, 5)};
}"""


def world(secretariat, coordinator):
    """A committee with a validated 17th session, a 18th in draft with long lists, a submitted
    20th and a planned 21st: what each main page shows at its widest."""
    committee = CommitteeFactory(
        letterhead="MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL\nSECRÉTARIAT GÉNÉRAL\n"
        "UNITÉ TECHNIQUE DE GESTION DES FILETS SOCIAUX"
    )
    anam = OrganizationFactory(
        acronym="ANAM",
        name="Agence Nationale d’Assistance Médicale",
        kind=Organization.Kind.AGENCY,
    )
    pam = OrganizationFactory(
        acronym="PAM", name="Programme Alimentaire Mondial", kind=Organization.Kind.TFP
    )
    sessions = {}
    for number, start in ((17, datetime.date(2019, 6, 26)), (18, datetime.date(2019, 9, 26))):
        session = SessionFactory(
            committee=committee,
            number=number,
            start_date=start,
            end_date=start + datetime.timedelta(days=2),
            objective=LONG,
            opening_summary=LONG * 2,
            highlights=LONG,
        )
        people = [
            PersonFactory(
                first_name="Mahamadou-Abdoulaye",
                last_name=f"Coulibaly-Traoré {n}",
                organization=anam if n % 2 else pam,
                email=f"mahamadou.coulibaly-traore.{n}@programme-filets-sociaux.ml",
                phone="+223 76 12 34 56",
            )
            for n in range(6)
        ]
        session.rapporteurs.add(people[0])
        CoChairFactory(session=session, person=people[1], capacity="Coordinateur du programme")
        items = [
            AgendaItemFactory(session=session, title=LONG, presenter=people[n], summary=LONG)
            for n in range(3)
        ]
        InterventionFactory(session=session, moment="opening", summary=LONG, quote=LONG)
        InterventionFactory(session=session, agenda_item=items[1], speaker=people[2], summary=LONG)
        ExpectedResultFactory(session=session, description=LONG)
        RecommendationFactory(session=session, text=LONG, responsible=pam)
        RecommendationFactory(
            session=session, kind="blocker", text=LONG, solution=LONG, responsible=anam
        )
        for person in people:
            AttendanceFactory(session=session, person=person)
        AttendanceFactory(
            session=session,
            person=PersonFactory(organization=pam),
            status=Attendance.Status.EXCUSED,
        )
        sessions[number] = session
    minutes = services.submit(services.minutes_for(sessions[17]), secretariat)
    services.validate(minutes, coordinator, validated_during=sessions[18])
    sessions[20] = SessionFactory(committee=committee, number=20, objective=LONG)
    services.submit(services.minutes_for(sessions[20]), secretariat)
    sessions[21] = SessionFactory(
        committee=committee,
        number=21,
        status=Session.Status.PLANNED,
        start_date=datetime.date.today() + datetime.timedelta(days=30),
        end_date=datetime.date.today() + datetime.timedelta(days=32),
    )
    return committee, sessions


def editor_pages(sessions):
    draft, validated, submitted = sessions[18].pk, sessions[17].pk, sessions[20].pk
    return [
        "/",
        "/sessions/",
        "/sessions/new/",
        f"/sessions/{draft}/",
        f"/sessions/{validated}/",
        f"/sessions/{sessions[21].pk}/",
        f"/sessions/{draft}/edit/",
        *(
            f"/sessions/{draft}/{section}/"
            for section in (
                "cochairs",
                "agenda",
                "interventions",
                "results",
                "recommendations",
                "attendance",
                "followups",
            )
        ),
        f"/sessions/{draft}/annexes/",
        "/sessions/recommendations/",
        "/sessions/tags/",
        "/participants/people/",
        "/participants/organizations/",
        "/reports/",
        f"/reports/{draft}/",
        f"/reports/{validated}/",
        f"/reports/{submitted}/",
        "/reports/verify/",
        "/search/?q=financement",
        "/accounts/profile/",
    ]


def coordinator_pages(sessions, committee):
    return [
        *editor_pages(sessions),
        "/sessions/committees/",
        f"/sessions/committees/{committee.pk}/",
        f"/sessions/{sessions[18].pk}/history/",
        f"/sessions/{sessions[17].pk}/history/",
    ]


def partner_pages(sessions):
    validated = sessions[17].pk
    return [
        "/",
        "/sessions/",
        f"/sessions/{validated}/",
        "/sessions/recommendations/",
        "/reports/",
        f"/reports/{validated}/",
        "/reports/verify/",
        "/search/?q=financement",
        "/accounts/profile/",
    ]


def too_wide(page, urls):
    """The pages wider than the screen, or with a link, button or field out of sight (in a
    table that scrolls sideways): {url: (scroll width, the widest elements, those out of
    sight)}."""
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        measure = page.evaluate(OVERFLOW_JS)
        if SCREENSHOTS:
            name = re.sub(r"[^a-z0-9]+", "-", url).strip("-") or "home"
            page.screenshot(path=f"{SCREENSHOTS}/{page.viewport_size['width']}-{name}.png")
        if measure["scrollWidth"] > PHONE["width"] or measure["hidden"]:
            found[url] = (measure["scrollWidth"], measure["wide"], measure["hidden"])
    return found


@pytest.mark.parametrize("role", ["secretariat", "coordinator", "partner"])
def test_every_main_page_fits_a_360_px_phone(page, browser_login, request, role):
    secretariat = request.getfixturevalue("secretariat")
    coordinator = request.getfixturevalue("coordinator")
    committee, sessions = world(secretariat, coordinator)
    user = {"secretariat": secretariat, "coordinator": coordinator}.get(role) or (
        request.getfixturevalue("partner")
    )
    urls = {
        "secretariat": lambda: editor_pages(sessions),
        "coordinator": lambda: coordinator_pages(sessions, committee),
        "partner": lambda: partner_pages(sessions),
    }[role]()
    page.set_viewport_size(PHONE)
    browser_login(user)

    assert too_wide(page, urls) == {}


def test_the_navigation_collapses_behind_a_menu_button_without_javascript(
    chromium, live_server, secretariat
):
    from tests.factories import PASSWORD

    context = chromium.new_context(
        base_url=live_server.url, locale="fr-FR", viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Nom d’utilisateur").fill(secretariat.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    sessions_link = navigation.get_by_role("link", name="Sessions", exact=True)
    header_height = page.locator("header").bounding_box()["height"]

    expect(sessions_link).to_be_hidden()
    navigation.get_by_text("Menu").click()
    expect(sessions_link).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/360-menu-open.png")
    sessions_link.click()

    page.wait_for_url("**/sessions/")
    assert header_height <= 64
    context.close()


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_the_navigation_holds_on_one_line_at_1280_px(page, browser_login, request, role):
    page.set_viewport_size(DESKTOP)
    browser_login(request.getfixturevalue(role))

    shown = "elements => elements.filter(e => e.offsetParent !== null)"
    tops = page.eval_on_selector_all(
        "header nav a, header nav button",
        f"elements => ({shown})(elements).map(e => Math.round(e.getBoundingClientRect().top))",
    )
    heights = page.eval_on_selector_all(
        "header nav a, header nav button",
        f"elements => ({shown})(elements).map(e => e.offsetHeight)",
    )

    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/1280-{role}.png")
    assert len(tops) >= 9
    assert max(tops) - min(tops) <= max(heights) / 2
    assert max(heights) <= 1.5 * min(heights)  # no link on two lines
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert page.get_by_text("Menu", exact=True).is_hidden()
