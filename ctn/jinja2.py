"""The Jinja2 environment of the few partials rendered often enough that Django's template
language costs more than their data: a session's proceedings (the largest page, read and
written all through a session). Output is escaped as Django's templates escape it."""

import html

from django.template import defaultfilters
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext
from jinja2 import Environment
from markupsafe import Markup


def interpolate(message, **values):
    """A translated message with its values escaped, the message itself not: as Django's
    {% blocktranslate with … %} renders it."""
    values = {name: conditional_escape(value) for name, value in values.items()}
    # The values are escaped, the message is a translation of ours.
    return mark_safe(message % values)  # noqa: S308  # nosec B308, B703


def escape(value):
    """What Django's conditional_escape() writes ("&#x27;" for an apostrophe, where Jinja2
    writes "&#39;"), without the cost of its lazy-string wrapper on each of a page's thousand
    values."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())  # noqa: S704  # nosec B704 (safe already)
    return Markup(html.escape(str(value)))  # noqa: S704  # nosec B704 (escaped here)


def environment(**options):
    options.pop("autoescape", None)
    env = Environment(autoescape=True, finalize=escape, **options)
    env.globals.update(
        _=gettext,
        ngettext=ngettext,
        pgettext=pgettext,
        url=lambda name, *args: reverse(name, args=args),
        colon=lambda: pgettext("between a label and its value", ": "),
    )
    env.filters.update(
        capfirst=defaultfilters.capfirst,
        date=defaultfilters.date,
        interpolate=interpolate,
        linebreaks=defaultfilters.linebreaks_filter,
        linebreaksbr=defaultfilters.linebreaksbr,
    )
    return env
