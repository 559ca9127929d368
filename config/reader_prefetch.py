"""One cache round trip for everything a signed-in request reads about its reader.

A signed-in page reads several small entries from the shared cache: the user row and their permissions
(accounts.backends), the content version (courses.release), the reader's page generations (config.reader_pages),
what pacing locks for them (workshops.pacing_cache). Each read alone is a network round trip. Instead, each owner
registers the keys it will read for a user, and the backend that loads the user fetches them all with its own read,
in one `get_many`; the owners then read through `reader_get_many`, which answers from that prefetch for this request
and goes to the cache for anything it did not fetch. Nothing outlives the request: the prefetch rides on the user
object the request loaded.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache

from config.cache import decode_many, get_many_encoded

KeySource = Callable[[int], list[str]]
_sources: list[KeySource] = []


def register_reader_keys(source: KeySource) -> None:
    """`source(user_id)` names cache keys that requests of that user will read (registered once, in `ready()`)."""
    if source not in _sources:
        _sources.append(source)


def prefetch(user_id: int, *, also: Iterable[str] = ()) -> dict[str, Any]:
    """Read `also` and every registered key of this user in one round trip; returns what was found."""
    keys = [*also, *(key for source in _sources for key in source(user_id))]
    encoded = get_many_encoded(keys)
    found = decode_many(encoded)
    found[_FETCHED] = found[_ASKED] = frozenset(keys)
    found[_ENCODED] = encoded
    return found


def attach(user: Any, found: dict[str, Any]) -> None:
    user._reader_prefetch = found


def reader_get_many(user: Any, keys: list[str]) -> dict[str, Any]:
    """`cache.get_many(keys)`, answered from this request's prefetch when it fetched them all."""
    found = getattr(user, "_reader_prefetch", None)
    if found is not None and found[_FETCHED].issuperset(keys):
        return {key: found[key] for key in keys if key in found}
    return cache.get_many(keys)


def prefetched(user: Any) -> dict[str, Any] | None:
    """Every entry this request's prefetch read, as `config.cache.get_many_encoded` gave it (the very bytes its values
    were decoded from, on Redis), `ABSENT` for those it did not find; None when there was no prefetch or the request
    wrote some of them since (what it read is then no longer what the cache holds)."""
    found = getattr(user, "_reader_prefetch", None)
    if found is None or found[_FETCHED] != found[_ASKED]:
        return None
    encoded = found[_ENCODED]
    return {key: encoded.get(key, ABSENT) for key in found[_ASKED]}


def forget(user: Any, keys: Iterable[str]) -> None:
    """This request wrote these keys: read them from the cache again."""
    found = getattr(user, "_reader_prefetch", None)
    if found is not None:
        found[_FETCHED] = found[_FETCHED].difference(keys)


# Stored beside the found entries: which keys the prefetch asked for (a key asked for and absent is a miss too),
# and which of them the request has not written since.
_ASKED = "\0asked"
_FETCHED = "\0fetched"
_ENCODED = "\0encoded"
# What `prefetched` reports for a key the cache did not have (a string, so it survives pickling as itself).
ABSENT = "\0absent"
