from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, UniqueConstraint
from django.forms.formsets import BaseFormSet, formset_factory
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from ctn.dates import BoundedDateField, DateInput
from ctn.uploads import UploadRefusalMixin
from participants.forms import PeopleChoiceField, PersonChoiceField
from participants.models import Attendance, Membership, Organization, Person
from sessions.annexes import detect_content_type, extension_matches
from sessions.models import (
    LOGO_FORMATS,
    AgendaItem,
    Annex,
    CoChair,
    Committee,
    ExpectedResult,
    FollowUp,
    Intervention,
    Recommendation,
    Session,
    Tag,
)

END_BEFORE_START = _("The end date cannot be before the start date.")
STATUS_BY_DATES = _("According to the dates: held if they are past, planned otherwise")
# The longest session the committee holds, with margin: a few days, sometimes a week or two.
MAX_SESSION_DAYS = 31

# What one session may hold (README, « Limites »): the rows of each list and the characters of
# each long text. Chosen together so that the draft PDF of a session filled to every limit
# renders in under 10 s on the 2-core server (bench/limits_preview.py: about 6.5 s, 100
# pages), and so that the largest edit screen stays a page a browser opens at once.
MAX_ROWS = {
    CoChair: 10,
    AgendaItem: 40,
    Intervention: 60,
    ExpectedResult: 20,
    Recommendation: 40,
    Attendance: 150,
}
TEXT_LIMITS = {
    Session: {
        "objective": 2000,
        "opening_summary": 5000,
        "closing_summary": 5000,
        "highlights": 5000,
        "practical_details": 2000,
    },
    AgendaItem: {"summary": 2000},
    Intervention: {"summary": 1000, "quote": 500},
    ExpectedResult: {"description": 500, "comment": 500},
    Recommendation: {"text": 800, "solution": 800},
    FollowUp: {"note": 500},
}
# Rows a posted list may count beyond its limit before it is refused without being built.
ABSOLUTE_MAX_MARGIN = 10


def limited_text(model):
    """A ModelForm's formfield_callback: the model's long texts get their TEXT_LIMITS length,
    said by Django's own French error and by the textarea's maxlength."""
    limits = TEXT_LIMITS.get(model, {})

    def formfield(model_field, **kwargs):
        if model_field.name in limits:
            kwargs["max_length"] = limits[model_field.name]
        return model_field.formfield(**kwargs)

    return formfield


def short_textarea(rows=2):
    return forms.Textarea(attrs={"rows": rows})


class SessionDatesMixin:
    """The dates of a session: the end not before the start, at most MAX_SESSION_DAYS days.
    Shared by SessionForm and the admin's form."""

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start_date"), cleaned_data.get("end_date")
        if start and end and end < start:
            # Said on the end date itself; the database constraint stays the last word.
            self.add_error("end_date", END_BEFORE_START)
        elif start and end and (end - start).days + 1 > MAX_SESSION_DAYS:
            # A typing slip of a year would print thousands of attendance sheets.
            self.add_error(
                "end_date",
                _("A session lasts %(count)s days at most: check the dates.")
                % {"count": MAX_SESSION_DAYS},
            )
        return cleaned_data


