"""The members of a committee: the organizations that sit on it and the person who usually
represents each, from which the attendance list of a new session starts. The secretariat and
the coordinator keep it, as they keep the directory; partners get a 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ctn.roles import can_edit
from sessions import forms
from sessions.models import Committee


def committee_members(request, pk):
    if not can_edit(request.user):
        raise PermissionDenied
    committee = get_object_or_404(Committee, pk=pk)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    data = request.POST if request.method == "POST" else None
    formset = forms.MembershipFormSet(data, instance=committee)
    if data is not None and formset.is_valid():
        try:
            with transaction.atomic():
                formset.save()
        except IntegrityError:
            messages.error(
                request,
                _("Someone else changed the members meanwhile: check the rows and save again."),
            )
        else:
            messages.success(
                request,
                _("The members of %(committee)s have been saved.")
                % {"committee": committee.acronym},
            )
            return redirect(next_url or request.path)
    return render(
        request,
        "sessions/committee_members.html",
        {
            "committee": committee,
            "formset": formset,
            "next": next_url,
            "has_errors": formset.is_bound and not formset.is_valid(),
        },
        status=400 if formset.is_bound else 200,
    )
