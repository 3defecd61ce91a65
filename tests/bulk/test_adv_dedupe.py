"""Adversary tests for bulk's JSON jobs read by the one structurer (invoicekit._structure): hostile job files
whose values must come out exactly as written, or be refused with a ValidationError naming the line and
the JSON path before anything runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import datetime as dt
import os
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("limits")

from invoicekit import InvoiceKitError, ValidationError, bulk
from invoicekit.testing import FakeSalesbricks, FakeUpflow, FakeWhmcs

from ._support import FAST, PDF


def _native(args: str) -> str:
    """A WHMCS update of invoice 1001 as a JSON Lines job, *args* (JSON text) as its arguments."""
    change = '{"op": "update", "args": ' + args + "}"
    return '{"id": "fee", "provider": "whmcs", "invoice": 1001, "change": ' + change + "}"


def _fee(amount: str) -> str:
    return _native('{"new_items": [{"description": "Late fee", "amount": ' + amount + ', "taxed": false}]}')


@pytest.mark.parametrize("number", ["99999999999999.99", "0.30000000000000001", "1234567.125"])
def test_a_json_number_in_a_native_job_is_its_exact_decimal_text(tmp_path: Path, number: str) -> None:
    """The docs: numbers are read by their decimal text, never a float (as the command line reads them).
    Read as a float first, 99999999999999.99 became 99999999999999.98 and was sent so.
    """
    job = bulk.job_from_json(_fee(number))
    assert job.change.args["new_items"][0].amount == Decimal(number)  # type: ignore[union-attr]
    path = tmp_path / "jobs.jsonl"
    path.write_text(_fee(number) + "\n")
    (read,) = bulk.from_jsonl(path)
    assert read.change.args["new_items"][0].amount == Decimal(number)  # type: ignore[union-attr]


def test_a_money_number_is_sent_as_written_not_rounded_through_a_float(tmp_path: Path) -> None:
    fake = FakeWhmcs()
    fake.add_invoice(1001, lines=[("Hosting", Decimal("10.00"), False)])
    path = tmp_path / "jobs.jsonl"
    path.write_text(_fee("99999999999999.99") + "\n")
    report = bulk.run(path, tmp_path / "run.db", clients={"whmcs": fake.async_client(retry=FAST)})
    assert report.ok
    amounts = [line.amount for line in fake.invoices[1001].lines.values() if line.description == "Late fee"]
    assert amounts == [Decimal("99999999999999.99")]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused_on_reading_the_line(tmp_path: Path, constant: str) -> None:
    """Not JSON numbers (the command line refuses them on reading too): the line is refused, nothing runs."""
    path = tmp_path / "jobs.jsonl"
    path.write_text(_fee(constant) + "\n")
    with pytest.raises(ValidationError) as caught:
        list(bulk.from_jsonl(path))
    assert caught.value.field.startswith("line 1")
    with pytest.raises(ValidationError):
        bulk.job_from_json(_fee(constant))


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-inf"])
def test_money_text_that_is_not_a_finite_number_is_refused_naming_the_json_path(text: str) -> None:
    """``"NaN"`` was read as Decimal('NaN'): the file was accepted and the job failed only when run."""
    with pytest.raises(ValidationError) as caught:
        bulk.job_from_json(_fee(f'"{text}"'))
    assert caught.value.field == "job: change.args.new_items[0].amount"


@pytest.mark.parametrize("key", ["1_0", " 1", "+1", "\\u0661"])
def test_a_line_id_key_must_be_plain_ascii_digits(key: str) -> None:
    """``{"items": {"1_0": ...}}`` was read as line 10 (int() takes underscores, spaces and any script's
    digits): a typo edited another line of the invoice.
    """
    line = _native('{"items": {"' + key + '": {"description": "d", "amount": "1.00", "taxed": true}}}')
    with pytest.raises(ValidationError) as caught:
        bulk.job_from_json(line)
    assert caught.value.field == "job: change.args.items"
    assert "whole number" in caught.value.rule


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("invoice", '{"provider": "salesbricks", "invoice": "sb\\ud800", "change": {"memo": "x"}}'),
        ("id", '{"id": "a\\ud800", "provider": "salesbricks", "invoice": "sb", "change": {"memo": "x"}}'),
        ("account", '{"provider": "salesbricks", "account": "e\\ud800", "invoice": "sb", "change": {}}'),
    ],
)
def test_a_lone_surrogate_in_a_job_key_is_a_validation_error_not_a_journal_crash(
    tmp_path: Path, key: str, line: str
) -> None:
    """A JSON escape of a lone surrogate in the invoice, id or account reached SQLite, which raised
    UnicodeEncodeError out of bulk.run (a raw exception, the journal left with a run started).
    """
    fake = FakeSalesbricks()
    fake.add_invoice("sb")
    path = tmp_path / "jobs.jsonl"
    path.write_text(line + "\n")
    clients = {name: fake.async_client(retry=FAST) for name in ("salesbricks", "salesbricks:e\ud800")}
    with pytest.raises(ValidationError) as caught:
        bulk.run(path, tmp_path / "run.db", clients=clients)
    assert caught.value.field.startswith("line 1: ")
    assert key in caught.value.field
    assert fake.requests == []


@pytest.mark.parametrize(
    ("invoice", "keys"), [("a\ud800", {}), (1, {"id": "a\ud800"}), (1, {"account": "e\ud800"})]
)
def test_a_python_job_with_a_lone_surrogate_is_refused(invoice: object, keys: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        bulk.Job("whmcs", invoice, bulk.Native("update"), **keys)  # type: ignore[arg-type]


def test_job_from_json_text_holding_a_raw_lone_surrogate_raises_validation_error_only() -> None:
    """The line's text (hashed for the default id) held a lone surrogate: UnicodeEncodeError escaped."""
    line = '{"provider": "whmcs", "invoice": 1, "change": {"op": "update", "args": {"notes": "\ud800"}}}'
    try:
        job = bulk.job_from_json(line)
    except InvoiceKitError:
        return
    assert job.id  # a job (its notes are refused when it runs, as in Python)


