"""Bounded time and memory against a hostile server (tests/reliability/_hostile.py, real loopback sockets).

Every test runs a real client, sync and async, with a safe and an unsafe call where the class differs:
the deadline cuts trickled headers and bodies and refuses waits that would pass it; max_response_bytes
stops endless bodies and gzip bombs; bodies a call ignores are not read past 64 KiB. Elapsed times are
asserted only as generous upper bounds (the outcome is the assertion; the bound proves the cut).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import payabli

from . import _hostile as h
from ._scenarios import FAST, PDF

KINDS = ("sync", "async")
SAFETY = [False, True]
SAFETY_IDS = ["safe", "unsafe"]
MARGIN = 3.0  # seconds: far above any scheduling delay, far below what the hostile server would take
SUCCESS = (
    b'{"isSuccess": true, "responseCode": 1, "responseData": 3625, "responseText": "Success", "roomId": 0}'
)
CLIENTS: dict[str, tuple[type[Any], type[Any], dict[str, str]]] = {
    "payabli": (ik.Payabli, ik.AsyncPayabli, {"api_key": "pk-test-0123"}),
    "upflow": (ik.Upflow, ik.AsyncUpflow, {"api_key": "uk-test-0123", "api_secret": "us-test-0123"}),
}


@pytest.fixture
def server() -> Iterator[h.Hostile]:
    with h.Hostile() as served:
        yield served


def _payabli_call(client: Any, unsafe: bool) -> Any:
    data = payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
    if unsafe:  # force_customer_creation: creates a customer, never resent
        customer = payabli.PayorData(first_name="Ada", last_name="L")
        return client.invoices.update(
            1001, invoice_data=data, customer_data=customer, force_customer_creation=True
        )
    return client.invoices.update(1001, invoice_data=data)


def _upflow_call(client: Any, unsafe: bool) -> Any:
    return client.invoices.upload_pdf("inv_1", PDF)


CALLS = {"payabli": _payabli_call, "upflow": _upflow_call}


async def run(
    server: h.Hostile,
    kind: str,
    *,
    unsafe: bool = False,
    provider: str = "payabli",
    passed: bool = False,
    **options: Any,
) -> tuple[Any, float]:
    """(the result or the InvoiceKitError raised, seconds taken) of one call against *server*."""
    sync_cls, async_cls, credentials = CLIENTS[provider]
    options = {"retry": FAST, "timeout": httpx.Timeout(5.0), "base_url": server.url + "/api", **options}
    started = time.monotonic()
    try:
        if kind == "sync":
            http = httpx.Client() if passed else None
            with sync_cls(**credentials, http_client=http, **options) as client:
                result = CALLS[provider](client, unsafe)
            if http is not None:
                http.close()
        else:
            ahttp = httpx.AsyncClient() if passed else None
            async with async_cls(**credentials, http_client=ahttp, **options) as aclient:
                result = await CALLS[provider](aclient, unsafe)
            if ahttp is not None:
                await ahttp.aclose()
    except ik.InvoiceKitError as exc:
        return exc, time.monotonic() - started
    return result, time.monotonic() - started


def _cut(outcome: Any, unsafe: bool) -> None:
    """A call cut mid-flight: OutcomeUnknownError when it must not run twice, else a TransportError."""
    if unsafe:
        assert type(outcome) is ik.OutcomeUnknownError, outcome
    else:
        assert type(outcome) is ik.TransportError, outcome
    assert "deadline" in str(outcome)


# -- the deadline -------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", SAFETY, ids=SAFETY_IDS)
async def test_trickled_headers_are_cut_at_the_deadline(server: h.Hostile, kind: str, unsafe: bool) -> None:
    """One header byte every 50 ms never trips a 5 s read timeout; the 0.6 s deadline cuts the call."""
    server.script = h.trickled_headers()
    outcome, took = await run(server, kind, unsafe=unsafe, deadline=0.6)
    _cut(outcome, unsafe)
    assert took < 0.6 + MARGIN
    assert len(server.requests) == 1  # no attempt is started once the deadline has passed


@pytest.mark.anyio
async def test_trickled_headers_are_cut_with_a_callers_async_client(server: h.Hostile) -> None:
    """A caller's AsyncClient is bounded the same way (the whole attempt runs under the deadline)."""
    server.script = h.trickled_headers()
    outcome, took = await run(server, "async", unsafe=True, passed=True, deadline=0.6)
    _cut(outcome, True)
    assert took < 0.6 + MARGIN


