"""A search page is kept whole per user and state of the data it reads (ctn/cache.py): a
repeated search reads none of the searched tables, and any write to what it reads shows in the
very next search."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participants.models import Organization
from reports.models import Minutes
from sessions import search
from sessions.models import AgendaItem, Committee, FollowUp, Recommendation, Tag
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    InterventionFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def session(number, start, **fields):
    return SessionFactory(
        committee=CommitteeFactory(),
        number=number,
        start_date=start,
        end_date=start + datetime.timedelta(days=1),
        city="Bamako",
        venue="salle de réunion",
        objective="Faire le point trimestriel.",
        **fields,
    )


def validate(session):
    Minutes.objects.update_or_create(session=session, defaults={"status": "validated"})
    return session


def shown(response):
    """[(session pk, [(kind label, title, excerpt)])] as the page shows them: read from its HTML,
    which a cached copy serves (its context's results would be computed anew)."""
    groups = []
    for pk, body in re.findall(
        r'<section class="mb-4" aria-labelledby="results-(\d+)">(.*?)</section>',
        response.content.decode(),
        re.DOTALL,
    ):
        hits = re.findall(
            r'<span class="badge text-bg-secondary">(.*?)</span>\s*<a href="[^"]*">(.*?)</a>'
            r'\s*<div class="search-excerpt">(.*?)</div>',
            body,
            re.DOTALL,
        )
        groups.append((int(pk), hits))
    return groups


def sessions_shown(response):
    return [pk for pk, _hits in shown(response)]


def searched_tables():
    """The quoted names of every table a search reads."""
    models = (*search.searched_models(), Committee)
    tables = {model._meta.db_table for model in models}
    tables |= {
        model._meta.get_field("tags").m2m_db_table() for model in (AgendaItem, Recommendation)
    }
    return {connection.ops.quote_name(table) for table in tables}


def tables_read(queries):
    return {table for table in searched_tables() for query in queries if table in query["sql"]}


@pytest.fixture
def draft(db):
    return session(18, datetime.date(2019, 9, 26))


@pytest.fixture
def validated(db):
    held = session(17, datetime.date(2019, 6, 27))
    RecommendationFactory(session=held, text="Transmettre la liste de Tominian", responsible=None)
    return validate(held)


def test_a_second_identical_search_reads_none_of_the_searched_tables(
    login, coordinator, secretariat, validated
):
    client = login(coordinator)
    first = client.get("/search/", {"q": "tominian"})

    with CaptureQueriesContext(connection) as queries:
        second = client.get("/search/", {"q": "tominian"})
    colleague = login(secretariat).get("/search/", {"q": "tominian"})

    assert tables_read(queries) == set()
    assert (
        shown(second)
        == shown(first)
        == shown(colleague)
        == [(validated.pk, [("Recommandation", "Recommandation", TRANSMIT)])]
    )
    # The coordinator's page was kept whole: nothing rendered again. A page is kept per user
    # (what the header shows differs): their colleague's is rendered for them.
    assert second.context is None
    assert [group.session.pk for group in colleague.context["results"].groups] == [validated.pk]


TRANSMIT = "Transmettre la liste de <mark>Tominian</mark>"


def test_the_same_words_spaced_otherwise_are_the_same_search(login, coordinator, validated):
    client = login(coordinator)
    first = client.get("/search/", {"q": "tominian  liste"})
    second = client.get("/search/", {"q": " tominian liste "})

    assert sessions_shown(first) == sessions_shown(second) == [validated.pk]
    assert second.context["query"] == "tominian liste"


@pytest.mark.parametrize(
    ("label", "write"),
    [
        ("Session", lambda s: setattr(s, "highlights", "Visite à Tominian") or s.save()),
        ("Point de l’ordre du jour", lambda s: AgendaItemFactory(session=s, title="Tominian")),
        ("Intervention", lambda s: InterventionFactory(session=s, summary="Tominian")),
        ("Résultat attendu", lambda s: ExpectedResultFactory(session=s, description="Tominian")),
        (
            "Recommandation",
            lambda s: RecommendationFactory(session=s, text="Tominian", responsible=None),
        ),
    ],
)
def test_a_new_text_shows_in_the_very_next_search(login, coordinator, draft, label, write):
    client = login(coordinator)
    assert shown(client.get("/search/", {"q": "tominian"})) == []

    write(draft)

    assert [
        (pk, [hit_label for hit_label, _title, _excerpt in hits])
        for pk, hits in shown(client.get("/search/", {"q": "tominian"}))
    ] == [(draft.pk, [label])]


def test_an_edited_follow_up_note_shows_in_the_very_next_search(login, coordinator, draft):
    earlier = session(16, datetime.date(2019, 3, 28))
    recommendation = RecommendationFactory(session=earlier, text="Payer", responsible=None)
    follow_up = FollowUp.objects.create(
        recommendation=recommendation, session=draft, status="open", note="Rien à Kati"
    )
    client = login(coordinator)
    assert sessions_shown(client.get("/search/", {"q": "kati"})) == [draft.pk]

    follow_up.note = "Paiements faits à Tominian"
    follow_up.status = "done"
    follow_up.save()

    assert shown(client.get("/search/", {"q": "kati"})) == []
    assert shown(client.get("/search/", {"q": "tominian"})) == [
        (
            draft.pk,
            [
                (
                    "Suivi d’une recommandation",
                    "Payer – réalisée",
                    "Paiements faits à <mark>Tominian</mark>",
                )
            ],
        )
    ]


def test_a_deleted_row_leaves_the_very_next_search(login, coordinator, draft):
    item = AgendaItemFactory(session=draft, title="Tominian", summary="")
    client = login(coordinator)
    assert sessions_shown(client.get("/search/", {"q": "tominian"})) == [draft.pk]

    item.delete()

    assert shown(client.get("/search/", {"q": "tominian"})) == []


def titles(client, query):
    response = client.get("/search/", {"q": query})
    return [[title for _label, title, _excerpt in hits] for _pk, hits in shown(response)]


def test_a_renamed_speaker_shows_in_the_very_next_search(login, coordinator, draft):
    speaker = PersonFactory(civility="M.", first_name="Awa", last_name="Keita")
    InterventionFactory(session=draft, speaker=speaker, summary="Tominian")
    client = login(coordinator)
    assert titles(client, "tominian") == [["M. Awa KEITA"]]

    speaker.last_name = "Traoré"
    speaker.save()

    assert titles(client, "tominian") == [["M. Awa TRAORÉ"]]


def test_a_renamed_responsible_organization_shows_in_the_very_next_search(
    login, coordinator, draft
):
    responsible = Organization.objects.create(acronym="PAM", name="Programme alimentaire")
    RecommendationFactory(session=draft, text="Tominian", responsible=responsible)
    client = login(coordinator)
    assert titles(client, "tominian") == [["PAM"]]

    responsible.acronym = "WFP"
    responsible.save()

    assert titles(client, "tominian") == [["WFP"]]


def test_a_row_tagged_shows_in_the_very_next_search_within_the_tag(login, coordinator, draft):
    tag = Tag.objects.create(kind=Tag.Kind.PARTNER, name="PAM")
    recommendation = RecommendationFactory(session=draft, text="Tominian", responsible=None)
    client = login(coordinator)
    assert shown(client.get("/search/", {"q": "tominian", "tag": tag.pk})) == []

    recommendation.tags.add(tag)

    response = client.get("/search/", {"q": "tominian", "tag": tag.pk})
    assert sessions_shown(response) == [draft.pk]


def test_a_renamed_tag_shows_in_the_form_of_the_very_next_search(login, coordinator, validated):
    tag = Tag.objects.create(kind=Tag.Kind.PARTNER, name="PAM")
    client = login(coordinator)
    assert " : PAM</option>" in client.get("/search/", {"q": "tominian"}).content.decode()

    tag.name = "Programme alimentaire"
    tag.save()

    content = client.get("/search/", {"q": "tominian"}).content.decode()
    assert " : Programme alimentaire</option>" in content
    assert " : PAM</option>" not in content


def test_a_partner_never_receives_the_results_kept_for_an_editor(
    login, coordinator, partner, validated, draft
):
    RecommendationFactory(session=draft, text="Brouillon de Tominian", responsible=None)
    editor_view = login(coordinator).get("/search/", {"q": "tominian"})
    assert sessions_shown(editor_view) == [draft.pk, validated.pk]

    response = login(partner).get("/search/", {"q": "tominian"})

    assert sessions_shown(response) == [validated.pk]
    assert "Brouillon" not in response.content.decode()


def test_an_editor_never_receives_the_results_kept_for_a_partner(
    login, secretariat, partner, validated, draft
):
    RecommendationFactory(session=draft, text="Brouillon de Tominian", responsible=None)
    partner_view = login(partner).get("/search/", {"q": "tominian"})
    assert sessions_shown(partner_view) == [validated.pk]

    response = login(secretariat).get("/search/", {"q": "tominian"})

    assert sessions_shown(response) == [draft.pk, validated.pk]
    assert "Brouillon de <mark>Tominian</mark>" in response.content.decode()


def test_validated_minutes_show_in_a_partners_very_next_search(login, partner, draft):
    RecommendationFactory(session=draft, text="Tominian", responsible=None)
    client = login(partner)
    assert shown(client.get("/search/", {"q": "tominian"})) == []

    validate(draft)

    assert sessions_shown(client.get("/search/", {"q": "tominian"})) == [draft.pk]


def test_other_words_or_tags_are_other_searches(login, coordinator, validated, draft):
    pam = Tag.objects.create(kind=Tag.Kind.PARTNER, name="PAM")
    unicef = Tag.objects.create(kind=Tag.Kind.PARTNER, name="UNICEF")
    RecommendationFactory(session=draft, text="Relancer Tominian", responsible=None).tags.add(pam)
    AgendaItemFactory(session=draft, title="Bilan de Kati", summary="")
    client = login(coordinator)

    def pks(**params):
        return sessions_shown(client.get("/search/", params))

    assert pks(q="tominian") == [draft.pk, validated.pk]
    assert pks(q="kati") == [draft.pk]
    assert pks(q="tominian", tag=pam.pk) == [draft.pk]
    assert pks(q="tominian", tag=unicef.pk) == []
    assert pks(q="tominian relancer") == [draft.pk]
    assert pks(q="tominian") == [draft.pk, validated.pk]
    assert pks(q="kati", tag=pam.pk) == []


def test_an_unknown_tag_is_still_said_after_a_cached_search(login, coordinator, validated):
    client = login(coordinator)
    client.get("/search/", {"q": "tominian"})

    response = client.get("/search/", {"q": "tominian", "tag": "nope"})

    assert sessions_shown(response) == [validated.pk]
    assert "Cette étiquette n’existe pas" in response.content.decode()
