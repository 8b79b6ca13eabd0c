"""The attendance list: presence day by day, pre-filled from the committee's members or the
previous session, the directory searched as one types, and the conversion of the former count
of days (run on SQLite and on PostgreSQL)."""

import datetime
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from participants.models import Attendance
from reports.models import Minutes
from tests.factories import (
    AttendanceFactory,
    CommitteeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    SessionFactory,
)

EVERY_DAY = ["1", "2", "3"]


def formset_data(rows, initial=0, **extra):
    data = {
        "attendances-TOTAL_FORMS": str(len(rows)),
        "attendances-INITIAL_FORMS": str(initial),
        "attendances-MIN_NUM_FORMS": "0",
        "attendances-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"attendances-{index}-{name}"] = value
    return data


def screen(session):
    return f"/sessions/{session.pk}/attendance/"


def listed(response):
    """The people of the rows shown, by id, in order (blank rows left out)."""
    return [
        form.chosen_person.pk
        for form in response.context["formset"].forms
        if form.chosen_person is not None
    ]


@pytest.fixture
def committee(db):
    return CommitteeFactory()


@pytest.fixture
def previous(committee):
    return SessionFactory(
        committee=committee,
        number=17,
        start_date=datetime.date(2019, 6, 26),
        end_date=datetime.date(2019, 6, 27),
    )


@pytest.fixture
def session(committee, previous):
    return SessionFactory(committee=committee, number=18)


# -- the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "present_days", "days", "label"),
    [
        ("present", None, [1, 2, 3], "26/09, 27/09 et 28/09"),
        ("present", 0b101, [1, 3], "26/09 et 28/09"),
        ("represented", 0b010, [2], "27/09"),
        ("excused", None, [], ""),
        ("absent", 0, [], ""),
    ],
)
def test_the_days_attended_are_read_from_one_bit_per_day(db, status, present_days, days, label):
    attendance = AttendanceFactory(status=status, present_days=present_days)

    assert attendance.day_numbers(3) == days
    assert attendance.days_label == label
    assert attendance.is_partial == (status in ("present", "represented") and len(days) < 3)


def test_the_days_attended_are_written_in_the_language_of_the_request(db):
    attendance = AttendanceFactory(status="present", present_days=0b101)
    later = AttendanceFactory(
        status="present",
        present_days=0b101,
        session=SessionFactory(
            start_date=datetime.date(2020, 3, 2), end_date=datetime.date(2020, 3, 4)
        ),
    )

    with translation.override("fr"):
        french = attendance.days_label
    with translation.override("en"):
        english = attendance.days_label
    with translation.override("fr"):
        assert attendance.days_label == french == "26/09 et 28/09"
        assert later.days_label == "02/03 et 04/03"
    assert english == "26/09 and 28/09"


@pytest.mark.parametrize(
    ("status", "days", "stored"),
    [
        ("present", [1, 2, 3], None),
        ("present", [3, 1], 0b101),
        ("represented", [2], 0b010),
        ("excused", [1, 2, 3], 0),
    ],
)
def test_the_days_ticked_are_stored_as_one_bit_per_day(db, status, days, stored):
    attendance = Attendance(status=status)

    attendance.set_days(days, 3)

    assert attendance.present_days == stored


# -- the screen ---------------------------------------------------------------------------------


def test_an_empty_list_starts_from_the_members_usual_representatives(
    login, secretariat, committee, session
):
    pam = MembershipFactory(committee=committee, organization__acronym="PAM").representative
    fao = MembershipFactory(committee=committee, organization__acronym="FAO").representative
    MembershipFactory(committee=committee, representative=None)  # nobody to put on the list
    MembershipFactory(committee=CommitteeFactory(acronym="CNP"))  # another committee's

    response = login(secretariat).get(screen(session))

    assert response.status_code == 200
    assert listed(response) == [fao.pk, pam.pk]
    assert len(response.context["formset"].forms) == 2 + 3  # and three blank rows
    assert not session.attendances.exists()  # nothing saved until the clerk saves
    content = response.content.decode()
    assert "Ajouter les membres du comité" in content
    assert "Recopier la liste de la 17ème session ordinaire" in content


def test_a_list_already_recorded_is_not_pre_filled(login, secretariat, committee, session):
    MembershipFactory(committee=committee)
    recorded = AttendanceFactory(session=session)

    response = login(secretariat).get(screen(session))

    assert listed(response) == [recorded.person_id]


def test_the_pre_filled_rows_are_saved_as_posted(login, secretariat, committee, session):
    member = MembershipFactory(committee=committee).representative

    response = login(secretariat).post(
        screen(session),
        formset_data(
            [
                {"person": member.pk, "status": "present", "days": EVERY_DAY},
                # A blank row left as shown: ignored.
                {"person": "", "status": "present", "days": EVERY_DAY},
            ]
        ),
    )

    assert response.status_code == 302
    assert list(session.attendances.values_list("person", "status", "present_days")) == [
        (member.pk, "present", None)
    ]


