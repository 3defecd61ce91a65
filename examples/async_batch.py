"""A batch, async: many changes at once, each reported exactly once as done, failed or unknown.

Two jobs, run against invoicekit's in-memory fakes (no account, no network):

1. Replace the PDF of 200 Upflow invoices, 5 at a time, under a rate limit and injected 503s and dropped
   connections. Replacing a PDF is safe to repeat, so invoicekit retries every transient failure itself.
2. Append a late fee line to 20 WHMCS invoices, in order. Appending is *not* safe to repeat: when an
   answer is lost, invoicekit raises OutcomeUnknownError instead of resending, and this script reconciles
   by reading the invoice back, typed (``client.invoices.get``, WHMCS's GetInvoice), before deciding
   whether to try again. One invoice starts with no lines at all (WHMCS then answers ``""`` for its
   items: the typed read gives an empty tuple, where indexing the raw answer would crash).

    python examples/async_batch.py
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from decimal import Decimal

import invoicekit
from invoicekit import ExternalId, RetryPolicy
from invoicekit.testing import FakeUpflow, FakeWhmcs
from invoicekit.whmcs import NewItem

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
LATE_FEE = NewItem("Late payment fee", Decimal("15.00"), taxed=False)
# Retries without sleeping long, so the example runs in a second; keep the default policy in real code.
FAST = RetryPolicy(initial=0.01, cap=0.05)


async def replace_pdfs() -> Counter[str]:
    fake = FakeUpflow()
    ids = [f"ERP-{n}" for n in range(200)]
    for n, external_id in enumerate(ids):
        fake.add_invoice(f"inv_{n}", external_id=external_id)
    fake.rate_limit(100, per=0.5)  # 429 above 100 requests in any half second
    fake.fail_next(503, times=6)
    fake.drop_next(after_apply=True, times=3)  # applied, but the answer is lost

    outcome: dict[str, str] = {}
    limit = asyncio.Semaphore(5)  # Upflow allows 10 in flight; 5 is its advice for bulk work

    async def one(client: invoicekit.AsyncUpflow, external_id: str) -> None:
        async with limit:
            try:
                await client.invoices.upload_pdf(ExternalId(external_id), PDF)
                outcome[external_id] = "done"
            except invoicekit.InvoiceKitError as exc:
                outcome[external_id] = f"failed: {type(exc).__name__}"

    async with fake.async_client(retry=FAST) as client:
        await asyncio.gather(*(one(client, external_id) for external_id in ids))
        # A failed replace is safe to run again (it is idempotent): one more pass for those.
        again = [i for i, result in outcome.items() if result != "done"]
        await asyncio.gather(*(one(client, external_id) for external_id in again))

    assert len(outcome) == len(ids), "every invoice is reported exactly once"
    assert all(fake.pdfs[ExternalId(i)] == PDF for i, result in outcome.items() if result == "done")
    print(f"Upflow: {len(ids)} PDFs in {len(fake.requests)} requests (429s and faults retried by invoicekit)")
    return Counter(outcome.values())


async def add_late_fees() -> Counter[str]:
    fake = FakeWhmcs()
    ids = list(range(1001, 1021))
    for invoice_id in ids:
        # 1002 has no lines yet: its GetInvoice answer says "items": "" (WHMCS's empty collection)
        lines = [] if invoice_id == 1002 else [("Hosting", Decimal("10.00"), False)]
        fake.add_invoice(invoice_id, lines=lines)
    # Faults the fake injects into the next request, armed just before the append they are meant for:
    faults = {
        1001: lambda: fake.drop_next(after_apply=True),  # the append lands, but its answer never arrives
        1002: fake.timeout_next,  # the append never reaches WHMCS, but the client cannot tell
    }

    outcome: dict[int, str] = {}
    async with fake.async_client(retry=FAST) as client:

        async def has_fee(invoice_id: int) -> bool:
            invoice = await client.invoices.get(invoice_id)  # typed: items is () when there are none
            return any(item.description == LATE_FEE.description for item in invoice.items)

        async def one(invoice_id: int) -> None:
            try:
                await client.invoices.update(invoice_id, new_items=[LATE_FEE])
                outcome[invoice_id] = "done"
            except invoicekit.OutcomeUnknownError:
                # Maybe applied: look before acting, never blindly resend an append.
                if await has_fee(invoice_id):
                    outcome[invoice_id] = "done (confirmed by GetInvoice)"
                else:
                    await client.invoices.update(invoice_id, new_items=[LATE_FEE])
                    outcome[invoice_id] = "done (resent after GetInvoice showed no fee)"
            except invoicekit.InvoiceKitError as exc:
                outcome[invoice_id] = f"failed: {type(exc).__name__}"

        for invoice_id in ids:  # one at a time, in order
            faults.get(invoice_id, lambda: None)()
            await one(invoice_id)

    fees = {
        i: sum(line.description == LATE_FEE.description for line in fake.invoices[i].lines.values())
        for i in ids
    }
    assert set(fees.values()) == {1}, f"every invoice has exactly one late fee: {fees}"
    print(f"WHMCS: {len(ids)} late fees, each exactly once ({len(fake.requests)} requests)")
    return Counter(outcome.values())


async def main() -> None:
    for name, job in (("Upflow", replace_pdfs), ("WHMCS", add_late_fees)):
        for result, count in sorted((await job()).items()):
            print(f"  {name:7s} {count:4d} x {result}")


if __name__ == "__main__":
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    asyncio.run(main())
