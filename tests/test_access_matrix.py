"""The access matrix: every routed URL, for every role, GET and POST, with its exact status.

The routes are discovered from the URL resolver, so a route added to the project and missing
from the table below fails `test_every_route_is_in_the_table`. Each non-admin route is listed by
its URL name with the objects its path parameters use; the admin's routes follow one rule by
the kind of admin page (see ADMIN_RULES), filled with real objects of their model.

Each request runs inside a transaction that is rolled back, so an empty POST that changes
something (a submission, an admin deletion) leaves the next request the same world. CSRF is
not enforced for the table; each route is then posted once more, logged in but without the
CSRF token, and must be refused (403) by the CSRF check.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from reports.models import Download, Minutes, MinutesEvent, MinutesVersion
from sessions.models import Annex, FollowUp, Tag
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    InterventionFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
    UserFactory,
)
from tests.utils import close_response

ANNEX = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ROLES = ("anonymous", "partner", "secretariat", "coordinator", "staff")
METHODS = ("GET", "POST")

# An expected status is an int (302: a redirect anywhere), or a path: a 302 to that path, its
# query string aside.
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
# "{pk}" in an expected path is the object the path of the request names.
SESSION_PAGE = "/sessions/{pk}/"
MINUTES_PAGE = "/reports/{session_pk}/"
ANNEXES = "/sessions/{pk}/annexes/"
PROFILE = "/accounts/profile/"


@dataclass(frozen=True)
class Case:
    """One route with one set of objects, and its expected status for each role (ROLES order)."""

    name: str
    get: tuple
    post: tuple
    kwargs: dict = field(default_factory=dict)
    objects: str = ""  # which fixture objects fill the path, for the test id

    @property
    def id(self):
        return f"{self.name}[{self.objects}]" if self.objects else self.name


def case(name, get, post, objects="", **kwargs):
    assert len(get) == len(post) == len(ROLES), name
    return Case(name, tuple(get), tuple(post), kwargs, objects)


# Path parameters name an object of the world built by `world()`: "draft" is a held session whose
# minutes are a draft, "validated" one whose minutes are validated (version 1), "organization"
# and "person" entries of the directory; plain ints are used as they are.
#
#              anonymous    partner   secretariat coordinator   staff
CASES = [
    case("home", get=(LOGIN, 200, 200, 200, 200), post=(LOGIN, 200, 200, 200, 200)),
    case("login", get=(200, "/", "/", "/", "/"), post=(200, "/", "/", "/", "/")),
    case("logout", get=(LOGIN, 405, 405, 405, 405), post=(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    case("healthz", get=(200, 200, 200, 200, 200), post=(405, 405, 405, 405, 405)),
    case("readyz", get=(200, 200, 200, 200, 200), post=(405, 405, 405, 405, 405)),
    # Sessions: partners see only sessions with validated minutes and never edit.
    case("sessions:list", get=(LOGIN, 200, 200, 200, 200), post=(LOGIN, 200, 200, 200, 200)),
    case("sessions:create", get=(LOGIN, 403, 200, 200, 403), post=(LOGIN, 403, 200, 200, 403)),
    case(
        "sessions:detail",
        objects="validated",
        pk="validated",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 200, 200, 200, 200),
    ),
    case(
        "sessions:detail",
        objects="draft",
        pk="draft",
        get=(LOGIN, 404, 200, 200, 404),
        post=(LOGIN, 404, 200, 200, 404),
    ),
    case(
        "sessions:edit",
        objects="draft",
        pk="draft",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    # A frozen session sends editors back to its page with the reason.
    case(
        "sessions:edit",
        objects="validated",
        pk="validated",
        get=(LOGIN, 403, SESSION_PAGE, SESSION_PAGE, 403),
        post=(LOGIN, 403, SESSION_PAGE, SESSION_PAGE, 403),
    ),
    # "Historique": the coordinator's; a session out of sight stays a 404; read-only.
    case(
        "sessions:history",
        objects="validated",
        pk="validated",
        get=(LOGIN, 403, 403, 200, 403),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "sessions:history",
        objects="draft",
        pk="draft",
        get=(LOGIN, 404, 403, 200, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
]
SECTION_NAMES = ["cochairs", "agenda", "interventions", "results", "recommendations", "attendance"]
for section in SECTION_NAMES:
    CASES += [
        case(
            f"sessions:{section}",
            objects="draft",
            pk="draft",
            get=(LOGIN, 403, 200, 200, 403),
            post=(LOGIN, 403, 200, 200, 403),
        ),
        case(
            f"sessions:{section}",
            objects="validated",
            pk="validated",
            get=(LOGIN, 403, SESSION_PAGE, SESSION_PAGE, 403),
            post=(LOGIN, 403, SESSION_PAGE, SESSION_PAGE, 403),
        ),
    ]
CASES += [
    # The follow-up of earlier recommendations is a section of the session, like the others;
    # an empty POST lacks the formset's management data: 400.
    case(
        "sessions:followups",
        objects="draft",
        pk="draft",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 400, 400, 403),
    ),
    case(
        "sessions:followups",
        objects="validated",
        pk="validated",
        get=(LOGIN, 403, SESSION_PAGE, SESSION_PAGE, 403),
        post=(LOGIN, 403, SESSION_PAGE, SESSION_PAGE, 403),
    ),
    # Recommendations and search: everyone, partners within validated minutes.
    case(
        "sessions:recommendation_list",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 200, 200, 200, 200),
    ),
    case("search", get=(LOGIN, 200, 200, 200, 200), post=(LOGIN, 200, 200, 200, 200)),
    # Committees' settings: the coordinator's only; an empty POST is a form error.
    case(
        "sessions:committee_list", get=(LOGIN, 403, 403, 200, 403), post=(LOGIN, 405, 405, 405, 405)
    ),
    case(
        "sessions:committee_create",
        get=(LOGIN, 403, 403, 200, 403),
        post=(LOGIN, 403, 403, 400, 403),
    ),
    case(
        "sessions:committee_edit",
        objects="committee",
        pk="committee",
        get=(LOGIN, 403, 403, 200, 403),
        post=(LOGIN, 403, 403, 400, 403),
    ),
    # The committee's members and their usual representatives: the secretariat and the
    # coordinator, as the directory.
    case(
        "sessions:committee_members",
        objects="committee",
        pk="committee",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 400, 400, 403),
    ),
    # Tags are managed by the secretariat and the coordinator.
    case("sessions:tag_list", get=(LOGIN, 403, 200, 200, 403), post=(LOGIN, 403, 200, 200, 403)),
    case("sessions:tag_create", get=(LOGIN, 403, 200, 200, 403), post=(LOGIN, 403, 400, 400, 403)),
    case(
        "sessions:tag_edit",
        objects="tag",
        pk="tag",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 400, 400, 403),
    ),
    # Annexes: uploaded by editors; downloaded by partners once the minutes are validated.
    case(
        "sessions:annexes",
        objects="draft",
        pk="draft",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 400, 400, 403),
    ),
    case(
        "sessions:annexes",
        objects="validated",
        pk="validated",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, ANNEXES, ANNEXES, 403),
    ),
    case(
        "sessions:annex_download",
        objects="draft",
        pk="draft",
        annex_pk="draft_annex",
        get=(LOGIN, 404, 200, 200, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "sessions:annex_download",
        objects="validated",
        pk="validated",
        annex_pk="validated_annex",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "sessions:annex_download",
        objects="another session's annex",
        pk="validated",
        annex_pk="draft_annex",
        get=(LOGIN, 404, 404, 404, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "sessions:annex_delete",
        objects="draft",
        pk="draft",
        annex_pk="draft_annex",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 403, ANNEXES, ANNEXES, 403),
    ),
    case(
        "sessions:annex_delete",
        objects="validated",
        pk="validated",
        annex_pk="validated_annex",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 403, ANNEXES, ANNEXES, 403),
    ),
    case(
        "sessions:all_recommendations_xlsx",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "sessions:all_recommendations_csv",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    # The profile and the private calendar link.
    case(
        "profile",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, PROFILE, PROFILE, PROFILE, PROFILE),
    ),
    case(
        "calendar_link_create",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, PROFILE, PROFILE, PROFILE, PROFILE),
    ),
    case(
        "calendar_link_revoke",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, PROFILE, PROFILE, PROFILE, PROFILE),
    ),
    # The calendar feed is read by calendar programs with a token, never with a session.
    # Without a token: 404, whoever asks.
    case("calendar", get=(404, 404, 404, 404, 404), post=(405, 405, 405, 405, 405)),
]
# Spreadsheets of one session: under the rule of its page.
for export in ["recommendations_xlsx", "recommendations_csv", "attendance_xlsx", "attendance_csv"]:
    CASES += [
        case(
            f"sessions:{export}",
            objects="draft",
            pk="draft",
            get=(LOGIN, 404, 200, 200, 404),
            post=(LOGIN, 405, 405, 405, 405),
        ),
        case(
            f"sessions:{export}",
            objects="validated",
            pk="validated",
            get=(LOGIN, 200, 200, 200, 200),
            post=(LOGIN, 405, 405, 405, 405),
        ),
    ]
CASES += [
    # The directory holds phone numbers and e-mails: editors only.
    case(
        "participants:organization_list",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    case(
        "participants:organization_create",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    case(
        "participants:organization_edit",
        objects="organization",
        pk="organization",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    case(
        "participants:person_list",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    case(
        "participants:person_create",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    case(
        "participants:person_edit",
        objects="person",
        pk="person",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 403, 200, 200, 403),
    ),
    # The directory searched as one types (the attendance list's picker): a GET only.
    case(
        "participants:person_search",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    # Reports: a draft's minutes, preview and PDF are a 404 for partners.
    case("reports:portal", get=(LOGIN, 200, 200, 200, 200), post=(LOGIN, 405, 405, 405, 405)),
    case("reports:verify", get=(200, 200, 200, 200, 200), post=(400, 400, 400, 400, 400)),
    case(
        "reports:detail",
        objects="validated",
        session_pk="validated",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:detail",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 404, 200, 200, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:preview_pdf",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 404, 200, 200, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:preview_pdf",
        objects="validated",
        session_pk="validated",
        get=(LOGIN, 403, 200, 200, 403),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:attendance_pdf",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 404, 200, 200, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:convocation_pdf",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 404, 200, 200, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:minutes_pdf",
        objects="validated",
        session_pk="validated",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:minutes_pdf",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 404, 404, 404, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:version_pdf",
        objects="validated v1",
        session_pk="validated",
        number=1,
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:version_pdf",
        objects="draft v1",
        session_pk="draft",
        number=1,
        get=(LOGIN, 404, 404, 404, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    # The structured content (JSON) of a validated version: as its PDF.
    case(
        "reports:minutes_json",
        objects="validated",
        session_pk="validated",
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:minutes_json",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 404, 404, 404, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:version_json",
        objects="validated v1",
        session_pk="validated",
        number=1,
        get=(LOGIN, 200, 200, 200, 200),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    case(
        "reports:version_json",
        objects="draft v1",
        session_pk="draft",
        number=1,
        get=(LOGIN, 404, 404, 404, 404),
        post=(LOGIN, 405, 405, 405, 405),
    ),
    # Workflow actions: POST only; 404 before 403 for what a partner may not see.
    case(
        "reports:submit",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 404, MINUTES_PAGE, MINUTES_PAGE, 404),
    ),
    case(
        "reports:submit",
        objects="validated",
        session_pk="validated",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 403, MINUTES_PAGE, MINUTES_PAGE, 403),
    ),
    case(
        "reports:validate",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 404, 403, 200, 404),
    ),
    # Earlier minutes: the scan of the signed original (a POST without a file is a 400).
    case(
        "reports:original",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 404, 400, 400, 404),
    ),
    case(
        "reports:return",
        objects="draft",
        session_pk="draft",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 404, 403, 400, 404),
    ),
    case(
        "reports:erratum",
        objects="validated",
        session_pk="validated",
        get=(LOGIN, 405, 405, 405, 405),
        post=(LOGIN, 403, 403, 400, 403),
    ),
]


# --- the admin: one rule for all its pages ---------------------------------------------------
#
# Nobody but staff gets past the admin's log-in page (anonymous visitors of a model page are
# stopped earlier, by the site's own log-in). The pages without a model are listed here; the
# pages of each registered model follow ADMIN_MODEL_PAGES by their suffix, with the exceptions
# of READ_ONLY_ADMIN, and are filled with a real object of their model.
#                    anonymous     partner    secretariat coordinator  staff
NOT_STAFF = (ADMIN_LOGIN,) * 4
ADMIN_PAGES = {
    "admin:index": ((*NOT_STAFF, 200), (*NOT_STAFF, 200)),
    "admin:login": ((200, 200, 200, 200, "/admin/"), (200,) * 5),
    "admin:logout": (
        (ADMIN_LOGIN, "/admin/", "/admin/", "/admin/", 405),
        (ADMIN_LOGIN, "/admin/", "/admin/", "/admin/", LOGIN),
    ),
    "admin:password_change": ((*NOT_STAFF, 200), (*NOT_STAFF, 200)),
    "admin:password_change_done": ((*NOT_STAFF, 200), (*NOT_STAFF, 405)),
    "admin:autocomplete": ((*NOT_STAFF, 403), (*NOT_STAFF, 405)),
    "admin:jsi18n": ((*NOT_STAFF, 200), (*NOT_STAFF, 405)),
    "admin:view_on_site": ((*NOT_STAFF, 302), (*NOT_STAFF, 302)),
    "admin:app_list": ((*NOT_STAFF, 200), (*NOT_STAFF, 200)),
    "admin:catch_all": ((*NOT_STAFF, 404), (*NOT_STAFF, 404)),
}
MODEL_PAGE_NOT_STAFF = (LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN)
# Staff's (GET, POST) on each page of a model. An empty POST to a delete page is not the
# confirmation: the page is shown again.
ADMIN_MODEL_PAGES = {
    "changelist": (200, 200),
    "add": (200, 200),
    "change": (200, 200),
    "history": (200, 200),
    "delete": (200, 200),
    "object": (302, 302),  # admin/<app>/<model>/<pk>/, the old URL, sent on to its change page
    "password_change": (200, 200),
}
# Records nobody edits by hand: log-in attempts (django-axes) and the minutes' workflow rows.
AXES_LOGS = {"add": (403, 403), "change": (200, "/admin/axes/{model}/")}
WORKFLOW_RECORDS = {"add": (403, 403), "change": (200, 403), "delete": (403, 403)}
READ_ONLY_ADMIN = {
    "axes.accessattempt": AXES_LOGS,
    "axes.accesslog": AXES_LOGS,
    "axes.accessfailurelog": AXES_LOGS,
    "reports.minutes": WORKFLOW_RECORDS,
    "reports.download": WORKFLOW_RECORDS,
    "reports.auditevent": WORKFLOW_RECORDS,
}


def walk(patterns=None, prefix="", namespace=""):
    """(route, URL name, URLPattern) for every URL the project routes."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern


