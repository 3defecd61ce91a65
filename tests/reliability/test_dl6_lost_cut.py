"""A cut that a library swallows (dl6): the async client's deadline holds whatever a library does with one
cancel. anyio < 4.16 (agronholm/anyio#1214) swallows a native ``Task.cancel()`` that lands in the same loop
turn as one of its own scopes cancelling the task (``anyio.connect_tcp``'s Happy Eyeballs group, under
httpcore): the call then waited for the server as long as it liked. Here a caller's transport does the
same deterministically: it swallows the first *n* CancelledErrors it sees and waits on. Each call runs in
a task of its own, bounded from outside (the transport stops swallowing, the task is cancelled): a lost
cut fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

import anyio
import httpx
import pytest

import invoicekit as ik
from invoicekit import _client

from ._scenarios import FAST
from .test_adv_async_hostile import _live_timers
from .test_hostile import MARGIN, SUCCESS, _payabli_call

DEADLINE = 0.2


class _Swallowing(httpx.AsyncBaseTransport):
    """Swallows the first *swallow* cancels it sees (as anyio < 4.16 does one), waiting on after each;
    then lets the next one go. With *answer*, answers 200 once it swallowed them all instead."""

    def __init__(self, swallow: int, answer: bool = False) -> None:
        self.swallow = swallow
        self.swallowed = 0
        self.answer = answer
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        while True:
            try:
                await anyio.sleep(3600.0)
            except anyio.get_cancelled_exc_class():
                if self.swallowed >= self.swallow:
                    raise
                self.swallowed += 1  # swallowed: the task goes on as if nothing was cancelled
                if self.answer and self.swallowed == self.swallow:
                    return httpx.Response(200, content=SUCCESS)


def _client_on(transport: httpx.AsyncBaseTransport) -> ik.AsyncPayabli:
    return ik.AsyncPayabli(
        api_key="pk-test-0123",
        base_url="https://payabli.test/api",
        retry=FAST,
        deadline=DEADLINE,
        http_client=httpx.AsyncClient(transport=transport),
    )


async def _outcome(transport: _Swallowing, unsafe: bool) -> tuple[Any, float, int, int]:
    """The call's outcome, how long it took, and its task's cancel count before and after it."""
    task = asyncio.current_task()
    assert task is not None
    before = task.cancelling()
    started = time.monotonic()
    async with _client_on(transport) as client:
        try:
            outcome: Any = await _payabli_call(client, unsafe)
        except ik.InvoiceKitError as exc:
            outcome = exc
    return outcome, time.monotonic() - started, before, task.cancelling()


async def _bounded(transport: _Swallowing, call: Coroutine[Any, Any, Any], within: float) -> Any:
    """*call*'s result in a task of its own, or a failure (never a hang) if it has not ended *within*."""
    task = asyncio.ensure_future(call)
    done, _ = await asyncio.wait({task}, timeout=within)
    if not done:
        transport.swallow = 0  # swallows nothing more: the cancel below ends it
        task.cancel()
        await asyncio.wait({task})
        pytest.fail(f"the call did not end within {within:g} s: its deadline's cut was lost")
    return task.result()


def _within(swallow: int) -> float:
    return DEADLINE + swallow * _client._RECUT_GRACE + MARGIN


pytestmark = pytest.mark.skipif(not _client._HAS_ASYNCIO_TIMEOUT, reason="the call's timer needs Python 3.11")


@pytest.mark.anyio
@pytest.mark.parametrize("swallow", [1, 3], ids=["once", "three-times"])
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_a_swallowed_cut_is_cut_again(
    monkeypatch: pytest.MonkeyPatch, swallow: int, unsafe: bool
) -> None:
    if swallow > 1:  # the real grace for one, a shorter one for several: the test stays fast
        monkeypatch.setattr(_client, "_RECUT_GRACE", 0.1)
    transport = _Swallowing(swallow)
    outcome, took, before, after = await _bounded(transport, _outcome(transport, unsafe), _within(swallow))
    assert transport.swallowed == swallow
    # what a cut that was never swallowed gives: the request may have left (a caller's transport reports
    # nothing), so an unsafe call's outcome is unknown and a safe one's a TransportError; never resent
    assert type(outcome) is (ik.OutcomeUnknownError if unsafe else ik.TransportError), outcome
    assert outcome.attempts == 1
    assert "deadline" in str(outcome)
    assert len(transport.requests) == 1
    # each cut after a grace: the call ended no sooner than its last one
    assert took >= DEADLINE + swallow * _client._RECUT_GRACE * 0.9
    assert took < _within(swallow)
    assert after == before == 0  # every cancel the timer issued taken back
    assert not _live_timers(asyncio.get_running_loop())
    await asyncio.sleep(0)  # no cancel is left pending on the task


