"""The interface in French or in English: the profile's choice, else the browser's language.

Every page of every role renders in English with no French left in the interface, and in
French with no English. What the users recorded (names, texts of the sessions) is in whatever
language they wrote it: every text of the database is taken out of the page before it is read.
"""

import functools
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import trans_real

from bench.history import build_history
from participants.models import Profile
from tests.test_query_budgets import PAGES, ROLES, _committee, _targets, _url
from tests.utils import close_response

# Words of a French interface that an English page must not show (whole words, any case).
FRENCH_WORDS = {
    "le", "la", "les", "des", "du", "une", "et", "ou", "pour", "avec", "dans", "sur", "est",
    "sont", "aucun", "aucune", "jour", "jours", "mois", "par", "aux", "vous", "votre", "nous",
    "ème", "ère", "1er", "enregistrer", "annuler", "modifier", "ajouter", "supprimer",
    "rechercher", "retour", "connexion", "déconnexion", "compte", "rendu", "janvier", "février",
    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "ordinaire",
    "extraordinaire", "prévue", "tenue", "validé", "brouillon", "soumis", "ouverte",
}  # fmt: skip
# Words of an English interface that a French page must not show.
ENGLISH_WORDS = {
    "the", "and", "of", "with", "your", "you", "save", "cancel", "edit", "delete", "search",
    "back", "add", "new", "overdue", "due", "held", "planned", "draft", "submitted",
    "validated", "people", "organization", "organizations", "recommendations", "attendance",
    "download", "none", "from", "this", "which", "there", "log", "sign", "yes", "january",
    "february", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "th", "st", "nd", "rd",
}  # fmt: skip
# A language picker names each language in itself.
ALLOWED = {"Français", "English"}
ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
NOT_HTML = ("_pdf", "_xlsx", "_csv")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Text(HTMLParser):
    """The text a reader meets: text nodes and the attributes read aloud or shown, but for
    scripts, styles and the passages marked as written in another language (`lang`: the
    preview of a French document in an English page)."""

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language, self.parts, self._skip = language, [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._skip:
            self._skip += tag not in VOID
            return
        other_language = tag != "html" and attrs.get("lang", self.language) != self.language
        if tag in ("script", "style") or other_language:
            self._skip = 1
            return
        for name, value in attrs.items():
            if name in ATTRIBUTES and value:
                self.parts.append(value)
        if tag == "option":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1
            return
        self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def database_texts():
    """Every text the users recorded, the longest first (so that a longer text goes whole)."""
    texts = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"participants", "ctn_sessions", "reports", "auth"}:
            continue
        # Not the values of a choice (their labels are the interface's), nor passwords.
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
            and not f.choices
            and f.name != "password"
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            for value in row:
                if value:
                    value = str(value)
                    texts.add(value)
                    texts.update(line.strip() for line in value.splitlines() if line.strip())
                    # As the history shows a long text (sessions/history.py).
                    texts.update(Truncator(value).chars(n) for n in (60, 200))
                    # The dashboard's overdue list (truncatewords).
                    texts.add(Truncator(value).words(18, truncate=" …"))
    return sorted(texts, key=len, reverse=True)


def interface_text(html, texts, language):
    parser = _Text(language)
    parser.feed(html)
    text = unescape("".join(parser.parts))
    for value in texts:
        if len(value) > 2:
            text = text.replace(value, " ")
    for word in ALLOWED:
        text = text.replace(word, " ")
    # The committee's own words, quoted in an explanation (« coprésidée par »), and the
    # addresses the audit trail names.
    text = re.sub(r"«[^»]*»", " ", text)
    return re.sub(r"(?<!\w)/[\w/.?=&%-]*", " ", text)


def words(text):
    return {word.lower() for word in re.findall(r"[^\W\d_]+|\d+(?:er|ère|ème)\b", text)}


@functools.cache
def catalogue_lines(language):
    """The messages of the other language's interface that are a whole line of a page: the
    French translations (for an English page) or the English msgids (for a French page) of
    two words or more that differ between the two languages."""
    catalog = trans_real.translation("fr")._catalog
    lines = set()
    for key, french in catalog.items():
        english = key[0] if isinstance(key, tuple) else key.split("\x04")[-1]
        if not isinstance(french, str) or french == english or "%" in english + french:
            continue
        line = french if language == "en" else english
        if len(line.split()) >= 2:
            lines.add(line)
    return frozenset(lines)


