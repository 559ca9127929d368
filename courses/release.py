"""The content version. Content changes only at release (`load_content`), so whatever is built from it (a rendered
lesson, a course outline) is cached under the version and can never go stale: a release writes a new version to the
shared cache, and every web process sees it on its next request and rebuilds from the database.

The version lives in the shared cache (Redis in production, the database cache by default). If the cache loses it,
the next reader writes a fresh one: that only costs a rebuild, never stale content.
"""

import functools
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, cast

from django.core.cache import cache
from django.db import transaction

from config.reader_prefetch import reader_get_many

VERSION_KEY = "courses:content-version"


def content_version(*, reader=None) -> str:
    """The current content version: one cache round trip (two, the first time after the cache lost it), or none
    for a signed-in `reader`, whose request fetched it with the user (config.reader_prefetch)."""
    version = reader_get_many(reader, [VERSION_KEY]).get(VERSION_KEY) if reader else cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, new_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def new_version() -> str:
    return f"{time.time_ns():x}-{secrets.token_hex(4)}"


def content_version_bump() -> None:
    """Call after changing content. Bumps now, so this transaction reads its own changes, and again after commit:
    a reader that rebuilt from the old rows between the two bumps cached them under a version nobody uses any more."""
    cache.set(VERSION_KEY, new_version(), timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, new_version(), timeout=None))


class ReleaseMemo(Protocol):
    def __call__(self, *args: Any, version: str) -> Any: ...

    def forget(self) -> None: ...


def per_release(builder: Callable) -> ReleaseMemo:
    """Memoise `builder(*args, version=...)` in this process's memory for one content version at a time (the
    builder is given the version too, to build on other per-release values).

    Only what is the same for every reader may be built this way (content, never a learner's progress). The
    entries are dropped as soon as a caller passes another version, so memory holds one release's worth at most.
    """
    entries: dict = {}
    built_for: list[str | None] = [None]
    lock = threading.Lock()

    @functools.wraps(builder)
    def cached(*args, version: str):
        with lock:
            if built_for[0] != version:
                entries.clear()
                built_for[0] = version
            if args in entries:
                return entries[args]
        value = builder(*args, version=version)
        with lock:
            if built_for[0] == version:
                entries[args] = value
        return value

    def forget() -> None:
        """Drop every entry (tests start each as a new process would)."""
        with lock:
            entries.clear()
            built_for[0] = None

    cached.forget = forget  # type: ignore[attr-defined]
    return cast(ReleaseMemo, cached)
