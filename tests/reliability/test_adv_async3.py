"""Adversary (async3): AsyncClient._send runs a call's attempts until their first wait itself, and only then
hands them to _timed (the call's armed timer). What must hold whatever happens before, at and after that
first wait: nothing but an InvoiceKitError escapes (a BaseException a transport raises goes on unchanged);
the deadline is honoured (no attempt starts once it passed); a call reported as "may have been applied" may
really have been sent; no timer handle is left on the loop and the task's cancel count is back where it was.
"""

from __future__ import annotations

import asyncio
import sys
import time
import types
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import _client

from ._scenarios import FAST
from .test_hostile import MARGIN, SUCCESS, _payabli_call

pytestmark = pytest.mark.skipif(not _client._HAS_ASYNCIO_TIMEOUT, reason="the call timer needs Python 3.11")

Handler = Callable[[httpx.Request, int], Awaitable[httpx.Response]]


class _Transport(httpx.AsyncBaseTransport):
    """A caller's own transport (not httpx's: whether it sent is never known), counting its requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.handler(request, self.requests)


def _client_for(transport: _Transport, deadline: float = 30.0) -> ik.AsyncPayabli:
    return ik.AsyncPayabli(
        api_key="pk-test-0123",
        base_url="https://payabli.test/api",
        retry=FAST,
        deadline=deadline,
        http_client=httpx.AsyncClient(transport=transport),
    )


@types.coroutine
def _yield_to_the_loop(value: Any) -> Generator[Any, Any, Any]:
    """What a transport's first wait hands the loop, as is."""
    return (yield value)


def _live_timers() -> list[Any]:
    scheduled = getattr(asyncio.get_running_loop(), "_scheduled", [])
    return [t for t in scheduled if not t.cancelled() and getattr(t, "_callback", None) is _client._fire]


def _assert_left_clean() -> None:
    assert _live_timers() == []
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


async def _ok(request: httpx.Request, n: int) -> httpx.Response:
    return httpx.Response(200, content=SUCCESS)


# -- a coroutine driven by hand (no loop), with trio loaded ------------------------------------------------


def _httpx_runs_without_a_loop() -> bool:
    """Whether plain httpx completes an async request stepped by hand (no loop): the premise of the test."""

    async def get() -> None:
        async with httpx.AsyncClient(transport=_Transport(_ok)) as http:
            await http.get("https://api.test/x")

    running = get()
    try:
        running.send(None)
    except StopIteration:
        return True
    except Exception:  # e.g. sniffio's AsyncLibraryNotFoundError, from httpx itself
        return False
    running.close()
    return False  # it waited for a loop that is not there


#: The premise of every test that steps a call by hand: httpx < 0.28 asks sniffio for the running library,
#: so no async request of its own can run without a loop there (the lowest versions CI runs).
needs_httpx_without_a_loop = pytest.mark.skipif(
    not _httpx_runs_without_a_loop(),
    reason="this httpx needs a running loop for any async request (httpx < 0.28 asks sniffio)",
)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_a_call_driven_by_hand_with_trio_loaded_is_sent(unsafe: bool) -> None:
    """No loop at all (a coroutine stepped with send(None), as some sync bridges and tests do): with only
    asyncio loaded the call runs, nothing can cut it. With trio merely imported it must run the same, and
    never be reported as "may have been applied" when its request never reached the transport."""
    pytest.importorskip("trio")  # optional: not a dependency
    assert "trio" in sys.modules
    if not _httpx_runs_without_a_loop():
        pytest.skip("this httpx needs a running loop for any async request (httpx < 0.28 asks sniffio)")
    transport = _Transport(_ok)
    client = _client_for(transport)
    running = _payabli_call(client, unsafe)
    with pytest.raises(StopIteration) as done:
        running.send(None)
    assert done.value.value.response_data == 3625
    assert transport.requests == 1


# -- the deadline passes while the loop is late at a retry's wait ------------------------------------------


@pytest.mark.anyio
async def test_no_attempt_starts_once_the_deadline_passed_during_a_wait() -> None:
    """A 429 (never applied: an unsafe call is resent at once, Retry-After: 0), then the loop comes back
    late (another task hogs it past the deadline): the call must end with the 429 it had, not send again
    after its deadline (where its timer, already due, cuts the resend as "may have been applied")."""

    async def handler(request: httpx.Request, n: int) -> httpx.Response:
        await asyncio.sleep(0)  # a real wait: the call's timer is armed
        if n == 1:
            asyncio.get_running_loop().call_soon(time.sleep, 0.5)  # the loop is late past the deadline
            return httpx.Response(429, content=b"{}", headers={"Retry-After": "0"})
        await asyncio.sleep(0)
        return httpx.Response(200, content=SUCCESS)

    transport = _Transport(handler)
    started = time.monotonic()
    async with _client_for(transport, deadline=0.3) as client:
        with pytest.raises(ik.InvoiceKitError) as caught:
            await _payabli_call(client, unsafe=True)
    assert type(caught.value) is ik.RateLimitError, caught.value
    assert transport.requests == 1  # nothing sent after the deadline
    assert time.monotonic() - started < 0.5 + MARGIN
    _assert_left_clean()
    await asyncio.sleep(0)  # no cancel left pending on the caller's task


