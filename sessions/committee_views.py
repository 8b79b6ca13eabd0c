"""The committees' settings (the coordinator's): name and the form of their documents, with a
preview of the first page's letterhead and title. Others get a 403, as for the history page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ctn import french
from ctn.roles import is_coordinator
from ctn.uploads import limit_upload, upload_refusal
from participants.models import Organization
from sessions import forms
from sessions.models import Committee, Session


def _require_coordinator(user):
    if not is_coordinator(user):
        raise PermissionDenied


@require_GET
def committee_list(request):
    _require_coordinator(request.user)
    return render(request, "sessions/committee_list.html", {"committees": Committee.objects.all()})


@limit_upload("LOGO_MAX_SIZE")
def committee_create(request):
    _require_coordinator(request.user)
    return _edit(request, Committee())


@limit_upload("LOGO_MAX_SIZE")
def committee_edit(request, pk):
    _require_coordinator(request.user)
    return _edit(request, get_object_or_404(Committee, pk=pk))


def _preview(committee):
    """The first page's letterhead and title as the PDF prints them, for an example session."""
    example = Session(
        committee=committee, number=1, kind=Session.Kind.ORDINARY, start_date=timezone.localdate()
    )
    # The document's words, in French whatever the interface's language.
    with translation.override("fr"):
        title = committee.document_title_of(example)
    return {
        "committee": committee,
        "title": title,
        "chaired": committee.presidency == french.Presidency.PRESIDENT,
        "categories": sorted(
            {committee.participant_category(kind) for kind in Organization.Kind.values}
        ),
    }


def _edit(request, committee):
    adding = committee._state.adding
    posted = request.method == "POST"
    form = forms.CommitteeForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=committee,
        refusal=upload_refusal(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                committee = form.save()
                if not adding and "numbering" in form.changed_data:
                    committee.renumber_sessions()
        except IntegrityError:
            form.add_error(
                "numbering",
                _(
                    "Two sessions of this committee would then have the same number: correct "
                    "their numbers first."
                ),
            )
            committee.refresh_from_db()
            return _render(request, form, committee, adding)
        message = (
            _("The committee %(committee)s has been created.")
            if adding
            else _("The committee %(committee)s has been saved.")
        )
        messages.success(request, message % {"committee": committee})
        return redirect("sessions:committee_edit", pk=committee.pk)
    return _render(request, form, committee, adding)


def _render(request, form, committee, adding):
    return render(
        request,
        "sessions/committee_form.html",
        {
            "form": form,
            "committee": None if adding else committee,
            "preview": None if adding else _preview(committee),
        },
        status=400 if form.is_bound else 200,
    )
