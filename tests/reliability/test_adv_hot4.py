"""Adversary (hot4): the fused send loops (sync ``_send``, async ``_attempts``), their lazily opened files,
the headers/Host/timeout computed once per client, and hot4's two fixes (no attempt after a wait that
overslept the deadline; a coroutine driven by hand, without a loop, is sent).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import _client

from ._scenarios import FAST
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


def _unused(*_: Any) -> None:  # keeps imports honest while the file grows
    assert _client is not None
