"""extra_headers= per call, with_raw_response metadata and APIError metadata, on every operation."""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import invoicekit
from invoicekit import (
    APIError,
    AsyncInvoro,
    AsyncPayabli,
    AsyncSalesbricks,
    AsyncUpflow,
    AsyncWhmcs,
    Invoro,
    Payabli,
    RetryPolicy,
    Salesbricks,
    Upflow,
    ValidationError,
    Whmcs,
    invoro,
)
from invoicekit._call import Call, with_extra_headers
from invoicekit._response import RateLimit, RawResponse
from invoicekit.testing import FakeInvoro, FakePayabli, FakeSalesbricks, FakeUpflow, FakeWhmcs

PDF = b"%PDF-1.4 test\n%%EOF"
SB_INVOICE = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
DRAFT = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
FAST = RetryPolicy(initial=0, jitter=False)


def _draft() -> invoro.DraftInvoice:
    return invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-8"))


# Each operation, run against its fake with extra_headers, returning (fake, the result).
Runner = Callable[[Any, dict[str, Any]], Any]


def _ops() -> dict[str, tuple[Callable[[], Any], Callable[[Any], Any], Runner]]:
    return {
        "upflow.upload_pdf": (
            FakeUpflow,
            lambda f: f.add_invoice("inv_1"),
            lambda c, kw: c.invoices.upload_pdf("inv_1", PDF, **kw),
        ),
        "salesbricks.update": (
            FakeSalesbricks,
            lambda f: f.add_invoice(SB_INVOICE),
            lambda c, kw: c.invoices.update(SB_INVOICE, invoice_memo="m", **kw),
        ),
        "payabli.update": (
            FakePayabli,
            lambda f: f.add_invoice(1001, invoice_status=1),
            lambda c, kw: c.invoices.update(1001, invoice_data=invoicekit.payabli.BillData(notes="n"), **kw),
        ),
        "payabli.get": (
            FakePayabli,
            lambda f: f.add_invoice(1001, invoice_status=1),
            lambda c, kw: c.invoices.get(1001, **kw),
        ),
        "invoro.update_draft": (
            FakeInvoro,
            lambda f: f.add_invoice(DRAFT),
            lambda c, kw: c.invoices.update_draft(DRAFT, _draft(), **kw),
        ),
        "whmcs.update": (
            FakeWhmcs,
            lambda f: f.add_invoice(1001),
            lambda c, kw: c.invoices.update(1001, notes="n", **kw),
        ),
        "whmcs.get": (FakeWhmcs, lambda f: f.add_invoice(1001), lambda c, kw: c.invoices.get(1001, **kw)),
        "whmcs.call": (
            FakeWhmcs,
            lambda f: f.add_invoice(1001),
            lambda c, kw: c.call("GetInvoice", idempotent=True, invoiceid=1001, **kw),
        ),
    }


OPS = _ops()


async def _run(kind: str, op: str, **kw: Any) -> tuple[Any, Any]:
    make, seed, run = OPS[op]
    fake = make()
    seed(fake)
    if kind == "sync":
        with fake.client(retry=FAST) as client:
            return fake, run(client, kw)
    async with fake.async_client(retry=FAST) as aclient:
        result = run(aclient, kw)
        return fake, await result if isinstance(result, Awaitable) else result


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("op", list(OPS))
async def test_extra_headers_reach_every_attempt(op: str, kind: str) -> None:
    """The caller's headers travel on every attempt, retries included (a 503 first, then the answer)."""
    make, seed, run = OPS[op]
    fake = make()
    seed(fake)
    fake.fail_next(503)
    headers = {"X-Trace-Id": "t-42", "X-Tenant": "acme corp"}
    if kind == "sync":
        with fake.client(retry=FAST) as client:
            run(client, {"extra_headers": headers})
    else:
        async with fake.async_client(retry=FAST) as aclient:
            await run(aclient, {"extra_headers": headers})
    assert len(fake.requests) == 2
    for request in fake.requests:
        assert request.headers["x-trace-id"] == "t-42"
        assert request.headers["x-tenant"] == "acme corp"


