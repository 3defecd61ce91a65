"""Override fields of a Salesbricks invoice, reorder its PDF attachments and send it, exactly once.

Runs against invoicekit's in-memory FakeSalesbricks by default, so it needs no account and no network:

    python examples/salesbricks.py

With ``--live INVOICE_ID`` it changes the memo of a real invoice using SALESBRICKS_API_KEY (add
``--sandbox`` for staging). It never sends the invoice to the customer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import uuid

import invoicekit
from invoicekit import salesbricks
from invoicekit.testing import FakeSalesbricks

SOW = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def against_the_fake() -> None:
    fake = FakeSalesbricks()
    invoice = fake.add_invoice(
        company_name="Acme",
        invoice_memo="Thanks!",
        purchase_order="PO-1",
        attachments=["old-sow.pdf", "terms.pdf"],
    )
    terms = invoice.attachments[1]

    with fake.client() as client:
        # Override fields; company_name and the emails also reach the subscription (future invoices).
        client.invoices.update(
            invoice.invoice_id,
            due_at=dt.date(2025, 3, 31),
            purchase_order="PO-778",
            persist_purchase_order=True,
            company_name="Acme SAS",
            accounts_payable_emails=["ap@acme.example"],
            reason_for_updating="Customer sent a new PO",
        )
        # The complete, ordered attachment list: the new SOW first, then the terms; old-sow.pdf is deleted.
        result = client.invoices.update(
            invoice.invoice_id,
            attachments=[salesbricks.Add(SOW), salesbricks.Keep(terms.attachment_id, target="subscription")],
        )
        print("attachments now:", [(a.file_name, a.target) for a in result.attachments])

        # Clear the memo (None is Salesbricks' "" here) and send, under an idempotency key. The first
        # attempt is applied but its answer is lost: the retry reuses the key, so the customer gets one email.
        fake.drop_next(after_apply=True)
        client.invoices.update(
            invoice.invoice_id, invoice_memo=None, send_invoice=True, idempotency_key=str(uuid.uuid4())
        )

        # The same without a key: invoicekit does not guess, it says the outcome is unknown.
        fake.drop_next(after_apply=True)
        try:
            client.invoices.update(invoice.invoice_id, send_invoice=True)
        except invoicekit.OutcomeUnknownError as exc:
            print(f"no key, dropped  -> {type(exc).__name__} after {exc.attempts} attempt (not resent)")

        try:
            client.invoices.update(invoice.invoice_id, invoice_memo="x" * 2001)
        except invoicekit.ValidationError as exc:
            print(f"memo too long    -> {type(exc).__name__}: {exc.field}: {exc.rule} (nothing was sent)")
        try:
            client.invoices.update(invoice.invoice_id, attachments=[salesbricks.Keep("no-such-attachment")])
        except invoicekit.BadRequestError as exc:
            print(f"unknown attachment -> {type(exc).__name__}: {exc.errors}")

    print(f"invoice {invoice.invoice_id}:")
    print(
        f"  company {invoice.company_name!r}, PO {invoice.purchase_order!r}, due {invoice.due_at}, "
        f"memo {invoice.invoice_memo!r}, emails {invoice.accounts_payable_emails}"
    )
    print(f"  subscription (future invoices): {invoice.subscription}")
    print(f"  sent {invoice.times_sent} time(s); {fake.replays} retry answered from the key store")
    assert invoice.times_sent == 2  # once per send call: the keyed retry did not send it again
    assert [a.file_name for a in invoice.attachments] == ["attachment-1.pdf", "terms.pdf"]


def live(invoice_id: str, sandbox: bool) -> None:
    with invoicekit.Salesbricks(sandbox=sandbox) as client:
        result = client.invoices.update(
            invoice_id, invoice_memo="Updated by invoicekit", reason_for_updating="invoicekit example"
        )
    print(result)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--live", nargs=1, metavar=("INVOICE_ID",), help="use the real provider, as described above"
    )
    parser.add_argument("--sandbox", action="store_true", help="with --live: Salesbricks' staging API")
    args = parser.parse_args(argv)
    if args.sandbox and not args.live:
        parser.error("--sandbox needs --live INVOICE_ID")
    return args


if __name__ == "__main__":
    args = parse_args()
    if args.live:
        try:
            live(args.live[0], sandbox=args.sandbox)
        except invoicekit.ValidationError as exc:  # e.g. a credential missing from the environment
            print(f"{sys.argv[0]}: error: --live: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    else:
        against_the_fake()
