"""kill -9 of the runner mid-run, then a rerun with the same journal: every job ends done exactly once,
no unsafe job is sent twice. The runner is a real subprocess reading a JSON Lines file and building its
clients from the environment; the fakes are served over HTTP on 127.0.0.1 by this process, and count.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("limits")

from invoicekit.testing import FakeServer, FakeUpflow, FakeWhmcs

from ._support import FEE, PDF, fees

N = 40
RUNNER = """
import os, sys
import invoicekit
from invoicekit import bulk

def clients(account):  # credentials from the environment; the fake's URL too
    if account == "upflow":
        return invoicekit.AsyncUpflow(base_url=os.environ["TEST_UPFLOW_URL"])
    return invoicekit.AsyncWhmcs()

bulk.run(sys.argv[1], sys.argv[2], clients=clients, rate={"upflow": "1000/second", "whmcs": "1000/second"},
         concurrency=2)
"""


def _states(journal: Path) -> dict[str, tuple[str, str]]:
    try:
        with sqlite3.connect(journal) as db:
            return {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, state, provider FROM jobs")}
    except sqlite3.OperationalError:  # not created yet
        return {}


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun(tmp_path: Path) -> None:
    up, wh = FakeUpflow(), FakeWhmcs()
    (tmp_path / "pdfs").mkdir()
    lines: list[dict[str, object]] = []
    for i in range(N):
        up.add_invoice(f"inv_{i}", external_id=f"ERP-{i}")
        wh.add_invoice(1000 + i, lines=[("Hosting", 10, False)])
        (tmp_path / "pdfs" / f"ERP-{i}.pdf").write_bytes(PDF)
        lines.append({"id": f"up-{i}", "provider": "upflow", "invoice": f"external:ERP-{i}",
                      "change": {"pdf": f"pdfs/ERP-{i}.pdf"}})  # fmt: skip
        fee = {"description": FEE, "amount": "15.00", "taxed": False}
        lines.append({"id": f"fee-{i}", "provider": "whmcs", "invoice": 1000 + i,
                      "change": {"op": "update", "args": {"new_items": [fee]}}})  # fmt: skip
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    journal = tmp_path / "run.db"
    # Each account's 11th request is applied, then its answer hangs: in flight when the runner is killed.
    for fake in (up, wh):
        fake.slow_next(0.01, times=10)
        fake.slow_next(6.0)
        fake.slow_next(0.01, times=1000)

    with FakeServer({"upflow": up, "whmcs": wh}) as server:
        env = {
            **os.environ,
            "UPFLOW_API_KEY": up.api_key, "UPFLOW_API_SECRET": up.api_secret,
            "TEST_UPFLOW_URL": server.base_url("upflow"),
            "WHMCS_URL": server.base_url("whmcs"),
            "WHMCS_IDENTIFIER": wh.identifier, "WHMCS_SECRET": wh.secret,
        }  # fmt: skip
        command = [sys.executable, "-c", RUNNER, str(jobs), str(journal)]
        runner = subprocess.Popen(command, env=env, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                states = _states(journal)
                done = sum(s == "done" for s, _ in states.values())
                hung = {p for s, p in states.values() if s == "sent"}
                if done >= 2 * 12 and hung == {"upflow", "whmcs"}:
                    break
                time.sleep(0.02)
            else:
                pytest.fail(f"the runner never got going: {_states(journal)}")
            runner.send_signal(signal.SIGKILL)
            runner.wait(10)
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()

        after_kill = _states(journal)
        in_flight = {i for i, (s, _) in after_kill.items() if s == "sent"}
        assert {i.split("-")[0] for i in in_flight} == {"up", "fee"}
        fee_in_flight = {int(i.split("-")[1]) for i in in_flight if i.startswith("fee-")}
        # the hung one was applied, its answer never came; another may not have reached the fake yet
        assert sorted(fees(wh, 1000 + i) for i in fee_in_flight)[-1] == 1

        for fake in (up, wh):
            fake.reset_faults()
        rerun = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr

    final = _states(journal)
    assert len(final) == 2 * N
    unknown = {i for i, (s, _) in final.items() if s == "unknown"}
    assert unknown == {f"fee-{i}" for i in fee_in_flight}  # unsafe and in flight: listed, never resent
    assert {i: s for i, (s, _) in final.items() if i not in unknown and s != "done"} == {}
    # every fee that was not in flight exactly once; those in flight at most once (never resent)
    assert [fees(wh, 1000 + i) for i in range(N) if i not in fee_in_flight] == [1] * (N - len(fee_in_flight))
    assert sum(fees(wh, 1000 + i) for i in fee_in_flight) >= 1
    assert all(fees(wh, 1000 + i) <= 1 for i in fee_in_flight)
    assert all(up.invoices[f"inv_{i}"].pdf == PDF for i in range(N))
    with sqlite3.connect(journal) as db:
        [(key_rows,)] = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'done'").fetchall()
    assert key_rows == 2 * N - len(unknown)


INTERRUPTIBLE = """
import sys
import invoicekit
from invoicekit import bulk

bulk.run(sys.argv[1], sys.argv[2], clients=lambda account: invoicekit.AsyncWhmcs(),
         rate={"whmcs": "1000/second"}, concurrency=2, grace=0.5)
"""


@pytest.mark.slow
def test_ctrl_c_journals_the_calls_in_flight_and_exits_promptly(tmp_path: Path) -> None:
    wh = FakeWhmcs()
    fee = {"description": FEE, "amount": "15.00", "taxed": False}
    lines = []
    for i in range(N):
        wh.add_invoice(1000 + i, lines=[("Hosting", 10, False)])
        lines.append({"id": f"fee-{i}", "provider": "whmcs", "invoice": 1000 + i,
                      "change": {"op": "update", "args": {"new_items": [fee]}}})  # fmt: skip
    jobs, journal = tmp_path / "jobs.jsonl", tmp_path / "run.db"
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    wh.slow_next(0.01, times=5)
    wh.slow_next(15.0)  # the 6th fee is applied, then its answer hangs past the grace period
    with FakeServer({"whmcs": wh}) as server:
        env = {**os.environ, "WHMCS_URL": server.base_url("whmcs"), "WHMCS_IDENTIFIER": wh.identifier,
               "WHMCS_SECRET": wh.secret}  # fmt: skip
        runner = subprocess.Popen(
            [sys.executable, "-c", INTERRUPTIBLE, str(jobs), str(journal)], env=env, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 30
            while len(wh.requests) < 6 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.1)
            runner.send_signal(signal.SIGINT)
            started = time.monotonic()
            _, stderr = runner.communicate(timeout=15)
            took = time.monotonic() - started
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()
    assert runner.returncode != 0
    assert b"KeyboardInterrupt" in stderr
    assert took < 12  # prompt: the grace period (0.5 s), not the 15 s the hung call would take
    states = _states(journal)
    assert "sent" not in {s for s, _ in states.values()}  # the journal is consistent
    unknown = {i for i, (s, _) in states.items() if s == "unknown"}
    # the hung fee was in flight past the grace period; unsafe, so unknown (it was in fact applied)
    assert sum(fees(wh, 1000 + int(i[4:])) for i in unknown) >= 1
    done = {i for i, (s, _) in states.items() if s == "done"}
    assert len(done) >= 5
    assert all(fees(wh, 1000 + int(i[4:])) == 1 for i in done)
    assert all(fees(wh, 1000 + int(i[4:])) == 0 for i, (s, _) in states.items() if s == "pending")