def foreign_words(text, language):
    found = words(text)
    lines = {" ".join(line.split()) for line in text.splitlines()}
    whole_messages = sorted(lines & catalogue_lines(language))
    if language == "en":
        accented = {w for w in found if re.search(r"[éèêëàâäçôöûùüîïœ]", w)}
        return sorted((found & FRENCH_WORDS) | accented) + whole_messages
    return sorted(found & ENGLISH_WORDS) + whole_messages


def _in_context(word, text):
    match = re.search(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", text)
    start = max(match.start() - 30, 0) if match else 0
    return " ".join(text[start : start + 70].split()) if match else word


@pytest.fixture(scope="module")
def pages_by_language(django_db_setup, django_db_blocker):
    """{(language, role, page): interface text}, each role's pages read in each language."""
    seen = {}
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_history(
            sessions=4,
            agenda_items=1,
            interventions=1,
            attendees=1,
            recommendations=1,
            validated_all_but=2,
            acronym="CTN",
            directory=(2, 6),
        )
        targets = _targets(_committee("CTN"))
        texts = database_texts()
        for language in ("en", "fr"):
            for role in ROLES:
                user = _user(built["users"][role])
                Profile.objects.update_or_create(user=user, defaults={"language": language})
                client = Client()
                client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
                for page in PAGES:
                    if page.name.endswith(NOT_HTML):
                        continue
                    response = client.get(_url(page, targets))
                    close_response(response)
                    if response.status_code != 200:
                        continue
                    assert response["Content-Language"] == language, page.key
                    seen[(language, role, page.key)] = interface_text(
                        response.content.decode(), texts, language
                    )
        transaction.set_rollback(True)
    for cache in caches.all():
        cache.clear()
    return seen


def _user(pk):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_speaks_only_the_users_language(pages_by_language, language):
    leaks = {
        f"{role} {page}": [_in_context(word, text) for word in foreign_words(text, language)]
        for (lang, role, page), text in pages_by_language.items()
        if lang == language and foreign_words(text, language)
    }

    assert len([key for key in pages_by_language if key[0] == language]) > 60
    assert leaks == {}, "\n".join(f"{page}: {found}" for page, found in leaks.items())


@pytest.mark.django_db
def test_the_browser_language_is_used_without_a_choice_on_the_profile(client, partner):
    client.force_login(partner, backend=settings.AUTHENTICATION_BACKENDS[-1])

    english = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    french = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert "My profile" in english.content.decode()
    assert "Mon profil" in french.content.decode()
    assert english["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_profile_language_wins_over_the_browser_and_follows_a_change(login, partner):
    client = login(partner)

    client.post(
        reverse("profile"),
        {"language": "en", "notify_minutes": "on", "remind_recommendations": "on"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    english = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="fr")
    client.post(
        reverse("profile"),
        {"language": "fr", "notify_minutes": "on", "remind_recommendations": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    french = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="en")

    assert Profile.objects.get(user=partner).language == "fr"
    assert '<html lang="en"' in english.content.decode()
    assert "My profile" in english.content.decode()
    assert "Mon profil" in french.content.decode()


@pytest.mark.django_db
def test_the_language_chosen_is_used_at_the_next_log_in(client, partner):
    from tests.factories import PASSWORD

    Profile.objects.create(user=partner, language="en")

    client.post(reverse("login"), {"username": partner.username, "password": PASSWORD})
    page = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="fr")

    assert "My profile" in page.content.decode()


@pytest.mark.django_db
def test_anonymous_pages_follow_the_browser(client):
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    french = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr")

    assert foreign_words(interface_text(english.content.decode(), [], "en"), "en") == []
    assert foreign_words(interface_text(french.content.decode(), [], "fr"), "fr") == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_error_pages_speak_the_users_language(client, partner, language):
    Profile.objects.create(user=partner, language=language)
    client.force_login(partner, backend=settings.AUTHENTICATION_BACKENDS[-1])

    pages = {
        404: client.get("/sessions/999999/"),
        403: client.get(reverse("participants:person_list")),
        405: client.get(reverse("calendar_link_revoke")),
    }

    for status, response in pages.items():
        assert response.status_code == status
        text = interface_text(response.content.decode(), database_texts(), language)
        assert foreign_words(text, language) == [], status
        assert f'<html lang="{language}"' in response.content.decode()
