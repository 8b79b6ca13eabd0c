"""The compte rendu of a session, its validated versions (the PDFs of record) and their logs.

Workflow (reports/services.py changes these rows, nothing else does):

    draft --submit--> submitted --validate--> validated --open_erratum--> draft (next version)
                      submitted --return_to_draft--> draft
                      submitted --postpone--> submitted

The PDF of record of each validated version is kept in the database (MinutesVersion.pdf), so a
database backup carries it along with the record it belongs to.
"""

from dataclasses import dataclass

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override, pgettext_lazy
from simple_history.models import HistoricalRecords

from ctn import french
from ctn.freeze import SessionFrozen
from ctn.history import HistoryQuerySet
from ctn.roles import Role, can_edit, has_role
from sessions.exports import session_file_stem
from sessions.models import Recommendation


@dataclass(frozen=True)
class Transition:
    sources: tuple
    target: str
    roles: tuple
    reason_required: bool = False


class MinutesQuerySet(HistoryQuerySet):
    def published(self):
        """Minutes with at least one validated version: what partners may see and download."""
        return self.filter(
            models.Exists(
                MinutesVersion.objects.filter(
                    minutes=models.OuterRef("pk"), validated_at__isnull=False
                )
            )
        )

    def visible_to(self, user):
        """The documents of record: a partner sees minutes with a validated version, also
        during an erratum. Editors see every compte rendu."""
        return self if can_edit(user) else self.published()


class Minutes(models.Model):
    """The compte rendu of one session and its workflow state (see reports/services.py)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("minutes status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("minutes status", "submitted")
        VALIDATED = "validated", pgettext_lazy("minutes status", "validated")

    class Action(models.TextChoices):
        SUBMIT = "submit", pgettext_lazy("minutes action", "submitted for validation")
        VALIDATE = "validate", pgettext_lazy("minutes action", "validated")
        POSTPONE = "postpone", pgettext_lazy("minutes action", "validation postponed")
        RETURN = "return", pgettext_lazy("minutes action", "returned to draft")
        ERRATUM = "erratum", pgettext_lazy("minutes action", "erratum opened")

    # The allowed transitions, as data: views, templates and services all ask `can()`.
    TRANSITIONS = {
        Action.SUBMIT: Transition(
            (Status.DRAFT,), Status.SUBMITTED, (Role.SECRETARIAT, Role.COORDINATOR)
        ),
        Action.VALIDATE: Transition((Status.SUBMITTED,), Status.VALIDATED, (Role.COORDINATOR,)),
        Action.POSTPONE: Transition((Status.SUBMITTED,), Status.SUBMITTED, (Role.COORDINATOR,)),
        Action.RETURN: Transition(
            (Status.SUBMITTED,), Status.DRAFT, (Role.COORDINATOR,), reason_required=True
        ),
        Action.ERRATUM: Transition(
            (Status.VALIDATED,), Status.DRAFT, (Role.COORDINATOR,), reason_required=True
        ),
    }

    session = models.OneToOneField(
        "ctn_sessions.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="minutes",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveSmallIntegerField(
        _("version"), default=1, help_text=_("The version being drafted or last validated.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MinutesQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="minutes_version_positive",
                violation_error_message=_("The version must be at least 1."),
            ),
        ]

    def __str__(self):
        return _("Minutes of the %(session)s") % {"session": self.session}

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.session_id])

    # -- workflow rules, shared by services, views and templates --------------------------------

    def can(self, action, user):
        transition = self.TRANSITIONS[action]
        return self.status in transition.sources and has_role(user, *transition.roles)

    def allowed_actions(self, user):
        """The names of the actions this user may take now, e.g. {"validate", "return"}."""
        return {str(action) for action in self.TRANSITIONS if self.can(action, user)}

    @property
    def is_validated(self):
        return self.status == self.Status.VALIDATED


class MinutesVersionQuerySet(models.QuerySet):
    def validated(self):
        return self.filter(validated_at__isnull=False)

    def without_pdf(self):
        """Every column but the PDF bytes and its JSON content: lists, ETag checks."""
        return self.defer("pdf", "record_json")


# The columns of a validated MinutesVersion that no SQL may change (see its Meta.triggers).
RECORD_COLUMNS = (
    "minutes_id",
    "number",
    "pdf",
    "sha256",
    "content_sha256",
    "size",
    "validated_at",
    "validated_by_id",
    "validated_during_id",
    "outcome",
    "amendments",
    "adoption_mode",
    "adopted_on",
    "original_scan",
    "record_json",
    "signer",
    "signer_certificate_sha256",
)


def append_only():
    """PostgreSQL triggers of an audit table: rows are added, never changed nor deleted."""
    return [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


def strong_etag(sha256):
    """A validated PDF's strong ETag: the SHA-256 of the bytes served."""
    return f'"{sha256}"'


