"""The core send path (hot4): the sync loop never starts an attempt once a retry's wait overslept the call's
deadline (with a caller's own transport nothing else would cut it), whatever the fused common path does.
"""

from __future__ import annotations

import time
import types
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import _client

from ._scenarios import FAST
from .test_hostile import SUCCESS, _payabli_call


class _Transport(httpx.BaseTransport):
    """A caller's own transport (it honours no timeout), counting its requests."""

    def __init__(self, first: httpx.Response | Exception) -> None:
        self.first = first
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == 1:
            if isinstance(self.first, Exception):
                raise self.first
            return self.first
        return httpx.Response(200, content=SUCCESS)


def _client_on(transport: _Transport) -> ik.Payabli:
    """A client whose calls have a 0.2 s deadline, on the caller's own *transport*."""
    return ik.Payabli(
        api_key="pk-test-0123",
        base_url="https://payabli.test/api",
        retry=FAST,
        deadline=0.2,
        http_client=httpx.Client(transport=transport),
    )


@pytest.fixture
def oversleeping(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each wait the sync loop asks for (0 s here) sleeps 0.3 s: past the calls' 0.2 s deadline."""
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        time.sleep(seconds + 0.3)

    monkeypatch.setattr(_client, "time", types.SimpleNamespace(perf_counter=time.perf_counter, sleep=sleep))
    return asked


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_no_attempt_starts_after_a_wait_that_overslept_the_deadline(
    oversleeping: list[float], unsafe: bool
) -> None:
    """The first attempt could not connect (nothing sent: even the unsafe call may be resent), the wait
    overslept the deadline: no second attempt; a TransportError naming the deadline, never an
    OutcomeUnknownError (nothing was sent)."""
    transport = _Transport(httpx.ConnectError("refused"))
    client = _client_on(transport)
    with client, pytest.raises(ik.InvoiceKitError) as caught:
        _payabli_call(client, unsafe)
    assert oversleeping == [0.0]  # the loop did wait once
    assert transport.requests == 1  # and sent nothing after the deadline
    assert type(caught.value) is ik.TransportError, caught.value
    assert "refused" in str(caught.value)
    assert "the call's deadline (0.2 s) passed" in str(caught.value)
    assert caught.value.attempts == 1


def test_a_rate_limited_call_ends_with_its_429_when_the_wait_overslept(oversleeping: list[float]) -> None:
    """As the async loop does when the loop comes back late: the call ends with the answer it had."""
    transport = _Transport(httpx.Response(429, content=b"{}", headers={"Retry-After": "0"}))
    client = _client_on(transport)
    with client, pytest.raises(ik.InvoiceKitError) as caught:
        _payabli_call(client, True)
    assert oversleeping == [0.0]
    assert transport.requests == 1
    assert type(caught.value) is ik.RateLimitError, caught.value


# -- the files an attempt opens are closed, whatever ends it ------------------------------------------------


class _Interrupted(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport whose send is interrupted (Ctrl-C): a BaseException that goes on unchanged."""

    def __init__(self) -> None:
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        raise KeyboardInterrupt

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        raise KeyboardInterrupt


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_file_opened_for_an_attempt_is_closed_when_the_send_is_interrupted(
    kind: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too large to read in one go is opened for the attempt (streamed): the send loop opens it
    lazily (no ExitStack per attempt when none is opened), and must close it on any way out."""
    from invoicekit import _files

    opened: list[Any] = []
    real_open = _files._open_path

    def recording(path: Any) -> tuple[Any, int]:
        handle, size = real_open(path)
        opened.append(handle)
        return handle, size

    monkeypatch.setattr(_files, "_open_path", recording)
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"%" + b"x" * 200_000 + b"\n%%EOF\n")  # > one 64 KiB chunk
    transport = _Interrupted()
    options: dict[str, Any] = {"api_key": "uk-test-0123", "api_secret": "us-test-0123"}
    if kind == "sync":
        client: Any = ik.Upflow(**options, http_client=httpx.Client(transport=transport))
        with pytest.raises(KeyboardInterrupt) as caught:
            client.invoices.upload_pdf("inv_1", str(path))
    else:
        import asyncio

        async def run() -> None:
            aclient = ik.AsyncUpflow(**options, http_client=httpx.AsyncClient(transport=transport))
            await aclient.invoices.upload_pdf("inv_1", str(path))

        with pytest.raises(KeyboardInterrupt) as caught:
            asyncio.run(run())
    # Checked while the traceback (and so the send loop's frame and what it holds) is still alive: no
    # garbage collection closed the file in its place.
    assert caught.value.__traceback__ is not None
    assert transport.requests == 1
    assert opened, "the file was not opened for the attempt"
    assert all(handle.closed for handle in opened)
