"""Reminders: each responsible organization's digest of its due and overdue recommendations."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from participants.models import Profile
from reports.models import Minutes, ReminderSent
from reports.reminders import send_reminders
from sessions.models import FollowUp, Recommendation
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
    UserFactory,
)

TODAY = datetime.date(2026, 3, 10)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def contact(username, organization, **profile):
    user = UserFactory(username=username, email=f"{username}@example.org", role="partner")
    PersonFactory(user=user, organization=organization, first_name=username.title())
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def session_with_minutes(status, number, start=datetime.date(2025, 12, 2)):
    session = SessionFactory(number=number, start_date=start, end_date=start)
    if status is not None:
        Minutes.objects.create(session=session, status=status)
    return session


@pytest.fixture
def pam(db):
    return OrganizationFactory(acronym="PAM", name="Programme Alimentaire Mondial")


@pytest.fixture
def validated(db):
    # Recommendations are recorded while the minutes are drafted, then the minutes validated.
    session = session_with_minutes(None, 18)
    return session


def recommend(session, organization, text, due, **fields):
    return RecommendationFactory(
        session=session, responsible=organization, text=text, due_date=due, **fields
    )


def validate(session):
    return Minutes.objects.create(session=session, status=Minutes.Status.VALIDATED)


@pytest.fixture
def pam_digest(pam, validated):
    """PAM: one overdue, one due soon, one far off, one done; two contacts."""
    recommend(validated, pam, "Transmettre le rapport du FA1", days(-3))
    recommend(validated, pam, "Partager le PTBA avec les partenaires", days(5))
    recommend(validated, pam, "Préparer la COP 2027", days(60))
    recommend(validated, pam, "Déjà fait", days(-10), status=Recommendation.Status.DONE)
    validate(validated)
    contact("fatou", pam)
    contact("moussa", pam)
    return pam


def test_each_contact_gets_the_digest_once_per_period_and_again_the_next(pam_digest):
    first = send_reminders(TODAY)
    second = send_reminders(TODAY)
    later_that_week = send_reminders(days(6))
    next_period = send_reminders(days(7))

    assert [sent.organization for sent in first.sent] == [pam_digest]
    assert second.sent == [] and later_that_week.sent == []
    assert [sent.period_start for sent in next_period.sent] == [days(7)]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "fatou@example.org",
        "fatou@example.org",
        "moussa@example.org",
        "moussa@example.org",
    ]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    assert list(ReminderSent.objects.values_list("period_start", "period_end")) == [
        (days(7), days(14)),
        (TODAY, days(7)),
    ]


def test_the_command_is_idempotent(pam_digest, capsys):
    call_command("send_reminders", "--date", TODAY.isoformat())
    call_command("send_reminders", "--date", TODAY.isoformat())

    out = capsys.readouterr().out
    assert len(mail.outbox) == 2
    assert out.count("Rappel envoyé à PAM") == 1
    assert "1 courriel de rappel envoyé ; organisations sans rappel dû ou sans contact : 0." in out
    assert "0 courriel de rappel envoyé ; organisations sans rappel dû ou sans contact : 1." in out


def test_the_digest_lists_the_overdue_then_the_due_soon_in_french_with_links(
    pam_digest, validated, settings
):
    settings.SITE_URL = "https://ctn.example.org"

    send_reminders(TODAY)

    message = mail.outbox[0]
    session_url = f"https://ctn.example.org/sessions/{validated.pk}/#recommendations"
    assert message.subject == (
        "Rappel : 2 recommandations de PAM sont échues ou arrivent à échéance"
    )
    body = message.body
    assert "Madame, Monsieur," in body
    assert "En retard (1)" in body and "À échéance dans les 14 jours (1)" in body
    assert body.index("Transmettre le rapport du FA1") < body.index("Partager le PTBA")
    assert "échéance le 7 mars 2026, 3 jours de retard" in body
    assert "échéance le 15 mars 2026" in body
    assert "Préparer la COP 2027" not in body and "Déjà fait" not in body
    assert session_url in body
    assert (
        f"https://ctn.example.org/sessions/recommendations/?status=open&organization={pam_digest.pk}"
        in body
    )
    assert "https://ctn.example.org/accounts/profile/" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="{session_url}">Transmettre le rapport du FA1</a>' in html
    assert '<html lang="fr">' in html


def test_a_contact_who_chose_english_gets_it_in_english(pam, validated):
    recommend(validated, pam, "Transmettre le rapport du FA1", days(-1))
    validate(validated)
    contact("john", pam, language="en")

    send_reminders(TODAY)

    assert mail.outbox[0].subject == "Reminder: 1 recommendation of PAM is due or overdue"
    assert "Overdue (1)" in mail.outbox[0].body


def test_a_contact_who_opted_out_gets_nothing(pam_digest):
    Profile.objects.create(
        user=pam_digest.people.get(first_name="Moussa").user, remind_recommendations=False
    )

    send_reminders(TODAY)

    assert [m.to for m in mail.outbox] == [["fatou@example.org"]]
    assert ReminderSent.objects.get().recipients == "fatou@example.org"


def test_nobody_left_to_write_to_records_nothing(pam, validated):
    recommend(validated, pam, "Transmettre le rapport du FA1", days(-1))
    validate(validated)
    contact("moussa", pam, remind_recommendations=False)
    PersonFactory(organization=pam, email="sans-compte@example.org")  # no account: not written to

    outcome = send_reminders(TODAY)

    assert mail.outbox == []
    assert outcome.skipped == [(pam, "no_recipient")]
    assert ReminderSent.objects.exists() is False


@pytest.mark.parametrize("status", [None, Minutes.Status.DRAFT, Minutes.Status.SUBMITTED])
def test_nothing_from_minutes_not_validated(pam, status):
    session = session_with_minutes(None, 19)
    recommend(session, pam, "Recommandation d'un brouillon", days(-5))
    if status is not None:
        Minutes.objects.create(session=session, status=status)
    contact("fatou", pam)

    outcome = send_reminders(TODAY)

    assert outcome.sent == [] and mail.outbox == []


def test_a_status_from_draft_minutes_is_not_used(pam, validated):
    """Done at a session whose minutes are still a draft: partners do not know it yet, the
    recommendation is still chased as open, with its validated status."""
    recommendation = recommend(validated, pam, "Transmettre le rapport du FA1", days(-1))
    validate(validated)
    later = session_with_minutes(Minutes.Status.DRAFT, 19, start=datetime.date(2026, 3, 1))
    FollowUp.objects.create(
        recommendation=recommendation, session=later, status=Recommendation.Status.DONE
    )
    Recommendation.objects.filter(pk=recommendation.pk).refresh_follow_ups()
    contact("fatou", pam)

    send_reminders(TODAY)

    assert "Transmettre le rapport du FA1" in mail.outbox[0].body
    assert "(ouverte)" in mail.outbox[0].body


def test_a_failure_to_send_records_nothing_and_the_next_run_tries_again(pam_digest, settings):
    settings.EMAIL_BACKEND = "tests.reports.test_distribution.RefusingSMTPBackend"

    outcome = send_reminders(TODAY)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = send_reminders(TODAY)

    assert outcome.failed == [pam_digest]
    assert [sent.organization for sent in retried.sent] == [pam_digest]
    assert len(mail.outbox) == 2


def test_the_dashboard_shows_when_each_organization_was_last_reminded(
    pam_digest, login, coordinator, partner
):
    send_reminders(TODAY)
    sent = ReminderSent.objects.get()

    editor_page = login(coordinator).get(reverse("home")).content.decode()
    partner_page = login(partner).get(reverse("home")).content.decode()

    shown = timezone.localdate(sent.sent_at).strftime("%d/%m/%Y")
    assert "Dernier rappel" in editor_page and f"{shown}</time>" in editor_page
    assert "Dernier rappel" not in partner_page


def test_a_digest_sent_shows_at_once_on_a_dashboard_already_kept(pam_digest, login, coordinator):
    client = login(coordinator)
    before = client.get(reverse("home")).content.decode()  # kept whole (ctn/cache.py)

    send_reminders(TODAY)
    after = client.get(reverse("home")).content.decode()

    shown = timezone.localdate(ReminderSent.objects.get().sent_at).strftime("%d/%m/%Y")
    assert f"{shown}</time>" not in before
    assert f"{shown}</time>" in after


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_once():
    pam = OrganizationFactory(acronym="PAM")
    session = session_with_minutes(None, 18)
    recommend(session, pam, "Transmettre le rapport du FA1", days(-1))
    validate(session)
    contact("fatou", pam)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait()
            outcomes.append(send_reminders(TODAY))
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(len(outcome.sent) for outcome in outcomes) == [0, 1]
    assert [m.to for m in mail.outbox] == [["fatou@example.org"]]
    assert ReminderSent.objects.count() == 1