class SessionForm(SessionDatesMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "committee",
            "kind",
            "number",
            "start_date",
            "end_date",
            "start_time",
            "city",
            "venue",
            "rapporteurs",
            "objective",
            "opening_summary",
            "closing_summary",
            "highlights",
            "status",
            "convocation_reference",
            "convocation_place",
            "convocation_date",
            "practical_details",
        ]
        field_classes = {
            "rapporteurs": PeopleChoiceField,
            "start_date": BoundedDateField,
            "end_date": BoundedDateField,
            "convocation_date": BoundedDateField,
        }
        formfield_callback = limited_text(Session)
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "convocation_date": DateInput(),
            "practical_details": short_textarea(3),
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
        number = self.fields["number"]
        number.required = False
        number.help_text = _(
            "Its ordinal (18 for the 18th session), counted in the year for a committee that "
            "numbers per year. Left empty for a committee whose meetings are not numbered."
        )
        if not self.instance._state.adding and not self.instance.committee.numbering_counts:
            self.initial["number"] = None  # kept internally, never printed nor asked
        self._offer_status_by_dates()

    def _offer_status_by_dates(self):
        """A session whose dates are past is held: a new session's status follows its dates
        unless chosen, and a planned session whose dates are past is offered as held."""
        status = self.fields["status"]
        status.help_text = _(
            "A session whose dates are past has been held: it then appears under « Minutes » "
            "and its minutes can be written and submitted."
        )
        if self.instance._state.adding:
            status.required = False
            status.choices = [("", STATUS_BY_DATES), *Session.Status.choices]
            self.initial["status"] = ""  # not the model's default: the dates decide
        elif (
            self.instance.status == Session.Status.PLANNED
            and self.instance.end_date < timezone.localdate()
        ):
            self.initial["status"] = Session.Status.HELD

    def clean(self):
        cleaned_data = super().clean()
        end_date = cleaned_data.get("end_date")
        if not cleaned_data.get("status") and "status" not in self.errors:
            # Without a valid end date the form is refused anyway: planned, never a 2nd error.
            held = end_date is not None and end_date < timezone.localdate()
            cleaned_data["status"] = Session.Status.HELD if held else Session.Status.PLANNED
            # Also when the field was not posted at all (the model's default would stay).
            self.instance.status = cleaned_data["status"]
        committee, kind = cleaned_data.get("committee"), cleaned_data.get("kind")
        if committee is None or not kind:
            return cleaned_data
        if not committee.numbering_counts:
            # Unnumbered meetings keep their order number, or get the next one.
            instance = self.instance
            same = instance.committee_id == committee.pk and instance.kind == kind
            number = instance.number if same and instance.number else None
            cleaned_data["number"] = number or committee.next_number(kind)
        elif cleaned_data.get("number") is None and "number" not in self.errors:
            self.add_error(
                "number",
                forms.ValidationError(
                    _("Give the number of the session: this committee numbers its sessions."),
                    code="required",
                ),
            )
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


