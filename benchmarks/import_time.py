"""Import time and cold start, whole-process: each figure is a fresh interpreter timed from outside.

  python benchmarks/import_time.py              # median of 9 runs per command
  python benchmarks/import_time.py --runs 5
  python benchmarks/import_time.py --importtime # also the `python -X importtime` top offenders
  python benchmarks/import_time.py --instructions           # cold call: instruction counts (valgrind)
  python benchmarks/import_time.py --instructions upflow    # ... of some providers only

Commands run round-robin (one run of each, then the next round), after one discarded warm-up run each,
so a busy machine slows every command alike. Children run with bytecode writing allowed (the
PYTHONDONTWRITEBYTECODE of a CI or sandbox shell is dropped), as a user's installed package has its
.pyc files; they are written under $TMPDIR/invoicekit-bench-pycache (PYTHONPYCACHEPREFIX), never into
the source tree. Targets: ``import invoicekit`` <= 1.25x ``import httpx``; import + construct + first call
<= 1.35x raw httpx doing the same (issue 19; cold_call.py, one case per provider, without the
`fast` extra: the ik_ cases keep the standard library's JSON and never import orjson).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import fmt_ratio, median, ratio, verdict, write_result  # noqa: E402
from cases import PROVIDERS, SMALL_PDF  # noqa: E402

IMPORTS = {
    "python -c pass": "pass",
    "import httpx": "import httpx",
    "import invoicekit": "import invoicekit",
    "import invoicekit + Upflow": "import invoicekit; invoicekit.Upflow",
    "import httpx, attrs": "import httpx, attrs",
    "import httpx, attrs, cattrs": "import httpx, attrs, cattrs",
}
IMPORT_TARGET = 1.25
COLD_TARGET = 1.35


def _env(pdf: str = "") -> dict[str, str]:
    """Bytecode on (a user's install has its .pyc files), cached outside the source tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "invoicekit-bench-pycache")
    env["IK_BENCH_PDF"] = pdf
    return env


def _available(case: str, env: dict[str, str]) -> str | None:
    p = subprocess.run(
        [sys.executable, os.path.join(HERE, "cold_call.py"), case], capture_output=True, text=True, env=env
    )
    return None if p.returncode == 0 else (p.stderr.strip().splitlines() or ["failed"])[-1]


def measure(runs: int, against: str | None = None) -> dict:
    """*against*: another source tree of invoicekit (e.g. ``git archive`` of an earlier commit, unpacked);
    its own ``benchmarks/cold_call.py ik_<provider>`` runs with ``PYTHONPATH=<against>/src`` in the same
    round-robin, so before and after share the machine's noise (``before_*`` in the results).
    """
    fd, pdf = tempfile.mkstemp(suffix=".pdf", prefix="ik-bench-")
    with os.fdopen(fd, "wb") as f:
        f.write(SMALL_PDF)
    try:
        env = _env(pdf)
        cmds: dict[str, list[str]] = {name: [sys.executable, "-c", stmt] for name, stmt in IMPORTS.items()}
        skipped: dict[str, str] = {}
        for provider in PROVIDERS:
            for side in ("ik", "raw"):
                case = f"{side}_{provider}"
                why = _available(case, env)  # also the warm-up run
                if why:
                    skipped[case] = why
                else:
                    cmds[f"cold {case}"] = [sys.executable, os.path.join(HERE, "cold_call.py"), case]
        envs = dict.fromkeys(cmds, env)
        if against:
            old_env = {**env, "PYTHONPATH": os.path.join(against, "src")}
            for provider in PROVIDERS:
                name = f"cold before_ik_{provider}"
                cmds[name] = [
                    sys.executable,
                    os.path.join(against, "benchmarks", "cold_call.py"),
                    f"ik_{provider}",
                ]
                envs[name] = old_env
        for name, cmd in cmds.items():  # warm-up: .pyc files written, caches warm
            subprocess.run(cmd, capture_output=True, env=envs[name], check=True)
        walls: dict[str, list[float]] = {name: [] for name in cmds}
        cpus: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(runs):
            for name, cmd in cmds.items():
                t0, c0 = time.perf_counter(), _children_cpu()
                subprocess.run(cmd, capture_output=True, env=envs[name], check=True)
                walls[name].append((time.perf_counter() - t0) * 1e3)
                cpus[name].append((_children_cpu() - c0) * 1e3)
    finally:
        os.remove(pdf)
    ms = {name: median(w) for name, w in walls.items()}
    cpu_ms = {name: median(c) for name, c in cpus.items()}
    start = ms["python -c pass"]
    imp = {
        "ms": ms,
        "runs_ms": {k: [round(x, 1) for x in v] for k, v in walls.items()},
        "cpu_ms": cpu_ms,
        "ratio_import": ratio(ms["import invoicekit"], ms["import httpx"]),
        "ratio_import_net_of_startup": ratio(ms["import invoicekit"] - start, ms["import httpx"] - start),
        "ratio_import_with_upflow": ratio(ms["import invoicekit + Upflow"], ms["import httpx"]),
    }
    imp["verdict_import"] = verdict(imp["ratio_import"], IMPORT_TARGET)
    cold: dict[str, dict] = {}
    for provider in PROVIDERS:
        ik, raw = f"cold ik_{provider}", f"cold raw_{provider}"
        if ik not in ms or raw not in ms:
            cold[provider] = {"skipped": skipped.get(f"ik_{provider}") or skipped.get(f"raw_{provider}")}
            continue
        r = ratio(ms[ik], ms[raw])
        cold[provider] = {"ik_ms": ms[ik], "raw_ms": ms[raw], "ratio": r, "verdict": verdict(r, COLD_TARGET)}
        cpu_r = ratio(cpu_ms[ik], cpu_ms[raw])
        cold[provider] |= {"ik_cpu_ms": cpu_ms[ik], "raw_cpu_ms": cpu_ms[raw], "cpu_ratio": cpu_r}
        cold[provider]["cpu_verdict"] = verdict(cpu_r, COLD_TARGET)
        before = f"cold before_ik_{provider}"
        if before in ms:
            cold[provider] |= {
                "before_ms": ms[before],
                "before_ratio": ratio(ms[before], ms[raw]),
                "before_cpu_ms": cpu_ms[before],
                "before_cpu_ratio": ratio(cpu_ms[before], cpu_ms[raw]),
            }
    return {
        "runs": runs,
        "import": imp,
        "cold_call": cold,
        "targets": {"import": IMPORT_TARGET, "cold": COLD_TARGET},
        "against": against,
    }


def _children_cpu() -> float:
    """User + system CPU seconds of every child process waited for so far: unlike wall time, a busy
    machine (other processes on the same cores) barely moves it.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def instructions(providers: list[str]) -> dict[str, dict[str, float]]:
    """Each provider's cold call (ik_ and raw_) counted in instructions by ``valgrind --tool=callgrind``:
    one fresh process each, after a warm-up run that writes the .pyc files. Unlike time, the count repeats
    to within ~0.1 % whatever else the machine runs (hash randomisation moves it slightly), so it is the
    figure to compare two trees by; it leaves out syscalls (file stats, opens and reads of each module).
    """
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    fd, pdf = tempfile.mkstemp(suffix=".pdf", prefix="ik-bench-")
    with os.fdopen(fd, "wb") as f:
        f.write(SMALL_PDF)
    out: dict[str, dict[str, float]] = {}
    try:
        env = _env(pdf)
        for provider in providers:
            row: dict[str, float] = {}
            for side in ("ik", "raw"):
                cmd = [sys.executable, os.path.join(HERE, "cold_call.py"), f"{side}_{provider}"]
                subprocess.run(cmd, capture_output=True, env=env, check=True)  # .pyc files written
                with tempfile.TemporaryDirectory() as tmp:
                    p = subprocess.run(
                        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", *cmd],
                        capture_output=True,
                        text=True,
                        env=env,
                        check=True,
                    )
                found = re.search(r"refs:\s+([\d,]+)", p.stderr)
                if found is None:
                    raise SystemExit(f"no instruction count from valgrind for {side}_{provider}")
                row[side] = int(found.group(1).replace(",", ""))
            row["ratio"] = row["ik"] / row["raw"]
            out[provider] = row
            print(
                f"  {provider:12s} invoicekit {row['ik'] / 1e6:8.1f}M  raw httpx {row['raw'] / 1e6:8.1f}M  "
                f"{fmt_ratio(row['ratio'])}  (target <= {COLD_TARGET}: {verdict(row['ratio'], COLD_TARGET)})",
                flush=True,
            )
    finally:
        os.remove(pdf)
    return out


def importtime_top(stmt: str, n: int = 10) -> list[tuple[float, float, str]]:
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", stmt], capture_output=True, text=True, env=_env()
    )
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:") :].split("|")
        rows.append((int(cum_us) / 1e3, int(self_us) / 1e3, name.rstrip()))
    rows.sort(reverse=True)
    return rows[:n]


def report(res: dict) -> None:
    imp = res["import"]
    print(f"import time: whole process, median of {res['runs']} fresh interpreters (wall ms)")
    for name, value in imp["ms"].items():
        if not name.startswith("cold "):
            print(f"  {name:32s} {value:8.1f}")
    print(
        f"  import invoicekit / import httpx = {fmt_ratio(imp['ratio_import'])} (target <= 1.25: "
        f"{imp['verdict_import']}); net of interpreter start-up "
        f"{fmt_ratio(imp['ratio_import_net_of_startup'])}"
    )
    print(
        "import + construct + first call (MockTransport), whole process, median ms: wall, then CPU"
        " (user + system of the child: steadier on a busy machine)"
    )
    for provider, row in res["cold_call"].items():
        if "skipped" in row:
            print(f"  {provider:12s} skipped: {str(row['skipped'])[:80]}")
        else:
            print(
                f"  {provider:12s} invoicekit {row['ik_ms']:7.1f}  raw httpx {row['raw_ms']:7.1f}  "
                f"{fmt_ratio(row['ratio'])}  (target <= {COLD_TARGET}: {row['verdict']})"
                + (
                    f"  before: {row['before_ms']:7.1f} {fmt_ratio(row['before_ratio'])}"
                    if "before_ms" in row
                    else ""
                )
            )
            print(
                f"  {'':12s} CPU ms     {row['ik_cpu_ms']:7.1f}            {row['raw_cpu_ms']:7.1f}  "
                f"{fmt_ratio(row['cpu_ratio'])}  (target <= {COLD_TARGET}: {row['cpu_verdict']})"
                + (
                    f"  before: {row['before_cpu_ms']:7.1f} {fmt_ratio(row['before_cpu_ratio'])}"
                    if "before_cpu_ms" in row
                    else ""
                )
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--importtime", action="store_true")
    ap.add_argument("--against", metavar="DIR", help="an earlier source tree to time in the same rounds")
    ap.add_argument(
        "--instructions",
        nargs="*",
        metavar="PROVIDER",
        help="count the cold call's instructions under valgrind instead of timing (default: every provider)",
    )
    args = ap.parse_args()
    if args.instructions is not None:
        chosen = args.instructions or list(PROVIDERS)
        print("import + construct + first call, whole process: instructions (callgrind, one run each)")
        counted = instructions(chosen)
        print("wrote", write_result("import_instructions", {"cold_call_instructions": counted}))
        return
    res = measure(max(args.runs, 5), args.against)
    report(res)
    if args.importtime:
        for stmt in ("import invoicekit", "import invoicekit; invoicekit.Upflow"):
            print(f"\n-X importtime top offenders for `{stmt}` (cumulative ms, self ms, module)")
            for cum, own, name in importtime_top(stmt):
                print(f"  {cum:8.1f} {own:8.1f}  {name}")
    print("wrote", write_result("import_time", res))


if __name__ == "__main__":
    main()
