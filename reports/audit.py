"""The audit trail: its own entries (AuditEvent) and the history page of a session.

Changes to the records themselves are kept by django-simple-history (a `history` on each
audited model, the user taken from the request by HistoryRequestMiddleware, bulk writes through
ctn.history.HistoryQuerySet). This module adds what is not a change of a record: log-ins and
failed log-ins (auth signals: a logging side effect, not business), refusals (the middleware
below) and altered PDFs refused at download. `session_history()` merges, newest first, the
history of a session and of what is recorded under it with its minutes' events, the downloads
of its PDFs and the entries below.
"""

import heapq
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ctn.security import client_ip
from reports.models import AuditEvent, Download, Minutes, MinutesEvent

# Responses the audit trail records as refusals.
REFUSAL_STATUSES = {403, 404, 405, 409}


def record(kind, request=None, *, user=None, username="", session_id=None, status=None, detail=""):
    """Write one AuditEvent; the request gives the user, address, method and path."""
    if request is not None:
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not username:
        username = user.get_username()
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        ip_address=client_ip(request) if request is not None else None,
        method=(request.method or "") if request is not None else "",
        path=request.get_full_path()[:500] if request is not None else "",
        status_code=status,
        session_id=session_id,
        detail=str(detail),
    )


def session_id_of(request):
    """The session a URL is about: `pk` under /sessions/, `session_pk` under /reports/."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if "session_pk" in match.kwargs:
        return match.kwargs["session_pk"]
    if match.namespace == "sessions" and "pk" in match.kwargs:
        return match.kwargs["pk"]
    return None


def on_logged_in(sender, request, user, **kwargs):
    record(AuditEvent.Kind.LOGIN, request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Kind.LOGOUT, request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already masked by Django; keep only the name tried.
    username = str(credentials.get("username", ""))
    record(AuditEvent.Kind.LOGIN_FAILED, request, username=username)


def connect_signals():
    user_logged_in.connect(on_logged_in, dispatch_uid="audit_logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit_logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")


class RefusalAuditMiddleware:
    """Records every refusal an authenticated user meets: 403 (role, frozen session), 404
    (an object out of their reach), 405 (GET on an action) and 409 (conflicting edit, altered
    PDF). Anonymous requests are turned to the log-in page before any view, and failed log-ins
    are recorded by the signal above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in REFUSAL_STATUSES and request.user.is_authenticated:
            if not getattr(response, "audit_recorded", False):
                record(
                    AuditEvent.Kind.REFUSED,
                    request,
                    session_id=session_id_of(request),
                    status=response.status_code,
                    detail=getattr(request, "audit_refusal", ""),
                )
        return response

    def process_exception(self, request, exception):
        # Keep the reason of a refusal that has one (a frozen session); Django answers 403.
        if isinstance(exception, PermissionDenied) and exception.args:
            request.audit_refusal = str(exception.args[0])


# -- the history page of a session --------------------------------------------------------------


def audited_models():
    """The models recorded under a session whose history the session page shows."""
    names = [
        ("ctn_sessions", "CoChair"),
        ("ctn_sessions", "AgendaItem"),
        ("ctn_sessions", "Intervention"),
        ("ctn_sessions", "ExpectedResult"),
        ("ctn_sessions", "Recommendation"),
        ("participants", "Attendance"),
        # Added by later work when present: follow-ups, annexes.
        ("ctn_sessions", "FollowUp"),
        ("ctn_sessions", "Annex"),
        ("reports", "Annex"),
    ]
    found = []
    for app_label, name in names:
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            continue
        if hasattr(model, "history") and model._meta.get_field("session"):
            found.append(model)
    return found


HISTORY_TYPES = {
    "+": pgettext_lazy("history", "created"),
    "~": pgettext_lazy("history", "changed"),
    "-": pgettext_lazy("history", "deleted"),
}
# Text fields that name a row in the history (the rest of its fields are in the diff).
LABEL_FIELDS = ("title", "description", "text", "capacity", "summary", "represented_by")


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass(order=True)
class Entry:
    at: datetime
    order: int
    kind: str = field(compare=False)
    what: str = field(compare=False)
    user: str = field(compare=False)
    action: str = field(compare=False)
    changes: list = field(default_factory=list, compare=False)
    detail: str = field(default="", compare=False)


