"""bulk.run(executor=...) on a real Dask LocalCluster (worker processes on 127.0.0.1), and a process pool.

Workers build their clients from the environment (WHMCS_URL & co. point at a fake served by this
process); shards carry no client and no secret. One test kills the workers running shards mid-call:
the lost shards' unsafe jobs end unknown (never resent), their safe jobs run again and end done.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import pickle
import signal
import sqlite3
import time
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


def test_dask_local_cluster_with_a_worker_that_dies(tmp_path: Path, served: FakeWhmcs) -> None:
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    journal = tmp_path / "run.db"
    # Requests 1-6 answer at once; the 7th is applied and then hangs: its shard is in flight when killed.
    served.slow_next(0.0, times=6)
    served.slow_next(30.0)
    # Dask reruns a task whose worker died unless told not to: an unsafe job must never run twice.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)

        def kill_when_hung() -> None:
            deadline = time.monotonic() + 60
            while len(served.requests) < 7 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)
            for address, keys in client.processing().items():
                if keys:
                    os.kill(pids[address], signal.SIGKILL)

        with cf.ThreadPoolExecutor(1) as side:
            killer = side.submit(kill_when_hung)
            report = bulk.run(_jobs(), journal, executor=client.get_executor(), rate=RATES, shard_size=4)
            killer.result()

    states = _states(journal)
    lost = {i for i, (s, e) in states.items() if s == "unknown"}
    assert lost
    assert all(i.startswith("fee-") and states[i][1] == "ShardLost" for i in lost)
    assert {i: s for i, (s, _) in states.items() if i not in lost and s != "done"} == {}
    assert report.counts["unknown"] == len(lost)
    assert report.counts["done"] == 2 * N - len(lost)
    assert all(fees(served, 1000 + i) <= 1 for i in range(N))  # never sent twice
    assert all(fees(served, 1000 + i) == 1 for i in range(N) if f"fee-{i}" not in lost)
    assert any(fees(served, 1000 + int(i[4:])) == 1 for i in lost)  # the hung one had been applied
    assert [served.invoices[1000 + i].due_date for i in range(N)] == [
        dt.date(2027, 1, 1 + i) for i in range(N)
    ]
