"""Shared pieces of the bulk tests: fakes seeded with invoices, and jobs against them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from invoicekit import InvoiceChange, RetryPolicy, bulk
from invoicekit.testing import FakeSalesbricks, FakeUpflow, FakeWhmcs
from invoicekit.whmcs import NewItem

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FAST = RetryPolicy(initial=0.0, cap=0.0, jitter=False)
FEE = "Late payment fee"


def fakes(n: int) -> dict[str, Any]:
    """Upflow invoices ERP-0.., WHMCS invoices 1000.., Salesbricks invoices sb-0..: *n* of each."""
    up, wh, sb = FakeUpflow(), FakeWhmcs(), FakeSalesbricks()
    for i in range(n):
        up.add_invoice(f"inv_{i}", external_id=f"ERP-{i}")
        wh.add_invoice(1000 + i, lines=[("Hosting", Decimal("10.00"), False)])
        sb.add_invoice(f"sb-{i}")
    return {"upflow": up, "whmcs": wh, "salesbricks": sb}


def jobs(n: int, kinds: tuple[str, ...] = ("upflow", "fee", "due", "memo")) -> list[bulk.Job]:
    """Per invoice number: an Upflow PDF (safe), a WHMCS late fee (native new_items: unsafe), a WHMCS due
    date (a change: safe), a Salesbricks memo (a change with the idempotency key bulk gives it).
    """
    out = []
    for i in range(n):
        if "upflow" in kinds:
            out.append(bulk.Job("upflow", f"external:ERP-{i}", InvoiceChange(pdf=PDF), id=f"up-{i}"))
        if "fee" in kinds:
            fee = NewItem(FEE, Decimal("15.00"), taxed=False)
            out.append(bulk.Job("whmcs", 1000 + i, bulk.Native("update", new_items=[fee]), id=f"fee-{i}"))
        if "due" in kinds:
            change = InvoiceChange(due_date=dt.date(2027, 1, 1 + i % 28))
            out.append(bulk.Job("whmcs", 1000 + i, change, id=f"due-{i}"))
        if "memo" in kinds:
            out.append(bulk.Job("salesbricks", f"sb-{i}", InvoiceChange(memo=f"memo {i}"), id=f"memo-{i}"))
    return out


def fees(fake: FakeWhmcs, invoice: int) -> int:
    return sum(line.description == FEE for line in fake.invoices[invoice].lines.values())


def clients(fks: dict[str, Any], **options: Any) -> dict[str, Any]:
    options.setdefault("retry", FAST)
    return {name: fake.async_client(**options) for name, fake in fks.items()}
