"""The screens that edit one list of a session at once (inline formsets)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participants.models import Attendance, Person
from reports.models import Minutes
from sessions.models import AgendaItem, CoChair, Intervention
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    OrganizationFactory,
    PersonFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

SLUGS = ["cochairs", "agenda", "interventions", "results", "recommendations", "attendance"]
TITLES = [
    "Co-présidence",
    "Ordre du jour",
    "Interventions",
    "Résultats attendus",
    "Recommandations et blocages",
    "Liste de présence",
]


def formset_data(prefix, rows, initial=0, **extra):
    """The POST of a section screen: its management form and one dict per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def titles(session):
    return list(session.agenda_items.values_list("order", "title"))


# -- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "title"), list(zip(SLUGS, TITLES, strict=True)))
def test_secretariat_opens_each_section_screen(login, secretariat, slug, title):
    session = SessionFactory(number=18)

    response = login(secretariat).get(f"/sessions/{session.pk}/{slug}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert f"{title} <span" in content
    assert "Enregistrer et ajouter des lignes" in content
    # The attendance rows are named for screen readers only: one line per person.
    assert ">Ligne 1</legend>" in content
    assert 'src="/static/js/formset.js"' in content


@pytest.mark.parametrize("slug", SLUGS)
def test_partner_gets_403_on_every_section_screen(login, partner, slug):
    session = SessionFactory()
    Minutes.objects.create(session=session, status=Minutes.Status.VALIDATED)
    client = login(partner)

    get = client.get(f"/sessions/{session.pk}/{slug}/")
    post = client.post(f"/sessions/{session.pk}/{slug}/", {})

    assert (get.status_code, post.status_code) == (403, 403)


@pytest.mark.parametrize("slug", SLUGS)
def test_anonymous_user_is_sent_to_login_from_a_section(client, slug):
    session = SessionFactory()

    response = client.get(f"/sessions/{session.pk}/{slug}/")

    assert response["Location"] == f"/accounts/login/?next=/sessions/{session.pk}/{slug}/"


def test_section_of_an_unknown_session_is_not_found(login, coordinator):
    assert login(coordinator).get("/sessions/424242/agenda/").status_code == 404


def test_section_of_a_validated_session_refuses_and_changes_nothing(login, secretariat):
    session = SessionFactory()
    item = AgendaItemFactory(session=session, title="Point validé", order=1)
    Minutes.objects.create(session=session, status=Minutes.Status.VALIDATED)
    client = login(secretariat)

    get = client.get(f"/sessions/{session.pk}/agenda/", follow=True)
    post = client.post(
        f"/sessions/{session.pk}/agenda/",
        formset_data(
            "agenda_items",
            [{"id": item.pk, "order": "1", "title": "Changé", "kind": "presentation"}],
            initial=1,
        ),
    )

    assert get.redirect_chain == [(f"/sessions/{session.pk}/", 302)]
    assert "Le compte rendu de cette session est validé" in get.content.decode()
    assert post["Location"] == f"/sessions/{session.pk}/"
    assert titles(session) == [(1, "Point validé")]


# -- saving lists -----------------------------------------------------------------------------


def test_coordinator_records_the_agenda_in_one_go(login, coordinator):
    session = SessionFactory()
    presenter = PersonFactory()

    response = login(coordinator).post(
        f"/sessions/{session.pk}/agenda/",
        formset_data(
            "agenda_items",
            [
                {"order": "1", "title": "Mot de bienvenue", "kind": "other"},
                {"order": "", "title": "Divers", "kind": "information"},
                {
                    "order": "2",
                    "title": "Point du PTBA",
                    "kind": "presentation",
                    "presenter": presenter.pk,
                    "summary": "Taux d'exécution de 80 %.",
                },
                {"order": "", "title": "", "kind": "presentation"},
            ],
        ),
    )

    assert response["Location"] == f"/sessions/{session.pk}/#agenda"
    assert titles(session) == [(1, "Mot de bienvenue"), (2, "Point du PTBA"), (3, "Divers")]
    assert AgendaItem.objects.get(title="Point du PTBA").presenter == presenter


def test_save_and_add_more_rows_comes_back_to_the_screen(login, secretariat):
    session = SessionFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/agenda/",
        formset_data(
            "agenda_items",
            [{"order": "", "title": "Premier point", "kind": "presentation"}],
            _continue="1",
        ),
        follow=True,
    )

    assert response.redirect_chain == [(f"/sessions/{session.pk}/agenda/", 302)]
    assert "Modifications enregistrées : Ordre du jour." in response.content.decode()
    # The saved row and three blank rows to fill.
    assert len(response.context["formset"].forms) == 4


