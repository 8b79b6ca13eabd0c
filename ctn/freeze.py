"""Freezing of a session once its minutes are validated.

A validated compte rendu is the official record: the session and everything recorded under it
(co-chairs, agenda, interventions, results, recommendations' text, attendance, rapporteurs) can
no longer change until the coordinator opens an erratum (reports/services.py). The guard lives
in the models so that every path refuses alike: `save()` and `delete()` of an instance, a
`ModelForm` (through `Model.clean()`), `QuerySet.update()`/`delete()`/`bulk_create()`, the
rapporteurs' many-to-many, and the admin (FrozenSessionAdminMixin below).

Only the fields a model lists in `freeze_exempt_fields` may still change on a frozen session:
`Recommendation.status`, the follow-up that later sessions update
(`Recommendation.set_follow_up_status()` is the documented path).

This module imports no model at import time: participants.models and sessions.models both use it.
"""

import pgtrigger
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils.translation import gettext_lazy as _

from ctn.choices import ChoiceLabels
from ctn.history import HistoryQuerySet

# Minutes.Status.VALIDATED and SUBMITTED; spelt here because reports imports ctn, not the
# reverse.
FROZEN_MINUTES_STATUS = "validated"
SUBMITTED_MINUTES_STATUS = "submitted"


class SessionFrozen(PermissionDenied):
    """Raised on any attempt to change a session whose minutes are validated.

    A PermissionDenied, so that a view which forgets to catch it answers 403, never 500.
    """

    def __init__(self, session=None):
        super().__init__(
            _(
                "The minutes of this session are validated: it can no longer be changed. "
                "The coordinator may open an erratum."
            )
        )
        self.session = session

    @property
    def message(self):
        return self.args[0]


class SessionSubmitted(SessionFrozen):
    """Raised on an edit of a session whose minutes are submitted for validation: the
    coordinator validates what was submitted; they may send the minutes back to draft."""

    def __init__(self, session=None):
        PermissionDenied.__init__(
            self,
            _(
                "The minutes of this session are submitted to the coordinator for validation: "
                "the session can no longer be changed. The coordinator may send the minutes "
                "back to draft."
            ),
        )
        self.session = session


def _session_model():
    return apps.get_model("ctn_sessions", "Session")


def lock_sessions(session_ids):
    """Take the row lock of these sessions (SELECT … FOR UPDATE, in the order of their ids),
    held until the caller's transaction ends.

    The one lock of a session's content: every write under a session takes it before reading
    whether the session is frozen, and the minutes' transitions take it before anything else
    (reports/services.py). An edit therefore commits before a validation reads the content, or
    waits for the validation and then finds the session frozen. On SQLite, where FOR UPDATE
    does not exist, writers are serialized by the database's immediate transactions.
    """
    ids = sorted({pk for pk in session_ids if pk is not None})
    if ids:
        Session = _session_model()
        list(
            Session._base_manager.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return ids


def frozen_session_ids(session_ids, *, lock=False):
    """The ids among `session_ids` of sessions whose minutes are validated.

    With `lock`, inside a transaction, the sessions are locked first (lock_sessions) and their
    state is read after the lock is held, by a statement of its own: a validation that
    committed while this transaction waited is seen.
    """
    ids = {pk for pk in session_ids if pk is not None}
    if not ids:
        return set()
    if lock:
        lock_sessions(ids)
    return set(
        _session_model()
        ._base_manager.filter(pk__in=ids, minutes__status=FROZEN_MINUTES_STATUS)
        .values_list("pk", flat=True)
    )


class FreezeGuardedQuerySet(HistoryQuerySet):
    """Refuses bulk writes touching rows of a frozen session.

    `session_path` is the lookup from the model to its Session ("" for Session itself).
    It derives from HistoryQuerySet: the bulk writes it lets through leave their history rows.
    """

    session_path = "session__"

    def frozen(self):
        """The rows of this queryset that belong to a frozen session."""
        return self.filter(**{f"{self.session_path}minutes__status": FROZEN_MINUTES_STATUS})

    def _refuse_frozen_rows(self):
        session_ids = self.values_list(f"{self.session_path}pk", flat=True).order_by()
        if frozen_session_ids(set(session_ids), lock=True):
            raise SessionFrozen()

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            if not set(kwargs) <= set(getattr(self.model, "freeze_exempt_fields", ())):
                self._refuse_frozen_rows()
            return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        with transaction.atomic(using=self.db):
            self._refuse_frozen_rows()
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            ids = {obj.session_id for obj in objs} if self.session_path else set()
            if frozen_session_ids(ids, lock=True):
                raise SessionFrozen()
            return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True


class SessionGuardedQuerySet(FreezeGuardedQuerySet):
    session_path = ""


class FreezeGuardedModel(ChoiceLabels):
    """Mixin for Session and the models recorded under a session (put it before models.Model).
    Their statuses and kinds are shown by the hundred on a page: ctn/choices.py displays them.

    `save()` and `delete()` raise SessionFrozen, and `clean()` (hence every ModelForm, admin
    included) gives the same message as a form error, when the row's session is frozen, either
    the session it belongs to in the database or the one it is being moved to.
    """

    freeze_exempt_fields = ()

    def _sessions_to_check(self):
        """Ids of the sessions this write touches: the new one and, for a change, the stored one."""
        if isinstance(self, _session_model()):
            return {self.pk} if self.pk is not None and not self._state.adding else set()
        ids = {self.session_id}
        if self.pk is not None and not self._state.adding:
            stored = (
                type(self)
                ._base_manager.filter(pk=self.pk)
                .values_list("session_id", flat=True)
                .first()
            )
            ids.add(stored)
        return ids

    def _only_exempt_fields_change(self, update_fields=None):
        exempt = set(self.freeze_exempt_fields)
        if not exempt or self.pk is None or self._state.adding:
            return False
        if update_fields is not None:
            return set(update_fields) <= exempt
        stored = type(self)._base_manager.filter(pk=self.pk).values().first()
        if stored is None:
            return False
        return all(
            stored[field.attname] == getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.name not in exempt
        )

    def session_is_frozen(self, *, lock=False):
        """Ask the database: is the session of this row (or this session) frozen? With `lock`,
        the session's row lock is taken first (lock_sessions)."""
        return bool(frozen_session_ids(self._sessions_to_check(), lock=lock))

    def ensure_not_frozen(self, update_fields=None, *, lock=False):
        if self.session_is_frozen(lock=lock) and not self._only_exempt_fields_change(update_fields):
            raise SessionFrozen(getattr(self, "session", self))

    def clean(self):
        super().clean()
        try:
            self.ensure_not_frozen()
        except SessionFrozen as frozen:
            raise ValidationError(frozen.message, code="session_frozen") from None

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self))):
            self.ensure_not_frozen(kwargs.get("update_fields"), lock=True)
            return super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self))):
            if self.session_is_frozen(lock=True):
                raise SessionFrozen(getattr(self, "session", self))
            return super().delete(*args, **kwargs)

    delete.alters_data = True


