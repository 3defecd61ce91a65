"""The async client's one timer per call (asyncio, Python 3.11+): it cuts every attempt and wait of a call at
its deadline, is gone when the call ends, and never takes a caller's own cancellation for its cut. Real
loopback sockets (tests/reliability/_hostile.py); elapsed times are generous upper bounds only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import _client

from . import _hostile as h
from ._scenarios import FAST
from .test_hostile import MARGIN, SUCCESS, _payabli_call

pytestmark = pytest.mark.skipif(not _client._HAS_ASYNCIO_TIMEOUT, reason="Task.uncancel needs Python 3.11")


def _first_then(first: h.Script, then: h.Script) -> h.Script:
    """*first* for the first connection, *then* for every later one."""
    served: list[int] = []

    def script(conn: Any) -> None:
        served.append(1)
        (first if len(served) == 1 else then)(conn)

    return script


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> list[_client._CallTimer]:
    """Every timer a call starts."""
    made: list[_client._CallTimer] = []
    start = _client._CallTimer.start

    def recording(deadline: float) -> _client._CallTimer | None:
        timer = start(deadline)
        assert timer is not None  # these tests run on asyncio
        made.append(timer)
        return timer

    monkeypatch.setattr(_client._CallTimer, "start", staticmethod(recording))
    return made


async def _call(server: h.Hostile, deadline: float, unsafe: bool = False) -> tuple[Any, float]:
    started = time.monotonic()
    async with ik.AsyncPayabli(
        api_key="pk-test-0123",
        base_url=server.url + "/api",
        retry=FAST,
        deadline=deadline,
        timeout=httpx.Timeout(30.0),
    ) as client:
        try:
            return await _payabli_call(client, unsafe), time.monotonic() - started
        except ik.InvoiceKitError as exc:
            return exc, time.monotonic() - started


def _mock_client(handler: Any, deadline: float = 30.0) -> ik.AsyncPayabli:
    return ik.AsyncPayabli(
        api_key="pk-test-0123",
        base_url="https://payabli.test/api",
        retry=FAST,
        deadline=deadline,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )


def _assert_left_clean(timers: list[_client._CallTimer]) -> None:
    """One timer for the whole call, its handle cancelled, the task's cancel count back where it was."""
    assert len(timers) == 1
    assert timers[0]._handle.cancelled()
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


@pytest.mark.anyio
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_one_timer_cuts_the_second_attempt_at_the_deadline(
    timers: list[_client._CallTimer], unsafe: bool
) -> None:
    """A 429 (never applied: resent at once, even an unsafe call), then trickled headers."""
    with h.Hostile() as server:
        server.script = _first_then(h.answer(429, b"{}"), h.trickled_headers())
        outcome, took = await _call(server, deadline=1.5, unsafe=unsafe)
        sent = len(server.requests)
    assert sent == 2
    # the second attempt's request left: an unsafe call's outcome is unknown, a safe one's a TransportError
    assert type(outcome) is (ik.OutcomeUnknownError if unsafe else ik.TransportError), outcome
    assert outcome.attempts == 2
    assert "deadline" in str(outcome)
    assert took < 1.5 + MARGIN
    _assert_left_clean(timers)
    await asyncio.sleep(0)  # no cancel is left pending on the caller's task


@pytest.mark.anyio
async def test_a_call_that_ends_leaves_no_timer_behind(timers: list[_client._CallTimer]) -> None:
    with h.Hostile() as server:
        server.script = h.answer(200, SUCCESS)
        outcome, _ = await _call(server, deadline=30.0)
    assert not isinstance(outcome, Exception), outcome
    assert not timers[0].fired
    _assert_left_clean(timers)


@pytest.mark.anyio
async def test_the_deadline_passing_during_a_wait_ends_the_call_with_the_last_answer(
    monkeypatch: pytest.MonkeyPatch, timers: list[_client._CallTimer]
) -> None:
    """A wait that overruns (the event loop was late) is cut by the call's timer: the call ends with the
    answer it had, a typed error, never a CancelledError, and not resent."""

    async def overrunning_sleep(seconds: float) -> None:
        await asyncio.sleep(30.0)

    monkeypatch.setattr(_client, "_async_sleep", overrunning_sleep)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(503, content=b"{}")

    started = time.monotonic()
    async with _mock_client(handler, deadline=0.3) as client:  # the wait is the call's first
        with pytest.raises(ik.InvoiceKitError) as caught:
            await _payabli_call(client, unsafe=False)
    assert getattr(caught.value, "status_code", None) == 503, caught.value
    assert len(sent) == 1
    assert time.monotonic() - started < 0.3 + MARGIN
    assert timers[0].fired
    _assert_left_clean(timers)
    await asyncio.sleep(0)


@pytest.mark.anyio
async def test_a_callers_cancel_during_a_wait_is_never_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    waiting = asyncio.Event()

    async def long_sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(30.0)

    monkeypatch.setattr(_client, "_async_sleep", long_sleep)
    with h.Hostile() as server:
        server.script = h.answer(503, b"{}")
        task = asyncio.ensure_future(_call(server, deadline=60.0))
        await asyncio.wait_for(waiting.wait(), 30.0)  # the first answer came; the call waits to resend
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
    assert len(server.requests) == 1


