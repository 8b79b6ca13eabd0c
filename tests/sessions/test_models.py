import datetime

import pytest
from django.db import IntegrityError, transaction

from participants.models import Attendance
from sessions.models import CoChair, ExpectedResult, Session
from tests.factories import (
    AttendanceFactory,
    CoChairFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    PersonFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

Status = ExpectedResult.Status


def test_session_str_is_the_committee_s_ordinal_and_kind():
    ordinary = SessionFactory.build(number=18, kind=Session.Kind.ORDINARY)
    first = SessionFactory.build(number=1, kind=Session.Kind.EXTRAORDINARY)

    assert str(ordinary) == "18ème session ordinaire"
    assert str(first) == "1ère session extraordinaire"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((2019, 9, 26), (2019, 9, 28), "les 26, 27 et 28 septembre 2019"),
        ((2019, 9, 30), (2019, 10, 2), "du 30 septembre au 2 octobre 2019"),
        ((2020, 3, 5), (2020, 3, 5), "le 5 mars 2020"),
        ((2019, 12, 30), (2020, 1, 2), "du 30 décembre 2019 au 2 janvier 2020"),
    ],
)
def test_date_span_is_written_in_french(start, end, expected):
    session = SessionFactory.build(start_date=datetime.date(*start), end_date=datetime.date(*end))

    assert session.date_span == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], ""),
        ([Status.ACHIEVED, Status.ACHIEVED], "atteints dans l’ensemble"),
        ([Status.ACHIEVED, Status.ACHIEVED, Status.PARTIAL], "atteints dans l’ensemble"),
        ([Status.ACHIEVED, Status.NOT_ACHIEVED, Status.NOT_ACHIEVED], "partiellement atteints"),
        ([Status.NOT_ACHIEVED], "non atteints"),
        ([Status.ACHIEVED, Status.PENDING], "appréciation en attente"),
    ],
)
def test_results_assessment_sums_up_the_expected_results(statuses, expected):
    session = SessionFactory()
    for status in statuses:
        ExpectedResultFactory(session=session, status=status)

    assert str(session.results_assessment) == expected


def test_two_sessions_of_the_same_kind_cannot_share_a_number():
    existing = SessionFactory(number=18)

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(committee=existing.committee, number=18)


def test_an_extraordinary_session_is_numbered_apart():
    ordinary = SessionFactory(number=3)

    extraordinary = SessionFactory(
        committee=ordinary.committee, number=3, kind=Session.Kind.EXTRAORDINARY
    )

    assert extraordinary.pk != ordinary.pk


def test_a_session_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(start_date=datetime.date(2019, 9, 28), end_date=datetime.date(2019, 9, 26))


def test_a_session_number_starts_at_one():
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(number=0, committee=CommitteeFactory())


def test_a_person_co_chairs_a_session_once():
    cochair = CoChairFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CoChair.objects.create(session=cochair.session, person=cochair.person)


def test_a_person_is_on_the_attendance_list_once():
    attendance = AttendanceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(session=attendance.session, person=attendance.person)


def test_the_same_person_attends_two_sessions():
    person = PersonFactory()

    AttendanceFactory(person=person)
    AttendanceFactory(person=person)

    assert person.attendances.count() == 2
