"""Search at /search/?q=: accent-insensitive, grouped by session, highlighted, bounded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Minutes
from sessions import search
from sessions.models import FollowUp, Tag
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    InterventionFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def session(number, start, **fields):
    fields.setdefault("city", "Bamako")
    fields.setdefault("venue", "salle de réunion")
    fields.setdefault("objective", "Faire le point trimestriel.")
    return SessionFactory(
        committee=CommitteeFactory(),
        number=number,
        start_date=start,
        end_date=start + datetime.timedelta(days=1),
        **fields,
    )


def validate(session):
    Minutes.objects.update_or_create(session=session, defaults={"status": "validated"})
    return session


def found(response):
    """[(session number, [(kind, excerpt)])] of a results page."""
    return [
        (group.session.number, [(hit.source.kind, str(hit.excerpt)) for hit in group.hits])
        for group in response.context["results"].groups
    ]


@pytest.fixture
def s17(db):
    s17 = session(17, datetime.date(2019, 6, 27))
    AgendaItemFactory(session=s17, title="Situation des financements 2019–2022", summary="")
    RecommendationFactory(
        session=s17, text="Transmettre au PAM la liste des ménages de Ségou", responsible=None
    )
    return s17


@pytest.fixture
def s18(db):
    s18 = session(18, datetime.date(2019, 9, 26), city="Ségou")
    InterventionFactory(
        session=s18, speaker_label="le représentant du gouverneur", summary="A salué Ségou."
    )
    ExpectedResultFactory(session=s18, description="Les perspectives 2019-2023 sont partagées")
    return s18


@pytest.mark.parametrize("query", ["segou", "SEGOU", "Ségou", "ségou"])
def test_search_is_accent_and_case_insensitive_and_grouped_by_session(
    login, secretariat, s17, s18, query
):
    response = login(secretariat).get("/search/", {"q": query})

    assert response.status_code == 200
    assert found(response) == [
        (
            18,
            [
                ("session", "<mark>Ségou</mark>"),
                ("intervention", "A salué <mark>Ségou</mark>."),
            ],
        ),
        (17, [("recommendation", "Transmettre au PAM la liste des ménages de <mark>Ségou</mark>")]),
    ]
    assert "<mark>Ségou</mark>" in response.content.decode()


def test_search_finds_agenda_items_and_results_with_another_ending(login, coordinator, s17, s18):
    response = login(coordinator).get("/search/", {"q": "financement"})

    assert found(response) == [
        (17, [("agenda", "Situation des <mark>financements</mark> 2019–2022")]),
    ]


def test_every_word_must_be_found(login, coordinator, s17, s18):
    client = login(coordinator)

    assert found(client.get("/search/", {"q": "perspectives partagées"})) == [
        (18, [("result", "Les <mark>perspectives</mark> 2019-2023 sont <mark>partagées</mark>")])
    ]
    assert found(client.get("/search/", {"q": "perspectives Tominian"})) == []


def test_the_matching_text_is_escaped_before_it_is_highlighted(login, secretariat, s17):
    RecommendationFactory(
        session=s17, text="<script>alert('ségou')</script> & Ségou", responsible=None
    )

    response = login(secretariat).get("/search/", {"q": "segou"})

    content = response.content.decode()
    assert "<script>alert" not in content
    assert (
        "&lt;script&gt;alert(&#x27;<mark>ségou</mark>&#x27;)&lt;/script&gt; "
        "&amp; <mark>Ségou</mark>" in content
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Saisissez un ou plusieurs mots à rechercher."),
        ("   ", "Saisissez un ou plusieurs mots à rechercher."),
        ("!!! ?", "Saisissez des lettres ou des chiffres à rechercher."),
        ("x" * 201, "La recherche est trop longue : saisissez au plus 200 caractères."),
    ],
)
def test_an_empty_or_bad_search_says_why_and_finds_nothing(login, secretariat, s18, query, message):
    response = login(secretariat).get("/search/", {"q": query})

    assert response.status_code == 200
    assert response.context["results"] is None
    assert message in response.content.decode()


def test_the_search_page_without_query_is_only_the_form(login, partner):
    response = login(partner).get("/search/")

    assert response.status_code == 200
    assert (response.context["results"], response.context["error"]) == (None, "")


def test_nothing_found_is_said(login, secretariat, s18):
    response = login(secretariat).get("/search/", {"q": "Tombouctou"})

    assert found(response) == []
    assert "Rien trouvé pour « Tombouctou »." in response.content.decode()


def test_partners_search_only_validated_minutes(login, partner, s17, s18):
    validate(s17)

    response = login(partner).get("/search/", {"q": "segou"})

    assert [number for number, _hits in found(response)] == [17]


def test_search_within_one_tag(login, secretariat, s17, s18):
    tag = Tag.objects.create(kind=Tag.Kind.PARTNER, name="PAM")
    tagged = RecommendationFactory(session=s18, text="Relancer le PAM à Ségou", responsible=None)
    tagged.tags.add(tag)

    response = login(secretariat).get("/search/", {"q": "segou", "tag": tag.pk})

    assert found(response) == [
        (18, [("recommendation", "Relancer le PAM à <mark>Ségou</mark>")]),
    ]


def test_an_unknown_tag_is_said_and_the_search_runs_without_it(login, secretariat, s18):
    response = login(secretariat).get("/search/", {"q": "segou", "tag": "nope"})

    assert response.status_code == 200
    assert [number for number, _hits in found(response)] == [18]
    assert "Cette étiquette n’existe pas" in response.content.decode()


def test_results_are_capped_per_kind(login, secretariat, s18):
    for n in range(search.RESULTS_PER_KIND + 2):
        RecommendationFactory(session=s18, text=f"Ségou, relance {n}", responsible=None)

    response = login(secretariat).get("/search/", {"q": "segou relance"})

    results = response.context["results"]
    assert (results.count, results.capped) == (search.RESULTS_PER_KIND, True)
    assert "Seuls les premiers résultats" in response.content.decode()


@pytest.mark.parametrize("role", ["secretariat", "partner"])
def test_the_search_costs_the_same_whatever_the_history(request, login, role):
    client = login(request.getfixturevalue(role))

    def add(number):
        held = session(number, datetime.date(2010, 1, 1) + datetime.timedelta(days=91 * number))
        AgendaItemFactory(session=held, title="Recommandation de Ségou")
        InterventionFactory(session=held, summary="Recommandation")
        RecommendationFactory(session=held, text="Recommandation")
        ExpectedResultFactory(session=held, description="Recommandation")
        validate(held)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/search/", {"q": "recommandation"}).status_code == 200
        return len(queries)

    add(1)
    small = count()
    for number in range(2, 12):
        add(number)
    large = count()

    assert small == large
    assert large <= 15


def test_anonymous_is_sent_to_log_in(client, db):
    assert client.get("/search/?q=segou")["Location"].startswith("/accounts/login/")


# -- the highlighting itself ----------------------------------------------------------------------


def test_highlight_marks_words_whatever_their_accents_and_endings():
    assert str(search.highlight("Le Ségou des financements", ["segou", "financement"])) == (
        "Le <mark>Ségou</mark> des <mark>financements</mark>"
    )


def test_highlight_cuts_a_long_text_around_the_first_match():
    text = "début " * 60 + "Tominian" + " fin" * 60

    excerpt = str(search.highlight(text, ["tominian"], excerpt=60))

    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "<mark>Tominian</mark>" in excerpt
    assert len(excerpt) < 100


@pytest.mark.parametrize(
    "text",
    [
        "Le Ségou des financements… « ANAM » ; l’ANAM, œuvres ÉTAT",
        "SÉGOU\u00a0et\u202fsegou-ville, anamnèse",
        "ﬁnancement d'une straße à Se\u0301gou",  # ligature, ß, combining accent: folded whole
        "ανάμ Ségou 3ème 2020",
    ],
)
def test_a_text_is_searched_as_it_is_as_its_folding_would_be(text):
    terms = ["segou", "financement", "anam", "œuvre", "etat", "strasse", "3eme", "2020"]
    folded, positions = search._folded_with_positions(text)
    expected = [
        match.span()
        if positions is None
        else (positions[match.start()], positions[match.end() - 1] + 1)
        for match in search._candidates(tuple(terms)).finditer(folded)
        if any(search._word_matches(match.group(), term) for term in terms)
    ]

    assert expected and search.match_spans(text, terms) == expected


def test_query_terms_are_folded_and_bounded():
    assert search.query_terms("Ségou ségou ŒUVRE l'ANAM 3") == ["segou", "œuvre", "anam", "3"]
    assert len(search.query_terms(" ".join(f"mot{n}" for n in range(20)))) == search.MAX_TERMS


def test_search_finds_the_follow_up_notes_of_a_session(login, secretariat, s17, s18):
    FollowUp.objects.create(
        recommendation=s17.recommendations.get(),
        session=s18,
        status="done",
        note="Liste remise au PAM à Ségou",
    )

    response = login(secretariat).get("/search/", {"q": "liste remise"})

    assert found(response) == [
        (18, [("followup", "<mark>Liste</mark> <mark>remise</mark> au PAM à Ségou")]),
    ]
    (hit,) = response.context["results"].groups[0].hits
    assert hit.title == "Transmettre au PAM la liste des ménages de Ségou – réalisée"
    assert hit.url == f"/sessions/{s18.pk}/#followups"


@pytest.mark.parametrize("query", ["seg\x00ou", "\x00", "ségou\x07"])
def test_control_characters_in_a_search_are_no_error(login, secretariat, s18, query):
    response = login(secretariat).get("/search/", {"q": query})

    assert response.status_code == 200
