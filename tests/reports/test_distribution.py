"""E-mails to the partners when minutes are validated (locmem backend: mail.outbox)."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from participants.models import Profile
from reports import services
from reports.distribution import notify_partners, partner_recipients
from reports.models import Minutes
from tests.factories import UserFactory
from tests.utils import reviewed


class RefusingSMTPBackend(BaseEmailBackend):
    """An e-mail server that answers every message with an error."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def submitted_17(session_17, session_18, secretariat):
    return services.submit(services.minutes_for(session_17), secretariat)


def validate(minutes, coordinator, during, capture):
    with capture(execute=True) as callbacks:
        version = services.validate(minutes, coordinator, validated_during=during)
    return version, callbacks


def test_every_partner_gets_a_french_e_mail_with_the_link_to_the_pdf(
    submitted_17, session_17, session_18, coordinator, partner, django_capture_on_commit_callbacks
):
    fao = UserFactory(username="fao", email="fao@example.org", role="partner")

    validate(submitted_17, coordinator, session_18, django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "fao@example.org",
        "pam@example.org",
    ]
    assert all(len(message.to) == 1 and not message.bcc for message in mail.outbox)
    message = next(m for m in mail.outbox if m.to == [fao.email])
    assert message.subject == "Compte rendu validé : 17ème session ordinaire du CTN"
    assert message.from_email == "ctn@localhost"
    pdf_url = f"http://127.0.0.1:8000/reports/{session_17.pk}/minutes.pdf"
    assert message.body.splitlines()[:6] == [
        "Madame, Monsieur,",
        "",
        "Le compte rendu de la 17ème session ordinaire du Comité Technique National (CTN), "
        "tenue les 26, 27 et 28 juin 2019 à Ségou, a été validé.",
        "",
        "Télécharger le PDF du compte rendu validé :",
        pdf_url,
    ]
    assert "http://127.0.0.1:8000/accounts/profile/" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body


def test_the_link_is_built_from_the_site_url_setting(
    submitted_17,
    session_17,
    session_18,
    coordinator,
    partner,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SITE_URL = "https://ctn.example.ml"

    validate(submitted_17, coordinator, session_18, django_capture_on_commit_callbacks)

    assert f"https://ctn.example.ml/reports/{session_17.pk}/minutes.pdf" in mail.outbox[0].body


def test_no_e_mail_leaves_before_the_validation_is_committed(
    submitted_17, session_18, coordinator, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.validate(submitted_17, coordinator, validated_during=session_18)

    assert mail.outbox == []
    # The e-mails go in one callback at commit, beside the cache drops the writes ask then.
    sends = [c for c in callbacks if getattr(c, "func", None) is notify_partners]
    assert len(sends) == 1


def test_who_gets_no_e_mail(
    submitted_17,
    session_18,
    secretariat,
    coordinator,
    partner,
    django_capture_on_commit_callbacks,
):
    Profile.objects.create(user=UserFactory(username="wfp", role="partner"), notify_minutes=False)
    UserFactory(username="old", role="partner", is_active=False)
    UserFactory(username="noaddress", email="", role="partner")
    UserFactory(username="norole")

    validate(submitted_17, coordinator, session_18, django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["pam@example.org"]]


def test_a_partner_who_opted_back_in_gets_the_e_mail(
    submitted_17, session_18, coordinator, partner, django_capture_on_commit_callbacks
):
    Profile.objects.create(user=partner, notify_minutes=True)

    validate(submitted_17, coordinator, session_18, django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["pam@example.org"]]


def test_a_postponement_sends_no_e_mail(
    submitted_17, session_18, coordinator, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.validate(
            submitted_17, coordinator, outcome="postponed", validated_during=session_18
        )

    assert mail.outbox == []


def test_a_refused_validation_sends_no_e_mail(
    submitted_17, session_18, secretariat, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.MinutesError):
        services.validate(submitted_17, secretariat, validated_during=session_18)

    assert mail.outbox == []


def test_a_mail_server_failure_is_logged_and_the_minutes_stay_validated(
    submitted_17,
    session_18,
    coordinator,
    partner,
    settings,
    caplog,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "tests.reports.test_distribution.RefusingSMTPBackend"

    with caplog.at_level(logging.ERROR, logger="reports.distribution"):
        version, _callbacks = validate(
            submitted_17, coordinator, session_18, django_capture_on_commit_callbacks
        )

    submitted_17.refresh_from_db()
    assert submitted_17.status == Minutes.Status.VALIDATED
    assert version.is_validated
    assert [record.getMessage() for record in caplog.records] == [
        f"The e-mails announcing {version} could not be sent to 1 partners"
    ]


def test_notify_partners_reports_how_many_e_mails_were_sent(
    submitted_17, session_18, coordinator, partner, django_capture_on_commit_callbacks
):
    UserFactory(username="fao", role="partner")
    with django_capture_on_commit_callbacks(execute=False):
        version = services.validate(submitted_17, coordinator, validated_during=session_18)

    assert notify_partners(version) == 2
    assert len(mail.outbox) == 2


def test_the_recipients_are_the_active_partners_with_an_address(partner, coordinator):
    UserFactory(username="fao", role="partner")
    UserFactory(username="old", role="partner", is_active=False)

    assert [user.username for user in partner_recipients()] == ["pam", "fao"]


def test_validating_from_the_minutes_page_e_mails_the_partners(
    login,
    submitted_17,
    session_17,
    session_18,
    coordinator,
    partner,
    django_capture_on_commit_callbacks,
):
    client = login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:validate", args=[session_17.pk]),
            {
                "outcome": "validated",
                "validated_during": session_18.pk,
                "amendments": "",
                "reviewed": reviewed(session_17),
                "confirm": "on",
            },
        )

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["pam@example.org"]]


def test_an_erratum_validated_again_is_announced_as_a_new_version(
    submitted_17,
    session_17,
    session_18,
    coordinator,
    secretariat,
    partner,
    django_capture_on_commit_callbacks,
):
    validate(submitted_17, coordinator, session_18, django_capture_on_commit_callbacks)
    services.open_erratum(submitted_17, coordinator, "Nom d’un participant mal orthographié")
    services.submit(submitted_17, secretariat)

    validate(submitted_17, coordinator, None, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 2
    assert (
        "Il s’agit de la version 2 : un erratum qui remplace la version précédente."
        in mail.outbox[1].body
    )
    assert "version 2" not in mail.outbox[0].body
