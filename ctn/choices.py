"""`get_FOO_display()` at the cost of one look-up.

Django's own builds a dict of every choice of the field at each call, hashing each lazy label,
which translates it: a session page showing 150 statuses and kinds translated some 4,000
labels. Here the labels are indexed once per field and only the one shown is translated.
"""

from functools import cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field):
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels:
    """Mixin for models (put it before models.Model)."""

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name)
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
