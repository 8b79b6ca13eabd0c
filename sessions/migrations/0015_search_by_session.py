"""Search GIN indexes keyed by session as well as by word (PostgreSQL, btree_gin), and an index
of the sessions latest first: a common word's latest matches are then found by reading the
latest sessions' few matching rows, instead of every matching row of the history sorted.

The text expressions stay those of migration 0006 (sessions/search.py filters on them); the
indexes keep their names. The sessions' own index (no session column) is unchanged.
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

SEARCHED = {
    "ctn_sessions_agendaitem": ("title", "summary"),
    "ctn_sessions_intervention": ("speaker_label", "summary", "quote"),
    "ctn_sessions_expectedresult": ("description", "comment"),
    "ctn_sessions_recommendation": ("text", "solution", "responsible_label"),
    "ctn_sessions_followup": ("note",),
}


def _replace_indexes(schema_editor, *, by_session):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, fields in SEARCHED.items():
        document = " || ' ' || ".join(f"COALESCE(\"{field}\", '')" for field in fields)
        columns = f"to_tsvector('french_unaccent'::regconfig, {document})"
        columns = f'"session_id", ({columns})' if by_session else f"({columns})"
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_search"')
        schema_editor.execute(f'CREATE INDEX "{table}_search" ON "{table}" USING gin ({columns})')


def index_by_session(apps, schema_editor):
    _replace_indexes(schema_editor, by_session=True)


def index_by_word(apps, schema_editor):
    _replace_indexes(schema_editor, by_session=False)


class Migration(migrations.Migration):
    dependencies = [("ctn_sessions", "0014_session_convocation")]

    operations = [
        BtreeGinExtension(),  # does nothing on another database than PostgreSQL
        migrations.RunPython(index_by_session, index_by_word),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["-start_date", "-number"], name="session_latest_first"),
        ),
    ]