class MinutesVersion(models.Model):
    """One version of a compte rendu. Validation fills in its frozen PDF of record.

    Version 1 is created at the first validation; an erratum creates the next version (still
    to validate) with its reason, and marks the previous one superseded.
    """

    class Outcome(models.TextChoices):
        VALIDATED = "validated", pgettext_lazy("validation outcome", "validated")
        VALIDATED_WITH_AMENDMENTS = (
            "amended",
            pgettext_lazy("validation outcome", "validated subject to amendments"),
        )
        POSTPONED = "postponed", pgettext_lazy("validation outcome", "postponed")

    class AdoptionMode(models.TextChoices):
        """How the committee adopted the minutes: the PDF says it in words."""

        SESSION = "session", _("during a later session of the committee")
        WRITTEN = "written", _("by written procedure")
        MEETING = "meeting", _("at an extraordinary meeting outside a session")

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    pdf = models.BinaryField(_("PDF of record"), null=True, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True, db_index=True)
    content_sha256 = models.CharField(
        _("SHA-256 of the content"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Printed in the PDF: the fingerprint of its text, before the mention."),
    )
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    record_json = models.TextField(
        _("content of record (JSON)"),
        blank=True,
        editable=False,
        help_text=_("The structured content embedded in the PDF, as downloaded."),
    )
    signer = models.CharField(
        _("signed by"),
        max_length=255,
        blank=True,
        help_text=_("The subject of the certificate that signed the PDF."),
    )
    signer_certificate_sha256 = models.CharField(
        _("SHA-256 of the signing certificate"), max_length=64, blank=True
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validated by"),
        on_delete=models.PROTECT,
        related_name="validated_minutes",
        null=True,
        blank=True,
    )
    validated_during = models.ForeignKey(
        "ctn_sessions.Session",
        verbose_name=_("validated during"),
        on_delete=models.PROTECT,
        related_name="minutes_validated",
        null=True,
        blank=True,
        help_text=_("The later session that validated them; empty for an extraordinary one."),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    amendments = models.TextField(_("amendments"), blank=True)
    adoption_mode = models.CharField(
        _("adopted"), max_length=20, choices=AdoptionMode.choices, blank=True
    )
    adopted_on = models.DateField(
        _("adopted on"),
        null=True,
        blank=True,
        help_text=_("The day of the committee's decision, not the day it was recorded."),
    )
    original_scan = models.BooleanField(
        _("signed original, scanned"),
        default=False,
        help_text=_(
            "Earlier minutes kept on paper or in Word: the file is the scan of the signed "
            "original, kept as it was uploaded, instead of a PDF produced by the application."
        ),
    )
    erratum_reason = models.TextField(_("reason for the erratum"), blank=True)
    erratum_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erratum opened by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    annexes = models.ManyToManyField(
        "ctn_sessions.Annex",
        verbose_name=_("annexes"),
        related_name="minutes_versions",
        blank=True,
        editable=False,
        help_text=_("The annexes this version lists, fixed at its validation."),
    )

    objects = MinutesVersionQuerySet.as_manager()

    class Meta:
        ordering = ["minutes", "-number"]
        verbose_name = _("minutes version")
        verbose_name_plural = _("minutes versions")
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "number"],
                name="minutes_version_number_unique",
                violation_error_message=_("These minutes already have a version with this number."),
            ),
            models.CheckConstraint(
                condition=Q(validated_at__isnull=True)
                | (
                    Q(pdf__isnull=False, size__isnull=False, validated_by__isnull=False)
                    & ~Q(sha256="")
                    & Q(outcome__in=["validated", "amended"])
                    & Q(
                        adopted_on__isnull=False,
                        adoption_mode__in=["session", "written", "meeting"],
                    )
                    & (
                        Q(adoption_mode="session", validated_during__isnull=False)
                        | ~Q(adoption_mode="session")
                    )
                ),
                name="minutes_version_validated_has_its_pdf",
                violation_error_message=_("A validated version needs its PDF and its validator."),
            ),
        ]
        # On PostgreSQL the database itself keeps the PDF of record: once a version is
        # validated, no SQL may change its bytes, fingerprints or validation, nor delete it.
        # Only `superseded_at` (an erratum) may still be set.
        triggers = [
            pgtrigger.Protect(
                name="keep_validated_pdf",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.validated_at IS NOT NULL AND ("
                    + " OR ".join(
                        f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in RECORD_COLUMNS
                    )
                    + ")"
                ),
            ),
            pgtrigger.Protect(
                name="keep_validated_version",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.validated_at IS NOT NULL"),
            ),
        ]

    def __str__(self):
        return _("%(minutes)s, version %(number)s") % {
            "minutes": self.minutes,
            "number": self.number,
        }

    def get_absolute_url(self):
        return reverse("reports:version_pdf", args=[self.minutes.session_id, self.number])

    @property
    def is_validated(self):
        return self.validated_at is not None

    @property
    def is_superseded(self):
        return self.superseded_at is not None

    @property
    def etag(self):
        return strong_etag(self.sha256)

    @property
    def reference(self):
        """The document's reference and file name: "CTN-18ème-session-ordinaire-compte-rendu-v1",
        the session's file stem (sessions.exports.session_file_stem: the ordinal as the text
        writes it) and the version."""
        session = self.minutes.session
        with override("fr"):
            return "-".join(
                [
                    session_file_stem(session),
                    slugify(french.DocumentTitle(session.committee.document_title).label),
                    f"v{self.number}",
                ]
            )

    @property
    def filename(self):
        return f"{self.reference}.pdf"


