"""Shared helpers for the benchmark scripts: subprocess plumbing, statistics, result files.

Nothing here touches the network. Every benchmark talks to an in-process ``httpx.MockTransport`` or to
a server it starts itself on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
LOOPBACK = "127.0.0.1"


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    import httpx

    try:
        from importlib.metadata import version

        ik = version("invoicekit")
    except Exception:
        ik = "unknown"
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "httpx": httpx.__version__,
        "invoicekit": ik,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def run_json(args: Sequence[str], *, python: str | None = None, timeout: float = 600) -> dict[str, Any]:
    """Run ``python args...`` in a fresh process; its last stdout line is JSON. Raises on failure."""
    p = subprocess.run(
        [python or sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=HERE
    )
    if p.returncode:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{' '.join(args)} failed: {' | '.join(tail)}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def write_result(name: str, data: dict[str, Any], *, quick: bool = False) -> str:
    """Write ``results/<name>.json`` (``results/quick/`` for smoke runs) with the machine description."""
    where = os.path.join(RESULTS, "quick") if quick else RESULTS
    os.makedirs(where, exist_ok=True)
    path = os.path.join(where, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"machine": machine(), **data}, f, indent=2, sort_keys=False)
        f.write("\n")
    return path


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def verdict(value: float | None, target: float, *, le: bool = True) -> str:
    if value is None:
        return "n/a"
    return "met" if (value <= target if le else value >= target) else "MISSED"


def payabli_python() -> str | None:
    """The interpreter of a throwaway venv holding the official ``payabli`` SDK, if one is set up.

    Looked up in ``$INVOICEKIT_BENCH_PAYABLI_PYTHON``, then ``$TMPDIR/ik-payabli-venv``; make one with
    ``python benchmarks/setup_payabli.py``. The project never depends on it.
    """
    env = os.environ.get("INVOICEKIT_BENCH_PAYABLI_PYTHON")
    candidates = [env] if env else []
    candidates.append(os.path.join(tempfile.gettempdir(), "ik-payabli-venv", "bin", "python"))
    for c in candidates:
        if c and os.path.exists(c):
            p = subprocess.run([c, "-c", "import payabli, httpx"], capture_output=True)
            if p.returncode == 0:
                return c
    return None
