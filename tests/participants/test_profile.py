import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from participants.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _new_link(client):
    client.post(reverse("calendar_link_create"))
    return client.get(reverse("profile")).context["new_calendar_link"]


def test_the_profile_is_created_on_the_first_visit_with_e_mails_on(login, partner):
    client = login(partner)

    response = client.get(reverse("profile"))

    assert response.status_code == 200
    assert response.context["profile"].user == partner
    assert Profile.objects.get(user=partner).notify_minutes is True
    assert "Mon profil" in response.content.decode()


def test_a_partner_opts_out_of_the_e_mails(login, partner):
    client = login(partner)

    response = client.post(reverse("profile"), {})

    assert response.status_code == 302
    assert response.url == reverse("profile")
    assert Profile.objects.get(user=partner).notify_minutes is False
    page = client.get(reverse("profile")).content.decode()
    assert "Vous ne recevrez plus de courriel" in page


def test_a_partner_opts_back_in(login, partner):
    Profile.objects.create(user=partner, notify_minutes=False)
    client = login(partner)

    client.post(reverse("profile"), {"notify_minutes": "on"})

    assert Profile.objects.get(user=partner).notify_minutes is True


def test_the_calendar_link_is_shown_once_and_only_its_hash_is_kept(login, secretariat, settings):
    client = login(secretariat)

    response = client.post(reverse("calendar_link_create"))
    first_page = client.get(reverse("profile"))
    second_page = client.get(reverse("profile"))

    link = first_page.context["new_calendar_link"]
    token = parse_qs(urlsplit(link).query)["token"][0]
    profile = Profile.objects.get(user=secretariat)
    assert response.status_code == 302
    assert link.startswith(f"{settings.SITE_URL}/calendar.ics?token=")
    assert link in first_page.content.decode()
    assert second_page.context["new_calendar_link"] is None
    assert token not in second_page.content.decode()
    assert profile.calendar_token == Profile.hash_token(token)
    assert token not in profile.calendar_token


def test_replacing_the_calendar_link_stops_the_old_one(login, partner, client):
    login(partner)
    old_link = _new_link(client)

    new_link = _new_link(client)

    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_a_revoked_calendar_link_is_refused_in_french(login, partner, client):
    login(partner)
    link = _new_link(client)

    response = client.post(reverse("calendar_link_revoke"))
    client.logout()
    feed = client.get(link)

    assert response.status_code == 302
    assert Profile.objects.get(user=partner).has_calendar_link is False
    assert feed.status_code == 404
    assert feed.content.decode() == (
        "Lien de calendrier inconnu ou révoqué. Créez-en un nouveau sur votre page de profil."
    )


def test_the_profile_tells_when_the_link_expires(login, partner, settings):
    settings.CALENDAR_TOKEN_MAX_AGE = 30
    profile = Profile.for_user(partner)
    profile.new_calendar_token()
    profile.calendar_token_created_at = timezone.make_aware(datetime.datetime(2019, 9, 1, 10))
    profile.save(update_fields=["calendar_token_created_at"])

    page = login(partner).get(reverse("profile")).content.decode()

    assert "créé le 1 septembre 2019" in page
    assert "valable jusqu’au 1 octobre 2019" in page


def test_anonymous_is_sent_to_the_log_in_page(client):
    for url in (
        reverse("profile"),
        reverse("calendar_link_create"),
        reverse("calendar_link_revoke"),
    ):
        response = client.post(url)

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["calendar_link_create", "calendar_link_revoke"])
def test_the_calendar_link_actions_refuse_get(login, partner, name):
    response = login(partner).get(reverse(name))

    assert response.status_code == 405
    assert Profile.objects.filter(user=partner, calendar_token__gt="").exists() is False


def test_each_user_changes_only_their_own_profile(login, partner):
    other = UserFactory(username="fao", role="partner")
    Profile.objects.create(user=other, notify_minutes=True)

    login(partner).post(reverse("profile"), {})

    assert Profile.objects.get(user=other).notify_minutes is True
    assert Profile.objects.get(user=partner).notify_minutes is False


def test_the_header_links_to_the_profile(login, coordinator):
    page = login(coordinator).get(reverse("home")).content.decode()

    assert f'href="{reverse("profile")}"' in page


def test_a_contact_opts_out_of_the_reminders_and_back_in(login, partner):
    client = login(partner)

    client.post(reverse("profile"), {"notify_minutes": "on"})
    out = client.get(reverse("profile")).content.decode()
    client.post(reverse("profile"), {"notify_minutes": "on", "remind_recommendations": "on"})
    back = client.get(reverse("profile")).content.decode()

    assert Profile.objects.get(user=partner).remind_recommendations is True
    assert "Vous ne recevrez plus les rappels des recommandations de votre organisation." in out
    assert "Vous recevrez les rappels des recommandations de votre organisation." in back
    assert 'name="remind_recommendations"' in back and 'name="language"' in back


def test_an_unknown_language_is_refused(login, partner):
    client = login(partner)

    response = client.post(reverse("profile"), {"language": "de", "notify_minutes": "on"})

    assert response.status_code == 200
    assert Profile.objects.get(user=partner).language == ""
    assert "Sélectionnez un choix valide." in response.content.decode()
