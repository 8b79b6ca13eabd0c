"""The one range of dates a user may type, and the form field that holds it.

A typing slip such as 9999-12-31 is a valid date to Python and to the databases, but not to
what reads it afterwards: the day after it overflows (the calendar feed's DTEND), and no
calendar program, PDF or export of the committee has any use for it. Every date typed into a
form (the screens and the admin) goes through BoundedDateField.
"""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

# 1960: the year of Mali's independence; no session, recommendation or deadline of a national
# committee can come before it (the archives entered by hand go back to the 2000s). 2100: far
# beyond any planned session or deadline, and still a year every calendar program, the PDFs
# and both databases read without trouble (a date in 9999 has no "day after").
MIN_DATE = datetime.date(1960, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)


def in_range(value):
    return MIN_DATE <= value <= MAX_DATE


def validate_date_in_range(value):
    if value is not None and not in_range(value):
        raise forms.ValidationError(
            _("Enter a date between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": MIN_DATE.year, "max": MAX_DATE.year},
        )


class DateInput(forms.DateInput):
    """The browser's own date picker; it sends and expects ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat(), **(attrs or {})}
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BoundedDateField(forms.DateField):
    """A date from MIN_DATE to MAX_DATE, with a French error outside them.

    Used by the ModelForms (`field_classes`) and by the admin (`formfield_overrides`): the
    models keep their plain DateField, so no migration is needed.
    """

    default_validators = [validate_date_in_range]
