"""PostgreSQL triggers on the many-to-many link tables of a validated record.

The rows of the rapporteurs' and tags' link tables of a frozen session, and the list of annexes
of a validated version, are refused any change by the database itself, as the session's own
tables are (sessions/freeze.py). pgtrigger attaches triggers to models' Meta; these tables are
Django's auto-created ones, so their triggers are installed here. SQLite keeps the
application-level guards.
"""

from django.db import migrations

REFUSE = (
    "RAISE EXCEPTION 'ctn: % on % refused: the minutes of the session are validated', "
    "TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';"
)


def _frozen(session_expression):
    return (
        "EXISTS (SELECT 1 FROM reports_minutes m WHERE m.session_id = "
        f"{session_expression} AND m.status = 'validated')"
    )


def _session_link(name, table, session_of):
    """A trigger on `table` whose rows belong to the session `session_of(row)` gives."""
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            IF (TG_OP IN ('DELETE', 'UPDATE') AND {_frozen(session_of("OLD"))})
               OR (TG_OP IN ('INSERT', 'UPDATE') AND {_frozen(session_of("NEW"))}) THEN
                {REFUSE}
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS {name} ON {table};
        CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {name}();
    """


def _statements(apps):
    Session = apps.get_model("ctn_sessions", "Session")
    AgendaItem = apps.get_model("ctn_sessions", "AgendaItem")
    Recommendation = apps.get_model("ctn_sessions", "Recommendation")
    MinutesVersion = apps.get_model("reports", "MinutesVersion")
    rapporteurs = Session.rapporteurs.through._meta.db_table
    agenda_tags = AgendaItem.tags.through._meta.db_table
    recommendation_tags = Recommendation.tags.through._meta.db_table
    version_annexes = MinutesVersion.annexes.through._meta.db_table
    agenda_table = AgendaItem._meta.db_table
    recommendation_table = Recommendation._meta.db_table
    triggers = {
        "ctn_rapporteurs_frozen": _session_link(
            "ctn_rapporteurs_frozen", rapporteurs, lambda row: f"{row}.session_id"
        ),
        "ctn_agendaitem_tags_frozen": _session_link(
            "ctn_agendaitem_tags_frozen",
            agenda_tags,
            lambda row: f"(SELECT session_id FROM {agenda_table} WHERE id = {row}.agendaitem_id)",
        ),
        "ctn_recommendation_tags_frozen": _session_link(
            "ctn_recommendation_tags_frozen",
            recommendation_tags,
            lambda row: (
                f"(SELECT session_id FROM {recommendation_table} "
                f"WHERE id = {row}.recommendation_id)"
            ),
        ),
        # A validated version's list of annexes is filled at its validation, then fixed.
        "ctn_version_annexes_fixed": f"""
            CREATE OR REPLACE FUNCTION ctn_version_annexes_fixed() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM reports_minutesversion v
                           WHERE v.id = OLD.minutesversion_id AND v.validated_at IS NOT NULL) THEN
                    RAISE EXCEPTION 'ctn: % on % refused: the version is validated',
                        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS ctn_version_annexes_fixed ON {version_annexes};
            CREATE TRIGGER ctn_version_annexes_fixed BEFORE UPDATE OR DELETE ON {version_annexes}
                FOR EACH ROW EXECUTE FUNCTION ctn_version_annexes_fixed();
        """,
    }
    tables = {
        "ctn_rapporteurs_frozen": rapporteurs,
        "ctn_agendaitem_tags_frozen": agenda_tags,
        "ctn_recommendation_tags_frozen": recommendation_tags,
        "ctn_version_annexes_fixed": version_annexes,
    }
    return triggers, tables


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    triggers, _tables = _statements(apps)
    for sql in triggers.values():
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _triggers, tables = _statements(apps)
    for name, table in tables.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};", params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}();", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_annex_record"),
        ("ctn_sessions", "0007_annex_record"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
