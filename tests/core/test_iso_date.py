"""Dates given to us are exactly ``YYYY-MM-DD`` on every Python (``_convert.iso_date``): command-line flags,
``--input``/``--extra`` and bulk jobs. ``date.fromisoformat`` alone also read ``20240101`` and ISO week dates
(``2024-W01-1``) on Python >= 3.11 and refused them on 3.10: the same job meant different things.
"""

from __future__ import annotations

import datetime as dt

import pytest

from invoicekit import ValidationError, bulk
from invoicekit._cli import Flag
from invoicekit._cli_run import InputError, flag_value
from invoicekit._convert import iso_date
from invoicekit._structure import Structurer

NOT_YYYY_MM_DD = [
    "20240101",  # ISO basic format: read by fromisoformat from 3.11
    "2024-W01-1",  # ISO week date: read from 3.11
    "2024W011",
    "2024-1-01",
    "2024-01-01\n",
    " 2024-01-01",
    "\uff12\uff10\uff12\uff14-01-01",  # full-width digits
    "2024-02-30",  # the form, but no such day
    "",
]


def test_iso_date_reads_exactly_yyyy_mm_dd() -> None:
    assert iso_date("2024-02-29") == dt.date(2024, 2, 29)
    for text in NOT_YYYY_MM_DD:
        with pytest.raises(ValueError, match=r"not YYYY-MM-DD|day is out of range"):
            iso_date(text)


@pytest.mark.parametrize("text", NOT_YYYY_MM_DD)
def test_a_command_line_date_flag(text: str) -> None:
    flag = Flag("--due-date", "due_date", "date", "")
    assert flag_value(flag, "2026-02-02") == dt.date(2026, 2, 2)
    with pytest.raises(InputError) as caught:
        flag_value(flag, text)
    assert (
        str(caught.value)
        == f"invalid input: --due-date: {text!r} is not a date (YYYY-MM-DD) (nothing was sent)"
    )


@pytest.mark.parametrize("text", NOT_YYYY_MM_DD)
def test_input_and_extra_json(text: str) -> None:
    read = Structurer()
    assert read.value("2026-02-02", dt.date, "$.due_date") == dt.date(2026, 2, 2)
    assert read.value("2026-02-02", dt.date | None, "$.due_date") == dt.date(2026, 2, 2)
    for hint in (dt.date, dt.date | None):
        with pytest.raises(ValidationError) as caught:
            read.value(text, hint, "$.due_date")
        assert caught.value.field == "$.due_date"
        assert caught.value.rule == f"{text!r} is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize("text", NOT_YYYY_MM_DD)
def test_a_bulk_job(text: str) -> None:
    job = {"id": "j", "provider": "whmcs", "invoice": 1001}
    good = bulk.job_from_json({**job, "change": {"due_date": "2026-02-02"}})
    assert good.change.due_date == dt.date(2026, 2, 2)  # type: ignore[union-attr]
    for field in ("due_date", "issue_date"):
        with pytest.raises(ValidationError) as caught:
            bulk.job_from_json({**job, "change": {field: text}})
        assert caught.value.field == f"job: change.{field}"
        assert caught.value.rule == f"must be a date YYYY-MM-DD, not {text!r}"
