"""Adversary tests for invoicekit.bulk: a careless caller, a hostile server, a broken journal."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("limits")

from invoicekit import InvoiceChange, InvoiceKitError, RetryPolicy, ValidationError, bulk

from ._support import FAST, PDF, clients, fakes


def memo(fake: Any, invoice: int) -> Any:
    return fake.invoices[invoice].notes


def test_two_different_jobs_under_one_id_are_refused_not_one_silently_skipped(tmp_path: Path) -> None:
    fks = fakes(2)
    jobs = [
        bulk.Job("whmcs", 1000, InvoiceChange(memo="first"), id="row-1"),
        bulk.Job("whmcs", 1001, InvoiceChange(memo="second"), id="row-1"),
    ]
    with pytest.raises(ValidationError) as info:
        bulk.run(jobs, tmp_path / "run.db", clients=clients(fks))
    assert info.value.field == "id"
    assert "row-1" in str(info.value)
    assert memo(fks["whmcs"], 1000) == "first"  # the first ran, and is journaled done
    assert bulk.status(tmp_path / "run.db").counts["done"] == 1


def test_an_exact_duplicate_job_is_skipped_once_sent_once(tmp_path: Path) -> None:
    fks = fakes(1)
    job = bulk.Job("whmcs", 1000, InvoiceChange(memo="same"), id="row-1")
    report = bulk.run([job, job], tmp_path / "run.db", clients=clients(fks))
    assert report.run is not None
    assert (report.run.done, report.run.skipped) == (1, 1)


def test_a_journal_reused_for_a_different_job_under_a_done_id_is_refused(tmp_path: Path) -> None:
    fks = fakes(2)
    journal = tmp_path / "run.db"
    bulk.run([bulk.Job("whmcs", 1000, InvoiceChange(memo="a"), id="row-1")], journal, clients=clients(fks))
    other = bulk.Job("whmcs", 1001, InvoiceChange(memo="b"), id="row-1")
    with pytest.raises(ValidationError) as info:
        bulk.run([other], journal, clients=clients(fks))
    assert info.value.field == "id"
    assert memo(fks["whmcs"], 1001) != "b"


def test_a_failed_job_edited_under_its_id_runs_again_with_retry_failed(tmp_path: Path) -> None:
    fks = fakes(1)
    journal = tmp_path / "run.db"
    fks["whmcs"].fail_next(400, times=1)
    bulk.run([bulk.Job("whmcs", 1000, InvoiceChange(memo="typo"), id="row-1")], journal, clients=clients(fks))
    assert bulk.status(journal).counts["failed"] == 1
    fixed = bulk.Job("whmcs", 1000, InvoiceChange(memo="fixed"), id="row-1")
    report = bulk.run([fixed], journal, clients=clients(fks), retry_failed=True)
    assert report.ok
    assert memo(fks["whmcs"], 1000) == "fixed"


LINE = b'{"id": "r1", "provider": "whmcs", "invoice": 1000, "change": {"memo": "m"}}'


def test_json_lines_with_a_bom_and_crlf_are_read(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + LINE + b"\r\n\r\n")
    [job] = list(bulk.from_jsonl(path))
    assert (job.id, job.invoice) == ("r1", 1000)


def test_csv_with_a_bom_and_quoting_is_read(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_bytes(b'\xef\xbb\xbfid,provider,invoice,memo\r\nr1,whmcs,1000,"a, ""b"""\r\n')
    [job] = list(bulk.from_csv(path))
    assert job.id == "r1"
    assert isinstance(job.change, InvoiceChange)
    assert job.change.memo == 'a, "b"'


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_invalid_utf8_is_a_validation_error_naming_the_line(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"jobs{suffix}"
    if suffix == ".csv":
        path.write_bytes(b"id,provider,invoice,memo\nr1,whmcs,1000,ok\nr2,whmcs,1001,\xff\n")
    else:
        path.write_bytes(LINE + b"\n" + LINE.replace(b'"m"', b'"\xff"') + b"\n")
    fks = fakes(2)
    with pytest.raises(ValidationError) as info:
        bulk.run(path, tmp_path / "run.db", clients=clients(fks))
    assert "UTF-8" in str(info.value)
    assert fks["whmcs"].requests == []


def test_a_corrupt_journal_is_a_validation_error(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    journal.write_bytes(b"this is not a database " * 100)
    with pytest.raises(ValidationError) as info:
        bulk.run([], journal, clients=clients(fakes(1)))
    assert info.value.field == "journal"
    with pytest.raises(ValidationError):
        bulk.status(journal)


def test_an_item_that_is_not_a_job_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        bulk.run([{"provider": "whmcs"}], tmp_path / "run.db", clients=clients(fakes(1)))  # type: ignore[list-item]
    assert info.value.field == "jobs"


def test_a_progress_callback_that_raises_breaks_neither_the_run_nor_the_journal(tmp_path: Path) -> None:
    fks = fakes(2)

    def boom(event: bulk.Event) -> None:
        raise RuntimeError("progress bar broke")

    jobs = [bulk.Job("whmcs", 1000 + i, InvoiceChange(memo=f"m{i}"), id=f"r{i}") for i in range(2)]
    report = bulk.run(jobs, tmp_path / "run.db", clients=clients(fks), progress=boom)
    assert dict(report.counts) == {"pending": 0, "sent": 0, "done": 2, "failed": 0, "unknown": 0}
    assert [memo(fks["whmcs"], 1000 + i) for i in range(2)] == ["m0", "m1"]


def test_a_hostile_retry_after_does_not_stall_the_run_for_a_year(tmp_path: Path) -> None:
    fks = fakes(1)
    fks["whmcs"].fail_next(429, retry_after=365 * 86400, times=1)
    retry = RetryPolicy(initial=0.0, cap=0.0, jitter=False, max_retry_after=0.1)
    result: list[Any] = []

    def go() -> None:
        try:
            job = bulk.Job("whmcs", 1000, InvoiceChange(memo="m"), id="r")
            result.append(
                bulk.run([job], tmp_path / "run.db", clients=clients(fks, retry=retry), retry=retry)
            )
        except InvoiceKitError as exc:  # pragma: no cover - recorded for the assert
            result.append(exc)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(30)  # a hang guard, not a speed assert: the wait asked for is a year
    assert not thread.is_alive(), "the run slept for the Retry-After a hostile server sent"
    assert isinstance(result[0], bulk.Report)
    assert result[0].ok
    assert memo(fks["whmcs"], 1000) == "m"


def test_journal_rows_hold_no_job_values(tmp_path: Path) -> None:
    fks = fakes(1)
    bulk.run([bulk.Job("whmcs", 1000, InvoiceChange(memo="private note"), id="r")], tmp_path / "run.db",
             clients=clients(fks))  # fmt: skip
    with sqlite3.connect(tmp_path / "run.db") as db:
        dump = "\n".join(db.iterdump())
    assert "private note" not in dump


def test_refused_credentials_fail_the_account_without_hammering_the_provider(tmp_path: Path) -> None:
    fks = fakes(20)
    up = fks["upflow"]
    bad = {
        "upflow": up.async_client(api_key="wrong-key-0000", retry=FAST),
        "whmcs": fks["whmcs"].async_client(retry=FAST),
    }
    jobs = [bulk.Job("upflow", f"external:ERP-{i}", InvoiceChange(pdf=PDF), id=f"up-{i}") for i in range(20)]
    jobs.append(bulk.Job("whmcs", 1000, InvoiceChange(memo="other account"), id="wh"))
    report = bulk.run(jobs, tmp_path / "run.db", clients=bad, concurrency=2)
    assert report.counts["failed"] == 20
    assert report.counts["done"] == 1  # the other account was not stalled
    assert {r.error_class for r in report.failures()} == {"AuthenticationError"}
    assert len(up.requests) <= 2  # one refusal per worker in flight, not one per job
    assert memo(fks["whmcs"], 1000) == "other account"


def test_two_runners_on_one_journal_at_once_are_refused(tmp_path: Path) -> None:
    fks, journal = fakes(2), tmp_path / "run.db"
    inside, release = threading.Event(), threading.Event()

    def hold(event: bulk.Event) -> None:
        if event.kind == "started":
            inside.set()
            release.wait(20)

    first = bulk.Job("whmcs", 1000, bulk.Native("update", notes="first"), id="r")  # unsafe: never twice
    thread = threading.Thread(target=bulk.run, args=([first], journal), daemon=True,
                              kwargs={"clients": clients(fks), "progress": hold})  # fmt: skip
    thread.start()
    try:
        assert inside.wait(20)
        with pytest.raises(ValidationError) as info:
            bulk.run([first], journal, clients=clients(fks))
        assert info.value.field == "journal"
        assert "another run" in str(info.value)
    finally:
        release.set()
        thread.join(20)
    assert len(fks["whmcs"].requests) == 1  # the second runner sent nothing
    assert bulk.run([first], journal, clients=clients(fks)).run.skipped == 1  # type: ignore[union-attr]


def test_a_callers_own_salesbricks_key_is_the_one_journaled_and_resent(tmp_path: Path) -> None:
    fks, journal = fakes(2), tmp_path / "run.db"
    jobs = [
        bulk.Job(
            "salesbricks", "sb-0", InvoiceChange(memo="m"), extra={"idempotency_key": "my-key-0"}, id="a"
        ),
        bulk.Job(
            "salesbricks", "sb-1", bulk.Native("update", invoice_memo="n", idempotency_key="my-key-1"), id="b"
        ),
    ]
    fks["salesbricks"].fail_next(503, times=2)
    bulk.run(jobs, journal, clients=clients(fks), retry=RetryPolicy(attempts=1))
    bulk.run(jobs, journal, clients=clients(fks))  # the 503s were transient: both are sent again
    with sqlite3.connect(journal) as db:
        keys = dict(db.execute("SELECT id, idempotency_key FROM jobs").fetchall())
    assert keys == {"a": "my-key-0", "b": "my-key-1"}
    wire = [r.headers.get("x-salesbricks-idempotent-operation-key") for r in fks["salesbricks"].requests]
    assert sorted(wire) == ["my-key-0", "my-key-0", "my-key-1", "my-key-1"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"concurrency": {"whmcs": 0}}, "concurrency['whmcs']"),
        ({"concurrency": {"whmcs": "5"}}, "concurrency['whmcs']"),
        ({"concurrency": {"whmcs": True}}, "concurrency['whmcs']"),
        ({"concurrency": {"nowhere": 2}}, "concurrency['nowhere']"),
        ({"rate": {"whmcs": "0/second"}}, "rate['whmcs']"),
        ({"storage": "bogus://localhost"}, "storage"),
    ],
)
def test_a_bad_setting_is_a_validation_error_before_anything_is_sent(
    tmp_path: Path, options: dict[str, Any], field: str
) -> None:
    fks = fakes(1)
    result: list[Any] = []

    def go() -> None:
        try:
            job = bulk.Job("whmcs", 1000, InvoiceChange(memo="m"), id="r")
            result.append(bulk.run([job], tmp_path / "run.db", clients=clients(fks), **options))
        except Exception as exc:
            result.append(exc)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(20)  # a hang guard: "0/second" waited forever
    assert not thread.is_alive()
    assert isinstance(result[0], ValidationError), result[0]
    assert result[0].field == field
    assert fks["whmcs"].requests == []


