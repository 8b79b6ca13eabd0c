"""Uploads refused before their body is read.

A file larger than its limit is refused from the request's Content-Length, before a byte of the
body is read: Django would otherwise stream all of it to a temporary file first, anonymous
requests to the verification page included. UploadLimitHandler, first of
FILE_UPLOAD_HANDLERS, does it for every multipart request (limit: settings.ANNEX_MAX_SIZE, the
largest file the application takes); the views that take a file set their own limit with
@limit_upload and show their form again with the error (UploadRefusalMixin). Form fields
without files stay capped by DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

# What a body may hold besides its file: the form's other fields and the multipart headers.
FIELDS_MARGIN = 256 * 1024


def upload_limit(request):
    """The largest file this request may carry, in bytes: that of the view it goes to
    (@limit_upload), known from the URL before anything reads the body, else the annexes'."""
    view = getattr(getattr(request, "resolver_match", None), "func", None)
    setting = getattr(view, "upload_limit_setting", None)
    return getattr(settings, setting) if setting else settings.ANNEX_MAX_SIZE


def _body_too_large(request, content_length):
    return content_length > upload_limit(request) + FIELDS_MARGIN


def _refuse(request):
    request.upload_refused = upload_limit(request)


def upload_refusal(request):
    """The French error of a request whose file was refused for its size, or None."""
    limit = getattr(request, "upload_refused", None)
    if limit is None:
        return None
    return forms.ValidationError(
        _("The file exceeds the maximum size of %(limit)s: it was not received."),
        code="too_large",
        params={"limit": filesizeformat(limit)},
    )


class UploadLimitHandler(FileUploadHandler):
    """Refuses a multipart body over the request's limit unread (empty POST and FILES), and
    stops reading a file that grows beyond it (a body sent without Content-Length)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if _body_too_large(self.request, content_length):
            _refuse(self.request)
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > upload_limit(self.request):
            _refuse(self.request)
            # Nothing more is read: the client's connection is closed after the answer.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers (memory, temporary file) keep the file


def limit_upload(setting):
    """For a view taking a file of at most settings.<setting> bytes.

    The limit is read by UploadLimitHandler from the view the URL resolves to, before the CSRF
    check reads the body. A body whose Content-Length is over the limit is not read at all: its
    CSRF token is then missing and the check refuses the request, with the French "file too
    large" page (ctn.views.csrf_failure, status 413); nothing is changed. A file that grows past
    the limit while it is read (no Content-Length) is cut: the view gets `upload_refusal()` and
    shows its form again (UploadRefusalMixin).
    """

    def decorator(view):
        view.upload_limit_setting = setting
        return view

    return decorator


class UploadRefusalMixin:
    """A form whose request had its file refused for its size (`refusal`, from
    upload_refusal()): invalid, with that one error on `upload_field`."""

    upload_field = "file"

    def __init__(self, *args, refusal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def full_clean(self):
        if self.refusal is None:
            return super().full_clean()
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(self.upload_field, self.refusal)
        return None
