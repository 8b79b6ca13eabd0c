"""Search across what the committee recorded: sessions, agenda items, interventions, expected
results, recommendations and their follow-up, accent-insensitive, grouped by session.

On PostgreSQL: full-text search with the `french_unaccent` configuration (the French stemmer
after the unaccent dictionary, created by migration ctn_sessions 0003), through the GIN indexes
of migration ctn_sessions 0006, keyed by session as well since 0015: a common word's latest
matches are read session by session, the latest first. Elsewhere (SQLite in development and
tests): every word of the query must appear, accents and case folded, in one of the searched
fields, through a SQL function `ctn_fold` registered on the connection. Each kind of result is
capped, so the cost of a page does not grow with history.

Every kind is searched by one statement (a UNION ALL of one part per kind), written once per
shape of search (database, audience, tag or not, number of words) and then reused with the
words as parameters: building six ORM queries cost more than running them. It reads the texts
of the rows found, what their titles need and their sessions' committees as well, joined to
the latest rows only.
"""

import datetime
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from django.db import connection
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from ctn.freeze import FROZEN_MINUTES_STATUS

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
RESULTS_PER_KIND = 20
EXCERPT_LENGTH = 240
SEARCH_CONFIG = "french_unaccent"


def fold(text):
    """Lower case without accents: "Ségou" -> "segou", "Œuvre" -> "œuvre"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def clean_query(query):
    """The query as searched: without control characters (a NUL byte is refused by PostgreSQL),
    spaces collapsed, at most MAX_QUERY_LENGTH characters."""
    query = "".join(char for char in query if char.isprintable() or char.isspace())
    return " ".join(query.split())[:MAX_QUERY_LENGTH]


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


class _FoldTable(dict):
    """{code point: folded character(s)} for str.translate, filled as characters are met; the
    characters that do not fold to exactly one character are kept in `irregular`."""

    def __init__(self):
        super().__init__()
        self.irregular = set()

    def __missing__(self, code):
        char = chr(code)
        folded = self[code] = fold(char)
        if len(folded) != 1:
            self.irregular.add(char)
        return folded


_FOLD_TABLE = _FoldTable()


def _folded_with_positions(text):
    """The folded text, and for each of its characters the index of the original one (None
    when each character folds to exactly one: the positions are the same)."""
    if text.isascii():
        return text.lower(), None
    folded = text.translate(_FOLD_TABLE)
    if _FOLD_TABLE.irregular.isdisjoint(text):
        return folded, None
    positions = []
    for index, char in enumerate(text):
        positions.extend([index] * len(_FOLD_TABLE[ord(char)]))
    return folded, positions


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


@lru_cache(maxsize=256)
def _candidates(terms):
    """A pattern finding the folded words that may match one of `terms`: those starting with
    its first four letters (a necessary condition of _word_matches), so only they are tried."""
    prefixes = sorted({term[:4] for term in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, prefixes)) + r")\w*")


_WORD_CHAR = re.compile(r"\w")


@cache
def _regular_folds():
    """{character: its folding} of the Latin and punctuation characters that fold to one
    character, a word character when the original is one; or, not being one, to no word
    character at all ("…" -> "..."). A text of these only has its words where its folding does."""
    folds = {}
    for code in (*range(0x250), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070), 0x20AC):
        char = chr(code)
        folded, word = fold(char), bool(_WORD_CHAR.match(char))
        if (len(folded) == 1 and bool(_WORD_CHAR.match(folded)) == word) or (
            folded and not word and not _WORD_CHAR.search(folded)
        ):
            folds[char] = folded
    return folds


@cache
def _irregular():
    """A pattern finding a character out of _regular_folds()."""
    return re.compile("[^" + "".join(map(re.escape, _regular_folds())) + "]")


@lru_cache(maxsize=256)
def _original_candidates(terms):
    """_candidates(terms), for the original text of characters of _regular_folds(): each letter
    of a prefix is any character folding to it."""
    variants = {}
    for char, folded in _regular_folds().items():
        variants.setdefault(folded, []).append(re.escape(char))

    def letter(folded):
        return "[" + "".join(variants[folded]) + "]" if folded in variants else "(?!)"

    # "No word character before" checked after the first letter: the search then only stops
    # on the characters that may begin a prefix.
    prefixes = sorted({term[:4] for term in terms}, key=len, reverse=True)
    alternatives = (
        letter(prefix[0]) + r"(?<!\w.)" + "".join(map(letter, prefix[1:])) for prefix in prefixes
    )
    return re.compile(r"(?:" + "|".join(alternatives) + r")\w*", re.DOTALL)


def match_spans(text, terms):
    """[(start, end)] of the words of `text` matching one of `terms`, in original positions."""
    if not text or not terms:
        return []
    if text.isascii() or _irregular().search(text) is None:
        # The usual text: its words found as they are, only they are folded.
        spans = []
        for match in _original_candidates(tuple(terms)).finditer(text):
            word = match.group()
            word = word.lower() if word.isascii() else word.translate(_FOLD_TABLE)
            if any(_word_matches(word, term) for term in terms):
                spans.append(match.span())
        return spans
    folded, positions = _folded_with_positions(text)
    spans = []
    for match in _candidates(tuple(terms)).finditer(folded):
        if any(_word_matches(match.group(), term) for term in terms):
            if positions is None:
                spans.append(match.span())
            else:
                spans.append((positions[match.start()], positions[match.end() - 1] + 1))
    return spans


def highlight(text, terms, *, excerpt=EXCERPT_LENGTH, spans=None):
    """`text` escaped, with its matching words in <mark>; cut around the first match when
    longer than `excerpt` characters. Escaping comes first, so no text can inject markup.
    `spans`: those of match_spans(text, terms), when already known."""
    text = text or ""
    if spans is None:
        spans = match_spans(text, terms)
    start, end = 0, len(text)
    if excerpt and len(text) > excerpt:
        first = spans[0][0] if spans else 0
        start = max(0, first - excerpt // 3)
        end = min(len(text), start + excerpt)
        spans = [(a, b) for a, b in spans if a >= start and b <= end]
    # html.escape: what Django's escape() gives, without its lazy wrapper and SafeString.
    parts = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        parts.append(html.escape(text[cursor:a]))
        parts.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    parts.append(html.escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    # Every part above is escaped text or a <mark> around escaped text.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308, B703


HIT_SEPARATOR = " · "


def _excerpt(texts, terms):
    """The texts that match (all of them if none does), joined and highlighted."""
    spanned = [(text, match_spans(text, terms)) for text in texts if text]
    if any(spans for _text, spans in spanned):
        spanned = [(text, spans) for text, spans in spanned if spans]
    joined, spans, offset = [], [], 0
    for text, text_spans in spanned:
        if joined:
            offset += len(HIT_SEPARATOR)
        joined.append(text)
        spans.extend((offset + a, offset + b) for a, b in text_spans)
        offset += len(text)
    # The separator holds no word: the spans of the joined text are those of its parts.
    return highlight(HIT_SEPARATOR.join(joined), terms, spans=spans)


# -- the search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of record searched: its model, its searched fields, its anchor on the page, and
    what its hits' titles need: `extra`, a relation and the fields read from it, and `shown`,
    its own fields."""

    kind: str
    label: str
    model_name: str
    fields: tuple
    anchor: str
    extra: tuple = ()
    shown: tuple = ()
    taggable: bool = False