def test_a_shard_that_cannot_be_pickled_is_not_sent_and_not_left_unknown(tmp_path: Path) -> None:
    import concurrent.futures as cf
    import multiprocessing

    from invoicekit.whmcs import NewItem

    from ._support import FEE

    fks = fakes(2)
    fee = NewItem(FEE, Decimal("15.00"), taxed=False)
    unsafe = [
        bulk.Job("whmcs", 1000 + i, bulk.Native("update", new_items=[fee]), id=f"fee-{i}") for i in range(2)
    ]
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(PDF)
    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        # a closure is not picklable: refused before anything is journaled as sent
        with pytest.raises(ValidationError) as info:
            bulk.run(
                unsafe, tmp_path / "a.db", executor=pool, clients=lambda account: fks["whmcs"].async_client()
            )
        assert info.value.field == "clients"
        with pdf.open("rb") as file:  # an open file cannot cross to a worker: the job fails, it is not "lost"
            job = bulk.Job("upflow", "external:ERP-0", InvoiceChange(pdf=file), id="up")
            report = bulk.run([job], tmp_path / "b.db", executor=pool)
    assert not (tmp_path / "a.db").exists()  # refused before the journal was opened
    assert report.counts["unknown"] == 0
    [failed] = list(report.failures())
    assert failed.error_class == "ValidationError"
    assert fks["whmcs"].requests == []


def test_an_account_named_as_the_docs_show_runs_and_another_providers_account_is_refused(
    tmp_path: Path,
) -> None:
    fks = fakes(1)
    path = tmp_path / "jobs.jsonl"
    path.write_text(
        '{"id": "r", "provider": "whmcs", "invoice": 1000, "account": "eu", "change": {"memo": "m"}}\n'
    )
    report = bulk.run(path, tmp_path / "run.db", clients=clients(fks))
    assert report.ok
    with sqlite3.connect(tmp_path / "run.db") as db:
        assert db.execute("SELECT account FROM jobs").fetchall() == [("whmcs:eu",)]
    assert memo(fks["whmcs"], 1000) == "m"
    with pytest.raises(ValidationError) as info:  # a WHMCS job must not go out with Upflow's client
        bulk.Job("whmcs", 1000, InvoiceChange(pdf=PDF), account="upflow")
    assert info.value.field == "account"
    with pytest.raises(ValidationError):
        bulk.Job("whmcs", 1000, InvoiceChange(pdf=PDF), account="upflow:eu")
