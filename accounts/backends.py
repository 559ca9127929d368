"""Django's model backend, with the signed-in user and their permissions kept in the shared cache.

Every signed-in request loads its user, and every page asks for permissions (the header's links): the model backend
answers with three queries. Here one cache round trip answers instead. The user row is cached under its id and
dropped whenever the row is saved or deleted (a password change, a deactivation, a new name), so the session's
auth hash is always checked against the current password. Permissions are stored beside a generation token, and
any change to who holds which permission (group membership, a user's or a group's permissions, a deleted group or
permission) writes a new generation, so every entry stored before it is ignored from the next request on.
"""

import secrets

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from config import reader_prefetch
from config.reader_pages import generation_bump, reader_changed, register_shared_generation

GENERATION_KEY = "accounts:permissions-generation"
ENTRY_TIMEOUT = 24 * 3600
# Short enough that a row changed behind the ORM's back (a raw SQL fix, a restored backup) is read again soon.
USER_TIMEOUT = 300


def user_key(user_id: int) -> str:
    return f"accounts:permissions:{user_id}"


def user_row_key(user_id) -> str:
    return f"accounts:user:{user_id}"


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        """The session's user from the cache, with what the request will read about them in the same round trip
        (config.reader_prefetch): their permissions, page generations, the content version."""
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:  # a session from another user model: signed out, as with ModelBackend
            return None
        found = reader_prefetch.prefetch(user_id, also=[user_row_key(user_id)])
        user = found.get(user_row_key(user_id))
        if user is None:
            user = User._default_manager.filter(pk=user_id).first()
            if user is None:
                return None
            cache.set(user_row_key(user_id), user, timeout=USER_TIMEOUT)
        reader_prefetch.attach(user, found)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = user_key(user_obj.pk)
        found = reader_prefetch.reader_get_many(user_obj, [GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
            generation = cache.get(GENERATION_KEY)
        # The superuser flag is on the user row, loaded afresh each request: an entry from before it changed is stale.
        # So is one of another user who had this id before the database was reset (the cache outlived it).
        stamp = (generation, user_obj.is_superuser, user_obj.date_joined.isoformat())
        entry = found.get(key)
        if entry is not None and entry[0] == stamp:
            user_obj._perm_cache = set(entry[1])
        else:
            user_obj._perm_cache = super().get_all_permissions(user_obj)
            cache.set(key, (stamp, sorted(user_obj._perm_cache)), timeout=ENTRY_TIMEOUT)
        return user_obj._perm_cache


def permissions_changed(action: str = "post_delete", **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear", "post_delete"):
        return
    generation_bump(GENERATION_KEY)


def user_row_changed(sender, instance: User, **kwargs) -> None:
    cache.delete(user_row_key(instance.pk))
    transaction.on_commit(lambda: cache.delete(user_row_key(instance.pk)))
    reader_changed(instance.pk)


def connect_invalidation() -> None:
    # A permission granted to a group changes the header of every member's pages at once.
    register_shared_generation(GENERATION_KEY)
    reader_prefetch.register_reader_keys(lambda user_id: [GENERATION_KEY, user_key(user_id)])
    post_save.connect(user_row_changed, sender=User, dispatch_uid="accounts-user-row-saved")
    post_delete.connect(user_row_changed, sender=User, dispatch_uid="accounts-user-row-deleted")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"permissions-{through.__name__}")
    for model in (Group, Permission):
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"permissions-delete-{model.__name__}")
