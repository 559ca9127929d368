"""Django's Redis cache, for which an unreachable Redis is a miss, not an error page.

Everything the site keeps in the cache can be rebuilt (content versions, rendered pages, permissions, rate-limit
counts) or lives in the database too (cached_db sessions). So while Redis restarts, reads miss and writes are
dropped, each logged once per call, and the site keeps answering from the database.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def _miss(self, operation: str, default=None):
        log.warning("cache unreachable, %s skipped", operation)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            return self._miss("get", default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE:
            return self._miss("get_many", {})

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        try:
            return super().set(key, value, timeout, version)
        except UNREACHABLE:
            return self._miss("set")

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE:
            return self._miss("add", False)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE:
            return self._miss("set_many", [])

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE:
            return self._miss("delete", False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            return self._miss("incr", 0)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE:
            return self._miss("touch", False)

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE:
            return self._miss("has_key", False)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE:
            return self._miss("delete_many")

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE:
            return self._miss("clear", False)
