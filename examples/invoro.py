"""Replace an Invoro draft e-invoice: lines in Decimal, cents on the wire, totals checked before sending.

Runs against invoicekit's in-memory FakeInvoro by default, so it needs no account and no network:

    python examples/invoro.py

With ``--live DRAFT_UUID`` it updates a real draft using INVORO_API_KEY (use a test key, ``ak_test_...``:
Invoro's test keys are its sandbox). Add ``--x-api-key`` to send the key as ``X-Api-Key``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal

import invoicekit
from invoicekit import invoro
from invoicekit.testing import FakeInvoro

ANNEX = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def the_draft() -> invoro.DraftInvoice:
    hours = invoro.Line(
        id="1",
        name="Support hours",
        quantity=Decimal(3),
        unit_code="HUR",
        price=Decimal("49.50"),
        line_total=Decimal("148.50"),
    )
    licence = invoro.Line(
        id="2",
        name="Licence",
        quantity=Decimal("1.5"),
        unit_code="C62",
        price=Decimal("10.01"),
        line_total=Decimal("15.02"),  # 15.015 rounded half-up to the cent
    )
    return invoro.DraftInvoice(
        header=invoro.Header(
            invoice_number="INV-2025-0042",
            invoice_type_code="380",
            document_type="invoice",
            issue_date=dt.date(2025, 10, 19),
            due_date=dt.date(2025, 11, 18),
            currency="EUR",
            buyer_reference="PO-778",
        ),
        seller=invoro.Party(
            endpoint_id=invoro.Identifier("0208", "0123456789"), name="Acme BV", vat_number="BE0123456789"
        ),
        buyer=invoro.Party(endpoint_id=invoro.Identifier("0106", "12345678"), name="Buyer NV"),
        lines=[hours, licence],
        totals=invoro.Totals(
            line_total=Decimal("163.52"), tax_exclusive=Decimal("163.52"), tax_inclusive=Decimal("197.86")
        ),
        attachments=[invoro.Attachment(content=ANNEX, filename="timesheet.pdf")],
        # A field invoicekit does not model yet: sent verbatim, so money here is already in cents.
        extra_fields={"tax_totals": [{"category": "S", "percent": 21, "amount": 3434}]},
    )


def against_the_fake() -> None:
    fake = FakeInvoro()
    draft_id = fake.add_invoice().id
    sent_id = fake.add_invoice(state="sent").id

    with fake.client() as client:
        invoice = client.invoices.update_draft(draft_id, the_draft())
        print(f"updated {invoice.id}: state {invoice.state}, total {invoice.total} {invoice.currency}")

        # Let Invoro compute the totals: line_total and totals may then be left out.
        paper = invoro.Line(
            name="Paper", quantity=Decimal(1000), price=Decimal("1.71"), base_quantity=Decimal(100)
        )
        lines = [paper]  # 1.71 per 100 sheets
        invoice = client.invoices.update_draft(
            draft_id, invoro.DraftInvoice(lines=lines), calculate_totals=True
        )
        print(f"with calculate_totals: total {invoice.total} (Invoro computed it)")

        # A transient 503 is retried: a full PUT of a draft is idempotent.
        fake.fail_next(503, retry_after=0)
        client.invoices.update_draft(draft_id, the_draft())

        wrong = the_draft()
        wrong_lines = list(wrong.lines) if invoicekit.is_set(wrong.lines) else []
        wrong_lines[1] = invoro.Line(
            quantity=Decimal("1.5"), price=Decimal("10.01"), line_total=Decimal("15.01")
        )
        try:
            client.invoices.update_draft(
                draft_id, invoro.DraftInvoice(lines=wrong_lines, totals=wrong.totals)
            )
        except invoicekit.ValidationError as exc:
            print(f"line off by a cent -> ValidationError on {exc.field} (nothing was sent)")
        try:
            client.invoices.update_draft(
                draft_id, invoro.DraftInvoice(lines=[invoro.Line(price=Decimal("0.005"))])
            )
        except invoicekit.ValidationError as exc:
            print(f"sub-cent price     -> ValidationError on {exc.field}: {exc.rule}")
        try:
            client.invoices.update_draft(sent_id, the_draft())
        except invoicekit.ConflictError as exc:
            print(f"not a draft        -> ConflictError: {exc}")

    for request in fake.requests:
        print(f"{request.method} {request.url.raw_path.decode()}  ({len(request.content)} bytes)")
    stored = fake.invoices[draft_id]
    print(f"stored draft: {stored.updates} update(s); items {stored.document['items']}")
    print(f"totals in cents: {stored.document['totals']}")
    assert fake.attachment(draft_id) == ANNEX
    assert stored.document["totals"]["line_total"] == 16352


def live(draft_id: str, scheme: invoro.AuthScheme) -> None:
    with invoicekit.Invoro(auth_scheme=scheme) as client:
        invoice = client.invoices.update_draft(draft_id, the_draft())
    print(f"updated {invoice.id}: state {invoice.state}, total {invoice.total} {invoice.currency}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--live", nargs=1, metavar=("DRAFT_UUID",), help="use the real provider, as described above"
    )
    parser.add_argument("--x-api-key", action="store_true", help="with --live: send the key as X-Api-Key")
    args = parser.parse_args(argv)
    if args.x_api_key and not args.live:
        parser.error("--x-api-key needs --live DRAFT_UUID")
    return args


if __name__ == "__main__":
    args = parse_args()
    if args.live:
        try:
            live(args.live[0], "x-api-key" if args.x_api_key else "bearer")
        except invoicekit.ValidationError as exc:  # e.g. a credential missing from the environment
            print(f"{sys.argv[0]}: error: --live: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    else:
        against_the_fake()
