"""The fakes' arithmetic is the server's, not the caller's: a test that sets a low decimal precision (or
traps ``Inexact``) in its own thread still gets the totals the provider would compute.

The in-process fakes answer on the caller's thread, so before this they computed WHMCS' tax and Invoro's
line totals in the caller's decimal context (``prec = 2`` turned a 1234.56 line into 1200).
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from invoicekit import invoro
from invoicekit.testing import FakeInvoro, FakeWhmcs
from invoicekit.whmcs import NewItem

ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"


def _careless(*, trapped: bool) -> decimal.Context:
    context = decimal.Context(prec=2)
    if trapped:
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
    return context


@pytest.mark.parametrize("trapped", [False, True], ids=["rounding", "trapped"])
def test_whmcs_fake_totals_ignore_the_callers_context(trapped: bool) -> None:
    fake = FakeWhmcs()
    fake.add_invoice(42, lines=[("Hosting", Decimal("1234.56"), True)])
    with fake.client() as client, decimal.localcontext(_careless(trapped=trapped)):
        client.invoices.update(
            42, tax_rate=Decimal("19"), new_items=[NewItem("Setup", Decimal("0.07"), True)]
        )
        got = client.call("GetInvoice", invoiceid=42, idempotent=True)
    assert (got["subtotal"], got["tax"], got["total"]) == ("1234.63", "234.58", "1469.21")


@pytest.mark.parametrize("trapped", [False, True], ids=["rounding", "trapped"])
def test_invoro_fake_line_totals_ignore_the_callers_context(trapped: bool) -> None:
    fake = FakeInvoro()
    fake.add_invoice(ID)
    lines = [invoro.Line(quantity=Decimal(3), price=Decimal("1234.56"))]
    with fake.client() as client, decimal.localcontext(_careless(trapped=trapped)):
        client.invoices.update_draft(ID, invoro.DraftInvoice(lines=lines), calculate_totals=True)
    assert [item["line_total"] for item in fake.invoices[ID].document["items"]] == [370368]
