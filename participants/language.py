"""The language of the interface: the one chosen on the profile, else the browser's.

Django's LocaleMiddleware picks the browser's language (Accept-Language). The language chosen on
the profile is copied into the user's session when they log in and when they change it, and
`ProfileLanguageMiddleware` activates it from there: the session is read on every request
anyway, so the choice costs no query. Another browser already logged in follows the change at
its next log-in.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.utils import translation

SESSION_KEY = "ctn_language"


def remember_language(request, language):
    """Keep `language` (a code of settings.LANGUAGES, or "" for the browser's) for the rest of
    the session, and use it for what remains of this request."""
    if language in dict(settings.LANGUAGES):
        request.session[SESSION_KEY] = language
        translation.activate(language)
        request.LANGUAGE_CODE = language
    else:
        request.session.pop(SESSION_KEY, None)


def _logged_in(sender, request, user, **kwargs):
    from participants.models import Profile

    if request is None or not hasattr(request, "session"):
        return
    language = Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""
    remember_language(request, language)


def connect_signals():
    user_logged_in.connect(_logged_in, dispatch_uid="ctn-profile-language")


class ProfileLanguageMiddleware:
    """After the session and LocaleMiddleware: the profile's language, when the user chose one,
    wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
