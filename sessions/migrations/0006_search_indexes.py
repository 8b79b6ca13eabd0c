"""GIN indexes for the full-text search on PostgreSQL (sessions/search.py).

Each index is on the very expression the search filters on, `SearchVector(*fields,
config="french_unaccent")`, so that finding the matching rows reads the index instead of
computing the text vector of every row of the history. Nothing on other databases.
"""

from django.db import migrations

SEARCHED = {
    "ctn_sessions_session": (
        "city",
        "venue",
        "objective",
        "opening_summary",
        "closing_summary",
        "highlights",
    ),
    "ctn_sessions_agendaitem": ("title", "summary"),
    "ctn_sessions_intervention": ("speaker_label", "summary", "quote"),
    "ctn_sessions_expectedresult": ("description", "comment"),
    "ctn_sessions_recommendation": ("text", "solution", "responsible_label"),
    "ctn_sessions_followup": ("note",),
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, fields in SEARCHED.items():
        document = " || ' ' || ".join(f"COALESCE(\"{field}\", '')" for field in fields)
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_search" ON "{table}" '
            f"USING gin ((to_tsvector('french_unaccent'::regconfig, {document})))"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_search"')


class Migration(migrations.Migration):
    dependencies = [("ctn_sessions", "0005_history_version_freeze_triggers")]

    operations = [migrations.RunPython(create_search_indexes, drop_search_indexes)]
