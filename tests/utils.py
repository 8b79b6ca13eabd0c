import re
from contextlib import contextmanager
from urllib.parse import quote

from django.core.signals import request_finished
from django.db import close_old_connections


def close_response(response):
    """Close a test response without dropping the database connection.

    Closing a response sends request_finished, whose close_old_connections would close a
    PostgreSQL connection held inside a module-wide transaction (autocommit off). Django's test
    client disconnects it around its own close; do the same for the closes our tests make.
    """
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def csrf_token(response):
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def reviewed(session_or_minutes):
    """The fingerprint the review page carries (its hidden field "reviewed"), as the
    coordinator would post it back with a validation."""
    from reports.models import Minutes
    from reports.pdf import minutes_fingerprint

    minutes = session_or_minutes
    if not isinstance(minutes, Minutes):
        minutes = Minutes.objects.get(session=session_or_minutes)
    return minutes_fingerprint(minutes)


@contextmanager
def empty_database(tmp_path, suffix):
    """The DATABASE_URL of a new empty database of the same kind as the test database: a file
    under `tmp_path` on SQLite, `<test database>_<suffix>` on PostgreSQL (dropped afterwards)."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
        return
    import psycopg2
    from psycopg2 import sql

    name = f"{params['NAME']}_{suffix}"[:63]
    admin = psycopg2.connect(
        dbname="postgres",
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    try:
        yield f"postgres://{credentials}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()
