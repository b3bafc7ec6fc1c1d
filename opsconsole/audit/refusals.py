"""Sign-ins refused during a lockout: one audit event per lock window, with a count.

While django-axes locks a user name for a client address, every further attempt is refused
without checking the password. Recording each as an event would let an anonymous flood bury
the real events, inflate the "not reviewed" count and queue on the chain lock. So:

- the first refusal of a window is recorded as an event at once (someone is trying);
- the later ones only increment a counter in Redis, outside the chain (one round trip, no
  database write, no chain lock);
- the window's total is recorded as one `auth.sign_in_refused` event when the window closes:
  at the pair's next sign-in or next ordinary failure (the lock has ended by then), or, when
  nobody comes back, by the sweep that runs before every audit checkpoint once the lock
  would have ended (last refusal + AXES_COOLOFF_TIME: axes restarts the cool-off on every
  refused attempt, AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).

The chain stays append-only: no event is ever updated; the count arrives as a new event.
If Redis loses the counter (a restart without persistence), the first refusal is still in
the chain; only the total is lost. If Redis does not answer, sign-in does not fail: each
refusal is then recorded singly, as before.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest

from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record

log = logging.getLogger(__name__)

PREFIX = "opsconsole:audit:refused:"
_OPEN = PREFIX + "open"  # sorted set: pair id -> the time its lock window ends

# Counts one refusal; returns 1 when it is the first of its window.
_REFUSE = """
local first = redis.call('HSETNX', KEYS[1], 'first', ARGV[1])
if first == 1 then
  redis.call('HSET', KEYS[1], 'username', ARGV[2], 'ip', ARGV[3], 'count', 1)
else
  redis.call('HINCRBY', KEYS[1], 'count', 1)
end
redis.call('HSET', KEYS[1], 'last', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return first
"""

# Takes a window's totals and forgets it, atomically: two sweepers never both record it.
_TAKE = """
local data = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return data
"""


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)


def _pair(username: str, ip: str) -> str:
    return hashlib.sha256(f"{username}\0{ip}".encode()).hexdigest()[:32]


def _now_iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")


def count_refusal(username: str, ip: str, now: float | None = None) -> bool:
    """Counts a refused sign-in; True when it is the first of its lock window (the caller
    records that one as an event)."""
    now = time.time() if now is None else now
    pair = _pair(username, ip)
    closes = now + settings.AXES_COOLOFF_TIME.total_seconds()
    try:
        first = _redis().eval(
            _REFUSE, 2, PREFIX + pair, _OPEN, _now_iso(now), username, ip, closes, pair
        )
    except redis.RedisError:
        log.warning("refused sign-in not counted (Redis unavailable); recording it singly")
        return True
    return bool(first)


def _record_total(data: dict[str, Any], request: HttpRequest | None) -> None:
    total = int(data.get("count", 0))
    if total <= 1:
        return  # the one refusal is already in the chain
    record(
        "auth.sign_in_refused",
        outcome=Outcome.DENIED,
        request=request,
        actor_name="",
        target_kind="user",
        target_name=str(data["username"]),
        reason=f"{total} sign-ins refused while this user name was locked out from "
        f"{data['ip']}, {data['first']} to {data['last']} (the first is recorded on its own)",
        parameters={
            "refused": total,
            "source_ip": data["ip"],
            "first": data["first"],
            "last": data["last"],
        },
    )


def close_window(username: str, ip: str, request: HttpRequest | None = None) -> None:
    """The pair's lock window is over (it signs in, or fails afresh): record its total."""
    pair = _pair(username, ip)
    try:
        flat = _redis().eval(_TAKE, 2, PREFIX + pair, _OPEN, pair)
    except redis.RedisError:
        log.warning("lock window not closed (Redis unavailable); the sweep will close it")
        return
    if flat:
        _record_total(dict(zip(flat[::2], flat[1::2], strict=True)), request)


def sweep(now: float | None = None) -> int:
    """Records the totals of every window whose lock has ended; returns how many closed."""
    now = time.time() if now is None else now
    client = _redis()
    closed = 0
    for entry in client.zrangebyscore(_OPEN, "-inf", now):
        pair = str(entry)
        flat = client.eval(_TAKE, 2, PREFIX + pair, _OPEN, pair)
        if flat:
            _record_total(dict(zip(flat[::2], flat[1::2], strict=True)), None)
            closed += 1
    return closed
