"""The partners' portal, the minutes' page, its workflow actions and the PDFs.

Every view starts with one accessor scoped to the user: a compte rendu a partner may not see is
a 404; an action their role does not allow is a 403. Writes go through reports/services.py.
"""

import functools
import logging
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import content_disposition_header, parse_etags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctn import cache
from ctn.roles import can_edit, has_role, is_coordinator
from ctn.uploads import limit_upload, upload_refusal
from reports import audit, completeness, dashboard, history, pdf_store, services
from reports.forms import OriginalScanForm, ReasonForm, ValidateForm, VerifyForm
from reports.models import Minutes, MinutesEvent, MinutesVersion, strong_etag
from reports.pdf import (
    PdfRenderingError,
    minutes_fingerprint,
    render_attendance_sheet_pdf,
    render_convocation_pdf,
    render_minutes_pdf,
)
from reports.templatetags.reports_tags import file_size, french_date
from sessions.exports import session_file_stem
from sessions.models import Session, Tag
from sessions.tag_views import tag_from
from sessions.views import get_session_for_user

logger = logging.getLogger(__name__)

# A page of the portal: light on a mobile link, and the same cost whatever the history.
MINUTES_PER_PAGE = 25


def get_minutes_for_user(user, session_pk):
    """The minutes of a session as this user may see them, or 404.

    Editors see every session's minutes (an unsaved draft if none exist yet); everyone else
    only minutes with at least one validated version.
    """
    if can_edit(user):
        session = get_object_or_404(
            Session.objects.select_related("committee", "minutes"), pk=session_pk
        )
        try:
            return session.minutes
        except Minutes.DoesNotExist:
            return Minutes(session=session)
    return get_object_or_404(
        Minutes.objects.visible_to(user).select_related("session__committee"),
        session_id=session_pk,
    )


def _require_editor(user):
    if not can_edit(user):
        raise PermissionDenied


