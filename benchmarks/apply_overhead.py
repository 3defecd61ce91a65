"""Per-call overhead of ``invoices.apply(invoice, InvoiceChange(...))`` over the native method for the
same edit, per provider. Target: at most 5 µs per call.

  python benchmarks/apply_overhead.py            # 3,000 calls x 5 rounds per provider
  python benchmarks/apply_overhead.py -n 500     # a quick run

apply = the checks against the capability table + the provider's own call builder (the one the native
method calls) + the same send + wrapping the result. Three figures per provider:

* ``apply_overhead_us`` (the one held to the target): apply's own work, i.e. ``prepare(...).done(...)``
  with the native builder replaced by a no-op, so nothing but what apply adds is timed (the builder and
  the send are the native method's own cost, paid alike by both). Min of 9 timeit repeats of n calls:
  the least disturbed run, since a shared machine only ever adds time.
* ``builder_difference_us``: ``prepare(...).done(...)`` with the real builder minus the native builder
  alone (this includes building Payabli's BillData / Invoro's draft from the change, which a native
  caller builds too); noisier, as two separate timings are subtracted.
* ``end_to_end_difference_us``: apply minus the native method through the same client and an
  ``httpx.MockTransport``, alternating blocks of 100 calls, median block difference in process CPU time;
  it carries the send's noise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import httpx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import median, verdict, write_result  # noqa: E402

import invoicekit  # noqa: E402
from invoicekit import InvoiceChange, invoro  # noqa: E402

TARGET_US = 5.0
DUE = dt.date(2026, 1, 31)
PDF = b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n"
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"

ANSWERS: dict[str, Any] = {
    "upflow": None,
    "salesbricks": {"invoice_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "attachments": []},
    "payabli": {
        "isSuccess": True,
        "responseCode": 1,
        "responseData": 1001,
        "responseText": "Success",
        "roomId": 0,
    },
    "invoro": {"success": True, "data": {"id": INVORO_ID, "status": "draft"}, "message": "ok"},
    "whmcs": {"result": "success", "invoiceid": 42},
}


def transport(provider: str) -> httpx.MockTransport:
    answer = ANSWERS[provider]
    content = b"" if answer is None else json.dumps(answer).encode()
    status = 204 if answer is None else 200

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


def builders(provider: str) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """(native call builder, apply without the send) for the same edit as :func:`pair`."""
    from invoicekit._change import prepare
    from invoicekit.invoro._client import update_draft_call
    from invoicekit.payabli._client import update_call as payabli_call
    from invoicekit.salesbricks._client import update_call as salesbricks_call
    from invoicekit.upflow._client import upload_pdf_call
    from invoicekit.whmcs._client import update_invoice_call

    sid = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    three = InvoiceChange(due_date=DUE, memo="Paid by wire", po_number="PO-778")
    two = InvoiceChange(due_date=DUE, memo="Paid by wire")
    if provider == "upflow":
        change = InvoiceChange(pdf=PDF)
        return (
            lambda: upload_pdf_call("inv_1", PDF, encoding="multipart"),
            lambda: prepare("upflow", "inv_1", change, "raise", None).done(None),
        )
    if provider == "salesbricks":
        return (
            lambda: salesbricks_call(sid, due_at=DUE, invoice_memo="Paid by wire", purchase_order="PO-778"),
            lambda: prepare("salesbricks", sid, three, "raise", None).done(None),
        )
    if provider == "payabli":
        return (
            lambda: payabli_call(
                1001,
                invoice_data=invoicekit.payabli.BillData(
                    invoice_due_date=DUE, notes="Paid by wire", purchase_order="PO-778"
                ),
            ),
            lambda: prepare("payabli", 1001, three, "raise", None).done(None),
        )
    if provider == "invoro":
        base = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1", currency="EUR"))
        return (
            lambda: update_draft_call(
                INVORO_ID,
                invoro.DraftInvoice(
                    header=invoro.Header(
                        invoice_number="INV-1", currency="EUR", due_date=DUE, notes=["Paid by wire"]
                    )
                ),
            ),
            lambda: prepare("invoro", INVORO_ID, two, "raise", None, base).done(None),
        )
    return (
        lambda: update_invoice_call(42, due_date=DUE, notes="Paid by wire"),
        lambda: prepare("whmcs", 42, two, "raise", None).done(None),
    )


def pair(provider: str) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """(native call, apply call) for the same edit."""
    http = httpx.Client(transport=transport(provider))
    if provider == "upflow":
        up = invoicekit.Upflow("k" * 16, "s" * 16, http_client=http)
        change = InvoiceChange(pdf=PDF)
        return (
            lambda: up.invoices.upload_pdf("inv_1", PDF),
            lambda: up.invoices.apply("inv_1", change),
        )
    if provider == "salesbricks":
        sb = invoicekit.Salesbricks("k" * 16, http_client=http)
        sid = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
        change = InvoiceChange(due_date=DUE, memo="Paid by wire", po_number="PO-778")
        return (
            lambda: sb.invoices.update(sid, due_at=DUE, invoice_memo="Paid by wire", purchase_order="PO-778"),
            lambda: sb.invoices.apply(sid, change),
        )
    if provider == "payabli":
        pb = invoicekit.Payabli("k" * 16, http_client=http)
        change = InvoiceChange(due_date=DUE, memo="Paid by wire", po_number="PO-778")
        data = invoicekit.payabli.BillData(
            invoice_due_date=DUE, notes="Paid by wire", purchase_order="PO-778"
        )
        return (
            lambda: pb.invoices.update(1001, invoice_data=data),
            lambda: pb.invoices.apply(1001, change),
        )
    if provider == "invoro":
        ir = invoicekit.Invoro("k" * 16, http_client=http)
        base = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1", currency="EUR"))
        draft = invoro.DraftInvoice(
            header=invoro.Header(invoice_number="INV-1", currency="EUR", due_date=DUE, notes=["Paid by wire"])
        )
        change = InvoiceChange(due_date=DUE, memo="Paid by wire")
        return (
            lambda: ir.invoices.update_draft(INVORO_ID, draft),
            lambda: ir.invoices.apply(INVORO_ID, change, base=base),
        )
    wh = invoicekit.Whmcs("https://billing.example.test", "i" * 16, "s" * 16, http_client=http)
    change = InvoiceChange(due_date=DUE, memo="Paid by wire")
    return (
        lambda: wh.invoices.update(42, due_date=DUE, notes="Paid by wire"),
        lambda: wh.invoices.apply(42, change),
    )


def overhead(provider: str, n: int) -> tuple[float, float, float]:
    """(native builder µs, apply's own work µs, builder-level difference µs)."""
    from invoicekit import _change

    native, apply = builders(provider)
    t_native = min(timeit.Timer(native, timer=time.process_time).repeat(number=n, repeat=9)) / n * 1e6
    t_apply = min(timeit.Timer(apply, timer=time.process_time).repeat(number=n, repeat=9)) / n * 1e6
    real = _change._BUILDERS[provider]
    _change._BUILDERS[provider] = lambda invoice, args, base: None  # type: ignore[assignment,return-value]
    try:
        own = min(timeit.Timer(apply, timer=time.process_time).repeat(number=n, repeat=9)) / n * 1e6
    finally:
        _change._BUILDERS[provider] = real
    return t_native, own, t_apply - t_native


def measure(provider: str, n: int, rounds: int, block: int = 100) -> dict[str, Any]:
    builder_us, own_us, builder_diff_us = overhead(provider, n)
    native, apply = pair(provider)
    for _ in range(200):
        native()
        apply()
    native_blocks: list[float] = []
    diffs: list[float] = []
    for _ in range(rounds):
        for _ in range(n // block):
            t0 = time.process_time()
            for _ in range(block):
                native()
            t1 = time.process_time()
            for _ in range(block):
                apply()
            t2 = time.process_time()
            native_blocks.append((t1 - t0) / block)
            diffs.append(((t2 - t1) - (t1 - t0)) / block)
    return {
        "apply_overhead_us": round(own_us, 2),
        "native_builder_us": round(builder_us, 2),
        "builder_difference_us": round(builder_diff_us, 2),
        "native_call_us": round(median(native_blocks) * 1e6, 2),
        "end_to_end_difference_us": round(median(diffs) * 1e6, 2),
        "target_us": TARGET_US,
        "verdict": verdict(own_us, TARGET_US),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=3000, help="calls per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = {}
    for provider in ("upflow", "salesbricks", "payabli", "invoro", "whmcs"):
        results[provider] = measure(provider, args.n, args.rounds)
        r = results[provider]
        print(
            f"{provider:<12} apply overhead {r['apply_overhead_us']:6.2f} µs (target <= {TARGET_US}: "
            f"{r['verdict']}); native builder {r['native_builder_us']:.1f} µs (difference "
            f"{r['builder_difference_us']:.1f}), native call {r['native_call_us']:.1f} µs (difference "
            f"{r['end_to_end_difference_us']:.1f})"
        )
    path = write_result(
        "apply_overhead", {"n": args.n, "rounds": args.rounds, "results": results}, quick=args.n < 3000
    )
    print(f"written to {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