class TagsField(forms.ModelMultipleChoiceField):
    """The tags of an item as checkboxes, labelled with their kind."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, queryset=None, **kwargs):
        queryset = Tag.objects.all() if queryset is None else queryset
        kwargs.setdefault("required", False)
        super().__init__(queryset=queryset, **kwargs)


class AgendaItemForm(SectionForm):
    class Meta:
        model = AgendaItem
        fields = ["order", "title", "kind", "presenter", "summary", "tags"]
        field_classes = {"presenter": PersonChoiceField, "tags": TagsField}
        formfield_callback = limited_text(AgendaItem)
        widgets = {"title": short_textarea(), "summary": short_textarea(4)}


class InterventionForm(SectionForm):
    class Meta:
        model = Intervention
        fields = ["order", "moment", "agenda_item", "speaker", "speaker_label", "summary", "quote"]
        field_classes = {"speaker": PersonChoiceField}
        formfield_callback = limited_text(Intervention)
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
        formfield_callback = limited_text(ExpectedResult)
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
            "tags",
        ]
        field_classes = {"tags": TagsField, "due_date": BoundedDateField}
        formfield_callback = limited_text(Recommendation)
        widgets = {
            "text": short_textarea(3),
            "solution": short_textarea(),
            "due_date": DateInput(),
        }

    def clean(self):
        cleaned_data = super().clean()
        # The solution is that of a blocker: the screen shows it on blockers only, and what a
        # recommendation's row may still carry (typed before its kind changed) is not kept.
        if cleaned_data.get("kind") != Recommendation.Kind.BLOCKER:
            cleaned_data["solution"] = ""
        return cleaned_data


class ListedPersonField(PersonChoiceField):
    """A person of the attendance list: those posted are read once for all the rows
    (BaseAttendanceFormSet.forms puts them in `known`), not one query per row."""

    known = None

    def to_python(self, value):
        text = str(value) if value is not None else ""
        if self.known and text.isascii() and text.isdigit() and int(text) in self.known:
            return self.known[int(text)]
        return super().to_python(value)


class AttendanceForm(forms.ModelForm):
    """One person of the attendance list: their status and the days they were there.

    The days are ticked (one box per day of the session, all ticked by default); a person
    already chosen (a saved row, or one pre-filled from the committee's members or the
    previous session) is shown by name, the person list being offered on blank rows only.
    """

    days = forms.TypedMultipleChoiceField(
        label=_("Days present"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Attendance
        fields = ["person", "status", "represented_by"]
        field_classes = {"person": ListedPersonField}
        widgets = {"represented_by": forms.TextInput(attrs={"placeholder": _("by whom")})}

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        day_count = session.day_count
        days = self.fields["days"]
        days.choices = [
            (number, formats.date_format(session.start_date + timedelta(days=number - 1), "D j"))
            for number in range(1, day_count + 1)
        ]
        # Every day by default: a blank row left alone stays unchanged (and unsaved).
        days.initial = list(range(1, day_count + 1))
        if self.instance.pk:
            self.initial["days"] = self.instance.day_numbers(day_count)
        if day_count == 1:
            del self.fields["days"]  # present means present on the day
        self.fields["person"].widget.attrs.update(
            {"class": "form-select form-select-sm", "data-person-picker": ""}
        )
        self.chosen_person = None  # set by the formset

    def clean(self):
        cleaned_data = super().clean()
        status = cleaned_data.get("status")
        if status == Attendance.Status.REPRESENTED and not cleaned_data.get("represented_by"):
            self.add_error("represented_by", _("Say who represented this person."))
        if (
            "days" in self.fields
            and status in Attendance.PRESENT_STATUSES
            and not cleaned_data.get("days")
            and "days" not in self.errors
        ):
            self.add_error(
                "days",
                _("Tick the days this person attended, or choose « excused » or « absent »."),
            )
        return cleaned_data

    def save(self, commit=True):
        attendance = super().save(commit=False)
        every_day = range(1, self.session.day_count + 1)
        attendance.set_days(self.cleaned_data.get("days", every_day), self.session.day_count)
        if attendance.status != Attendance.Status.REPRESENTED:
            attendance.represented_by = ""
        if commit:
            attendance.save()
        return attendance


@dataclass(frozen=True)
class RowError:
    """One error of a row, for the summary at the top of a long form: the field's label and
    the id its link goes to (none for an error of the whole row)."""

    label: str
    field_id: str
    message: str


@dataclass(frozen=True)
class ErrorRow:
    number: int
    anchor: str
    name: str
    errors: list


class ErrorSummaryMixin:
    """A formset's rows in error, each named and with its errors, for the summary at the top
    of its screen (components/_formset_error_summary.html): the error on row 3 can be 2,000 px
    lower. `row_name(form)` says what a row is about."""

    def row_anchor(self, form):
        return f"{form.prefix}-row"

    def row_name(self, form):
        return ""

    @property
    def error_rows(self):
        rows = []
        for number, form in enumerate(self.forms, start=1):
            if not form.errors:
                continue
            errors = [RowError("", "", message) for message in form.non_field_errors()]
            errors += [
                RowError(form[name].label, form[name].id_for_label, message)
                for name, messages in form.errors.items()
                if name in form.fields
                for message in messages
            ]
            name = Truncator(" ".join(str(self.row_name(form)).split())).chars(60)
            rows.append(ErrorRow(number, self.row_anchor(form), name, errors))
        return rows


# The field whose value names a row of a section in the error summary, the first one filled.
NAMING_FIELDS = (
    "title",
    "text",
    "description",
    "person",
    "speaker",
    "speaker_label",
    "responsible",
    "responsible_label",
)


class SectionFormSet(ErrorSummaryMixin, BaseInlineFormSet):
    """The whole list of one section of a session, edited at once.

    Choice lists (people, organizations, agenda items) are read once for all the rows, rows
    without an order number go last, and a duplicate row reports the model's own message.
    A list holds at most MAX_ROWS rows.
    """

    default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "This list holds %(num)d row at most: delete rows before adding others.",
            "This list holds %(num)d rows at most: delete rows before adding others.",
            "num",
        ),
    }

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

    def row_name(self, form):
        for name in NAMING_FIELDS:
            if name not in form.fields:
                continue
            value = form[name].value()
            if value in (None, ""):
                continue
            field = form.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                # The label of the choice: the choice lists are shared and already read.
                labels = (str(label) for key, label in field.choices if str(key) == str(value))
                return next(labels, "")
            return value
        return ""

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
        # A row posted with the id of a row outside this list (tampered with, or deleted
        # meanwhile) has no instance: Django's formset skips it, and so does the numbering.
        kept = [
            (position, form)
            for position, form in enumerate(self.forms)
            if form not in self.deleted_forms
            and (form.instance.pk or (form.has_changed() and form not in self.initial_forms))
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


class TaggedSectionFormSet(SectionFormSet):
    """A section whose rows carry tags: their tags are read in one query for all the rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Before the rows are built: the formset reads its queryset once and keeps it.
        self.queryset = self.queryset.prefetch_related("tags")


