"""The search page: /search/?q=…&tag=…."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ctn.changes import latest_change, render_cached
from ctn.pages import whole_page_cache
from ctn.roles import can_edit
from sessions import search as full_text
from sessions.models import Tag
from sessions.tag_views import tag_from
from sessions.views import WHOLE_PAGE_SECONDS

# A search is the same for everyone of an audience (editors; partners, who search validated
# minutes only) asking the same words and tag: its form and results are rendered once per state
# of the data it reads and kept in the "pages" cache (10 minutes at most, for what the
# audit-trail stamp cannot see: a committee renamed).
SEARCH_CACHE_SECONDS = 600


@whole_page_cache(timeout=WHOLE_PAGE_SECONDS)
def search(request):
    """/search/?q=…&tag=…: results grouped by session, the matching words highlighted."""
    query = request.GET.get("q", "")
    # The tags are read when a tag is asked for, or to render the form: not for a cached copy.
    tags = list(Tag.objects.all()) if request.GET.get("tag", "").strip() else None
    tag, error = tag_from(request, tags or [])
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
    context = {"query": query, "results": None, "error": error, "tag": tag}
    if searching and not error:
        html, cached = _cached_search(request, full_text.clean_query(query), tag, tags)
        context.update(cached)
    else:
        if searching:  # with a message about the tag: not kept
            context["results"] = full_text.search(request.user, query, tag=tag)
        context["tags"] = list(Tag.objects.all()) if tags is None else tags
        html = render_to_string("sessions/_search.html", context, request)
    return render(request, "sessions/search.html", {**context, "search_html": html})


def _cached_search(request, query, tag, tags):
    """The search form and results of `query` (cleaned) as HTML, from the "pages" cache when
    nothing it reads has changed since; and their context (lazy on a cached copy)."""
    key = ":".join(
        [
            "search-html",
            "editor" if can_edit(request.user) else "partner",
            str(tag.pk) if tag else "-",
            translation.get_language(),
            latest_change(*full_text.searched_models()),
            query,  # last, as the only part that may hold a colon
        ]
    )

    def build_context():
        return {
            "query": query,
            "results": full_text.search(request.user, query, tag=tag),
            "error": "",
            "tags": list(Tag.objects.all()) if tags is None else tags,
            "tag": tag,
        }

    html, context = render_cached(
        request,
        key,
        "sessions/_search.html",
        build_context,
        ("results", "tags"),
        SEARCH_CACHE_SECONDS,
    )
    return html, {name: context[name] for name in ("results", "tags")}
