"""What CTN keeps in its caches, and the one vocabulary of their keys.

Every page is cheap with every cache off (`make bench`, cold pass). What is kept is what still
costs after that, each under a kind of key with its own time limit:

- USER: the logged-in user with their roles, read on every request (ctn/roles.py), in the cache
  the log-in sessions live in;
- STAMPS: the latest audit-trail id of every audited model, which keys the pages below;
- PAGE: the whole page of a user, for the pages everyone opens all the time (`whole_page`);
- DOWNLOAD: what a PDF download needs of a validated version (reports/views.py);
- PDF: the bytes of a PDF of record a worker has checked against their SHA-256, in that
  worker's memory, keyed by that SHA-256 (reports/pdf_store.py): hashing them again at each
  download was a fifth of its cost.

A key is `ctn:<kind>:<format>:<digest of its parts>`: the parts may hold what a user typed,
and never reach the backend as such (memcached refuses long or odd keys). Every write the
application makes drops what it changes at once and again at commit (`forget`); the time
limits bound only what it cannot see (a change made in the database by hand, a committee
renamed). A cache that fails is never a user's error: ctn/cache_backends.py serves uncached.
"""

import hashlib
from functools import cache, wraps

import django
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from ctn import roles

USER = "user"
STAMPS = "stamps"
PAGE = "page"
DOWNLOAD = "download"
PDF = "pdf"

TIMEOUTS = {USER: 300, STAMPS: 5, PAGE: 600, DOWNLOAD: 600, PDF: 3600}

# Bump when what a kind keeps changes shape; a pickled model also belongs to one version of
# Django, so an upgrade never reads what the previous one kept.
FORMAT = f"2-{django.__version__}"


def _alias(kind):
    # The user lives beside the log-in sessions that name them, a PDF in the worker's memory
    # (never shared: each worker checks what it keeps), the rest with the pages.
    if kind == USER:
        return settings.SESSION_CACHE_ALIAS
    return "pdfs" if kind == PDF else "pages"


def key(kind, *parts):
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f"ctn:{kind}:{FORMAT}:{digest}"


def kept(kind, parts, build, keep=lambda value: True):
    """The value kept under (kind, parts), or `build()` kept for next time (unless None or
    `keep(value)` is false)."""
    store = caches[_alias(kind)]
    name = key(kind, *parts)
    value = store.get(name)
    if value is None:
        value = build()
        if value is not None and keep(value):
            store.set(name, value, TIMEOUTS[kind])
    return value


def forget(kind, *parts_list):
    """Drop these keys now, and again when the transaction commits: another worker may keep
    the state before the write in between."""
    names = [key(kind, *parts) for parts in parts_list]
    if not names:
        return
    caches[_alias(kind)].delete_many(names)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: caches[_alias(kind)].delete_many(names))


def is_off(kind=PAGE):
    """True when the cache of `kind` keeps nothing (DummyCache: caches off)."""
    config = settings.CACHES.get(_alias(kind), {})
    backend = config.get("OPTIONS", {}).get("WRAPPED_BACKEND") or config.get("BACKEND", "")
    return backend.endswith("DummyCache")


# -- the change stamps -------------------------------------------------------------------------
# Every save and delete of an audited model writes a row of its django-simple-history trail
# (ctn/history.py makes the bulk writes keep it too), so the latest ids of the trails change
# whenever one of their rows changes. Reading them is one query on primary-key indexes, kept
# under STAMPS and dropped by every write of a trail.


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


def latest_change(*models):
    """A short string that changes whenever a row of one of `models` (audited) is written.
    With the pages' cache off it keys nothing, and nothing is read."""
    if is_off(PAGE):
        return "-"
    stamps = kept(STAMPS, (), read_stamps)
    labels = [model._meta.label_lower for model in models]
    if any(label not in stamps for label in labels):  # a model added since they were kept
        stamps = read_stamps()
    return ".".join(str(stamps[label]) for label in labels)


def drop_kept_stamps():
    caches[_alias(STAMPS)].delete(key(STAMPS))


def forget_stamps():
    """Something audited is being written: drop the stamps now and once more at commit, once
    per transaction however many rows it writes."""
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


# -- whole pages -------------------------------------------------------------------------------
# A page is kept per user, keyed by the address asked, the language, the day, what the header
# shows of the user and the stamps of every audited model: any write the page could show makes
# a new key. What must differ between responses is never kept: the CSRF token is rendered as a
# placeholder and replaced by a fresh masked token on each response (BREACH mitigation), and a
# page carrying a message is neither served from nor put into the cache.

# Rendered by `{% csrf_token %}` while a page is built to be kept (ctn/context_processors.py).
CSRF_PLACEHOLDER = "ctn-csrf-placeholder-5c1f0e8b"
BUILDING_ATTRIBUTE = "_ctn_building_whole_page"


def _page_parts(request):
    user = request.user
    return (
        request.get_full_path(),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        user.pk,
        ",".join(sorted(roles.user_roles(user))),
        "staff" if user.is_staff else "-",
        user.get_full_name() or user.get_username(),
        latest_change(*audited_models()),
    )


_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode("ascii")


def _with_token(body, request):
    """The page's encoded body with a fresh masked CSRF token for its placeholder (ASCII)."""
    return body.replace(_PLACEHOLDER_BYTES, get_token(request).encode("ascii"))


def _has_messages(request):
    # len() loads the messages without marking them read (iterating would).
    return hasattr(request, "_messages") and len(get_messages(request)) > 0


def whole_page(view):
    """Keep the page `view` renders for a GET, per user and state of the data (see above)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method != "GET"
            or not request.user.is_authenticated
            or _has_messages(request)
            or is_off(PAGE)
        ):
            return view(request, *args, **kwargs)
        store = caches[_alias(PAGE)]
        name = key(PAGE, *_page_parts(request))
        kept_page = store.get(name)
        if kept_page is not None:
            content_type, body = kept_page
            return HttpResponse(_with_token(body, request), content_type=content_type)
        setattr(request, BUILDING_ATTRIBUTE, True)
        try:
            response = view(request, *args, **kwargs)
        finally:
            setattr(request, BUILDING_ATTRIBUTE, False)
        if response.streaming or not hasattr(response, "content"):
            return response
        # Kept as the encoded body: a hit neither decodes nor encodes the page again.
        body = response.content
        content_type = response.get("Content-Type", "")
        if (
            response.status_code == 200
            and content_type.startswith("text/html")
            and not _has_messages(request)
        ):
            store.set(name, (content_type, body), TIMEOUTS[PAGE])
        response.content = _with_token(body, request)
        return response

    return wrapper
