"""What pacing locks for each learner, read from the shared cache on every gated page.

Every lesson, quiz and lab page asks the gate whether it is locked for the reader. Locks change when an instructor
opens an item (a few times an hour in a workshop), pages are read many times a second: so each learner's locked
items are cached under a *pacing generation* that any change to a lock, a membership or a cohort rewrites. The same
generation is a shared generation of config.reader_pages, so a cached syllabus follows the room too.
"""

import secrets

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from config.reader_pages import generation_bump, register_shared_generation
from config.reader_prefetch import reader_get_many, register_reader_keys

GENERATION_KEY = "workshops:pacing-generation"
ENTRY_TIMEOUT = 6 * 3600


def learner_key(user_id: int) -> str:
    return f"workshops:locked:{user_id}"


def pacing_changed(*args, **kwargs) -> None:
    generation_bump(GENERATION_KEY)


def locked_for(*, user: User) -> frozenset[tuple[int, str, str]]:
    """(course id, kind, slug) locked for this learner in any of their cohorts: one cache round trip when warm."""
    from workshops.models import Lock

    key = learner_key(user.pk)
    found = reader_get_many(user, [GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
        generation = cache.get(GENERATION_KEY)
    entry = found.get(key)
    if entry is not None and generation is not None and entry[0] == generation:
        return entry[1]
    locked = frozenset(
        Lock.objects.filter(cohort__memberships__user=user).values_list("cohort__course_id", "kind", "slug")
    )
    if generation is not None:
        cache.set(key, (generation, locked), timeout=ENTRY_TIMEOUT)
    return locked


def connect() -> None:
    register_shared_generation(GENERATION_KEY)
    register_reader_keys(lambda user_id: [GENERATION_KEY, learner_key(user_id)])
    for model in ("workshops.Lock", "workshops.Membership", "workshops.Cohort"):
        post_save.connect(pacing_changed, sender=model, dispatch_uid=f"pacing-save-{model}")
        post_delete.connect(pacing_changed, sender=model, dispatch_uid=f"pacing-delete-{model}")
