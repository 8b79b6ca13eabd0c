"""Every page makes a fixed number of SQL queries, whatever the amount of history, at most 15.

The history is built by the benchmark's own builder (bench/history.py): first one small
session (one of each thing) with its validated minutes, then 50 large sessions of another
committee (30 agenda items, 40 interventions, 60 attendees, 20 recommendations each). Each page
is requested by each role, once to warm what is meant to be warm and once counted, on the small
history and then on the large one; the counts and the statuses must be the same.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from bench.history import build_history
from ctn import cache as cache_module
from participants.models import Organization, Person
from reports.models import MinutesVersion
from sessions.models import Session, Tag
from tests.utils import close_response

QUERY_BUDGET = 15
ROLES = ("secretariat", "coordinator", "partner")


@dataclass(frozen=True)
class Page:
    """A page: its URL name and which object of the history fills its arguments."""

    name: str
    # "validated", "record", "submitted", "draft", "organization", "person", "tag", "committee"
    # or ""
    target: str = ""
    query: str = ""
    warm: bool = True  # False for what renders a PDF on each request: nothing there to warm

    @property
    def key(self):
        return f"{self.name}[{self.target}]" if self.target else self.name


PAGES = [
    Page("home"),
    Page("search", query="?q=recommandation"),
    Page("sessions:list"),
    Page("sessions:create"),
    Page("sessions:detail", "validated"),
    Page("sessions:detail", "draft"),
    Page("sessions:edit", "draft"),
    Page("sessions:cochairs", "draft"),
    Page("sessions:agenda", "draft"),
    Page("sessions:interventions", "draft"),
    Page("sessions:results", "draft"),
    Page("sessions:recommendations", "draft"),
    Page("sessions:attendance", "draft"),
    Page("sessions:followups", "draft"),
    Page("sessions:recommendation_list", query="?status=open"),
    Page("sessions:committee_list"),
    Page("sessions:committee_create"),
    Page("sessions:committee_edit", "committee"),
    Page("sessions:committee_members", "committee"),
    Page("sessions:tag_list"),
    Page("sessions:tag_create"),
    Page("sessions:tag_edit", "tag"),
    Page("sessions:history", "validated"),
    Page("sessions:history", "draft"),
    Page("participants:organization_list"),
    Page("participants:organization_create"),
    Page("participants:organization_edit", "organization"),
    Page("participants:person_list"),
    Page("participants:person_create"),
    Page("participants:person_edit", "person"),
    Page("participants:person_search", query="?q=nom"),
    Page("reports:portal"),
    Page("reports:verify"),
    Page("reports:detail", "validated"),
    Page("reports:detail", "draft"),
    Page("reports:detail", "submitted"),
    Page("reports:minutes_pdf", "validated"),
    Page("reports:version_pdf", "validated"),
    # The one version the builder validates for real carries the JSON of its record.
    Page("reports:minutes_json", "record"),
    Page("reports:version_json", "record"),
    Page("reports:preview_pdf", "draft", warm=False),
    Page("reports:attendance_pdf", "draft", warm=False),
    Page("reports:convocation_pdf", "draft", warm=False),
    Page("sessions:annexes", "draft"),
    Page("sessions:recommendations_xlsx", "validated"),
    Page("sessions:recommendations_csv", "validated"),
    Page("sessions:attendance_xlsx", "validated"),
    Page("sessions:attendance_csv", "validated"),
    Page("sessions:all_recommendations_xlsx"),
    Page("sessions:all_recommendations_csv"),
    Page("profile"),
]

# Routes that are not pages: actions (POST only), the log-in machinery, the probe, the admin.
NOT_PAGES = {
    "login",
    "logout",
    "healthz",
    "readyz",
    "reports:submit",
    "reports:validate",
    "reports:original",
    "reports:return",
    "reports:erratum",
    "calendar_link_create",
    "calendar_link_revoke",
    "sessions:annex_delete",
    # Measured by their own tests (tests/sessions/test_calendar.py, test_annexes.py): the feed
    # needs a user's token, the download an uploaded file.
    "calendar",
    "sessions:annex_download",
}


def _route_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def _targets(committee):
    """The objects of one committee's history that fill the pages' URLs."""
    sessions = Session.objects.filter(committee=committee)
    validated = sessions.filter(minutes__status="validated").order_by("-start_date").first()
    # Submitted minutes lock their session: the edit screens are measured on a draft.
    draft = sessions.filter(minutes__status="draft").order_by("-start_date").first()
    submitted = sessions.filter(minutes__status="submitted").order_by("-start_date").first()
    organization = Organization.objects.filter(acronym__startswith=f"{committee.acronym}-").first()
    person = Person.objects.filter(organization=organization).first()
    tag, _created = Tag.objects.get_or_create(kind="component", name=f"Composante {committee.pk}")
    record = (
        MinutesVersion.objects.filter(minutes__session__committee=committee)
        .validated()
        .exclude(record_json="")
        .values_list("minutes__session_id", flat=True)
        .first()
    )
    return {
        "validated": validated.pk,
        "record": record,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "organization": organization.pk,
        "person": person.pk,
        "tag": tag.pk,
        "committee": committee.pk,
    }


def _url(page, targets):
    if not page.target:
        return reverse(page.name) + page.query
    kwargs = {}
    if page.name.startswith("reports:"):
        kwargs["session_pk"] = targets[page.target]
        if page.name in ("reports:version_pdf", "reports:version_json"):
            kwargs["number"] = 1
    else:
        kwargs["pk"] = targets[page.target]
    return reverse(page.name, kwargs=kwargs)


def _count(client, url, warm):
    if warm:
        # Warm what is meant to be warm (caches of validated content).
        close_response(client.get(url))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        close_response(response)
    return response.status_code, len(captured)


def _measure(clients, targets):
    counts = {}
    for page in PAGES:
        try:
            url = _url(page, targets)
        except NoReverseMatch:
            counts[page.key] = None
            continue
        counts[page.key] = {role: _count(clients[role], url, page.warm) for role in ROLES}
    return counts


@pytest.fixture(scope="module")
def query_counts(django_db_setup, django_db_blocker):
    """{page: (counts on the small history, on the large one)}, built once, rolled back."""
    # The change stamps are kept 5 s (ctn/cache.py): their expiry between a page's warm-up and
    # its counted request would add a query the history has nothing to do with.
    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setitem(cache_module.TIMEOUTS, cache_module.STAMPS, 3600)
        small = build_history(
            sessions=4,
            agenda_items=1,
            interventions=1,
            attendees=1,
            recommendations=1,
            validated_all_but=2,
            acronym="CTN",
            directory=(2, 6),
        )
        users = small["users"]
        clients = {}
        for role in ROLES:
            clients[role] = Client()
            clients[role].force_login(
                _user(users[role]), backend=settings.AUTHENTICATION_BACKENDS[-1]
            )
        before = _measure(clients, _targets(_committee("CTN")))
        build_history(sessions=50, validated_all_but=2, acronym="CNP")
        after = _measure(clients, _targets(_committee("CNP")))
        transaction.set_rollback(True)
    for cache in caches.all():
        cache.clear()
    return {key: (before[key], after[key]) for key in before}


def _user(pk):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)


def _committee(acronym):
    from sessions.models import Committee

    return Committee.objects.get(acronym=acronym)


def test_every_page_route_is_measured():
    names = set(_route_names())

    unmeasured = names - {page.name for page in PAGES} - NOT_PAGES

    assert unmeasured == set()


@pytest.mark.django_db  # also tells pytest-django to set up the test database for the fixture
@pytest.mark.parametrize("page", PAGES, ids=[page.key for page in PAGES])
def test_page_queries_do_not_grow_with_history_and_stay_within_budget(page, query_counts):
    small, large = query_counts[page.key]
    if small is None:
        pytest.skip(f"{page.name} is not routed yet")

    seen_by = [role for role, (status, _count) in small.items() if status == 200]
    worst = max(count for _status, count in large.values())

    assert seen_by, f"no role sees {page.key}: {small}"
    assert large == small
    assert worst <= QUERY_BUDGET