@pytest.mark.parametrize(
    ("op", "header"),
    [
        ("upflow.upload_pdf", "X-API-KEY"),
        ("upflow.upload_pdf", "x-api-secret"),
        ("salesbricks.update", "X-Salesbricks-Key"),
        ("salesbricks.update", "X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"),
        ("payabli.get", "requesttoken"),
        ("invoro.update_draft", "authorization"),
        ("whmcs.call", "Authorization"),
        ("whmcs.update", "Content-Type"),
        ("whmcs.get", "content-length"),
        ("payabli.update", "Host"),
        ("payabli.update", "Transfer-Encoding"),
        ("upflow.upload_pdf", "Cookie"),
    ],
)
def test_protected_headers_refused_before_any_request(op: str, header: str) -> None:
    make, seed, run = OPS[op]
    fake = make()
    seed(fake)
    with fake.client() as client, pytest.raises(ValidationError) as info:
        run(client, {"extra_headers": {header: "evil"}})
    assert info.value.field == f"extra_headers[{header!r}]"
    assert "cannot be overridden" in info.value.rule
    assert fake.requests == []


@pytest.mark.parametrize(
    ("headers", "field", "rule"),
    [
        ({"X-A": "a\r\nX-Injected: 1"}, "extra_headers['X-A']", "without CR, LF or NUL"),
        ({"X-A": "a\nb"}, "extra_headers['X-A']", "without CR, LF or NUL"),
        ({"X-A": "a\0b"}, "extra_headers['X-A']", "without CR, LF or NUL"),
        ({"X-A": "café"}, "extra_headers['X-A']", "printable ASCII"),
        ({"X A": "v"}, "extra_headers['X A']", "not a valid header name"),
        ({"X-A\r\n": "v"}, "extra_headers['X-A\\r\\n']", "not a valid header name"),
        ({"": "v"}, "extra_headers['']", "not a valid header name"),
        ({"X-A": 1}, "extra_headers['X-A']", "must be a str"),
        ({"X-A": "1", "x-a": "2"}, "extra_headers['x-a']", "given twice"),
    ],
)
def test_bad_extra_headers_name_the_header(headers: dict[str, Any], field: str, rule: str) -> None:
    fake = FakeWhmcs()
    fake.add_invoice(1001)
    with fake.client() as client, pytest.raises(ValidationError) as info:
        client.invoices.get(1001, extra_headers=headers)
    assert info.value.field == field
    assert rule in info.value.rule
    assert fake.requests == []


def test_extra_headers_must_be_a_mapping() -> None:
    fake = FakeWhmcs()
    with fake.client() as client, pytest.raises(ValidationError) as info:
        client.invoices.get(1001, extra_headers=[("X-A", "1")])  # type: ignore[arg-type]
    assert info.value.field == "extra_headers"


def test_extra_header_replaces_accept_without_doubling(httpx_mock: HTTPXMock) -> None:
    """A header differing only in case replaces the default rather than sending both."""
    httpx_mock.add_response(method="POST", status_code=204)
    with Upflow("k", "s") as client:
        client.invoices.upload_pdf("inv_1", PDF, extra_headers={"accept": "application/pdf, */*"})
    request = httpx_mock.get_requests()[0]
    assert request.headers.get_list("accept") == ["application/pdf, */*"]
    assert [k for k, _ in request.headers.raw].count(b"accept") == 1


def test_extra_headers_not_in_call_when_none() -> None:
    call: Call[None] = Call("GET", "/x", parse=lambda d: None, headers={"A": "1"})
    assert with_extra_headers(call, None) is call
    assert with_extra_headers(call, {}) is call
    assert with_extra_headers(call, {"B": "2"}).headers == {"A": "1", "B": "2"}


