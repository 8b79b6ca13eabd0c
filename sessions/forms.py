from pathlib import PurePath

from django import forms
from django.conf import settings
from django.db.models import Max, UniqueConstraint
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from participants.forms import PeopleChoiceField, PersonChoiceField
from participants.models import Attendance
from sessions.annexes import detect_content_type, extension_matches
from sessions.models import (
    AgendaItem,
    Annex,
    CoChair,
    Committee,
    ExpectedResult,
    Intervention,
    Recommendation,
    Session,
)

END_BEFORE_START = _("The end date cannot be before the start date.")


class DateInput(forms.DateInput):
    """The browser's own date picker; it sends and expects ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def short_textarea(rows=2):
    return forms.Textarea(attrs={"rows": rows})


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "committee",
            "kind",
            "number",
            "start_date",
            "end_date",
            "city",
            "venue",
            "rapporteurs",
            "objective",
            "opening_summary",
            "closing_summary",
            "highlights",
            "status",
        ]
        field_classes = {"rapporteurs": PeopleChoiceField}
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "rapporteurs": forms.SelectMultiple(attrs={"size": 6}),
            "objective": short_textarea(3),
            "opening_summary": short_textarea(5),
            "closing_summary": short_textarea(5),
            "highlights": short_textarea(5),
        }
        help_texts = {
            "rapporteurs": _(
                "The people who write the minutes. Hold Ctrl (or Cmd) to choose several."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and not self.initial.get("committee"):
            committees = list(Committee.objects.all()[:2])
            if len(committees) == 1:
                self.initial["committee"] = committees[0].pk

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start_date"), cleaned_data.get("end_date")
        if start and end and end < start:
            # Said on the end date itself; the database constraint stays the last word.
            self.add_error("end_date", END_BEFORE_START)
        return cleaned_data


class SectionForm(forms.ModelForm):
    """One row of a section's list. The order number may be left empty: the row goes last."""

    order = forms.IntegerField(
        label=_("Order number"), required=False, min_value=0, widget=forms.NumberInput()
    )


class CoChairForm(SectionForm):
    class Meta:
        model = CoChair
        fields = ["order", "person", "capacity"]
        field_classes = {"person": PersonChoiceField}


class AgendaItemForm(SectionForm):
    class Meta:
        model = AgendaItem
        fields = ["order", "title", "kind", "presenter", "summary"]
        field_classes = {"presenter": PersonChoiceField}
        widgets = {"title": short_textarea(), "summary": short_textarea(4)}


class InterventionForm(SectionForm):
    class Meta:
        model = Intervention
        fields = ["order", "moment", "agenda_item", "speaker", "speaker_label", "summary", "quote"]
        field_classes = {"speaker": PersonChoiceField}
        widgets = {"summary": short_textarea(4), "quote": short_textarea()}

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("speaker") and not cleaned_data.get("speaker_label"):
            self.add_error(
                "speaker_label", _("Choose the speaker in the list or type who they are.")
            )
        moment = cleaned_data.get("moment")
        if cleaned_data.get("agenda_item") and moment and moment != Intervention.Moment.AGENDA:
            self.add_error(
                "agenda_item",
                _("Only an intervention during the agenda belongs to an agenda item."),
            )
        return cleaned_data


class ExpectedResultForm(SectionForm):
    class Meta:
        model = ExpectedResult
        fields = ["order", "description", "status", "comment"]
        widgets = {"description": short_textarea(), "comment": short_textarea()}


class RecommendationForm(SectionForm):
    class Meta:
        model = Recommendation
        fields = [
            "order",
            "kind",
            "text",
            "solution",
            "responsible",
            "responsible_label",
            "due_date",
            "status",
        ]
        widgets = {
            "text": short_textarea(3),
            "solution": short_textarea(),
            "due_date": DateInput(),
        }


class AttendanceForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["person", "status", "represented_by", "days"]
        field_classes = {"person": PersonChoiceField}

    def clean(self):
        cleaned_data = super().clean()
        status = cleaned_data.get("status")
        if status == Attendance.Status.REPRESENTED and not cleaned_data.get("represented_by"):
            self.add_error("represented_by", _("Say who represented this person."))
        days = cleaned_data.get("days")
        day_count = self.session.day_count
        if days is not None and not 1 <= days <= day_count:
            self.add_error(
                "days",
                _("The session lasts %(count)s day(s): give a number from 1 to %(count)s.")
                % {"count": day_count},
            )
        return cleaned_data


