"""bulk.run / bulk.arun against the in-memory fakes, with the journal on disk (a real SQLite file)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import hashlib
import io
import json
import random
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("limits")

import invoicekit
from invoicekit import InvoiceChange, bulk, whmcs

from ._support import FAST, PDF, clients, fakes, fees, jobs


def rows(path: Path) -> dict[str, tuple[str, int, str | None]]:
    with sqlite3.connect(path) as db:
        return {r[0]: r[1:] for r in db.execute("SELECT id, state, attempts, error_class FROM jobs")}


def test_run_does_every_job_once_and_a_rerun_sends_nothing(tmp_path: Path) -> None:
    fks, journal = fakes(6), tmp_path / "run.db"
    events: list[bulk.Event] = []
    report = bulk.run(jobs(6), journal, clients=clients(fks), progress=events.append)
    assert dict(report.counts) == {"pending": 0, "sent": 0, "done": 24, "failed": 0, "unknown": 0}
    assert report.ok
    assert report.run is not None
    assert report.run.done == 24
    assert all(fks["upflow"].invoices[f"inv_{i}"].uploads == 1 for i in range(6))
    assert all(fees(fks["whmcs"], 1000 + i) == 1 for i in range(6))
    assert [fks["whmcs"].invoices[1000 + i].due_date for i in range(6)] == [
        dt.date(2027, 1, 1 + i) for i in range(6)
    ]
    assert [fks["salesbricks"].invoices[f"sb-{i}"].invoice_memo for i in range(6)] == [
        f"memo {i}" for i in range(6)
    ]
    assert {state for state, _, _ in rows(journal).values()} == {"done"}
    kinds = collections.Counter(e.kind for e in events)
    assert kinds["started"] == 24
    assert kinds["done"] == 24
    assert kinds["finished"] == 1
    assert events[-1].counts.done == 24
    assert events[-1].counts.in_flight == 0

    sent = {name: len(f.requests) for name, f in fks.items()}
    again = bulk.run(jobs(6), journal, clients=clients(fks))
    assert {name: len(f.requests) for name, f in fks.items()} == sent  # nothing resent
    assert again.run is not None
    assert (again.run.skipped, again.run.done) == (24, 0)


def test_journal_records_safety_attempts_and_the_salesbricks_key(tmp_path: Path) -> None:
    fks, journal = fakes(1), tmp_path / "run.db"
    bulk.run(jobs(1), journal, clients=clients(fks))
    with sqlite3.connect(journal) as db:
        got = {r[0]: r[1:] for r in db.execute("SELECT id, safety, what, idempotency_key, result FROM jobs")}
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert got["up-0"][:2] == ("idempotent", "apply(pdf)")
    assert got["fee-0"][:2] == ("unsafe", "update(new_items)")
    assert got["due-0"][0] == "idempotent"
    safety, _, key, result = got["memo-0"]
    assert safety == "idempotent-with-key"
    assert result == "applied memo"
    # the key the journal holds is the one Salesbricks received
    sent = [r for r in fks["salesbricks"].requests if r.method == "PATCH"]
    assert [r.headers["x-salesbricks-idempotent-operation-key"] for r in sent] == [key]


def test_an_unsafe_job_whose_outcome_is_unknown_is_never_resent(tmp_path: Path) -> None:
    fks, journal = fakes(3), tmp_path / "run.db"
    fks["whmcs"].drop_next(after_apply=True)  # the first fee lands, its answer is lost
    first = bulk.run(jobs(3, ("fee",)), journal, clients=clients(fks), concurrency=1)
    assert first.counts["unknown"] == 1
    assert first.counts["done"] == 2
    [unknown] = list(first.unknown())
    assert (unknown.id, unknown.error_class, unknown.safety) == ("fee-0", "OutcomeUnknownError", "unsafe")
    assert [fees(fks["whmcs"], 1000 + i) for i in range(3)] == [1, 1, 1]

    requests = len(fks["whmcs"].requests)
    second = bulk.run(jobs(3, ("fee",)), journal, clients=clients(fks), retry_failed=True)
    assert len(fks["whmcs"].requests) == requests  # not resent, even with retry_failed
    assert [r.id for r in bulk.status(journal).unknown()] == ["fee-0"]
    assert second.counts["unknown"] == 1
    assert fees(fks["whmcs"], 1000) == 1


def test_429_slows_the_account_down_and_fails_nothing(tmp_path: Path) -> None:
    fks = fakes(30)
    fks["upflow"].rate_limit(10, per=0.2)  # the provider allows 50/s; the runner is told 1000/s
    fks["upflow"].fail_next(429, retry_after=0.05, times=2)
    events: list[bulk.Event] = []
    report = bulk.run(
        jobs(30, ("upflow",)), tmp_path / "run.db", clients=clients(fks), rate={"upflow": "1000/second"},
        progress=events.append,
    )  # fmt: skip
    assert report.counts["done"] == 30
    assert report.ok
    throttled = [e for e in events if e.kind == "throttled"]
    assert len(throttled) >= 2
    assert report.run is not None
    assert report.run.throttled == len(throttled)
    assert {e.retry_after for e in throttled[:2]} == {0.05}
    assert all(f.uploads == 1 for f in fks["upflow"].invoices.values())
    assert sum(r.attempts for r in _all(tmp_path / "run.db")) == len(fks["upflow"].requests)


def _all(path: Path) -> list[bulk.Record]:
    out = io.StringIO()
    bulk.status(path).write(out, which="all")
    return [bulk.Record(**json.loads(line)) for line in out.getvalue().splitlines()]


def test_the_runner_keeps_the_rate_limit_it_is_given(tmp_path: Path) -> None:
    fks = fakes(12)
    seen: list[float] = []
    dispatch = fks["upflow"].dispatch

    def timed(request: httpx.Request) -> Any:
        seen.append(asyncio.get_event_loop().time())
        return dispatch(request)

    fks["upflow"].dispatch = timed
    bulk.run(jobs(12, ("upflow",)), tmp_path / "run.db", clients=clients(fks), rate={"upflow": "4/second"})
    # 4 per second: no 5 consecutive requests inside one second. The times are taken when the request
    # reaches the fake, after the limiter let it go: on a loaded machine the first of five can arrive late
    # by tens of milliseconds, so the check allows 0.3 s of that. Without the limiter the 12 requests
    # arrive within a few milliseconds of each other, so this still fails at once if the limit is not kept.
    assert len(seen) == 12
    assert all(seen[i + 4] - seen[i] >= 0.7 for i in range(len(seen) - 4))


# -- 30 % injected faults ------------------------------------------------------------------------------

#: WHMCS and Salesbricks default to 60/minute (undocumented: conservative); the fakes take far more.
FAST_RATES = {"whmcs": "1000/second", "salesbricks": "1000/second", "upflow": "1000/second"}
FAULTS = ("refuse", "drop", "drop-after", "timeout", "timeout-after", "503", "500", "429")


def _schedule(fake: Any, seed: int, injected: collections.Counter[str]) -> None:
    """Each request meets a fault with probability 0.3, drawn from (seed, request body or path, attempt)."""
    attempts: collections.Counter[str] = collections.Counter()
    dispatch = fake.dispatch

    def faulty(request: httpx.Request) -> Any:
        kind = request.headers.get("content-type", "")
        key = request.url.raw_path + (request.content if "multipart" not in kind else b"")
        digest = hashlib.sha256(key).hexdigest()
        with fake._lock:
            rng = random.Random(f"{seed}:{digest}:{attempts[digest]}")
            attempts[digest] += 1
            if rng.random() < 0.3:
                name = rng.choice(FAULTS)
                injected[name] += 1
                {
                    "refuse": lambda: fake.refuse_next(),
                    "drop": lambda: fake.drop_next(),
                    "drop-after": lambda: fake.drop_next(after_apply=True),
                    "timeout": lambda: fake.timeout_next(),
                    "timeout-after": lambda: fake.timeout_next(after_apply=True),
                    "503": lambda: fake.fail_next(503),
                    "500": lambda: fake.fail_next(500),
                    "429": lambda: fake.fail_next(429, retry_after=0),
                }[name]()
            return dispatch(request)

    fake.dispatch = faulty


@pytest.mark.parametrize("seed", [1, 2])
def test_30_percent_faults_nothing_lost_nothing_doubled(tmp_path: Path, seed: int) -> None:
    n = 40
    fks, journal = fakes(n), tmp_path / "run.db"
    injected: collections.Counter[str] = collections.Counter()
    for fake in fks.values():
        _schedule(fake, seed, injected)
    report = bulk.run(jobs(n), journal, clients=clients(fks), concurrency=4, rate=FAST_RATES)
    assert sum(report.counts.values()) == 4 * n
    assert report.counts["pending"] == report.counts["sent"] == 0
    assert sum(injected.values()) > 30
    states = {r.id: r for r in _all(journal)}
    wh, up, sb = fks["whmcs"], fks["upflow"], fks["salesbricks"]
    for i in range(n):
        fee = states[f"fee-{i}"]
        assert fees(wh, 1000 + i) <= 1  # an unsafe job never applied twice
        if fee.state == "done":
            assert fees(wh, 1000 + i) == 1
        if fee.state == "failed":
            assert fees(wh, 1000 + i) == 0, fee
        assert fee.state != "unknown" or fee.error_class == "OutcomeUnknownError"
        if states[f"up-{i}"].state == "done":
            assert up.invoices[f"inv_{i}"].pdf == PDF
        if states[f"due-{i}"].state == "done":
            assert wh.invoices[1000 + i].due_date == dt.date(2027, 1, 1 + i % 28)
        if states[f"memo-{i}"].state == "done":
            assert sb.invoices[f"sb-{i}"].invoice_memo == f"memo {i}"
    # a rerun retries the transient failures, resends no unknown, and never doubles a fee
    for fake in fks.values():
        fake.dispatch = type(fake).dispatch.__get__(fake)  # faults off
    unknown = {r.id for r in states.values() if r.state == "unknown"}
    bulk.run(jobs(n), journal, clients=clients(fks), rate=FAST_RATES)
    final = {r.id: r.state for r in _all(journal)}
    assert {i for i, s in final.items() if s == "unknown"} == unknown
    assert {s for i, s in final.items() if i not in unknown} == {"done"}
    assert all(fees(wh, 1000 + i) == 1 for i in range(n) if f"fee-{i}" not in unknown)


# -- stopping ------------------------------------------------------------------------------------------


def test_arun_takes_runs_parameters_declared_once(tmp_path: Path) -> None:
    """``arun`` presents ``run``'s parameters (inspect, help(), the docs) and binds its arguments by them."""
    import inspect

    assert inspect.signature(bulk.arun) == inspect.signature(bulk.run, eval_str=True)
    assert asyncio.iscoroutinefunction(bulk.arun)
    with pytest.raises(TypeError, match="colour"):
        asyncio.run(bulk.arun([], tmp_path / "run.db", colour=1))  # type: ignore[call-arg]
    fks = fakes(3)
    report = asyncio.run(bulk.arun(jobs(3, ("upflow",)), tmp_path / "run.db", clients=clients(fks), total=3))
    assert report.counts["done"] == 3


