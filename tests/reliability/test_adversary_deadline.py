"""Adversary tests for the deadline, the answer size cap and the client options (issue 13 items 3-4,
issue 18 options): a hostile loopback server (tests/reliability/_hostile.py) and a careless caller.

Outcomes are the assertions; elapsed times only generous upper bounds that prove a cut happened.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from decimal import Decimal
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import payabli

from . import _hostile as h
from .test_hostile import KINDS, MARGIN, SUCCESS, run

# -- careless caller: absurd numbers of seconds ---------------------------------------------------------

ABSURD_SECONDS = [10**400, 1e300, 1e12]


@pytest.mark.parametrize("option", ["deadline", "timeout"])
@pytest.mark.parametrize("value", ABSURD_SECONDS, ids=["10**400", "1e300", "1e12"])
def test_absurd_seconds_are_validation_errors(option: str, value: Any) -> None:
    """10**400 raised a raw OverflowError from math.isfinite; 1e300 was accepted and, with deadline and
    timeout both that large, the call died on a raw OverflowError from the socket layer at send time.
    """
    given: dict[str, Any] = {option: value}
    with pytest.raises(ik.ValidationError) as made:
        ik.Payabli(api_key="pk-test-0123", **given)
    assert made.value.field == option
    client = ik.Payabli(api_key="pk-test-0123")
    with pytest.raises(ik.ValidationError) as copied:
        client.with_options(**given)
    assert copied.value.field == option
    with pytest.raises(ik.ValidationError) as parted:
        ik.Payabli(api_key="pk-test-0123", timeout=httpx.Timeout(5.0, read=value))
    assert parted.value.field == "timeout.read"
    client.close()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_largest_allowed_deadline_and_timeout_still_send(kind: str) -> None:
    """The bound is generous: a day of deadline and of timeout goes out and comes back."""
    with h.Hostile() as server:
        server.script = h.answer(200, SUCCESS)
        outcome, _ = await run(server, kind, deadline=86400.0, timeout=86400.0)
    assert isinstance(outcome, payabli.InvoiceResponse), outcome


# -- hostile server: content encodings ---------------------------------------------------------------


def _raw_deflate(data: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return z.compress(data) + z.flush()


STACKED = [
    ("gzip, gzip", gzip.compress(gzip.compress(SUCCESS))),
    ("identity, gzip", gzip.compress(SUCCESS)),
    ("deflate, gzip", gzip.compress(zlib.compress(SUCCESS))),
    ("GZIP , Identity", gzip.compress(SUCCESS)),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("encoding", "body"), STACKED, ids=[e for e, _ in STACKED])
async def test_stacked_content_encodings_are_decoded(kind: str, encoding: str, body: bytes) -> None:
    """RFC 9110 lists codings in the order applied; httpx decoded them before, BodyReader refused them
    as an encoding 'invoicekit does not read' (a regression: the same answer used to succeed).
    """
    with h.Hostile() as server:
        server.script = h.answer(200, body, {"Content-Encoding": encoding})
        outcome, _ = await run(server, kind)
    assert isinstance(outcome, payabli.InvoiceResponse), outcome
    assert outcome.response_data == 3625


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_stacked_gzip_bomb_still_stops_at_max_response_bytes(kind: str) -> None:
    """gzip inside gzip: the limit still counts the bytes after the last decoding, streamed."""
    inner = gzip.compress(b" " * (4 << 20), 9)
    with h.Hostile() as server:
        server.script = h.answer(200, gzip.compress(inner, 9), {"Content-Encoding": "gzip, gzip"})
        outcome, _ = await run(server, kind, max_response_bytes=1 << 20)
    assert type(outcome) is ik.DecodeError, outcome
    assert outcome.status_code == 200
    assert "max_response_bytes" in str(outcome)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("wrapped", [False, True], ids=["raw", "zlib"])
async def test_deflate_trickled_one_byte_at_a_time_is_decoded(kind: str, wrapped: bool) -> None:
    """Raw deflate was told apart from zlib-wrapped by the first chunk alone: one byte cannot fail the
    zlib header check, so a raw body arriving a byte at a time was read as zlib and called corrupt.
    """
    body = zlib.compress(SUCCESS) if wrapped else _raw_deflate(SUCCESS)
    with h.Hostile() as server:
        server.script = h.trickled_answer(200, body, {"Content-Encoding": "deflate"})
        outcome, _ = await run(server, kind)
    assert isinstance(outcome, payabli.InvoiceResponse), outcome


# -- hostile server: the deadline --------------------------------------------------------------------


def _bounded(server: h.Hostile, kind: str, limit: float, **options: Any) -> tuple[Any, float]:
    """`run` in a daemon thread: a call that never ends fails the test instead of hanging the suite."""
    import threading

    box: list[tuple[Any, float]] = []
    worker = threading.Thread(
        target=lambda: box.append(asyncio.run(run(server, kind, **options))), daemon=True
    )
    worker.start()
    worker.join(limit)
    assert box, f"the call was still running after {limit} s"
    return box[0]


@pytest.mark.anyio
@pytest.mark.parametrize("passed", [False, True], ids=["own-pool", "callers-client"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_endless_informational_answers_are_cut_at_the_deadline(
    kind: str, unsafe: bool, passed: bool
) -> None:
    """A 103 Early Hints every 50 ms, forever: each is a small complete event, so the parser's header
    limit never trips. With a caller's blocking httpx.Client the call never ended (docs/retries.md said
    the header limit would stop it).
    """
    with h.Hostile() as server:
        server.script = h.endless_informational()
        outcome, took = _bounded(server, kind, 0.6 + 2 * MARGIN, unsafe=unsafe, passed=passed, deadline=0.6)
        assert len(server.requests) == 1
    assert type(outcome) is (ik.OutcomeUnknownError if unsafe else ik.TransportError), outcome
    assert took < 0.6 + MARGIN


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_trickled_headers_with_a_callers_client_are_cut_at_the_deadline(kind: str) -> None:
    """A header byte every 50 ms with a caller's client: cut at the deadline, not after 100 KiB (85 min)."""
    with h.Hostile() as server:
        server.script = h.trickled_headers()
        outcome, took = _bounded(server, kind, 0.6 + 2 * MARGIN, unsafe=True, passed=True, deadline=0.6)
    assert type(outcome) is ik.OutcomeUnknownError, outcome
    assert "deadline" in str(outcome)
    assert took < 0.6 + MARGIN


