"""Whole pages kept per user, for the pages everyone opens all the time.

The dashboard, the session list, the partners' portal and the search already keep their content
in the "pages" cache, by the state of the data they show (ctn/changes.py). Rendering the page
around that content (header, navigation, layout) still cost more than everything else of such
a request. `whole_page_cache` keeps the finished page of a user, keyed by:

- the address asked (path and query string), the language and the day;
- the user and what the header shows of them (roles, staff flag, name);
- the change stamps of every audited model: any write the page could show makes a new key.

What must differ from one response to the next is never kept: the CSRF token is rendered as a
placeholder and replaced by a fresh masked token on each response (so the token still changes
at every response, as Django's BREACH mitigation wants), and a page that carries a message
(pending before the view, or added by it) is neither served from nor put into the cache.
Only a successful GET of an HTML page is kept. The time limit bounds what the stamps cannot
see, as for the content caches (a committee renamed).
"""

import hashlib
from functools import wraps

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from ctn.changes import audited_models, latest_change
from ctn.roles import user_roles

# Rendered by `{% csrf_token %}` while a page is built for the cache (see the context processor
# ctn.context_processors.current_user), replaced by a real token on every response.
CSRF_PLACEHOLDER = "ctn-csrf-placeholder-5c1f0e8b"
BUILDING_ATTRIBUTE = "_ctn_building_whole_page"


def _page_key(request):
    user = request.user
    parts = [
        request.get_full_path(),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        str(user.pk),
        ",".join(sorted(user_roles(user))),
        "staff" if user.is_staff else "-",
        user.get_full_name() or user.get_username(),
        latest_change(*audited_models()),
    ]
    return "whole-page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _has_messages(request):
    # len() loads the messages without marking them read (iterating would).
    return hasattr(request, "_messages") and len(get_messages(request)) > 0


def _with_token(request, html):
    return html.replace(CSRF_PLACEHOLDER, get_token(request))


def whole_page_cache(timeout):
    """Keep the whole page a view renders, per user and state of the data (see above)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET" or not request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if _has_messages(request):
                return view(request, *args, **kwargs)
            key = _page_key(request)
            html = caches["pages"].get(key)
            if html is not None:
                return HttpResponse(_with_token(request, html))
            setattr(request, BUILDING_ATTRIBUTE, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, BUILDING_ATTRIBUTE, False)
            if response.streaming or not hasattr(response, "content"):
                return response
            html = response.content.decode(response.charset)
            keep = (
                response.status_code == 200
                and response.get("Content-Type", "").startswith("text/html")
                and not _has_messages(request)
            )
            if keep:
                caches["pages"].set(key, html, timeout)
            response.content = _with_token(request, html)
            return response

        return wrapper

    return decorator