def test_cancelling_arun_leaves_a_consistent_journal_and_a_rerun_finishes(tmp_path: Path) -> None:
    fks, journal = fakes(8), tmp_path / "run.db"
    fks["whmcs"].slow_next(30.0, times=2)  # two fees hang: they are in flight when the run is cancelled
    fks["upflow"].slow_next(30.0, times=1)

    async def main() -> None:
        task = asyncio.create_task(
            bulk.arun(jobs(8, ("upflow", "fee")), journal, clients=clients(fks), concurrency=2)
        )
        await asyncio.sleep(0.2)
        while sum(s == "done" for s, _, _ in rows(journal).values()) < 4:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(main(), 20))
    states = rows(journal)
    assert {s for s, _, _ in states.values()} <= {"done", "pending", "unknown"}  # nothing left "sent"
    unknown = {i for i, (s, _, _) in states.items() if s == "unknown"}
    assert unknown == {"fee-0", "fee-1"}  # the two fees in flight, unsafe: never resent
    assert all(states[i][2] == "Interrupted" for i in unknown)
    assert states["up-0"][0] == "pending"  # safe: it will be sent again

    bulk.run(jobs(8, ("upflow", "fee")), journal, clients=clients(fks))
    final = {i: s for i, (s, _, _) in rows(journal).items()}
    assert {i for i, s in final.items() if s != "done"} == unknown
    assert all(fees(fks["whmcs"], 1000 + i) <= 1 for i in range(8))
    assert all(fees(fks["whmcs"], 1000 + i) == 1 for i in range(2, 8))


