import hashlib
import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctn import french
from ctn.dates import BoundedDateField, DateInput
from ctn.uploads import UploadRefusalMixin
from reports.models import Minutes, MinutesVersion
from sessions.annexes import detect_content_type
from sessions.models import Annex, Session

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class ValidateForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision of the committee"),
        choices=MinutesVersion.Outcome.choices,
        initial=MinutesVersion.Outcome.VALIDATED,
        required=False,
    )
    adoption_mode = forms.ChoiceField(
        label=_("How the committee adopted them"),
        choices=MinutesVersion.AdoptionMode.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    validated_during = forms.ModelChoiceField(
        label=_("Validated during the session"),
        queryset=Session.objects.none(),
        required=False,
        empty_label=_("No session"),
        help_text=_("The later session at which the committee examined these minutes."),
    )
    adopted_on = BoundedDateField(
        label=_("Date of adoption"),
        widget=DateInput,
        required=False,
        help_text=_(
            "The day the committee decided. During a session: its first day when left empty."
        ),
    )
    amendments = forms.CharField(
        label=_("Amendments"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("For a validation subject to amendments, or the reason for a postponement."),
    )
    # The fingerprint of the minutes as the coordinator read them (reports.pdf.
    # minutes_fingerprint): validation is refused if they changed since.
    reviewed = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, minutes, **kwargs):
        kwargs.setdefault("auto_id", "validate_%s")
        super().__init__(*args, **kwargs)
        session = minutes.session
        self.session = session
        # Later sessions of the same committee whose own minutes are still open.
        later = (
            Session.objects.filter(
                committee_id=session.committee_id, start_date__gte=session.start_date
            )
            .exclude(pk=session.pk)
            .exclude(minutes__status=Minutes.Status.VALIDATED)
            .select_related("committee")
            .order_by("start_date", "number")
        )
        self.fields["validated_during"].queryset = later
        # The normal case first: adopted at the next session, on its first day.
        following = next((s for s in later if s.start_date > session.end_date), None)
        Mode = MinutesVersion.AdoptionMode
        if following is not None:
            self.fields["validated_during"].initial = following.pk
            self.fields["adoption_mode"].initial = Mode.SESSION
            self.fields["adopted_on"].initial = following.start_date
        else:
            self.fields["adoption_mode"].initial = Mode.WRITTEN
        self.fields["confirm"].label = _(
            "I confirm the validation of the minutes of the %(session)s: the session will be "
            "frozen."
        ) % {"session": session}

    def clean_outcome(self):
        return self.cleaned_data.get("outcome") or MinutesVersion.Outcome.VALIDATED

    def clean_reviewed(self):
        # Hidden: its error is shown at the top of the form (a non-field error).
        value = self.cleaned_data.get("reviewed", "")
        if not SHA256_RE.match(value):
            raise forms.ValidationError(
                _("This validation form is incomplete: open the minutes again, then validate."),
                code="not_reviewed",
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if "reviewed" in self.errors:
            self.add_error(None, self.errors.pop("reviewed"))
        outcome = cleaned.get("outcome")
        if outcome == MinutesVersion.Outcome.VALIDATED_WITH_AMENDMENTS and not cleaned.get(
            "amendments"
        ):
            self.add_error("amendments", _("List the amendments the validation is subject to."))
        if outcome == MinutesVersion.Outcome.POSTPONED:
            return cleaned
        self._clean_adoption(cleaned)
        if not cleaned.get("confirm"):
            self.add_error(
                "confirm", _("Tick the confirmation: validation freezes the session for good.")
            )
        return cleaned

    def _clean_adoption(self, cleaned):
        """During a session: within its dates (its first day by default). Outside: a date the
        coordinator enters, neither in the future nor before the session ended."""
        Mode = MinutesVersion.AdoptionMode
        mode = cleaned.get("adoption_mode") or (
            Mode.SESSION if cleaned.get("validated_during") else ""
        )
        cleaned["adoption_mode"] = mode
        during = cleaned.get("validated_during")
        adopted_on = cleaned.get("adopted_on")
        if "adopted_on" in self.errors or "validated_during" in self.errors:
            return
        if not mode:
            self.add_error("adoption_mode", _("Say how the committee adopted the minutes."))
        elif mode == Mode.SESSION:
            if during is None:
                self.add_error(
                    "validated_during",
                    _("Choose the session during which the minutes were adopted."),
                )
                return
            if adopted_on is None:
                cleaned["adopted_on"] = during.start_date
            elif not during.start_date <= adopted_on <= during.end_date:
                self.add_error(
                    "adopted_on",
                    _(
                        "The date of adoption must fall within the dates of the %(session)s "
                        "(%(dates)s)."
                    )
                    % {"session": during, "dates": during.date_span},
                )
        else:
            cleaned["validated_during"] = None
            if adopted_on is None:
                self.add_error("adopted_on", _("Enter the date on which the minutes were adopted."))
            elif adopted_on > timezone.localdate():
                self.add_error("adopted_on", _("The date of adoption cannot be in the future."))
            elif adopted_on < self.session.end_date:
                self.add_error(
                    "adopted_on",
                    _("The minutes cannot be adopted before the end of their session (%(date)s).")
                    % {"date": french.long_date(self.session.end_date)},
                )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, action, **kwargs):
        kwargs.setdefault("auto_id", f"{action}_%s")
        super().__init__(*args, **kwargs)


class OriginalScanForm(UploadRefusalMixin, forms.Form):
    """The scan of the signed original of earlier minutes (a PDF). Its limit is that of the
    verification page, settings.VERIFY_MAX_SIZE, so that anyone can check the file there; a
    file over it is refused before it is read (ctn/uploads.py)."""

    file = forms.FileField(label=_("Scan of the signed original (PDF)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Earlier minutes kept on paper or in Word: the signed original, scanned to PDF "
            "(%(limit)s at most). It is kept as it is and becomes the document of record once "
            "the coordinator records its adoption."
        ) % {"limit": filesizeformat(settings.VERIFY_MAX_SIZE)}
        self.fields["file"].widget.attrs["accept"] = ".pdf"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.VERIFY_MAX_SIZE:
            raise forms.ValidationError(
                _("The file is too large (%(size)s): the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.VERIFY_MAX_SIZE),
                },
            )
        if detect_content_type(upload) != Annex.ContentType.PDF:
            raise forms.ValidationError(
                _("This file is not a PDF: scan the signed original to PDF."), code="not_pdf"
            )
        upload.seek(0)
        return upload


class VerifyForm(UploadRefusalMixin, forms.Form):
    """A PDF to check, or its fingerprint. The file's limit is settings.VERIFY_MAX_SIZE: a file
    over it is refused before it is read (ctn/uploads.py)."""

    file = forms.FileField(
        label=_("PDF file"),
        required=False,
        help_text=_("The file is read to compute its fingerprint; it is not kept."),
    )
    sha256 = forms.CharField(
        label=_("or its SHA-256 fingerprint"),
        required=False,
        max_length=100,
        help_text=_("64 hexadecimal characters, as printed at the end of the minutes."),
    )

    def clean_sha256(self):
        value = "".join(self.cleaned_data.get("sha256", "").split()).lower()
        if value and not SHA256_RE.match(value):
            raise forms.ValidationError(
                _("A SHA-256 fingerprint is 64 hexadecimal characters (0-9, a-f).")
            )
        return value

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.VERIFY_MAX_SIZE:
            raise forms.ValidationError(_("This file is too large to be minutes of the committee."))
        if upload:
            # A PDF says so in its first kilobyte; anything else cannot be minutes of record.
            upload.seek(0)
            head = upload.read(1024)
            upload.seek(0)
            if b"%PDF-" not in head:
                raise forms.ValidationError(
                    _("This file is not a PDF: only the PDF of the minutes can be verified.")
                )
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("file") and not cleaned.get("sha256"):
            raise forms.ValidationError(_("Choose a PDF file or give its SHA-256 fingerprint."))
        return cleaned

    def digest(self):
        """The fingerprint to look up: the uploaded file's SHA-256, or the one typed in."""
        upload = self.cleaned_data.get("file")
        if upload:
            sha = hashlib.sha256()
            for chunk in upload.chunks():
                sha.update(chunk)
            return sha.hexdigest()
        return self.cleaned_data["sha256"]