SOURCES = [
    Source(
        "session",
        _("Session"),
        "Session",
        ("city", "venue", "objective", "opening_summary", "closing_summary", "highlights"),
        "",
    ),
    Source("agenda", _("Agenda item"), "AgendaItem", ("title", "summary"), "agenda", taggable=True),
    Source(
        "intervention",
        _("Intervention"),
        "Intervention",
        ("speaker_label", "summary", "quote"),
        "agenda",
        ("speaker", ("civility", "first_name", "last_name")),
    ),
    Source("result", _("Expected result"), "ExpectedResult", ("description", "comment"), "results"),
    Source(
        "recommendation",
        _("Recommendation"),
        "Recommendation",
        ("text", "solution", "responsible_label"),
        "recommendations",
        ("responsible", ("acronym",)),
        taggable=True,
    ),
    Source(
        "followup",
        _("Follow-up of a recommendation"),
        "FollowUp",
        ("note",),
        "followups",
        ("recommendation", ("text",)),
        ("status",),
    ),
]
SOURCES_BY_KIND = {source.kind: source for source in SOURCES}


class Hit(NamedTuple):
    """A tuple, so that the template unpacks it: one context look-up per field shown."""

    source: Source
    label: str  # the source's label, translated once per search
    title: str  # at most TITLE_LENGTH characters
    excerpt: str
    url: str


@dataclass
class SessionResults:
    session: object
    url: str
    heading: str
    hits: list = field(default_factory=list)