def _unsafe(client: Any) -> Any:
    data = payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
    customer = payabli.PayorData(first_name="Ada", last_name="L")
    return client.invoices.update(
        1001, invoice_data=data, customer_data=customer, force_customer_creation=True
    )


def _safe(client: Any) -> Any:
    data = payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
    return client.invoices.update(1001, invoice_data=data)


@pytest.mark.anyio
async def test_async_unsafe_call_cut_while_waiting_for_the_pool_is_a_transport_error() -> None:
    """Pool of one: a trickled call holds the connection; an unsafe call queued behind it never reaches
    the wire before its deadline. The blocking client says TransportError (PoolTimeout, nothing sent, as
    docs/retries.md promises); the async client said OutcomeUnknownError ("it may have been applied").
    """
    with h.Hostile() as server:
        server.script = h.trickled_body()
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as http:
            client = ik.AsyncPayabli(
                api_key="pk-test-0123", base_url=server.url, http_client=http, max_retries=0
            )
            holder = asyncio.create_task(_safe(client.with_options(deadline=1.0)))
            while not server.requests:
                await asyncio.sleep(0.01)
            with pytest.raises(ik.InvoiceKitError) as cut:
                await _unsafe(client.with_options(deadline=0.3))
            with pytest.raises(ik.TransportError):
                await holder
        assert len(server.requests) == 1  # the unsafe call never reached the server
    assert type(cut.value) is ik.TransportError, cut.value
    assert "deadline" in str(cut.value)


def test_sync_unsafe_call_cut_while_waiting_for_the_pool_is_a_transport_error() -> None:
    """The blocking twin of the test above (it held already; kept so the two stay alike)."""
    import threading

    with h.Hostile() as server:
        server.script = h.trickled_body()
        with httpx.Client(limits=httpx.Limits(max_connections=1)) as http:
            client = ik.Payabli(api_key="pk-test-0123", base_url=server.url, http_client=http, max_retries=0)

            def hold() -> None:
                with pytest.raises(ik.TransportError):
                    _safe(client.with_options(deadline=1.0))

            holder = threading.Thread(target=hold)
            holder.start()
            started = time.monotonic()
            while not server.requests and time.monotonic() - started < 5:
                time.sleep(0.01)
            with pytest.raises(ik.InvoiceKitError) as cut:
                _unsafe(client.with_options(deadline=0.3))
            holder.join()
        assert len(server.requests) == 1
    assert type(cut.value) is ik.TransportError, cut.value


def _slow_answer(delay: float) -> h.Script:
    def script(conn: Any) -> None:
        time.sleep(delay)
        h.answer(200, SUCCESS)(conn)

    return script


@pytest.mark.parametrize("passed", [False, True], ids=["own-pool", "callers-client"])
def test_one_threads_deadline_never_reaches_another_threads_socket(passed: bool) -> None:
    """One pool (and, with a caller's client, the deadline wrapper now installed on it), two threads at
    once: the 0.3 s call is cut, the 5 s call on the same pool gets its 1 s answer.
    """
    import threading

    with h.Hostile() as server:
        server.script = _slow_answer(1.0)
        http = httpx.Client() if passed else None
        client = ik.Payabli(api_key="pk-test-0123", base_url=server.url, http_client=http, max_retries=0)
        outcomes: dict[str, Any] = {}

        def one(name: str, deadline: float) -> None:
            try:
                outcomes[name] = _safe(client.with_options(deadline=deadline))
            except ik.InvoiceKitError as exc:
                outcomes[name] = exc

        threads = [threading.Thread(target=one, args=a) for a in (("long", 5.0), ("short", 0.3))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        client.close()
        if http is not None:
            http.close()
    assert type(outcomes["short"]) is ik.TransportError, outcomes
    assert isinstance(outcomes["long"], payabli.InvoiceResponse), outcomes


@pytest.mark.anyio
async def test_one_tasks_deadline_never_reaches_another_task() -> None:
    """The async twin: two tasks on one AsyncClient, 0.3 s and 5 s, against a 1 s answer."""
    with h.Hostile() as server:
        server.script = _slow_answer(1.0)
        async with ik.AsyncPayabli(api_key="pk-test-0123", base_url=server.url, max_retries=0) as client:
            outcomes: tuple[Any, Any] = await asyncio.gather(
                _safe(client.with_options(deadline=0.3)),
                _safe(client.with_options(deadline=5.0)),
                return_exceptions=True,
            )
    short, long_ = outcomes
    assert type(short) is ik.TransportError, short
    assert isinstance(long_, payabli.InvoiceResponse), long_
