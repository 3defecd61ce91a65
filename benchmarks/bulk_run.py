"""bulk.run: N Upflow PDF jobs from a JSON Lines file against a fake served over HTTP on 127.0.0.1 (in its
own process) that answers 429 above R requests per second; the runner is told the same R.

  python benchmarks/bulk_run.py                    # 10,000 jobs, R = 100/s (Upflow's 600/min, x10)
  python benchmarks/bulk_run.py -n 2000 --rate 50

Checks: sustained throughput (jobs finished per second between the 10th and the 90th percentile of
finish times) >= 0.95 R; 0 lost (every job done in the journal), 0 doubled (every invoice got exactly
one accepted upload, counted by the fake); peak RSS of the runner for N jobs against N/5 jobs (the input is
streamed: memory must not grow with N).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import write_result  # noqa: E402
from cases import SMALL_PDF  # noqa: E402

TARGET = 0.95


def serve(n: int, rate: int, conn) -> None:
    """The fake, in its own process: n invoices, R requests/s; sends the URL, then the counts on request."""
    from invoicekit.testing import FakeServer, FakeUpflow

    fake = FakeUpflow()
    for i in range(n):
        fake.add_invoice(f"inv_{i}", external_id=f"ERP-{i}")
    fake.rate_limit(rate, per=1.0)
    with FakeServer({"upflow": fake}) as server:
        conn.send(server.base_url("upflow"))
        conn.recv()  # the run is over
        uploads = [fake.invoices[f"inv_{i}"].uploads for i in range(n)]
        statuses: dict[int, int] = {}
        conn.send({"uploads": uploads, "requests": len(fake.requests), "statuses": statuses})


RUNNER = r"""
import json, resource, sys, time
import invoicekit
from invoicekit import bulk

jobs, journal, base_url, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
finished = []
def progress(event):
    if event.kind in ("done", "failed", "unknown"):
        finished.append(time.monotonic())
    elif event.kind == "throttled":
        throttled.append(1)
throttled = []
client = invoicekit.AsyncUpflow(api_key="upflow-test-key", api_secret="upflow-test-secret", base_url=base_url)
start, cpu = time.monotonic(), time.process_time()
report = bulk.run(jobs, journal, clients={"upflow": client}, rate={"upflow": f"{rate}/second"},
                  progress=progress)
elapsed = time.monotonic() - start
cpu = time.process_time() - cpu
n = len(finished)
lo, hi = finished[n // 10], finished[(9 * n) // 10]
print(json.dumps({
    "counts": dict(report.counts), "elapsed": elapsed, "overall": n / elapsed,
    "sustained": (((9 * n) // 10) - (n // 10)) / (hi - lo), "throttled": len(throttled),
    "cpu_s": cpu, "cpu_per_job_ms": 1000 * cpu / n,
    "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def one(n: int, rate: int, workdir: str) -> dict:
    pdf = os.path.join(workdir, "invoice.pdf")
    with open(pdf, "wb") as f:
        f.write(SMALL_PDF)
    jobs = os.path.join(workdir, f"jobs-{n}.jsonl")
    with open(jobs, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"job-{i}", "provider": "upflow", "invoice": f"external:ERP-{i}",
                                "change": {"pdf": "invoice.pdf"}}) + "\n")  # fmt: skip
    parent, child = mp.Pipe()
    server = mp.Process(target=serve, args=(n, rate, child), daemon=True)
    server.start()
    base_url = parent.recv()
    journal = os.path.join(workdir, f"run-{n}.db")
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, jobs, journal, base_url, str(rate)], capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(out.stderr)
    figures = json.loads(out.stdout)
    parent.send("done")
    fake = parent.recv()
    server.join(10)
    figures["lost"] = n - figures["counts"]["done"]
    figures["doubled"] = sum(1 for u in fake["uploads"] if u > 1)
    figures["never_uploaded"] = sum(1 for u in fake["uploads"] if u == 0)
    figures["requests"] = fake["requests"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=100, help="R, requests per second (fake and runner)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        small = one(args.n // 5, args.rate, workdir)
        big = one(args.n, args.rate, workdir)
    ok = (
        big["sustained"] >= TARGET * args.rate
        and big["lost"] == 0
        and big["doubled"] == 0
        and big["never_uploaded"] == 0
    )
    result = {
        "n": args.n, "rate": args.rate, "target": TARGET, "ok": ok, "big": big, "small": small,
        "rss_growth_kib": big["max_rss_kib"] - small["max_rss_kib"],
        "loadavg_after": os.getloadavg(),  # the machine is shared: wall figures move with its load
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    write_result("bulk_run", result)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    _ = resource  # the runner measures itself
    main()
