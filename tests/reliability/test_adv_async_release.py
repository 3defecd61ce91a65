"""Adversary (async2): the call's one timer (asyncio, Python 3.11+) reaching its deadline while the answer,
already read whole, is being released (the connection handed back to the pool, or closed).

Releasing waits on no network, but it does give the loop a turn (httpcore takes a lock), so the deadline can
pass right then. A cancel landing there interrupts httpcore half way: the answer that was read whole is
reported as a cut (OutcomeUnknownError for an unsafe call, its result lost), and the pool never takes its
slot back (httpcore marks the stream closed before it hands the slot back), so once ``max_connections``
such slots are gone every later call ends in a PoolTimeout. Real loopback sockets (tests/reliability/
_hostile.py); the timer is only moved to fire at the loop's next turn once the release starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import _client

from . import _hostile as h
from ._scenarios import FAST
from .test_hostile import SUCCESS, _payabli_call

pytestmark = pytest.mark.skipif(not _client._HAS_ASYNCIO_TIMEOUT, reason="the call timer needs Python 3.11")


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> list[_client._CallTimer]:
    made: list[_client._CallTimer] = []
    start = _client._CallTimer.start

    def recording(deadline: float) -> _client._CallTimer | None:
        timer = start(deadline)
        assert timer is not None
        made.append(timer)
        return timer

    monkeypatch.setattr(_client._CallTimer, "start", staticmethod(recording))
    return made


@pytest.fixture
def deadline_during_release(monkeypatch: pytest.MonkeyPatch, timers: list[_client._CallTimer]) -> list[int]:
    """The first call's deadline passes at the loop's next turn once its answer starts to be released."""
    moved: list[int] = []
    release = httpx.Response.aclose

    async def releasing(response: httpx.Response) -> None:
        timer = timers[0]
        if not moved and timer._handle is not None and not timer.fired:
            moved.append(1)
            timer._handle.cancel()
            timer._handle = asyncio.get_running_loop().call_soon(_client._fire, timer)
        await release(response)

    monkeypatch.setattr(httpx.Response, "aclose", releasing)
    return moved


@pytest.mark.anyio
@pytest.mark.parametrize("connection", ["close", "keep-alive"])
async def test_an_answer_read_whole_is_kept_when_the_deadline_passes_while_it_is_released(
    timers: list[_client._CallTimer], deadline_during_release: list[int], connection: str
) -> None:
    with h.Hostile() as server:
        server.script = h.answer(200, SUCCESS, {"Connection": connection})
        async with ik.AsyncPayabli(
            api_key="pk-test-0123", base_url=server.url + "/api", retry=FAST, deadline=30.0
        ) as client:
            try:
                outcome: Any = await _payabli_call(client, unsafe=True)
            except ik.InvoiceKitError as exc:
                outcome = exc
    assert deadline_during_release == [1]
    assert timers[0].fired
    # the whole 200 answer came: the unsafe call ran and its result is known, never "may have been applied"
    assert not isinstance(outcome, Exception), outcome
    assert outcome.response_data == 3625
    assert len(server.requests) == 1
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    await asyncio.sleep(0)  # no cancel left pending on the caller's task


@pytest.mark.anyio
async def test_the_pool_gets_its_slot_back_when_the_deadline_passes_while_an_answer_is_released(
    timers: list[_client._CallTimer], deadline_during_release: list[int]
) -> None:
    """One connection allowed: had the first call's slot been lost, every later call would wait for it
    until its own deadline (a PoolTimeout)."""
    with h.Hostile() as server:
        server.script = h.answer(200, SUCCESS)
        http = httpx.AsyncClient(limits=httpx.Limits(max_connections=1))
        async with ik.AsyncPayabli(
            api_key="pk-test-0123", base_url=server.url + "/api", retry=FAST, deadline=30.0, http_client=http
        ) as client:
            with contextlib.suppress(ik.InvoiceKitError):  # what it says is the other test's: here, what
                await _payabli_call(client, unsafe=False)  # it leaves behind
            later = client.with_options(deadline=3.0)
            outcomes = []
            for _ in range(2):
                try:
                    outcomes.append(await _payabli_call(later, unsafe=False))
                except ik.InvoiceKitError as exc:
                    outcomes.append(exc)
        await http.aclose()
    assert deadline_during_release == [1]
    assert [getattr(o, "response_data", o) for o in outcomes] == [3625, 3625]
    assert len(server.requests) == 3
