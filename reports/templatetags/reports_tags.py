import datetime

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from ctn import french

register = template.Library()


@register.filter
def french_date(value):
    """ "28 septembre 2019", "1er octobre 2019"; a datetime is shown in the local time zone."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return french.long_date(value)


@register.filter
def file_size(value):
    return filesizeformat(value) if value is not None else ""
