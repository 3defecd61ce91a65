"""A bulk run with a journal: 100 Upflow PDFs and 20 WHMCS late fees from a JSON Lines file, then a rerun.

Against invoicekit's in-memory fakes (no account, no network). Upflow answers 429 above its limit and
drops a few connections; one WHMCS fee lands but its answer is lost, so its outcome is unknown. The
journal (SQLite) records every job: the rerun sends nothing that is done, and never resends the unknown
fee; it lists it for reconciliation instead.

    python examples/bulk.py
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

from invoicekit import RetryPolicy, bulk
from invoicekit.testing import FakeUpflow, FakeWhmcs

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FEE = {"description": "Late payment fee", "amount": "15.00", "taxed": False}


def write_jobs(folder: Path) -> Path:
    """The input: one JSON object per line, in both change forms."""
    (folder / "pdfs").mkdir()
    path = folder / "jobs.jsonl"
    job: dict[str, object]
    with path.open("w") as out:
        for n in range(100):  # the change form: an InvoiceChange's fields
            (folder / "pdfs" / f"ERP-{n}.pdf").write_bytes(PDF)
            job = {"id": f"pdf-{n}", "provider": "upflow", "invoice": f"external:ERP-{n}",
                   "change": {"pdf": f"pdfs/ERP-{n}.pdf"}}  # fmt: skip
            out.write(json.dumps(job) + "\n")
        for invoice in range(1001, 1021):  # the native form: an operation and its arguments
            job = {"id": f"fee-{invoice}", "provider": "whmcs", "invoice": invoice,
                   "change": {"op": "update", "args": {"new_items": [FEE]}}}  # fmt: skip
            out.write(json.dumps(job) + "\n")
    return path


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("invoicekit.bulk").setLevel(logging.INFO)  # progress lines, not every request
    upflow, whmcs = FakeUpflow(), FakeWhmcs()
    for n in range(100):
        upflow.add_invoice(f"inv_{n}", external_id=f"ERP-{n}")
    for invoice in range(1001, 1021):
        whmcs.add_invoice(invoice)
    upflow.rate_limit(40, per=0.5)  # the fake says 429 above 80/s; the runner is told 200/s
    upflow.drop_next(times=2)  # safe to resend: the client retries them
    whmcs.drop_next(after_apply=True)  # the first fee lands, its answer is lost: unknown, never resent

    # Short retry waits so the example runs in a second; keep the default policy in real code.
    fast = RetryPolicy(initial=0.01, cap=0.05)
    clients = {"upflow": upflow.async_client(retry=fast), "whmcs": whmcs.async_client(retry=fast)}
    rates = {"upflow": "200/second", "whmcs": "100/second"}  # the fakes take more than the real defaults

    with tempfile.TemporaryDirectory() as tmp:
        jobs, journal = write_jobs(Path(tmp)), Path(tmp) / "run.db"
        report = bulk.run(jobs, journal, clients=clients, rate=rates, progress=bulk.log_progress(every=1.0))
        print(report)
        assert (report.counts["done"], report.counts["unknown"]) == (119, 1)

        sent = len(upflow.requests) + len(whmcs.requests)
        again = bulk.run(jobs, journal, clients=clients, rate=rates)  # the same jobs, the same journal
        assert len(upflow.requests) + len(whmcs.requests) == sent, "a rerun sends nothing"
        print(f"rerun: {again.run.skipped if again.run else 0} skipped, nothing sent")

        for record in bulk.status(journal).unknown():
            where = f"{record.provider} invoice {record.invoice}"
            print(f"to reconcile: {record.id} ({where}): {record.error_class}")

    fees = [
        sum(line.description == FEE["description"] for line in i.lines.values())
        for i in whmcs.invoices.values()
    ]
    assert fees == [1] * 20, "every fee exactly once (the unknown one landed once)"
    assert all(invoice.uploads == 1 for invoice in upflow.invoices.values())


if __name__ == "__main__":
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    main()
