"""The minutes workflow: one guarded function per transition, plus the download log.

Each transition checks the actor's role and the current state, then changes the minutes, saves
the changed fields and writes the history row, all in one transaction with the minutes row
locked. Views only call these functions; errors are MinutesError with a French message.
"""

import hashlib
import logging
import re
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from ctn import french
from ctn.freeze import lock_sessions
from ctn.roles import can_edit, has_role
from reports import distribution, downloads, pdf_store, signing
from reports.models import Minutes, MinutesEvent, MinutesVersion
from reports.pdf import PdfRenderingError, minutes_fingerprint, render_minutes_pdf
from sessions.models import Annex, ExpectedResult

logger = logging.getLogger(__name__)


class MinutesError(Exception):
    """A workflow rule refused the action; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class MinutesPermissionDenied(MinutesError):
    """The actor's role does not allow this action."""


class MinutesChanged(MinutesError):
    """The minutes changed since the coordinator reviewed them: nothing was validated."""

    def __init__(self):
        super().__init__(
            _(
                "The minutes changed since you opened them for review, so they were NOT "
                "validated. Read the new preview, then validate again."
            )
        )


def minutes_for(session):
    """The minutes of a session, created as a draft the first time they are needed."""
    minutes, _created = Minutes.objects.get_or_create(session=session)
    return minutes


def _lock(minutes):
    """Lock the session's row (the one lock of its content, taken first by every write under
    it: ctn/freeze.py), then the minutes' row, and read them afresh."""
    lock_sessions([minutes.session_id])
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("session__committee")
        .get(pk=minutes.pk)
    )


def check_action(minutes, action, user):
    """Raise MinutesError (or MinutesPermissionDenied) unless `user` may take `action` on
    `minutes` in their current state: the views ask before validating the form's input."""
    _check(minutes, action, user)


def _check(minutes, action, user):
    transition = Minutes.TRANSITIONS[action]
    if not has_role(user, *transition.roles):
        raise MinutesPermissionDenied(_("Your role does not allow this action on the minutes."))
    if minutes.status not in transition.sources:
        raise MinutesError(
            _("The minutes are %(status)s: this action is not possible now.")
            % {"status": minutes.get_status_display()}
        )


def _clean_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise MinutesError(_("Give a reason."))
    return reason


def _move(minutes, action, user, *, to_status, comment="", during=None, at=None):
    """Change the status, save it and write the history row (inside the caller's transaction)."""
    event = MinutesEvent.objects.create(
        minutes=minutes,
        action=action,
        from_status=minutes.status,
        to_status=to_status,
        version=minutes.version,
        actor=user,
        at=at or timezone.now(),
        comment=comment,
        during=during,
    )
    if minutes.status != to_status:
        minutes.status = to_status
        minutes.save(update_fields=["status", "version", "updated_at"])
    return event


def submit(minutes, user):
    """Secretariat or coordinator ask for validation: draft -> submitted."""
    with transaction.atomic():
        minutes = _lock(minutes)
        _check(minutes, Minutes.Action.SUBMIT, user)
        _move(minutes, Minutes.Action.SUBMIT, user, to_status=Minutes.Status.SUBMITTED)
    return minutes


def attach_original_scan(minutes, user, pdf):
    """Earlier minutes kept on paper or in Word: the secretariat (or the coordinator) attaches
    the scan of the signed original, which becomes the file of the version being drafted, kept
    byte for byte (MinutesVersion.original_scan). Validation then records when and how the
    committee adopted it, instead of producing a PDF; partners see it only once validated.

    Only for minutes in draft that were never validated (a validated record is never replaced:
    an erratum produces a new version), of a session already held. A new scan replaces the one
    attached before. Writes the unvalidated MinutesVersion, nothing else; raises MinutesError.
    """
    with transaction.atomic():
        minutes = _lock(minutes)
        if not can_edit(user):
            raise MinutesPermissionDenied(_("Your role does not allow this action on the minutes."))
        if minutes.status != Minutes.Status.DRAFT:
            raise MinutesError(
                _(
                    "The minutes are %(status)s: the original can only be attached to minutes "
                    "in draft."
                )
                % {"status": minutes.get_status_display()}
            )
        if minutes.versions.validated().exists():
            raise MinutesError(
                _(
                    "These minutes already have a validated version: the record is not "
                    "replaced by a scan."
                )
            )
        if minutes.session.end_date > timezone.localdate():
            raise MinutesError(
                _("The original of earlier minutes is attached once the session has been held.")
            )
        version, _created = MinutesVersion.objects.get_or_create(
            minutes=minutes, number=minutes.version
        )
        version.pdf = pdf
        version.sha256 = hashlib.sha256(pdf).hexdigest()
        version.size = len(pdf)
        version.original_scan = True
        version.save(update_fields=["pdf", "sha256", "size", "original_scan"])
    return version