ROUTES = list(walk())
NON_ADMIN_NAMES = sorted({name for route, name, _p in ROUTES if not route.startswith("admin/")})


# --- the world every request runs against ----------------------------------------------------


def build_world():
    """Users of every role, a validated session, a draft session and one row of every model."""
    users = {
        "partner": UserFactory(username="pam", role="partner"),
        "secretariat": UserFactory(username="awa", role="secretariat"),
        "coordinator": UserFactory(username="coordo", role="coordinator"),
        "staff": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    committee = CommitteeFactory()
    organization = OrganizationFactory(acronym="PAM", is_partner=True)
    person = PersonFactory(organization=organization)
    MembershipFactory(committee=committee, organization=organization, representative=person)
    tag, _created = Tag.objects.get_or_create(kind=Tag.Kind.FINANCING, name="Matrice d’accès")
    world = {
        "organization": organization,
        "person": person,
        "tag": tag,
        "committee": committee,
        **users,
    }
    # The draft session first: the admin's pages open the first row of each model, which the
    # draft session's minutes leave editable.
    for key, number, start in [
        ("draft", 18, datetime.date(2019, 9, 26)),
        ("validated", 17, datetime.date(2019, 6, 26)),
    ]:
        session = SessionFactory(
            committee=committee,
            number=number,
            start_date=start,
            end_date=start + datetime.timedelta(days=2),
        )
        item = AgendaItemFactory(session=session)
        CoChairFactory(session=session, person=person)
        InterventionFactory(session=session, agenda_item=item, speaker=person)
        ExpectedResultFactory(session=session)
        RecommendationFactory(session=session, responsible=organization)
        AttendanceFactory(session=session, person=person)
        tag.agenda_items.add(item)
        world[key] = session
        world[f"{key}_annex"] = Annex.objects.create(
            session=session,
            title="PTBA 2020",
            file=ContentFile(ANNEX, name="ptba.pdf"),
            content_type=Annex.ContentType.PDF,
            size=len(ANNEX),
            sha256=hashlib.sha256(ANNEX).hexdigest(),
            uploaded_by=users["secretariat"],
            # The validated session's annex is listed by its validated version (below).
            recorded_at=timezone.now() if key == "validated" else None,
        )
    FollowUp.objects.create(
        recommendation=world["validated"].recommendations.get(),
        session=world["draft"],
        status=FollowUp.Status.IN_PROGRESS,
    )
    draft = Minutes.objects.create(session=world["draft"])
    MinutesEvent.objects.create(
        minutes=draft,
        action=Minutes.Action.SUBMIT,
        from_status=Minutes.Status.DRAFT,
        to_status=Minutes.Status.SUBMITTED,
        version=1,
        actor=users["secretariat"],
        at=timezone.now(),
    )
    validated = Minutes.objects.create(session=world["validated"], status=Minutes.Status.VALIDATED)
    pdf = b"%PDF-1.7\n% access matrix\n%%EOF\n"
    version = MinutesVersion.objects.create(
        minutes=validated,
        number=1,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        validated_at=timezone.now(),
        validated_by=users["coordinator"],
        validated_during=world["draft"],
        outcome=MinutesVersion.Outcome.VALIDATED,
        adoption_mode=MinutesVersion.AdoptionMode.SESSION,
        adopted_on=world["draft"].start_date,
        record_json='{"schema": "ctn-minutes/1"}\n',
    )
    version.annexes.add(world["validated_annex"])
    Download.objects.create(version=version, user=users["partner"])
    AccessAttempt.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="t", failures_since_start=1
    )
    AccessLog.objects.create(username="awa", ip_address="10.0.0.1", user_agent="t")
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="t")
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, request, tmp_path_factory):
    """The world, built once for the module in a transaction rolled back at its end.

    Each test's own transaction (the `db` fixture) and each request's are savepoints in it.
    The figure of what was checked is written at the end.
    """
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        built = build_world()
        built["cookies"] = {}
        for role in ROLES[1:]:
            client = Client()
            client.force_login(built[role])
            built["cookies"][role] = client.cookies
        yield built
        transaction.set_rollback(True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and CHECKED:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"access matrix: {len(CHECKED)} routes x {len(ROLES)} roles x {len(METHODS)} "
                f"methods = {sum(CHECKED)} requests checked, and {len(CHECKED)} POSTs without "
                "CSRF token refused"
            )