def test_copying_the_previous_session_keeps_what_was_typed_and_saves_nothing(
    login, secretariat, session, previous
):
    typed, guest, already = PersonFactory(), PersonFactory(), PersonFactory()
    AttendanceFactory(session=previous, person=guest)
    AttendanceFactory(session=previous, person=already)

    response = login(secretariat).post(
        screen(session),
        formset_data(
            [
                {
                    "person": typed.pk,
                    "status": "represented",
                    "represented_by": "son adjoint",
                    "days": ["2"],
                },
                {"person": already.pk, "status": "excused"},
                {"person": "", "status": "present", "days": EVERY_DAY},
            ],
            _prefill="previous",
        ),
    )

    assert response.status_code == 200
    assert listed(response) == [typed.pk, already.pk, guest.pk]
    forms = response.context["formset"].forms
    assert [form["represented_by"].value() for form in forms[:2]] == ["son adjoint", None]
    assert forms[0]["days"].value() == ["2"]
    assert forms[2]["days"].value() == EVERY_DAY
    assert len(forms) == 3 + 3  # blank rows at the end again
    assert "1 personne(s) ajoutée(s) à la liste : vérifiez, puis enregistrez." in (
        response.content.decode()
    )
    assert not session.attendances.exists()


def test_copying_when_there_is_no_previous_session_says_so(login, secretariat, committee):
    first = SessionFactory(committee=committee, number=1)

    response = login(secretariat).post(screen(first), formset_data([], _prefill="previous"))

    assert response.status_code == 200
    assert "Ce comité n’a pas de session antérieure à recopier." in response.content.decode()
    assert "Recopier la liste" not in response.content.decode()


def test_adding_the_members_twice_adds_nobody_twice(login, secretariat, committee, session):
    member = MembershipFactory(committee=committee).representative

    response = login(secretariat).post(
        screen(session),
        formset_data(
            [{"person": member.pk, "status": "present", "days": EVERY_DAY}], _prefill="members"
        ),
    )

    assert listed(response) == [member.pk]
    assert "Tout le monde figure déjà sur la liste." in response.content.decode()


def test_a_pre_fill_with_a_tampered_form_starts_again_from_the_saved_list(
    login, secretariat, session
):
    response = login(secretariat).post(screen(session), {"_prefill": "members"})

    assert response.status_code == 302
    assert response["Location"] == screen(session)
    assert not session.attendances.exists()


@pytest.mark.parametrize("value", ["²", "١٢", "-1", "1.5", "9" * 30, "\x00", "<b>1</b>"])
def test_a_pre_fill_with_a_strange_person_answers_in_french(login, secretariat, session, value):
    response = login(secretariat).post(
        screen(session),
        formset_data(
            [{"person": value, "status": "present", "days": EVERY_DAY}], _prefill="members"
        ),
    )

    assert response.status_code == 200
    assert listed(response) == []
    assert not session.attendances.exists()


def test_an_unknown_pre_fill_is_a_plain_save(login, secretariat, session):
    person = PersonFactory()

    response = login(secretariat).post(
        screen(session),
        formset_data(
            [{"person": person.pk, "status": "present", "days": EVERY_DAY}],
            _prefill="<script>",
        ),
    )

    assert response.status_code == 302
    assert session.attendances.get().person == person


def test_a_removed_row_is_deleted_and_a_removed_new_row_ignored(login, secretariat, session):
    kept, removed, dropped = (
        AttendanceFactory(session=session),
        AttendanceFactory(session=session),
        PersonFactory(),
    )

    login(secretariat).post(
        screen(session),
        formset_data(
            [
                {"id": kept.pk, "person": kept.person_id, "status": "present", "days": ["1"]},
                {
                    "id": removed.pk,
                    "person": removed.person_id,
                    "status": "present",
                    "days": EVERY_DAY,
                    "DELETE": "on",
                },
                {"person": dropped.pk, "status": "present", "days": EVERY_DAY, "DELETE": "on"},
            ],
            initial=2,
        ),
    )

    assert list(session.attendances.values_list("person", "present_days")) == [
        (kept.person_id, 0b001)
    ]