def _check_validated_during(minutes, during):
    if during is None:
        return
    session = minutes.session
    if (
        during.pk == session.pk
        or during.committee_id != session.committee_id
        or during.start_date < session.start_date
    ):
        raise MinutesError(
            _("The minutes can only be validated during a later session of the same committee.")
        )
    if during.is_frozen:
        raise MinutesError(
            _("The minutes of %(session)s are already validated: choose an open session.")
            % {"session": during}
        )


def _adoption(minutes, mode, during, adopted_on):
    """The (mode, date) of the committee's decision, checked: the date of record is the day
    the committee decided, never the day it is recorded, unless the caller gives it."""
    Mode = MinutesVersion.AdoptionMode
    if not mode:
        mode = Mode.SESSION if during is not None else Mode.MEETING
    mode = Mode(mode)
    session = minutes.session
    if mode == Mode.SESSION:
        if during is None:
            raise MinutesError(_("Choose the session during which the minutes were adopted."))
        adopted_on = adopted_on or during.start_date
        if not during.start_date <= adopted_on <= during.end_date:
            raise MinutesError(
                _("The date of adoption must fall within the dates of the %(session)s (%(dates)s).")
                % {"session": during, "dates": during.date_span}
            )
        return mode, adopted_on
    if during is not None:
        raise MinutesError(
            _("Minutes adopted outside a session are not adopted during a session: choose one.")
        )
    # Code callers (shell, tests) may leave the date out: today; the screens always ask for it.
    adopted_on = adopted_on or timezone.localdate()
    if adopted_on > timezone.localdate():
        raise MinutesError(_("The date of adoption cannot be in the future."))
    if adopted_on < session.end_date:
        raise MinutesError(
            _("The minutes cannot be adopted before the end of their session (%(date)s).")
            % {"date": french.long_date(session.end_date)}
        )
    return mode, adopted_on


def validate(
    minutes,
    user,
    *,
    outcome=MinutesVersion.Outcome.VALIDATED,
    validated_during=None,
    amendments="",
    reviewed=None,
    adoption_mode=None,
    adopted_on=None,
):
    """The coordinator records the committee's decision on submitted minutes.

    Validated (or validated subject to amendments): renders the PDF of record, signs it with
    the committee's certificate (reports/signing.py), stores it with its SHA-256 (that of the
    signed bytes), its signer and its structured content (JSON) in a new or reopened
    MinutesVersion, moves the minutes to validated (which
    freezes the session) and, when `validated_during` is given, marks that session's expected
    result "le compte rendu de la Nème session a été validé" as achieved. All of it or nothing:
    if the PDF cannot be rendered or signed, MinutesError is raised and nothing changes. Once
    committed, the partners are e-mailed the link to the PDF (reports.distribution.
    notify_partners).

    Postponed: the minutes stay submitted; the history records it, and the expected result of
    `validated_during`, if given, is marked not achieved. Returns the version, or None.

    `adoption_mode` and `adopted_on` say how and when the committee adopted them (see
    MinutesVersion.AdoptionMode): during `validated_during` (the date defaults to its first day
    and must fall within its dates), or outside a session on a date neither in the future nor
    before the session's end. The PDF of record states this date, not the day of the call.

    `reviewed`, the fingerprint of the minutes the coordinator read (reports.pdf.
    minutes_fingerprint, carried by the review page), is checked under the lock: if anything
    changed since, MinutesChanged is raised and nothing changes.
    """
    outcome = MinutesVersion.Outcome(outcome)
    amendments = (amendments or "").strip()
    with transaction.atomic():
        minutes = _lock(minutes)
        action = (
            Minutes.Action.POSTPONE
            if outcome == MinutesVersion.Outcome.POSTPONED
            else Minutes.Action.VALIDATE
        )
        _check(minutes, action, user)
        if outcome == MinutesVersion.Outcome.VALIDATED_WITH_AMENDMENTS and not amendments:
            raise MinutesError(_("List the amendments the validation is subject to."))
        _check_validated_during(minutes, validated_during)
        if reviewed is not None and minutes_fingerprint(minutes) != reviewed:
            raise MinutesChanged()
        now = timezone.now()
        if action == Minutes.Action.POSTPONE:
            _move(
                minutes,
                action,
                user,
                to_status=Minutes.Status.SUBMITTED,
                comment=amendments,
                during=validated_during,
                at=now,
            )
            if validated_during is not None:
                record_review_result(validated_during, minutes.session, achieved=False)
            return None

        version = MinutesVersion.objects.filter(minutes=minutes, number=minutes.version).first()
        if version is None:
            version = MinutesVersion(minutes=minutes, number=minutes.version)
        version.minutes = minutes
        version.validated_at = now
        version.validated_by = user
        version.validated_during = validated_during
        version.outcome = outcome
        version.amendments = amendments
        version.adoption_mode, version.adopted_on = _adoption(
            minutes, adoption_mode, validated_during, adopted_on
        )
        if version.original_scan:
            # Earlier minutes: the signed original, scanned, is the record as uploaded.
            version.save()
        else:
            _record_produced_pdf(minutes, version)
        _record_annexes(version, now)
        _move(
            minutes,
            action,
            user,
            to_status=Minutes.Status.VALIDATED,
            comment=amendments,
            during=validated_during,
            at=now,
        )
        if validated_during is not None:
            record_review_result(validated_during, minutes.session, achieved=True)
        pdf_store.forget_latest(minutes.session_id)
        # The partners are told once the validation is committed; a failure there is logged
        # and leaves the validation as it is (robust).
        transaction.on_commit(partial(distribution.notify_partners, version), robust=True)
    return version


