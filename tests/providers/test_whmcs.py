"""WHMCS wire tests: the exact form every call posts (read back as PHP reads it), how every answer is read,
what is retried, and what is refused before any request.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

from invoicekit import (
    UNSET,
    APIError,
    AsyncWhmcs,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
    Whmcs,
    whmcs,
)
from invoicekit._call import Form, Safety
from invoicekit._forms import php_form, urlencoded
from invoicekit.whmcs import ItemChange, NewItem, UpdateInvoiceResult
from invoicekit.whmcs._client import action_call, update_invoice_call
from invoicekit.whmcs._rules import RESERVED
from phpform import parse_str

URL = "https://billing.example.com"
API = f"{URL}/includes/api.php"
IDENTIFIER = "wh-ident-0123456789"
SECRET = "wh+sec/ret=ABC xyz&42"  # every character that form encoding changes
FAST = RetryPolicy(initial=0, jitter=False)
KINDS = ["sync", "async"]
OK = {"result": "success", "invoiceid": "42"}
AUTH = {"identifier": IDENTIFIER, "secret": SECRET, "responsetype": "json"}


async def run(
    kind: str, method: str, *args: Any, client_options: dict[str, Any] | None = None, **kw: Any
) -> Any:
    """Call ``invoices.update`` ("update") or ``call`` through the sync or the async client."""
    options: dict[str, Any] = {"url": URL, "identifier": IDENTIFIER, "secret": SECRET, "retry": FAST}
    options.update(client_options or {})
    if kind == "sync":
        with Whmcs(**options) as client:
            send: Callable[..., Any] = client.invoices.update if method == "update" else client.call
            return send(*args, **kw)
    async with AsyncWhmcs(**options) as aclient:
        asend: Callable[..., Awaitable[Any]] = aclient.invoices.update if method == "update" else aclient.call
        return await asend(*args, **kw)


def only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    requests = httpx_mock.get_requests()
    assert len(requests) == 1
    return requests[0]


def form_of(request: httpx.Request) -> dict[Any, Any]:
    """The request as WHMCS sees it: POST, form-encoded, read by PHP's rules."""
    assert request.method == "POST"
    assert str(request.url) == API
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["content-length"] == str(len(request.content))
    return parse_str(request.content)