def section_formset(model, form, extra=3, formset=SectionFormSet):
    return inlineformset_factory(
        Session,
        model,
        form=form,
        formset=formset,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
        max_num=MAX_ROWS[model],
        validate_max=True,
        # A posted TOTAL_FORMS above this is refused before its rows are built (the rows
        # deleted and added in one save stay well within it).
        absolute_max=MAX_ROWS[model] + ABSOLUTE_MAX_MARGIN,
    )


CoChairFormSet = section_formset(CoChair, CoChairForm)
AgendaItemFormSet = section_formset(AgendaItem, AgendaItemForm, formset=TaggedSectionFormSet)
InterventionFormSet = section_formset(Intervention, InterventionForm)
ExpectedResultFormSet = section_formset(ExpectedResult, ExpectedResultForm)
RecommendationFormSet = section_formset(
    Recommendation, RecommendationForm, formset=TaggedSectionFormSet
)


class BaseAttendanceFormSet(SectionFormSet):
    """The attendance list of a session, one screen for forty people or more.

    `prefill` are people to put on new rows, all present every day (the committee's members,
    the previous session's list): nothing is saved until the list is. A blank row or a
    pre-filled one may be removed before saving ("Remove").
    """

    BLANK_ROWS = 3

    def __init__(self, data=None, *args, prefill=(), **kwargs):
        prefill = list(prefill)
        if data is None and prefill:
            kwargs["initial"] = [{"person": person.pk} for person in prefill]
        super().__init__(data, *args, **kwargs)
        self.extra = len(prefill) + self.BLANK_ROWS if data is None else self.extra
        self.queryset = self.queryset.select_related("person__organization")

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "session": self.instance}

    @cached_property
    def forms(self):
        forms_ = super().forms
        # The people already chosen, shown by name: read in one query for all the rows.
        wanted = {}
        for form in forms_:
            if form.instance.pk:
                form.chosen_person = form.instance.person
                continue
            value = form["person"].value()
            text = str(value) if value is not None else ""
            # Plain digits only ("²" and "١٢" are digits to str.isdigit()), within any key.
            if text.isascii() and text.isdigit() and len(text) < 12:
                wanted[form] = int(text)
        people = Person.objects.select_related("organization").in_bulk(set(wanted.values()))
        for form, pk in wanted.items():
            form.chosen_person = people.get(pk)
            form.fields["person"].known = people
        return forms_

    def listed_person_ids(self):
        """The people on the list as it stands: saved rows and rows typed or pre-filled."""
        ids = set()
        for form in self.forms:
            if form.chosen_person is not None:
                ids.add(form.chosen_person.pk)
        return ids

    @property
    def day_numbers(self):
        return list(range(1, self.instance.day_count + 1))


AttendanceFormSet = inlineformset_factory(
    Session,
    Attendance,
    form=AttendanceForm,
    formset=BaseAttendanceFormSet,
    extra=BaseAttendanceFormSet.BLANK_ROWS,
    can_delete=True,
    can_delete_extra=True,
    max_num=MAX_ROWS[Attendance],
    validate_max=True,
    absolute_max=MAX_ROWS[Attendance] + ABSOLUTE_MAX_MARGIN,
)


def previous_session(session):
    """The session of the same committee held just before this one, or None."""
    return (
        Session.objects.filter(committee_id=session.committee_id, start_date__lt=session.start_date)
        .order_by("-start_date", "-number")
        .first()
    )


def people_to_prefill(session, source, *, exclude=()):
    """The people to put on the attendance list of `session`, in their order: the usual
    representatives of the committee's members ("members"), or those on the previous session's
    list ("previous"); those in `exclude` (already listed) left out."""
    if source == "members":
        people = [
            membership.representative
            for membership in Membership.objects.filter(
                committee_id=session.committee_id, representative__isnull=False
            ).select_related("representative__organization", "organization")
        ]
    elif source == "previous":
        previous = previous_session(session)
        if previous is None:
            return []
        people = [
            attendance.person
            for attendance in previous.attendances.select_related("person__organization")
        ]
    else:
        return []
    excluded = set(exclude)
    return [person for person in people if person.pk not in excluded]


