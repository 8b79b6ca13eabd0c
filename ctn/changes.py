"""Stamps of the latest change of some models, to key cached pages and figures.

Every save and delete of an audited model writes a row of its django-simple-history trail, so
the latest id of those trails changes whenever one of their rows changes (ctn/history.py makes
the bulk writes keep the trail too). Reading them costs one query on primary-key indexes,
whatever the size of the history.

That query still costs more than the rest of a cached page, so its answer for every audited
model is kept in the cache the workers share, and dropped on every write of the trail: at once
and again when the transaction commits (`forget_stamps`, called from the signal simple-history
sends for each historical row, and from the bulk writes, which send none). A page never reads a
stamp older than the last write it could have seen; STAMPS_SECONDS bounds the two cases the
application cannot see (a change made in the database by hand, and a page that read the trail
just before another request's commit and stored it just after that commit's drop).
"""

import hashlib
from functools import cache

from django.db import connection, transaction

STAMPS_KEY = "ctn:change-stamps:v1"
STAMPS_SECONDS = 5


@cache
def _trail_table(model):
    # `model.history` builds a manager class on each access: read the table name once.
    return connection.ops.quote_name(model.history.model._meta.db_table)


@cache
def audited_models():
    """Every model with a django-simple-history trail."""
    from django.apps import apps

    return tuple(
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    )


def _stamp_cache():
    from django.core.cache import caches

    # The rendered pages' cache: shared by the workers, like the pages the stamps key.
    return caches["pages"]


def read_stamps():
    """The latest trail id of every audited model, from the database, in one query."""
    models = audited_models()
    # Table names come from the models' meta, never from input.
    columns = ", ".join(
        f"(SELECT MAX(history_id) FROM {_trail_table(model)})"  # noqa: S608  # nosec B608
        for model in models
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + columns)
        row = cursor.fetchone()
    return {model._meta.label_lower: value or 0 for model, value in zip(models, row, strict=True)}


def pages_are_kept():
    """False when the "pages" cache keeps nothing (DummyCache: caches off): then a page needs
    no key, and no stamp is read for one."""
    from django.conf import settings

    config = settings.CACHES.get("pages", {})
    backend = config.get("OPTIONS", {}).get("WRAPPED_BACKEND") or config.get("BACKEND", "")
    return not backend.endswith("DummyCache")


def latest_change(*models):
    """A short string that changes whenever a row of one of `models` (audited) is written.

    It only keys what the "pages" cache keeps: with that cache off, nothing is read."""
    if not pages_are_kept():
        return "-"
    cache_ = _stamp_cache()
    stamps = cache_.get(STAMPS_KEY)
    labels = [model._meta.label_lower for model in models]
    if stamps is None or any(label not in stamps for label in labels):
        stamps = read_stamps()
        cache_.set(STAMPS_KEY, stamps, STAMPS_SECONDS)
    return ".".join(str(stamps[label]) for label in labels)


def drop_kept_stamps():
    _stamp_cache().delete(STAMPS_KEY)


def forget_stamps():
    """Something audited is being written: drop the kept stamps now, and again at commit (a
    page that reads the trail in between would keep the state before the write). One drop
    at commit per transaction, however many rows it writes."""
    drop_kept_stamps()
    if connection.in_atomic_block and not any(
        callback is drop_kept_stamps for _sids, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(drop_kept_stamps)


def _historical_record_created(sender, **kwargs):
    forget_stamps()


def connect_signals():
    from simple_history.signals import post_create_historical_record

    post_create_historical_record.connect(
        _historical_record_created, dispatch_uid="ctn-forget-change-stamps"
    )


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
