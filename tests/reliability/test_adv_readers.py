"""Adversary tests, through real clients (sync and async), for the answers read after branch readers.

Finding on the code as merged (0e4ed75): Invoro's integer-cents ``total`` was checked with ``int(total)``,
so one answer ``{"total": 1E+999999999}`` (a JSON number the decoder reads as an exact Decimal) made the
client build a billion-digit integer: minutes of CPU and hundreds of MB, instead of a DecodeError.
"""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
import textwrap
from decimal import Decimal
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit import invoro

SECRET = "adv-secret-4242"
INVOICE = "00000000-0000-0000-0000-000000000007"
DRAFT = invoro.DraftInvoice(header=invoro.Header(invoice_number="I-1", currency="EUR"))


def _invoro(body: bytes, kind: str) -> Any:
    """One update_draft through a real sync or async client whose server answers 201 with *body*."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=body, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    try:
        if kind == "sync":
            with ik.Invoro(api_key=SECRET, http_client=httpx.Client(transport=transport)) as client:
                return client.invoices.update_draft(INVOICE, DRAFT)

        async def run() -> Any:
            async with ik.AsyncInvoro(
                api_key=SECRET, http_client=httpx.AsyncClient(transport=transport)
            ) as c:
                return await c.invoices.update_draft(INVOICE, DRAFT)

        return asyncio.run(run())
    except ik.InvoiceKitError as exc:
        return exc


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("total", [b"1E+45", b"-1E+45", b'"100"', b"1.5", b"true", b"1E-999999999"])
def test_invoro_total_that_is_no_cents_is_a_decode_error(kind: str, total: bytes) -> None:
    """A total that is no whole number of cents of at most 40 digits: a DecodeError naming total."""
    body = b'{"success": true, "data": {"id": "i", "total": ' + total + b"}}"
    error = _invoro(body, kind)
    assert isinstance(error, ik.DecodeError)
    assert (error.status_code, error.provider) == (201, "invoro")
    assert "total" in error.reason
    assert error.__cause__ is None
    assert error.__context__ is None
    assert str(pickle.loads(pickle.dumps(error))) == str(error)  # noqa: S301 - our own bytes


@pytest.mark.parametrize("total", [b"1E+2", b"1E+39", b"100", b"-0", b"250.0"])
def test_invoro_total_in_cents_reads(total: bytes) -> None:
    body = b'{"success": true, "data": {"id": "i", "total": ' + total + b"}}"
    result = _invoro(body, "sync")
    assert isinstance(result, invoro.Invoice)
    assert result.total == Decimal(total.decode()).scaleb(-2)


def test_invoro_huge_exponent_total_does_not_hang() -> None:
    """The exponent read in a child process: on the merged code it ran for minutes (killed at 20 s)."""
    child = textwrap.dedent(
        """
        import httpx, invoicekit as ik
        from invoicekit import invoro
        body = b'{"success": true, "data": {"total": 1E+999999999}}'
        t = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
        draft = invoro.DraftInvoice(header=invoro.Header(invoice_number="I-1", currency="EUR"))
        with ik.Invoro(api_key="k", http_client=httpx.Client(transport=t)) as c:
            try:
                c.invoices.update_draft("00000000-0000-0000-0000-000000000007", draft)
            except ik.DecodeError as e:
                print(type(e).__name__)
        """
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=20)
    assert done.stdout.strip() == "DecodeError", done.stderr