TITLE_LENGTH = 160


@dataclass
class Results:
    groups: list
    count: int
    capped: bool


def register_sqlite_fold(sqlite_connection):
    sqlite_connection.create_function("CTN_FOLD", 1, fold, deterministic=True)


def _model(name):
    from django.apps import apps

    return apps.get_model("ctn_sessions", name)


@cache
def searched_models():
    """The audited models a search reads (its rows, its filters, its titles): a write to any of
    them may change its results. Committees have no trail: their acronym shown with each group
    may be older than a cached search, for its time limit."""
    from participants.models import Organization, Person

    models = tuple(_model(source.model_name) for source in SOURCES)
    return (*models, _minutes_model(), Person, Organization, _model("Tag"))


def _minutes_model():
    # Reached through the relation: sessions does not import reports.
    return _model("Session")._meta.get_field("minutes").related_model


def _matching_sql(vendor, source, terms_count):
    """The SQL condition of a matching row of `source` (table `t`) and its parameters, as
    names: "query" (the cleaned query), ("term", n) (a LIKE pattern of the nth word)."""
    qn = connection.ops.quote_name
    document = " || ' ' || ".join(f"COALESCE(t.{qn(name)}, '')" for name in source.fields)
    if vendor == "postgresql":
        # The very expression of the GIN indexes of migrations ctn_sessions 0006/0015, and the
        # configuration as a literal, as there: else the index is not used.
        return (
            f"to_tsvector('{SEARCH_CONFIG}'::regconfig, {document}) @@ "
            f"websearch_to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)",
            ["query"],
        )
    if vendor == "sqlite":
        condition = f"CTN_FOLD({document}) LIKE %s ESCAPE '\\'"
    else:  # another database: case-insensitive, accents as typed
        condition = f"UPPER({document}) LIKE UPPER(%s) ESCAPE '\\'"
    return " AND ".join([condition] * terms_count), [("term", n) for n in range(terms_count)]


# What the statement gives of each matching row: its kind, its id, its session's columns, its
# searched texts, what its title needs (the id of a related row and some of its columns, and
# some of its own), and what its session's heading needs of the committee (Session.__str__ is
# its designation).
SESSION_COLUMNS = ("id", "kind", "number", "start_date", "end_date", "city", "committee_id")
TEXT_COLUMNS = max(len(source.fields) for source in SOURCES)
EXTRA_COLUMNS = max(
    len(source.extra[1] if source.extra else ()) + len(source.shown) for source in SOURCES
)
COMMITTEE_COLUMNS = ("acronym", "numbering", "meeting_noun")
# Where each part is in a row of the statement.
SESSION_END = 2 + len(SESSION_COLUMNS)
TEXTS_END = SESSION_END + TEXT_COLUMNS
EXTRAS_END = TEXTS_END + 1 + EXTRA_COLUMNS