def test_rows_are_reordered_and_removed(login, secretariat):
    session = SessionFactory()
    first = AgendaItemFactory(session=session, order=1, title="A")
    second = AgendaItemFactory(session=session, order=2, title="B")
    third = AgendaItemFactory(session=session, order=3, title="C")

    login(secretariat).post(
        f"/sessions/{session.pk}/agenda/",
        formset_data(
            "agenda_items",
            [
                {"id": first.pk, "order": "5", "title": "A", "kind": "presentation"},
                {
                    "id": second.pk,
                    "order": "2",
                    "title": "B",
                    "kind": "presentation",
                    "DELETE": "on",
                },
                {"id": third.pk, "order": "1", "title": "C", "kind": "presentation"},
            ],
            initial=3,
        ),
    )

    assert titles(session) == [(1, "C"), (2, "A")]


def test_one_bad_row_shows_its_french_error_and_keeps_every_row_typed(login, secretariat):
    session = SessionFactory()
    existing = AgendaItemFactory(session=session, order=1, title="Ancien intitulé")

    response = login(secretariat).post(
        f"/sessions/{session.pk}/agenda/",
        formset_data(
            "agenda_items",
            [
                {
                    "id": existing.pk,
                    "order": "1",
                    "title": "Nouvel intitulé",
                    "kind": "presentation",
                },
                {"order": "2", "title": "", "kind": "decision", "summary": "Un résumé sans titre"},
                {"order": "3", "title": "Troisième point", "kind": "information"},
            ],
            initial=1,
        ),
    )

    assert response.status_code == 200
    formset = response.context["formset"]
    assert [form.errors for form in formset.forms] == [
        {},
        {"title": ["Ce champ est obligatoire."]},
        {},
    ]
    content = response.content.decode()
    assert "Rien n’a encore été enregistré" in content
    for typed in ["Nouvel intitulé", "Un résumé sans titre", "Troisième point"]:
        assert typed in content
    assert titles(session) == [(1, "Ancien intitulé")]


def test_the_same_person_twice_on_the_attendance_list_is_refused_in_french(login, secretariat):
    session = SessionFactory()
    person, other = PersonFactory(), PersonFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data(
            "attendances",
            [
                {"person": person.pk, "status": "present", "days": ["1", "2", "3"]},
                {"person": other.pk, "status": "excused"},
                {"person": person.pk, "status": "present", "days": ["1", "2", "3"]},
            ],
        ),
    )

    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.non_form_errors() == ["Cette personne figure déjà sur la liste de présence."]
    assert formset.forms[2].non_field_errors() == [
        "Cette personne figure déjà sur la liste de présence."
    ]
    assert not Attendance.objects.exists()


def test_a_new_row_cannot_repeat_a_person_already_on_the_list(login, secretariat):
    attendance = AttendanceFactory()
    session = attendance.session

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data(
            "attendances",
            [
                {
                    "id": attendance.pk,
                    "person": attendance.person_id,
                    "status": "present",
                    "days": ["1", "2", "3"],
                },
                {"person": attendance.person_id, "status": "absent"},
            ],
            initial=1,
        ),
    )

    assert response.context["formset"].non_form_errors() == [
        "Cette personne figure déjà sur la liste de présence."
    ]
    assert Attendance.objects.count() == 1