# -- the wire ----------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_update_posts_the_documented_example(kind: str, httpx_mock: HTTPXMock) -> None:
    """The UpdateInvoice example of WHMCS's docs: changed, new and deleted lines as PHP bracket arrays."""
    httpx_mock.add_response(method="POST", url=API, json={"result": "success", "invoiceid": "1"})
    result = await run(
        kind,
        "update",
        1,
        status="Unpaid",
        items={13: ItemChange("Sample Updated Invoice Item", Decimal("16.95"), taxed=False)},
        new_items=[NewItem("New Line Item 1", 10, True), NewItem("New Line Item 2", Decimal("2.95"), False)],
        delete_line_ids=[11, 12],
    )
    assert result == UpdateInvoiceResult(invoice_id=1)
    request = only_request(httpx_mock)
    assert form_of(request) == {
        "action": "UpdateInvoice",
        "invoiceid": "1",
        "status": "Unpaid",
        "itemdescription": {13: "Sample Updated Invoice Item"},
        "itemamount": {13: "16.95"},
        "itemtaxed": {13: "0"},
        "newitemdescription": {0: "New Line Item 1", 1: "New Line Item 2"},
        "newitemamount": {0: "10", 1: "2.95"},
        "newitemtaxed": {0: "1", 1: "0"},
        "deletelineids": {0: "11", 1: "12"},
        **AUTH,
    }
    assert b"&itemdescription%5B13%5D=Sample+Updated+Invoice+Item&" in request.content
    assert request.headers["accept"] == "application/json"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_every_scalar_field_and_its_wire_name(kind: str, httpx_mock: HTTPXMock) -> None:
    """Pythonic names map to WHMCS's; money as plain decimals, dates YYYY-MM-DD, booleans 1/0."""
    httpx_mock.add_response(method="POST", url=API, json=OK)
    await run(
        kind,
        "update",
        42,
        status="Payment Pending",
        payment_method="paypal",
        tax_rate=Decimal("10.000"),
        tax_rate2=7,
        credit=Decimal("1E+1"),
        date=dt.date(2024, 1, 31),
        due_date=dt.date(2024, 2, 29),
        date_paid=dt.date(2024, 3, 1),
        notes="Thanks & see you\nnext year: 100% + more",
        publish=False,
    )
    assert form_of(only_request(httpx_mock)) == {
        "action": "UpdateInvoice",
        "invoiceid": "42",
        "status": "Payment Pending",
        "paymentmethod": "paypal",
        "taxrate": "10.000",
        "taxrate2": "7",
        "credit": "10",
        "date": "2024-01-31",
        "duedate": "2024-02-29",
        "datepaid": "2024-03-01",
        "notes": "Thanks & see you\nnext year: 100% + more",
        "publish": "0",
        **AUTH,
    }


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_unset_is_not_sent_and_notes_none_clears(kind: str, httpx_mock: HTTPXMock) -> None:
    """UNSET fields are absent; notes=None sends `notes=` (an empty value WHMCS stores)."""
    httpx_mock.add_response(method="POST", url=API, json=OK)
    await run(kind, "update", 42, notes=None, status=UNSET, items={}, new_items=[], delete_line_ids=[])
    request = only_request(httpx_mock)
    assert form_of(request) == {"action": "UpdateInvoice", "invoiceid": "42", "notes": "", **AUTH}
    assert b"&notes=&" in request.content


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_publish_and_send_email(kind: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=API, json=OK)
    await run(kind, "update", 42, publish_and_send_email=True)
    assert form_of(only_request(httpx_mock))["publishandsendemail"] == "1"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_access_key_and_environment(
    kind: str, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no arguments every setting comes from WHMCS_*; the access key travels as `accesskey`."""
    monkeypatch.setenv("WHMCS_URL", "https://env.example.com/whmcs/includes/api.php")
    monkeypatch.setenv("WHMCS_IDENTIFIER", "env-ident-123")
    monkeypatch.setenv("WHMCS_SECRET", "env-secret-456")
    monkeypatch.setenv("WHMCS_ACCESS_KEY", "k!@#$%.()*[]-_")
    httpx_mock.add_response(method="POST", url="https://env.example.com/whmcs/includes/api.php", json=OK)
    options = {"url": None, "identifier": None, "secret": None}
    await run(kind, "update", 42, notes="x", client_options=options)
    form = parse_str(only_request(httpx_mock).content)
    assert (form["identifier"], form["secret"], form["accesskey"]) == (
        "env-ident-123",
        "env-secret-456",
        "k!@#$%.()*[]-_",
    )


@pytest.mark.parametrize(
    ("given_url", "base"),
    [
        ("https://billing.example.com", "https://billing.example.com"),
        ("https://billing.example.com/", "https://billing.example.com"),
        ("https://billing.example.com/includes/api.php", "https://billing.example.com"),
        (" https://b.example.com/whmcs/includes/api.php/ ", "https://b.example.com/whmcs"),
        ("http://127.0.0.1:8080/billing/", "http://127.0.0.1:8080/billing"),
    ],
)
def test_url_is_the_install_with_or_without_api_php(given_url: str, base: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=f"{base}/includes/api.php", json=OK)
    with Whmcs(given_url, IDENTIFIER, SECRET) as client:
        assert client.base_url == base
        client.invoices.update(42, notes="x")
    assert str(only_request(httpx_mock).url) == f"{base}/includes/api.php"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"url": "ftp://billing.example.com"}, "url"),
        ({"url": "billing.example.com"}, "url"),
        ({"url": "https://admin:pw@billing.example.com"}, "url"),
        ({"url": "https://billing.example.com/?x=1"}, "url"),
        ({"url": "https://billing.example.com/#top"}, "url"),
        ({"url": "  "}, "url"),
        ({"sandbox": True}, "sandbox"),
        ({"identifier": " "}, "identifier"),
        ({"secret": "a\nb"}, "secret"),
        ({"access_key": ""}, "access_key"),
    ],
)
def test_bad_client_settings(options: dict[str, Any], field: str) -> None:
    settings: dict[str, Any] = {"url": URL, "identifier": IDENTIFIER, "secret": SECRET, **options}
    with pytest.raises(ValidationError) as info:
        Whmcs(**settings)
    assert info.value.field == field
    assert "pw" not in str(info.value)


@pytest.mark.parametrize("client_class", [Whmcs, AsyncWhmcs])
@pytest.mark.parametrize("url_env", [None, URL])
def test_base_url_says_whmcs_takes_url(
    client_class: type[Whmcs | AsyncWhmcs], url_env: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``base_url=`` (every other client's keyword) said "url: missing: pass url=", or, with WHMCS_URL set,
    raised TypeError "got multiple values for keyword argument 'base_url'": now it names WHMCS's ``url=``.
    """
    if url_env is None:
        monkeypatch.delenv("WHMCS_URL", raising=False)
    else:
        monkeypatch.setenv("WHMCS_URL", url_env)
    with pytest.raises(ValidationError) as info:
        client_class(base_url=URL, identifier=IDENTIFIER, secret=SECRET)  # type: ignore[call-arg]
    assert info.value.field == "base_url"
    assert str(info.value) == (
        "base_url: WHMCS takes url=, not base_url= (your install, e.g. https://billing.example.com)"
    )


@pytest.mark.parametrize(
    ("missing", "env"), [("url", "WHMCS_URL"), ("identifier", "WHMCS_IDENTIFIER"), ("secret", "WHMCS_SECRET")]
)
def test_missing_settings_name_the_environment_variable(
    missing: str, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WHMCS_URL", "WHMCS_IDENTIFIER", "WHMCS_SECRET", "WHMCS_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings: dict[str, Any] = {"url": URL, "identifier": IDENTIFIER, "secret": SECRET, missing: None}
    with pytest.raises(ValidationError, match=env):
        Whmcs(**settings)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_call_any_action(kind: str, httpx_mock: HTTPXMock) -> None:
    """call() posts the action with the same auth and PHP encoding, and returns the whole answer."""
    answer = {"result": "success", "invoiceid": "42", "total": "15.95", "items": {"item": [{"id": "13"}]}}
    httpx_mock.add_response(method="POST", url=API, json=answer)
    got = await run(
        kind,
        "call",
        "UpdateInvoice",
        invoiceid=42,
        itemdescription={13: "Hosting"},
        itemamount={13: Decimal("9.95")},
        itemtaxed={13: True},
        deletelineids=[7, 8],
        duedate=dt.date(2024, 5, 1),
        notes="",
        status=UNSET,
    )
    assert got == {
        "result": "success",
        "invoiceid": "42",
        "total": "15.95",
        "items": {"item": [{"id": "13"}]},
    }
    assert form_of(only_request(httpx_mock)) == {
        "action": "UpdateInvoice",
        "invoiceid": "42",
        "itemdescription": {13: "Hosting"},
        "itemamount": {13: "9.95"},
        "itemtaxed": {13: "1"},
        "deletelineids": {0: "7", 1: "8"},
        "duedate": "2024-05-01",
        "notes": "",
        **AUTH,
    }


_PARAM_NAMES = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True).filter(lambda k: k not in RESERVED)
_PARAM_VALUES = st.recursive(
    st.one_of(st.text(), st.integers(), st.booleans(), st.decimals(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(st.integers(min_value=0, max_value=10**6), inner, min_size=1, max_size=3),
    ),
    max_leaves=6,
)


def php_view(value: Any) -> Any:
    """How PHP should hold a call() parameter: arrays as int-keyed dicts, scalars as their form text."""
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        return {k: php_view(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return Decimal(value)  # compared by value below: the text must be plain digits
    return str(value)


def same(parsed: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(parsed, dict)
            and parsed.keys() == expected.keys()
            and all(same(parsed[k], v) for k, v in expected.items())
        )
    if isinstance(expected, Decimal):
        return "E" not in parsed and Decimal(parsed) == expected
    return bool(parsed == expected)


@given(st.dictionaries(_PARAM_NAMES, _PARAM_VALUES, max_size=5))
def test_call_params_reach_php_intact(params: dict[str, Any]) -> None:
    """Whatever call() accepts, PHP reads back exactly, beside the client's own fields."""
    body = action_call("GetThing", **params).body
    assert isinstance(body, Form)
    form = parse_str(urlencoded(php_form(body.fields)))
    assert form.pop("action") == "GetThing"
    assert form.pop("responsetype") == "json"
    assert same(form, php_view(params))


# -- answers and errors ------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Invoice ID Not Found", NotFoundError),
        ("Invoice must be in Draft status to be published", ConflictError),
        ("Invalid status Overdue", BadRequestError),
        (
            "Missing Variables: itemdescription, itemamount and itemtaxed are required for each item "
            "being changed",
            BadRequestError,
        ),
        ("Authentication Failed", AuthenticationError),
        ("Invalid or missing credentials", AuthenticationError),
        ("Invalid IP 203.0.113.9", PermissionDeniedError),
        ("Forbidden IP 203.0.113.9", PermissionDeniedError),
        ('Invalid Permissions: API action "updateinvoice" is not allowed', PermissionDeniedError),
    ],
)
async def test_result_error_with_http_200_maps_by_message(
    kind: str, message: str, error: type[APIError], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=API, json={"result": "error", "message": message})
    with pytest.raises(error) as info:
        await run(kind, "update", 42, notes="x")
    exc: Any = info.value
    assert type(exc) is error
    assert (exc.provider, exc.status_code, exc.message) == ("whmcs", 200, message)
    assert exc.body == {"result": "error", "message": message}
    assert len(httpx_mock.get_requests()) == 1  # an answer is final: never retried


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            403,
            {"result": "error", "message": "Authentication Failed"},
            AuthenticationError,
            "Authentication Failed",
        ),
        (
            403,
            {"result": "error", "message": "Invalid IP 10.0.0.1"},
            PermissionDeniedError,
            "Invalid IP 10.0.0.1",
        ),
        (
            403,
            "<html><head><title>403 Forbidden</title></head><body>nope</body></html>",
            PermissionDeniedError,
            "an HTML page (403 Forbidden) instead of JSON",
        ),
        (
            404,
            "<html><title>Not Found</title></html>",
            NotFoundError,
            "an HTML page (Not Found) instead of JSON",
        ),
        (
            500,
            "<html><title>500 Internal Server Error</title>Invoice ID Not Found</html>",
            ServerError,
            "an HTML page (500 Internal Server Error) instead of JSON",
        ),
    ],
)
async def test_http_errors(
    kind: str, status: int, body: Any, error: type[APIError], message: str, httpx_mock: HTTPXMock
) -> None:
    """403 + result=error is read by its message; an HTML error page is named as such, never a JSON error."""
    for _ in range(3 if status == 500 else 1):
        if isinstance(body, str):
            httpx_mock.add_response(method="POST", url=API, status_code=status, text=body)
        else:
            httpx_mock.add_response(method="POST", url=API, status_code=status, json=body)
    with pytest.raises(error) as info:
        await run(kind, "update", 42, notes="x")
    exc: Any = info.value
    assert type(exc) is error
    assert (exc.status_code, exc.message) == (status, message)
    assert not isinstance(exc.__cause__, json.JSONDecodeError)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ({"status": "error", "message": "Email not found"}, NotFoundError, "Email not found"),
        (
            {"warning": "Invalid or Missing Payment Information - Please Reload and Try Again"},
            BadRequestError,
            "Invalid or Missing Payment Information - Please Reload and Try Again",
        ),
        ({"result": "error"}, BadRequestError, "result=error with no message"),
        (
            {"result": "error", "message": "Invalid status X", "warning": "check the log"},
            BadRequestError,
            "Invalid status X; check the log",
        ),
    ],
)
async def test_other_error_envelopes(
    kind: str, body: dict[str, Any], error: type[APIError], message: str, httpx_mock: HTTPXMock
) -> None:
    """`status` stands in for a missing `result` (GetEmails & co.); a lone `warning` is a failure."""
    httpx_mock.add_response(method="POST", url=API, json=body)
    with pytest.raises(error) as info:
        await run(kind, "call", "GetEmails", clientid=1)
    assert type(info.value) is error
    assert info.value.message == message


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"Invalid IP 203.0.113.9", "the answer is not JSON (Invalid IP 203.0.113.9)"),
        (
            b"<!DOCTYPE html><html><title>WHMCS - Oops</title></html>",
            "an HTML page (WHMCS - Oops) instead of JSON",
        ),
        (
            b'Warning: Undefined index in /x.php on line 3\n{"result":"success","invoiceid":"42"}',
            "Warning: Undefined index",
        ),
        (b"", "the answer was empty"),
        (b'{"invoiceid": "42"}', "no result field (keys: invoiceid)"),
        (b'["success"]', "a JSON list, not a WHMCS result object"),
        (b'{"result": "success", "invoiceid": "abc"}', "does not fit UpdateInvoiceResult"),
        (b'{"result": "success"}', "does not fit UpdateInvoiceResult"),
    ],
)
async def test_unreadable_answers_are_decode_errors(
    kind: str, content: bytes, says: str, httpx_mock: HTTPXMock
) -> None:
    """A 200 that is not a WHMCS result raises DecodeError naming what came back, and is not retried."""
    httpx_mock.add_response(method="POST", url=API, content=content)
    with pytest.raises(DecodeError, match=r"^whmcs answered 200, but ") as info:
        await run(kind, "update", 42, new_items=[NewItem("x", 1, False)])
    assert says in str(info.value)
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_call_returns_status_success_answers(kind: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=API, json={"status": "success", "numreturned": 0})
    assert await run(kind, "call", "GetEmails", clientid=1) == {"status": "success", "numreturned": 0}