def test_an_invalid_list_comes_back_as_typed_in_french(login, secretariat, session):
    person, other = PersonFactory(), PersonFactory()

    response = login(secretariat).post(
        screen(session),
        formset_data(
            [
                {"person": person.pk, "status": "represented", "days": EVERY_DAY},
                {"person": other.pk, "status": "present", "represented_by": "Awa"},
            ]
        ),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Rien n’a encore été enregistré" in content
    assert "Indiquez qui a représenté cette personne." in content
    assert "Cochez les jours où cette personne était là" in content
    assert 'value="Awa"' in content
    assert listed(response) == [person.pk, other.pk]
    assert not session.attendances.exists()


def test_a_one_day_session_asks_no_days(login, secretariat, committee):
    one_day = SessionFactory(
        committee=committee,
        start_date=datetime.date(2019, 12, 17),
        end_date=datetime.date(2019, 12, 17),
    )
    person = PersonFactory()

    response = login(secretariat).post(
        screen(one_day), formset_data([{"person": person.pk, "status": "present"}])
    )

    assert response.status_code == 302
    assert one_day.attendances.get().day_numbers(1) == [1]


def test_coordinator_records_attendance_too(login, coordinator, session):
    person = PersonFactory()

    response = login(coordinator).post(
        screen(session),
        formset_data([{"person": person.pk, "status": "present", "days": EVERY_DAY}]),
    )

    assert response.status_code == 302
    assert session.attendances.get().person == person


def test_partner_is_refused_the_screen_and_its_pre_fill(login, partner, session):
    client = login(partner)

    assert client.get(screen(session)).status_code == 403
    assert client.post(screen(session), formset_data([], _prefill="members")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, session):
    response = client.get(screen(session))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("status", [Minutes.Status.VALIDATED, Minutes.Status.SUBMITTED])
def test_a_frozen_or_submitted_session_refuses_the_list_and_its_pre_fill(
    login, secretariat, session, status
):
    Minutes.objects.create(session=session, status=status)
    person = PersonFactory()
    client = login(secretariat)

    saved = client.post(
        screen(session),
        formset_data([{"person": person.pk, "status": "present", "days": EVERY_DAY}]),
    )
    prefilled = client.post(screen(session), formset_data([], _prefill="previous"))

    assert saved.status_code == prefilled.status_code == 302
    assert saved["Location"] == session.get_absolute_url()
    assert not session.attendances.exists()


def test_a_save_after_someone_elses_is_a_conflict_and_keeps_what_was_typed(
    login, secretariat, session
):
    person = PersonFactory()

    response = login(secretariat).post(
        screen(session),
        formset_data(
            [{"person": person.pk, "status": "present", "represented_by": "", "days": ["2"]}],
            lock=f"{session.edit_count - 1}:1700000000",
        ),
    )

    assert response.status_code == 409
    assert response.context["formset"].forms[0]["days"].value() == ["2"]
    assert not session.attendances.exists()


# -- the directory searched as one types --------------------------------------------------------


def test_the_directory_is_searched_by_every_word_typed(login, secretariat):
    anam = OrganizationFactory(acronym="ANAM", name="Agence Nationale d'Assistance Médicale")
    tangara = PersonFactory(first_name="Hassane", last_name="Tangara", organization=anam)
    PersonFactory(first_name="Hassane", last_name="Diallo")
    PersonFactory(first_name="Awa", last_name="Tangara")

    response = login(secretariat).get(reverse("participants:person_search"), {"q": "tang anam"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "results": [{"id": tangara.pk, "label": "Hassane TANGARA (ANAM)"}]
    }


def test_the_search_answers_at_most_fifteen_people(login, coordinator):
    PersonFactory.create_batch(20, last_name="Keïta")

    response = login(coordinator).get(reverse("participants:person_search"), {"q": "keïta"})

    assert len(response.json()["results"]) == 15


@pytest.mark.parametrize(
    "query",
    ["", "   ", "\x00", "' OR '1'='1", "a" * 10_000, "<script>alert(1)</script>", "😀 ١٢"],
)
def test_the_search_takes_whatever_is_typed(login, secretariat, query):
    PersonFactory(last_name="Keïta")

    response = login(secretariat).get(reverse("participants:person_search"), {"q": query})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_the_search_is_refused_to_partners_and_to_a_post(login, partner, secretariat, client):
    url = reverse("participants:person_search")

    assert login(partner).get(url, {"q": "ta"}).status_code == 403
    assert login(secretariat).post(url, {"q": "ta"}).status_code == 405


def test_the_search_sends_anonymous_to_log_in(client, db):
    response = client.get(reverse("participants:person_search"), {"q": "ta"})

    assert response.status_code == 302


# -- the conversion of the former count of days ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_count_of_days_becomes_the_first_days_even_under_validated_minutes():
    before = [("participants", "0004_history_freeze_triggers")]
    after = [("participants", "0005_attendance_days_memberships")]
    session = SessionFactory(number=18)  # sessions' tables are not touched by the migration
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Person = apps.get_model("participants", "Person")
    OldAttendance = apps.get_model("participants", "Attendance")
    rows = {}
    for key, status, days in [
        ("throughout", "present", None),
        ("two", "present", 2),
        ("represented", "represented", 1),
        ("excused", "excused", 3),
        ("absent", "absent", None),
    ]:
        person = Person.objects.create(first_name=key, last_name="Test")
        rows[key] = OldAttendance.objects.create(
            session_id=session.pk, person=person, status=status, days=days
        ).pk
    # Validated: the record's rows are converted all the same (the trigger is set aside).
    Minutes.objects.create(session=session, status=Minutes.Status.VALIDATED)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    NewAttendance = new_apps.get_model("participants", "Attendance")
    converted = dict(NewAttendance.objects.values_list("pk", "present_days"))

    try:
        assert {key: converted[pk] for key, pk in rows.items()} == {
            "throughout": None,
            "two": 0b011,
            "represented": 0b001,
            "excused": 0,
            "absent": 0,
        }
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
