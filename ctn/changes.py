"""Stamps of the latest change of some models, to key cached pages and figures.

Every save and delete of an audited model writes a row of its django-simple-history trail, so
the latest id of those trails changes whenever one of their rows changes. Reading them costs one
query on primary-key indexes, whatever the size of the history.
"""

from django.db import connection


def latest_change(*models):
    """A short string that changes whenever a row of one of `models` (audited) is written."""
    quote = connection.ops.quote_name
    tables = [quote(model.history.model._meta.db_table) for model in models]
    # Table names come from the models' meta, never from input.
    columns = ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + columns)
        row = cursor.fetchone()
    return ".".join(str(value or 0) for value in row)
