"""Stamps of the latest change of some models, to key cached pages and figures.

Every save and delete of an audited model writes a row of its django-simple-history trail, so
the latest id of those trails changes whenever one of their rows changes. Reading them costs one
query on primary-key indexes, whatever the size of the history.
"""

import hashlib
from functools import cache

from django.db import connection


@cache
def _trail_table(model):
    # `model.history` builds a manager class on each access: read the table name once.
    return connection.ops.quote_name(model.history.model._meta.db_table)


def latest_change(*models):
    """A short string that changes whenever a row of one of `models` (audited) is written."""
    tables = [_trail_table(model) for model in models]
    # Table names come from the models' meta, never from input.
    columns = ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + columns)
        row = cursor.fetchone()
    return ".".join(str(value or 0) for value in row)


def render_cached(request, key, template, build_context, names, timeout):
    """`template` rendered with `build_context()`, or the copy kept under `key` in the "pages"
    cache; returns (html, context). On a cached copy the context's `names` are computed only
    if someone asks for them (a test inspecting the response): the page itself never does."""
    from django.core.cache import caches
    from django.template.loader import render_to_string
    from django.utils.functional import SimpleLazyObject

    # The key carries what the user asked (query string): hash it, so that its length and
    # characters never reach the cache backend (memcached refuses long or odd keys).
    key = "page:" + hashlib.sha256(key.encode()).hexdigest()
    html = caches["pages"].get(key)
    if html is None:
        context = build_context()
        html = render_to_string(template, context, request)
        caches["pages"].set(key, html, timeout)
        return html, context
    built = cache(build_context)
    return html, {name: SimpleLazyObject(lambda name=name: built()[name]) for name in names}
