"""The fault matrix: every provider x {safe, unsafe} call x every fault kind, sync and async.

Each cell asserts the typed outcome, how many requests the provider saw, and how many times the change
was applied in the fake's state (an unsafe change is never applied twice). No cell sleeps: the retry
policy waits 0 s, and the waits the client asks for are recorded instead of slept.
"""

from __future__ import annotations

import email.utils
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

import invoicekit
from invoicekit import _client
from invoicekit.testing import FakeProvider

from ._scenarios import PROVIDERS, SCENARIOS, run

KINDS = ("sync", "async")
HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@attrs.frozen
class Expect:
    outcome: str  # "ok" or the exact error class name
    seen: int  # requests that reached the provider
    effects: int  # times the change was applied


@attrs.frozen
class Case:
    name: str
    inject: Callable[[FakeProvider, Any], None]
    safe: Expect
    unsafe: Expect
    #: For 2xx answers that are not the provider's: Upflow ignores the body of a 2xx (it answers 204).
    upflow_ok: bool = False


def _http_date(seconds_ahead: float) -> str:
    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


OK1, OK2 = Expect("ok", 1, 1), Expect("ok", 2, 1)
UNKNOWN0, UNKNOWN1 = Expect("OutcomeUnknownError", 1, 0), Expect("OutcomeUnknownError", 1, 1)
UNREADABLE = Expect("DecodeError", 1, 0)

CASES = [
    # -- transient: one fault, then the provider works ---------------------------------------------------
    Case("refused", lambda f, s: f.refuse_next(), Expect("ok", 1, 1), Expect("ok", 1, 1)),
    Case("reset-before-apply", lambda f, s: f.drop_next(), OK2, UNKNOWN0),
    Case("reset-after-apply", lambda f, s: f.drop_next(after_apply=True), Expect("ok", 2, 2), UNKNOWN1),
    Case("read-timeout-before-apply", lambda f, s: f.timeout_next(), OK2, UNKNOWN0),
    Case(
        "read-timeout-after-apply",
        lambda f, s: f.timeout_next(after_apply=True),
        Expect("ok", 2, 2),
        UNKNOWN1,
    ),
    Case("429-retry-after-seconds", lambda f, s: f.fail_next(429, retry_after=1), OK2, OK2),
    Case("429-retry-after-http-date", lambda f, s: f.fail_next(429, retry_after=_http_date(2)), OK2, OK2),
    Case("500", lambda f, s: f.fail_next(500), OK2, UNKNOWN0),
    Case("502", lambda f, s: f.fail_next(502), OK2, UNKNOWN0),
    Case("503", lambda f, s: f.fail_next(503), OK2, UNKNOWN0),
    Case("502-html-page", lambda f, s: f.fail_next(502, body=HTML), OK2, UNKNOWN0),
    Case("200-html-page", lambda f, s: f.fail_next(200, body=HTML), UNREADABLE, UNREADABLE, upflow_ok=True),
    Case(
        "200-malformed-json",
        lambda f, s: f.fail_next(200, body=b'{"result": "succ'),
        UNREADABLE,
        UNREADABLE,
        upflow_ok=True,
    ),
    Case("200-empty", lambda f, s: f.fail_next(200, body=b""), UNREADABLE, UNREADABLE, upflow_ok=True),
    Case(
        "200-error-envelope",
        lambda f, s: f.fail_next(200, body=s.envelope),
        Expect("envelope", 1, 0),
        Expect("envelope", 1, 0),
    ),
    # -- persistent: the fault outlasts the retry budget (3 attempts; 10 for 429) ------------------------
    Case(
        "refused-always",
        lambda f, s: f.refuse_next(times=3),
        Expect("TransportError", 0, 0),
        Expect("TransportError", 0, 0),
    ),
    Case("reset-always", lambda f, s: f.drop_next(times=3), Expect("TransportError", 3, 0), UNKNOWN0),
    Case(
        "read-timeout-after-apply-always",
        lambda f, s: f.timeout_next(after_apply=True, times=3),
        Expect("TransportError", 3, 3),
        UNKNOWN1,
    ),
    Case("503-always", lambda f, s: f.fail_next(503, times=3), Expect("ServerError", 3, 0), UNKNOWN0),
    Case(
        "429-always",
        lambda f, s: f.fail_next(429, retry_after=0, times=10),
        Expect("RateLimitError", 10, 0),
        Expect("RateLimitError", 10, 0),
    ),
    Case(
        "429-retry-after-over-cap",
        lambda f, s: f.fail_next(429, retry_after=3600),
        Expect("RateLimitError", 1, 0),
        Expect("RateLimitError", 1, 0),
    ),
]