# -- a transport's own TimeoutError is no deadline -----------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("waits", [0, 1], ids=["before-the-first-wait", "after-it"])
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_a_transports_own_timeout_is_not_reported_as_the_deadline(waits: int, unsafe: bool) -> None:
    """A caller's transport that times out on its own (an asyncio.timeout inside it, a socket timeout):
    the call's timer cuts by a cancel, never by a TimeoutError, so the call's 30 s deadline did not pass
    and its error must not say so. Bytes may have left: an unsafe call's outcome is unknown, never resent."""

    async def handler(request: httpx.Request, n: int) -> httpx.Response:
        for _ in range(waits):
            await asyncio.sleep(0)
        raise TimeoutError("the upstream proxy timed out")

    transport = _Transport(handler)
    async with _client_for(transport, deadline=30.0) as client:
        with pytest.raises(ik.TransportError) as caught:
            await _payabli_call(client, unsafe)
    assert type(caught.value) is (ik.OutcomeUnknownError if unsafe else ik.TransportError), caught.value
    assert "deadline" not in str(caught.value), caught.value
    assert "the upstream proxy timed out" in str(caught.value)
    assert transport.requests == 1  # a plain TimeoutError is no httpx timeout: never retried
    _assert_left_clean()


def test_a_transports_own_timeout_on_trio_is_not_reported_as_the_deadline() -> None:
    """On trio each attempt runs in anyio's scope, whose cut is a TimeoutError too: only the scope's own
    cut is the deadline."""
    trio = pytest.importorskip("trio")  # optional: not a dependency

    async def handler(request: httpx.Request, n: int) -> httpx.Response:
        await trio.sleep(0)
        raise TimeoutError("the upstream proxy timed out")

    async def check() -> ik.InvoiceKitError:
        async with _client_for(_Transport(handler), deadline=30.0) as client:
            try:
                await _payabli_call(client, unsafe=True)
            except ik.InvoiceKitError as exc:
                return exc
        raise AssertionError("no error")

    outcome = trio.run(check)
    assert type(outcome) is ik.OutcomeUnknownError, outcome
    assert "deadline" not in str(outcome)
    assert "the upstream proxy timed out" in str(outcome)


def test_the_deadline_on_trio_is_still_a_cut() -> None:
    trio = pytest.importorskip("trio")

    async def handler(request: httpx.Request, n: int) -> httpx.Response:
        await trio.sleep(30.0)
        raise AssertionError("not cut")

    async def check() -> ik.InvoiceKitError:
        async with _client_for(_Transport(handler), deadline=0.2) as client:
            try:
                await _payabli_call(client, unsafe=True)
            except ik.InvoiceKitError as exc:
                return exc
        raise AssertionError("no error")

    started = time.monotonic()
    outcome = trio.run(check)
    assert type(outcome) is ik.OutcomeUnknownError, outcome
    assert "deadline (0.2 s) passed" in str(outcome)
    assert time.monotonic() - started < 0.2 + MARGIN


_BY_HAND = """
import sys
import httpx
import invoicekit as ik
from decimal import Decimal
from invoicekit import payabli

sent = []
answer = b'{"isSuccess": true, "responseCode": 1, "responseData": 3625, "responseText": "ok", "roomId": 0}'

def handler(request):
    sent.append(request)
    return httpx.Response(200, content=answer)

client = ik.AsyncPayabli(api_key="pk-test-0123", base_url="https://payabli.test/api",
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
customer = payabli.PayorData(first_name="Ada", last_name="L")
data = payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
running = client.invoices.update(
    1001, invoice_data=data, customer_data=customer, force_customer_creation=True
)
assert "asyncio" not in sys.modules
try:
    running.send(None)
except StopIteration as done:
    print("answered", done.value.response_data, len(sent))
except ik.InvoiceKitError as exc:
    print(type(exc).__name__, len(sent), exc)
"""


@needs_httpx_without_a_loop
def test_a_call_driven_by_hand_in_a_process_without_asyncio_is_sent() -> None:
    """The same, in a process that never imported asyncio (a plain script stepping the coroutine): the
    call took anyio's per-attempt scope, which needs a loop; nothing was sent, yet the unsafe call was
    reported as OutcomeUnknownError. With no loop at all, it now runs as with asyncio loaded."""
    import subprocess

    ran = subprocess.run(
        [sys.executable, "-c", _BY_HAND], capture_output=True, text=True, timeout=60, check=True
    )
    assert ran.stdout.split()[:3] == ["answered", "3625", "1"], ran.stdout
