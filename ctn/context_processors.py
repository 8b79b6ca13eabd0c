from ctn.roles import can_edit, is_coordinator


def user_roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_edit": False, "is_coordinator": False}
    return {"can_edit": can_edit(user), "is_coordinator": is_coordinator(user)}
