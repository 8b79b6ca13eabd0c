"""The edit lock of a session: one row lock for its content, and the optimistic edit-count check.

Every save made through the screens runs in a transaction that starts with `claim_session`
(or `lock_for_edit` for a write that carries no form edit count): the session's row is locked
(ctn/freeze.py, `lock_sessions`, the same lock the minutes' transitions take first), then
its minutes' state is read. Validated minutes freeze the session; submitted minutes lock it
too, until the coordinator sends them back to draft, so that the coordinator validates what
was submitted and reviewed.
"""

from datetime import UTC, datetime

from django.contrib import messages
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ctn.freeze import (
    FROZEN_MINUTES_STATUS,
    SUBMITTED_MINUTES_STATUS,
    SessionFrozen,
    SessionSubmitted,
    lock_sessions,
)
from sessions.history import content_history


class EditConflict(Exception):
    """Someone else saved the session or one of its sections since this form was loaded."""


def lock_for_edit(session):
    """Inside the caller's transaction: lock the session's row, then refuse (SessionFrozen or
    SessionSubmitted) if its minutes are validated or submitted, as read after the lock."""
    from sessions.models import Session

    lock_sessions([session.pk])
    status = (
        Session._base_manager.filter(pk=session.pk).values_list("minutes__status", flat=True)
    ).first()
    if status == FROZEN_MINUTES_STATUS:
        raise SessionFrozen(session)
    if status == SUBMITTED_MINUTES_STATUS:
        raise SessionSubmitted(session)


def claim_session(session, edit_count):
    """lock_for_edit, then check and bump the session's edit count: EditConflict, changing
    nothing, when another save came after `edit_count` was read (the form's)."""
    from sessions.models import Session

    lock_for_edit(session)
    claimed = Session._base_manager.filter(pk=session.pk, edit_count=edit_count).update(
        edit_count=F("edit_count") + 1
    )
    if not claimed:
        raise EditConflict
    session.edit_count = edit_count + 1


def _loaded(request, session):
    """(edit count, loaded at) the posted form carries in its field "lock" ("7:1700000000",
    put by the template: the session's edit count and the time of loading); without it, the
    edit count this request read."""
    try:
        edit_count, loaded_at = request.POST.get("lock", "").split(":")
        return int(edit_count), datetime.fromtimestamp(float(loaded_at), tz=UTC)
    except ValueError:
        return session.edit_count, timezone.now()


def claim_form(request, session):
    """claim_session for the form posted, inside the caller's transaction."""
    claim_session(session, _loaded(request, session)[0])


def edit_conflict(request, session, template, context):
    """Show the form again as typed, with what changed since it was loaded; nothing saved.
    The 409 is written to the audit trail as a conflict (reports' RefusalAuditMiddleware)."""
    _edit_count, loaded_at = _loaded(request, session)
    changes = [entry for entry in content_history(session)[:200] if entry.at > loaded_at]
    messages.error(
        request,
        _(
            "Someone else saved this session while you were editing it, so your changes were "
            "NOT saved, to overwrite nothing. They are still in the form below: compare them "
            "with the changes made meanwhile, then save again."
        ),
    )
    for entry in reversed(changes):
        details = "; ".join(f"{c.label} : {c.old} → {c.new}" for c in entry.changes)
        messages.warning(
            request,
            _("%(what)s: %(action)s by %(user)s at %(time)s%(details)s")
            % {
                "what": entry.what,
                "action": entry.action,
                "user": entry.user or _("unknown"),
                "time": timezone.localtime(entry.at).strftime("%H:%M:%S"),
                "details": f" ({details})" if details else "",
            },
        )
    session.refresh_from_db(fields=["edit_count"])
    # The form shown again carries the edit count now stored: saving it again is a deliberate
    # choice made after seeing the changes above.
    lock = f"{session.edit_count}:{int(timezone.now().timestamp())}"
    response = render(request, template, {**context, "lock": lock}, status=409)
    response.audit_kind = "conflict"
    response.audit_detail = ", ".join(entry.what for entry in changes)
    return response