class AnnexForm(UploadRefusalMixin, forms.ModelForm):
    """Upload of an annex: the size and the type are checked on the file's content (a file
    over the limit is refused before it is read: ctn/uploads.py)."""

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


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["kind", "name", "slug"]

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class FollowUpForm(forms.Form):
    """One recommendation of an earlier session, as reviewed at this session."""

    recommendation = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status at this session"),
        choices=[("", _("Not reviewed at this session")), *FollowUp.Status.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=short_textarea(2),
        required=False,
        max_length=TEXT_LIMITS[FollowUp]["note"],
    )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("note", "").strip() and not cleaned_data.get("status"):
            self.add_error("status", _("Choose the status at this session to keep this note."))
        return cleaned_data


class BaseFollowUpFormSet(ErrorSummaryMixin, BaseFormSet):
    """The follow-up of the earlier recommendations at one session, all rows at once.

    `recommendations` are the rows offered (see RecommendationQuerySet.to_follow_up_at);
    each form says which recommendation it is about, and the formset checks, in one query,
    that it exists and may be followed up at this session (a later session of its committee).
    A posted list holds at most the rows offered (and a few offered when the page was shown).
    """

    default_error_messages = SectionFormSet.default_error_messages

    def __init__(self, data=None, *, session, recommendations, **kwargs):
        self.session = session
        self.recommendations = {r.pk: r for r in recommendations}
        self.max_num = self.absolute_max = len(self.recommendations) + ABSOLUTE_MAX_MARGIN
        self.existing = {f.recommendation_id: f for f in session.follow_ups.all()}
        initial = [
            {
                "recommendation": r.pk,
                "status": self.existing[r.pk].status if r.pk in self.existing else "",
                "note": self.existing[r.pk].note if r.pk in self.existing else "",
            }
            for r in recommendations
        ]
        super().__init__(data, initial=initial, prefix="followups", **kwargs)
        if self.is_bound:
            posted = self._posted_ids() - set(self.recommendations)
            if posted:
                more = Recommendation.objects.select_related("session__committee", "responsible")
                self.recommendations.update(more.in_bulk(posted))
        for form in self.forms:
            form.recommendation_row = self.recommendations.get(self._form_id(form))

    def row_name(self, form):
        recommendation = getattr(form, "recommendation_row", None)
        return recommendation.text if recommendation else ""

    def _form_id(self, form):
        value = form["recommendation"].value()
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def _posted_ids(self):
        return {pk for pk in (self._form_id(form) for form in self.forms) if pk is not None}

    def clean(self):
        seen = set()
        for form in self.forms:
            pk = form.cleaned_data.get("recommendation")
            if pk is None:
                continue
            recommendation = self.recommendations.get(pk)
            if recommendation is None:
                form.add_error(None, _("This recommendation does not exist any more."))
                continue
            error = FollowUp.order_error(recommendation.session, self.session)
            if error:
                form.add_error(None, error)
            elif pk in seen:
                form.add_error(None, FollowUp._meta.constraints[0].violation_error_message)
            seen.add(pk)

    def save(self):
        """Create, change or remove the follow-ups at this session; returns how many changed."""
        changed = 0
        for form in self.forms:
            if form.cleaned_data.get("recommendation") is None:
                continue  # an empty row beyond those offered (a tampered form count)
            pk, status = form.cleaned_data["recommendation"], form.cleaned_data["status"]
            note = form.cleaned_data["note"].strip()
            follow_up = self.existing.get(pk)
            if not status:
                if follow_up is not None:
                    follow_up.delete()
                    changed += 1
                continue
            if follow_up is None:
                FollowUp.objects.create(
                    recommendation=self.recommendations[pk],
                    session=self.session,
                    status=status,
                    note=note,
                )
                changed += 1
            elif (follow_up.status, follow_up.note) != (status, note):
                follow_up.status, follow_up.note = status, note
                follow_up.save(update_fields=["status", "note"])
                changed += 1
        return changed


FollowUpFormSet = formset_factory(
    FollowUpForm, formset=BaseFollowUpFormSet, extra=0, validate_max=True
)


def _tag_choices(tags):
    return [("", _("All tags"))] + [(str(tag.pk), str(tag)) for tag in tags]


class ListFilterForm(forms.Form):
    """A GET filter: the valid fields filter, the invalid ones are said and ignored."""

    def __init__(self, data=None, *, tags, **kwargs):
        super().__init__(data, **kwargs)
        self.tags = {str(tag.pk): tag for tag in tags}
        self.fields["tag"].choices = _tag_choices(tags)

    @property
    def values(self):
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    @property
    def is_filtered(self):
        return bool(self.values)

    @property
    def tag(self):
        return self.tags.get(self.values.get("tag", ""))


