"""Tags by programme component, financing and partner: managed by the secretariat, carried by
agenda items and recommendations, frozen with their session, and used as filters."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from reports.models import Minutes
from sessions.models import AgendaItem, SessionFrozen, Tag
from tests.factories import AgendaItemFactory, RecommendationFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fa1(db):
    return Tag.objects.create(kind=Tag.Kind.FINANCING, name="FA1")


@pytest.fixture
def cash(db):
    return Tag.objects.create(kind=Tag.Kind.COMPONENT, name="Transferts monétaires")


def validate(session):
    Minutes.objects.update_or_create(session=session, defaults={"status": "validated"})
    return session


# -- management ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_editors_list_the_tags_with_what_carries_them(request, login, role, fa1, cash):
    RecommendationFactory().tags.add(fa1)
    AgendaItemFactory().tags.add(fa1, cash)

    response = login(request.getfixturevalue(role)).get("/sessions/tags/")

    assert response.status_code == 200
    assert [
        (t.get_kind_display(), t.name, t.agenda_item_count, t.recommendation_count)
        for t in response.context["tags"]
    ] == [("composante", "Transferts monétaires", 1, None), ("financement", "FA1", 1, 1)]


def test_the_secretariat_creates_a_tag_whose_short_name_follows_its_name(login, secretariat):
    response = login(secretariat).post(
        "/sessions/tags/new/", {"kind": "component", "name": "  Mesures   d'accompagnement "}
    )

    assert response.status_code == 302
    assert response["Location"] == "/sessions/tags/"
    assert list(Tag.objects.values_list("kind", "name", "slug")) == [
        ("component", "Mesures d'accompagnement", "mesures-daccompagnement")
    ]


def test_the_coordinator_renames_a_tag(login, coordinator, fa1):
    response = login(coordinator).post(
        f"/sessions/tags/{fa1.pk}/edit/",
        {"kind": "financing", "name": "FA1 (financement additionnel)", "slug": "fa1"},
    )

    assert response.status_code == 302
    fa1.refresh_from_db()
    assert (fa1.name, fa1.slug) == ("FA1 (financement additionnel)", "fa1")


def test_the_same_name_twice_in_one_kind_is_refused_in_french(login, secretariat, fa1):
    client = login(secretariat)

    refused = client.post("/sessions/tags/new/", {"kind": "financing", "name": "FA1"})
    accepted = client.post("/sessions/tags/new/", {"kind": "partner", "name": "FA1"})

    assert refused.status_code == 400
    assert "Une étiquette de ce type porte déjà ce nom." in refused.content.decode()
    assert accepted.status_code == 302
    assert Tag.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "component", "name": "!!!"}, "Le nom doit contenir au moins une lettre"),
        ({"kind": "component", "name": ""}, "Ce champ est obligatoire."),
        ({"kind": "budget", "name": "Budget"}, "Sélectionnez un choix valide."),
        ({"kind": "component", "name": "A", "slug": "pas un slug"}, "Ce champ ne doit contenir"),
    ],
)
def test_a_bad_tag_is_refused_in_french_and_kept_on_the_form(login, secretariat, data, message):
    response = login(secretariat).post("/sessions/tags/new/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Tag.objects.count() == 0


def test_partners_cannot_see_or_change_tags(login, partner, fa1):
    client = login(partner)

    assert client.get("/sessions/tags/").status_code == 403
    assert client.post("/sessions/tags/new/", {"kind": "partner", "name": "X"}).status_code == 403
    assert client.post(f"/sessions/tags/{fa1.pk}/edit/", {"name": "X"}).status_code == 403
    assert Tag.objects.get().name == "FA1"


def test_anonymous_goes_to_log_in_and_an_unknown_tag_is_not_found(client, login, secretariat):
    assert client.get("/sessions/tags/")["Location"].startswith("/accounts/login/")

    assert login(secretariat).get("/sessions/tags/999999/edit/").status_code == 404


# -- tagging in the sections --------------------------------------------------------------------


def test_the_agenda_screen_tags_its_items(login, secretariat, fa1, cash):
    session = SessionFactory()
    data = {
        "agenda_items-TOTAL_FORMS": "1",
        "agenda_items-INITIAL_FORMS": "0",
        "agenda_items-MIN_NUM_FORMS": "0",
        "agenda_items-MAX_NUM_FORMS": "1000",
        "agenda_items-0-order": "1",
        "agenda_items-0-title": "Situation des financements 2019–2022",
        "agenda_items-0-kind": "presentation",
        "agenda_items-0-summary": "",
        "agenda_items-0-tags": [str(fa1.pk), str(cash.pk)],
    }

    response = login(secretariat).post(f"/sessions/{session.pk}/agenda/", data)

    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert sorted(item.tags.values_list("name", flat=True)) == ["FA1", "Transferts monétaires"]
    page = login(secretariat).get(session.get_absolute_url()).content.decode()
    assert "financement : FA1" in page


def test_the_recommendations_screen_offers_the_tags(login, coordinator, fa1):
    session = SessionFactory()
    RecommendationFactory(session=session).tags.add(fa1)

    response = login(coordinator).get(f"/sessions/{session.pk}/recommendations/")

    form = response.context["formset"].forms[0]
    assert list(form["tags"].value()) == [fa1.pk]
    assert 'type="checkbox"' in str(form["tags"])


def test_tags_of_a_frozen_session_cannot_change_whatever_the_path(fa1, cash):
    item = AgendaItemFactory()
    item.tags.add(fa1)
    recommendation = RecommendationFactory(session=item.session)
    validate(item.session)

    for change in [
        lambda: item.tags.add(cash),
        lambda: item.tags.remove(fa1),
        lambda: item.tags.clear(),
        lambda: item.tags.set([cash]),
        lambda: recommendation.tags.add(fa1),
        lambda: cash.agenda_items.add(item),
        lambda: fa1.agenda_items.clear(),
        lambda: fa1.delete(),
        lambda: Tag.objects.filter(pk=fa1.pk).delete(),
    ]:
        with pytest.raises(SessionFrozen), transaction.atomic():
            change()

    assert list(item.tags.all()) == [fa1]
    assert list(recommendation.tags.all()) == []


def test_an_unused_tag_or_one_of_open_sessions_may_be_deleted(fa1, cash):
    AgendaItemFactory().tags.add(fa1)

    fa1.delete()
    cash.delete()

    assert Tag.objects.count() == 0


# -- filters ------------------------------------------------------------------------------------


def test_the_session_list_filters_by_tag(login, secretariat, fa1):
    tagged = SessionFactory(number=17, start_date=datetime.date(2019, 6, 27))
    both = SessionFactory(number=18)
    SessionFactory(
        number=19, start_date=datetime.date(2019, 12, 17), end_date=datetime.date(2019, 12, 18)
    )
    AgendaItemFactory(session=tagged).tags.add(fa1)
    AgendaItemFactory(session=both).tags.add(fa1)
    RecommendationFactory(session=both).tags.add(fa1)

    response = login(secretariat).get("/sessions/", {"tag": fa1.pk})

    assert [s.number for s in response.context["sessions"]] == [18, 17]


def test_every_open_recommendation_on_one_component_across_sessions(login, coordinator, cash):
    s17 = SessionFactory(number=17, start_date=datetime.date(2019, 6, 27))
    s18 = SessionFactory(number=18)
    RecommendationFactory(session=s17, text="Payer Bla").tags.add(cash)
    RecommendationFactory(session=s18, text="Payer Tominian").tags.add(cash)
    RecommendationFactory(session=s18, text="Payée", status="done").tags.add(cash)
    RecommendationFactory(session=s18, text="Sans étiquette")

    response = login(coordinator).get(
        "/sessions/recommendations/", {"status": "open", "tag": cash.pk}
    )

    assert [r.text for r in response.context["page"]] == ["Payer Tominian", "Payer Bla"]
    assert "composante : Transferts monétaires" in response.content.decode()


def test_a_bad_session_filter_is_said_and_ignored(login, secretariat):
    SessionFactory()

    response = login(secretariat).get("/sessions/", {"year": "deux-mille", "quarter": "7"})

    assert response.status_code == 200
    assert len(response.context["sessions"]) == 1
    assert "Certains filtres n’ont pas été compris et sont ignorés" in response.content.decode()


@pytest.mark.parametrize(
    ("slug", "factory"),
    [("agenda", AgendaItemFactory), ("recommendations", RecommendationFactory)],
)
def test_a_tagged_section_screen_makes_the_same_queries_for_one_or_three_rows(
    login, secretariat, fa1, cash, slug, factory
):
    client = login(secretariat)
    counts = []
    for rows in (1, 3):
        session = SessionFactory()
        for _ in range(rows):
            factory(session=session).tags.add(fa1, cash)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/sessions/{session.pk}/{slug}/")
        counts.append(len(queries))
        assert response.context["formset"].initial_form_count() == rows

    assert counts[0] == counts[1]


def test_the_session_page_shows_each_item_and_recommendation_with_its_own_tags(
    login, secretariat, fa1, cash
):
    session = SessionFactory()
    tagged = AgendaItemFactory(session=session, order=1, title="Point financé")
    AgendaItemFactory(session=session, order=2, title="Point sans étiquette")
    tagged.tags.set([fa1, cash])
    recommendation = RecommendationFactory(session=session, text="Recommandation suivie")
    recommendation.tags.set([cash])

    page = login(secretariat).get(session.get_absolute_url()).content.decode()

    agenda = page[page.index('id="agenda"') : page.index('id="results"')]
    financed = agenda[agenda.index("Point financé") : agenda.index("Point sans étiquette")]
    untagged = agenda[agenda.index("Point sans étiquette") :]
    # In the tags' order (kind, then name), each linking to the sessions that carry it.
    assert financed.index("composante : Transferts monétaires") < financed.index(
        "financement : FA1"
    )
    assert f'href="/sessions/?tag={fa1.pk}"' in financed
    assert "badge" not in untagged
    recommendations = page[page.index('id="recommendations"') : page.index('id="highlights"')]
    assert f'href="/sessions/recommendations/?tag={cash.pk}"' in recommendations
    assert "FA1" not in recommendations