def test_a_relative_file_path_in_a_native_job_is_read_from_the_job_files_folder(tmp_path: Path) -> None:
    """The change form's ``pdf`` is read relative to the file's folder; the native ``pdf`` was read relative
    to the process's working directory: the same file, run from elsewhere, uploaded another PDF or failed.
    """
    folder = tmp_path / "batch"
    (folder / "pdfs").mkdir(parents=True)
    (folder / "pdfs" / "a.pdf").write_bytes(PDF)
    jobs = folder / "jobs.jsonl"
    jobs.write_text(
        '{"id": "n", "provider": "upflow", "invoice": "inv", "change": '
        '{"op": "upload_pdf", "args": {"pdf": "pdfs/a.pdf"}}}\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fake = FakeUpflow()
    fake.add_invoice("inv")
    here = os.getcwd()
    os.chdir(elsewhere)
    try:
        report = bulk.run(jobs, tmp_path / "run.db", clients={"upflow": fake.async_client(retry=FAST)})
    finally:
        os.chdir(here)
    with sqlite3.connect(tmp_path / "run.db") as db:
        errors = db.execute("SELECT state, error FROM jobs").fetchall()
    assert report.ok, errors
    assert fake.invoices["inv"].uploads == 1


def test_job_from_json_takes_a_decoded_object_holding_decimals() -> None:
    """An object decoded with ``parse_float=Decimal`` (as exact money is read): TypeError escaped (the
    object was re-encoded with json.dumps to hash it).
    """
    change = {"op": "update", "args": {"credit": Decimal("1.10")}}
    data = {"provider": "whmcs", "invoice": 1, "change": change}
    job = bulk.job_from_json(data)
    assert job.change.args == {"credit": Decimal("1.10")}  # type: ignore[union-attr]
    assert job.id == bulk.job_from_json(data).id


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_job_from_json_refuses_a_non_finite_float_for_money(number: float) -> None:
    data = {"provider": "whmcs", "invoice": 1, "change": {"op": "update", "args": {"credit": number}}}
    with pytest.raises(ValidationError) as caught:
        bulk.job_from_json(data)
    assert caught.value.field == "job: change.args.credit"


_EXTRA = '{"tax_rate": "7.5", "date_paid": "2026-01-02"}'
_WITH_EXTRA = '{"provider": "whmcs", "invoice": 1001, "change": {"memo": "m"}, "extra": ' + _EXTRA + "}"


def test_a_change_jobs_extra_is_read_as_the_command_lines_extra_is() -> None:
    """``--extra`` on the command line makes these a Decimal and a date; a job's ``extra`` kept the text, so
    the same JSON that the command line sends failed every job when it ran.
    """
    job = bulk.job_from_json(_WITH_EXTRA)
    assert job.extra == {"tax_rate": Decimal("7.5"), "date_paid": dt.date(2026, 1, 2)}


def test_a_change_job_with_extra_runs(tmp_path: Path) -> None:
    fake = FakeWhmcs()
    fake.add_invoice(1001, lines=[("Hosting", Decimal("10.00"), False)])
    path = tmp_path / "jobs.jsonl"
    path.write_text(_WITH_EXTRA + "\n")
    report = bulk.run(path, tmp_path / "run.db", clients={"whmcs": fake.async_client(retry=FAST)})
    with sqlite3.connect(tmp_path / "run.db") as db:
        errors = db.execute("SELECT state, error FROM jobs").fetchall()
    assert report.ok, errors
    assert fake.invoices[1001].tax_rate == Decimal("7.5")


def test_a_bad_value_in_a_change_jobs_extra_is_refused_on_reading_naming_its_path(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text(_WITH_EXTRA.replace("2026-01-02", "2026-13-01") + "\n")
    with pytest.raises(ValidationError) as caught:
        list(bulk.from_jsonl(path))
    assert caught.value.field == "line 1: extra.date_paid"


_BAD_OPTIONS = [
    ("total", "12"),
    ("total", -1),
    ("total", True),
    ("retry_failed", "no"),
    ("grace", -1.0),
    ("grace", float("nan")),
    ("grace", "5"),
    ("shard_size", 0),
    ("shard_size", True),
]


@pytest.mark.parametrize(("name", "value"), _BAD_OPTIONS)
def test_run_refuses_a_bad_option_naming_it(tmp_path: Path, name: str, value: object) -> None:
    """``total="12"`` (read from a config file) with a progress callback raised a raw TypeError out of the
    run once the first job had been sent; ``retry_failed="no"`` retried every failed job (it is truthy).
    """
    fake = FakeWhmcs()
    fake.add_invoice(1001)
    job = bulk.Job("whmcs", 1001, bulk.Native("update", notes="n"), id="n")
    clients = {"whmcs": fake.async_client(retry=FAST)}
    with pytest.raises(ValidationError) as caught:
        bulk.run([job], tmp_path / "run.db", clients=clients, progress=lambda event: None, **{name: value})  # type: ignore[arg-type]
    assert caught.value.field == name
    assert fake.requests == []


@pytest.mark.parametrize(("name", "value"), _BAD_OPTIONS)
def test_arun_refuses_a_bad_option_naming_it(tmp_path: Path, name: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        asyncio.run(bulk.arun([], tmp_path / "run.db", **{name: value}))  # type: ignore[arg-type]
    assert caught.value.field == name


@pytest.mark.parametrize("journal", ["run\ud800.db", "run\0.db", 123, None])
def test_a_journal_path_that_cannot_be_a_file_is_a_validation_error(journal: object) -> None:
    """The journal's path went to SQLite unchecked: a lone surrogate raised UnicodeEncodeError, a NUL
    ValueError, a number TypeError, out of bulk.run and bulk.status.
    """
    with pytest.raises(ValidationError) as caught:
        bulk.run([], journal)  # type: ignore[arg-type]
    assert caught.value.field == "journal"
    with pytest.raises(ValidationError) as caught:
        bulk.status(journal)  # type: ignore[arg-type]
    assert caught.value.field == "journal"


_SLOW_WHMCS: list[FakeWhmcs] = []


def _slow_whmcs(account: str) -> object:
    """A picklable client factory (an executor takes no client objects): the test's fake."""
    return _SLOW_WHMCS[0].async_client(retry=FAST)


def test_cancelling_arun_with_an_executor_stops_the_run(tmp_path: Path) -> None:
    """arun's docs: cancelling it stops the run, queued jobs stay pending. With an executor it awaited
    run() in a thread, which the cancellation left running: jobs were still sent after it.
    """
    fake = FakeWhmcs()
    for i in range(40):
        fake.add_invoice(1000 + i)
    _SLOW_WHMCS[:] = [fake]
    jobs = [bulk.Job("whmcs", 1000 + i, bulk.Native("update", notes=f"n{i}"), id=f"j{i}") for i in range(40)]
    options: dict[str, Any] = {"clients": _slow_whmcs, "shard_size": 2, "rate": {"whmcs": "10/second"}}

    async def main() -> int:
        with cf.ThreadPoolExecutor(2) as pool:
            task = asyncio.ensure_future(bulk.arun(jobs, tmp_path / "run.db", executor=pool, **options))
            while not fake.requests:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            sent = len(fake.requests)  # the run is over once the cancelled arun has returned
            await asyncio.sleep(0.5)
            return sent

    sent = asyncio.run(main())
    assert len(fake.requests) == sent < 40
    with sqlite3.connect(tmp_path / "run.db") as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
    assert "sent" not in states, states  # the journal was finished before arun gave the cancellation back
    again = bulk.run(jobs, tmp_path / "run.db", clients={"whmcs": fake.async_client(retry=FAST)})
    assert again.counts["pending"] == again.counts["sent"] == 0
    assert len(fake.requests) == 40 - again.counts["unknown"]  # the rest, once each


def test_a_key_given_twice_in_a_job_line_is_refused(tmp_path: Path) -> None:
    """``{"amount": "15.00", "amount": "150.00"}``: the last one won, silently (JSON leaves it undefined)."""
    path = tmp_path / "jobs.jsonl"
    path.write_text(_native('{"credit": "15.00", "credit": "150.00"}') + "\n")
    with pytest.raises(ValidationError) as caught:
        list(bulk.from_jsonl(path))
    assert caught.value.field == "line 1"
    assert "'credit' given twice" in caught.value.rule
    with pytest.raises(ValidationError):
        bulk.job_from_json(_native('{"credit": "15.00", "credit": "150.00"}'))


def test_a_csv_column_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text("provider,invoice,memo,memo\nwhmcs,1001,a,b\n")
    with pytest.raises(ValidationError) as caught:
        list(bulk.from_csv(path))
    assert "memo" in str(caught.value)


@pytest.mark.parametrize(
    "args",
    [
        '{"x\\r\\n2026-11-30 INFO all good": 1}',
        '{"\\ud800": 1}',
        '{"invoice_data": {"x\\u001b[2J": 1}}',
        '{"items": {"1": {"description": "d", "amount": "1", "taxed": true, "x\\ny": 1}}}',
    ],
)
def test_an_unknown_key_is_named_printably_in_the_error(args: str) -> None:
    """A key from the file went into the error's field as it was: CR/LF forged log lines, a lone surrogate
    made the message unprintable (UnicodeEncodeError on print or logging), ESC reached the terminal.
    """
    line = _native(args).replace('"whmcs"', '"payabli"') if "invoice_data" in args else _native(args)
    with pytest.raises(ValidationError) as caught:
        bulk.job_from_json(line)
    message = str(caught.value)
    assert message.isprintable(), message
    message.encode()


def test_job_from_json_takes_a_python_mapping_with_int_line_ids() -> None:
    item = {"description": "d", "amount": Decimal("1.00"), "taxed": True}
    data = {"provider": "whmcs", "invoice": 1, "change": {"op": "update", "args": {"items": {13: item}}}}
    job = bulk.job_from_json(data)
    assert list(job.change.args["items"]) == [13]  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as caught:
        bulk.job_from_json({**data, "change": {"op": "update", "args": {"items": {True: item}}}})
    assert caught.value.field == "job: change.args.items"
