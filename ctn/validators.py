"""Shared defences of the forms against hostile input (see tests/test_hostile_input.py).

Whatever a client posts must end as saved data or as a French error on the form, never as a
server error. These helpers cover what Django's own fields let through to the database.
"""

from django import forms

# The keys the databases hold (64-bit signed integers): a larger number is no key of ours, and
# SQLite refuses to compare with it (OverflowError) instead of finding nothing.
MAX_KEY = 2**63 - 1


def is_database_key(value):
    try:
        return -MAX_KEY <= int(str(value).strip()) <= MAX_KEY
    except ValueError:
        return True  # not a number at all: the field's own check says so


class DatabaseKeyMixin:
    """For ModelChoiceField and ModelMultipleChoiceField: a key out of the databases' range is
    an invalid choice like any unknown key."""

    def to_python(self, value):
        if value not in self.empty_values and not is_database_key(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)

    def _check_values(self, value):
        for key in value:
            if not is_database_key(key):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)
