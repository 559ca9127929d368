import re
import shutil

import pytest
from django.core.cache import cache

from config import rate_limits
from tests.faults.services import ThrowawayRedis


def test_hit_allows_the_limit_then_refuses_with_the_time_left(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hit"}}
    cache.clear()
    decisions = [rate_limits.hit(scope="t", key="ada", limit=3, window_seconds=600) for _ in range(5)]

    assert [decision.allowed for decision in decisions] == [True, True, True, False, False]
    assert 0 < decisions[-1].retry_after_seconds <= 600
    assert 1 <= decisions[-1].retry_after_minutes <= 10


def test_keys_and_scopes_are_counted_apart(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "apart"}}
    cache.clear()
    assert rate_limits.hit(scope="a", key="ada", limit=1, window_seconds=60).allowed
    assert not rate_limits.hit(scope="a", key="ada", limit=1, window_seconds=60).allowed
    assert rate_limits.hit(scope="a", key="bob", limit=1, window_seconds=60).allowed
    assert rate_limits.hit(scope="b", key="ada", limit=1, window_seconds=60).allowed


def test_exhausted_reads_without_counting(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "read"}}
    cache.clear()
    for _ in range(5):
        assert rate_limits.exhausted(scope="f", key="x", limit=2, window_seconds=60).allowed
    rate_limits.hit(scope="f", key="x", limit=2, window_seconds=60)
    assert rate_limits.exhausted(scope="f", key="x", limit=2, window_seconds=60).allowed
    rate_limits.hit(scope="f", key="x", limit=2, window_seconds=60)
    assert not rate_limits.exhausted(scope="f", key="x", limit=2, window_seconds=60).allowed


def test_the_cache_does_not_hold_the_key_in_clear(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clear"}}
    cache.clear()
    rate_limits.hit(scope="reset", key="ada@example.com", limit=1, window_seconds=60)
    assert not any("ada@example.com" in key for key in cache._cache)


def test_an_unreachable_cache_lets_the_request_through_and_says_so(settings, caplog):
    # A real Redis client aimed at a closed port: what a web process sees while Redis restarts.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    decision = rate_limits.hit(scope="t", key="ada", limit=1, window_seconds=60)
    assert decision.allowed
    assert rate_limits.exhausted(scope="t", key="ada", limit=1, window_seconds=60).allowed
    assert "the cache is unreachable" in caplog.text


@pytest.fixture
def redis_cache(settings, tmp_path):
    """The production cache backend on a Redis server of the test's own (its command counts are the test's alone)."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs Debian's redis-server")
    server = ThrowawayRedis(tmp_path)
    settings.CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": server.url(0)}}
    yield server
    server.stop()


def commands(server: ThrowawayRedis) -> dict[str, int]:
    stats = server.cli("info", "commandstats")
    return {name: int(calls) for name, calls in re.findall(r"cmdstat_(\w+):calls=(\d+)", stats)}


def test_on_redis_a_window_counts_each_later_event_in_one_command(redis_cache):
    assert rate_limits.hit(scope="t", key="ada", limit=3, window_seconds=600).allowed
    redis_cache.cli("config", "resetstat")
    decisions = [rate_limits.hit(scope="t", key="ada", limit=3, window_seconds=600) for _ in range(4)]

    assert [decision.allowed for decision in decisions] == [True, True, False, False]
    sent = commands(redis_cache)  # what a script runs is counted too (exists, incrby), under its own name
    assert sent["evalsha"] == 4 and "set" not in sent and sent["incrby"] == 4
    (key,) = redis_cache.cli("keys", "*rate:t:*").split()
    assert 600 < int(redis_cache.cli("ttl", key)) <= 630  # the first event's expiry stands


def test_on_redis_incr_of_a_missing_key_raises_and_creates_nothing(redis_cache):
    with pytest.raises(ValueError):
        cache.incr("absent")
    assert redis_cache.cli("keys", "*").split() == []
    cache.set("present", 4)
    assert cache.incr("present", 3) == 7 and cache.get("present") == 7