# -- no secrets ----------------------------------------------------------------------------------------


def test_no_secret_in_journal_report_or_progress(tmp_path: Path) -> None:
    fks, journal = fakes(2), tmp_path / "run.db"
    secret = "sk-very-secret-0123456789"
    fks["upflow"].api_secret = secret
    good = clients(fks)
    bad = {**good, "upflow": fks["upflow"].async_client(api_secret=secret + "x", retry=FAST)}
    events: list[bulk.Event] = []
    report = bulk.run(jobs(2), journal, clients=bad, progress=events.append)
    assert report.counts["failed"] == 2
    assert {r.error_class for r in report.failures()} == {"AuthenticationError"}
    out = io.StringIO()
    report.write(out, which="all", format="csv")
    blobs = [p.read_bytes() for p in tmp_path.iterdir()] + [out.getvalue().encode(), repr(events).encode()]
    blobs.append(str(report).encode())
    assert not any(secret.encode() in blob for blob in blobs)


# -- input ---------------------------------------------------------------------------------------------


def test_jobs_stream_from_json_lines_with_both_change_forms(tmp_path: Path) -> None:
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "ERP-1.pdf").write_bytes(PDF)
    lines = [
        '{"id": "row-1", "provider": "upflow", "invoice": "external:ERP-1", '
        '"change": {"pdf": "pdfs/ERP-1.pdf"}}',
        "# a comment, then a blank line",
        "",
        '{"provider": "whmcs", "invoice": 1001, "change": {"due_date": "2027-03-01", "memo": "Net 30"}}',
        '{"provider": "whmcs", "invoice": 1002, "change": {"op": "update", "args": {"status": "Paid"}}}',
    ]
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    got = list(bulk.from_jsonl(path))
    assert [j.id for j in got] == ["row-1", hashlib.sha256(lines[3].encode()).hexdigest()[:24],
                                   hashlib.sha256(lines[4].encode()).hexdigest()[:24]]  # fmt: skip
    assert got[1].change == InvoiceChange(due_date=dt.date(2027, 3, 1), memo="Net 30")
    assert got[2].change == bulk.Native("update", status="Paid")
    fks = fakes(3)
    fks["upflow"].add_invoice("inv_x", external_id="ERP-1")
    fks["whmcs"].add_invoice(1001)
    fks["whmcs"].add_invoice(1002)
    report = bulk.run(path, tmp_path / "run.db", clients=clients(fks))
    assert report.counts["done"] == 3
    assert fks["upflow"].invoices["inv_1"].pdf == PDF
    assert (fks["whmcs"].invoices[1001].notes, fks["whmcs"].invoices[1002].status) == ("Net 30", "Paid")


