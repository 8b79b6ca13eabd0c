"""On PostgreSQL, the search statement finds the matching rows of every kind through the GIN
indexes of migrations ctn_sessions 0006/0015: its text expressions must be theirs, to the letter."""

import pytest
from django.db import connection

from sessions import search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("partner", [False, True])
@pytest.mark.parametrize("tagged", [False, True])
def test_every_kind_is_searched_through_its_index_on_postgresql(partner, tagged):
    if connection.vendor != "postgresql":
        pytest.skip("full-text search indexes exist on PostgreSQL only")
    kinds = tuple(source.kind for source in search.SOURCES if source.taggable or not tagged)
    sql, names = search._latest_statement(
        "postgresql", kinds, partner=partner, tagged=tagged, terms_count=0
    )
    values = {"query": "financement", "status": "validated", "tag": 1}

    with connection.cursor() as cursor:
        # Only the access paths that can answer a text condition: without them the planner may
        # prefer, on the test database's few rows, an ordered scan of another index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        # With a tag, the planner may rightly start from the tag's few rows and filter the
        # text row by row; joining without nested loops makes it find the text through an
        # index, if its expression has one.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN " + sql, [values[name] for name in names])
        plan = "\n".join(line for (line,) in cursor.fetchall())

    tables = [
        search._model(search.SOURCES_BY_KIND[kind].model_name)._meta.db_table for kind in kinds
    ]
    assert [table for table in tables if f"{table}_search" not in plan] == [], plan
