"""The history page of a session: its content's changes, its minutes' workflow, the downloads
of its PDFs and the audit entries met on it, newest first, in one paginated read."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reports.models import AuditEvent, Download, Minutes, MinutesEvent
from sessions.history import (
    Change,
    Entry,
    Part,
    SessionHistory,
    content_parts,
    display,
    history_part,
)


def _minutes_event_entry(at, pk, data, user):
    status = Minutes._meta.get_field("status")
    return Entry(
        at=at,
        order=pk,
        kind="minutes",
        what=str(_("Minutes, version %(number)s") % {"number": data["version"]}),
        user=user,
        action=str(dict(Minutes.Action.choices).get(data["action"], data["action"])),
        changes=[
            Change(
                str(_("status")),
                display(data["from_status"], status, {}),
                display(data["to_status"], status, {}),
            )
        ],
        detail=data.get("comment") or "",
    )


def _download_entry(at, pk, data, user):
    return Entry(
        at=at,
        order=pk,
        kind="download",
        what=str(_("PDF, version %(number)s") % {"number": data["number"]}),
        user=user,
        action=str(pgettext_lazy("history", "downloaded")),
    )


def _audit_entry(at, pk, data, user):
    return Entry(
        at=at,
        order=pk,
        kind="audit",
        what=data.get("path") or "",
        user=user or data.get("username") or "",
        action=str(dict(AuditEvent.Kind.choices).get(data["kind"], data["kind"])),
        detail=" ".join(
            part for part in (str(data.get("status_code") or ""), data.get("detail") or "") if part
        ),
    )


def _fields(*names):
    return {name: models.F(name) for name in names}


def session_history(session):
    session_id = session.pk
    return SessionHistory(
        [
            *content_parts(session_id),
            history_part(Minutes, Minutes.history.filter(session_id=session_id)),
            Part(
                MinutesEvent.objects.filter(minutes__session_id=session_id),
                "at",
                _fields("action", "from_status", "to_status", "version", "comment"),
                "actor_id",
                entry=_minutes_event_entry,
            ),
            Part(
                Download.objects.filter(version__minutes__session_id=session_id),
                "at",
                {"number": models.F("version__number")},
                "user_id",
                entry=_download_entry,
            ),
            Part(
                AuditEvent.objects.filter(session_id=session_id),
                "at",
                _fields("kind", "path", "status_code", "detail", "username"),
                "user_id",
                entry=_audit_entry,
            ),
        ]
    )