def _user_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _value(record, model_field, related):
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return str(related.get((model_field.related_model, value), value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(model_field, models.DateField):
        return value.strftime("%d/%m/%Y")
    return Truncator(str(value)).chars(200)


def _history_sources(session_id):
    """(queryset of historical rows, model) for the session itself and each audited model."""
    session_model = apps.get_model("ctn_sessions", "Session")
    sources = [(session_model.history.filter(id=session_id), session_model)]
    for model in audited_models():
        sources.append((model.history.filter(session_id=session_id), model))
    sources.append((Minutes.history.filter(session_id=session_id), Minutes))
    return sources


def _diffs(records, model):
    """{history_id: [Change]} against each record's previous version (one query per model)."""
    changed = [r for r in records if r.history_type == "~"]
    if not changed:
        return []
    previous_rows = (
        model.history.filter(
            id__in={r.id for r in changed},
            history_id__lt=max(r.history_id for r in changed),
        )
        .order_by("id", "history_id")
        .only(*[f.attname for f in model.history.model.tracked_fields], "history_id", "id")
    )
    by_object = {}
    for row in list(previous_rows) + list(records):
        by_object.setdefault(row.id, {})[row.history_id] = row
    pairs = []
    for rec in changed:
        earlier = [hid for hid in by_object.get(rec.id, {}) if hid < rec.history_id]
        if earlier:
            pairs.append((rec, by_object[rec.id][max(earlier)]))
    return pairs


def _related_names(fields_values):
    """str() of the related rows named in the diffs, one query per related model."""
    wanted = {}
    for related_model, pk in fields_values:
        wanted.setdefault(related_model, set()).add(pk)
    names = {}
    for related_model, pks in wanted.items():
        queryset = related_model._base_manager.filter(pk__in=pks)
        if related_model._meta.label == "participants.Person":
            queryset = queryset.only("civility", "first_name", "last_name")
        for obj in queryset:
            names[(related_model, obj.pk)] = str(obj)
    return names


def _entries_from_history(records, model):
    pairs = _diffs(records, model)
    tracked = [
        f
        for f in model.history.model.tracked_fields
        if f.name not in {"id", "session", "minutes", "created_at", "updated_at"}
    ]
    fk_values = set()
    deltas = {}
    for rec, prev in pairs:
        delta = [f for f in tracked if getattr(rec, f.attname) != getattr(prev, f.attname)]
        deltas[rec.history_id] = (prev, delta)
        for f in delta:
            if isinstance(f, models.ForeignKey):
                for value in (getattr(rec, f.attname), getattr(prev, f.attname)):
                    if value is not None:
                        fk_values.add((f.related_model, value))
    for rec in records:
        for f in ("person_id",):
            if hasattr(rec, f) and getattr(rec, f) is not None:
                fk_values.add((apps.get_model("participants", "Person"), getattr(rec, f)))
    related = _related_names(fk_values)
    entries = []
    for rec in records:
        label = _row_label(rec, model, related)
        changes = []
        if rec.history_id in deltas:
            prev, delta = deltas[rec.history_id]
            changes = [
                Change(
                    label=str(f.verbose_name),
                    old=_value(prev, f, related),
                    new=_value(rec, f, related),
                )
                for f in delta
            ]
        entries.append(
            Entry(
                at=rec.history_date,
                order=rec.history_id,
                kind="history",
                what=label,
                user=_user_name(rec.history_user),
                action=str(HISTORY_TYPES.get(rec.history_type, rec.history_type)),
                changes=changes,
                detail=rec.history_change_reason or "",
            )
        )
    return entries


def _row_label(rec, model, related):
    name = str(model._meta.verbose_name).capitalize()
    if model._meta.label in {"ctn_sessions.Session", "reports.Minutes"}:
        return name
    person_id = getattr(rec, "person_id", None)
    if person_id is not None:
        person_model = apps.get_model("participants", "Person")
        return f"{name} : {related.get((person_model, person_id), person_id)}"
    for attname in LABEL_FIELDS:
        text = getattr(rec, attname, "")
        if text:
            return f"{name} : « {Truncator(text).chars(60)} »"
    return f"{name} n° {rec.id}"


class _Source:
    """One kind of entry: how many, and the newest `limit` as Entry objects."""

    def __init__(self, queryset, build):
        self.queryset = queryset
        self.build = build

    def count(self):
        return self.queryset.count()

    def newest(self, limit):
        return self.build(list(self.queryset[:limit]))


def _sources(session):
    sources = [
        _Source(
            queryset.select_related("history_user").order_by("-history_date", "-history_id"),
            lambda records, model=model: _entries_from_history(records, model),
        )
        for queryset, model in _history_sources(session.pk)
    ]
    sources.append(
        _Source(
            MinutesEvent.objects.filter(minutes__session_id=session.pk)
            .select_related("actor")
            .order_by("-at", "-pk"),
            lambda events: [
                Entry(
                    at=event.at,
                    order=event.pk,
                    kind="minutes",
                    what=str(_("Minutes, version %(number)s") % {"number": event.version}),
                    user=_user_name(event.actor),
                    action=event.get_action_display(),
                    changes=[
                        Change(
                            label=str(_("status")),
                            old=event.get_from_status_display(),
                            new=event.get_to_status_display(),
                        )
                    ],
                    detail=event.comment,
                )
                for event in events
            ],
        )
    )
    sources.append(
        _Source(
            Download.objects.filter(version__minutes__session_id=session.pk)
            .select_related("user", "version")
            .defer("version__pdf")
            .order_by("-at", "-pk"),
            lambda downloads: [
                Entry(
                    at=download.at,
                    order=download.pk,
                    kind="download",
                    what=str(_("PDF, version %(number)s") % {"number": download.version.number}),
                    user=_user_name(download.user),
                    action=str(pgettext_lazy("history", "downloaded")),
                )
                for download in downloads
            ],
        )
    )
    sources.append(
        _Source(
            AuditEvent.objects.for_session(session.pk)
            .select_related("user")
            .order_by("-at", "-pk"),
            lambda events: [
                Entry(
                    at=event.at,
                    order=event.pk,
                    kind="audit",
                    what=event.path,
                    user=_user_name(event.user) or event.username,
                    action=event.get_kind_display(),
                    detail=" ".join(
                        part for part in (str(event.status_code or ""), event.detail) if part
                    ),
                )
                for event in events
            ],
        )
    )
    return sources


class SessionHistory:
    """The merged history of a session, newest first, sliceable for a Django Paginator.

    A slice [a:b] reads at most b rows of each source (newest first) and merges them, so a page
    costs a fixed number of queries whatever the length of the history.
    """

    def __init__(self, session):
        self.sources = _sources(session)
        self._count = None

    def count(self):
        if self._count is None:
            self._count = sum(source.count() for source in self.sources)
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        start, stop = item.start or 0, item.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        merged = heapq.merge(
            *(source.newest(stop) for source in self.sources),
            key=lambda entry: (entry.at, entry.order),
            reverse=True,
        )
        return list(merged)[start:stop]


def session_history(session):
    return SessionHistory(session)
