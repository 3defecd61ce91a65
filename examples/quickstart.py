"""invoicekit in one minute: each provider's operation, end to end, against the bundled fakes.

    python -m pip install . && python examples/quickstart.py

No account, no credentials, no network: every client talks to an in-memory fake from
``invoicekit.testing`` that speaks its provider's exact wire format and keeps the invoices it holds.
The same calls work against the real providers: drop ``fake.client()`` for ``invoicekit.Upflow()`` & co.,
which read their credentials from the environment (see README.md and docs/).
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal

from invoicekit import ExternalId, File, invoro, payabli, salesbricks, whmcs
from invoicekit.testing import FakeInvoro, FakePayabli, FakeSalesbricks, FakeUpflow, FakeWhmcs


def make_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing *text* (what your billing system would have rendered)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def say(provider: str, *lines: str) -> None:
    print(f"{provider:<13}{lines[0]}")
    for line in lines[1:]:
        print(f"{'':<13}{line}")
    print()


def upflow_upload_pdf() -> None:
    fake = FakeUpflow()
    fake.add_invoice("inv_8f3a", external_id="ERP-42")
    pdf = make_pdf("Invoice ERP-42 - total 1,250.00 EUR")
    with fake.client() as client:
        client.invoices.upload_pdf(ExternalId("ERP-42"), File(pdf, filename="ERP-42.pdf"))
    invoice = fake.invoices["inv_8f3a"]
    say(
        "Upflow",
        f"uploaded ERP-42.pdf ({len(pdf)} bytes) to invoice external:ERP-42",
        f"-> Upflow invoice {invoice.id} now has that PDF ({invoice.encoding}, {invoice.uploads} upload)",
    )


def salesbricks_update_with_attachments() -> None:
    fake = FakeSalesbricks()
    invoice = fake.add_invoice(attachments=["terms.pdf", "old-timesheet.pdf"], invoice_memo="")
    terms = invoice.attachments[0]
    before = [a.file_name for a in invoice.attachments]
    with fake.client() as client:
        result = client.invoices.update(
            invoice.invoice_id,
            invoice_memo="Net 30. Thank you!",
            purchase_order="PO-778",
            attachments=[
                salesbricks.Keep(terms.attachment_id),  # kept; old-timesheet.pdf is left out, so removed
                salesbricks.Add(File(make_pdf("Timesheet, March"), filename="timesheet-march.pdf")),
            ],
            reason_for_updating="Customer sent a PO",
        )
    after = [a.file_name for a in result.attachments]
    say(
        "Salesbricks",
        f"updated invoice {invoice.invoice_id[:8]}...",
        f"memo: {''!r} -> {invoice.invoice_memo!r}; purchase order: None -> {invoice.purchase_order!r}",
        f"attachments: {before} -> {after}",
    )


def payabli_update() -> None:
    fake = FakePayabli()
    fake.add_invoice(1001, invoice_status=1, invoice_data={"invoiceAmount": 100, "notes": "draft"})
    before = dict(fake.invoices[1001].invoice_data)
    with fake.client() as client:
        answer = client.invoices.update(
            1001,
            invoice_data=payabli.BillData(
                invoice_amount=Decimal("120.00"),
                invoice_due_date=dt.date(2025, 12, 31),
                items=[
                    payabli.BillItem(item_product_name="Consulting", item_cost=Decimal("120.00"), item_qty=1)
                ],
                notes=None,  # None clears the note
            ),
        )
    after = fake.invoices[1001].invoice_data
    say(
        "Payabli",
        f"updated invoice {answer.response_data}: {answer.response_text}",
        f"amount: {before['invoiceAmount']} -> {after['invoiceAmount']}; notes: {before['notes']!r} -> "
        f"{after['notes']!r}; due: {after['invoiceDueDate']}; {len(after['items'])} line item",
    )


def invoro_update_draft() -> None:
    fake = FakeInvoro()
    draft = fake.add_invoice()
    before = draft.total_cents
    with fake.client() as client:
        invoice = client.invoices.update_draft(
            draft.id,
            invoro.DraftInvoice(
                header=invoro.Header(
                    invoice_number="INV-2025-0042", currency="EUR", issue_date=dt.date.today()
                ),
                lines=[
                    invoro.Line(name="Support hours", quantity=Decimal(3), price=Decimal("49.50")),
                    invoro.Line(name="Licence", quantity=Decimal("1.5"), price=Decimal("10.01")),
                ],
            ),
            calculate_totals=True,  # Invoro computes line totals and the document total
        )
    say(
        "Invoro",
        f"updated draft {draft.id[:8]}... (still a {invoice.state}, for {invoice.network})",
        f"total: {Decimal(before) / 100:.2f} -> {invoice.total} {invoice.currency}, computed by Invoro",
    )


def whmcs_update_lines() -> None:
    fake = FakeWhmcs()
    fake.add_invoice(42, status="Draft", lines=[("Hosting", Decimal("10.00"), True), ("Setup", 25, False)])
    stored = fake.invoices[42]
    before = stored.total
    hosting, setup = stored.lines
    with fake.client() as client:
        client.invoices.update(
            42,
            items={hosting: whmcs.ItemChange("Hosting (annual)", Decimal("120.00"), taxed=True)},
            new_items=[whmcs.NewItem("Domain example.com", Decimal("9.95"), taxed=False)],
            delete_line_ids=[setup],
        )
    lines = "; ".join(f"{line.description} {line.amount}" for line in stored.lines.values())
    say(
        "WHMCS",
        "updated invoice 42: changed 'Hosting', added 'Domain example.com', deleted 'Setup'",
        f"total: {before} -> {stored.total}; lines now: {lines}",
    )


def main() -> None:
    print("invoicekit quickstart: five providers, in-memory fakes, no network\n")
    upflow_upload_pdf()
    salesbricks_update_with_attachments()
    payabli_update()
    invoro_update_draft()
    whmcs_update_lines()
    print("Next: examples/unified.py applies one InvoiceChange to all five providers (docs/unified.md);")
    print("docs/testing.md shows how to test your own code with these fakes.")


if __name__ == "__main__":
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    main()