def _record_produced_pdf(minutes, version):
    """Render, sign and store the PDF of record of `version` (inside validate's transaction)."""
    try:
        pdf = render_minutes_pdf(minutes, record=True, version=version)
    except PdfRenderingError as exc:
        logger.exception("PDF of record of %s could not be rendered", minutes)
        raise MinutesError(
            _(
                "The PDF of the minutes could not be produced, so the validation was not "
                "recorded and nothing changed. Try again; if it fails again, tell the "
                "administrator."
            )
        ) from exc
    signed = _sign(minutes, version, pdf)
    version.pdf = signed.pdf
    version.sha256 = hashlib.sha256(signed.pdf).hexdigest()
    version.size = len(signed.pdf)
    version.signer = signed.signer
    version.signer_certificate_sha256 = signed.certificate_sha256
    version.save()


def _sign(minutes, version, pdf):
    """The PDF of record signed with the committee's certificate (reports/signing.py); like a
    rendering failure, a signing failure leaves nothing validated."""
    with override("fr"):
        reason = gettext("Minutes of the %(session)s of the %(committee)s, version %(number)s") % {
            "session": minutes.session,
            "committee": minutes.session.committee.acronym,
            "number": version.number,
        }
    try:
        return signing.sign_pdf(pdf, reason=reason)
    except signing.SigningError as exc:
        logger.exception("PDF of record of %s could not be signed", minutes)
        raise MinutesError(
            _(
                "The PDF of the minutes could not be signed with the committee's certificate, "
                "so the validation was not recorded and nothing changed. Tell the administrator."
            )
        ) from exc


def _record_annexes(version, now):
    """The annexes the new version lists (those not withdrawn) stay with it from now on."""
    listed = Annex.objects.filter(session_id=version.minutes.session_id).current()
    version.annexes.set(listed)
    listed.filter(recorded_at__isnull=True).update(recorded_at=now)


def return_to_draft(minutes, user, reason):
    """The coordinator sends submitted minutes back to the secretariat with a comment."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        minutes = _lock(minutes)
        _check(minutes, Minutes.Action.RETURN, user)
        _move(minutes, Minutes.Action.RETURN, user, to_status=Minutes.Status.DRAFT, comment=reason)
    return minutes


def open_erratum(minutes, user, reason):
    """The coordinator reopens validated minutes for a correction.

    Creates the next version (a draft, with the reason), marks the validated one superseded (its
    PDF stays downloadable) and unfreezes the session until the new version is validated.
    """
    reason = _clean_reason(reason)
    with transaction.atomic():
        minutes = _lock(minutes)
        _check(minutes, Minutes.Action.ERRATUM, user)
        now = timezone.now()
        MinutesVersion.objects.filter(minutes=minutes, number=minutes.version).update(
            superseded_at=now
        )
        _move(
            minutes,
            Minutes.Action.ERRATUM,
            user,
            to_status=Minutes.Status.DRAFT,
            comment=reason,
            at=now,
        )
        minutes.version += 1
        minutes.save(update_fields=["version", "updated_at"])
        version = MinutesVersion.objects.create(
            minutes=minutes,
            number=minutes.version,
            erratum_reason=reason,
            erratum_opened_by=user,
        )
    return version


_REVIEW_RESULT = re.compile(r"compte[\s-]+rendu", re.IGNORECASE)


def _is_review_result(description, number):
    ordinal = re.compile(rf"(?<!\d){number}\s*(?:ère|ere|re|ème|eme|e|è)\b", re.IGNORECASE)
    return bool(_REVIEW_RESULT.search(description) and ordinal.search(description))


def record_review_result(during, session, *, achieved):
    """Tick, in `during`, the expected result "le compte rendu de la Nème session a été validé".

    Finds that result among the expected results of `during` (by its wording) or creates it,
    and sets it achieved, or not achieved for a postponement. Returns the result.
    """
    results = [
        result
        for result in during.expected_results.all()
        if _is_review_result(result.description, session.number)
    ]
    status = ExpectedResult.Status.ACHIEVED if achieved else ExpectedResult.Status.NOT_ACHIEVED
    if results:
        result = results[0]
        result.status = status
        result.save(update_fields=["status"])
        return result
    with override("fr"):
        description = gettext("The minutes of the %(session)s of the %(committee)s are validated")
        description = description % {"session": session, "committee": session.committee.acronym}
    return ExpectedResult.objects.create(
        session=during, order=0, description=description, status=status
    )


def log_download(version, user):
    """Record that `user` downloaded `version` (the PDF itself is served by the view): a row
    written off the request, within a fraction of a second (reports/downloads.py)."""
    downloads.record(version, user)
