"""Rate limits for the public site and Open311, kept in Django's cache (Redis or files).

Each limit is a fixed window: a counter per bucket, identity and window number, created with
`cache.add` and raised with `cache.incr`, so concurrent processes share one count (atomic on
Redis; on the file cache a race may lose a count, which only makes a limit slightly laxer).
Identities (addresses, phones, codes) are hashed before they become cache keys.

When the cache does not answer (Redis down), the counters move to a small table
(`RateCounter`) for a while, so the public site neither fails nor stops limiting.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from xinfang.core.http import client_ip  # noqa: F401  (re-exported: the portal's views use it)
from xinfang.portal.models import RateCounter

log = logging.getLogger(__name__)

# bucket: (how many, per seconds). Override any of them with settings.PORTAL_RATE_LIMITS.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    # Online petitions that went through, per address and per phone.
    "submit_ip": (10, 3600),
    "submit_phone": (3, 86400),
    # Every submit attempt, valid or not, per address.
    "submit_attempt_ip": (40, 3600),
    # Failed lookups per address and per tracking code (existing or not).
    "lookup_fail_ip": (10, 900),
    "lookup_fail_code": (5, 3600),
    # Ratings and review requests per address.
    "action_ip": (20, 3600),
    # Open311 writes per key and per address; reads per address.
    "open311_post_key": (120, 3600),
    "open311_post_ip": (30, 3600),
    "open311_read_ip": (600, 3600),
}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def limit_for(bucket: str) -> Limit:
    """The limit in force for a bucket: the setting over the default."""
    overrides = getattr(settings, "PORTAL_RATE_LIMITS", {}) or {}
    count, seconds = overrides.get(bucket, DEFAULT_LIMITS[bucket])
    return Limit(int(count), int(seconds))


def _key(bucket: str, identity: str, seconds: int, now: float) -> tuple[str, int]:
    window = int(now // seconds)
    digest = hashlib.sha256(f"{bucket}:{identity}".encode()).hexdigest()[:32]
    remaining = max(1, int((window + 1) * seconds - now))
    return f"portal:rl:{bucket}:{window}:{digest}", remaining


# After the cache failed, the database keeps the counts for this long before the cache is
# tried again: one failed connection per half minute, not one per request.
CACHE_QUIET_SECONDS = 30.0
_cache_down_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _cache_down_until


def _cache_failed(exc: Exception) -> None:
    global _cache_down_until
    _cache_down_until = time.monotonic() + CACHE_QUIET_SECONDS
    log.warning("rate limits: the cache does not answer (%s); counting in the database", exc)


def _cache_hit(key: str, remaining: int) -> int:
    cache.add(key, 0, timeout=remaining)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=remaining)
        count = 1
    # incr on the file and local-memory caches rewrites the entry with the default timeout.
    cache.touch(key, remaining)
    return count


def _db_hit(key: str, remaining: int, now: float) -> int:
    expires_at = datetime.fromtimestamp(now + remaining, tz=UTC)
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key).update(count=F("count") + 1):
            # A new window: forget the finished ones while at it.
            RateCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(now, tz=UTC)).delete()
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, count=1, expires_at=expires_at)
            except IntegrityError:  # another process made it first
                RateCounter.objects.filter(key=key).update(count=F("count") + 1)
        return RateCounter.objects.values_list("count", flat=True).get(key=key)


def _db_count(key: str) -> int:
    return RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0


def rate_hit(bucket: str, identity: str, *, now: float | None = None) -> int:
    """Count one event for the identity in the bucket's current window; return the count."""
    if not identity:
        return 0
    limit = limit_for(bucket)
    now = time.time() if now is None else now
    key, remaining = _key(bucket, identity, limit.seconds, now)
    if _cache_usable():
        try:
            return _cache_hit(key, remaining)
        except Exception as exc:  # the cache backend's own errors: redis, files
            _cache_failed(exc)
    return _db_hit(key, remaining, now)


def rate_exceeded(bucket: str, identity: str, *, now: float | None = None) -> bool:
    """True when the identity has used up the bucket's allowance in the current window."""
    if not identity:
        return False
    limit = limit_for(bucket)
    now = time.time() if now is None else now
    key, _ = _key(bucket, identity, limit.seconds, now)
    if _cache_usable():
        try:
            return (cache.get(key) or 0) >= limit.count
        except Exception as exc:
            _cache_failed(exc)
    return _db_count(key) >= limit.count


def rate_retry_minutes(bucket: str, *, now: float | None = None) -> int:
    """Whole minutes until the bucket's current window ends (at least 1)."""
    limit = limit_for(bucket)
    now = time.time() if now is None else now
    _, remaining = _key(bucket, "", limit.seconds, now)
    return max(1, -(-remaining // 60))
