"""How many check-ins one field worker may store: a token bucket per person, charged only for a
check-in that is stored (a replay of a stored client_id, a check-in still in flight and a refused
body cost nothing), so that a phone sending its offline queue with retries is never refused.

One process keeps the buckets in memory. With COORDINATOR_MESSAGE_QUEUE_URL set (several
processes), they live in that Redis, so that the limit is the same whichever process a phone
reaches; when Redis does not answer, check-ins are let through (and the failure logged): a
storm is no time to refuse duty records for want of a counter."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import current_app

from . import clock
from .errors import retry_later

T = TypeVar("T")
LIMITER = "checkin_rate"
# Atomically: refill by the time passed, then take one token if there is one. Returns the
# seconds until one is there (0: taken).
TAKE = """
local burst, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local kept = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = math.min(burst, (tonumber(kept[1]) or burst)
                               + math.max(0, now - (tonumber(kept[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 't', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return tostring(wait)
"""


class Buckets(Protocol):
    def take(self, key: str, now: float) -> float: ...
    def give_back(self, key: str) -> None: ...


class LocalBuckets:
    """This process's buckets, in memory."""

    def __init__(self, burst: int, per_second: float):
        self.burst, self.rate = burst, per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> float:
        """Take a token for `key`: 0, or the seconds until there is one (nothing taken)."""
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - at) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 50_000:  # forget the full ones: they start full anyway
                full_after = self.burst / self.rate
                for other, (_, seen) in list(self._buckets.items()):
                    if now - seen >= full_after:
                        del self._buckets[other]
            return 0.0

    def give_back(self, key: str) -> None:
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst - 1, 0.0))
            self._buckets[key] = (min(self.burst, tokens + 1), at)


class RedisBuckets:
    """Buckets shared by every process, in Redis (one round trip per stored check-in)."""

    def __init__(self, url: str, prefix: str, burst: int, per_second: float, logger):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.errors = redis.RedisError
        self.script = self.client.register_script(TAKE)
        self.prefix, self.burst, self.rate, self.logger = prefix, burst, per_second, logger
        self.ttl = math.ceil(burst / per_second) + 1

    def take(self, key: str, now: float) -> float:
        try:
            return float(self.script(keys=[self.prefix + key],
                                     args=[self.burst, self.rate, now, self.ttl]))
        except self.errors:
            self.logger.warning("check-in rate limit: Redis does not answer; letting it through")
            return 0.0

    def give_back(self, key: str) -> None:
        try:
            self.client.hincrbyfloat(self.prefix + key, "t", 1)
        except self.errors:
            pass


def buckets() -> Buckets:
    """This app's buckets, made on first use."""
    app = current_app
    made = app.extensions.get(LIMITER)
    if made is None:
        config = app.config
        burst = max(int(config["CHECKIN_RATE_BURST"]), 1)
        rate = max(float(config["CHECKIN_RATE_PER_MINUTE"]), 0.001) / 60
        url = config.get("MESSAGE_QUEUE_URL")
        if url:
            prefix = f"{config.get('SOCKETIO_CHANNEL', 'coordinator')}:checkin-rate:"
            made = RedisBuckets(url, prefix, burst, rate, app.logger)
        else:
            made = LocalBuckets(burst, rate)
        made = app.extensions.setdefault(LIMITER, made)
    return made


def take(person_id: int) -> float:
    """Take one stored check-in from this person's allowance: 0, or the seconds to wait."""
    return buckets().take(f"p{person_id}", clock.now().timestamp())


def give_back(person_id: int) -> None:
    """The check-in a token was taken for was not stored (a replay, in flight, refused)."""
    buckets().give_back(f"p{person_id}")


def within_allowance(person_id: int, replay: Callable[[], T | None],
                     record: Callable[[], tuple[T, bool]]) -> tuple[T, bool]:
    """`record()` a check-in, charged to the person's allowance only when it is stored (a
    replay, one in flight or a refused one is given back); over the allowance a replay is still
    answered by `replay()`, and a new check-in is refused: 429 with Retry-After."""
    wait = take(person_id)
    if wait:
        stored = replay()
        if stored is None:
            raise retry_later(429, "rate_limited", "Too many check-ins from this phone; retry "
                              "after the time in Retry-After.", wait)
        return stored, False
    created = False
    try:
        result = record()
        created = result[1]
        return result
    finally:
        if not created:
            give_back(person_id)
