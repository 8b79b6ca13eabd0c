"""Dates typed anywhere hold from 1960 to 2100 (ctn/dates.py), and the calendar feed survives a
row written behind the forms with a date out of that range."""

import datetime
import logging

import pytest
from django.urls import reverse

from participants.models import Profile
from sessions.models import Recommendation, Session
from tests.factories import CommitteeFactory, RecommendationFactory, SessionFactory
from tests.sessions.test_sections import formset_data
from tests.sessions.test_views import session_data

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Saisissez une date comprise entre 1960 et 2100."
TOO_LONG = "Une session dure au plus 31 jours : vérifiez les dates."


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("2019-12-17", "9999-12-31", {"end_date": [OUT_OF_RANGE]}),
        ("1959-12-31", "1960-01-01", {"start_date": [OUT_OF_RANGE]}),
        ("2100-12-31", "2101-01-01", {"end_date": [OUT_OF_RANGE]}),
        ("0001-01-01", "0001-01-02", {"start_date": [OUT_OF_RANGE], "end_date": [OUT_OF_RANGE]}),
    ],
    ids=["the issue's 9999-12-31", "the day before 1960", "the day after 2100", "year 1"],
)
def test_a_planned_session_out_of_range_is_refused_in_french(
    login, secretariat, start, end, errors
):
    committee = CommitteeFactory()

    response = login(secretariat).post(
        "/sessions/new/", session_data(committee, start_date=start, end_date=end)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert Session.objects.count() == 0


def test_the_first_and_last_days_of_the_range_are_accepted(login, secretariat):
    committee = CommitteeFactory()
    client = login(secretariat)

    first = client.post(
        "/sessions/new/",
        session_data(committee, number="1", start_date="1960-01-01", end_date="1960-01-02"),
    )
    last = client.post(
        "/sessions/new/",
        session_data(committee, number="2", start_date="2100-12-30", end_date="2100-12-31"),
    )

    assert (first.status_code, last.status_code) == (302, 302)
    assert list(Session.objects.order_by("number").values_list("start_date", "end_date")) == [
        (datetime.date(1960, 1, 1), datetime.date(1960, 1, 2)),
        (datetime.date(2100, 12, 30), datetime.date(2100, 12, 31)),
    ]


def test_the_date_picker_offers_only_the_range(login, secretariat):
    content = login(secretariat).get("/sessions/new/").content.decode()

    # The start and end dates, and the date of the convocation.
    assert content.count('min="1960-01-01"') == 3
    assert content.count('max="2100-12-31"') == 3


def test_a_due_date_out_of_range_is_refused_and_nothing_saved(login, secretariat):
    session = SessionFactory()

    response = login(secretariat).post(
        f"/sessions/{session.pk}/recommendations/",
        formset_data(
            "recommendations",
            [
                {"kind": "recommendation", "text": "Former les agents.", "status": "open"},
                {
                    "kind": "recommendation",
                    "text": "Publier le rapport.",
                    "status": "open",
                    "due_date": "9999-12-31",
                },
            ],
        ),
    )

    formset = response.context["formset"]
    assert response.status_code == 200
    assert [form.errors for form in formset.forms] == [{}, {"due_date": [OUT_OF_RANGE]}]
    assert Recommendation.objects.count() == 0


# -- the admin ------------------------------------------------------------------------------------


def admin_payload(response):
    """What the admin's change page posts back untouched (inlines left empty)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


@pytest.mark.parametrize(
    ("end", "errors"),
    [
        ("9999-12-31", {"end_date": [OUT_OF_RANGE]}),
        ("2019-12-31", {"end_date": [TOO_LONG]}),
    ],
    ids=["out of range", "three months long"],
)
def test_the_admin_refuses_session_dates_as_the_screens_do(login, admin_user, end, errors):
    session = SessionFactory()
    url = f"/admin/ctn_sessions/session/{session.pk}/change/"
    client = login(admin_user)
    data = admin_payload(client.get(url))

    response = client.post(url, {**data, "end_date": end})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    session.refresh_from_db()
    assert session.end_date == datetime.date(2019, 9, 28)


def test_the_admin_still_saves_a_session_within_the_range(login, admin_user):
    session = SessionFactory()
    url = f"/admin/ctn_sessions/session/{session.pk}/change/"
    client = login(admin_user)
    data = admin_payload(client.get(url))

    response = client.post(url, {**data, "end_date": "2019-09-30"})

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.end_date == datetime.date(2019, 9, 30)


def test_the_admin_refuses_a_due_date_out_of_range(login, admin_user):
    recommendation = RecommendationFactory()
    url = f"/admin/ctn_sessions/recommendation/{recommendation.pk}/change/"
    client = login(admin_user)
    data = admin_payload(client.get(url))

    response = client.post(url, {**data, "due_date": "1900-01-01"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"due_date": [OUT_OF_RANGE]}
    recommendation.refresh_from_db()
    assert recommendation.due_date == datetime.date(2019, 12, 31)


# -- the calendar feed ----------------------------------------------------------------------------


def test_the_calendar_feed_survives_a_session_dated_9999_12_31(client, partner, caplog):
    # Written behind the forms (the database by hand): the day after it does not exist.
    committee = CommitteeFactory()
    SessionFactory(committee=committee, number=19, status=Session.Status.PLANNED)
    broken = SessionFactory(
        committee=committee,
        number=20,
        status=Session.Status.PLANNED,
        start_date=datetime.date(9999, 12, 31),
        end_date=datetime.date(9999, 12, 31),
    )
    token = Profile.for_user(partner).new_calendar_token()

    with caplog.at_level(logging.WARNING, logger="sessions.ical"):
        response = client.get(reverse("calendar"), {"token": token})

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("BEGIN:VEVENT") == 1
    assert "19ème session ordinaire du CTN" in content
    assert "20ème" not in content
    assert [record.getMessage() for record in caplog.records] == [
        f"Session {broken.pk} left out of the calendar feed: dates 9999-12-31 to 9999-12-31 "
        "out of range"
    ]
