"""The edit lock of a session: one row lock for its content, and the optimistic version check.

Every save made through the screens runs in a transaction that starts with `claim_session`
(or `lock_for_edit` for a write that carries no form version): the session's row is locked
(ctn/freeze.py, `lock_sessions`, the same lock the minutes' transitions take first), then
its minutes' state is read. Validated minutes freeze the session; submitted minutes lock it
too, until the coordinator sends them back to draft, so that the coordinator validates what
was submitted and reviewed.
"""

from django.db.models import F

from ctn.freeze import (
    FROZEN_MINUTES_STATUS,
    SUBMITTED_MINUTES_STATUS,
    SessionFrozen,
    SessionSubmitted,
    lock_sessions,
)


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


def claim_session(session, version):
    """lock_for_edit, then check and bump the session's version: EditConflict, changing
    nothing, when another save came after `version` was read (the form's)."""
    from sessions.models import Session

    lock_for_edit(session)
    claimed = Session._base_manager.filter(pk=session.pk, version=version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise EditConflict
    session.version = version + 1
