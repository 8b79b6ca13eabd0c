"""The annexes' pages: the list with its upload form, the download, the deletion."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ctn.roles import can_edit
from ctn.uploads import limit_upload, upload_refusal
from sessions import annexes, forms
from sessions.models import Annex, SessionFrozen
from sessions.views import get_session_for_user

logger = logging.getLogger(__name__)


@limit_upload("ANNEX_MAX_SIZE")
def annex_list(request, pk):
    """The annexes of a session, and the upload form (secretariat and coordinator).

    A file over the limit is refused before it is read (413); a file the disk cannot hold
    leaves nothing behind and answers the French 503 page."""
    if not can_edit(request.user):
        raise PermissionDenied
    session = get_session_for_user(request.user, pk)
    refusal = session.edit_refusal
    frozen = refusal is not None
    form = None if frozen else forms.AnnexForm(session=session)
    if request.method == "POST":
        if frozen:
            messages.error(request, str(refusal))
            return redirect("sessions:annexes", pk=pk)
        form = forms.AnnexForm(
            request.POST, request.FILES, session=session, refusal=upload_refusal(request)
        )
        if form.is_valid():
            try:
                annex = annexes.add_annex(
                    form.instance,
                    form.cleaned_data["file"],
                    content_type=form.detected_content_type,
                    user=request.user,
                )
            except SessionFrozen as refused:
                messages.error(request, str(refused))
                return redirect("sessions:annexes", pk=pk)
            except OSError:
                # Disk full or failing: add_annex removed what it had written.
                logger.exception("The annex for session %s could not be stored", session.pk)
                message = _(
                    "The file could not be stored: the server's disk is full or unavailable. "
                    "Nothing was saved. Try again later, or tell the administrator."
                )
                return render(request, "503.html", {"message": message}, status=503)
            messages.success(request, _("The annex “%(title)s” has been added.") % {"title": annex})
            return redirect("sessions:annexes", pk=pk)
    status = 200
    if form is not None and form.is_bound:
        status = 413 if form.refusal is not None else 400
    return render(
        request,
        "sessions/annex_list.html",
        {
            "session": session,
            "annexes": session.annexes.select_related("agenda_item", "uploaded_by"),
            "form": form,
            "frozen_message": str(refusal) if frozen else "",
        },
        status=status,
    )


@require_GET
def annex_download(request, pk, annex_pk):
    """An annex file, under the minutes' rule: partners only once the minutes are published."""
    annex = get_object_or_404(Annex.objects.visible_to(request.user), pk=annex_pk, session_id=pk)
    try:
        file = annex.file.open("rb")
    except OSError:
        logger.exception("Annex file %s is missing from the storage", annex.file.name)
        raise Http404 from None
    response = FileResponse(
        file, as_attachment=True, filename=annex.download_name, content_type=annex.content_type
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@require_POST
def annex_delete(request, pk, annex_pk):
    if not can_edit(request.user):
        raise PermissionDenied
    annex = get_object_or_404(Annex, pk=annex_pk, session_id=pk)
    try:
        withdrawn = annexes.delete_annex(annex)
    except SessionFrozen as refused:
        messages.error(request, str(refused))
    else:
        if withdrawn:
            message = _(
                "The annex “%(title)s” is withdrawn from the next version of the minutes; its "
                "file stays for the validated versions that list it."
            )
        else:
            message = _("The annex “%(title)s” has been deleted.")
        messages.success(request, message % {"title": annex})
    return redirect("sessions:annexes", pk=pk)
