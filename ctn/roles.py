"""The three roles of the application, held as Django groups.

Views ask these helpers rather than group names so that a role check reads the same everywhere.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from ctn import cache


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner")


# Model permissions each role gets, as "app_label.model": actions. Partners only read.
ROLE_PERMISSIONS = {
    Role.SECRETARIAT: {
        "participants.organization": ("add", "change", "delete", "view"),
        "participants.person": ("add", "change", "delete", "view"),
        "participants.attendance": ("add", "change", "delete", "view"),
        "ctn_sessions.committee": ("view",),
        "ctn_sessions.session": ("add", "change", "delete", "view"),
        "ctn_sessions.cochair": ("add", "change", "delete", "view"),
        "ctn_sessions.agendaitem": ("add", "change", "delete", "view"),
        "ctn_sessions.intervention": ("add", "change", "delete", "view"),
        "ctn_sessions.expectedresult": ("add", "change", "delete", "view"),
        "ctn_sessions.recommendation": ("add", "change", "delete", "view"),
    },
    Role.COORDINATOR: {
        "participants.organization": ("add", "change", "delete", "view"),
        "participants.person": ("add", "change", "delete", "view"),
        "participants.attendance": ("add", "change", "delete", "view"),
        "ctn_sessions.committee": ("add", "change", "view"),
        "ctn_sessions.session": ("add", "change", "delete", "view"),
        "ctn_sessions.cochair": ("add", "change", "delete", "view"),
        "ctn_sessions.agendaitem": ("add", "change", "delete", "view"),
        "ctn_sessions.intervention": ("add", "change", "delete", "view"),
        "ctn_sessions.expectedresult": ("add", "change", "delete", "view"),
        "ctn_sessions.recommendation": ("add", "change", "delete", "view"),
    },
    Role.PARTNER: {
        "ctn_sessions.committee": ("view",),
        "ctn_sessions.session": ("view",),
    },
}

EDITOR_ROLES = (Role.SECRETARIAT, Role.COORDINATOR)


def user_roles(user):
    """The set of role names of a user, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_ctn_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._ctn_roles = cached
    return cached


class RolesModelBackend(ModelBackend):
    """Django's user-name and password backend, whose `get_user` also reads the user's roles.

    `get_user` runs on every request to find the logged-in user. The user and their roles are
    read in one plain query (an ORM query with a subquery per role cost several times more to
    build than to run), then kept (ctn/cache.py, USER), so that a page usually makes no query
    for them. Every write through the application that could change what is kept (the user
    saved or deleted, their groups changed, a group renamed or deleted) drops the kept copy
    (`forget_cached_user` and the signal handlers below).
    """

    def get_user(self, user_id):
        return cache.kept(cache.USER, (CACHED_USER_FORMAT, user_id), lambda: self._read(user_id))

    def _read(self, user_id):
        user = _user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


# Bump when the User model or what get_user sets on it changes shape.
CACHED_USER_FORMAT = 1


def forget_cached_user(*user_ids):
    """Drop the cached copy of these users now and at commit (ctn/cache.py)."""
    cache.forget(cache.USER, *((CACHED_USER_FORMAT, pk) for pk in user_ids if pk is not None))


def _user_with_roles(user_pk):
    """The user, with its `_ctn_roles` set, or None: one row per group of the user."""
    UserModel = get_user_model()
    try:
        user_pk = UserModel._meta.pk.to_python(user_pk)
    except ValidationError:
        return None
    membership = UserModel.groups.through._meta
    group = membership.get_field("group").related_model._meta
    quote = connection.ops.quote_name
    sql = (
        f"SELECT u.*, g.{quote('name')} AS ctn_role FROM {quote(UserModel._meta.db_table)} u "  # noqa: S608  # nosec B608
        f"LEFT JOIN {quote(membership.db_table)} m ON m.{quote('user_id')} = u.{quote('id')} "
        f"LEFT JOIN {quote(group.db_table)} g ON g.{quote('id')} = m.{quote('group_id')} "
        f"WHERE u.{quote(UserModel._meta.pk.column)} = %s"
    )
    rows = list(UserModel._default_manager.raw(sql, [user_pk]))
    if not rows:
        return None
    user = rows[0]
    user._ctn_roles = frozenset(row.ctn_role for row in rows if row.ctn_role is not None)
    del user.ctn_role
    return user


def has_role(user, *roles):
    return bool(user_roles(user) & {str(role) for role in roles})


def can_edit(user):
    """Secretariat and coordinator record sessions; partners never edit."""
    return has_role(user, *EDITOR_ROLES)


def is_coordinator(user):
    return has_role(user, Role.COORDINATOR)


def sync_role_permissions(apps=None, using="default"):
    """Create the three groups and give each exactly the permissions of ROLE_PERMISSIONS.

    Used by the data migration and again by later migrations when models are added. With
    `apps` from a migration it works on the historical models.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=str(role))
        wanted = []
        for model_key, actions in grants.items():
            app_label, model_name = model_key.split(".")
            for action in actions:
                perm = (
                    Permission.objects.using(using)
                    .filter(content_type__app_label=app_label, codename=f"{action}_{model_name}")
                    .first()
                )
                if perm is not None:
                    wanted.append(perm)
        group.permissions.set(wanted)


# -- keeping the cached users true ------------------------------------------------------------


def _user_saved_or_deleted(sender, instance, **kwargs):
    forget_cached_user(instance.pk)


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """user.groups.add/remove/clear, and group.user_set.add/remove/clear."""
    if not reverse:  # instance is a user
        if action in {"post_add", "post_remove", "post_clear"}:
            forget_cached_user(instance.pk)
        return
    if action in {"post_add", "post_remove"}:
        forget_cached_user(*(pk_set or ()))
    elif action == "pre_clear":
        forget_cached_user(*instance.user_set.values_list("pk", flat=True))


def _group_changed(sender, instance, **kwargs):
    """A group renamed or deleted changes the roles of all its members."""
    if instance.pk is not None:
        forget_cached_user(*instance.user_set.values_list("pk", flat=True))


def connect_signals():
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    UserModel = get_user_model()
    post_save.connect(_user_saved_or_deleted, sender=UserModel, dispatch_uid="ctn-user-saved")
    post_delete.connect(_user_saved_or_deleted, sender=UserModel, dispatch_uid="ctn-user-deleted")
    m2m_changed.connect(
        _groups_changed, sender=UserModel.groups.through, dispatch_uid="ctn-user-groups"
    )
    post_save.connect(_group_changed, sender=Group, dispatch_uid="ctn-group-saved")
    pre_delete.connect(_group_changed, sender=Group, dispatch_uid="ctn-group-deleted")
