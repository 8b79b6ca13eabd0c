"""The Jinja2 environment of the few partials rendered often enough that Django's template
language costs more than their data: a session's proceedings (the largest page, read and
written all through a session) and the dashboard's body (its tables of quarters and of
attendance). Output is escaped as Django's templates escape it."""

import html
import re

import jinja2
from django.template import defaultfilters
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext
from markupsafe import Markup


def interpolate(message, **values):
    """A translated message with its values escaped, the message itself not: as Django's
    {% blocktranslate with … %} renders it."""
    values = {name: conditional_escape(value) for name, value in values.items()}
    # The values are escaped, the message is a translation of ours.
    return mark_safe(message % values)  # noqa: S308  # nosec B308, B703


class Template(jinja2.Template):
    """Jinja2 escapes an apostrophe "&#39;" and a double quote "&#34;" where Django writes
    "&#x27;" and "&quot;": the page is written as Django writes it, by one pass over the
    output instead of a Python call per value (markupsafe escapes in C)."""

    def render(self, *args, **kwargs):
        page = super().render(*args, **kwargs)
        return page.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")


_NEWLINES = re.compile(r"\r\n|\r")


def linebreaksbr(value):
    """Django's linebreaksbr filter (newlines normalized, escaped unless safe, <br>), without
    its lazy-string and string-filter wrappers on each of a page's hundreds of texts."""
    safe = hasattr(value, "__html__")
    text = str(value)
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    if not safe:
        text = html.escape(text)
    return Markup(text.replace("\n", "<br>"))  # noqa: S704  # nosec B704 (escaped above)


def capfirst(value):
    """Django's capfirst filter: safe text stays safe, any other is escaped on output."""
    text = str(value)
    text = text[:1].upper() + text[1:]
    return Markup(text) if hasattr(value, "__html__") else text  # noqa: S704  # nosec B704


def environment(**options):
    options.pop("autoescape", None)
    env = jinja2.Environment(autoescape=True, **options)
    env.template_class = Template
    env.globals.update(
        _=gettext,
        ngettext=ngettext,
        pgettext=pgettext,
        url=lambda name, *args: reverse(name, args=args),
        colon=lambda: pgettext("between a label and its value", ": "),
    )
    env.filters.update(
        capfirst=capfirst,
        date=defaultfilters.date,
        interpolate=interpolate,
        linebreaks=defaultfilters.linebreaks_filter,
        linebreaksbr=linebreaksbr,
        # Django's templates show a datetime in the current time zone before its filters.
        localtime=timezone.localtime,
    )
    return env
