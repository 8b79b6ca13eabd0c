"""The tags' pages (editors only), and the ?tag= filter other pages read."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ctn.roles import can_edit
from sessions import forms
from sessions.models import AgendaItem, Recommendation, Tag


def tag_from(request, tags):
    """The tag asked by ?tag=<pk> among `tags` (a list read once), None, or an error."""
    value = request.GET.get("tag", "").strip()
    if not value:
        return None, ""
    tag = next((t for t in tags if str(t.pk) == value), None)
    if tag is None:
        return None, _("This tag does not exist; the results are not filtered by tag.")
    return tag, ""


def _require_editor(user):
    if not can_edit(user):
        raise PermissionDenied


def tag_list(request):
    _require_editor(request.user)
    tags = Tag.objects.annotate(
        agenda_item_count=Subquery(
            AgendaItem.tags.through.objects.filter(tag_id=OuterRef("pk"))
            .values("tag_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        recommendation_count=Subquery(
            Recommendation.tags.through.objects.filter(tag_id=OuterRef("pk"))
            .values("tag_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    )
    return render(request, "sessions/tag_list.html", {"tags": tags})


def tag_create(request):
    _require_editor(request.user)
    return _edit_tag(request, Tag())


def tag_edit(request, pk):
    _require_editor(request.user)
    return _edit_tag(request, get_object_or_404(Tag, pk=pk))


def _edit_tag(request, tag):
    adding = tag._state.adding
    form = forms.TagForm(request.POST if request.method == "POST" else None, instance=tag)
    if request.method == "POST" and form.is_valid():
        tag = form.save()
        message = (
            _("The tag %(tag)s has been created.")
            if adding
            else _("The tag %(tag)s has been saved.")
        )
        messages.success(request, message % {"tag": tag})
        return redirect("sessions:tag_list")
    return render(
        request,
        "sessions/tag_form.html",
        {"form": form, "tag": None if adding else tag},
        status=400 if form.is_bound else 200,
    )
