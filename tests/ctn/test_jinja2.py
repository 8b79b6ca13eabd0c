"""The Jinja2 partials write the HTML a Django template would (ctn/jinja2.py)."""

import pytest
from django.template import engines
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

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
    template = engines["jinja2"].from_string("{{ value }}|{{ value|linebreaksbr }}")
    expected = str(conditional_escape(value))
    assert template.render({"value": value}) == f"{expected}|{expected}"


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


FILTER_VALUES = [*VALUES, "ligne 1\r\nligne 2\rligne 3\n", mark_safe("sûr\r\n<b>x</b>"), "", "été"]


@pytest.mark.parametrize("value", FILTER_VALUES, ids=range(len(FILTER_VALUES)))
def test_the_filters_write_what_django_s_filters_write(value):
    django_template = engines["django"].from_string("{{ value|linebreaksbr }}|{{ value|capfirst }}")
    jinja_template = engines["jinja2"].from_string("{{ value|linebreaksbr }}|{{ value|capfirst }}")
    assert jinja_template.render({"value": value}) == django_template.render({"value": value})
