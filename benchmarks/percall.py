"""Per-call cost: N sequential calls on ``httpx.MockTransport``, invoicekit vs raw httpx building the same
request by hand, sync and async (and the official Payabli SDK on the same Payabli update, when its venv
exists).

  python benchmarks/percall.py                    # every provider, 5,000 calls x 3 rounds
  python benchmarks/percall.py payabli -n 2000    # one provider
  python benchmarks/percall.py --profile ik_payabli   # cProfile of one case (top 25 by own time)

Each provider runs in its own fresh process holding both clients (then, in another, both async clients:
``httpx.AsyncClient`` and the provider's ``Async*`` client, each block of calls awaited in one coroutine on
one event loop): 200 warm-up calls each, then ROUNDS
rounds of N calls per client, in alternating blocks of 250 calls timed with time.perf_counter. The
figure is the median block in CPU time of the process (time.process_time: what the call costs, not
how long the scheduler kept it waiting; wall time is recorded too); the ratio is the median of the
paired block ratios, so a noisy machine slows both sides alike. The official Payabli SDK runs the
same way in its own venv, paired with the same raw httpx case there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import fmt_ratio, median, payabli_python, run_json, verdict, write_result  # noqa: E402
from cases import PROVIDERS  # noqa: E402

#: Issue 14: per call, at most 10 % over raw httpx doing the same request, sync and async, stdlib json.
TARGET = 1.10
#: With the `fast` extra (orjson), issue 19: no slower than raw httpx for these.
FAST_TARGET = 1.00
FAST_PROVIDERS = ("payabli", "invoro", "whmcs")


def _has_orjson() -> bool:
    import importlib.util

    return importlib.util.find_spec("orjson") is not None


def child(cases_: list[str], n: int, rounds: int, block: int) -> dict:
    """Time *cases_* in this one process, alternating blocks of *block* calls, *rounds* x *n* calls each."""
    import cases

    calls = {c: cases.build_block(c) for c in cases_}
    for run in calls.values():
        run(200)
    cpu: dict[str, list[float]] = {c: [] for c in cases_}
    wall: dict[str, list[float]] = {c: [] for c in cases_}
    per_round_blocks = n // block
    for r in range(rounds):
        order = cases_ if r % 2 == 0 else cases_[::-1]
        for _ in range(per_round_blocks):
            for c in order:
                run = calls[c]
                c0, w0 = time.process_time(), time.perf_counter()
                run(block)
                wall[c].append((time.perf_counter() - w0) / block * 1e6)
                cpu[c].append((time.process_time() - c0) / block * 1e6)
    out: dict = {"n": n, "rounds": rounds, "block": block, "cases": {}}
    for c in cases_:
        rounds_us = [
            median(cpu[c][i : i + per_round_blocks]) for i in range(0, len(cpu[c]), per_round_blocks)
        ]
        out["cases"][c] = {
            "median_us": median(cpu[c]),
            "wall_median_us": median(wall[c]),
            "rounds_us": [round(x, 1) for x in rounds_us],
        }
    base = cases_[1]
    for c in cases_:
        if c != base:
            out["cases"][c]["ratio"] = median([a / b for a, b in zip(cpu[c], cpu[base], strict=True)])
            out["cases"][c]["wall_ratio"] = median([a / b for a, b in zip(wall[c], wall[base], strict=True)])
    return out


def profile(case: str, n: int) -> None:
    import cProfile
    import pstats

    import cases

    run = cases.build_block(case)
    run(200)
    pr = cProfile.Profile()
    pr.enable()
    run(n)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(25)


def measure(providers: list[str], n: int, rounds: int, block: int = 250) -> dict:
    """{provider: {ik_us, raw_us, ratio, ...}}. ik_ and raw_ run in one fresh process, in alternating
    blocks, so machine noise hits both alike; the ratio is the median of the paired block ratios.
    """
    sdk_py = payabli_python()
    fast = _has_orjson()
    out: dict[str, dict] = {}
    common = ["-n", str(n), "--rounds", str(rounds), "--block", str(block)]
    for provider in providers:
        cases_ = f"ik_{provider},raw_{provider}" + (f",ikfast_{provider}" if fast else "")
        args = [os.path.join(HERE, "percall.py"), "--child", cases_, *common]
        try:
            res = run_json(args)
        except RuntimeError as exc:
            out[provider] = {"skipped": str(exc)}
            continue
        ik, raw = res["cases"][f"ik_{provider}"], res["cases"][f"raw_{provider}"]
        row = {
            "ik_us": ik["median_us"],
            "raw_us": raw["median_us"],
            "ratio": ik["ratio"],
            "wall_ik_us": ik["wall_median_us"],
            "wall_raw_us": raw["wall_median_us"],
            "wall_ratio": ik["wall_ratio"],
            "ik_rounds_us": ik["rounds_us"],
            "raw_rounds_us": raw["rounds_us"],
            "verdict": verdict(ik["ratio"], TARGET),
        }
        if fast:
            f = res["cases"][f"ikfast_{provider}"]
            row |= {
                "fast_us": f["median_us"],
                "fast_ratio": f["ratio"],
                "wall_fast_ratio": f["wall_ratio"],
                "fast_rounds_us": f["rounds_us"],
            }
            if provider in FAST_PROVIDERS:
                row["fast_verdict"] = verdict(f["ratio"], FAST_TARGET)
        try:  # the same calls through the async clients, in a process of their own
            cases_ = f"aik_{provider},araw_{provider}" + (f",aikfast_{provider}" if fast else "")
            res = run_json([os.path.join(HERE, "percall.py"), "--child", cases_, *common])
            aik, araw = res["cases"][f"aik_{provider}"], res["cases"][f"araw_{provider}"]
            row |= {
                "async_ik_us": aik["median_us"],
                "async_raw_us": araw["median_us"],
                "async_ratio": aik["ratio"],
                "async_wall_ratio": aik["wall_ratio"],
                "async_verdict": verdict(aik["ratio"], TARGET),
            }
            if fast:
                f = res["cases"][f"aikfast_{provider}"]
                row |= {"async_fast_us": f["median_us"], "async_fast_ratio": f["ratio"]}
        except RuntimeError as exc:
            row["async_skipped"] = str(exc)
        if provider == "payabli" and sdk_py:
            # The official SDK lives in another venv: paired there with the same raw httpx case.
            args = [os.path.join(HERE, "percall.py"), "--child", "sdk_payabli,raw_payabli", *common]
            try:
                sdk = run_json(args, python=sdk_py)["cases"]
                row["sdk_us"] = sdk["sdk_payabli"]["median_us"]
                row["sdk_raw_us"] = sdk["raw_payabli"]["median_us"]
                row["sdk_ratio"] = sdk["sdk_payabli"]["ratio"]
            except RuntimeError as exc:
                row["sdk_skipped"] = str(exc)
        out[provider] = row
    return {
        "n": n,
        "rounds": rounds,
        "block": block,
        "target_ratio": TARGET,
        "fast_target_ratio": FAST_TARGET,
        "orjson": _orjson_version(),
        "providers": out,
    }


def _orjson_version() -> str | None:
    try:
        import orjson
    except ImportError:
        return None
    return orjson.__version__


def report(res: dict) -> None:
    print(
        f"per-call cost: {res['n']} sequential calls x {res['rounds']} rounds on httpx.MockTransport"
        " (CPU us/call; ratio = median of paired blocks against raw httpx in the same process)"
    )
    print(
        f"{'provider':12s} {'sync ik us':>10s} {'raw us':>7s} {'ratio':>6s} {'async ik':>9s} {'raw':>7s}"
        f" {'ratio':>6s}  target<={TARGET:.2f}  {'[fast] sync':>11s} {'async':>6s}  target<=1.00  SDK"
    )
    for provider, row in res["providers"].items():
        if "skipped" in row:
            print(f"{provider:12s} skipped: {row['skipped'][:80]}")
            continue
        sdk = f"{row['sdk_us']:.1f} us ({fmt_ratio(row['sdk_ratio'])} its raw)" if "sdk_us" in row else ""
        if "async_ratio" in row:
            aio = f"{row['async_ik_us']:9.1f} {row['async_raw_us']:7.1f} {fmt_ratio(row['async_ratio']):>6s}"
            met = "met" if row["verdict"] == "met" and row["async_verdict"] == "met" else "MISSED"
        else:
            aio, met = f"{'(async skipped)':>24s}", row["verdict"]
        fast = (
            f"{fmt_ratio(row['fast_ratio']):>11s} {fmt_ratio(row.get('async_fast_ratio')):>6s}"
            f"  {row.get('fast_verdict', '-'):12s}"
            if "fast_us" in row
            else f"{'(no orjson)':>32s}"
        )
        print(
            f"{provider:12s} {row['ik_us']:10.1f} {row['raw_us']:7.1f} {fmt_ratio(row['ratio']):>6s} {aio}"
            f"  {met:12s}  {fast}  {sdk}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("providers", nargs="*", default=list(PROVIDERS))
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--block", type=int, default=250, help="calls per alternating block")
    ap.add_argument("--profile", metavar="CASE")
    ap.add_argument("--child", metavar="CASE", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child.split(","), args.n, args.rounds, args.block)))
        return
    if args.profile:
        profile(args.profile, args.n)
        return
    res = measure(args.providers, args.n, args.rounds, args.block)
    report(res)
    print("wrote", write_result("percall", res))


if __name__ == "__main__":
    main()