def test_jobs_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text("id,provider,invoice,due_date,memo,customer_emails\n"
                    "a,salesbricks,sb-1,2027-02-01,,ap@x.example;b@x.example\n")  # fmt: skip
    [job] = list(bulk.from_csv(path))
    assert job.id == "a"
    assert job.invoice == "sb-1"
    assert job.change == InvoiceChange(
        due_date=dt.date(2027, 2, 1), customer_emails=["ap@x.example", "b@x.example"]
    )


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"provider": "upflow", "invoice": "x"}', "line 1: change"),
        ('{"provider": "nope", "invoice": "x", "change": {"memo": "m"}}', "line 1: provider"),
        (
            '{"provider": "whmcs", "invoice": 1, "change": {"due_date": "tomorrow"}}',
            "line 1: change.due_date",
        ),
        ('{"provider": "whmcs", "invoice": 1, "change": {"colour": "red"}}', "line 1: change.colour"),
        ('{"provider": "whmcs", "invoice": 1, "change": {"memo": ""}}', "line 1: change.memo"),
        ('{"provider": "whmcs", "invoice": 1, "change": {"op": "_send"}}', "line 1: change.op"),
        ('{"provider": "whmcs", "invoice": 1, "change": {}, "when": 1}', "line 1: when"),
        (  # the path reaches the bad value inside a model (not just the argument)
            '{"provider": "whmcs", "invoice": 1, "change": {"op": "update", "args": {"new_items": '
            '[{"description": "Fee", "amount": "15,00", "taxed": false}]}}}',
            "line 1: change.args.new_items[0].amount",
        ),
        (  # a key a model does not have is refused, not dropped
            '{"provider": "whmcs", "invoice": 1, "change": {"op": "update", "args": {"new_items": '
            '[{"description": "Fee", "amount": "15.00", "taxed": false, "colour": "red"}]}}}',
            "line 1: change.args.new_items[0].colour",
        ),
        (  # the invoice is the job's own, not an argument
            '{"provider": "whmcs", "invoice": 1, "change": {"op": "update", "args": {"invoice_id": 2}}}',
            "line 1: change.args.invoice_id",
        ),
        (
            '{"provider": "payabli", "invoice": 1, "change": {"op": "update", "args": {"invoice_data": '
            '{"items": [{"item_cost": "ten"}]}}}}',
            "line 1: change.args.invoice_data.items[0].item_cost",
        ),
        ("[1, 2]", "line 1"),
        ("{", "line 1"),
    ],
)
def test_a_bad_line_is_refused_before_anything_is_sent(tmp_path: Path, line: str, field: str) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(invoicekit.ValidationError) as caught:
        bulk.run(path, tmp_path / "run.db", clients={})
    assert caught.value.field == field