class SessionFilterForm(ListFilterForm):
    MINUTES_CHOICES = [
        ("", _("All")),
        ("to_submit", _("Minutes awaiting submission")),
        ("to_validate", _("Minutes awaiting validation")),
        ("validated", _("Minutes validated")),
        ("planned", _("Dates passed, still planned")),
    ]

    committee = forms.ModelChoiceField(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        required=False,
        empty_label=_("All"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *Session.Kind.choices], required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", _("All"))] + [(str(q), str(q)) for q in range(1, 5)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    minutes = forms.ChoiceField(label=_("Minutes"), choices=MINUTES_CHOICES, required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def filter(self, sessions):
        values = self.values
        if "committee" in values:
            sessions = sessions.filter(committee=values["committee"])
        if "kind" in values:
            sessions = sessions.filter(kind=values["kind"])
        if "year" in values:
            sessions = sessions.filter(start_date__year=values["year"])
        if "quarter" in values:
            sessions = sessions.filter(start_date__quarter=values["quarter"])
        minutes = values.get("minutes")
        if minutes == "to_submit":
            sessions = sessions.filter(status=Session.Status.HELD).filter(
                Q(minutes__isnull=True) | Q(minutes__status="draft")
            )
        elif minutes == "to_validate":
            sessions = sessions.filter(minutes__status="submitted")
        elif minutes == "validated":
            sessions = sessions.filter(minutes__status="validated")
        elif minutes == "planned":
            sessions = sessions.filter(
                status=Session.Status.PLANNED, end_date__lt=timezone.localdate()
            )
        tag = self.tag
        if tag is not None:
            sessions = sessions.filter(
                Exists(
                    AgendaItem.tags.through.objects.filter(
                        agendaitem__session=OuterRef("pk"), tag=tag
                    )
                )
                | Exists(
                    Recommendation.tags.through.objects.filter(
                        recommendation__session=OuterRef("pk"), tag=tag
                    )
                )
            )
        return sessions


class RecommendationFilterForm(ListFilterForm):
    STATUS_CHOICES = [
        ("", _("All")),
        ("open", _("Still open (open or in progress)")),
        *[(value, label) for value, label in FollowUp.Status.choices],
    ]

    status = forms.ChoiceField(label=_("Current status"), choices=STATUS_CHOICES, required=False)
    organization = forms.ChoiceField(label=_("Responsible organization"), required=False)
    committee = forms.ModelChoiceField(
        label=_("Committee"),
        queryset=Committee.objects.all(),
        required=False,
        empty_label=_("All"),
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["organization"].choices = [
            ("", _("All")),
            ("none", _("No organization")),
            *(
                (str(pk), acronym)
                for pk, acronym in Organization.objects.values_list("pk", "acronym")
            ),
        ]

    def filter(self, recommendations, today):
        values = self.values
        status = values.get("status")
        if status == "open":
            recommendations = recommendations.current_status_in(Recommendation.OPEN_STATUSES)
        elif status:
            recommendations = recommendations.current_status_in([status])
        organization = values.get("organization")
        if organization == "none":
            recommendations = recommendations.filter(responsible__isnull=True)
        elif organization:
            recommendations = recommendations.filter(responsible_id=int(organization))
        if "committee" in values:
            recommendations = recommendations.filter(session__committee=values["committee"])
        if self.tag is not None:
            recommendations = recommendations.filter(tags=self.tag)
        if values.get("overdue"):
            recommendations = recommendations.filter(due_date__lt=today).current_status_in(
                Recommendation.OPEN_STATUSES
            )
        return recommendations


class CommitteeForm(UploadRefusalMixin, forms.ModelForm):
    """The coordinator's settings of a committee: its name and the form of its documents,
    its logo (an image checked on its content, refused over settings.LOGO_MAX_SIZE before it
    is read: ctn/uploads.py) and the names of its participant categories."""

    upload_field = "logo"

    class Meta:
        model = Committee
        fields = [
            "name",
            "acronym",
            "article",
            "programme",
            "state",
            "motto",
            "letterhead",
            "logo",
            "letterhead_layout",
            "presidency",
            "numbering",
            "document_title",
            "meeting_noun",
            "cadence",
        ]
        widgets = {"letterhead": forms.Textarea(attrs={"rows": 4})}

    # The documents' own words stay French whatever the interface's language: the choices
    # quote them, with their meaning (the PDF prints french.DocumentTitle's and MeetingNoun's).
    WORDING_CHOICES = {
        "document_title": [
            ("minutes", _("« Compte rendu » (minutes)")),
            ("record", _("« Procès-verbal » (record of proceedings)")),
        ],
        "meeting_noun": [
            ("session", _("« session »")),
            ("meeting", _("« réunion » (meeting)")),
        ],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in self.WORDING_CHOICES.items():
            self.fields[name].choices = choices
        self.fields["logo"].help_text = _(
            "Printed in the letterhead of its documents: PNG or JPEG, %(limit)s at most."
        ) % {"limit": filesizeformat(settings.LOGO_MAX_SIZE)}
        self.fields["logo"].widget.attrs["accept"] = ".png,.jpg,.jpeg"
        # Left out of a form posted without it: the letterhead keeps its layout (or the CTN's).
        self.fields["letterhead_layout"].required = False
        names = self.instance.participant_categories or {}
        for kind, label in Organization.Kind.choices:
            self.fields[f"category_{kind}"] = forms.CharField(
                label=_("Participant category: %(kind)s") % {"kind": label},
                required=False,
                max_length=100,
                initial=names.get(kind, ""),
                help_text=_(
                    "How the minutes count those present from this kind of organization; "
                    "empty: « %(kind)s ». Kinds given the same name are counted together."
                )
                % {"kind": label},
            )

    def clean_acronym(self):
        return " ".join(self.cleaned_data["acronym"].split())

    def clean_letterhead_layout(self):
        return (
            self.cleaned_data.get("letterhead_layout")
            or self.instance.letterhead_layout
            or Committee.LetterheadLayout.SIDES
        )

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "image"):  # unchanged, or cleared
            return logo
        if logo.size > settings.LOGO_MAX_SIZE:
            raise forms.ValidationError(
                _("The file is too large (%(size)s): the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(logo.size),
                    "limit": filesizeformat(settings.LOGO_MAX_SIZE),
                },
            )
        image = logo.image
        if image.format not in LOGO_FORMATS:
            raise forms.ValidationError(
                _("The logo must be a PNG or JPEG image."), code="logo_format"
            )
        width, height = image.size
        if width * height > settings.LOGO_MAX_PIXELS:
            raise forms.ValidationError(
                _("The image is too large (%(width)s × %(height)s pixels): reduce it."),
                code="logo_pixels",
                params={"width": width, "height": height},
            )
        extension = ".png" if image.format == "PNG" else ".jpg"
        logo.name = f"logo{extension}"  # the stored name follows the content, not the upload
        return logo

    def save(self, commit=True):
        self.instance.participant_categories = {
            kind: name
            for kind in Organization.Kind.values
            if (name := " ".join(self.cleaned_data.get(f"category_{kind}", "").split()))
        }
        return super().save(commit)

    def clean_numbering(self):
        numbering = self.cleaned_data["numbering"]
        committee = self.instance
        if (
            not committee._state.adding
            and numbering != self.initial.get("numbering")
            and committee.has_validated_minutes()
        ):
            raise forms.ValidationError(
                _(
                    "The numbering can no longer change: validated minutes of this committee "
                    "name its sessions as it numbers them now."
                ),
                code="numbering_recorded",
            )
        return numbering


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["organization", "representative"]
        field_classes = {"representative": PersonChoiceField}
        help_texts = {
            "representative": _("Put on the attendance list of each new session of the committee.")
        }


class BaseMembershipFormSet(BaseInlineFormSet):
    """The member organizations of a committee and their usual representatives, at once."""

    default_error_messages = SectionFormSet.default_error_messages

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.select_related("organization", "representative")
        self._shared_choices = {}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name in ("organization", "representative"):
            field = form.fields[name]
            if name not in self._shared_choices:
                self._shared_choices[name] = list(iter(field.choices))  # read once for all rows
            field.choices = self._shared_choices[name]

    def get_unique_error_message(self, unique_check):
        return Membership._meta.constraints[0].violation_error_message


MembershipFormSet = inlineformset_factory(
    Committee,
    Membership,
    form=MembershipForm,
    formset=BaseMembershipFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_ROWS[Attendance],
    validate_max=True,
    absolute_max=MAX_ROWS[Attendance] + ABSOLUTE_MAX_MARGIN,
)