def test_attendance_days_must_be_days_of_the_session(login, secretariat):
    session = SessionFactory(
        start_date=datetime.date(2019, 9, 26), end_date=datetime.date(2019, 9, 28)
    )
    person = PersonFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data("attendances", [{"person": person.pk, "status": "present", "days": "4"}]),
    )

    assert response.context["formset"].forms[0].errors == {
        "days": ["Sélectionnez un choix valide. 4 n’en fait pas partie."]
    }
    assert not Attendance.objects.exists()


def test_someone_present_needs_at_least_one_day_ticked(login, secretariat):
    session = SessionFactory()
    person = PersonFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data("attendances", [{"person": person.pk, "status": "present"}]),
    )

    assert response.context["formset"].forms[0].errors == {
        "days": [
            "Cochez les jours où cette personne était là, ou choisissez « excusé » ou « absent »."
        ]
    }
    assert not Attendance.objects.exists()


def test_a_represented_member_needs_the_name_of_the_representative(login, secretariat):
    session = SessionFactory()
    person = PersonFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data(
            "attendances", [{"person": person.pk, "status": "represented", "days": ["1", "2", "3"]}]
        ),
    )

    assert response.context["formset"].forms[0].errors == {
        "represented_by": ["Indiquez qui a représenté cette personne."]
    }


def test_attendance_list_is_recorded_day_by_day(login, secretariat):
    session = SessionFactory()
    throughout, two_days, represented, excused = (PersonFactory() for _ in range(4))

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data(
            "attendances",
            [
                {"person": throughout.pk, "status": "present", "days": ["1", "2", "3"]},
                {"person": two_days.pk, "status": "present", "days": ["1", "3"]},
                {
                    "person": represented.pk,
                    "status": "represented",
                    "represented_by": "son adjoint",
                    "days": ["2"],
                },
                # Days ticked for someone excused are not kept.
                {"person": excused.pk, "status": "excused", "days": ["1", "2", "3"]},
            ],
        ),
    )

    assert response.status_code == 302
    rows = {a.person_id: a for a in session.attendances.all()}
    assert {pk: (a.status, a.represented_by, a.day_numbers(3)) for pk, a in rows.items()} == {
        throughout.pk: ("present", "", [1, 2, 3]),
        two_days.pk: ("present", "", [1, 3]),
        represented.pk: ("represented", "son adjoint", [2]),
        excused.pk: ("excused", "", []),
    }
    assert [rows[p.pk].present_days for p in (throughout, two_days, represented, excused)] == [
        None,
        0b101,
        0b10,
        0,
    ]


def test_swapping_two_co_chairs_reports_an_error_and_changes_nothing(login, secretariat):
    session = SessionFactory()
    first = CoChairFactory(session=session, order=1)
    second = CoChairFactory(session=session, order=2)

    response = login(secretariat).post(
        f"/sessions/{session.pk}/cochairs/",
        formset_data(
            "cochairs",
            [
                {"id": first.pk, "order": "1", "person": second.person_id},
                {"id": second.pk, "order": "2", "person": first.person_id},
            ],
            initial=2,
        ),
    )

    assert response.status_code == 200
    assert "deux fois la même entrée" in response.content.decode()
    assert list(session.cochairs.values_list("pk", "person_id")) == [
        (first.pk, first.person_id),
        (second.pk, second.person_id),
    ]


def test_an_intervention_needs_a_speaker(login, secretariat):
    session = SessionFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/interventions/",
        formset_data(
            "interventions", [{"order": "1", "moment": "opening", "summary": "Bienvenue"}]
        ),
    )

    assert response.context["formset"].forms[0].errors == {
        "speaker_label": ["Choisissez l’intervenant dans la liste ou indiquez qui il est."]
    }