def test_native_arguments_are_structured_by_the_methods_annotations() -> None:
    """Money as text or as a JSON number (its decimal text, never a float's binary value), dates, line ids
    as mapping keys, the provider's models from objects with their Python names."""
    job = bulk.job_from_json(
        '{"provider": "whmcs", "invoice": 7, "change": {"op": "update", "args": {'
        '"tax_rate": 9.95, "due_date": "2027-03-01", "new_items": [{"description": "Fee", "amount": "15.00", '
        '"taxed": false}], "items": {"13": {"description": "Hosting", "amount": 0.1, "taxed": true}}}}}'
    )
    assert isinstance(job.change, bulk.Native)
    assert job.change.args == {
        "tax_rate": Decimal("9.95"),
        "due_date": dt.date(2027, 3, 1),
        "new_items": [whmcs.NewItem(description="Fee", amount=Decimal("15.00"), taxed=False)],
        "items": {13: whmcs.ItemChange(description="Hosting", amount=Decimal("0.1"), taxed=True)},
    }
    with pytest.raises(invoicekit.ValidationError) as caught:
        bulk.job_from_json(
            {"provider": "whmcs", "invoice": 7, "change": {"op": "update", "args": {"memo": "x"}}}
        )
    assert caught.value.field == "job: change.args.memo"
    assert caught.value.rule.startswith("is not an argument of whmcs invoices.update (one of: status, ")


def test_a_job_the_provider_cannot_take_fails_before_any_request(tmp_path: Path) -> None:
    fks = fakes(1)
    job = bulk.Job("upflow", "external:ERP-0", InvoiceChange(memo="no memo at Upflow"), id="m")
    report = bulk.run([job], tmp_path / "run.db", clients=clients(fks))
    [failed] = list(report.failures())
    assert (failed.id, failed.error_class) == ("m", "ValidationError")
    assert "memo" in (failed.error or "")
    assert fks["upflow"].requests == []


def test_bulk_imports_neither_limits_nor_tqdm_until_run() -> None:
    import subprocess
    import sys

    code = (
        "import sys, invoicekit\nfrom invoicekit import bulk\n"
        "print(sorted({'limits', 'tqdm', 'distributed'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
