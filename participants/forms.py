from django import forms
from django.utils.translation import gettext_lazy as _

from ctn.validators import DatabaseKeyMixin
from participants.models import Organization, Person, Profile


def person_label(person):
    """A person as the secretariat finds them in a list: "Hassane TANGARA (ANAM)"."""
    if person.organization_id:
        return f"{person.full_name} ({person.organization})"
    return person.full_name


class PersonChoiceField(DatabaseKeyMixin, forms.ModelChoiceField):
    def __init__(self, queryset=None, **kwargs):
        queryset = Person.objects.all() if queryset is None else queryset
        super().__init__(queryset=queryset.select_related("organization"), **kwargs)

    def label_from_instance(self, person):
        return person_label(person)


class PeopleChoiceField(DatabaseKeyMixin, forms.ModelMultipleChoiceField):
    def __init__(self, queryset=None, **kwargs):
        queryset = Person.objects.all() if queryset is None else queryset
        super().__init__(queryset=queryset.select_related("organization"), **kwargs)

    def label_from_instance(self, person):
        return person_label(person)


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["acronym", "name", "kind", "is_partner"]

    def clean_acronym(self):
        # Said on the field, and whatever the case ("pam" is PAM); the database constraint
        # stays the last word.
        acronym = self.cleaned_data["acronym"]
        taken = Organization.objects.filter(acronym__iexact=acronym).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("An organization with this acronym already exists."), code="unique"
            )
        return acronym


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "civility",
            "first_name",
            "last_name",
            "function",
            "organization",
            "email",
            "phone",
        ]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }


class QuickPersonForm(forms.ModelForm):
    """The few fields needed to add someone missing while filling a list of a session.

    It sits inside the list's own form and is only used when something was typed in it, so it
    never asks the browser to require its fields.
    """

    prefix = "new_person"

    class Meta:
        model = Person
        fields = ["civility", "first_name", "last_name", "function", "organization"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)

    @property
    def is_used(self):
        return self.is_bound and self.has_changed()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["language", "notify_minutes", "remind_recommendations"]
