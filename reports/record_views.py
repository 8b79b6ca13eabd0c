"""The structured content of a validated compte rendu, as JSON, beside its PDF.

The JSON is the one embedded in the PDF of record at validation (reports/record_data.py), kept
with its version: it never follows later edits. Whoever may download the PDF may download it,
under the same rule: partners only the validated versions of published minutes (404 otherwise).
"""

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from reports.models import Minutes, MinutesVersion


def _version_for_user(user, session_pk, number=None):
    """The validated version (the latest, or `number`) of a session's minutes this user may
    download, with its JSON of record, or 404."""
    versions = (
        MinutesVersion.objects.validated()
        .defer("pdf")
        .filter(minutes__in=Minutes.objects.visible_to(user), minutes__session_id=session_pk)
        .select_related("minutes__session__committee")
    )
    versions = versions.filter(number=number) if number else versions.order_by("-number")
    version = versions.first()
    # Versions validated before the JSON was embedded have none.
    if version is None or not version.record_json:
        raise Http404
    return version


def _json_response(version):
    data = version.record_json.encode()
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{version.reference}.json")
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def minutes_json(request, session_pk):
    return _json_response(_version_for_user(request.user, session_pk))


@require_GET
def version_json(request, session_pk, number):
    return _json_response(_version_for_user(request.user, session_pk, number))
