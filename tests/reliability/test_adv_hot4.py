"""Adversary (hot4): the fused send loops (sync ``_send``, async ``_attempts``), their lazily opened files,
the headers/Host/timeout computed once per client, and hot4's two fixes (no attempt after a wait that
overslept the deadline; a coroutine driven by hand, without a loop, is sent).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

import invoicekit as ik

from . import _hostile as h
from ._scenarios import FAST
from .test_adv_async3 import needs_httpx_without_a_loop
from .test_hostile import SUCCESS, _payabli_call

# -- a coroutine driven by hand (no loop at all) that must wait before a retry ------------------------------

_RETRIED_BY_HAND = """
import sys
import httpx
import invoicekit as ik
from decimal import Decimal
from invoicekit import RetryPolicy, payabli

sent = []
answer = b'{"isSuccess": true, "responseCode": 1, "responseData": 3625, "responseText": "ok", "roomId": 0}'

def handler(request):
    sent.append(request)
    if len(sent) == 1:  # rate limited: never applied, resent after Retry-After
        return httpx.Response(429, content=b"{}", headers={"Retry-After": "0"})
    return httpx.Response(200, content=answer)

client = ik.AsyncPayabli(api_key="pk-test-0123", base_url="https://payabli.test/api",
                         retry=RetryPolicy(initial=0, jitter=False),
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
data = payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
running = client.invoices.update(1001, invoice_data=data)
assert "asyncio" not in sys.modules
try:
    running.send(None)
except StopIteration as done:
    print("answered", done.value.response_data, len(sent))
except ik.InvoiceKitError as exc:
    print(type(exc).__name__, len(sent))
except BaseException as exc:
    print("escaped", type(exc).__name__, len(sent))
"""


@needs_httpx_without_a_loop
def test_a_call_driven_by_hand_without_asyncio_waits_and_retries() -> None:
    """hot4 made a coroutine stepped by hand in a process without asyncio run (nothing can cut it). Its
    first attempt is rate limited (429, Retry-After: 0): the wait before the retry went to anyio, which
    needs a loop, and its NoEventLoopError (a RuntimeError) escaped the public call raw."""
    ran = subprocess.run(
        [sys.executable, "-c", _RETRIED_BY_HAND], capture_output=True, text=True, timeout=60, check=True
    )
    assert ran.stdout.split() == ["answered", "3625", "2"], ran.stdout + ran.stderr


class _RateLimitedOnce(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == 1:
            return httpx.Response(429, content=b"{}", headers={"Retry-After": "0"})
        return httpx.Response(200, content=SUCCESS)


@needs_httpx_without_a_loop
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_a_call_driven_by_hand_with_asyncio_loaded_but_no_loop_waits_and_retries(unsafe: bool) -> None:
    """The same in this process (asyncio imported, no loop running in this thread): the wait before the
    retry must not raise a raw RuntimeError out of the call."""
    transport = _RateLimitedOnce()
    client = ik.AsyncPayabli(
        api_key="pk-test-0123",
        base_url="https://payabli.test/api",
        retry=FAST,
        http_client=httpx.AsyncClient(transport=transport),
    )
    running = _payabli_call(client, unsafe)
    with pytest.raises(StopIteration) as done:
        running.send(None)
    assert done.value.value.response_data == 3625
    assert transport.requests == 2


# -- the client closed during a retry's wait: the next attempt never starts ----------------------------------


@pytest.fixture
def server() -> Iterator[h.Hostile]:
    with h.Hostile() as served:
        yield served


#: A rate-limited answer (never applied: the policy resends even an unsafe call after it), no Retry-After,
#: so the wait is the policy's backoff (0.4 s here).
_PATIENT = ik.RetryPolicy(initial=0.4, jitter=False)


def test_a_client_closed_during_the_wait_after_a_429_is_no_maybe_applied(server: h.Hostile) -> None:
    """An unsafe call's only request got a 429 (rate limited: not applied); another thread closes the client
    during the wait; the resend is never started. Nothing was applied, yet the call was reported as
    OutcomeUnknownError ("it may have been applied ... check the invoice")."""
    server.script = h.answer(429, b'{"isSuccess": false, "responseText": "slow down"}')
    client = ik.Payabli(api_key="pk-test-0123", base_url=server.url + "/api", retry=_PATIENT)
    threading.Timer(0.1, client.close).start()
    with pytest.raises(ik.InvoiceKitError) as caught:
        _payabli_call(client, unsafe=True)
    assert len(server.requests) == 1
    assert type(caught.value) is ik.TransportError, caught.value
    assert "closed" in str(caught.value)


@pytest.mark.anyio
async def test_an_async_client_closed_during_the_wait_after_a_429_is_no_maybe_applied(
    server: h.Hostile,
) -> None:
    """The same on the async loop (the client closed by another task during the wait)."""
    server.script = h.answer(429, b'{"isSuccess": false, "responseText": "slow down"}')
    client = ik.AsyncPayabli(api_key="pk-test-0123", base_url=server.url + "/api", retry=_PATIENT)

    async def close_soon() -> None:
        await anyio.sleep(0.1)
        await client.aclose()

    outcome: Any = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(close_soon)
        try:
            await _payabli_call(client, unsafe=True)
        except ik.InvoiceKitError as exc:
            outcome = exc
    assert len(server.requests) == 1
    assert type(outcome) is ik.TransportError, outcome
    assert "closed" in str(outcome)


# -- httpx's own transport refused before writing a byte: never "may have been applied" ---------------------


def test_a_call_driven_by_hand_through_httpx_s_transport_is_not_maybe_applied(server: h.Hostile) -> None:
    """A coroutine stepped by hand (no loop) through httpx's own transport: httpx cannot even connect
    without a loop (sniffio's RuntimeError, before any byte left; its trace never reported writing). The
    unsafe call was reported as OutcomeUnknownError ("it may have been applied"), with no request made."""
    client = ik.AsyncPayabli(api_key="pk-test-0123", base_url=server.url + "/api", retry=FAST)
    running = _payabli_call(client, unsafe=True)
    with pytest.raises(ik.InvoiceKitError) as caught:
        running.send(None)
    assert server.requests == []
    assert type(caught.value) is ik.TransportError, caught.value
    assert "pk-test-0123" not in str(caught.value)
