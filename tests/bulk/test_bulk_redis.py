"""Redis as bulk's shared rate-limit store (``storage="redis://..."``), on a real ``redis-server``.

Each test starts its own server on 127.0.0.1 (a free port, no persistence, in a temporary directory) and
kills it at the end. Two runner processes (the real subprocesses a user's workers are) share one Upflow
account's limit through it; the fake they upload to is served over HTTP by this process and notes when each
request arrives. A Redis that does not answer is a ValidationError before anything is journaled or sent,
and a Redis lost mid-run fails the jobs not yet sent (never sent, retried by the next run), with no hang.

CI installs redis-server (.ci/run) and fails these tests without it; elsewhere they are skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("limits")

from invoicekit import InvoiceChange, ValidationError, bulk
from invoicekit.testing import FakeServer, FakeUpflow

from ._support import FAST, PDF

IN_CI = os.environ.get("CI", "").lower() in {"true", "1", "yes"}
RATE = 5  # per second, for the account both processes share
PER_PROCESS = 8  # jobs: 2 x 8 at 5/second take at least three full windows
#: What the shared limiter granted is noted in each runner as limits asks Redis for a slot (its own clock,
#: time.time(), read just before limits reads it for the hit). Arrivals at the fake are not the measure:
#: between a slot and its request sit a durable journal commit and, for a process's first calls, lazy
#: imports, which a loaded machine stretches to hundreds of milliseconds.
RUNNER = """
import os, sys, time
from limits.aio.storage import MemoryStorage, RedisStorage
import invoicekit
from invoicekit import bulk

granted = []
for kind in (MemoryStorage, RedisStorage):  # memory:// too, to see this test fail without a shared store
    def noting(acquire):
        async def acquire_entry(self, *args, **kwargs):
            asked = time.time()
            took = await acquire(self, *args, **kwargs)
            if took:
                granted.append(asked)
            return took
        return acquire_entry
    kind.acquire_entry = noting(kind.acquire_entry)

jobs, journal, ready, go = sys.argv[1:5]
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go):  # both start together
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.002)
report = bulk.run(jobs, journal, storage=os.environ["TEST_STORAGE"], rate={"upflow": os.environ["TEST_RATE"]},
                  clients=lambda account: invoicekit.AsyncUpflow(base_url=os.environ["TEST_UPFLOW_URL"]))
