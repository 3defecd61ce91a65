"""Upload and replace an Upflow invoice PDF, by Upflow id and by your own (external) id.

Runs against invoicekit's in-memory FakeUpflow by default, so it needs no account and no network:

    python examples/upflow.py

With ``--live INVOICE_EXTERNAL_ID PDF_PATH`` it uploads to the real Upflow using UPFLOW_API_KEY and
UPFLOW_API_SECRET (add ``--sandbox`` for the sandbox).
"""

from __future__ import annotations

import argparse
import sys

import invoicekit
from invoicekit import ExternalId, File
from invoicekit.testing import FakeUpflow

PDF_V1 = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_V2 = PDF_V1.replace(b"%%EOF", b"% corrected totals\n%%EOF")


def against_the_fake() -> None:
    fake = FakeUpflow()
    fake.add_invoice("inv_5f2c", external_id="ERP-42")
    fake.add_invoice("inv_9a01", external_id="2024/INV 7")

    with fake.client() as client:
        # By your own id, as a multipart upload (the default).
        client.invoices.upload_pdf(ExternalId("ERP-42"), File(PDF_V1, filename="ERP-42.pdf"))
        # Replace it, by Upflow's id this time, as base64 in JSON.
        client.invoices.upload_pdf("inv_5f2c", PDF_V2, encoding="base64")
        # An external id with "/" and a space stays one path segment.
        client.invoices.upload_pdf(ExternalId("2024/INV 7"), PDF_V1)

        # A transient 503 is retried: replacing a PDF is idempotent.
        fake.fail_next(503, retry_after=0)
        client.invoices.upload_pdf(ExternalId("ERP-42"), PDF_V2)

        try:
            client.invoices.upload_pdf(ExternalId("ERP-404"), PDF_V1)
        except invoicekit.NotFoundError as exc:
            print(f"unknown invoice  -> {type(exc).__name__}: {exc}")
        try:
            client.invoices.upload_pdf("inv_5f2c", b"not a pdf")
        except invoicekit.ValidationError as exc:
            print(f"not a PDF        -> {type(exc).__name__}: {exc} (nothing was sent)")

    for request in fake.requests:
        kind = request.headers["content-type"].split(";")[0]
        print(f"{request.method} {request.url.raw_path.decode()}  ({kind})")
    for invoice in fake.invoices.values():
        print(
            f"{invoice.id} (external {invoice.external_id!r}): {len(invoice.pdf or b'')} bytes, "
            f"{invoice.uploads} upload(s), last as {invoice.encoding}, filename {invoice.filename!r}"
        )
    assert fake.pdfs[ExternalId("ERP-42")] == PDF_V2
    assert fake.pdfs["inv_9a01"] == PDF_V1


def live(external_id: str, path: str, sandbox: bool) -> None:
    with invoicekit.Upflow(sandbox=sandbox) as client:
        client.invoices.upload_pdf(ExternalId(external_id), path)
    print(f"uploaded {path} to invoice external:{external_id}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--live",
        nargs=2,
        metavar=("INVOICE_EXTERNAL_ID", "PDF_PATH"),
        help="use the real provider, as described above",
    )
    parser.add_argument("--sandbox", action="store_true", help="with --live: Upflow's sandbox")
    args = parser.parse_args(argv)
    if args.sandbox and not args.live:
        parser.error("--sandbox needs --live INVOICE_EXTERNAL_ID PDF_PATH")
    return args


if __name__ == "__main__":
    args = parse_args()
    if args.live:
        try:
            live(args.live[0], args.live[1], sandbox=args.sandbox)
        except invoicekit.ValidationError as exc:  # e.g. a credential missing from the environment
            print(f"{sys.argv[0]}: error: --live: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    else:
        against_the_fake()
