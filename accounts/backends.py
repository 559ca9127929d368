"""Django's model backend, with each user's permissions kept in the shared cache.

Every signed-in page asks for permissions (the header's links), and the model backend answers with two queries per
request. Here one cache round trip answers instead: a user's entry is stored beside a generation token, and any
change to who holds which permission (group membership, a user's or a group's permissions, a deleted group or
permission) writes a new generation, so every entry stored before it is ignored from the next request on.
"""

import secrets

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete

GENERATION_KEY = "accounts:permissions-generation"
ENTRY_TIMEOUT = 24 * 3600


def user_key(user_id: int) -> str:
    return f"accounts:permissions:{user_id}"


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = user_key(user_obj.pk)
        found = cache.get_many([GENERATION_KEY, key])
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
    # Now, so this transaction sees its change, and after commit, so nobody keeps what they read in between.
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None))


def connect_invalidation() -> None:
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"permissions-{through.__name__}")
    for model in (Group, Permission):
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"permissions-delete-{model.__name__}")
