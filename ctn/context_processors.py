from ctn import cache
from ctn.roles import can_edit, is_coordinator


def current_user(request):
    """What the header and the pages ask of the logged-in user, read once per page. While a
    page is built to be kept whole (ctn/cache.py), the CSRF token is a placeholder that each
    response replaces with a fresh token."""
    context = {}
    if getattr(request, cache.BUILDING_ATTRIBUTE, False):
        context["csrf_token"] = cache.CSRF_PLACEHOLDER
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        context.update(signed_in=False, can_edit=False, is_coordinator=False, is_staff=False)
        return context
    context.update(
        signed_in=True,
        can_edit=can_edit(user),
        is_coordinator=is_coordinator(user),
        is_staff=user.is_staff,
        display_name=user.get_full_name() or user.get_username(),
    )
    return context