def _latest_sql(vendor, source, *, partner, tagged, terms_count):
    """The SELECT of the RESULTS_PER_KIND + 1 latest matching rows of one kind (the latest
    sessions first, as the groups are shown; no ranking of every match, so a word found in
    thousands of rows costs no more than reading its index), with their session's and what
    they show, and its parameters' names. The related rows are joined to the latest rows only,
    out of the subquery that finds them. Every name in it comes from the models' meta, never
    from input."""
    qn = connection.ops.quote_name
    model = _model(source.model_name)
    if source.kind == "session":
        joins, session = "", "t"  # the row is its own session
    else:
        sessions = qn(_model("Session")._meta.db_table)
        joins, session = f" INNER JOIN {sessions} s ON s.id = t.session_id", "s"
    params = []
    if partner:
        # Session.objects.visible_to(), in SQL: only sessions whose minutes are validated.
        joins += (
            f" INNER JOIN {qn(_minutes_model()._meta.db_table)} m ON m.session_id = {session}.id"
            " AND m.status = %s"
        )
        params.append("status")
    if tagged:
        tags = model._meta.get_field("tags")
        joins += (
            f" INNER JOIN {qn(tags.m2m_db_table())} tt ON tt.{qn(tags.m2m_column_name())} = t.id"
            f" AND tt.{qn(tags.m2m_reverse_name())} = %s"
        )
        params.append("tag")
    condition, condition_params = _matching_sql(vendor, source, terms_count)
    params += condition_params
    texts = [f"t.{qn(name)}" for name in source.fields]
    texts += ["CAST(NULL AS TEXT)"] * (TEXT_COLUMNS - len(source.fields))
    related = model._meta.get_field(source.extra[0]) if source.extra else None
    columns = ", ".join(
        [f"'{source.kind}' AS hit_kind", "t.id AS hit_id"]
        + [f"{session}.{qn(column)} AS session_{column}" for column in SESSION_COLUMNS]
        + [f"{text} AS text_{n}" for n, text in enumerate(texts)]
        + [f"t.{qn(related.column)} AS ref_id" if related else "CAST(NULL AS INTEGER) AS ref_id"]
        + [f"t.{qn(name)} AS shown_{name}" for name in source.shown]
    )
    table = qn(model._meta.db_table)
    if vendor == "postgresql" and source.kind == "session":
        # Every matching session through the GIN index, then sorted (OFFSET 0 keeps the planner
        # from walking the latest first instead, computing each one's long text vector).
        latest = (
            f"SELECT * FROM (SELECT {columns} FROM {table} t{joins}"  # noqa: S608  # nosec B608
            f" WHERE {condition} OFFSET 0) matching ORDER BY session_start_date DESC,"
            f" session_number DESC, hit_id DESC LIMIT {RESULTS_PER_KIND + 1}"
        )
    else:
        # On PostgreSQL, a common word is found by reading the latest sessions' matching rows
        # (migration 0015).
        latest = (
            f"SELECT {columns} FROM {table} t{joins}"  # noqa: S608  # nosec B608
            f" WHERE {condition} ORDER BY {session}.start_date DESC, {session}.number DESC,"
            f" t.id DESC LIMIT {RESULTS_PER_KIND + 1}"
        )
    extras, related_join = [], ""
    if related:
        related_join = (
            f" LEFT OUTER JOIN {qn(related.related_model._meta.db_table)} r ON r.id = latest.ref_id"
        )
        extras = [f"r.{qn(name)}" for name in source.extra[1]]
    extras += [f"latest.shown_{name}" for name in source.shown]
    extras += ["CAST(NULL AS TEXT)"] * (EXTRA_COLUMNS - len(extras))
    committee = qn(_model("Committee")._meta.db_table)
    selected = ", ".join(
        [
            "latest.hit_kind",
            "latest.hit_id",
            *(f"latest.session_{column}" for column in SESSION_COLUMNS),
            *(f"latest.text_{n}" for n in range(TEXT_COLUMNS)),
            "latest.ref_id",
            *extras,
            *(f"c.{qn(column)}" for column in COMMITTEE_COLUMNS),
        ]
    )
    # A subquery, as SQLite wants no ORDER BY nor LIMIT in a part of a UNION ALL.
    return (
        f"SELECT {selected} FROM ({latest}) latest{related_join}"  # noqa: S608  # nosec B608
        f" INNER JOIN {committee} c ON c.id = latest.session_committee_id",
        params,
    )


@cache
def _latest_statement(vendor, kinds, *, partner, tagged, terms_count):
    """The statement: the latest matching rows of every kind of `kinds` (UNION ALL), and its
    parameters' names; written once per shape of search."""
    parts = [
        _latest_sql(
            vendor,
            SOURCES_BY_KIND[kind],
            partner=partner,
            tagged=tagged,
            terms_count=terms_count,
        )
        for kind in kinds
    ]
    return " UNION ALL ".join(sql for sql, _ in parts), [
        name for _, names in parts for name in names
    ]


