"""The Jinja2 partials write the HTML a Django template would (ctn/jinja2.py)."""

import pytest
from django.template import engines
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from ctn.jinja2 import escape

VALUES = [
    "<script>alert(1)</script>",
    'l\'ordre du jour & "la" suite',
    mark_safe("<em>déjà sûr</em>"),
    gettext_lazy("Edit"),
    42,
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_values_are_escaped_as_django_escapes_them(value):
    assert str(escape(value)) == str(conditional_escape(value))


def test_a_template_escapes_values_and_interpolates_translations_as_django_does():
    source = (
        "{{ text }}|{{ safe }}|{{ _('presented by %(presenter)s')|interpolate(presenter=name) }}"
        "|{{ text|linebreaksbr }}|{{ colon() }}"
    )
    template = engines["jinja2"].from_string(source)
    with override("fr"):
        html = template.render(
            {"text": "a<b\n'c'", "safe": mark_safe("<br>"), "name": "Dr <Awa> TRAORÉ"}
        )
    assert html == (
        "a&lt;b\n&#x27;c&#x27;|<br>|présenté par Dr &lt;Awa&gt; TRAORÉ|a&lt;b<br>&#x27;c&#x27;| : "
    )
