"""Change a WHMCS invoice with UpdateInvoice, and read it back, typed, with invoices.get (GetInvoice).

Runs against invoicekit's in-memory FakeWhmcs by default, so it needs no WHMCS and no network:

    python examples/whmcs.py

With ``--live INVOICE_ID`` it reads that invoice from the real install named by WHMCS_URL (credentials from
WHMCS_IDENTIFIER / WHMCS_SECRET / WHMCS_ACCESS_KEY) and changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal

import invoicekit
from invoicekit import whmcs
from invoicekit.testing import FakeWhmcs
from invoicekit.whmcs import ItemChange, NewItem


def show(invoice: whmcs.Invoice) -> None:
    print(f"  invoice {invoice.invoice_id}: {invoice.status}, total {invoice.total}, notes {invoice.notes!r}")
    for line in invoice.items:  # typed lines; empty (never a crash) for an invoice without lines
        print(f"    line {line.id}: {line.description!r} {line.amount} taxed={line.taxed}")


def against_the_fake() -> None:
    fake = FakeWhmcs()
    fake.add_invoice(
        42,
        status="Draft",
        lines=[
            ("Hosting", Decimal("10.00"), True),
            ("Setup", Decimal("25.00"), False),
            ("Old line", 3, False),
        ],
        notes="draft notes",
    )
    with fake.client() as client:
        print("before:")
        show(client.invoices.get(42))

        # Field changes, a changed line, a deleted line: idempotent, so a 503 is simply retried.
        fake.fail_next(503)
        client.invoices.update(
            42,
            tax_rate=Decimal("20"),
            notes=None,  # clears the notes
            items={1: ItemChange("Hosting (annual)", Decimal("120.00"), taxed=True)},
            delete_line_ids=[3],
        )
        # Appending a line and emailing the client must not happen twice: sent once, never resent.
        client.invoices.update(
            42, new_items=[NewItem("Domain", Decimal("9.95"), False)], publish_and_send_email=True
        )

        try:
            client.invoices.update(42, publish=True)
        except invoicekit.ConflictError as exc:
            print(f"publish again    -> {type(exc).__name__}: {exc}")
        try:
            client.invoices.update(404, notes="x")
        except invoicekit.NotFoundError as exc:
            print(f"unknown invoice  -> {type(exc).__name__}: {exc}")
        try:
            client.invoices.update(42, credit=1.5)  # type: ignore[arg-type]
        except invoicekit.ValidationError as exc:
            print(f"float money      -> {type(exc).__name__}: {exc} (nothing was sent)")

        print("after:")
        show(client.invoices.get(42))
    print(f"requests sent: {len(fake.requests)}, emails sent: {fake.emails}")
    assert [line.description for line in fake.invoices[42].lines.values()] == [
        "Hosting (annual)",
        "Setup",
        "Domain",
    ]
    assert fake.emails == [42]


def live(invoice_id: int) -> None:
    with invoicekit.Whmcs() as client:
        show(client.invoices.get(invoice_id))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--live", nargs=1, metavar=("INVOICE_ID",), help="use the real provider, as described above"
    )
    args = parser.parse_args(argv)
    if args.live and not args.live[0].isdigit():
        parser.error(f"--live INVOICE_ID must be a whole number, not {args.live[0]!r}")
    return args


if __name__ == "__main__":
    args = parse_args()
    if args.live:
        try:
            live(int(args.live[0]))
        except invoicekit.ValidationError as exc:  # e.g. a credential missing from the environment
            print(f"{sys.argv[0]}: error: --live: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    else:
        against_the_fake()
