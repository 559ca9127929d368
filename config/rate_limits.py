"""The one rate limiter: a fixed window per (scope, key), counted in the shared cache so every process agrees.

Each caller names its scope and its numbers (`hit(scope="password-reset", key=email, limit=1, window_seconds=300)`).
Counting is `cache.incr` (one round trip) and, for the first event of a window, `cache.add` after it. Login
failures are not counted here but by django-axes, which keeps them per account and per address with a cool-off.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Seconds until the current window ends and the count starts again: what "try again in ..." says.
    retry_after_seconds: int

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def _window(*, scope: str, key: str, window_seconds: int) -> tuple[str, int]:
    now = time.time()
    index = int(now // window_seconds)
    retry_after = math.ceil((index + 1) * window_seconds - now)
    # Hashed: keys may hold an email address, which should not sit in the cache in clear nor break a key's syntax.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rate:{scope}:{digest}:{index}", retry_after


def hit(*, scope: str, key: str, limit: int, window_seconds: int) -> Decision:
    """Count one event and say whether it is within `limit` for this window."""
    cache_key, retry_after = _window(scope=scope, key=key, window_seconds=window_seconds)
    try:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # the window's first event (unless another process counts it first: add then fails)
            count = 1 if cache.add(cache_key, 1, timeout=window_seconds + 30) else cache.incr(cache_key)
    except Exception:  # any cache backend's connection error (redis, database, memcached)
        # The cache down or restarting must not turn every limited page into an error page: let the event through
        # and say so in the log. Logins stay limited meanwhile (axes counts failures in the database).
        log.warning("rate limit %s not counted: the cache is unreachable", scope, exc_info=True)
        return Decision(allowed=True, retry_after_seconds=0)
    return Decision(allowed=count <= limit, retry_after_seconds=retry_after)


def exhausted(*, scope: str, key: str, limit: int, window_seconds: int) -> Decision:
    """Whether `limit` events were already counted this window, without counting one (for limits that count only
    failures, such as wrong join codes: a room behind one address joining with the right code never trips them)."""
    cache_key, retry_after = _window(scope=scope, key=key, window_seconds=window_seconds)
    try:
        count = cache.get(cache_key, 0)
    except Exception:  # see hit
        log.warning("rate limit %s not read: the cache is unreachable", scope, exc_info=True)
        return Decision(allowed=True, retry_after_seconds=0)
    return Decision(allowed=count < limit, retry_after_seconds=retry_after)
