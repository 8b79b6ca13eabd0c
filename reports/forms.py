import hashlib
import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ctn.uploads import UploadRefusalMixin
from reports.models import Minutes, MinutesVersion
from sessions.models import Session

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class ValidateForm(forms.Form):
    validated_during = forms.ModelChoiceField(
        label=_("Validated during the session"),
        queryset=Session.objects.none(),
        required=False,
        empty_label=_("Outside a session (extraordinary validation)"),
        help_text=_("The later session at which the committee examined these minutes."),
    )
    outcome = forms.ChoiceField(
        label=_("Decision of the committee"),
        choices=MinutesVersion.Outcome.choices,
        initial=MinutesVersion.Outcome.VALIDATED,
        required=False,
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

    def __init__(self, *args, minutes, **kwargs):
        kwargs.setdefault("auto_id", "validate_%s")
        super().__init__(*args, **kwargs)
        session = minutes.session
        # Later sessions of the same committee whose own minutes are still open.
        self.fields["validated_during"].queryset = (
            Session.objects.filter(
                committee_id=session.committee_id, start_date__gte=session.start_date
            )
            .exclude(pk=session.pk)
            .exclude(minutes__status=Minutes.Status.VALIDATED)
            .select_related("committee")
            .order_by("start_date", "number")
        )

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
        if cleaned.get(
            "outcome"
        ) == MinutesVersion.Outcome.VALIDATED_WITH_AMENDMENTS and not cleaned.get("amendments"):
            self.add_error("amendments", _("List the amendments the validation is subject to."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, action, **kwargs):
        kwargs.setdefault("auto_id", f"{action}_%s")
        super().__init__(*args, **kwargs)


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