def _portal_context(request):
    user = request.user
    editor = can_edit(user)
    sessions = Session.objects.select_related("committee", "minutes").prefetch_related(
        Prefetch(
            "minutes__versions",
            MinutesVersion.objects.validated().without_pdf().order_by("-number"),
            to_attr="validated_versions",
        )
    )
    if editor:
        sessions = sessions.filter(Q(status=Session.Status.HELD) | Q(minutes__isnull=False))
    else:
        sessions = sessions.filter(minutes__in=Minutes.objects.visible_to(user))
    page = Paginator(sessions, MINUTES_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for session in page.object_list:
        minutes = getattr(session, "minutes", None)
        versions = minutes.validated_versions if minutes else []
        latest = versions[0] if versions else None
        rows.append(
            {
                "session": session,
                "minutes": minutes,
                "status": minutes.get_status_display() if minutes else Minutes.Status.DRAFT.label,
                "status_value": minutes.status if minutes else Minutes.Status.DRAFT,
                "latest": latest,
                # Worked out once: the dates and the adoption are shown twice (small and large
                # screens).
                "dates": session.date_span,
                "adopted": french_date(latest.adopted_on or latest.validated_at) if latest else "",
                "size": file_size(latest.size) if latest else "",
            }
        )
    # Jinja2 (ctn/jinja2.py): the backend returns a plain string, escaped already.
    rows_html = render_to_string(
        "reports/_portal_rows.html", {"rows": rows, "editor": editor}, request, using="jinja2"
    )
    return {
        "rows": rows,
        "rows_html": mark_safe(rows_html),  # noqa: S308  # nosec B308, B703
        "page": page,
        "editor": editor,
    }


@require_GET
@cache.whole_page
def portal(request):
    """The minutes of the committee, a page at a time."""
    return render(request, "reports/portal.html", _portal_context(request))


def _detail_context(request, minutes, **forms):
    user = request.user
    editor = can_edit(user)
    allowed = minutes.allowed_actions(user)
    context = {
        "minutes": minutes,
        "session": minutes.session,
        "editor": editor,
        "allowed": allowed,
        "versions": [],
        "events": [],
        "reviews": [],
        "annexes": [],
    }
    if editor:
        context["annexes"] = list(minutes.session.annexes.current())
    if minutes.pk:
        versions = minutes.versions.without_pdf().select_related(
            "validated_by", "validated_during__committee", "erratum_opened_by"
        )
        context["versions"] = [v for v in versions if editor or v.is_validated]
        if not editor and context["versions"]:
            # Partners: the annexes of the latest validated version, also during an erratum.
            context["annexes"] = list(context["versions"][0].annexes.all())
        if editor:
            context["events"] = minutes.events.select_related("actor", "during__committee")
    if editor and allowed & {"submit", "validate"}:
        context["gaps"] = completeness.missing_parts(minutes.session)
    if editor:
        context["reviews"] = MinutesEvent.objects.filter(
            during_id=minutes.session_id,
            action__in=[Minutes.Action.VALIDATE, Minutes.Action.POSTPONE],
        ).select_related("minutes__session__committee", "actor")
    if minutes.pk:
        context["original_scan"] = (
            minutes.versions.without_pdf()
            .filter(number=minutes.version, original_scan=True)
            .first()
        )
    if _may_attach_original(user, minutes):
        context["scan_form"] = forms.get("scan_form") or OriginalScanForm()
    if "validate" in allowed:
        context["validate_form"] = forms.get("validate_form") or ValidateForm(
            minutes=minutes, initial={"reviewed": minutes_fingerprint(minutes)}
        )
    if "return" in allowed:
        context["return_form"] = forms.get("return_form") or ReasonForm(action="return")
    if "erratum" in allowed:
        context["erratum_form"] = forms.get("erratum_form") or ReasonForm(action="erratum")
    return context


@require_GET
def detail(request, session_pk):
    minutes = get_minutes_for_user(request.user, session_pk)
    return render(request, "reports/minutes_detail.html", _detail_context(request, minutes))


def _minutes_for_action(request, session_pk, action):
    """The minutes for a workflow action: 404 if unseen, 403 if the role may not do it.

    Minutes not written yet are created only for an action their draft allows (submit): an
    action that will be refused gets them unsaved, so that a refused request creates nothing.
    """
    minutes = get_minutes_for_user(request.user, session_pk)
    if not has_role(request.user, *Minutes.TRANSITIONS[action].roles):
        raise PermissionDenied
    if minutes.pk is None and minutes.can(action, request.user):
        minutes = services.minutes_for(minutes.session)
    return minutes


def _refused(request, minutes, error):
    messages.error(request, error.message)
    return redirect(minutes.get_absolute_url())


@require_POST
def submit(request, session_pk):
    minutes = _minutes_for_action(request, session_pk, Minutes.Action.SUBMIT)
    try:
        services.submit(minutes, request.user)
    except services.MinutesError as error:
        return _refused(request, minutes, error)
    messages.success(request, _("The minutes were submitted to the coordinator for validation."))
    return redirect(minutes.get_absolute_url())


def _may_attach_original(user, minutes):
    """Earlier minutes: an editor may attach the signed original while they are a draft never
    validated, of a session already held (services.attach_original_scan says why not)."""
    return (
        can_edit(user)
        and minutes.status == Minutes.Status.DRAFT
        and minutes.session.end_date <= timezone.localdate()
        and not (minutes.pk and minutes.versions.validated().exists())
    )


@require_POST
@limit_upload("VERIFY_MAX_SIZE")
def attach_original(request, session_pk):
    """The secretariat records earlier minutes kept on paper: the scan of the signed original
    becomes the file of the version in draft (services.attach_original_scan)."""
    minutes = get_minutes_for_user(request.user, session_pk)
    _require_editor(request.user)
    form = OriginalScanForm(request.POST, request.FILES, refusal=upload_refusal(request))
    if not form.is_valid():
        context = _detail_context(request, minutes, scan_form=form)
        return render(request, "reports/minutes_detail.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        services.attach_original_scan(
            services.minutes_for(minutes.session), request.user, upload.read()
        )
    except services.MinutesError as error:
        return _refused(request, minutes, error)
    messages.success(
        request,
        _(
            "The signed original is attached. Submit the minutes: the coordinator records when "
            "and how the committee adopted them."
        ),
    )
    return redirect(minutes.get_absolute_url())


@require_POST
def validate(request, session_pk):
    minutes = _minutes_for_action(request, session_pk, Minutes.Action.VALIDATE)
    try:
        services.check_action(minutes, Minutes.Action.VALIDATE, request.user)
    except services.MinutesError as error:
        messages.error(request, error.message)
        return render(request, "reports/minutes_detail.html", _detail_context(request, minutes))
    form = ValidateForm(request.POST, minutes=minutes)
    if not form.is_valid():
        context = _detail_context(request, minutes, validate_form=form)
        return render(request, "reports/minutes_detail.html", context, status=400)
    outcome = form.cleaned_data["outcome"]
    try:
        version = services.validate(
            minutes,
            request.user,
            outcome=outcome,
            validated_during=form.cleaned_data["validated_during"],
            amendments=form.cleaned_data["amendments"],
            reviewed=form.cleaned_data["reviewed"],
            adoption_mode=form.cleaned_data["adoption_mode"] or None,
            adopted_on=form.cleaned_data["adopted_on"],
        )
    except services.MinutesChanged as error:
        # Shown with a fresh review form: the coordinator reads the new preview first.
        preview = reverse("reports:preview_pdf", args=[session_pk])
        messages.error(
            request,
            format_html('{} <a href="{}">{}</a>', error.message, preview, _("New preview (PDF)")),
        )
        return redirect(minutes.get_absolute_url())
    except services.MinutesError as error:
        # Nothing changed: show the page again with what the coordinator typed.
        messages.error(request, error.message)
        context = _detail_context(request, minutes, validate_form=form)
        return render(request, "reports/minutes_detail.html", context)
    if version is None:
        messages.warning(request, _("The postponement of the validation was recorded."))
    else:
        messages.success(
            request,
            _("The minutes are validated: version %(number)s is now the record.")
            % {"number": version.number},
        )
    return redirect(minutes.get_absolute_url())


def _reason_action(request, session_pk, action, service, done_message):
    minutes = _minutes_for_action(request, session_pk, action)
    form = ReasonForm(request.POST, action=str(action))
    if not form.is_valid():
        if str(action) not in minutes.allowed_actions(request.user):
            # The form is not on the page then: say why the action is not possible.
            try:
                services.check_action(minutes, action, request.user)
            except services.MinutesError as error:
                messages.error(request, error.message)
        context = _detail_context(request, minutes, **{f"{action}_form": form})
        return render(request, "reports/minutes_detail.html", context, status=400)
    try:
        # Whether the action is possible at all (minutes not written yet never are), before
        # the service locks them.
        services.check_action(minutes, action, request.user)
        service(minutes, request.user, form.cleaned_data["reason"])
    except services.MinutesError as error:
        return _refused(request, minutes, error)
    messages.success(request, done_message)
    return redirect(minutes.get_absolute_url())


@require_POST
def return_to_draft(request, session_pk):
    return _reason_action(
        request,
        session_pk,
        Minutes.Action.RETURN,
        services.return_to_draft,
        _("The minutes were returned to the secretariat."),
    )


@require_POST
def open_erratum(request, session_pk):
    return _reason_action(
        request,
        session_pk,
        Minutes.Action.ERRATUM,
        services.open_erratum,
        _("An erratum is open: the session can be corrected, then the new version validated."),
    )


@functools.lru_cache(maxsize=512)
def _content_disposition(attachment, filename):
    """Quoted once per worker and file name: every download of a version has the same."""
    return content_disposition_header(attachment, filename)


def _pdf_response(pdf, filename, *, attachment):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = _content_disposition(attachment, filename)
    response["Content-Length"] = str(len(pdf))
    return response


def _validated_versions(session_pk):
    """The validated versions of a session's minutes, with what their file name needs.

    A validated version is published: every role that may log in may download it, so no
    visibility check beyond this filter is needed (no version, no file: 404).
    """
    return (
        MinutesVersion.objects.validated()
        .select_related("minutes__session__committee")
        .filter(minutes__session_id=session_pk)
    )


# What a download reads of a version: its fingerprint and what its file name is made of. Never
# the PDF bytes: reports/pdf_store.py reads them, from its disk copy when it can.
DOWNLOAD_FIELDS = (
    "number",
    "sha256",
    "minutes__session__number",
    "minutes__session__kind",
    "minutes__session__committee__acronym",
)


@dataclass(frozen=True)
class PublishedVersion:
    """What a download needs of a validated version: all of it fixed once validated."""

    pk: int
    number: int
    sha256: str
    filename: str

    @property
    def etag(self):
        return strong_etag(self.sha256)


def _published_version(session_pk, number=None):
    """The validated version of a session's minutes to serve (the latest, or `number`), or 404.

    A validated version never changes, so what a download needs of it is read once and kept in
    the shared cache; a validation forgets which version is the latest (services.validate). A
    download then reads no database row.
    """

    def read():
        versions = _validated_versions(session_pk)
        versions = versions.filter(number=number) if number else versions.order_by("-number")
        version = versions.only(*DOWNLOAD_FIELDS).first()
        if version is None:
            return None
        return PublishedVersion(version.pk, version.number, version.sha256, version.filename)

    # The file name is translated.
    parts = pdf_store.published_parts(session_pk, number, translation.get_language())
    published = cache.kept(cache.DOWNLOAD, parts, read)
    if published is None:
        raise Http404
    return published


def _serve_version(request, session_pk, number=None):
    """A validated PDF with a strong ETag, checked against its SHA-256 and logged.

    A conditional request whose ETag matches is answered 304. Otherwise the bytes come from
    pdf_store.verified_pdf_bytes (checked against their SHA-256) and the download is logged.
    """
    version = _published_version(session_pk, number)
    # From META: request.headers would build the dict of every header for this one.
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        etags = parse_etags(if_none_match)
        if version.etag in etags or "*" in etags:
            response = HttpResponseNotModified()
            response["ETag"] = version.etag
            return response
    pdf = pdf_store.verified_pdf_bytes(version)
    if pdf is None:
        return _altered_pdf(request, version)
    services.log_download(version, request.user)
    response = _pdf_response(pdf, version.filename, attachment=True)
    response["ETag"] = version.etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _altered_pdf(request, version):
    """The stored bytes no longer match the fingerprint recorded at validation: never serve
    them; say so, and leave the event in the audit trail for the administrator."""
    logger.error("Stored PDF of minutes version %s does not match its SHA-256", version.pk)
    audit.record_altered_pdf(version, audit.session_id_of(request), request, status=409)
    response = render(request, "reports/pdf_altered.html", {"version": version}, status=409)
    response.audit_recorded = True
    return response


@require_GET
def minutes_pdf(request, session_pk):
    return _serve_version(request, session_pk)


@require_GET
def version_pdf(request, session_pk, number):
    return _serve_version(request, session_pk, number)


@require_GET
def preview_pdf(request, session_pk):
    minutes = get_minutes_for_user(request.user, session_pk)
    _require_editor(request.user)
    try:
        pdf = render_minutes_pdf(minutes, record=False)
    except PdfRenderingError:
        messages.error(request, _("The preview could not be produced. Tell the administrator."))
        return redirect("reports:detail", session_pk=session_pk)
    session = minutes.session
    suffix = _("draft-minutes")
    filename = f"{session_file_stem(session)}-{suffix}.pdf"
    response = _pdf_response(pdf, filename, attachment=False)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def attendance_pdf(request, session_pk):
    minutes = get_minutes_for_user(request.user, session_pk)
    _require_editor(request.user)
    session = minutes.session
    try:
        pdf = render_attendance_sheet_pdf(session)
    except PdfRenderingError:
        messages.error(request, _("The attendance sheet could not be produced."))
        return redirect("reports:detail", session_pk=session_pk)
    suffix = _("attendance-sheet")
    filename = f"{session_file_stem(session)}-{suffix}.pdf"
    response = _pdf_response(pdf, filename, attachment=True)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def convocation_pdf(request, session_pk):
    """The convocation of a session. The secretariat and the coordinator get it for any session;
    partners, being members invited to the sessions, for the planned ones (and for those whose
    minutes they may read); any other session is a 404 to them, as elsewhere."""
    sessions = Session.objects.select_related("committee")
    if not can_edit(request.user):
        # Printed from the session's live content: for partners only while that content is
        # the validated record (never during an erratum), or for a planned session.
        sessions = sessions.filter(
            Q(status=Session.Status.PLANNED) | Q(pk__in=Session.objects.validated())
        )
    session = get_object_or_404(sessions, pk=session_pk)
    try:
        pdf = render_convocation_pdf(session)
    except PdfRenderingError:
        messages.error(request, _("The convocation could not be produced. Tell the administrator."))
        return redirect("home")
    filename = f"{session_file_stem(session)}-{pgettext('file name', 'convocation')}.pdf"
    response = _pdf_response(pdf, filename, attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
@limit_upload("VERIFY_MAX_SIZE")
def verify(request):
    """Anyone holding a PDF (or its printed fingerprint) checks it is an authentic version.
    A file over VERIFY_MAX_SIZE is refused before it is read (413)."""
    digest = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES, refusal=upload_refusal(request))
    elif "sha256" in request.GET:
        form = VerifyForm(request.GET)
    else:
        form = VerifyForm()
    if form.is_bound and form.is_valid():
        digest = form.digest()
    matches = []
    if digest:
        matches = list(
            MinutesVersion.objects.validated()
            .without_pdf()
            .filter(Q(sha256=digest) | Q(content_sha256=digest))
            .select_related("minutes__session__committee", "validated_by", "validated_during")
        )
    status = 400 if form.is_bound and not form.is_valid() else 200
    if form.refusal is not None:
        status = 413
    return render(
        request,
        "reports/verify.html",
        {"form": form, "digest": digest, "matches": matches, "checked": digest is not None},
        status=status,
    )


# -- The dashboard and a session's history: pages that read the minutes with the sessions ----


@cache.whole_page
def home(request):
    """The dashboard: quarters, next session, minutes waiting, open recommendations by
    organization, attendance. Partners see only what concerns validated minutes."""
    today = timezone.localdate()
    tags = list(Tag.objects.all())
    tag, tag_error = tag_from(request, tags)
    if tag_error:
        messages.warning(request, tag_error)
    context = {
        "today": today,
        **dashboard.figures(request.user, today, tag),
        "tags": tags,
        "tag": tag,
    }
    html = dashboard.body_html(request, context)
    return render(request, "home.html", {**context, "dashboard_html": html})


@require_GET
def session_history(request, pk):
    """ "Historique": every change of the session and of what is recorded under it, its
    minutes' workflow, the downloads of its PDFs and the refusals met on it, newest first.
    The coordinator's oversight: other roles are refused."""
    session = get_session_for_user(request.user, pk)
    if not is_coordinator(request.user):
        raise PermissionDenied
    page = Paginator(history.session_history(session), 50).get_page(request.GET.get("page"))
    return render(request, "reports/session_history.html", {"session": session, "page": page})
