"""Bulk async: N Upflow uploads against a loopback fake that enforces a rate limit R and answers 429
(with Retry-After) above it.

  python benchmarks/bulk_async.py                        # 1,000 uploads, R = 100 per 1 s (6,000/min)
  python benchmarks/bulk_async.py -n 300 --limit 50 --per 1

Upflow allows 600 requests a minute; here R is scaled up (100/s by default, 10x) so the run stays short.
The fake is invoicekit.testing.FakeUpflow (its rate_limit(n, per) answers 429 above the limit) served
over real HTTP on 127.0.0.1 by invoicekit.testing._server.FakeServer, in this process. The client is
AsyncUpflow with its default RetryPolicy, 5 uploads in flight (Upflow's advice for bulk work).

Checks: throughput = N / elapsed >= 0.9 R, and every invoice got exactly one accepted upload (the
fake's per-invoice upload count), with no upload failing. For comparison, raw httpx.AsyncClient does
the same uploads with a hand-written "sleep Retry-After and resend on 429" loop, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import fmt_ratio, ratio, write_result  # noqa: E402
from cases import SMALL_PDF  # noqa: E402

CONCURRENCY = 5
TARGET = 0.9


async def _ik_uploads(base_url: str, fake, ids: list[str]) -> list[str]:
    import invoicekit

    errors: list[str] = []
    gate = asyncio.Semaphore(CONCURRENCY)
    async with invoicekit.AsyncUpflow(
        api_key=fake.api_key, api_secret=fake.api_secret, base_url=base_url
    ) as client:

        async def one(invoice_id: str) -> None:
            async with gate:
                try:
                    await client.invoices.upload_pdf(invoice_id, SMALL_PDF)
                except Exception as exc:  # counted, not raised: the check reports them
                    errors.append(f"{invoice_id}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(one(i) for i in ids))
    return errors


async def _raw_uploads(base_url: str, fake, ids: list[str]) -> list[str]:
    import httpx

    errors: list[str] = []
    gate = asyncio.Semaphore(CONCURRENCY)
    headers = {"X-API-KEY": fake.api_key, "X-API-SECRET": fake.api_secret}
    async with httpx.AsyncClient(timeout=60.0) as client:

        async def one(invoice_id: str) -> None:
            async with gate:
                for _ in range(20):
                    files = {"file": ("invoice.pdf", SMALL_PDF, "application/pdf")}
                    r = await client.post(
                        f"{base_url}/invoices/{invoice_id}/pdf", files=files, headers=headers
                    )
                    if r.status_code != 429:
                        break
                    await asyncio.sleep(float(r.headers.get("retry-after", "1")))
                if r.status_code >= 400:
                    errors.append(f"{invoice_id}: HTTP {r.status_code}")

        await asyncio.gather(*(one(i) for i in ids))
    return errors


def run(side: str, n: int, limit: int, per: float) -> dict:
    from invoicekit.testing import FakeUpflow
    from invoicekit.testing._server import FakeServer

    fake = FakeUpflow()
    ids = [f"inv_{i:05d}" for i in range(n)]
    for invoice_id in ids:
        fake.add_invoice(invoice_id)
    fake.rate_limit(limit, per)
    with FakeServer({"upflow": fake}) as server:
        base_url = server.base_url("upflow")
        uploads = _ik_uploads if side == "invoicekit" else _raw_uploads
        t0 = time.perf_counter()
        errors = asyncio.run(uploads(base_url, fake, ids))
        elapsed = time.perf_counter() - t0
    counts = [fake.invoices[i].uploads for i in ids]
    rate = limit / per
    throughput = n / elapsed
    exactly_once = all(c == 1 for c in counts) and not errors
    return {
        "side": side,
        "uploads": n,
        "limit_per_s": rate,
        "elapsed_s": round(elapsed, 3),
        "throughput_per_s": round(throughput, 2),
        "throughput_ratio": throughput / rate,
        "requests_seen": len(fake.requests),
        "answered_429": len(fake.requests) - sum(counts),
        "accepted_uploads": sum(counts),
        "invoices_not_done": sum(1 for c in counts if c == 0),
        "invoices_done_twice_or_more": sum(1 for c in counts if c > 1),
        "errors": errors[:5],
        "error_count": len(errors),
        "exactly_once": exactly_once,
    }


def measure(n: int, limit: int, per: float, raw: bool = True) -> dict:
    ik = run("invoicekit", n, limit, per)
    ik["verdict"] = "met" if ik["throughput_ratio"] >= TARGET and ik["exactly_once"] else "MISSED"
    res = {"concurrency": CONCURRENCY, "target_ratio": TARGET, "invoicekit": ik}
    if raw:
        res["raw_httpx"] = run("raw httpx", n, limit, per)
        res["throughput_vs_raw"] = ratio(ik["throughput_per_s"], res["raw_httpx"]["throughput_per_s"])
    return res


def report(res: dict) -> None:
    ik = res["invoicekit"]
    print(
        f"bulk async: {ik['uploads']} Upflow uploads, fake limit R = {ik['limit_per_s']:.0f}/s "
        f"({ik['limit_per_s'] * 60:.0f}/min), {res['concurrency']} in flight, loopback HTTP"
    )
    for key in ("invoicekit", "raw_httpx"):
        row = res.get(key)
        if not row:
            continue
        print(
            f"  {row['side']:11s} {row['elapsed_s']:7.2f} s  {row['throughput_per_s']:7.1f}/s = "
            f"{row['throughput_ratio']:.2f} R  429s {row['answered_429']:5d}"
            f"  exactly once: {row['exactly_once']}"
            f" (not done {row['invoices_not_done']}, twice {row['invoices_done_twice_or_more']},"
            f" errors {row['error_count']})"
        )
    print(f"  target: throughput >= {TARGET} R and exactly once: {ik['verdict']}", end="")
    if "throughput_vs_raw" in res:
        print(f"; invoicekit / raw httpx throughput = {fmt_ratio(res['throughput_vs_raw'])}")
    else:
        print()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=100, help="requests allowed per window")
    ap.add_argument("--per", type=float, default=1.0, help="window, seconds")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw httpx comparison")
    args = ap.parse_args()
    res = measure(args.n, args.limit, args.per, raw=not args.no_raw)
    report(res)
    print("wrote", write_result("bulk_async", res))


if __name__ == "__main__":
    main()
