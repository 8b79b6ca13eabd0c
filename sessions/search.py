"""Search across what the committee recorded: sessions, agenda items, interventions, expected
results, recommendations and their follow-up, accent-insensitive, grouped by session.

On PostgreSQL: full-text search with the `french_unaccent` configuration (the French stemmer
after the unaccent dictionary, created by migration ctn_sessions 0003), ranked. Elsewhere
(SQLite in development and tests): every word of the query must appear, accents and case
folded, in one of the searched fields, through a SQL function `ctn_fold` registered on the
connection. Each kind of result is capped, so the cost of a page does not grow with history.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from sessions.freeze import FROZEN_MINUTES_STATUS

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
RESULTS_PER_KIND = 25
EXCERPT_LENGTH = 240
SEARCH_CONFIG = "french_unaccent"


def fold(text):
    """Lower case without accents: "Ségou" -> "segou", "Œuvre" -> "œuvre"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def query_terms(query):
    """The folded words of a query, without duplicates, at most MAX_TERMS. Single letters are
    left out ("l'ANAM" is "anam"), digits kept."""
    terms = []
    for word in re.findall(r"\w+", fold(query)):
        if len(word) == 1 and not word.isdigit():
            continue
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def _sqlite_term(term):
    # A poor man's stemming for SQLite: "financements" also finds "financement".
    return term[:-1] if len(term) > 3 and term[-1] in "sx" else term


# -- highlighting ---------------------------------------------------------------------------------


def _folded_with_positions(text):
    """The folded text, and for each of its characters the index of the original one."""
    chars, positions = [], []
    for index, char in enumerate(text):
        for folded in fold(char):
            chars.append(folded)
            positions.append(index)
    return "".join(chars), positions


def _word_matches(word, term):
    """Does a folded word of the text answer a folded term of the query (a prefix, either way,
    close enough to be the same word with another ending)?"""
    if word.startswith(term):
        return True
    common = 0
    for a, b in zip(word, term, strict=False):
        if a != b:
            break
        common += 1
    return common >= 4 and common >= min(len(word), len(term)) - 2


def match_spans(text, terms):
    """[(start, end)] of the words of `text` matching one of `terms`, in original positions."""
    if not text or not terms:
        return []
    folded, positions = _folded_with_positions(text)
    spans = []
    for match in re.finditer(r"\w+", folded):
        if any(_word_matches(match.group(), term) for term in terms):
            start = positions[match.start()]
            end = positions[match.end() - 1] + 1
            spans.append((start, end))
    return spans


