"""A caller's own httpx transport (``http_client=httpx.Client(transport=...)``) that raises something
httpx never does (KeyError, ValueError, TypeError...) while sending: it may have raised after the request
left, so the call reads as a broken send, never as the raw exception. An unsafe call is
``OutcomeUnknownError`` and is not resent; a safe one is a ``TransportError``, not retried either (an
exception a transport is not expected to raise is no transient network failure). The original is
chained as ``__cause__``, its text scrubbed of credentials. A BaseException (KeyboardInterrupt,
SystemExit, a cancel) goes on untouched.
"""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import RetryPolicy

FAST = RetryPolicy(initial=0, cap=0, jitter=False)
SECRET = "s3cr3t-Zq9-value"
RAISED = [
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    ZeroDivisionError,
    LookupError,
    RuntimeError,
    OSError,
]


class Raising(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that raises *error* for every request, counting the requests it was given."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise self.error

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise self.error


def _whmcs(transport: Raising) -> ik.Whmcs:
    return ik.Whmcs(
        "http://127.0.0.1:1", "ident", SECRET, retry=FAST, http_client=httpx.Client(transport=transport)
    )


def _check(error: ik.TransportError, raised: BaseException, expected: type, transport: Raising) -> None:
    assert type(error) is expected
    assert error.__cause__ is raised
    assert error.attempts == 1
    assert transport.calls == 1  # neither resent (unsafe) nor retried (safe)
    assert SECRET not in str(error)
    assert SECRET not in str(error.__cause__)
    assert SECRET not in repr(error.__cause__)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is expected
    assert str(copy) == str(error)


@pytest.mark.parametrize("kind", RAISED, ids=lambda k: k.__name__)
def test_an_unsafe_call_through_a_raising_transport_is_outcome_unknown_and_not_resent(kind: type) -> None:
    raised = kind(f"broke while sending with {SECRET}")
    transport = Raising(raised)
    with pytest.raises(ik.InvoiceKitError) as caught:
        _whmcs(transport).call("AddInvoicePayment", invoiceid=1)  # call(): unsafe unless told otherwise
    _check(caught.value, raised, ik.OutcomeUnknownError, transport)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", RAISED, ids=lambda k: k.__name__)
def test_a_safe_call_through_a_raising_transport_is_a_transport_error_not_retried(kind: type) -> None:
    raised = kind(f"broke while sending with {SECRET}")
    transport = Raising(raised)
    with pytest.raises(ik.InvoiceKitError) as caught:
        _whmcs(transport).call("GetInvoice", idempotent=True, invoiceid=1)
    _check(caught.value, raised, ik.TransportError, transport)  # type: ignore[arg-type]


def _run_async_call(transport: httpx.AsyncBaseTransport, *, idempotent: bool) -> None:
    """One WHMCS call through an async client over *transport*, in a fresh event loop."""

    async def main() -> None:
        http = httpx.AsyncClient(transport=transport)
        async with ik.AsyncWhmcs(
            "http://127.0.0.1:1", "ident", SECRET, retry=FAST, http_client=http
        ) as client:
            await client.call("GetInvoice", idempotent=idempotent, invoiceid=1)

    asyncio.run(main())


@pytest.mark.parametrize("kind", [KeyError, ValueError, TypeError], ids=lambda k: k.__name__)
@pytest.mark.parametrize("idempotent", [True, False], ids=["safe", "unsafe"])
def test_the_async_client_types_a_raising_transport_the_same_way(kind: type, idempotent: bool) -> None:
    raised = kind(f"broke while sending with {SECRET}")
    transport = Raising(raised)

    with pytest.raises(ik.InvoiceKitError) as caught:
        _run_async_call(transport, idempotent=idempotent)
    expected = ik.TransportError if idempotent else ik.OutcomeUnknownError
    _check(caught.value, raised, expected, transport)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [KeyboardInterrupt, SystemExit, GeneratorExit], ids=lambda k: k.__name__)
def test_a_base_exception_from_the_transport_goes_on_untouched(kind: type) -> None:
    raised = kind()
    transport = Raising(raised)
    with pytest.raises(kind) as caught:
        _whmcs(transport).call("GetInvoice", idempotent=True, invoiceid=1)
    assert caught.value is raised
    assert transport.calls == 1


def test_a_cancel_raised_by_an_async_transport_goes_on_untouched() -> None:
    raised = asyncio.CancelledError()
    transport = Raising(raised)

    with pytest.raises(asyncio.CancelledError) as caught:
        _run_async_call(transport, idempotent=True)
    assert caught.value is raised


def run_bulk_journal(transport: httpx.AsyncBaseTransport, journal: Path) -> tuple[Any, dict[str, Any], str]:
    """Bulk over one async WHMCS client on *transport*: an unsafe job ("fee": adds a line) and a safe one
    ("due": sets the due date). Returns the report, the journal's rows by id (state, error class, error) and
    the journal's whole SQL dump.
    """
    import datetime as dt
    import sqlite3
    from decimal import Decimal

    from invoicekit import InvoiceChange, bulk
    from invoicekit.whmcs import NewItem

    client = ik.AsyncWhmcs(
        "http://127.0.0.1:1", "ident", SECRET, retry=FAST, http_client=httpx.AsyncClient(transport=transport)
    )
    fee = NewItem("Late fee", Decimal("15.00"), taxed=False)
    jobs = [
        bulk.Job("whmcs", 1000, bulk.Native("update", new_items=[fee]), id="fee"),  # unsafe
        bulk.Job("whmcs", 1001, InvoiceChange(due_date=dt.date(2027, 1, 1)), id="due"),  # safe
    ]
    report = bulk.run(jobs, journal, clients={"whmcs": client})
    with sqlite3.connect(journal) as db:
        rows = {row[0]: row[1:] for row in db.execute("SELECT id, state, error_class, error FROM jobs")}
        dump = "\n".join(db.iterdump())
    return report, rows, dump


def test_bulk_journals_a_raising_transport_by_the_call_s_safety(tmp_path: Path) -> None:
    pytest.importorskip("limits")
    report, rows, _ = run_bulk_journal(Raising(KeyError(f"broke with {SECRET}")), tmp_path / "run.db")
    assert rows["fee"][:2] == ("unknown", "OutcomeUnknownError")  # may have run: never resent by a rerun
    assert rows["due"][:2] == ("failed", "TransportError")
    assert all(SECRET not in (row[2] or "") for row in rows.values())
    assert report.counts["unknown"] == 1
