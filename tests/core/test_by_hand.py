"""The core's one helper for answers read by hand (``_read.by_hand``), used by Payabli's ``parse_record``
and WHMCS' ``parse_invoice``: a DecodeError naming the path and the exception's type, never its text, with
nothing chained (neither ``__cause__`` nor ``__context__``), that pickles.
"""

from __future__ import annotations

import pickle
import traceback
from typing import Any

import pytest

from invoicekit import DecodeError
from invoicekit._read import Path, by_hand
from invoicekit.payabli._answers import parse_record
from invoicekit.whmcs._answers import parse_invoice

SECRET = "sk_live_SECRET4242"


def chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def assert_clean(exc: DecodeError, said: str) -> None:
    assert exc.reason == said
    assert exc.__cause__ is None
    assert exc.__context__ is None
    assert chain(exc) == [exc]
    printed = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    assert SECRET not in printed
    copy = pickle.loads(pickle.dumps(exc))  # noqa: S301 (our own bytes)
    assert type(copy) is DecodeError
    assert copy.reason == said
    assert SECRET.encode() not in pickle.dumps(exc)


def test_by_hand_keeps_the_type_and_the_path_and_chains_nothing() -> None:
    def read(data: Any, where: Path) -> int:
        where[:] = ["lines", 3, "qty"]
        return int(data["lines"][3]["qty"])  # ValueError: invalid literal for int() ... 'sk_live_...'

    answer = {"lines": [{}, {}, {}, {"qty": SECRET}]}
    with pytest.raises(DecodeError) as caught:
        by_hand("Thing", read, answer)
    assert_clean(caught.value, "the answer does not fit Thing (ValueError @ $.lines[3].qty)")


def test_an_exception_whose_text_is_the_value_leaves_no_trace() -> None:
    def read(data: Any, where: Path) -> int:
        where.append("n")
        raise TypeError(SECRET)

    with pytest.raises(DecodeError) as caught:
        by_hand("Thing", read, {})
    assert_clean(caught.value, "the answer does not fit Thing (TypeError @ $.n)")


def test_by_hand_returns_what_it_read_and_lets_other_errors_through() -> None:
    assert by_hand("Thing", lambda data, where: data["n"] + 1, {"n": 1}) == 2

    def bug(data: Any, where: Path) -> None:
        raise RuntimeError("a bug, not an answer of the wrong shape")

    with pytest.raises(RuntimeError):
        by_hand("Thing", bug, {})


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"IdInvoice": 1, "invoiceAmount": SECRET}, "InvalidOperation @ $.invoiceAmount"),
        ({"IdInvoice": SECRET}, "InvalidOperation @ $.IdInvoice"),
        (
            {"IdInvoice": 1, "items": [{"itemCost": 1}, {"itemQty": SECRET}]},
            "InvalidOperation @ $.items[1].itemQty",
        ),
        ({"IdInvoice": 1, "items": [SECRET]}, "TypeError @ $.items[0]"),
        ([SECRET], "TypeError @ $"),
    ],
)
def test_payabli_parse_record(answer: Any, said: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_record(answer)
    assert_clean(caught.value, f"the answer does not fit InvoiceRecord ({said})")


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"invoiceid": SECRET}, "InvalidOperation @ $.invoiceid"),
        ({"invoiceid": "7", "total": SECRET}, "InvalidOperation @ $.total"),
        ({"invoiceid": "7", "duedate": SECRET}, "ValueError @ $.duedate"),
        (
            {"invoiceid": "7", "items": {"item": [{"id": "1"}, {"id": SECRET}]}},
            "InvalidOperation @ $.items.item[1]",
        ),
        ({"invoiceid": "7", "items": {"item": [{"description": SECRET}]}}, "KeyError @ $.items.item[0]"),
        ({"invoiceid": "7", "items": [SECRET]}, "TypeError @ $.items"),
    ],
)
def test_whmcs_parse_invoice(answer: Any, said: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_invoice({"result": "success", **answer})
    assert_clean(caught.value, f"the answer does not fit Invoice ({said})")
