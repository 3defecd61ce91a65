"""Update a Payabli invoice: fields, line items, a cleared note, a PDF attachment, the customer.

Runs against invoicekit's in-memory FakePayabli by default, so it needs no account and no network:

    python examples/payabli.py

With ``--live ID_INVOICE PDF_PATH`` it updates a real invoice in Payabli's sandbox using PAYABLI_API_KEY.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal

import invoicekit
from invoicekit import payabli
from invoicekit.testing import FakePayabli

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def changes(pdf: bytes | str) -> payabli.BillData:
    deposit, fee = Decimal("882.37"), Decimal("100.00")
    return payabli.BillData(
        invoice_number="INV-6",
        invoice_date=dt.date(2025, 10, 19),
        invoice_due_date=dt.date(2025, 11, 18),
        invoice_amount=deposit + fee,
        payment_terms=payabli.PaymentTerms.NET30,
        items=[
            payabli.BillItem(
                item_product_name="Deposit",
                item_cost=deposit,
                item_qty=1,
                item_mode=0,
                item_total_amount=deposit,
            ),
            payabli.BillItem(
                item_product_name="Planning fee",
                item_cost=fee,
                item_qty=1,
                item_mode=0,
                item_total_amount=fee,
            ),
        ],
        notes=None,  # clear the old note
        attachments=[invoicekit.File(pdf, filename="INV-6.pdf")],
    )


def against_the_fake() -> None:
    fake = FakePayabli()
    fake.add_invoice(332, invoice_status=1, invoice_data={"invoiceNumber": "INV-6", "notes": "draft"})
    fake.add_invoice(7, invoice_status=4)  # paid

    with fake.client() as client:
        answer = client.invoices.update(332, invoice_data=changes(PDF))
        print(f"updated invoice {answer.response_data}: {answer.response_text}")

        # A transient 503 is retried: a plain update is idempotent.
        fake.fail_next(503)
        client.invoices.update(332, customer_data=payabli.PayorData(billing_email="john@example.com"))

        for id_invoice in (999, 7):
            try:
                client.invoices.update(id_invoice, invoice_data=payabli.BillData(notes="x"))
            except (invoicekit.NotFoundError, invoicekit.ConflictError) as exc:
                print(f"invoice {id_invoice:<4} -> {type(exc).__name__}: {exc.message}")
        try:
            line = payabli.BillItem(item_cost=9.99)  # type: ignore[arg-type]  # mypy says so too
            client.invoices.update(332, invoice_data=payabli.BillData(items=[line]))
        except invoicekit.ValidationError as exc:
            print(f"a float amount -> ValidationError: {exc} (nothing was sent)")

    invoice = fake.invoices[332]
    print(f"{len(fake.requests)} requests; invoice 332 after {invoice.updates} updates:")
    for key, value in invoice.invoice_data.items():
        print(f"  {key}: {value!r}")
    print(f"  customer: {invoice.customer_data}")
    print(f"  files: {[(a.filename, a.ftype, len(a.content or b'')) for a in invoice.attachments]}")
    assert invoice.invoice_data["invoiceAmount"] == Decimal("982.37")
    assert invoice.invoice_data["notes"] is None
    assert invoice.attachments[0].content == PDF


def live(id_invoice: int, pdf_path: str) -> None:
    with invoicekit.Payabli(sandbox=True) as client:  # PAYABLI_API_KEY
        print(client.invoices.update(id_invoice, invoice_data=changes(pdf_path)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--live",
        nargs=2,
        metavar=("ID_INVOICE", "PDF_PATH"),
        help="use the real provider, as described above",
    )
    args = parser.parse_args(argv)
    if args.live and not args.live[0].isdigit():
        parser.error(f"--live ID_INVOICE must be a whole number, not {args.live[0]!r}")
    return args


if __name__ == "__main__":
    args = parse_args()
    if args.live:
        try:
            live(int(args.live[0]), args.live[1])
        except invoicekit.ValidationError as exc:  # e.g. a credential missing from the environment
            print(f"{sys.argv[0]}: error: --live: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    else:
        against_the_fake()
