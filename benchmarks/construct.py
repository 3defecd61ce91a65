"""Constructing a client: time and memory per client after the first, invoicekit vs raw httpx.

  python benchmarks/construct.py            # every case, 3 rounds of alternating blocks
  python benchmarks/construct.py -n 200     # clients per RSS measurement

invoicekit clients make their own ``httpx.Client`` and share one SSL context; ``httpx.Client()`` loads
the CA bundle into a fresh context every time. ``raw httpx, shared context`` is the hand-written
equivalent of what invoicekit does (``httpx.Client(verify=ctx)`` with one ``ctx``).

Time: one fresh process, the first client of every case made first (and not counted), then alternating
blocks of BLOCK constructions per case, CPU time (``time.process_time``); each client is closed after
its block, outside the timing. The ratio is the median of the paired block ratios to raw httpx.
Memory: one fresh process per case; after the first client, ``VmRSS`` growth over N more clients kept
alive, divided by N. Targets (issue 19): <= 1 ms and <= 50 KiB per client after the first.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import fmt_ratio, median, run_json, write_result  # noqa: E402

TARGET_MS = 1.0
TARGET_KIB = 50.0
BLOCK = 10

#: case -> expression building one client (evaluated in the child).
CASES = {
    "Upflow": "invoicekit.Upflow(api_key='k', api_secret='s')",
    "Salesbricks": "invoicekit.Salesbricks(api_key='k')",
    "Payabli": "invoicekit.Payabli(api_key='k')",
    "AsyncPayabli": "invoicekit.AsyncPayabli(api_key='k')",
    "Invoro": "invoicekit.Invoro(api_key='k')",
    "Whmcs": "invoicekit.Whmcs('https://billing.example.com', identifier='i', secret='s')",
    "raw httpx.Client()": "httpx.Client()",
    "raw httpx, shared context": "httpx.Client(verify=SHARED)",
}
RAW = "raw httpx.Client()"


def _env() -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        os.environ.pop(name, None)


def _namespace() -> dict:
    import httpx

    import invoicekit

    return {"invoicekit": invoicekit, "httpx": httpx, "SHARED": httpx.create_ssl_context()}


def _close(client: object) -> None:
    aclose = getattr(client, "aclose", None)
    if aclose is not None:
        asyncio.run(aclose())
    else:
        client.close()  # type: ignore[attr-defined]


def child_time(rounds: int, blocks: int) -> dict:
    ns = _namespace()
    makers = {name: eval(f"lambda: {expr}", ns) for name, expr in CASES.items()}
    for make in makers.values():  # the first client of each: imports, the shared context
        _close(make())
    cpu: dict[str, list[float]] = {name: [] for name in makers}
    names = list(makers)
    for r in range(rounds):
        for _ in range(blocks):
            for name in names if r % 2 == 0 else names[::-1]:
                make = makers[name]
                c0 = time.process_time()
                made = [make() for _ in range(BLOCK)]
                cpu[name].append((time.process_time() - c0) / BLOCK * 1e3)
                for client in made:
                    _close(client)
    out = {}
    for name in names:
        out[name] = {
            "ms": median(cpu[name]),
            "ratio": median([a / b for a, b in zip(cpu[name], cpu[RAW], strict=True)]),
        }
    return out


def child_rss(case: str, n: int) -> dict:
    ns = _namespace()
    make = eval(f"lambda: {CASES[case]}", ns)
    keep = [make()]
    gc.collect()
    before = _rss_kib()
    keep += [make() for _ in range(n)]
    gc.collect()
    grown = _rss_kib() - before
    return {"n": n, "kib_per_client": grown / n, "grown_kib": grown}


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def measure(n: int = 200, rounds: int = 3, blocks: int = 5) -> dict:
    _env()
    times = run_json([os.path.join(HERE, "construct.py"), "--child-time", str(rounds), str(blocks)])
    cases: dict[str, dict] = {}
    for case in CASES:
        rss = run_json([os.path.join(HERE, "construct.py"), "--child-rss", case, str(n)])
        row = {**times[case], **rss}
        if not case.startswith("raw"):
            row["verdict"] = (
                "met" if row["ms"] <= TARGET_MS and row["kib_per_client"] <= TARGET_KIB else "MISSED"
            )
        cases[case] = row
    return {
        "n": n,
        "rounds": rounds,
        "block": BLOCK,
        "target_ms": TARGET_MS,
        "target_kib": TARGET_KIB,
        "cases": cases,
    }


def report(res: dict) -> None:
    print(
        f"constructing a client, after the first (CPU ms, median of {res['block']}-client blocks;"
        f" RSS over {res['n']} clients kept alive)"
    )
    print(f"{'client':28s} {'ms':>7s} {'ratio':>7s} {'KiB/client':>11s}  target <= 1 ms, <= 50 KiB")
    for name, row in res["cases"].items():
        print(
            f"{name:28s} {row['ms']:7.3f} {fmt_ratio(row['ratio']):>7s} {row['kib_per_client']:11.1f}"
            f"  {row.get('verdict', '(reference)')}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200, help="clients per RSS measurement")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--blocks", type=int, default=5, help="blocks per case per round")
    ap.add_argument("--child-time", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-rss", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_time:
        print(json.dumps(child_time(*args.child_time)))
        return
    if args.child_rss:
        print(json.dumps(child_rss(args.child_rss[0], int(args.child_rss[1]))))
        return
    res = measure(args.n, args.rounds, args.blocks)
    report(res)
    print("wrote", write_result("construct", res))


if __name__ == "__main__":
    main()