class MinutesEvent(models.Model):
    """The history of the minutes: who moved them from which state to which, when and why."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=Minutes.Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Minutes.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Minutes.Status.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="minutes_events",
    )
    at = models.DateTimeField(_("at"))
    comment = models.TextField(_("comment"), blank=True)
    during = models.ForeignKey(
        "ctn_sessions.Session",
        verbose_name=_("during the session"),
        on_delete=models.PROTECT,
        related_name="minutes_reviews",
        null=True,
        blank=True,
        help_text=_("The session at which the minutes were examined, for a validation."),
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("minutes event")
        verbose_name_plural = _("minutes history")
        triggers = append_only()

    def __str__(self):
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"


class Download(models.Model):
    """One download of a validated PDF: who, when, which version."""

    version = models.ForeignKey(
        MinutesVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="downloads",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="minutes_downloads",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        triggers = append_only()

    def __str__(self):
        return f"{self.user} – {self.version} ({self.at:%Y-%m-%d %H:%M})"


class AuditEvent(models.Model):
    """What the audit trail records besides the history of the records themselves.

    Log-ins (failed ones too), refusals (403, 404, frozen session, conflicting edit) and PDFs
    refused because their bytes no longer match their fingerprint. Written by reports/audit.py;
    no screen changes or deletes a row, and on PostgreSQL a trigger refuses it to any SQL.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", pgettext_lazy("audit event", "log-in")
        LOGIN_FAILED = "login_failed", pgettext_lazy("audit event", "failed log-in")
        LOGOUT = "logout", pgettext_lazy("audit event", "log-out")
        REFUSED = "refused", pgettext_lazy("audit event", "refused")
        CONFLICT = "conflict", pgettext_lazy("audit event", "edit conflict")
        TAMPERED = "tampered", pgettext_lazy("audit event", "altered PDF refused")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    # No database constraint: the entry outlives a session deleted later, and a refusal may
    # name a session that never existed.
    session = models.ForeignKey(
        "ctn_sessions.Session",
        verbose_name=_("session"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        blank=True,
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["session", "at"])]
        triggers = append_only()

    def __str__(self):
        return f"{self.get_kind_display()} – {self.username} ({self.at:%Y-%m-%d %H:%M})"


class ReminderSent(models.Model):
    """One digest of an organization's due and overdue recommendations, sent to its contacts.

    Written by reports/reminders.py in the transaction that sends it: the organization's row is
    locked first, and there is at most one digest per organization and period, so two runs of
    `send_reminders` at the same time send it once.
    """

    organization = models.ForeignKey(
        "participants.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="reminders_sent",
    )
    period_start = models.DateField(
        _("period"), help_text=_("The day the digest was sent, which opens its period.")
    )
    period_end = models.DateField(
        _("next digest from"), help_text=_("No other digest to this organization before then.")
    )
    sent_at = models.DateTimeField(pgettext_lazy("reminder", "sent at"), default=timezone.now)
    recipients = models.TextField(
        _("recipients"), help_text=_("Their e-mail addresses, one a line.")
    )
    overdue_count = models.PositiveIntegerField(_("overdue recommendations"), default=0)
    due_soon_count = models.PositiveIntegerField(_("recommendations due soon"), default=0)

    # Its trail is also what tells the kept dashboard a digest went out (ctn/cache.py stamps).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period_start"],
                name="reminder_one_per_organization_and_period",
                violation_error_message=_(
                    "This organization has already been reminded for this period."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="reminder_period_not_empty",
                violation_error_message=_("The period must end after it begins."),
            ),
        ]
        indexes = [models.Index(fields=["organization", "-sent_at"], name="reminder_latest")]

    def __str__(self):
        return f"{self.organization} – {self.period_start.isoformat()}"


def refuse_change_of_validated_annex_list(sender, instance, action, reverse, pk_set, **kwargs):
    """The annexes a validated version lists are fixed (filled once, at its validation)."""
    if action not in {"pre_remove", "pre_clear"}:
        return
    if reverse:  # annex.minutes_versions.remove(…) / .clear()
        versions = MinutesVersion.objects.filter(annexes=instance)
        if pk_set is not None:
            versions = versions.filter(pk__in=pk_set)
    else:
        versions = MinutesVersion.objects.filter(pk=instance.pk)
    if versions.validated().exists():
        raise SessionFrozen()


m2m_changed.connect(
    refuse_change_of_validated_annex_list,
    sender=MinutesVersion.annexes.through,
    dispatch_uid="refuse_change_of_validated_annex_list",
)


def refresh_follow_ups_of_session(sender, instance, **kwargs):
    """post_save of Minutes: what partners see of the follow-ups recorded at the session (the
    latest follow-up at validated minutes) follows the minutes' status, whatever wrote it."""
    Recommendation.objects.filter(follow_ups__session_id=instance.session_id).refresh_follow_ups()


post_save.connect(
    refresh_follow_ups_of_session, sender=Minutes, dispatch_uid="refresh_follow_ups_of_session"
)
