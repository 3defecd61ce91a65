"""The journal's batched commits: what must be durable before a request leaves is, read from a second
connection (another process would see the same) at the moment the fake receives the request.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicekit import bulk

from ._support import clients, fakes, jobs

pytest.importorskip("limits")

RATES = {"whmcs": "1000/second", "salesbricks": "1000/second", "upflow": "1000/second"}


def _watch(fake: Any, journal: Path, seen: list[tuple[str, str, str | None, str]]) -> None:
    """Record, for every request *fake* receives, the committed journal rows of its provider."""
    dispatch = fake.dispatch

    def watched(request: httpx.Request) -> Any:
        with sqlite3.connect(journal) as db:  # a second connection: it sees only what is committed
            rows = db.execute("SELECT id, state, idempotency_key FROM jobs").fetchall()
        key = request.headers.get("x-salesbricks-idempotent-operation-key", "")
        seen.extend((job, state, stored, key) for job, state, stored in rows)
        seen.append(("request", request.method, None, key))
        return dispatch(request)

    fake.dispatch = watched


def test_unsafe_and_keyed_jobs_are_committed_before_their_request_leaves(tmp_path: Path) -> None:
    n = 6
    fks, journal = fakes(n), tmp_path / "run.db"
    whmcs: list[tuple[str, str, str | None, str]] = []
    salesbricks: list[tuple[str, str, str | None, str]] = []
    _watch(fks["whmcs"], journal, whmcs)
    _watch(fks["salesbricks"], journal, salesbricks)
    report = bulk.run(jobs(n, ("fee", "memo")), journal, clients=clients(fks), rate=RATES, concurrency=1)
    assert report.counts["done"] == 2 * n

    # concurrency 1: each WHMCS request is one fee; when it arrives, that fee is committed as sent
    snapshots: list[dict[str, str]] = []
    current: list[tuple[str, str, str | None, str]] = []
    for row in whmcs:
        if row[0] == "request":
            snapshots.append({job: state for job, state, _, _ in current})
            current = []
        else:
            current.append(row)
    assert len(snapshots) >= n
    for i in range(n):
        # the request for fee-i came after fee-(i-1) was done: find the first snapshot with fee-i sent
        assert any(s.get(f"fee-{i}") == "sent" for s in snapshots), (i, snapshots)
    # no fee request ever left while its job was not committed as sent (or done from earlier)
    for s in snapshots:
        assert sum(state == "sent" for job, state in s.items() if job.startswith("fee-")) == 1

    # each Salesbricks request carries the key already committed with its job
    keys = [key for job, _, _, key in salesbricks if job == "request"]
    committed = {stored for job, _, stored, _ in salesbricks if job.startswith("memo-") and stored}
    assert len(keys) == n
    assert all(key in committed for key in keys)


def test_a_rerun_keeps_the_order_jobs_were_first_seen(tmp_path: Path) -> None:
    fks, journal = fakes(3), tmp_path / "run.db"
    bulk.run(jobs(3, ("due",))[::-1], journal, clients=clients(fks), rate=RATES)
    bulk.run(jobs(3, ("due", "memo")), journal, clients=clients(fks), rate=RATES)
    with sqlite3.connect(journal) as db:
        ids = [row[0] for row in db.execute("SELECT id FROM jobs ORDER BY seq")]
    assert ids == ["due-2", "due-1", "due-0", "memo-0", "memo-1", "memo-2"]
