"""The search page: /search/?q=…&tag=…."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ctn import cache
from sessions import search as full_text
from sessions.models import Tag
from sessions.tag_views import tag_from


@cache.whole_page
def search(request):
    """/search/?q=…&tag=…: results grouped by session, the matching words highlighted."""
    query = request.GET.get("q", "")
    tags = list(Tag.objects.all())
    tag, error = tag_from(request, tags)
    searching = False
    if not query.strip():
        if "q" in request.GET:
            error = _("Type one or more words to search for.")
    elif len(query) > full_text.MAX_QUERY_LENGTH:
        error = _("The search is too long: type at most %(count)s characters.") % {
            "count": full_text.MAX_QUERY_LENGTH
        }
    elif not full_text.query_terms(query):
        error = _("Type letters or digits to search for.")
    else:
        searching = True
    context = {
        "query": full_text.clean_query(query) if searching else query,
        "results": full_text.search(request.user, query, tag=tag) if searching else None,
        "error": error,
        "tag": tag,
        "tags": tags,
    }
    # Jinja2 (ctn/jinja2.py), given a copy: its backend adds the request and a CSRF token to the
    # context, which must not reach the page's (ctn.context_processors.current_user).
    results_html = render_to_string(
        "sessions/_search_results.html", {**context}, request, using="jinja2"
    )
    # The backend returns a plain string, escaped already.
    context["results_html"] = mark_safe(results_html)  # noqa: S308  # nosec B308, B703
    return render(request, "sessions/search.html", context)