def clients(world):
    """A fresh client per role, logged in with the world's session (no request shares state)."""
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.cookies = SimpleCookie(world["cookies"][role])
        result[role] = client
    return result


def request_in_rollback(client, method, url):
    """One request whose writes are undone, so each request sees the same world."""
    with transaction.atomic():
        response = client.generic(method, url)
        close_response(response)  # a file response closes its file
        transaction.set_rollback(True)
    return response


def outcome(response):
    """The status as the table says it: the code, or the path a 302 goes to."""
    if response.status_code == 302:
        return urlsplit(response["Location"]).path
    return response.status_code


def matches(expected, actual):
    if expected == 302:
        return isinstance(actual, str)
    return expected == actual


def check(world, url, get, post, url_kwargs=None):
    """{(role, method): (expected, actual)} for each request whose status is not the expected."""
    wrong = {}
    for role, client in clients(world).items():
        for method, expected in zip(METHODS, (get, post), strict=True):
            want = expected[ROLES.index(role)]
            if isinstance(want, str):
                want = want.format(**(url_kwargs or {}))
            got = outcome(request_in_rollback(client, method, url))
            if not matches(want, got):
                wrong[role, method] = (want, got)
    CHECKED.append(len(ROLES) * len(METHODS))
    return wrong


CHECKED = []