@pytest.mark.anyio
async def test_stalled_headers_with_a_callers_sync_client_end_at_the_deadline(server: h.Hostile) -> None:
    """With a caller's blocking client, each read waits at most min(read timeout, time left): a server that
    stalls after the status line is cut at the 0.6 s deadline, not at the 5 s read timeout.
    """
    server.script = h.stalled_headers()
    outcome, took = await run(server, "sync", unsafe=True, passed=True, deadline=0.6)
    assert type(outcome) is ik.OutcomeUnknownError
    assert isinstance(outcome.__cause__, httpx.ReadTimeout)
    assert took < 0.6 + MARGIN


@pytest.mark.anyio
@pytest.mark.parametrize("passed", [False, True], ids=["own-pool", "callers-client"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", SAFETY, ids=SAFETY_IDS)
async def test_trickled_body_is_cut_at_the_deadline(
    server: h.Hostile, kind: str, unsafe: bool, passed: bool
) -> None:
    """A 200 whose body arrives one byte every 50 ms: cut at the deadline, typed by the call's safety."""
    server.script = h.trickled_body()
    outcome, took = await run(server, kind, unsafe=unsafe, passed=passed, deadline=0.6)
    _cut(outcome, unsafe)
    assert took < 0.6 + MARGIN
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_a_wait_past_the_deadline_is_not_started(server: h.Hostile, kind: str) -> None:
    """429 with Retry-After: 60 under a 2 s deadline raises at once, with the wait the provider asked for."""
    server.script = h.answer(429, b'{"responseText": "slow down"}', {"Retry-After": "60"})
    policy = ik.RetryPolicy(max_retry_after=120)  # the policy alone would wait the 60 s
    outcome, took = await run(server, kind, retry=policy, deadline=2.0)
    assert type(outcome) is ik.RateLimitError
    assert outcome.retry_after == 60.0
    assert outcome.status_code == 429
    assert took < 2.0  # it did not wait out the deadline either
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_a_backoff_past_the_deadline_is_not_started(server: h.Hostile, kind: str) -> None:
    """A safe call's 503, whose next backoff (5 s) would pass the 1 s deadline: the ServerError at once."""
    server.script = h.answer(503, b'{"responseText": "down"}')
    outcome, took = await run(server, kind, retry=ik.RetryPolicy(initial=5, jitter=False), deadline=1.0)
    assert type(outcome) is ik.ServerError
    assert outcome.status_code == 503
    assert took < 1.0
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_waits_within_the_deadline_still_happen(server: h.Hostile, kind: str) -> None:
    """The deadline only refuses waits that would pass it: a short Retry-After is waited and retried."""
    server.script = h.answer(429, b"{}", {"Retry-After": "0.05"})
    outcome, _ = await run(server, kind, retry=ik.RetryPolicy(rate_limit_attempts=3), deadline=30.0)
    assert type(outcome) is ik.RateLimitError
    assert len(server.requests) == 3


# -- the size of an answer ----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [200, 400])
async def test_endless_body_stops_at_max_response_bytes(server: h.Hostile, kind: str, status: int) -> None:
    """An endless answer is read up to max_response_bytes, then DecodeError with the real status."""
    server.script = h.endless_body(status)
    outcome, took = await run(server, kind, max_response_bytes=1 << 20, deadline=20.0)
    assert type(outcome) is ik.DecodeError
    assert (outcome.status_code, outcome.provider) == (status, "payabli")
    assert "max_response_bytes (1048576 bytes" in str(outcome)
    assert took < 20.0


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_endless_503_to_an_unsafe_call_is_still_outcome_unknown(server: h.Hostile, kind: str) -> None:
    """The class the status calls for still applies: a 503 to an unsafe call may have run."""
    server.script = h.endless_body(503)
    outcome, _ = await run(server, kind, unsafe=True, max_response_bytes=1 << 20)
    assert type(outcome) is ik.OutcomeUnknownError
    assert outcome.status_code == 503
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_gzip_bomb_stops_at_max_response_bytes_after_decompression(
    server: h.Hostile, kind: str
) -> None:
    """20 MiB of spaces in ~20 KB of gzip: counted after decompression, refused past 16 MiB (the default)."""
    server.script = h.gzip_bomb(20 << 20)
    outcome, _ = await run(server, kind)
    assert type(outcome) is ik.DecodeError
    assert outcome.status_code == 200
    assert f"max_response_bytes ({16 << 20} bytes, counted after decompression)" in str(outcome)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_gzip_answer_within_the_limit_is_read(server: h.Hostile, kind: str) -> None:
    """A gzip-encoded success is decoded as before."""
    import gzip

    server.script = h.answer(200, gzip.compress(SUCCESS), {"Content-Encoding": "gzip"})
    outcome, _ = await run(server, kind)
    assert isinstance(outcome, payabli.InvoiceResponse), outcome
    assert outcome.response_data == 3625


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("body", "encoding", "why"),
    [
        (b"\x1f\x8b\x08\x00not gzip at all", "gzip", "encoding is corrupt"),
        (b"\x8b\x00\x00", "br", "does not read ('br')"),
    ],
    ids=["corrupt-gzip", "unknown-encoding"],
)
async def test_unreadable_encoding_is_a_decode_error(
    server: h.Hostile, kind: str, body: bytes, encoding: str, why: str
) -> None:
    server.script = h.answer(200, body, {"Content-Encoding": encoding})
    outcome, _ = await run(server, kind)
    assert type(outcome) is ik.DecodeError
    assert outcome.status_code == 200
    assert why in str(outcome)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_announced_oversize_is_refused_without_reading(server: h.Hostile, kind: str) -> None:
    """Content-Length: 1 GiB, then silence: refused from the header alone (reading would hit the deadline)."""
    server.script = h.claims_length(1 << 30)
    outcome, took = await run(server, kind, deadline=10.0)
    assert type(outcome) is ik.DecodeError
    assert outcome.status_code == 200
    assert took < 10.0


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_ignored_body_is_not_read_past_64_kib(server: h.Hostile, kind: str) -> None:
    """Upflow's 2xx body is ignored: an endless one is dropped after 64 KiB and the upload succeeds."""
    server.script = h.endless_body(200)
    outcome, took = await run(server, kind, provider="upflow", deadline=20.0)
    assert outcome is None
    assert took < 20.0


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_ignored_body_is_not_decoded(server: h.Hostile, kind: str) -> None:
    """An ignored 2xx body in an encoding invoicekit does not read (or a corrupt one) is still a success."""
    server.script = h.answer(200, b"\x8b\x00 not brotli", {"Content-Encoding": "br"})
    outcome, _ = await run(server, kind, provider="upflow")
    assert outcome is None


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_ignored_call_still_reads_its_error_body(server: h.Hostile, kind: str) -> None:
    """The 64 KiB limit is for a body the call ignores; an error answer to the same call is read (capped)."""
    server.script = h.answer(404, b'{"message": "no such invoice"}')
    outcome, _ = await run(server, kind, provider="upflow")
    assert type(outcome) is ik.NotFoundError
    assert outcome.message == "no such invoice"


# -- broken answers -----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", SAFETY, ids=SAFETY_IDS)
async def test_mid_body_drop(server: h.Hostile, kind: str, unsafe: bool) -> None:
    """A body cut short: a safe call is retried (3 attempts, then TransportError); an unsafe one is not."""
    server.script = h.cut_body()
    outcome, _ = await run(server, kind, unsafe=unsafe)
    if unsafe:
        assert type(outcome) is ik.OutcomeUnknownError
        assert len(server.requests) == 1
    else:
        assert type(outcome) is ik.TransportError
        assert len(server.requests) == 3
    assert isinstance(outcome.__cause__, httpx.RemoteProtocolError)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", SAFETY, ids=SAFETY_IDS)
async def test_giant_headers(server: h.Hostile, kind: str, unsafe: bool) -> None:
    """256 KiB of headers: refused by the HTTP parser's limit, typed by the call's safety."""
    server.script = h.giant_headers()
    outcome, _ = await run(server, kind, unsafe=unsafe)
    assert type(outcome) is (ik.OutcomeUnknownError if unsafe else ik.TransportError)
    assert len(server.requests) == (1 if unsafe else 3)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_ordinary_answer_through_the_hostile_server(server: h.Hostile, kind: str) -> None:
    """The harness itself: a plain success is read and parsed."""
    server.script = h.answer(200, SUCCESS)
    outcome, _ = await run(server, kind)
    assert isinstance(outcome, payabli.InvoiceResponse), outcome
    head = server.requests[0].decode()
    assert head.startswith("PUT /api/Invoice/1001 HTTP/1.1\r\n")
