"""Per-call cost before and after a change, in the same run: percall.py's children, alternated.

  git archive <base-commit> src | tar -x -C /tmp/base    # the "before" source tree
  python benchmarks/percall_ab.py /tmp/base/src           # every provider, 3 pairs of runs
  python benchmarks/percall_ab.py /tmp/base/src payabli --pairs 5 -n 2000

For each provider, percall.py's child (invoicekit and raw httpx in alternating blocks, in one fresh
process) runs *pairs* times on the before tree (``PYTHONPATH``) and *pairs* times on this checkout,
before/after alternating, so machine noise reaches both. The figure compared is the ratio to raw httpx
measured in the same process (a noisy moment slows both sides alike); the change is
median(after ratio) / median(before ratio) - 1. Target: at most +3 %.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import median, run_json, write_result  # noqa: E402
from cases import PROVIDERS  # noqa: E402

TARGET = 0.03


def measure(before: str, providers: list[str], pairs: int, n: int, rounds: int) -> dict:
    out: dict[str, dict] = {}
    for provider in providers:
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for i in range(pairs):
            order = [("before", before), ("after", None)]
            for label, src in order if i % 2 == 0 else order[::-1]:
                runs[label].append(_child(provider, n, rounds, src))
        b_ratio = median([r["ratio"] for r in runs["before"]])
        a_ratio = median([r["ratio"] for r in runs["after"]])
        out[provider] = {
            "before_us": round(median([r["ik_us"] for r in runs["before"]]), 1),
            "after_us": round(median([r["ik_us"] for r in runs["after"]]), 1),
            "before_ratio": round(b_ratio, 4),
            "after_ratio": round(a_ratio, 4),
            "change": round(a_ratio / b_ratio - 1, 4),
            "verdict": "met" if a_ratio / b_ratio - 1 <= TARGET else "MISSED",
        }
    return {"n": n, "rounds": rounds, "pairs": pairs, "target_change": TARGET, "providers": out}


def _child(provider: str, n: int, rounds: int, src: str | None) -> dict:
    args = [os.path.join(HERE, "percall.py"), "--child", f"ik_{provider},raw_{provider}", "-n", str(n)]
    args += ["--rounds", str(rounds)]
    saved = os.environ.get("PYTHONPATH")
    try:
        if src is not None:
            os.environ["PYTHONPATH"] = src
        else:
            os.environ.pop("PYTHONPATH", None)
        cases = run_json(args)["cases"]
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    ik = cases[f"ik_{provider}"]
    return {"ik_us": ik["median_us"], "raw_us": cases[f"raw_{provider}"]["median_us"], "ratio": ik["ratio"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", help="the src/ directory of the tree to compare against")
    ap.add_argument("providers", nargs="*", default=list(PROVIDERS))
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    res = measure(os.path.abspath(args.before), args.providers, args.pairs, args.n, args.rounds)
    print(f"per-call CPU us, before vs after ({args.pairs} alternating pairs; change = ratio-to-raw-httpx)")
    print(f"{'provider':12s} {'before us':>10s} {'after us':>9s} {'before x':>9s} {'after x':>8s}  change")
    for provider, row in res["providers"].items():
        print(
            f"{provider:12s} {row['before_us']:10.1f} {row['after_us']:9.1f} {row['before_ratio']:9.3f}"
            f" {row['after_ratio']:8.3f} {row['change'] * 100:+7.1f}%  {row['verdict']}"
        )
    print("wrote", write_result("percall_ab", res))


if __name__ == "__main__":
    main()
