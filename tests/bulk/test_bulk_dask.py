"""bulk.run(executor=...) on a real Dask LocalCluster (worker processes on 127.0.0.1), and a process pool.

Workers build their clients from the environment (WHMCS_URL & co. point at a fake served by this
process); shards carry no client and no secret. One test kills a worker running a shard mid-call:
the lost shard's unsafe jobs end unknown (never resent), its safe jobs run again and end done.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("limits")

from invoicekit import InvoiceChange, bulk
from invoicekit.testing import FakeServer, FakeWhmcs
from invoicekit.whmcs import NewItem

from ._support import FEE, fees

N = 24
RATES = {"whmcs": "1000/second"}


def _jobs() -> list[bulk.Job]:
    out = []
    for i in range(N):
        account = "whmcs" if i % 2 else "whmcs:second"  # two accounts: two shards run side by side
        fee = NewItem(FEE, Decimal("15.00"), taxed=False)
        out.append(bulk.Job("whmcs", 1000 + i, bulk.Native("update", new_items=[fee]), id=f"fee-{i}",
                            account=account))  # fmt: skip
        change = InvoiceChange(due_date=dt.date(2027, 1, 1 + i))
        out.append(bulk.Job("whmcs", 1000 + i, change, id=f"due-{i}", account=account))
    return out


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWhmcs]:
    fake = FakeWhmcs()
    for i in range(N):
        fake.add_invoice(1000 + i, lines=[("Hosting", 10, False)])
    with FakeServer({"whmcs": fake}) as server:
        monkeypatch.setenv("WHMCS_URL", server.base_url("whmcs"))
        monkeypatch.setenv("WHMCS_IDENTIFIER", fake.identifier)
        monkeypatch.setenv("WHMCS_SECRET", fake.secret)
        yield fake


def _states(journal: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(journal) as db:
        return {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, state, error_class FROM jobs")}


def test_a_shard_carries_no_client_and_no_secret(served: FakeWhmcs) -> None:
    from invoicekit.bulk._executor import Shard
    from invoicekit.bulk._runner import Settings, prepare

    shard = Shard("whmcs", tuple(prepare(j, None) for j in _jobs()[:4]), Settings(dict(RATES)))
    blob = pickle.dumps(shard)
    assert served.secret.encode() not in blob
    assert served.identifier.encode() not in blob
    assert b"httpx" not in blob
    assert b"AsyncWhmcs" not in blob


def test_a_process_pool_runs_the_shards(tmp_path: Path, served: FakeWhmcs) -> None:
    journal = tmp_path / "run.db"
    with cf.ProcessPoolExecutor(2) as pool:
        report = bulk.run(_jobs(), journal, executor=pool, rate=RATES, shard_size=5)
    assert report.counts["done"] == 2 * N
    assert report.ok
    assert [fees(served, 1000 + i) for i in range(N)] == [1] * N
    assert [served.invoices[1000 + i].due_date for i in range(N)] == [
        dt.date(2027, 1, 1 + i) for i in range(N)
    ]


CLUSTER = r"""
import json, os, signal, sys, threading, time, urllib.request
import dask, distributed
from invoicekit import bulk
sys.path.insert(0, sys.argv[3])
from dask_jobs import jobs

def requests_seen():
    with urllib.request.urlopen(sys.argv[4]) as answer:
        return json.load(answer)["fakes"]["whmcs"]["requests"]

if __name__ == "__main__":
    import faulthandler
    faulthandler.dump_traceback_later(150, exit=True)  # a hang shows where it hangs, and ends
    # Dask reruns a task whose worker died unless told not to: an unsafe job must never run twice.
    dask.config.set({"distributed.scheduler.allowed-failures": 0})
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    client = distributed.Client(cluster)
    pids = client.run(os.getpid)

    def kill_when_hung():
        deadline = time.monotonic() + 60
        while requests_seen() < 7 and time.monotonic() < deadline:
            time.sleep(0.02)
        # The worker to kill is the one whose shard hangs (8 s), not one that happens to be busy with a
        # quick shard: that one may finish between the look and the kill, and then nothing is lost.
        # The hung shard is the one still processing the same task a second later.
        before = {a: set(keys) for a, keys in client.processing().items() if keys}
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = {a: set(keys) for a, keys in client.processing().items() if keys}
            hung = [a for a, keys in now.items() if keys and keys == before.get(a)]
            if hung:
                break
            before = now
        else:
            print("no hung shard found", file=sys.stderr, flush=True)
            os._exit(3)
        os.kill(pids[hung[0]], signal.SIGKILL)  # one worker dies mid-shard; the other carries on

    killer = threading.Thread(target=kill_when_hung, daemon=True)
    killer.start()
    report = bulk.run(jobs(), sys.argv[1], executor=client.get_executor(), rate={"whmcs": "1000/second"},
                      shard_size=4)
    killer.join()
    print(json.dumps(dict(report.counts)), flush=True)
    os._exit(0)  # the test ends the process group: no waiting for the cluster to wind down
"""

JOBS_MODULE = """
import datetime as dt
from decimal import Decimal
from invoicekit import InvoiceChange, bulk
from invoicekit.whmcs import NewItem

def jobs():
    out = []
    for i in range(24):
        account = "whmcs" if i % 2 else "whmcs:second"
        fee = NewItem("Late payment fee", Decimal("15.00"), taxed=False)
        out.append(bulk.Job("whmcs", 1000 + i, bulk.Native("update", new_items=[fee]), id=f"fee-{i}",
                            account=account))
        change = InvoiceChange(due_date=dt.date(2027, 1, 1 + i))
        out.append(bulk.Job("whmcs", 1000 + i, change, id=f"due-{i}", account=account))
    return out
"""


@pytest.mark.slow
def test_dask_local_cluster_with_a_worker_that_dies(tmp_path: Path, served: FakeWhmcs) -> None:
    """The cluster runs in a subprocess of its own (as a user's script would), under a time limit."""
    pytest.importorskip("distributed")
    journal = tmp_path / "run.db"
    (tmp_path / "dask_jobs.py").write_text(JOBS_MODULE)
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER)
    # Requests 1-6 answer at once; the 7th is applied and then waits 8 s: shards are in flight at the kill.
    served.slow_next(0.0, times=6)
    served.slow_next(8.0)
    root = os.environ["WHMCS_URL"].rsplit("/whmcs", 1)[0] + "/"
    command = [sys.executable, str(script), str(journal), "", str(tmp_path), root]
    runner = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = runner.communicate(timeout=200)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)  # the cluster's processes too
    assert runner.returncode == 0, err.decode()[-3000:]
    counts = json.loads(out.decode().strip().splitlines()[-1])

    states = _states(journal)
    assert [j.id for j in _jobs()] == [f"{k}-{i}" for i in range(N) for k in ("fee", "due")]  # the same jobs
    lost = {i for i, (s, e) in states.items() if s == "unknown"}
    assert lost
    assert all(i.startswith("fee-") and states[i][1] == "ShardLost" for i in lost)
    assert {i: s for i, (s, _) in states.items() if i not in lost and s != "done"} == {}
    assert counts["unknown"] == len(lost)
    assert counts["done"] == 2 * N - len(lost)
    assert all(fees(served, 1000 + i) <= 1 for i in range(N))  # never sent twice
    assert all(fees(served, 1000 + i) == 1 for i in range(N) if f"fee-{i}" not in lost)
    assert [served.invoices[1000 + i].due_date for i in range(N)] == [
        dt.date(2027, 1, 1 + i) for i in range(N)
    ]
