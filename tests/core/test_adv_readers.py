"""Adversary tests for the generated readers and the provider answer parsers (branch readers).

Findings on the code as merged (0e4ed75): a class whose two fields read one wire key lost an unknown key
from its ``extra`` bag (the bag counted the key twice); the hand-written parsers (WHMCS ``GetInvoice``,
Payabli ``GET /Invoice``) and WHMCS' verdict check quoted the answer's value in the DecodeError (an
answer may echo a credential or card token the redactor does not know) and named no path.
"""

from __future__ import annotations

import pickle
from typing import Any

import attrs
import pytest

from invoicekit import DecodeError
from invoicekit._convert import extra, wire
from invoicekit._read import reader
from invoicekit.payabli._answers import parse_record
from invoicekit.whmcs._answers import parse_invoice, parse_update

#: A secret the redactor cannot know: another customer's card token, echoed back by the server.
TOKEN = "tok_live_OTHER_9f8e7d"


def test_two_fields_reading_one_key_are_refused_when_generated() -> None:
    """Two fields that read the wire key ``b`` made the bag count it twice: ``zzz`` was silently dropped."""

    @attrs.frozen
    class Two:
        a: int = attrs.field(default=0, metadata=wire("b"))
        b: int = 0
        more: dict[str, Any] = extra()

    with pytest.raises(TypeError, match=r"Two.*'b'"):
        reader(Two)({"b": 1, "zzz": 2})


def _no_value(exc: DecodeError) -> None:
    assert TOKEN not in str(exc)
    assert TOKEN[:8] not in str(exc)  # not even the first characters (a date read cuts to 10)
    assert exc.__cause__ is None
    assert exc.__context__ is None
    assert str(pickle.loads(pickle.dumps(exc))) == str(exc)  # noqa: S301 - our own bytes


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ({"invoiceid": TOKEN, "status": "Unpaid"}, "$.invoiceid"),
        ({"invoiceid": "1", "status": "Unpaid", "date": TOKEN}, "$.date"),
        ({"invoiceid": "1", "status": "Unpaid", "datepaid": TOKEN}, "$.datepaid"),
        ({"invoiceid": "1", "status": "Unpaid", "total": [TOKEN]}, "$.total"),
        ({"invoiceid": "1", "status": "Unpaid", "userid": {"k": TOKEN}}, "$.userid"),
        (
            {"invoiceid": "1", "status": "Unpaid", "items": {"item": [{"id": "1"}, {"id": TOKEN}]}},
            "$.items.item[1]",
        ),
        ({"invoiceid": "1", "status": "Unpaid", "items": [TOKEN]}, "$.items"),
    ],
)
def test_whmcs_get_invoice_names_the_path_never_the_value(answer: dict[str, Any], where: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_invoice({"result": "success", **answer})
    assert where in caught.value.reason
    _no_value(caught.value)


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ({"IdInvoice": TOKEN}, "$.IdInvoice"),
        ({"IdInvoice": 1, "invoiceDate": TOKEN}, "$.invoiceDate"),
        ({"IdInvoice": 1, "invoiceStatus": {"k": TOKEN}}, "$.invoiceStatus"),
        ({"IdInvoice": 1, "invoiceAmount": [TOKEN]}, "$.invoiceAmount"),
        ({"IdInvoice": 1, "items": [{}, {"itemCost": [TOKEN]}]}, "$.items[1].itemCost"),
        ({"IdInvoice": 1, "items": [TOKEN]}, "$.items[0]"),
    ],
)
def test_payabli_record_names_the_path_never_the_value(answer: dict[str, Any], where: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_record(answer)
    assert where in caught.value.reason
    _no_value(caught.value)


@pytest.mark.parametrize(("result", "kind"), [(TOKEN, "a string"), ([TOKEN], "a list"), (True, "true")])
def test_whmcs_verdict_names_its_kind_never_its_value(result: Any, kind: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_update({"result": result, "invoiceid": "1"})
    assert f"its result is {kind}, not 'success' or 'error'" in caught.value.reason
    _no_value(caught.value)
