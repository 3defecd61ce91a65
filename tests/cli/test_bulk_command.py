"""``invoicekit bulk``: run, status and report through the console script against ``invoicekit fakes serve``,
and the terminal experience in a real terminal (tmux): a progress bar, Ctrl-C, and a rerun that resumes.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import SCRIPT, Served, cli

pytest.importorskip("tqdm")
pytest.importorskip("limits")


def write_jobs(path: Path, pdf: Path, n: int, *, bad: int = 0) -> Path:
    change = {"pdf": str(pdf)}
    rows = [
        {"id": f"row-{i}", "provider": "upflow", "invoice": "inv_demo_1", "change": change} for i in range(n)
    ]
    rows += [
        {"id": f"bad-{i}", "provider": "upflow", "invoice": "external:ERP-404", "change": change}
        for i in range(bad)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(b"%PDF-1.7 bulk\n")
    return path


def test_bulk_run_status_report(served: Served, tmp_path: Path, pdf: Path) -> None:
    jobs = write_jobs(tmp_path / "jobs.jsonl", pdf, 3, bad=1)
    journal = str(tmp_path / "run.db")
    done = cli(served, "bulk", "run", str(jobs), "--journal", journal)
    assert done.code == 6, done.err  # one job failed: the batch finished with failures
    assert done.err == ""  # no bar when stderr is not a terminal
    assert done.json["counts"]["done"] == 3
    assert done.json["counts"]["failed"] == 1
    status = cli(served, "bulk", "status", "--journal", journal)
    assert (status.code, status.json["counts"]) == (6, done.json["counts"])
    report = cli(served, "bulk", "report", "--journal", journal)
    (line,) = report.out.splitlines()
    assert json.loads(line)["id"] == "bad-0"
    missing = cli(served, "bulk", "status", "--journal", str(tmp_path / "none.db"))
    assert missing.code == 3


def tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shutil.which("tmux") or "tmux", *args], capture_output=True, text=True, timeout=20)


@pytest.fixture
def session() -> Iterator[str]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail("tmux is missing: .ci/run installs it")
        pytest.skip("tmux is not installed (CI installs it)")
    name = f"invoicekit-test-{os.getpid()}"
    yield name
    tmux("kill-session", "-t", name)


def test_a_progress_bar_in_a_terminal_ctrl_c_then_resume(
    served: Served, session: str, tmp_path: Path, pdf: Path
) -> None:
    """As a person meets it: the bar draws in a real terminal, Ctrl-C stops the run (exit 130, the journal
    kept), and the same command run again finishes the rest without redoing what was done.
    """
    n = 40
    write_jobs(tmp_path / "jobs.jsonl", pdf, n)
    served.fault("upflow", {"kind": "slow", "seconds": 0.25, "times": n})
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**served.env, "TERM": "xterm"}.items())
    command = (
        f"cd {shlex.quote(str(tmp_path))} && env {env} {shlex.quote(str(SCRIPT))} bulk run jobs.jsonl "
        "--journal run.db --concurrency 1 -o json > first.json; echo $? > first.code; sleep 60"
    )
    started = tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "10", command)
    assert started.returncode == 0, started.stderr
    screen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session).stdout
        if "job/s" in screen and f"/{n}" in screen and " 0/" not in screen:
            break
        time.sleep(0.2)
    assert f"/{n}" in screen, screen  # the bar, with its total, on the terminal
    tmux("send-keys", "-t", session, "C-c")
    code_file = tmp_path / "first.code"
    while not code_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert code_file.read_text().strip() == "130"
    first = served.requests()["upflow"]
    assert 0 < first < n + 5
    resumed = cli(served, "bulk", "run", str(tmp_path / "jobs.jsonl"), "--journal", str(tmp_path / "run.db"))
    assert resumed.code == 0, resumed.err
    assert resumed.json["counts"] == {**resumed.json["counts"], "done": n}
    assert resumed.json["run"]["skipped"] > 0  # what the first run did is not redone
    assert resumed.json["run"]["done"] + resumed.json["run"]["skipped"] == n
