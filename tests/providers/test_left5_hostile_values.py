"""A caller's value whose own methods raise (a ``date`` subclass whose ``isoformat`` raises, a ``str``
subclass whose ``encode`` does, an ``int`` whose comparisons do) never lets that exception out of a public
call: every value is read through its base type, so the caller's methods are never called; the request
carries exactly the value the object holds. Each request is read back by tests/phpform.py (PHP's
``parse_str``) or ``json.loads``, never by our encoder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn

import httpx
import pytest
from werkzeug.wrappers import Request as WerkzeugRequest

import invoicekit as ik
from invoicekit import whmcs
from phpform import parse_str

SB_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
ANSWERS: dict[str, Any] = {
    "whmcs": {"result": "success", "invoiceid": "42"},
    "salesbricks": {"invoice_id": SB_ID},
    "payabli": {
        "isSuccess": True,
        "responseCode": 1,
        "responseData": 332,
        "responseText": "Success",
        "roomId": 0,
    },
}


def _boom(*args: object, **kwargs: object) -> NoReturn:
    raise RuntimeError("the caller's own method")


def _hostile(base: type, names: list[str], *, keyable: bool = False) -> type:
    skip = {"__hash__", "__eq__", "__ne__"} if keyable else set()
    return type(f"Hostile{base.__name__}", (base,), {n: _boom for n in names if n not in skip})


_DATE = [
    "isoformat",
    "strftime",
    "__str__",
    "__format__",
    "__repr__",
    "replace",
    "timetuple",
    "__reduce_ex__",
]
_DATE += ["ctime", "toordinal", "__eq__", "__hash__", "__lt__", "__gt__", "__le__", "__ge__"]
_TEXT = ["__str__", "__repr__", "__format__", "encode", "strip", "rstrip", "__len__", "isascii", "translate"]
_TEXT += ["replace", "split", "startswith", "endswith", "lower", "isalnum", "isidentifier", "__iter__"]
_TEXT += ["__getitem__", "__contains__", "__add__", "__mod__", "partition", "find", "__eq__", "__hash__"]
_TEXT += ["__bool__", "__reduce_ex__"]
_INT = ["__str__", "__repr__", "__format__", "__index__", "__int__", "__eq__", "__lt__", "__gt__", "__le__"]
_INT += ["__ge__", "__bool__", "__neg__", "__abs__", "__add__", "__reduce_ex__"]
_DECIMAL = ["__str__", "__repr__", "__format__", "as_tuple", "is_finite", "quantize", "normalize"]
_DECIMAL += ["__int__", "__eq__", "__hash__", "__lt__", "__gt__", "__bool__", "__neg__", "__reduce_ex__"]

HostileDate = _hostile(dt.date, _DATE)
HostileText = _hostile(str, _TEXT)
HostileKey = _hostile(str, _TEXT, keyable=True)
HostileIntKey = _hostile(int, _INT, keyable=True)
HostileInt = _hostile(int, _INT)
HostileDecimal = _hostile(Decimal, _DECIMAL)


class Recorder(httpx.MockTransport):
    def __init__(self, provider: str) -> None:
        self.requests: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return httpx.Response(200, json=ANSWERS[provider])

        super().__init__(answer)


def _whmcs() -> tuple[ik.Whmcs, Recorder]:
    wire = Recorder("whmcs")
    return ik.Whmcs("http://127.0.0.1:1", "ident", "sec", http_client=httpx.Client(transport=wire)), wire


def test_whmcs_call_sends_a_date_subclass_whose_isoformat_raises_as_the_date_it_holds() -> None:
    """Was: the caller's RuntimeError, raised by the form encoder while the request was built."""
    client, wire = _whmcs()
    assert client.call("GetTransactions", date=HostileDate(2024, 1, 2)) == ANSWERS["whmcs"]
    assert parse_str(wire.requests[0].content)["date"] == "2024-01-02"


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (HostileText("abc"), {"x": "abc"}),  # was: the caller's encode(), called by the UTF-8 check
        (HostileInt(5), {"x": "5"}),  # was: the caller's __lt__, called by the digit-count check
        (HostileDecimal("1.50"), {"x": "1.50"}),
        (
            {"a": HostileDate(2024, 3, 4), "b": [HostileText("y"), HostileDecimal("2")]},
            {"x": {"a": "2024-03-04", "b": {0: "y", 1: "2"}}},
        ),
        ({HostileKey("k"): "v", HostileIntKey(3): "w"}, {"x": {"k": "v", 3: "w"}}),  # was: the key's __bool__
    ],
    ids=["str", "int", "decimal", "nested", "keys"],
)
def test_whmcs_call_sends_what_a_hostile_value_holds(value: object, sent: dict[str, Any]) -> None:
    client, wire = _whmcs()
    client.call("GetX", x=value)
    form = parse_str(wire.requests[0].content)
    assert {"x": form["x"]} == sent