def _cells() -> Iterator[Any]:
    for provider in PROVIDERS:
        for case in CASES:
            if case.name == "200-error-envelope" and SCENARIOS[provider].envelope is None:
                continue  # Upflow and Salesbricks have no HTTP-200 error envelope
            yield pytest.param(provider, case, id=f"{provider}-{case.name}")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits the send loops ask for instead of sleeping."""
    asked: list[float] = []

    async def async_sleep(seconds: float) -> None:
        asked.append(seconds)

    clock = types.SimpleNamespace(perf_counter=time.perf_counter, sleep=asked.append)
    monkeypatch.setattr(_client, "time", clock)
    monkeypatch.setattr(_client, "_async_sleep", async_sleep)
    return asked


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("safety", ["safe", "unsafe"])
@pytest.mark.parametrize(("provider", "case"), list(_cells()))
async def test_fault(provider: str, case: Case, safety: str, kind: str, waits: list[float]) -> None:
    scenario = SCENARIOS[provider]
    unsafe = safety == "unsafe"
    expect = case.unsafe if unsafe else case.safe
    if provider == "upflow" and case.upflow_ok:
        expect = Expect("ok", 1, 0)  # a 2xx body is never read for a 204 operation; the fake applied nothing
    fake: Any = scenario.fake()
    invoice = scenario.seed(fake, 1)
    case.inject(fake, scenario)

    outcome = "ok"
    try:
        await run(kind, scenario.client(fake, kind), lambda c: scenario.call(c, invoice, 1, unsafe))
    except invoicekit.InvoiceKitError as exc:
        outcome = type(exc).__name__
        _check_error(exc, expect, scenario.envelope_error)
    fake.reset_faults()

    if expect.outcome == "envelope":
        expect = attrs.evolve(expect, outcome=str(scenario.envelope_error))
    assert (outcome, len(fake.requests), scenario.effects(fake, invoice)) == (
        expect.outcome,
        expect.seen,
        expect.effects,
    )
    if expect.outcome == "ok" and expect.effects:
        assert scenario.applied(fake, invoice, 1, unsafe)
    if case.name.startswith("429-retry-after-seconds"):
        assert waits == [1.0]
    elif case.name == "429-retry-after-http-date":
        assert len(waits) == 1
        assert 0 < waits[0] <= 3
    else:
        assert all(w == 0 for w in waits), waits


def _check_error(exc: invoicekit.InvoiceKitError, expect: Expect, envelope_error: str | None) -> None:
    """Typed errors carry what a caller needs: attempts, status, retry_after, the httpx cause."""
    if isinstance(exc, invoicekit.TransportError):
        assert exc.attempts >= 1
        if not isinstance(exc, invoicekit.OutcomeUnknownError) or exc.status_code is None:
            assert exc.__cause__ is not None
            assert type(exc.__cause__).__module__.startswith("httpx")
    if isinstance(exc, invoicekit.RateLimitError):
        assert exc.retry_after in (0.0, 3600.0)
    if isinstance(exc, invoicekit.APIError) and expect.outcome == "envelope":
        assert exc.status_code == 200
