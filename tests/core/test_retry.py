"""The retry decision: pure, safe by construction, patient within limits."""

import email.utils

import httpx
import pytest

from invoicekit import RetryPolicy
from invoicekit._retry import retry_after

NOW = 1_800_000_000.0
POLICY = RetryPolicy(jitter=False)


def resp(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


REQ = httpx.Request("POST", "https://x.test")


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("x", request=REQ), httpx.ConnectTimeout("x", request=REQ), httpx.PoolTimeout("x")],
)
def test_not_sent_is_retried_even_when_unsafe(exc: Exception) -> None:
    """A request that never left is retried whatever the call."""
    assert POLICY.decide(exc, safe=False, replayable=True, tries=1, rate_limited=0) == 0.5


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("x", request=REQ),
        httpx.RemoteProtocolError("x", request=REQ),
        httpx.ReadError("x", request=REQ),
        httpx.WriteTimeout("x", request=REQ),
    ],
)
def test_may_have_run_is_retried_only_when_safe(exc: Exception) -> None:
    """After the request may have run, only a safe call is resent."""
    assert POLICY.decide(exc, safe=True, replayable=True, tries=1, rate_limited=0) == 0.5
    assert POLICY.decide(exc, safe=False, replayable=True, tries=1, rate_limited=0) is None


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_may_have_run_statuses(status: int) -> None:
    """5xx and 408 are retried for safe calls only."""
    assert POLICY.decide(resp(status), safe=True, replayable=True, tries=1, rate_limited=0) == 0.5
    assert POLICY.decide(resp(status), safe=False, replayable=True, tries=1, rate_limited=0) is None


@pytest.mark.parametrize("status", [200, 204, 301, 400, 401, 403, 404, 409, 422, 501])
def test_other_answers_are_final(status: int) -> None:
    """A definite answer is never retried."""
    assert POLICY.decide(resp(status), safe=True, replayable=True, tries=1, rate_limited=0) is None


def test_attempts_are_bounded_and_backoff_doubles() -> None:
    """Backoff doubles up to the cap; the total number of tries is *attempts*."""
    p = RetryPolicy(attempts=5, initial=1, cap=3, jitter=False)
    waits = [p.decide(resp(503), safe=True, replayable=True, tries=n, rate_limited=0) for n in range(1, 6)]
    assert waits == [1, 2, 3, 3, None]


def test_jitter_stays_within_the_ceiling() -> None:
    """With jitter the wait is between 0 and the un-jittered value."""
    p = RetryPolicy(initial=1, cap=8)
    for n in range(1, 6):
        assert 0 <= p.backoff(n) <= min(8, 2 ** (n - 1))


def test_rate_limit_honours_retry_after_and_has_its_own_budget() -> None:
    """429 waits as asked, does not use up ordinary attempts, and stops at rate_limit_attempts."""
    p = RetryPolicy(attempts=1, rate_limit_attempts=3, jitter=False)
    assert (
        p.decide(resp(429, **{"Retry-After": "2"}), safe=False, replayable=True, tries=1, rate_limited=1) == 2
    )
    assert (
        p.decide(resp(429, **{"Retry-After": "2"}), safe=False, replayable=True, tries=3, rate_limited=3)
        is None
    )


def test_rate_limit_beyond_the_cap_is_not_waited_for() -> None:
    """A wait longer than max_retry_after is handed to the caller instead."""
    p = RetryPolicy(max_retry_after=10)
    assert (
        p.decide(resp(429, **{"Retry-After": "11"}), safe=True, replayable=True, tries=1, rate_limited=1)
        is None
    )


def test_rate_limit_without_header_backs_off() -> None:
    """A 429 without a wait backs off exponentially."""
    assert POLICY.decide(resp(429), safe=True, replayable=True, tries=2, rate_limited=2) == 1.0


def test_one_shot_bodies_are_never_resent() -> None:
    """A body that cannot be produced again stops the call at once."""
    assert (
        POLICY.decide(httpx.ConnectError("x"), safe=True, replayable=False, tries=1, rate_limited=0) is None
    )
    assert POLICY.decide(resp(503), safe=True, replayable=False, tries=1, rate_limited=0) is None


HTTP_DATE = email.utils.formatdate(NOW + 30, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": HTTP_DATE}, 30.0),
        ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"X-RateLimit-Reset": "7"}, 7.0),
        ({"X-RateLimit-Reset": str(int(NOW + 12))}, 12.0),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "Mon, 99 Foo 2020 25:00:00 GMT"}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00"}, None),
        ({"Retry-After": "1" * 40}, 1.1111111111111112e39),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    """Seconds, HTTP dates, milliseconds and reset times are read; garbage is ignored, never raised."""
    got = retry_after(httpx.Headers(headers), now=NOW)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_policy_validates_its_values() -> None:
    """Nonsense policies are refused when made."""
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="initial"):
        RetryPolicy(initial=-1)