def _date(value):
    # SQLite gives dates as text to a raw cursor.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _from_db(model, db, **values):
    """An instance of `model` as loaded from the database with only `values`: reading another
    field asks the database (as after `.only()`), never gives a default."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


def _truncated(title):
    """Truncator(title).chars(TITLE_LENGTH), without its character count when short enough."""
    title = unicodedata.normalize("NFC", title)
    return title if len(title) <= TITLE_LENGTH else Truncator(title).chars(TITLE_LENGTH)


@cache
def _title_models():
    from participants.models import Organization, Person
    from sessions.models import FollowUp, Intervention, Recommendation

    return Organization, Person, FollowUp, Intervention, Recommendation


def _title(source, name, texts, ref_id, extras):
    """The title of a hit, through the models' own properties (on instances of the columns
    read only); `name`: its session's."""
    if source.kind == "session":
        return name.capitalize()
    if source.kind == "agenda":
        return texts[0]
    if source.kind == "result":
        return ""
    Organization, Person, FollowUp, Intervention, Recommendation = _title_models()
    db = connection.alias
    if source.kind == "intervention":
        intervention = _from_db(Intervention, db, speaker_label=texts[0])
        intervention.speaker = None
        if ref_id:
            names = dict(zip(("civility", "first_name", "last_name"), extras, strict=False))
            intervention.speaker = _from_db(Person, db, id=ref_id, **names)
        return intervention.speaker_name
    if source.kind == "followup":
        follow_up = _from_db(FollowUp, db, status=extras[1])
        follow_up.recommendation = _from_db(Recommendation, db, id=ref_id, text=extras[0])
        return str(follow_up)
    recommendation = _from_db(Recommendation, db, responsible_label=texts[2])
    recommendation.responsible = None
    if ref_id:
        recommendation.responsible = _from_db(Organization, db, id=ref_id, acronym=extras[0])
    return recommendation.responsible_name


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def search(user, query, *, tag=None):
    """Search `query` in what `user` may see (partners: validated minutes only).

    With a `tag`, only the agenda items and recommendations carrying it. Returns Results,
    groups ordered from the latest session; at most RESULTS_PER_KIND hits of each kind.
    One statement: the latest matching rows of every kind with their texts, their sessions
    and their sessions' committees.
    """
    from django.urls import reverse

    from ctn.roles import can_edit
    from sessions.models import Committee, Session

    query = clean_query(query)
    terms = query_terms(query)
    if not terms:
        return Results([], 0, False)
    kinds = tuple(source.kind for source in SOURCES if source.taggable or tag is None)
    vendor = connection.vendor
    sql, names = _latest_statement(
        vendor,
        kinds,
        partner=not can_edit(user),
        tagged=tag is not None,
        terms_count=0 if vendor == "postgresql" else len(terms),
    )
    values = {"query": query, "status": FROZEN_MINUTES_STATUS, "tag": tag.pk if tag else None}
    for n, term in enumerate(terms):
        values["term", n] = "%" + connection.ops.prep_for_like_query(_sqlite_term(term)) + "%"
    if vendor == "sqlite":
        connection.ensure_connection()
        register_sqlite_fold(connection.connection)
    latest = {kind: [] for kind in kinds}
    for row in _execute(sql, [values[name] for name in names]):
        latest[row[0]].append(row)
    capped = False
    for kind, rows in latest.items():
        # The order of the part's ORDER BY (start date, number, id), which UNION ALL may lose.
        rows.sort(key=lambda row: (_date(row[5]), row[4], row[1]), reverse=True)
        if len(rows) > RESULTS_PER_KIND:
            capped, latest[kind] = True, rows[:RESULTS_PER_KIND]
    db = connection.alias
    committees, sessions, urls, names, groups, count = {}, {}, {}, {}, {}, 0
    for kind, rows in latest.items():
        source = SOURCES_BY_KIND[kind]
        label = str(source.label)
        for row in rows:
            hit_id, session_pk, session_kind, number, start, end, city, committee_id = row[
                1:SESSION_END
            ]
            if session_pk not in sessions:
                if committee_id not in committees:
                    committees[committee_id] = _from_db(
                        Committee,
                        db,
                        id=committee_id,
                        **dict(zip(COMMITTEE_COLUMNS, row[EXTRAS_END:], strict=True)),
                    )
                session = _from_db(
                    Session,
                    db,
                    id=session_pk,
                    kind=session_kind,
                    number=number,
                    start_date=_date(start),
                    end_date=_date(end),
                    city=city,
                    committee_id=committee_id,
                )
                session.committee = committees[committee_id]
                sessions[session_pk] = session
                urls[session_pk] = reverse("sessions:detail", args=[session_pk])
                names[session_pk] = str(session)
            session = sessions[session_pk]
            fields = row[SESSION_END : SESSION_END + len(source.fields)]
            ref_id, extras = row[TEXTS_END], row[TEXTS_END + 1 : EXTRAS_END]
            url = urls[session_pk] + (f"#{source.anchor}" if source.anchor else "")
            title = _truncated(_title(source, names[session_pk], fields, ref_id, extras))
            hit = Hit(source, label, title, _excerpt(fields, terms), url)
            if session_pk not in groups:
                heading = capfirst(names[session_pk])
                groups[session_pk] = SessionResults(session, urls[session_pk], heading)
            groups[session_pk].hits.append(hit)
            count += 1
    ordered = sorted(
        groups.values(),
        key=lambda g: (g.session.start_date, g.session.number, g.session.pk),
        reverse=True,
    )
    return Results(ordered, count, capped)