print(report.counts["done"], *granted)
"""


def _needed() -> str:
    if not IN_CI:  # CI: the test extra installs it (without it, storage="redis://" is a ValidationError)
        pytest.importorskip("coredis")
    found = shutil.which("redis-server")
    if found is None:
        if IN_CI:
            pytest.fail("redis-server is missing: .ci/run installs it")
        pytest.skip("redis-server is not installed (CI installs it)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Redis:
    """A redis-server of this test's own: no persistence, its files in *where*."""

    def __init__(self, binary: str, where: Path) -> None:
        self.port = _free_port()
        where.mkdir()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(where), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _pong(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(_needed(), tmp_path / "redis")
    try:
        yield server
    finally:
        server.kill()


def _fake(n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeUpflow, list[float]]:
    """An Upflow fake with invoices ERP-0..n-1, noting when each request arrives (time.monotonic)."""
    fake = FakeUpflow()
    for i in range(n):
        fake.add_invoice(f"inv_{i}", external_id=f"ERP-{i}")
    arrivals: list[float] = []
    dispatch = fake.dispatch

    def noted(request: httpx.Request) -> tuple[float, httpx.Response | Exception]:
        arrivals.append(time.monotonic())
        return dispatch(request)

    monkeypatch.setattr(fake, "dispatch", noted)
    return fake, arrivals


def _busiest(arrivals: list[float], width: float) -> int:
    """The most arrivals in any window of *width* seconds."""
    times = sorted(arrivals)
    return max((sum(1 for t in times[i:] if t < start + width) for i, start in enumerate(times)), default=0)


def _states(journal: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(journal) as db:
        return {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, state, error_class FROM jobs")}


@pytest.mark.slow  # two interpreters importing coredis: ~10 s on a loaded machine, so CI runs it once
def test_two_processes_share_one_account_s_limit(
    redis: Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, arrivals = _fake(2 * PER_PROCESS, monkeypatch)
    (tmp_path / "pdfs").mkdir()
    for i in range(2 * PER_PROCESS):
        (tmp_path / "pdfs" / f"ERP-{i}.pdf").write_bytes(PDF)
    with FakeServer({"upflow": fake}) as server:
        env = {**os.environ, "UPFLOW_API_KEY": fake.api_key, "UPFLOW_API_SECRET": fake.api_secret,
               "TEST_UPFLOW_URL": server.base_url("upflow"), "TEST_STORAGE": redis.url,
               "TEST_RATE": f"{RATE}/second"}  # fmt: skip
        runners = []
        for p in range(2):
            lines = [{"id": f"up-{i}", "provider": "upflow", "invoice": f"external:ERP-{i}",
                      "change": {"pdf": f"pdfs/ERP-{i}.pdf"}}
                     for i in range(p * PER_PROCESS, (p + 1) * PER_PROCESS)]  # fmt: skip
            (tmp_path / f"jobs{p}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
            command = [sys.executable, "-c", RUNNER, f"jobs{p}.jsonl", f"run{p}.db", f"ready{p}", "go"]
            runners.append(subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True))  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not all((tmp_path / f"ready{p}").exists() for p in range(2)):
                assert all(r.poll() is None for r in runners), [r.communicate() for r in runners]
                assert time.monotonic() < deadline, "the runners never got ready"
                time.sleep(0.01)
            (tmp_path / "go").touch()
            results = [r.communicate(timeout=60) for r in runners]
        finally:
            for runner in runners:
                if runner.poll() is None:
                    runner.kill()
                    runner.wait()

    assert [r.returncode for r in runners] == [0, 0], results
    said = [out.split() for out, _ in results]
    assert [words[0] for words in said] == [str(PER_PROCESS)] * 2
    for p in range(2):
        assert {s for s, _ in _states(tmp_path / f"run{p}.db").values()} == {"done"}
    assert len(arrivals) == 2 * PER_PROCESS  # each PDF uploaded once
    assert all(fake.invoices[f"inv_{i}"].pdf == PDF for i in range(2 * PER_PROCESS))
    granted = [[float(t) for t in words[1:]] for words in said]
    assert [len(g) for g in granted] == [PER_PROCESS] * 2  # one slot a job, each process its own
    assert max(map(min, granted)) < min(map(max, granted))  # the two ran at the same time
    # Together, within the one limit: never more than RATE slots in any second (the window of 5/second).
    together = sorted(granted[0] + granted[1])
    assert _busiest(together, 1.0) <= RATE, [round(t - together[0], 3) for t in together]


def _run_in_thread(**kwargs: Any) -> Any:
    """bulk.run in a thread, joined with a deadline: a hang fails the test instead of stalling it."""
    result: list[Any] = []

    def go() -> None:
        try:
            result.append(bulk.run(**kwargs))
        except Exception as exc:
            result.append(exc)

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "bulk.run hung"
    return result[0]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("redis://127.0.0.1:{closed}", "storage: redis://127.0.0.1:{closed} does not answer"),
        ("redis://:pw-SECRET-42@127.0.0.1:{closed}/0", "storage: redis://***@127.0.0.1:{closed}/0 does not"),
        ("redis://:pw-SECRET-42@127.0.0.1:port", "storage: is not a usable limits storage ("),
    ],
)
def test_a_redis_that_does_not_answer_is_a_validation_error_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, said: str
) -> None:
    _needed()
    closed = _free_port()  # nothing listens there
    fake, arrivals = _fake(1, monkeypatch)
    job = bulk.Job("upflow", "external:ERP-0", InvoiceChange(pdf=PDF), id="up-0")
    error = _run_in_thread(jobs=[job], journal=tmp_path / "run.db", clients={"upflow": fake.async_client()},
                           storage=url.format(closed=closed))  # fmt: skip
    assert isinstance(error, ValidationError), error
    assert error.field == "storage"
    assert str(error).startswith(said.format(closed=closed))
    assert "SECRET" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None  # limits' own error quotes the URI, password and all
    assert arrivals == []
    assert not (tmp_path / "run.db").exists()  # checked before the journal is opened


def test_a_redis_lost_mid_run_fails_the_jobs_not_sent_and_a_rerun_finishes_them(
    redis: Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 8
    fake, arrivals = _fake(n, monkeypatch)
    jobs = [bulk.Job("upflow", f"external:ERP-{i}", InvoiceChange(pdf=PDF), id=f"up-{i}") for i in range(n)]
    done: list[str] = []

    def progress(event: bulk.Event) -> None:
        if event.kind == "done" and event.job_id is not None:
            done.append(event.job_id)
            if len(done) == 2:
                redis.kill()  # the third window's jobs find no storage

    journal = tmp_path / "run.db"
    report = _run_in_thread(jobs=jobs, journal=journal, clients={"upflow": fake.async_client(retry=FAST)},
                            storage=redis.url, rate={"upflow": "2/second"}, concurrency=1,
                            progress=progress)  # fmt: skip
    assert isinstance(report, bulk.Report), report
    states = _states(journal)
    sent = [i for i, (s, _) in states.items() if s == "done"]
    failed = {i: e for i, (s, e) in states.items() if s == "failed"}
    assert len(sent) >= 2
    assert failed  # the jobs after the kill
    assert len(sent) + len(failed) == n
    assert set(failed.values()) == {"StorageError"}
    assert len(arrivals) == len(sent)  # a failed job was never sent
    assert all(r.error is not None and r.error.startswith("not sent") for r in report.failures())

    rerun = _run_in_thread(jobs=jobs, journal=journal, clients={"upflow": fake.async_client(retry=FAST)})
    assert rerun.ok, rerun.counts
    assert len(arrivals) == n  # the failed ones sent once now, the done ones not again
    assert all(fake.invoices[f"inv_{i}"].pdf == PDF for i in range(n))


def test_a_redis_that_never_answers_is_a_validation_error_after_the_timeout_and_arun_s_loop_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that takes the connection and says nothing (a wrong port, a hung Redis): the PING gives up
    after the timeout, and ``arun`` waits for it off its loop (the loop's other tasks go on meanwhile).
    """
    _needed()
    from invoicekit import bulk as bulk_module

    monkeypatch.setattr(bulk_module, "_REACH_TIMEOUT", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog; nothing ever reads or answers
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}"
        ticks = 0

        async def main() -> BaseException:
            nonlocal ticks

            async def tick() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.01)

            ticker = asyncio.ensure_future(tick())
            try:
                await asyncio.wait_for(bulk.arun([], tmp_path / "run.db", storage=url), 30)
            except ValidationError as exc:
                return exc
            finally:
                ticker.cancel()
            raise AssertionError("no ValidationError")

        error = asyncio.run(main())
    assert isinstance(error, ValidationError)
    assert str(error) == f"storage: {url} does not answer (is the server up, the URI right?)"
    assert ticks >= 5  # blocked, the loop would have ticked once
    assert not (tmp_path / "run.db").exists()
