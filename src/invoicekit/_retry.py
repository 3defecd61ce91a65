"""Retries as a value. :meth:`RetryPolicy.decide` is pure: it never sleeps, it returns how long to wait.

The rule (DESIGN.md decision 4):

- The request surely never left (connect error, connect or pool timeout): retried, whatever the call.
- It may have run (read/write timeout, dropped connection, or a status ``_answers.may_have_run`` names:
  408 and any 5xx but 501/505): retried only when the call is safe to repeat (idempotent, or idempotent
  with a key the provider deduplicates on).
- 429: the provider refused before doing anything, so it is retried after the wait it asked for (or a
  backoff). A wait longer than *max_retry_after* is not waited for: the caller gets the RateLimitError.
- Any other answer is final. A body that cannot be produced again (a one-shot stream) is never resent.
"""

from __future__ import annotations

import math
import random

import attrs
import httpx

from ._answers import NOT_SENT, may_have_run, retry_after
from ._errors import ValidationError

__all__ = ["NOT_SENT", "RetryPolicy", "retry_after"]


@attrs.frozen
class RetryPolicy:
    """How often and how patiently a call is retried. Pass one as ``retry=`` to any client.

    *attempts* is the total number of tries (1 turns retries off). Waits grow from *initial* seconds,
    doubling, up to *cap*, with full jitter. ``Retry-After`` (seconds or an HTTP date),
    ``retry-after-ms`` and ``X-RateLimit-Reset`` are honoured up to *max_retry_after* seconds.
    *rate_limit_attempts* is the separate budget of tries for 429 answers, so a busy provider slows a
    batch down rather than failing it.
    """

    attempts: int = attrs.field(default=3, validator=lambda _, a, v: _count(v, a.name))
    initial: float = attrs.field(default=0.5, validator=lambda _, a, v: _seconds_option(v, a.name))
    cap: float = attrs.field(default=8.0, validator=lambda _, a, v: _seconds_option(v, a.name))
    max_retry_after: float = attrs.field(default=60.0, validator=lambda _, a, v: _seconds_option(v, a.name))
    rate_limit_attempts: int = attrs.field(default=10, validator=lambda _, a, v: _count(v, a.name))
    jitter: bool = attrs.field(default=True, validator=lambda _, a, v: _flag(v, a.name))

    def backoff(self, retry_number: int) -> float:
        """The wait before retry number *retry_number* (1-based), with full jitter when enabled."""
        ceiling = min(self.cap, self.initial * 2 ** (retry_number - 1))
        return random.uniform(0, ceiling) if self.jitter else ceiling  # noqa: S311 - jitter, not secrecy

    def decide(
        self,
        outcome: httpx.Response | Exception,
        *,
        safe: bool,
        replayable: bool,
        tries: int,
        rate_limited: int,
    ) -> float | None:
        """Seconds to wait before trying again, or None to stop here.

        *tries* counts attempts made so far, *rate_limited* how many of them got a 429.
        """
        if not replayable:
            return None
        if isinstance(outcome, httpx.Response):
            return self._decide_response(outcome, safe=safe, tries=tries, rate_limited=rate_limited)
        ordinary = tries - rate_limited
        if ordinary >= self.attempts:
            return None
        if isinstance(outcome, NOT_SENT) or (safe and isinstance(outcome, httpx.TransportError)):
            return self.backoff(ordinary)
        return None

    def _decide_response(
        self, response: httpx.Response, *, safe: bool, tries: int, rate_limited: int
    ) -> float | None:
        if response.status_code == 429:
            if rate_limited >= self.rate_limit_attempts:
                return None
            wait = retry_after(response.headers)
            if wait is None:
                return self.backoff(rate_limited)
            return wait if wait <= self.max_retry_after else None
        if not may_have_run(response.status_code) or not safe:
            return None
        if tries - rate_limited >= self.attempts:
            return None
        wait = retry_after(response.headers)
        if wait is not None and wait <= self.max_retry_after:
            return max(wait, 0.0)
        return self.backoff(tries - rate_limited)


def _count(value: object, name: str) -> None:
    field = f"RetryPolicy.{name}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValidationError(field, f"must be at least 1 (the first try counts), not {value}")


def _seconds_option(value: object, name: str) -> None:
    field = f"RetryPolicy.{name}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"must be a number of seconds, not {type(value).__name__}")
    try:
        seconds = float(value)  # an int past float's range (10**400) is no number of seconds either
    except OverflowError:
        raise ValidationError(field, "must be a finite number of seconds >= 0, not that large") from None
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValidationError(field, f"must be a finite number of seconds >= 0, not {seconds}")


def _flag(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"RetryPolicy.{name}", f"must be True or False, not {type(value).__name__}")