# -- retries and safety ------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_plain_updates_are_retried(kind: str, httpx_mock: HTTPXMock) -> None:
    """Setting fields and changing/deleting lines by id is idempotent: a 503 or a timeout is retried."""
    httpx_mock.add_response(method="POST", url=API, status_code=503)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), method="POST", url=API)
    httpx_mock.add_response(method="POST", url=API, json=OK)
    result = await run(
        kind, "update", 42, status="Paid", items={13: ItemChange("a", 1, True)}, delete_line_ids=[14]
    )
    assert result.invoice_id == 42
    requests = httpx_mock.get_requests()
    assert len(requests) == 3
    assert requests[0].content == requests[2].content  # the same form every time


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "change",
    [
        {"new_items": [NewItem("Extra", Decimal("1.00"), False)]},
        {"publish_and_send_email": True},
        {"publish": True},
    ],
)
@pytest.mark.parametrize("failure", ["503", "timeout", "dropped"])
async def test_unsafe_updates_are_sent_once(
    kind: str, change: dict[str, Any], failure: str, httpx_mock: HTTPXMock
) -> None:
    """Appending, publishing or emailing: after a may-have-run failure, OutcomeUnknownError, one request."""
    if failure == "503":
        httpx_mock.add_response(method="POST", url=API, status_code=503)
    else:
        exc = httpx.ReadTimeout("slow") if failure == "timeout" else httpx.RemoteProtocolError("gone")
        httpx_mock.add_exception(exc, method="POST", url=API)
    with pytest.raises(OutcomeUnknownError) as info:
        await run(kind, "update", 42, notes="x", **change)
    assert info.value.attempts == 1
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_unsafe_update_is_retried_when_it_never_left(kind: str, httpx_mock: HTTPXMock) -> None:
    """A refused connection proves the request never reached WHMCS: retried even when unsafe."""
    httpx_mock.add_exception(httpx.ConnectError("refused"), method="POST", url=API)
    httpx_mock.add_response(method="POST", url=API, json=OK)
    await run(kind, "update", 42, new_items=[NewItem("Extra", 1, False)])
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_call_is_unsafe_unless_declared_idempotent(kind: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=API, status_code=502)
    with pytest.raises(OutcomeUnknownError):
        await run(kind, "call", "AddInvoicePayment", invoiceid=42, transid="T1", gateway="mailin")
    assert len(httpx_mock.get_requests()) == 1
    httpx_mock.add_response(method="POST", url=API, status_code=502)
    httpx_mock.add_response(method="POST", url=API, json={"result": "success", "status": "Paid"})
    got = await run(kind, "call", "GetInvoice", invoiceid=42, idempotent=True)
    assert got == {"result": "success", "status": "Paid"}  # `status` is data here: `result` decides
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_idempotent_update_gives_up_as_transport_error(kind: str, httpx_mock: HTTPXMock) -> None:
    for _ in range(3):
        httpx_mock.add_exception(httpx.ReadTimeout("slow"), method="POST", url=API)
    with pytest.raises(TransportError) as info:
        await run(kind, "update", 42, notes="x")
    assert type(info.value) is TransportError
    assert info.value.attempts == 3