def test_whmcs_call_keeps_extra_headers_out_of_the_form(httpx_mock: HTTPXMock) -> None:
    """extra_headers on Whmcs.call is the client's keyword: a header, never a WHMCS parameter."""
    from phpform import parse_str

    httpx_mock.add_response(method="POST", json={"result": "success"})
    with Whmcs("https://billing.example.com", "id", "secret-123456") as client:
        client.call("GetClients", idempotent=True, search="x", extra_headers={"X-Trace": "1"})
    request = httpx_mock.get_requests()[0]
    assert request.headers["x-trace"] == "1"
    form = parse_str(request.content)
    assert "extra_headers" not in form
    assert form["search"] == "x"


# -- with_raw_response ---------------------------------------------------------------------------------


RATE = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "97", "X-RateLimit-Reset": "1"}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_raw_response_for_none_dict_and_model(kind: str, httpx_mock: HTTPXMock) -> None:
    """Upflow's upload returns None, Whmcs.call a dict, Invoro a model: each wrapped alike."""
    httpx_mock.add_response(
        method="POST", url="https://api.upflow.io/v1/invoices/inv_1/pdf", status_code=204,
        headers={"X-Request-Id": "req-1", **RATE, "Set-Cookie": "session=abc", "X-Api-Token-Echo": "t"},
    )  # fmt: skip
    httpx_mock.add_response(
        method="POST", url="https://billing.example.com/includes/api.php",
        json={"result": "success", "totalresults": 0}, headers={"X-Request-Id": "req-2"},
    )  # fmt: skip
    if kind == "sync":
        with Upflow("k", "s") as up, Whmcs("https://billing.example.com", "id", "secret-123456") as wh:
            first = up.invoices.with_raw_response.upload_pdf("inv_1", PDF)
            second = wh.with_raw_response.call("GetClients", idempotent=True)
    else:
        async with (
            AsyncUpflow("k", "s") as aup,
            AsyncWhmcs("https://billing.example.com", "id", "secret-123456") as awh,
        ):
            first = await aup.invoices.with_raw_response.upload_pdf("inv_1", PDF)
            second = await awh.with_raw_response.call("GetClients", idempotent=True)
    assert first.parsed is None
    assert (first.status_code, first.request_id, first.attempts) == (204, "req-1", 1)
    assert first.rate_limit == RateLimit(limit=100, remaining=97, reset=1.0)
    assert first.headers["set-cookie"] == "[redacted]"
    assert first.headers["x-api-token-echo"] == "[redacted]"
    assert first.headers["x-request-id"] == "req-1"
    assert second.parsed == {"result": "success", "totalresults": 0}
    assert (second.status_code, second.request_id, second.rate_limit) == (200, "req-2", None)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_raw_response_counts_attempts_and_shows_key(kind: str) -> None:
    fake = FakeSalesbricks()
    fake.add_invoice(SB_INVOICE)
    fake.fail_next(503)
    raw: RawResponse[Any]
    if kind == "sync":
        with fake.client(retry=FAST) as client:
            raw = client.invoices.with_raw_response.update(SB_INVOICE, send_invoice=True)
    else:
        async with fake.async_client(retry=FAST) as aclient:
            raw = await aclient.invoices.with_raw_response.update(SB_INVOICE, send_invoice=True)
    assert raw.attempts == 2
    assert raw.idempotency_key is not None
    assert raw.idempotency_key == raw.parsed.idempotency_key
    assert str(uuid.UUID(raw.idempotency_key)) == raw.idempotency_key
    assert {r.headers["x-salesbricks-idempotent-operation-key"] for r in fake.requests} == {
        raw.idempotency_key
    }


