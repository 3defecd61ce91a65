"""Run every benchmark, print one table of ratios against the targets, write results/*.json.

  python benchmarks/run.py              # the full run (a few minutes on a 2-core machine)
  python benchmarks/run.py --quick      # smoke test: fewer calls and runs, written to results/quick/

Each measurement is also a script of its own (import_time.py, percall.py, upload_rss.py, bulk_async.py);
this one calls them in turn and writes results/summary.json next to their own result files. Everything
talks to httpx.MockTransport or to servers on 127.0.0.1 that the scripts start and stop themselves.
The official Payabli SDK is measured when its throwaway venv exists (setup_payabli.py).
These are benchmarks, not tests: nothing fails on a missed target, it is reported.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bulk_async  # noqa: E402
import construct  # noqa: E402
import import_time  # noqa: E402
import percall  # noqa: E402
import upload_rss  # noqa: E402
from _common import fmt_ratio, machine, payabli_python, write_result  # noqa: E402
from cases import PROVIDERS  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smoke test: fewer calls, runs and uploads")
    args = ap.parse_args()
    started = time.perf_counter()
    m = machine()
    m["payabli_sdk"] = (
        "installed" if payabli_python() else "not installed (python benchmarks/setup_payabli.py)"
    )
    print(f"machine: {m['nproc']} cores, Python {m['python']}, httpx {m['httpx']}, {m['platform']}\n")

    imp = import_time.measure(5 if args.quick else 9)
    import_time.report(imp)
    write_result("import_time", imp, quick=args.quick)
    print()
    con = construct.measure(50 if args.quick else 200, 1 if args.quick else 3)
    construct.report(con)
    write_result("construct", con, quick=args.quick)
    print()
    per = percall.measure(list(PROVIDERS), 1000 if args.quick else 5000, 1 if args.quick else 3)
    percall.report(per)
    write_result("percall", per, quick=args.quick)
    print()
    rss = upload_rss.measure(list(upload_rss.CASES))
    upload_rss.report(rss)
    write_result("upload_rss", rss, quick=args.quick)
    print()
    bulk = bulk_async.measure(300 if args.quick else 1000, 100, 1.0)
    bulk_async.report(bulk)
    write_result("bulk_async", bulk, quick=args.quick)

    rows = summary_rows(imp, per, rss, bulk, con)
    print("\nsummary (ratios to raw httpx in the same run unless noted)")
    print(f"{'measurement':50s} {'invoicekit':>16s} {'target':>15s}  verdict")
    for name, value, target, verdict in rows:
        print(f"{name:50s} {value:>16s} {target:>15s}  {verdict}")
    elapsed = time.perf_counter() - started
    path = write_result(
        "summary",
        {
            "quick": args.quick,
            "elapsed_s": round(elapsed, 1),
            "rows": [{"measurement": r[0], "value": r[1], "target": r[2], "verdict": r[3]} for r in rows],
        },
        quick=args.quick,
    )
    print(
        f"\n{elapsed:.0f} s; wrote {os.path.dirname(path)}/"
        "{summary,import_time,percall,upload_rss,bulk_async}.json"
    )


def summary_rows(imp: dict, per: dict, rss: dict, bulk: dict, con: dict) -> list[tuple[str, str, str, str]]:
    rows = [
        (
            "import invoicekit / import httpx",
            fmt_ratio(imp["import"]["ratio_import"]),
            "<= 1.25x",
            imp["import"]["verdict_import"],
        )
    ]
    cold = f"<= {imp['targets']['cold']}x"
    for provider, row in imp["cold_call"].items():
        if "skipped" in row:
            rows.append((f"import+construct+first call: {provider}", "skipped", cold, "n/a"))
        else:
            rows.append(
                (
                    f"import+construct+first call: {provider}",
                    fmt_ratio(row["ratio"]),
                    cold,
                    row["verdict"],
                )
            )
    per_target = f"<= {per['target_ratio']:.2f}x"
    for provider, row in per["providers"].items():
        if "skipped" in row:
            rows.append((f"per call ({per['n']:,} sequential): {provider}", "skipped", per_target, "n/a"))
            continue
        rows.append(
            (
                f"per call ({per['n']:,} sequential): {provider}",
                fmt_ratio(row["ratio"]),
                per_target,
                row["verdict"],
            )
        )
        if "async_ratio" in row:
            rows.append(
                (f"  async: {provider}", fmt_ratio(row["async_ratio"]), per_target, row["async_verdict"])
            )
        if "fast_ratio" in row:
            rows.append(
                (
                    f"  with the fast extra (orjson): {provider}",
                    fmt_ratio(row["fast_ratio"]),
                    "<= 1.00x" if "fast_verdict" in row else "",
                    row.get("fast_verdict", "-"),
                )
            )
        if "sdk_ratio" in row:
            rows.append(("  official Payabli SDK, same update", fmt_ratio(row["sdk_ratio"]), "(peer)", "-"))
    for case, row in rss["cases"].items():
        if "skipped" in row:
            rows.append((f"30 MB upload: {case}", "skipped", "", "n/a"))
            continue
        target = "(ref)" if row["target_mib"] is None else f"<= {row['target_mib']:.0f} MiB"
        rows.append(
            (f"30 MB upload: {case}", f"+{row['added_mib']:.2f} MiB", target, row.get("verdict", "-"))
        )
    for name, row in con["cases"].items():
        if name.startswith("raw"):
            continue
        rows.append(
            (
                f"construct a client after the first: {name}",
                f"{row['ms']:.2f} ms {row['kib_per_client']:.0f} KiB",
                "<= 1 ms 50 KiB",
                row["verdict"],
            )
        )
    raw = con["cases"][construct.RAW]
    rows.append(
        (
            "  raw httpx.Client() (reference)",
            f"{raw['ms']:.2f} ms {raw['kib_per_client']:.0f} KiB",
            "",
            "-",
        )
    )
    ik = bulk["invoicekit"]
    rows.append(
        (
            f"bulk async: {ik['uploads']} uploads at R={ik['limit_per_s']:.0f}/s",
            f"{ik['throughput_ratio']:.2f} R",
            ">= 0.9 R",
            ik["verdict"] + ("" if ik["exactly_once"] else " (not exactly once)"),
        )
    )
    return rows


if __name__ == "__main__":
    main()