def refuse_rapporteurs_change_on_frozen_session(sender, instance, action, reverse, pk_set, **kw):
    """m2m_changed receiver for Session.rapporteurs: the list of rapporteurs is frozen too."""
    if action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    if not reverse:
        session_ids = {instance.pk}
    elif pk_set is not None:
        session_ids = set(pk_set)
    else:  # person.reported_sessions.clear(): every session of that person
        session_ids = set(instance.reported_sessions.values_list("pk", flat=True))
    # m2m add/remove/clear run inside their own transaction: the lock is held until it ends.
    if frozen_session_ids(session_ids, lock=True):
        raise SessionFrozen()


class FrozenSessionAdminMixin:
    """Admin of Session or of a model recorded under a session (ModelAdmin or inline).

    Frozen rows become read-only: no change, no delete, no inline added; the change page says
    why. The "delete selected" action lists frozen rows as protected instead of deleting them.
    For a ModelAdmin of Session, `obj` is the session; for an inline, `obj` is the parent
    session; for a ModelAdmin of a child model, `obj` is the child row.
    """

    @staticmethod
    def _is_frozen(obj):
        return obj is not None and isinstance(obj, FreezeGuardedModel) and obj.session_is_frozen()

    def has_change_permission(self, request, obj=None):
        if self._is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._is_frozen(obj):
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        # InlineModelAdmin passes the parent object; ModelAdmin passes nothing.
        parent = args[0] if args else kwargs.get("obj")
        if self._is_frozen(parent):
            return False
        return super().has_add_permission(request, *args, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if request.method == "GET" else None
        if self._is_frozen(obj):
            self.message_user(request, SessionFrozen().message, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        frozen = [obj for obj in objs if self._is_frozen(obj)]
        if frozen:
            if super().has_delete_permission(request):
                # The refusal comes from the freeze, not from the user's permissions: say so.
                perms_needed = set(perms_needed) - {str(self.opts.verbose_name)}
            protected = [*protected, *(f"{obj} – {SessionFrozen().message}" for obj in frozen)]
        return deleted, model_count, perms_needed, protected


def freeze_triggers(session_column="session_id", exempt_columns=()):
    """PostgreSQL triggers that make the database itself refuse to change a frozen session.

    For Meta.triggers of Session (`session_column="id"`) and of every model recorded under a
    session: an INSERT into, or an UPDATE or DELETE of a row of, a session whose minutes are
    validated raises, whatever path the SQL came from (raw `UPDATE` included). The minutes'
    status is read when the row is written, so an erratum (minutes back to draft) makes the
    session writable again. An UPDATE that changes only `exempt_columns` passes (the follow-up
    status of a recommendation). django-pgtrigger installs them by migration on PostgreSQL
    only; SQLite keeps the application-level guards above.
    """

    # Constants only (a column name from the model definitions, a status), never user input.
    def frozen(row):
        return (
            "EXISTS (SELECT 1 FROM reports_minutes"  # noqa: S608  # nosec B608
            f" WHERE reports_minutes.session_id = {row}.{session_column}"
            f" AND reports_minutes.status = '{FROZEN_MINUTES_STATUS}')"
        )

    old_frozen, new_frozen = frozen("OLD"), frozen("NEW")
    if exempt_columns:
        removed = "ARRAY[{}]".format(", ".join(f"'{column}'" for column in exempt_columns))
        changed = f"(to_jsonb(NEW) - {removed}) IS DISTINCT FROM (to_jsonb(OLD) - {removed})"
    else:
        changed = "ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*)"
    func = f"""
        IF (TG_OP = 'DELETE' AND {old_frozen})
           OR (TG_OP = 'INSERT' AND {new_frozen})
           OR (TG_OP = 'UPDATE' AND {changed} AND ({old_frozen} OR {new_frozen})) THEN
            RAISE EXCEPTION 'ctn: % on % refused: the minutes of the session are validated',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    """
    return [
        pgtrigger.Trigger(
            name="refuse_change_when_frozen",
            when=pgtrigger.Before,
            operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
            func=func,
        )
    ]