@pytest.mark.anyio
async def test_a_call_that_answers_after_swallowing_cuts_ends_with_the_answer_and_a_clean_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two cuts swallowed, then the answer: the call succeeds, both cuts are taken back."""
    monkeypatch.setattr(_client, "_RECUT_GRACE", 0.1)
    transport = _Swallowing(2, answer=True)
    outcome, _, before, after = await _bounded(transport, _outcome(transport, False), _within(2))
    assert not isinstance(outcome, Exception), outcome
    assert transport.swallowed == 2
    assert after == before == 0
    assert not _live_timers(asyncio.get_running_loop())


@pytest.mark.anyio
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_a_callers_cancel_during_the_grace_still_propagates(unsafe: bool) -> None:
    """The cut was swallowed; before the re-cut, the caller cancels: a CancelledError, never a typed
    error, and nothing of the timer's left behind."""
    transport = _Swallowing(1)
    task = asyncio.ensure_future(_outcome(transport, unsafe))
    limit = time.monotonic() + _within(1)
    while transport.swallowed == 0 and time.monotonic() < limit:
        await asyncio.sleep(0.01)
    assert transport.swallowed == 1, "the cut never came"
    task.cancel()  # within the grace: the timer's re-cut is still to come
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, _within(1))
    assert task.cancelled()
    assert not _live_timers(asyncio.get_running_loop())


def test_a_recut_is_counted_and_taken_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timer itself: a fire whose cancel went nowhere fires again after the grace, once per grace;
    ours takes back every cancel it issued; a caller's cancel among them still goes on."""
    monkeypatch.setattr(_client, "_RECUT_GRACE", 0.05)

    async def check(callers: bool) -> None:
        task = asyncio.current_task()
        assert task is not None
        timer = _client._CallTimer.start(time.monotonic())
        assert timer is not None
        timer.arm()
        for _ in range(3):  # three cuts swallowed, as a library would
            with pytest.raises(asyncio.CancelledError):
                await asyncio.sleep(_client._RECUT_GRACE * 4)
        assert timer._cut == 3
        assert task.cancelling() == 3
        if callers:
            task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(_client._RECUT_GRACE * 4)
        assert timer._cut == 4 - callers
        assert timer.ours() is not callers
        timer.close()
        assert task.cancelling() == callers
        assert timer._handle.cancelled()
        assert not _live_timers(asyncio.get_running_loop())
        if callers:
            task.uncancel()

    asyncio.run(check(False))
    asyncio.run(check(True))


# -- the trio path (and Python 3.10's): anyio's scope per attempt -------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_on_trio_a_swallowed_cancel_comes_again(anyio_backend: str) -> None:
    """On trio each attempt runs in anyio's scope, whose cancel is level-triggered: a transport that
    swallows it sees it again at its next wait, and the call ends at its deadline all the same."""
    transport = _Swallowing(3)
    started = time.monotonic()
    with anyio.fail_after(_within(3)):  # a lost cut fails here instead of hanging
        async with _client_on(transport) as client:
            with pytest.raises(ik.TransportError) as caught:
                await _payabli_call(client, False)
    assert transport.swallowed == 3
    assert "deadline" in str(caught.value)
    assert time.monotonic() - started < DEADLINE + MARGIN


@pytest.mark.anyio
async def test_python_310s_path_on_asyncio_holds_its_deadline_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.10 has no Task.uncancel: each attempt runs in anyio's scope on asyncio too. anyio's scope
    delivers its cancel again each loop turn until the task leaves it, so a swallowed one is not lost."""
    monkeypatch.setattr(_client, "_HAS_ASYNCIO_TIMEOUT", False)
    transport = _Swallowing(3)
    outcome, took, before, after = await _bounded(transport, _outcome(transport, False), _within(3))
    assert transport.swallowed == 3
    assert type(outcome) is ik.TransportError, outcome
    assert "deadline" in str(outcome)
    assert took < DEADLINE + MARGIN
    assert after == before == 0