def test_interventions_attach_only_to_the_session_s_own_agenda_items(login, secretariat):
    session = SessionFactory()
    own = AgendaItemFactory(session=session, title="Point de cette session")
    foreign = AgendaItemFactory(title="Point d'une autre session")
    client = login(secretariat)

    page = client.get(f"/sessions/{session.pk}/interventions/").content.decode()
    response = client.post(
        f"/sessions/{session.pk}/interventions/",
        formset_data(
            "interventions",
            [
                {
                    "order": "1",
                    "moment": "agenda",
                    "agenda_item": foreign.pk,
                    "speaker_label": "le représentant du PAM",
                }
            ],
        ),
    )

    assert "Point de cette session" in page and "Point d'une autre session" not in page
    assert list(response.context["formset"].forms[0].errors) == ["agenda_item"]
    assert not Intervention.objects.exists()
    assert own.interventions.count() == 0


# -- adding a missing person ------------------------------------------------------------------


def test_a_missing_person_is_added_to_the_directory_and_to_the_list(login, secretariat):
    session = SessionFactory()
    organization = OrganizationFactory(acronym="ANAM")
    already = PersonFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data(
            "attendances",
            [{"person": already.pk, "status": "present", "days": ["1", "2", "3"]}],
            **{
                "new_person-civility": "Dr",
                "new_person-first_name": "Hassane",
                "new_person-last_name": "Tangara",
                "new_person-function": "Directeur",
                "new_person-organization": organization.pk,
                "_add_person": "1",
            },
        ),
        follow=True,
    )

    assert response.redirect_chain == [(f"/sessions/{session.pk}/attendance/", 302)]
    tangara = Person.objects.get(last_name="Tangara")
    assert tangara.organization == organization
    assert sorted(session.attendances.values_list("person_id", "status")) == sorted(
        [(already.pk, "present"), (tangara.pk, "present")]
    )
    assert "Hassane TANGARA a été ajouté(e) à l’annuaire et à cette liste." in (
        response.content.decode()
    )


def test_a_missing_co_chair_goes_to_the_end_of_the_co_presidency(login, secretariat):
    session = SessionFactory()
    CoChairFactory(session=session, order=1)

    login(secretariat).post(
        f"/sessions/{session.pk}/cochairs/",
        formset_data(
            "cochairs",
            [
                {
                    "id": session.cochairs.get().pk,
                    "order": "1",
                    "person": session.cochairs.get().person_id,
                    "capacity": "Coordinateur",
                },
            ],
            initial=1,
            **{"new_person-first_name": "Boubacar", "new_person-last_name": "Traoré"},
        ),
    )

    assert [c.person.full_name for c in CoChair.objects.filter(session=session)][1:] == [
        "Boubacar TRAORÉ"
    ]
    assert list(session.cochairs.values_list("order", flat=True)) == [1, 2]


def test_an_incomplete_missing_person_is_refused_and_nothing_is_saved(login, secretariat):
    session = SessionFactory()
    person = PersonFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/attendance/",
        formset_data(
            "attendances",
            [{"person": person.pk, "status": "present"}],
            **{"new_person-first_name": "Hassane"},
        ),
    )

    assert response.status_code == 200
    assert response.context["person_form"].errors == {"last_name": ["Ce champ est obligatoire."]}
    assert 'value="Hassane"' in response.content.decode()
    assert not Attendance.objects.exists()
    assert not Person.objects.filter(first_name="Hassane").exists()


# -- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["cochairs", "attendance"])
def test_section_screen_makes_the_same_queries_for_one_or_three_rows(
    login, secretariat, django_assert_num_queries, slug
):
    client = login(secretariat)
    small, big = SessionFactory(), SessionFactory()
    CoChairFactory(session=small)
    AttendanceFactory(session=small)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/sessions/{small.pk}/{slug}/")
    for _ in range(3):
        CoChairFactory(session=big)
        AttendanceFactory(session=big)

    with django_assert_num_queries(len(one)):
        response = client.get(f"/sessions/{big.pk}/{slug}/")

    assert response.context["formset"].initial_form_count() == 3
