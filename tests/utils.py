import re

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