def test_safety_of_each_update() -> None:
    assert (
        update_invoice_call(42, notes="x", items={1: ItemChange("a", 1, True)}, delete_line_ids=[2]).safety
        is Safety.IDEMPOTENT
    )
    assert update_invoice_call(42, publish=False, publish_and_send_email=False).safety is Safety.IDEMPOTENT
    assert update_invoice_call(42, notes="x", new_items=[]).safety is Safety.IDEMPOTENT  # nothing appended
    assert update_invoice_call(42, new_items=[NewItem("a", 1, True)]).safety is Safety.UNSAFE
    assert update_invoice_call(42, publish=True).safety is Safety.UNSAFE
    assert update_invoice_call(42, publish_and_send_email=True).safety is Safety.UNSAFE
    assert action_call("GetInvoice").safety is Safety.UNSAFE
    assert action_call("GetInvoice", idempotent=True).safety is Safety.IDEMPOTENT


# -- secrets -----------------------------------------------------------------------------------------------


def _leaks(text: str) -> list[str]:
    forms = {
        SECRET,
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
        IDENTIFIER,
        "wh+sec",
    }
    return [f for f in forms if f in text]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "content"),
    [
        (
            200,
            f'{{"result": "error", "message": "Authentication Failed for {SECRET}", "echo": "{IDENTIFIER}"}}',
        ),
        (
            403,
            "x" * 185 + f"secret={SECRET}&identifier={IDENTIFIER}",
        ),  # the excerpt's cut falls in the secret
        (200, "<pre>" + "y" * 150 + f"Array ( [secret] => {SECRET} [identifier] => {IDENTIFIER} )</pre>"),
        (400, f"identifier={IDENTIFIER}&secret={quote_plus(SECRET)}"),
    ],
)
async def test_credentials_never_leak(
    kind: str, status: int, content: str, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    """Even when WHMCS echoes the form back, the credentials are in no log line, error, body or repr."""
    caplog.set_level(logging.DEBUG, logger="invoicekit")
    httpx_mock.add_response(method="POST", url=API, status_code=status, text=content)
    with pytest.raises((DecodeError, APIError)) as info:
        await run(kind, "update", 42, notes="x")
    exc: Any = info.value
    shown = " ".join(
        [str(exc), repr(exc), repr(getattr(exc, "body", "")), repr(getattr(exc, "message", "")), caplog.text]
    )
    assert caplog.records  # debug logging did run
    assert _leaks(shown) == []
    assert SECRET in parse_str(only_request(httpx_mock).content)["secret"]  # it was sent, of course


def test_reprs_hold_no_credentials() -> None:
    client = Whmcs(URL, IDENTIFIER, SECRET, access_key="access-key-123")
    shown = repr(client) + repr(vars(client)) + repr(client._auth)
    assert _leaks(shown) == []
    assert "access-key-123" not in shown


# -- bad input, refused before any request -----------------------------------------------------------------


BAD_UPDATES: list[tuple[dict[str, Any], str]] = [
    ({"invoice_id": "42"}, "invoice_id"),
    ({"invoice_id": 0}, "invoice_id"),
    ({"invoice_id": True}, "invoice_id"),
    ({"invoice_id": 42.0}, "invoice_id"),
    ({"status": "unpaid"}, "status"),
    ({"status": "Overdue"}, "status"),
    ({"status": None}, "status"),
    ({"payment_method": None}, "payment_method"),
    ({"payment_method": " "}, "payment_method"),
    ({"tax_rate": 10.0}, "tax_rate"),
    ({"tax_rate": None}, "tax_rate"),
    ({"tax_rate2": Decimal("-1")}, "tax_rate2"),
    ({"credit": 1.5}, "credit"),
    ({"credit": Decimal("0.001")}, "credit"),
    ({"credit": Decimal("-5")}, "credit"),
    ({"credit": None}, "credit"),
    ({"date": dt.datetime(2024, 1, 1, 12, 0)}, "date"),
    ({"date": "2024-01-01"}, "date"),
    ({"due_date": None}, "due_date"),
    ({"date_paid": None}, "date_paid"),
    ({"notes": 5}, "notes"),
    ({"notes": "a\0b"}, "notes"),
    ({"publish": "1"}, "publish"),
    ({"publish": None}, "publish"),
    ({"publish": True, "publish_and_send_email": True}, "publish"),
    ({"items": None}, "items"),
    ({"items": [ItemChange("a", 1, True)]}, "items"),
    ({"items": {"13": ItemChange("a", 1, True)}}, "items['13']"),
    ({"items": {13: None}}, "items[13]"),
    ({"items": {13: NewItem("a", 1, True)}}, "items[13]"),
    ({"items": {13: ItemChange("a", 1.5, True)}}, "items[13].amount"),  # type: ignore[arg-type]
    ({"items": {13: ItemChange("a", Decimal("NaN"), True)}}, "items[13].amount"),
    ({"items": {13: ItemChange("a", Decimal("1.005"), True)}}, "items[13].amount"),
    ({"items": {13: ItemChange("a", 1, "false")}}, "items[13].taxed"),  # type: ignore[arg-type]
    ({"items": {13: ItemChange(None, 1, True)}}, "items[13].description"),  # type: ignore[arg-type]
    ({"new_items": None}, "new_items"),
    ({"new_items": "abc"}, "new_items"),
    ({"new_items": [ItemChange("a", 1, True)]}, "new_items[0]"),
    ({"new_items": [NewItem("a", 1, True), NewItem("b", 2.0, True)]}, "new_items[1].amount"),  # type: ignore[arg-type]
    ({"delete_line_ids": 11}, "delete_line_ids"),
    ({"delete_line_ids": ["11"]}, "delete_line_ids[0]"),
    ({"delete_line_ids": [11, 11]}, "delete_line_ids"),
    ({"items": {13: ItemChange("a", 1, True)}, "delete_line_ids": [12, 13]}, "delete_line_ids"),
    ({"items": {i: ItemChange("a", 1, True) for i in range(1, 334)}}, "items"),  # > max_input_vars
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("change", "field"), BAD_UPDATES)
async def test_bad_updates_are_refused_before_any_request(
    kind: str, change: dict[str, Any], field: str, httpx_mock: HTTPXMock
) -> None:
    change = dict(change)
    invoice_id = change.pop("invoice_id", 42)
    with pytest.raises(ValidationError) as info:
        await run(kind, "update", invoice_id, **change)
    assert info.value.field == field
    assert httpx_mock.get_requests() == []


def test_the_largest_update_php_keeps_whole_is_allowed() -> None:
    """331 changed lines: 993 + action, invoiceid, responsetype + 3 credentials = 999 fields; 332 is 1002."""
    many = {i: ItemChange("a", 1, True) for i in range(1, 332)}
    body = update_invoice_call(42, items=many).body
    assert isinstance(body, Form)
    assert len(body.fields["itemdescription"]) == 331
    with pytest.raises(ValidationError):
        update_invoice_call(42, items={**many, 332: ItemChange("a", 1, True)})


BAD_CALLS: list[tuple[Any, dict[str, Any], str]] = [
    ("", {}, "action"),
    ("Get Invoice", {}, "action"),
    ("GetInvoice&secret=x", {}, "action"),
    (None, {}, "action"),
    ("GetInvoice", {"action": "DeleteClient"}, "action"),
    ("GetInvoice", {"identifier": "x"}, "identifier"),
    ("GetInvoice", {"secret": "x"}, "secret"),
    ("GetInvoice", {"accesskey": "x"}, "accesskey"),
    ("GetInvoice", {"responsetype": "xml"}, "responsetype"),
    ("GetInvoice", {"username": "admin"}, "username"),
    ("GetInvoice", {"Password": "x"}, "Password"),
    ("GetInvoice", {"invoiceid[0]": 1}, "invoiceid[0]"),
    ("GetInvoice", {"invoiceid": 4.2}, "invoiceid"),
    ("GetInvoice", {"invoiceid": None}, "invoiceid"),
    ("GetInvoice", {"amount": Decimal("Infinity")}, "amount"),
    ("GetInvoice", {"when": dt.datetime(2024, 1, 1)}, "when"),
    ("GetInvoice", {"blob": b"x"}, "blob"),
    ("GetInvoice", {"ids": {1, 2}}, "ids"),
    ("GetInvoice", {"items": {"a]b": 1}}, "items"),
    ("GetInvoice", {"items": {True: 1}}, "items"),
    ("GetInvoice", {"items": [1, 2.5]}, "items[1]"),
    ("GetInvoice", {"items": {"x": None}}, "items[x]"),
    ("GetInvoice", {"ids": list(range(1000))}, "params"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("action", "params", "field"), BAD_CALLS)
async def test_bad_calls_are_refused_before_any_request(
    kind: str, action: Any, params: dict[str, Any], field: str, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValidationError) as info:
        await run(kind, "call", action, **params)
    assert info.value.field == field
    assert httpx_mock.get_requests() == []


def test_call_idempotent_must_be_a_bool() -> None:
    with pytest.raises(ValidationError, match="idempotent"):
        action_call("GetInvoice", idempotent="yes")  # type: ignore[arg-type]


def test_item_change_needs_all_three_values() -> None:
    """WHMCS changes a line only with description, amount and taxed: an empty ItemChange cannot be made."""
    with pytest.raises(TypeError):
        ItemChange()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ItemChange(amount=Decimal("1"))  # type: ignore[call-arg]


def test_public_surface() -> None:
    assert whmcs.Whmcs is Whmcs
    assert whmcs.AsyncWhmcs is AsyncWhmcs
    assert whmcs.STATUSES == (
        "Draft",
        "Unpaid",
        "Paid",
        "Cancelled",
        "Refunded",
        "Collections",
        "Payment Pending",
    )
    sync_sig = inspect.signature(Whmcs(URL, IDENTIFIER, SECRET).invoices.update)
    async_sig = inspect.signature(AsyncWhmcs(URL, IDENTIFIER, SECRET).invoices.update)
    assert sync_sig == async_sig
    assert list(sync_sig.parameters)[:2] == ["invoice_id", "status"]
