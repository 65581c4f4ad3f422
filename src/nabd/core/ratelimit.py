"""Rate limits for public endpoints, with memory or Redis storage via `limits`."""

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """Counts hits per key in a moving window; `NABD_RATE_LIMIT_STORAGE_URL` picks the store.

    Memory storage suits one process; point it at Redis when several web processes run.
    """

    def __init__(self, storage_url: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def hit(self, limit: str | RateLimitItem, *key: str) -> bool:
        """Record one hit; False when the limit is already used up."""
        item = parse(limit) if isinstance(limit, str) else limit
        return self._limiter.hit(item, *key)
