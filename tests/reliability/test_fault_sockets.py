"""The faults that only sockets can show, over a real loopback server (127.0.0.1).

A refused connection is a closed port; a drop closes the socket without an answer (before or after the
fake applied the change); a read timeout is a server that stalls past the client's read timeout.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import invoicekit
from invoicekit.testing import FakeProvider
from invoicekit.testing._server import FakeServer

from ._scenarios import FAST, PROVIDERS, SCENARIOS, Scenario

KINDS = ("sync", "async")
TIMEOUT = httpx.Timeout(5.0)
#: Only the stalling fault needs a short read timeout; every other case keeps a generous one, so a loaded
#: machine cannot fire a read timeout on a healthy answer (that resends a safe call and breaks the counts).
STALL_TIMEOUT = httpx.Timeout(5.0, read=0.5)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer({name: SCENARIOS[name].fake() for name in PROVIDERS}, stall=2.0) as served:
        yield served


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens here now: connecting is refused at once


def _url_options(scenario: Scenario, base: str) -> dict[str, Any]:
    return {"url": base} if scenario.name == "whmcs" else {"base_url": base}


async def _call(
    scenario: Scenario,
    fake: Any,
    kind: str,
    base: str,
    invoice: Any,
    unsafe: bool,
    timeout: httpx.Timeout = TIMEOUT,
) -> Any:
    options = {"retry": FAST, "timeout": timeout, **_url_options(scenario, base)}
    if kind == "sync":
        with httpx.Client() as http, fake.client(http_client=http, **options) as client:
            return scenario.call(client, invoice, 1, unsafe)
    async with httpx.AsyncClient() as ahttp, fake.async_client(http_client=ahttp, **options) as aclient:
        return await scenario.call(aclient, invoice, 1, unsafe)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_refused_is_retried_then_typed(provider: str, unsafe: bool, kind: str) -> None:
    """Nothing left the machine, so even an unsafe call is retried; then a plain TransportError."""
    scenario = SCENARIOS[provider]
    fake: Any = scenario.fake()
    invoice = scenario.seed(fake, 1)
    base = f"http://127.0.0.1:{_closed_port()}/x"
    with pytest.raises(invoicekit.TransportError) as caught:
        await _call(scenario, fake, kind, base, invoice, unsafe)
    assert type(caught.value) is invoicekit.TransportError
    assert caught.value.attempts == 3
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


SOCKET_FAULTS: dict[
    str, tuple[Callable[[FakeProvider], None], tuple[str, int, int], tuple[str, int, int]]
] = {
    # name: (inject, (safe outcome, seen, effects), (unsafe outcome, seen, effects))
    "reset-before-apply": (lambda f: f.drop_next(), ("ok", 2, 1), ("OutcomeUnknownError", 1, 0)),
    "reset-after-apply": (
        lambda f: f.drop_next(after_apply=True),
        ("ok", 2, 2),
        ("OutcomeUnknownError", 1, 1),
    ),
    "read-timeout-after-apply": (
        lambda f: f.timeout_next(after_apply=True),
        ("ok", 2, 2),
        ("OutcomeUnknownError", 1, 1),
    ),
    "503": (lambda f: f.fail_next(503), ("ok", 2, 1), ("OutcomeUnknownError", 1, 0)),
    "502-html": (
        lambda f: f.fail_next(502, body=b"<html><title>Bad gateway</title></html>"),
        ("ok", 2, 1),
        ("OutcomeUnknownError", 1, 0),
    ),
    "429-retry-after-0": (lambda f: f.fail_next(429, retry_after=0), ("ok", 2, 1), ("ok", 2, 1)),
}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("fault", list(SOCKET_FAULTS))
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_socket_fault(server: FakeServer, provider: str, fault: str, unsafe: bool, kind: str) -> None:
    scenario = SCENARIOS[provider]
    fake: Any = scenario.fake()
    server.fakes[provider] = fake  # a fresh fake behind the same port
    invoice = scenario.seed(fake, 1)
    inject, safe, risky = SOCKET_FAULTS[fault]
    expect = risky if unsafe else safe
    inject(fake)
    outcome = "ok"
    try:
        timeout = STALL_TIMEOUT if "timeout" in fault else TIMEOUT
        await _call(scenario, fake, kind, server.base_url(provider), invoice, unsafe, timeout)
    except invoicekit.InvoiceKitError as exc:
        outcome = type(exc).__name__
    fake.reset_faults()
    assert (outcome, len(fake.requests), scenario.effects(fake, invoice)) == expect
    if outcome == "ok":
        assert scenario.applied(fake, invoice, 1, unsafe)
