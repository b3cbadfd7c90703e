"""One request at a time per provider across every worker and web process, through Redis.

Each caller reserves the next free slot atomically (a Lua script on Redis's clock), then sleeps
until it; a caller whose slot is further away than ``MAX_WAIT_SECONDS`` reserves nothing and
is told to come back later. After a 429 or 403 the provider is blocked for everyone for a while,
so no process keeps hammering it.
"""

import contextlib
import hashlib
import os
import time

import redis
from django.conf import settings

from integrations.geocoding.errors import KeyRejected, RateLimited, Unavailable

MAX_WAIT_SECONDS = 10.0
PREFIX = "geocoding"

# KEYS[1]: the provider's next free slot (ms). ARGV: interval ms, max wait ms.
# Returns {1, wait_ms} with a slot reserved, or {0, wait_ms} when the wait is too long.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local next_at = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_at)
local wait = slot - now
if wait > tonumber(ARGV[2]) then
  return {0, wait}
end
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], slot + interval, 'PX', wait + interval + 1000)
return {1, wait}
"""

_clients: dict[tuple[str, int], redis.Redis] = {}


def client() -> redis.Redis:
    """A Redis client for this process (a forked worker gets its own)."""
    key = (settings.REDIS_URL, os.getpid())
    if key not in _clients:
        _clients[key] = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return _clients[key]


def _fingerprint(provider: str, api_key: str) -> str:
    """Blocks follow the key: a corrected key is tried at once."""
    return hashlib.sha256(f"{provider}:{api_key}".encode()).hexdigest()[:16]


def wait_turn(provider: str, interval_ms: int) -> float:
    """Sleep until this process may send the provider one request; returns seconds waited."""
    if interval_ms <= 0:
        return 0.0
    try:
        reserved, wait_ms = client().eval(
            _RESERVE, 1, f"{PREFIX}:next:{provider}", interval_ms, int(MAX_WAIT_SECONDS * 1000)
        )
    except redis.RedisError as exc:
        raise Unavailable(f"throttle: {exc}") from exc
    if not reserved:
        raise RateLimited("local queue is full", retry_after=wait_ms / 1000)
    time.sleep(wait_ms / 1000)
    return wait_ms / 1000


def check_blocked(provider: str, api_key: str) -> None:
    """Raise without a request while the provider is blocked for everyone."""
    key = f"{PREFIX}:blocked:{provider}:{_fingerprint(provider, api_key)}"
    try:
        reason, ttl_ms = client().pipeline().get(key).pttl(key).execute()
    except redis.RedisError as exc:
        raise Unavailable(f"throttle: {exc}") from exc
    if reason is None:
        return
    retry_after = max(ttl_ms, 0) / 1000
    if reason == b"rejected":
        raise KeyRejected("key rejected recently", retry_after=retry_after)
    raise RateLimited("rate limited recently", retry_after=retry_after)


def block(provider: str, api_key: str, *, reason: str, seconds: float) -> None:
    """Stop every process from calling the provider for ``seconds``."""
    key = f"{PREFIX}:blocked:{provider}:{_fingerprint(provider, api_key)}"
    with contextlib.suppress(redis.RedisError):  # the error itself still reaches the caller
        client().set(key, reason, px=max(int(seconds * 1000), 1))
