from django.shortcuts import get_object_or_404, render

from sessions.models import Session


def home(request):
    sessions = Session.objects.select_related("committee")
    return render(
        request,
        "home.html",
        {
            "next_session": sessions.filter(status=Session.Status.PLANNED)
            .order_by("start_date")
            .first(),
            "latest_sessions": sessions.filter(status=Session.Status.HELD)[:5],
        },
    )


def session_list(request):
    sessions = Session.objects.select_related("committee")
    return render(request, "sessions/session_list.html", {"sessions": sessions})


def session_detail(request, pk):
    session = get_object_or_404(Session.objects.with_sections(), pk=pk)
    return render(request, "sessions/session_detail.html", {"session": session})