def test_headers_never_keep_a_secret(httpx_mock: HTTPXMock) -> None:
    """A provider echoing the credential in any header: redacted in RawResponse and APIError alike."""
    secret = "sk-live-0123456789abcdef"
    echo = {"X-Echo": f"you sent {secret}", "Www-Authenticate": f"Bearer {secret}"}
    httpx_mock.add_response(method="PUT", json={"id": DRAFT}, headers=echo, status_code=403)
    with Invoro(secret) as client, pytest.raises(APIError) as info:
        client.invoices.update_draft(DRAFT, _draft())
    err = info.value
    assert secret not in repr(err.headers)
    assert err.headers["www-authenticate"] == "[redacted]"
    assert err.headers["x-echo"].startswith("you sent ")


def test_api_error_carries_metadata_and_pickles(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET", status_code=404, json={"isSuccess": False, "responseText": "Not found"},
        headers={"X-Request-Id": "r-9", **RATE},
    )  # fmt: skip
    with Payabli("tok-123456789") as client, pytest.raises(invoicekit.NotFoundError) as info:
        client.invoices.get(77)
    err = info.value
    assert (err.status_code, err.request_id) == (404, "r-9")
    assert err.rate_limit == RateLimit(100, 97, 1.0)
    assert err.headers["x-ratelimit-remaining"] == "97"
    assert pickle.loads(pickle.dumps(err.rate_limit)) == err.rate_limit  # noqa: S301 - our own bytes


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"X-RateLimit-Remaining": "0"}, RateLimit(None, 0, None)),
        (
            {"X-RateLimit-Limit": "abc", "X-RateLimit-Reset": "1700000000"},
            RateLimit(None, None, 1700000000.0),
        ),
        ({"X-RateLimit-Limit": "2.5", "X-RateLimit-Reset": "nan"}, RateLimit(None, None, None)),
    ],
)
def test_rate_limit_reading(headers: dict[str, str], expected: RateLimit | None) -> None:
    from invoicekit._response import rate_limit

    assert rate_limit(httpx.Headers(headers)) == expected


def test_plain_call_records_nothing() -> None:
    """Outside with_raw_response nothing is kept (the context variable stays unset)."""
    from invoicekit._response import _SLOT

    fake = FakeWhmcs()
    fake.add_invoice(1)
    with fake.client() as client:
        client.invoices.get(1)
    assert _SLOT.get() is None


@pytest.mark.anyio
async def test_concurrent_raw_calls_do_not_mix() -> None:
    import anyio

    fake = FakeWhmcs()
    for i in range(1, 6):
        fake.add_invoice(i, lines=[("x", Decimal(i), False)])
    seen: dict[int, int] = {}
    async with fake.async_client() as client:

        async def one(i: int) -> None:
            raw = await client.invoices.with_raw_response.get(i)
            seen[i] = raw.parsed.invoice_id

        async with anyio.create_task_group() as tg:
            for i in range(1, 6):
                tg.start_soon(one, i)
    assert seen == {i: i for i in range(1, 6)}


@pytest.mark.parametrize(
    ("cls", "ops"),
    [
        (Upflow, ["upload_pdf"]),
        (AsyncUpflow, ["upload_pdf"]),
        (Salesbricks, ["update"]),
        (AsyncSalesbricks, ["update"]),
        (Payabli, ["update", "get"]),
        (AsyncPayabli, ["update", "get"]),
        (Invoro, ["update_draft"]),
        (AsyncInvoro, ["update_draft"]),
        (Whmcs, ["update", "get"]),
        (AsyncWhmcs, ["update", "get"]),
    ],
)
def test_every_operation_has_a_raw_twin_with_extra_headers(cls: Any, ops: list[str]) -> None:
    import inspect

    args: tuple[str, ...] = ("k-0123456789",)
    if cls in (Whmcs, AsyncWhmcs):
        args = ("https://b.example.com", "i", "secret-123456")
    if cls in (Upflow, AsyncUpflow):
        args = ("k-0123456789", "s-0123456789")
    client = cls(*args)
    for op in ops:
        plain = getattr(client.invoices, op)
        raw = getattr(client.invoices.with_raw_response, op)
        assert inspect.signature(raw) == inspect.signature(plain)
        assert "extra_headers" in inspect.signature(plain).parameters
