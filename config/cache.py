"""Django's Redis cache, for which an unreachable Redis is a miss, not an error page.

Everything the site keeps in the cache can be rebuilt (content versions, rendered pages, permissions, rate-limit
counts) or lives in the database too (cached_db sessions). So while Redis restarts, reads miss and writes are
dropped, each logged, and the site keeps answering from the database.
"""

import functools
import logging
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Each operation of the cache API, and what it answers when Redis cannot be reached.
WHEN_UNREACHABLE: dict[str, object] = {
    "get": None,
    "get_many": {},
    "has_key": False,
    "set": None,
    "set_many": [],
    "add": False,
    "incr": 0,
    "touch": False,
    "delete": False,
    "delete_many": None,
    "clear": False,
}


def _missing_on_outage(name: str, fallback):
    operation = getattr(RedisCache, name)

    @functools.wraps(operation)
    def guarded(self, *args, **kwargs):
        try:
            return operation(self, *args, **kwargs)
        except UNREACHABLE:
            log.warning("cache unreachable, %s skipped", name)
            # get(key, default) answers its own default, as a miss would.
            return args[1] if name == "get" and len(args) > 1 else kwargs.get("default", fallback)

    return guarded


# incr's contract (ValueError for a missing key, never create one) in one round trip, and atomic: Django's client
# asks EXISTS, then INCRBY, and a key that expires in between comes back as a counter without an expiry.
INCR_EXISTING = """
if redis.call('exists', KEYS[1]) == 0 then return false end
return redis.call('incrby', KEYS[1], ARGV[1])
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new `redis.Redis` for every cache operation, and each one copies about 170 response callbacks:
    a tenth of a millisecond per operation on pages that make four or five. One client per connection pool does the
    same work; a client is safe to share, as it takes a connection from its pool for each command."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._incr_scripts: dict[int, Script] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        script = self._incr_scripts.get(id(client))
        if script is None:
            script = self._incr_scripts[id(client)] = client.register_script(INCR_EXISTING)
        value = script(keys=[key], args=[delta])  # EVALSHA: the script's text is sent once per Redis server
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def get_many_encoded(self, keys: list[str]) -> dict[str, bytes]:
        """Each entry found, as Redis holds it (pickled bytes, or an integer's digits), not decoded: a caller that
        only asks whether entries are unchanged compares these at no unpickling cost (config.session_pages)."""
        try:
            client = self._cache.get_client()  # type: ignore[attr-defined]  # Django's client, not in the stubs
            values = client.mget([self.make_key(key) for key in keys])
        except UNREACHABLE:
            log.warning("cache unreachable, get_many_encoded skipped")
            return {}
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}

    def decode(self, encoded: bytes):
        """The value an entry from `get_many_encoded` holds."""
        return self._cache._serializer.loads(encoded)  # type: ignore[attr-defined]


for _name, _fallback in WHEN_UNREACHABLE.items():
    setattr(ResilientRedisCache, _name, _missing_on_outage(_name, _fallback))


def get_many_encoded(keys: list[str]) -> dict[str, Any]:
    """The default cache's entries found, in the form cheapest to tell unchanged: as Redis holds them (bytes) on
    Redis, the values themselves on any other backend. `decode` gives the value of either."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, ResilientRedisCache):
        return backend.get_many_encoded(keys)
    return backend.get_many(keys)


def decode_many(encoded: dict[str, Any]) -> dict[str, Any]:
    """The values of entries as `get_many_encoded` gave them."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, ResilientRedisCache):
        return {key: backend.decode(value) for key, value in encoded.items()}
    return dict(encoded)