# -- the timer itself: its own cut, a caller's cancel, both --------------------------------------------------


def _run(check: Any) -> None:
    asyncio.run(check())


def test_its_own_cut_is_taken_back() -> None:
    async def check() -> None:
        task = asyncio.current_task()
        assert task is not None
        timer = _client._CallTimer.start(time.monotonic() + 30.0)
        assert timer is not None
        timer.arm()
        _client._fire(timer)  # as the loop does at the deadline
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(5.0)
        assert timer.ours()
        assert not timer.ours()  # taken back once
        timer.close()
        assert task.cancelling() == 0
        assert timer._handle.cancelled()
        await asyncio.sleep(0)  # nothing pending

    _run(check)


def test_a_callers_cancel_at_the_same_time_goes_on() -> None:
    async def check() -> None:
        task = asyncio.current_task()
        assert task is not None
        timer = _client._CallTimer.start(time.monotonic() + 30.0)
        assert timer is not None
        timer.arm()
        _client._fire(timer)
        task.cancel()  # the caller's own, in the same moment
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(5.0)
        assert not timer.ours()  # not the timer's alone: it goes on
        timer.close()
        assert task.cancelling() == 1  # the caller's request stays counted
        task.uncancel()

    _run(check)


def test_a_timer_started_during_a_cancel_still_cuts() -> None:
    """Cleanup code that makes a call after catching CancelledError: the timer counts from there."""

    async def check() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(5.0)
        timer = _client._CallTimer.start(time.monotonic() + 30.0)
        assert timer is not None
        timer.arm()
        _client._fire(timer)
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(5.0)
        assert timer.ours()
        timer.close()
        assert task.cancelling() == 1  # the first cancel is still the caller's to deliver
        task.uncancel()

    _run(check)


def test_a_timer_that_fires_cancels_the_task_at_the_deadline() -> None:
    async def check() -> None:
        timer = _client._CallTimer.start(time.monotonic() + 0.05)
        assert timer is not None
        timer.arm()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(30.0)
        assert time.monotonic() - started < MARGIN
        assert timer.fired
        assert timer.ours()
        timer.close()

    _run(check)


# -- the trace extension -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_trace_is_dropped_once_the_request_starts_to_leave(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpcore reports every later step to a trace that is still set; once the request started to leave,
    whether it was sent is known and nothing more is reported."""
    events: list[str] = []
    trace = _client._Sending._trace

    async def recording(self: _client._Sending, event: str, info: Mapping[str, Any]) -> None:
        events.append(event)
        await trace(self, event, info)

    monkeypatch.setattr(_client._Sending, "_trace", recording)
    with h.Hostile() as server:
        server.script = h.answer(200, SUCCESS)
        outcome, _ = await _call(server, deadline=30.0)
    assert not isinstance(outcome, Exception), outcome
    assert "http11.send_request_headers.started" in events
    assert events[-1] == "http11.send_request_headers.complete", events
    assert not [e for e in events if "receive_response" in e or "send_request_body" in e], events


# -- armed only once the call waits ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_call_that_never_waits_makes_no_timer_handle(timers: list[_client._CallTimer]) -> None:
    """An answer already in memory: the call runs without giving the loop a turn, nothing could cut it."""
    async with _mock_client(lambda request: httpx.Response(200, content=SUCCESS)) as client:
        result = await _payabli_call(client, unsafe=False)
    assert result.response_data == 3625
    assert timers[0]._handle is None
    assert not timers[0].fired


@pytest.mark.anyio
@pytest.mark.parametrize("waits", [1, 3])
async def test_a_call_that_waits_is_armed_then_disarmed(timers: list[_client._CallTimer], waits: int) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        for _ in range(waits):
            await asyncio.sleep(0)
        return httpx.Response(200, content=SUCCESS)

    async with _mock_client(handler) as client:
        result = await _payabli_call(client, unsafe=False)
    assert result.response_data == 3625
    assert timers[0]._handle is not None
    _assert_left_clean(timers)


@pytest.mark.anyio
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_the_first_wait_is_cut_at_the_deadline(timers: list[_client._CallTimer], unsafe: bool) -> None:
    """A transport that never answers (not httpx's own: whether it sent is unknown, so an unsafe call's
    outcome is unknown)."""
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        await asyncio.sleep(30.0)
        raise AssertionError("not cut")

    started = time.monotonic()
    async with _mock_client(handler, deadline=0.3) as client:
        with pytest.raises(ik.TransportError) as caught:
            await _payabli_call(client, unsafe=unsafe)
    assert type(caught.value) is (ik.OutcomeUnknownError if unsafe else ik.TransportError)
    assert "deadline" in str(caught.value)
    assert time.monotonic() - started < 0.3 + MARGIN
    assert len(seen) == 1
    _assert_left_clean(timers)
    await asyncio.sleep(0)


@pytest.mark.anyio
@pytest.mark.parametrize("waits", [0, 2], ids=["first-wait", "later-wait"])
async def test_a_callers_cancel_at_any_wait_goes_on(waits: int) -> None:
    started = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        for _ in range(waits):
            await asyncio.sleep(0)
        started.set()
        await asyncio.sleep(30.0)
        raise AssertionError("not cancelled")

    async with _mock_client(handler) as client:
        task = asyncio.ensure_future(_payabli_call(client, unsafe=False))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
