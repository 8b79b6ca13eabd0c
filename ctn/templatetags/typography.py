"""Punctuation that differs between the interface's languages."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def colon():
    """The colon between a label and its value: "State: draft" in English, "État : brouillon"
    in French (a space before it)."""
    return pgettext("between a label and its value", ": ")
