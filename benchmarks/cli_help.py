"""Start-up of the command line: ``invoicekit --help`` against ``python -c pass`` (issue 17).

  python benchmarks/cli_help.py             # median of 15 runs per command
  python benchmarks/cli_help.py --runs 5

Target: ``invoicekit --help`` <= 1.5x ``python -c pass`` + 40 ms. Both are timed as whole processes from
outside, round-robin after a discarded warm-up each (a busy machine slows both alike), with bytecode
cached outside the source tree as in import_time.py. ``invoicekit --help`` is run as
``python -m invoicekit --help`` under the same interpreter (the console script is that, plus the
launcher's own start-up, which is the same for every Python console script); the installed script is
timed too when it is on PATH next to this interpreter. The parser is standard library only: neither
httpx nor attrs nor cattrs is imported (tests/cli/test_command.py checks that).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import median, write_result  # noqa: E402

TARGET_RATIO = 1.5
TARGET_EXTRA_S = 0.040


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "invoicekit-bench-pycache")
    return env


def commands() -> dict[str, list[str]]:
    found = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -m invoicekit --help": [sys.executable, "-m", "invoicekit", "--help"],
    }
    script = os.path.join(os.path.dirname(sys.executable), "invoicekit")
    if os.path.exists(script):
        found["invoicekit --help (console script)"] = [script, "--help"]
    return found


def measure(runs: int) -> dict[str, tuple[float, float]]:
    """Per command, the median wall time and the median CPU time (user + system) of the child."""
    env = _env()
    todo = commands()
    wall: dict[str, list[float]] = {name: [] for name in todo}
    cpu: dict[str, list[float]] = {name: [] for name in todo}
    for argv in todo.values():  # warm-up: bytecode written, files in the page cache
        subprocess.run(argv, env=env, capture_output=True, check=True)
    for _ in range(runs):
        for name, argv in todo.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {name: (median(wall[name]), median(cpu[name])) for name in todo}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    figures = measure(args.runs)
    target = f"<= {TARGET_RATIO}x python -c pass + {TARGET_EXTRA_S * 1000:.0f} ms"
    print(f"median of {args.runs} runs; target: {target}")
    result: dict[str, object] = {"runs": args.runs, "target": target}
    for column, label in ((0, "wall"), (1, "cpu")):
        base = figures["python -c pass"][column]
        budget = TARGET_RATIO * base + TARGET_EXTRA_S
        print(f"{label} time (budget {budget * 1000:.1f} ms)")
        shown: dict[str, object] = {"budget_ms": round(budget * 1000, 1)}
        for name, pair in figures.items():
            seconds = pair[column]
            verdict = "" if name == "python -c pass" else ("  met" if seconds <= budget else "  MISSED")
            print(f"  {name:40s} {seconds * 1000:7.1f} ms  ({seconds / base:.2f}x){verdict}")
            shown[name] = round(seconds * 1000, 1)
        result[f"{label}_ms"] = shown
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores (wall times grow with it; CPU times much less)")
    result["load_average"] = round(load, 2)
    print("written:", write_result("cli_help", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