def highlight(text, terms, *, excerpt=EXCERPT_LENGTH):
    """`text` escaped, with its matching words in <mark>; cut around the first match when
    longer than `excerpt` characters. Escaping comes first, so no text can inject markup."""
    text = text or ""
    spans = match_spans(text, terms)
    start, end = 0, len(text)
    if excerpt and len(text) > excerpt:
        first = spans[0][0] if spans else 0
        start = max(0, first - excerpt // 3)
        end = min(len(text), start + excerpt)
        spans = [(a, b) for a, b in spans if a >= start and b <= end]
    parts = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        parts.append(escape(text[cursor:a]))
        parts.append(f"<mark>{escape(text[a:b])}</mark>")
        cursor = b
    parts.append(escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    # Every part above is escaped text or a <mark> around escaped text.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308, B703


# -- the search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of record searched: its model, its searched fields, its anchor on the page."""

    kind: str
    label: str
    model_name: str
    fields: tuple
    anchor: str
    related: tuple = ()
    taggable: bool = False


SOURCES = [
    Source(
        "session",
        _("Session"),
        "Session",
        ("city", "venue", "objective", "opening_summary", "closing_summary", "highlights"),
        "",
        ("committee",),
    ),
    Source(
        "agenda",
        _("Agenda item"),
        "AgendaItem",
        ("title", "summary"),
        "agenda",
        ("session__committee",),
        taggable=True,
    ),
    Source(
        "intervention",
        _("Intervention"),
        "Intervention",
        ("speaker_label", "summary", "quote"),
        "agenda",
        ("session__committee", "speaker"),
    ),
    Source(
        "result",
        _("Expected result"),
        "ExpectedResult",
        ("description", "comment"),
        "results",
        ("session__committee",),
    ),
    Source(
        "recommendation",
        _("Recommendation"),
        "Recommendation",
        ("text", "solution", "responsible_label"),
        "recommendations",
        ("session__committee", "responsible"),
        taggable=True,
    ),
    Source(
        "followup",
        _("Follow-up of a recommendation"),
        "FollowUp",
        ("note",),
        "followups",
        ("session__committee", "recommendation"),
    ),
]


@dataclass
class Hit:
    source: Source
    obj: object
    title: str
    excerpt: str
    url: str


@dataclass
class SessionResults:
    session: object
    hits: list = field(default_factory=list)


@dataclass
class Results:
    groups: list
    count: int
    capped: bool


class Fold(Func):
    """ctn_fold(text) on SQLite: lower case without accents (see register_sqlite_fold)."""

    function = "CTN_FOLD"
    output_field = TextField()


def register_sqlite_fold(sqlite_connection):
    sqlite_connection.create_function("CTN_FOLD", 1, fold, deterministic=True)


def _searchable_text(source):
    parts = []
    for name in source.fields:
        if parts:
            parts.append(Value(" "))
        parts.append(F(name))
    return Concat(*parts, output_field=TextField()) if len(parts) > 1 else F(source.fields[0])


def _matching(queryset, source, query, terms):
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # The very expression of the GIN indexes of migration ctn_sessions 0006.
        vector = SearchVector(*source.fields, config=SEARCH_CONFIG)
        search_query = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.annotate(search_vector=vector).filter(search_vector=search_query)
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        register_sqlite_fold(connection.connection)
        folded = Fold(_searchable_text(source))
    else:  # another database: case-insensitive, accents as typed
        folded = _searchable_text(source)
    queryset = queryset.annotate(search_text=folded)
    lookup = "search_text__contains" if connection.vendor == "sqlite" else "search_text__icontains"
    for term in terms:
        queryset = queryset.filter(**{lookup: _sqlite_term(term)})
    return queryset


def _hit(source, obj, terms):
    from django.urls import reverse

    session = obj if source.kind == "session" else obj.session
    url = reverse("sessions:detail", args=[session.pk])
    if source.anchor:
        url += f"#{source.anchor}"
    if source.kind == "session":
        title = str(session).capitalize()
    elif source.kind == "agenda":
        title = obj.title
    elif source.kind == "intervention":
        title = obj.speaker_name
    elif source.kind == "result":
        title = ""
    elif source.kind == "followup":
        title = f"{obj.recommendation.text} – {obj.get_status_display()}"
    else:
        title = obj.responsible_name
    texts = [getattr(obj, name) for name in source.fields if getattr(obj, name)]
    matching = [text for text in texts if match_spans(text, terms)] or texts
    return Hit(source, obj, title, highlight(" · ".join(matching), terms), url)


def search(user, query, *, tag=None):
    """Search `query` in what `user` may see (partners: validated minutes only).

    With a `tag`, only the agenda items and recommendations carrying it. Returns Results,
    groups ordered from the latest session; at most RESULTS_PER_KIND hits of each kind.
    """
    from django.apps import apps

    from ctn.roles import can_edit

    # Control characters (a NUL byte is refused by PostgreSQL) are no part of a search.
    query = "".join(char for char in query if char.isprintable() or char.isspace())
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    terms = query_terms(query)
    if not terms:
        return Results([], 0, False)
    sources = [s for s in SOURCES if s.taggable] if tag is not None else SOURCES
    groups = {}
    count = 0
    capped = False
    for source in sources:
        model = apps.get_model("ctn_sessions", source.model_name)
        queryset = model.objects.all()
        session_path = "" if source.kind == "session" else "session__"
        if not can_edit(user):
            queryset = queryset.filter(**{f"{session_path}minutes__status": FROZEN_MINUTES_STATUS})
        if tag is not None:
            queryset = queryset.filter(tags=tag)
        related = source.related if source.kind == "session" else ("session", *source.related)
        queryset = _matching(queryset.select_related(*related), source, query, terms)
        # The latest sessions first, as the groups are shown: no ranking of every match, so a
        # word found in thousands of rows costs no more than reading its index.
        queryset = queryset.order_by(
            *(f"-{session_path}{field}" for field in ("start_date", "number")), "-pk"
        )
        rows = list(queryset[: RESULTS_PER_KIND + 1])
        if len(rows) > RESULTS_PER_KIND:
            capped, rows = True, rows[:RESULTS_PER_KIND]
        for obj in rows:
            session = obj if source.kind == "session" else obj.session
            group = groups.setdefault(session.pk, SessionResults(session))
            group.hits.append(_hit(source, obj, terms))
            count += 1
    ordered = sorted(
        groups.values(),
        key=lambda g: (g.session.start_date, g.session.number, g.session.pk),
        reverse=True,
    )
    return Results(ordered, count, capped)