def post_without_csrf_token(world, url, role):
    """A logged-in POST whose form carries no CSRF token, as a forged cross-site form would."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies = SimpleCookie(world["cookies"][role])
    return request_in_rollback(client, "POST", url)


def refused_for_csrf(response):
    return response.status_code == 403 and "CSRF" in response.content.decode()


# --- the tests --------------------------------------------------------------------------------


def test_every_route_is_in_the_table():
    listed = {c.name for c in CASES}

    assert sorted(set(NON_ADMIN_NAMES) - listed) == []
    assert sorted(listed - set(NON_ADMIN_NAMES)) == []
    assert all(name for route, name, _p in ROUTES if not route.startswith("admin/"))


def fill(kwargs, world):
    return {
        key: value if isinstance(value, int) else world[value].pk for key, value in kwargs.items()
    }


@pytest.mark.parametrize("entry", CASES, ids=[c.id for c in CASES])
def test_route_answers_each_role_as_the_table_says(db, world, entry):
    kwargs = fill(entry.kwargs, world)
    url = reverse(entry.name, kwargs=kwargs)

    wrong = check(world, url, entry.get, entry.post, kwargs)
    forged = post_without_csrf_token(world, url, "secretariat")

    assert wrong == {}, url
    assert refused_for_csrf(forged), url


# --- the admin's routes ------------------------------------------------------------------------

ADMIN_MODELS = {
    f"admin:{model._meta.app_label}_{model._meta.model_name}_": model
    for model in admin.site._registry
}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def admin_page(route, name):
    """(kind, model) of an admin route: a page of ADMIN_PAGES, or a model page by its suffix."""
    if name in ADMIN_PAGES:
        return name, None
    if name == "admin:":
        if route == "admin/(?P<url>.*)$":
            return "admin:catch_all", None
        # admin/<app>/<model>/<object_id>/: the old URL of an object, sent on to its change page
        label = ".".join(route.split("/")[1:3])
        return "object", next(m for m in admin.site._registry if m._meta.label_lower == label)
    for prefix, model in ADMIN_MODELS.items():
        if name.startswith(prefix):
            return name.removeprefix(prefix), model
    raise LookupError(f"{name} ({route}) is in no admin rule: add it to ADMIN_PAGES")


ADMIN_ROUTES = [(route, name) for route, name, _p in ROUTES if route.startswith("admin/")]


def admin_expected(route, name):
    kind, model = admin_page(route, name)
    if model is None:
        return ADMIN_PAGES[kind]
    staff = READ_ONLY_ADMIN.get(model._meta.label_lower, {}).get(kind, ADMIN_MODEL_PAGES[kind])
    staff = [s.format(model=model._meta.model_name) if isinstance(s, str) else s for s in staff]
    return (*MODEL_PAGE_NOT_STAFF, staff[0]), (*MODEL_PAGE_NOT_STAFF, staff[1])


def admin_url(route, name, world):
    kind, model = admin_page(route, name)
    if kind == "admin:catch_all":
        return "/admin/no-such-page/"
    if kind == "admin:app_list":
        return reverse(name, kwargs={"app_label": "ctn_sessions"})
    if kind == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(world["validated"])
        return reverse(name, args=[content_type.pk, world["validated"].pk])
    values = {}
    if model is not None:
        instance = model._default_manager.order_by("pk").first()
        assert instance is not None, f"the world has no {model._meta.label}: add one"
        values = {"object_id": instance.pk, "id": instance.pk}
    return "/" + PARAMETER.sub(lambda m: str(values[m.group(1)]), route)


@pytest.mark.parametrize(("route", "name"), ADMIN_ROUTES, ids=[r for r, _n in ADMIN_ROUTES])
def test_admin_route_answers_each_role_by_its_rule(db, world, route, name):
    get, post = admin_expected(route, name)
    url = admin_url(route, name, world)

    wrong = check(world, url, get, post)
    forged = post_without_csrf_token(world, url, "staff")

    assert wrong == {}, url
    assert refused_for_csrf(forged), url
