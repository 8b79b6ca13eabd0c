"""The directory searched as one types: the people matching a few letters, as JSON, for the
person picker of the attendance list (static/js/person-picker.js). Editors only, as the
directory itself."""

from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from participants.forms import person_label
from participants.models import Person
from participants.views import require_editor

# Enough to pick from while typing; more letters narrow the list.
MAX_RESULTS = 15
MAX_QUERY_LENGTH = 100


@require_GET
def person_search(request):
    """{"results": [{"id": 12, "label": "Hassane TANGARA (ANAM)"}, …]}: every word typed
    is in the first or last name, the function or the organization's acronym or name."""
    require_editor(request.user)
    words = request.GET.get("q", "")[:MAX_QUERY_LENGTH].replace("\x00", "").split()
    if not words:
        return JsonResponse({"results": []})
    people = Person.objects.select_related("organization")
    for word in words[:5]:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(function__icontains=word)
            | Q(organization__acronym__icontains=word)
            | Q(organization__name__icontains=word)
        )
    return JsonResponse(
        {
            "results": [
                {"id": person.pk, "label": person_label(person)} for person in people[:MAX_RESULTS]
            ]
        }
    )