class SectionFormSet(BaseInlineFormSet):
    """The whole list of one section of a session, edited at once.

    Choice lists (people, organizations, agenda items) are read once for all the rows, rows
    without an order number go last, and a duplicate row reports the model's own message.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shared_choices = {}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.session = self.instance
        # Help texts are said once above the rows (see help_texts), not in every row.
        for name, field in form.fields.items():
            if field.help_text:
                field.help_text = ""
                field.widget.attrs["aria-describedby"] = self.help_id(name)
        if "agenda_item" in form.fields:
            form.fields["agenda_item"].queryset = self.instance.agenda_items.all()
        for name, field in form.fields.items():
            if name in (self.fk.name, self.model._meta.pk.name):
                continue
            if isinstance(field, forms.ModelChoiceField):
                if name not in self._shared_choices:
                    # iter(): no COUNT query, the list is read once.
                    self._shared_choices[name] = list(iter(field.choices))
                field.choices = self._shared_choices[name]

    def help_id(self, name):
        return f"{self.prefix}-help-{name}"

    @property
    def help_texts(self):
        return [
            (self.help_id(name), field.label, field.help_text)
            for name, field in self.form.base_fields.items()
            if field.help_text
        ]

    @property
    def has_order(self):
        return "order" in self.form.base_fields

    def _constraint_message(self, fields):
        for constraint in self.model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and set(constraint.fields) == set(fields):
                return constraint.violation_error_message
        return None

    def get_unique_error_message(self, unique_check):
        return self._constraint_message(unique_check) or super().get_unique_error_message(
            unique_check
        )

    def get_form_error(self):
        unique = [c for c in self.model._meta.constraints if isinstance(c, UniqueConstraint)]
        if len(unique) == 1:
            return unique[0].violation_error_message
        return super().get_form_error()

    def save(self, commit=True):
        if not self.has_order:
            return super().save(commit=commit)
        kept = [
            (position, form)
            for position, form in enumerate(self.forms)
            if form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]
        # Number the rows 1, 2, 3… in the order asked; rows left without a number go last.
        kept.sort(
            key=lambda row: (
                row[1].cleaned_data.get("order") is None,
                row[1].cleaned_data.get("order") or 0,
                row[0],
            )
        )
        kept = [form for _position, form in kept]
        for number, form in enumerate(kept, start=1):
            form.instance.order = number
        saved = super().save(commit=commit)
        if commit:
            self.model.objects.bulk_update([form.instance for form in kept], ["order"])
        return saved

    def add_person(self, person):
        """Put a person just added to the directory at the end of this list."""
        row = self.model(**{self.fk.name: self.instance, "person": person})
        if self.has_order:
            last = self.model.objects.filter(**{self.fk.name: self.instance}).aggregate(
                last=Max("order")
            )["last"]
            row.order = (last or 0) + 1
        row.save()
        return row


def section_formset(model, form, extra=3):
    return inlineformset_factory(
        Session,
        model,
        form=form,
        formset=SectionFormSet,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
    )


CoChairFormSet = section_formset(CoChair, CoChairForm)
AgendaItemFormSet = section_formset(AgendaItem, AgendaItemForm)
InterventionFormSet = section_formset(Intervention, InterventionForm)
ExpectedResultFormSet = section_formset(ExpectedResult, ExpectedResultForm)
RecommendationFormSet = section_formset(Recommendation, RecommendationForm)
AttendanceFormSet = section_formset(Attendance, AttendanceForm, extra=5)


class AnnexForm(forms.ModelForm):
    """Upload of an annex: the size and the type are checked on the file's content."""

    class Meta:
        model = Annex
        fields = ["file", "title", "agenda_item"]
        help_texts = {
            "title": _("As listed in the minutes; the file name when left empty."),
            "agenda_item": _("Leave empty for an annex of the whole session."),
        }

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.session = session
        self.fields["title"].required = False
        self.fields["agenda_item"].queryset = session.agenda_items.all()
        self.fields["file"].help_text = _(
            "PDF, Word, Excel, PowerPoint, PNG or JPEG; %(limit)s at most."
        ) % {"limit": filesizeformat(settings.ANNEX_MAX_SIZE)}
        self.fields["file"].widget.attrs["accept"] = ",".join(
            extension for extensions in Annex.EXTENSIONS.values() for extension in extensions
        )
        self.detected_content_type = None

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.ANNEX_MAX_SIZE:
            raise forms.ValidationError(
                _("The file is too large (%(size)s): the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(file.size),
                    "limit": filesizeformat(settings.ANNEX_MAX_SIZE),
                },
            )
        content_type = detect_content_type(file)
        if content_type is None:
            raise forms.ValidationError(
                _(
                    "This file was refused: its content is not that of a PDF, Word, Excel or "
                    "PowerPoint document or of a PNG or JPEG image, or the file is damaged."
                ),
                code="bad_content",
            )
        if not extension_matches(file.name, content_type):
            raise forms.ValidationError(
                _(
                    "The file's name does not match its content (%(type)s): name it with the "
                    "extension %(extension)s."
                ),
                code="extension_mismatch",
                params={
                    "type": Annex.ContentType(content_type).label,
                    "extension": Annex.EXTENSIONS[content_type][0],
                },
            )
        self.detected_content_type = content_type
        return file

    def clean(self):
        cleaned_data = super().clean()
        file = cleaned_data.get("file")
        if file and not cleaned_data.get("title"):
            cleaned_data["title"] = PurePath(file.name).stem[:255]
            self.instance.title = cleaned_data["title"]
        return cleaned_data