def test_a_bad_hostile_key_is_a_validation_error_naming_the_parameter_before_any_request() -> None:
    client, wire = _whmcs()
    with pytest.raises(ik.ValidationError) as caught:
        client.call("GetX", x={HostileKey("a[b"): 1})
    assert caught.value.field == "x"
    assert "'a[b'" in caught.value.rule
    assert "brackets" in caught.value.rule
    assert wire.requests == []


def test_async_whmcs_call_sends_a_hostile_date_as_the_date_it_holds() -> None:
    import asyncio

    wire = Recorder("whmcs")

    async def main() -> Any:
        async with ik.AsyncWhmcs(
            "http://127.0.0.1:1", "ident", "sec", http_client=httpx.AsyncClient(transport=wire)
        ) as client:
            return await client.call("GetX", date=HostileDate(2024, 1, 2), n=HostileText("t"))

    assert asyncio.run(main()) == ANSWERS["whmcs"]
    form = parse_str(wire.requests[0].content)
    assert (form["date"], form["n"]) == ("2024-01-02", "t")


def _sb() -> tuple[ik.Salesbricks, Recorder]:
    wire = Recorder("salesbricks")
    return ik.Salesbricks("key", http_client=httpx.Client(transport=wire)), wire


def _pay() -> tuple[ik.Payabli, Recorder]:
    wire = Recorder("payabli")
    return ik.Payabli("tok", http_client=httpx.Client(transport=wire)), wire


CASES: list[tuple[str, Callable[[], tuple[Any, Recorder]], Callable[[Any], object], str]] = [
    (
        "whmcs-update-dates",
        _whmcs,
        lambda c: c.invoices.update(1, due_date=HostileDate(2024, 5, 6)),
        "2024-05-06",
    ),
    ("whmcs-update-money", _whmcs, lambda c: c.invoices.update(1, credit=HostileDecimal("1.25")), "1.25"),
    ("whmcs-update-text", _whmcs, lambda c: c.invoices.update(1, notes=HostileText("note-q1")), "note-q1"),
    ("whmcs-update-id", _whmcs, lambda c: c.invoices.update(HostileInt(7345), notes="n"), "7345"),
    (
        "whmcs-new-items",
        _whmcs,
        lambda c: c.invoices.update(
            1, new_items=[whmcs.NewItem(HostileText("line-q2"), HostileDecimal("2"), True)]
        ),
        "line-q2",
    ),
    ("sb-due-at", _sb, lambda c: c.invoices.update(SB_ID, due_at=HostileDate(2024, 5, 6)), "2024-05-06"),
    ("sb-text", _sb, lambda c: c.invoices.update(SB_ID, invoice_memo=HostileText("memo-q3")), "memo-q3"),
    (
        "sb-emails",
        _sb,
        lambda c: c.invoices.update(SB_ID, accounts_payable_emails=[HostileText("a@q4.co")]),
        "a@q4.co",
    ),
    (
        "sb-map",
        _sb,
        lambda c: c.invoices.update(SB_ID, line_item_overrides={HostileKey("k"): HostileText("over-q5")}),
        "over-q5",
    ),
    (
        "payabli-apply",
        _pay,
        lambda c: c.invoices.apply(
            5,
            ik.InvoiceChange(due_date=HostileDate(2024, 5, 6), memo=HostileText("memo-q6")),
            on_unsupported="skip",
        ),
        "memo-q6",
    ),
]


@pytest.mark.parametrize(
    ("make", "call", "expected"), [(m, c, e) for _, m, c, e in CASES], ids=[n for n, _, _, _ in CASES]
)
def test_every_provider_sends_hostile_values_without_calling_their_methods(
    make: Callable[[], tuple[Any, Recorder]], call: Callable[[Any], object], expected: str
) -> None:
    client, wire = make()
    call(client)  # was fine before too for these: pinned so that no later shortcut calls the caller's methods
    (request,) = wire.requests
    data = _read(request)
    assert expected in json.dumps(data)


def _read(request: httpx.Request) -> Any:
    """The body as an independent parser reads it: json, Werkzeug's multipart parser, PHP's parse_str."""
    kind = request.headers["content-type"]
    if kind.startswith("application/json"):
        return json.loads(request.content)
    if kind.startswith("multipart/form-data"):
        return dict(WerkzeugRequest.from_values(data=request.content, content_type=kind, method="POST").form)
    return parse_str(request.content)


def test_the_values_are_the_ones_the_objects_hold() -> None:
    client, wire = _whmcs()
    client.invoices.update(HostileInt(7), due_date=HostileDate(2024, 5, 6), credit=HostileDecimal("1.5"))
    form = parse_str(wire.requests[0].content)
    assert (form["invoiceid"], form["duedate"], form["credit"]) == ("7", "2024-05-06", "1.5")
    sb, wire = _sb()
    sb.invoices.update(SB_ID, due_at=HostileDate(2024, 5, 6), invoice_memo=HostileText("m"))
    data = _read(wire.requests[0])
    assert (data["due_at"], data["invoice_memo"]) == ("2024-05-06", "m")
