from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ctn.roles import can_edit
from participants.forms import OrganizationForm, PersonForm, ProfileForm
from participants.language import remember_language
from participants.models import Organization, Person, Profile


def require_editor(user):
    """The directory holds phone numbers and e-mails: only the secretariat and coordinator."""
    if not can_edit(user):
        raise PermissionDenied


def organization_list(request):
    require_editor(request.user)
    # Ordered here: Django leaves Meta.ordering out of a query with GROUP BY.
    organizations = Organization.objects.annotate(people_count=Count("people")).order_by("acronym")
    return render(request, "participants/organization_list.html", {"organizations": organizations})


def organization_create(request):
    require_editor(request.user)
    return _edit(request, OrganizationForm, Organization(), "participants:organization_list")


def organization_edit(request, pk):
    require_editor(request.user)
    organization = get_object_or_404(Organization, pk=pk)
    return _edit(request, OrganizationForm, organization, "participants:organization_list")


def person_list(request):
    require_editor(request.user)
    query = request.GET.get("q", "").strip()
    people = Person.objects.select_related("organization")
    if query:
        people = people.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(function__icontains=query)
            | Q(organization__acronym__icontains=query)
        )
    return render(request, "participants/person_list.html", {"people": people, "query": query})


def person_create(request):
    require_editor(request.user)
    return _edit(request, PersonForm, Person(), "participants:person_list")


def person_edit(request, pk):
    require_editor(request.user)
    person = get_object_or_404(Person, pk=pk)
    return _edit(request, PersonForm, person, "participants:person_list")


# The words of the directory's create/edit page, by model: (heading of a new entry, list).
DIRECTORY_LABELS = {
    "organization": (gettext_lazy("New organization"), gettext_lazy("Organizations")),
    "person": (gettext_lazy("New person"), gettext_lazy("People")),
}


def _edit(request, form_class, instance, list_url):
    """Create or change one directory entry, then go back where the user came from."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        adding = instance._state.adding
        saved = form.save()
        if adding:
            message = _("%(object)s has been added.")
        else:
            message = _("%(object)s has been saved.")
        messages.success(request, message % {"object": saved})
        return redirect(next_url or list_url)
    new_label, list_label = DIRECTORY_LABELS[instance._meta.model_name]
    return render(
        request,
        "participants/directory_form.html",
        {
            "form": form,
            "object": instance,
            "heading": instance if instance.pk else new_label,
            "list_label": list_label,
            "list_href": reverse(list_url),
            "next": next_url,
            "cancel_url": next_url or reverse(list_url),
        },
    )


# -- The user's own profile: e-mails and calendar link -------------------------------------------

CALENDAR_LINK_SESSION_KEY = "ctn_new_calendar_link"


@require_http_methods(["GET", "POST"])
def profile(request):
    """The user's preferences: the language of the interface, the e-mails (validated minutes,
    reminders of their organization's recommendations), and the private calendar link.

    A new calendar link is shown once, on the page that follows its creation: only its hash is
    kept (participants.models.Profile).
    """
    user_profile = Profile.for_user(request.user)
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=user_profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        # The next pages, and the messages below, in the language just chosen.
        remember_language(request, form.instance.language)
        if form.instance.notify_minutes:
            messages.success(request, _("You will receive an e-mail when minutes are validated."))
        else:
            messages.success(
                request, _("You will no longer receive an e-mail when minutes are validated.")
            )
        if "remind_recommendations" in form.changed_data:
            if form.instance.remind_recommendations:
                message = _(
                    "You will receive the reminders of your organization's recommendations."
                )
            else:
                message = _(
                    "You will no longer receive the reminders of your organization's "
                    "recommendations."
                )
            messages.success(request, message)
        return redirect("profile")
    return render(
        request,
        "participants/profile.html",
        {
            "form": form,
            "profile": user_profile,
            "new_calendar_link": request.session.pop(CALENDAR_LINK_SESSION_KEY, None),
            "calendar_max_age": settings.CALENDAR_TOKEN_MAX_AGE,
        },
    )


@require_POST
def calendar_link_create(request):
    """Create the calendar link, or replace it: the previous link stops working."""
    token = Profile.for_user(request.user).new_calendar_token()
    query = urlencode({"token": token})
    request.session[CALENDAR_LINK_SESSION_KEY] = f"{settings.SITE_URL}{reverse('calendar')}?{query}"
    messages.success(request, _("Your calendar link has been created. Copy it now."))
    return redirect("profile")


@require_POST
def calendar_link_revoke(request):
    Profile.for_user(request.user).revoke_calendar_token()
    messages.success(request, _("Your calendar link has been revoked: it no longer works."))
    return redirect("profile")
