"""The recorded history of a session's content, read from django-simple-history's trails.

`SessionHistory` merges, newest first, historical rows and any other dated rows a caller adds
as parts (reports/history.py adds the minutes' workflow, downloads and audit entries).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.functions import JSONObject
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


def recorded_models():
    """The models recorded under a session, each with its own history trail."""
    names = [
        ("ctn_sessions", "CoChair"),
        ("ctn_sessions", "AgendaItem"),
        ("ctn_sessions", "Intervention"),
        ("ctn_sessions", "ExpectedResult"),
        ("ctn_sessions", "Recommendation"),
        ("participants", "Attendance"),
        ("ctn_sessions", "FollowUp"),
        ("ctn_sessions", "Annex"),
    ]
    return [apps.get_model(app_label, name) for app_label, name in names]


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


def display(value, model_field, related):
    """A stored value as the history shows it (values come back from JSON: plain types)."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return related.get((model_field.related_model, value), str(value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(model_field, models.DateField) and not isinstance(
        model_field, models.DateTimeField
    ):
        return date_format(date.fromisoformat(str(value)[:10]), "SHORT_DATE_FORMAT")
    return Truncator(str(value)).chars(200)


def _same(a, b):
    # Booleans come back as 1/0 from SQLite's JSON and true/false from PostgreSQL's.
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return a == b


@dataclass
class Part:
    """One kind of entry of a session's history, as a queryset the union can take."""

    queryset: object
    date: str
    fields: dict  # name in the JSON payload -> expression
    user: str
    model: object = None  # the audited model, for historical rows
    entry: object = None  # for other rows: (at, pk, data, user) -> Entry

    def keyed(self, index):
        return (
            self.queryset.order_by()
            .annotate(
                _src=models.Value(index, output_field=models.IntegerField()),
                _user=models.F(self.user),
                _data=JSONObject(**self.fields),
            )
            .values_list(self.date, "pk", "_src", "_user", "_data")
        )


def _tracked(model):
    return [
        f
        for f in model.history.model.tracked_fields
        if f.name not in {"session", "minutes", "created_at", "updated_at"}
    ]


def history_part(model, queryset):
    fields = {f.attname: models.F(f.attname) for f in _tracked(model)}
    fields["history_type"] = models.F("history_type")
    fields["history_change_reason"] = models.F("history_change_reason")
    return Part(queryset, "history_date", fields, "history_user_id", model)


def content_parts(session_id):
    """The history trails of the session and of what is recorded under it."""
    session_model = apps.get_model("ctn_sessions", "Session")
    parts = [history_part(session_model, session_model.history.filter(id=session_id))]
    for model in recorded_models():
        parts.append(history_part(model, model.history.filter(session_id=session_id)))
    return parts


def _union(querysets):
    first, *rest = querysets
    return first.union(*rest, all=True) if rest else first


class SessionHistory:
    """The merged history of a session, newest first, sliceable for a Django Paginator.

    The entries of every table come in one UNION query (their fields as JSON), the previous
    versions for the diffs in one more, then the users and the rows the diffs name: a page
    costs a fixed number of queries whatever the length of the history.
    """

    def __init__(self, parts):
        self.parts = parts
        self._count = None

    def count(self):
        if self._count is None:
            self._count = _union(
                [part.queryset.order_by().values_list("pk") for part in self.parts]
            ).count()
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
        keyed = [part.keyed(index) for index, part in enumerate(self.parts)]
        rows = list(_union(keyed).order_by("-history_date", "-pk")[start:stop])
        return _entries(self.parts, rows)


def _entries(parts, rows):
    # Previous versions of the historical rows that are changes, for their diffs: one query.
    changed = {}
    for _at, _pk, src, _user, data in rows:
        if parts[src].model is not None and data.get("history_type") == "~":
            changed.setdefault(src, []).append((_pk, data["id"]))
    previous = {}
    queries = []
    if changed:
        for src, pairs in changed.items():
            part = parts[src]
            queries.append(
                history_part(
                    part.model,
                    part.model.history.filter(
                        id__in={object_id for _pk, object_id in pairs},
                        history_id__lt=max(pk for pk, _id in pairs),
                    ),
                ).keyed(src)
            )
    if not queries:
        # Asked even for a page without changes (an empty range of the session's history), so
        # that a page costs the same queries whatever it shows.
        empty = parts[0].queryset.filter(history_id__lt=0)
        queries.append(history_part(parts[0].model, empty).keyed(0))
    for _at, pk, src, _user, data in _union(queries):
        previous.setdefault((src, data["id"]), []).append((pk, data))
    # The users, and the rows that labels and diffs name: one query per kind of row.
    user_ids = {user for _at, _pk, _src, user, _data in rows if user is not None}
    person_model = apps.get_model("participants", "Person")
    wanted = {person_model: set()}  # asked on every page: the labels of co-chairs, attendance
    diffs = {}
    for _at, pk, src, _user, data in rows:
        model = parts[src].model
        if model is None:
            continue
        if data.get("person_id") is not None:
            wanted.setdefault(person_model, set()).add(data["person_id"])
        earlier = [(hid, old) for hid, old in previous.get((src, data["id"]), []) if hid < pk]
        if data.get("history_type") != "~" or not earlier:
            continue
        old = max(earlier, key=lambda pair: pair[0])[1]
        delta = [f for f in _tracked(model) if not _same(data.get(f.attname), old.get(f.attname))]
        diffs[(src, pk)] = (old, delta)
        for f in delta:
            if isinstance(f, models.ForeignKey):
                for value in (data.get(f.attname), old.get(f.attname)):
                    if value is not None:
                        wanted.setdefault(f.related_model, set()).add(value)
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    users = {
        user.pk: user.get_full_name() or user.get_username()
        for user in user_model._base_manager.filter(pk__in=user_ids)
    }
    related = {}
    for related_model, pks in wanted.items():
        for obj in related_model._base_manager.filter(pk__in=pks or [0]):
            related[(related_model, obj.pk)] = str(obj)
    return [
        _entry(parts[src], src, at, pk, data, users.get(user, ""), diffs, related)
        for at, pk, src, user, data in rows
    ]


def _entry(part, src, at, pk, data, user, diffs, related):
    if part.model is not None:
        changes = []
        if (src, pk) in diffs:
            old, delta = diffs[(src, pk)]
            changes = [
                Change(
                    str(f.verbose_name),
                    display(old.get(f.attname), f, related),
                    display(data.get(f.attname), f, related),
                )
                for f in delta
            ]
        return Entry(
            at=at,
            order=pk,
            kind="history",
            what=_row_label(part.model, data, related),
            user=user,
            action=str(HISTORY_TYPES.get(data["history_type"], data["history_type"])),
            changes=changes,
            detail=data.get("history_change_reason") or "",
        )
    return part.entry(at, pk, data, user)


def _row_label(model, data, related):
    name = str(model._meta.verbose_name).capitalize()
    if model._meta.label in {"ctn_sessions.Session", "reports.Minutes"}:
        return name
    if data.get("person_id") is not None:
        person_model = apps.get_model("participants", "Person")
        person = related.get((person_model, data["person_id"]), data["person_id"])
        return gettext("%(row)s: %(person)s") % {"row": name, "person": person}
    for attname in LABEL_FIELDS:
        text = data.get(attname)
        if text:
            return gettext("%(row)s: “%(text)s”") % {"row": name, "text": Truncator(text).chars(60)}
    return gettext("%(row)s no. %(number)s") % {"row": name, "number": data["id"]}


def content_history(session):
    """The changes of the session's content alone, newest first."""
    return SessionHistory(content_parts(session.pk))
