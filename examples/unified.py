"""One change, any provider: the same InvoiceChange planned and applied at all five fakes.

    python examples/unified.py

Each provider gets the same edit (new due date, memo, PO number, PDF, billing email). A field a provider
cannot take is skipped, and said so (on_unsupported="skip"); without it, apply raises ValidationError
naming those fields before sending anything. ``plan`` shows the exact native request first, secrets masked.
Everything runs against the in-memory fakes of invoicekit.testing: no account, no network.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import invoicekit
from invoicekit import InvoiceChange, invoro
from invoicekit.testing import FakeInvoro, FakePayabli, FakeSalesbricks, FakeUpflow, FakeWhmcs

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

CHANGE = InvoiceChange(
    due_date=dt.date(2026, 1, 31),
    memo="Paid by wire",
    po_number="PO-778",
    pdf=invoicekit.File(PDF, filename="inv-42.pdf"),  # bytes: read again for each provider
    customer_emails=["ap@customer.example"],
)


def show(name: str, client: Any, invoice: object, **kwargs: Any) -> None:
    with client:
        plan = client.invoices.plan(invoice, CHANGE, on_unsupported="skip", **kwargs)
        print(f"== {name}\n{plan}")
        applied = client.invoices.apply(invoice, CHANGE, on_unsupported="skip", **kwargs)
    print(f"-> applied {', '.join(applied.applied)}; skipped {', '.join(applied.skipped) or 'nothing'}")
    print(f"   result: {type(applied.result).__name__}\n")


def main() -> None:
    print("The capability table (docs/capabilities.md has each cell's wire effect):")
    print(invoicekit.capabilities(), "\n")

    upflow = FakeUpflow()
    upflow.add_invoice("inv_8f3a", external_id="ERP-42")
    show("Upflow", upflow.client(), invoicekit.ExternalId("ERP-42"))

    salesbricks = FakeSalesbricks()
    sb_invoice = salesbricks.add_invoice(attachments=["old.pdf"])
    show("Salesbricks", salesbricks.client(), sb_invoice.invoice_id)
    print(f"   stored: memo={sb_invoice.invoice_memo!r}, PO={sb_invoice.purchase_order!r}\n")

    payabli = FakePayabli()
    payabli.add_invoice(1001, invoice_status=1, invoice_data={"invoiceAmount": 100})
    show("Payabli", payabli.client(), 1001)
    data = payabli.invoices[1001].invoice_data
    print(f"   stored: due {data['invoiceDueDate']}, PO {data['purchaseOrder']!r}\n")

    fake_invoro = FakeInvoro()
    draft = fake_invoro.add_invoice()
    base = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-2026-0042", currency="EUR"))
    show("Invoro", fake_invoro.client(), draft.id, base=base)  # the PUT replaces the draft: base= is required

    whmcs = FakeWhmcs()
    whmcs.add_invoice(42)
    show("WHMCS", whmcs.client(), 42)
    stored = whmcs.invoices[42]
    print(f"   stored: due {stored.due_date}, notes {stored.notes!r}")


if __name__ == "__main__":
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    main()
