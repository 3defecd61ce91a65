"""Salesbricks wire tests: the exact PATCH `invoices.update` sends, its safety, and how answers are read."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

from invoicekit import (
    UNSET,
    AsyncSalesbricks,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    File,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    Salesbricks,
    ServerError,
    TransportError,
    ValidationError,
    salesbricks,
)
from invoicekit._call import Safety, build_request
from invoicekit.salesbricks import Add, Keep
from invoicekit.salesbricks._answers import read_error
from invoicekit.salesbricks._client import update_call
from invoicekit.testing._salesbricks import Part, parse_multipart

KEY = "sb-key-0123456789abcdef"
INVOICE = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
BASE = "https://api.salesbricks.com/api/v2"
URL = f"{BASE}/invoices/{INVOICE}"
PDF = b"%PDF-1.7\r\n" + bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n%%EOF\n"
PDF2 = b"%PDF-1.4\n second file \x00\xff\n%%EOF"
FAST = RetryPolicy(initial=0, jitter=False)
KINDS = ["sync", "async"]
IDEM_HEADER = "X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"
ANSWER: dict[str, Any] = {
    "invoice_id": INVOICE,
    "signed_pdf_url": "https://files.example/inv.pdf?sig=1",
    "attachments": [
        {
            "attachment_id": "9d1e0000-0000-4000-8000-000000000001",
            "target": "subscription",
            "file_name": "terms.pdf",
            "created_at": "2023-11-07T05:31:56Z",
        }
    ],
}


async def update(kind: str, invoice_id: str = INVOICE, **kw: Any) -> salesbricks.InvoiceUpdateResult:
    """One update through the sync or the async client, with the test key and no sleeping."""
    options: dict[str, Any] = {"retry": FAST}
    for name in ("sandbox", "base_url", "retry"):
        if name in kw:
            options[name] = kw.pop(name)
    if kind == "sync":
        with Salesbricks(KEY, **options) as client:
            return client.invoices.update(invoice_id, **kw)
    async with AsyncSalesbricks(KEY, **options) as aclient:
        return await aclient.invoices.update(invoice_id, **kw)


def only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    requests = httpx_mock.get_requests()
    assert len(requests) == 1
    return requests[0]


def parts_of(request: httpx.Request) -> list[Part]:
    return parse_multipart(request.headers["content-type"], request.content)


def fields_of(request: httpx.Request) -> list[tuple[str, str]]:
    """The text parts, in order, as (name, value)."""
    return [(p.name, p.text) for p in parts_of(request) if p.filename is None]


def files_of(request: httpx.Request) -> list[tuple[str, str | None, str, bytes]]:
    return [(p.name, p.filename, p.content_type, p.data) for p in parts_of(request) if p.filename is not None]


def ok(httpx_mock: HTTPXMock, **kw: Any) -> None:
    httpx_mock.add_response(method="PATCH", url=URL, json=ANSWER, **kw)


# -- the request line, the host, the key ------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_patch_url_auth_and_content_type(kind: str, httpx_mock: HTTPXMock) -> None:
    """PATCH .../api/v2/invoices/<id>, X-SALESBRICKS-KEY, multipart with a boundary, a generated key."""
    ok(httpx_mock)
    await update(kind, invoice_memo="Net 30")
    request = only_request(httpx_mock)
    assert request.method == "PATCH"
    assert str(request.url) == URL
    assert request.headers["X-SALESBRICKS-KEY"] == KEY
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.headers["accept"] == "application/json"
    assert str(uuid.UUID(request.headers[IDEM_HEADER])) == request.headers[IDEM_HEADER]  # a fresh UUID
    assert "authorization" not in request.headers


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_sandbox_is_staging(kind: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="PATCH", url=f"https://api.staging.salesbricks.com/api/v2/invoices/{INVOICE}", json=ANSWER
    )
    await update(kind, sandbox=True, tax_id="FR123")
    assert only_request(httpx_mock).url.host == "api.staging.salesbricks.com"


@pytest.mark.anyio
async def test_base_url_override(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PATCH", url=f"http://127.0.0.1:8080/sb/invoices/{INVOICE}", json=ANSWER)
    await update("sync", base_url="http://127.0.0.1:8080/sb/", tax_id="FR123")
    assert only_request(httpx_mock).url.raw_path == f"/sb/invoices/{INVOICE}".encode()


@pytest.mark.anyio
@pytest.mark.parametrize(("value", "segment"), [("a/b", "a%2Fb"), ("x?y#z", "x%3Fy%23z"), ("50%", "50%25")])
async def test_invoice_id_stays_one_segment(value: str, segment: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PATCH", json=ANSWER)
    await update("sync", value, tax_id="x")
    request = only_request(httpx_mock)
    assert request.url.raw_path == f"/api/v2/invoices/{segment}".encode()
    assert request.url.query == b""


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_key_from_environment(
    kind: str, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESBRICKS_API_KEY", "env-key-123456")
    ok(httpx_mock)
    if kind == "sync":
        with Salesbricks() as client:
            client.invoices.update(INVOICE, tax_id="x")
    else:
        async with AsyncSalesbricks() as aclient:
            await aclient.invoices.update(INVOICE, tax_id="x")
    assert only_request(httpx_mock).headers["X-SALESBRICKS-KEY"] == "env-key-123456"


@pytest.mark.parametrize("cls", [Salesbricks, AsyncSalesbricks])
@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_names_the_variable(cls: Any, key: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALESBRICKS_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="SALESBRICKS_API_KEY") as info:
        cls(key)
    assert info.value.field == "api_key"


@pytest.mark.anyio
async def test_key_never_leaks(httpx_mock: HTTPXMock) -> None:
    """The key is not in the client's repr, nor in the error when the provider echoes it back."""
    httpx_mock.add_response(method="PATCH", status_code=401, json={"detail": f"Invalid API key {KEY}."})
    client = Salesbricks(KEY)
    assert KEY not in repr(client)
    with pytest.raises(AuthenticationError) as info:
        client.invoices.update(INVOICE, tax_id="x")
    assert KEY not in str(info.value)
    assert KEY not in json.dumps(info.value.body)
    assert info.value.message == "Invalid API key ***."


# -- the body ----------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_every_field_on_the_wire(kind: str, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    """Every field, in its documented (or inferred) encoding; files as pdf_attachments parts, in order."""
    sow = tmp_path / "sow.pdf"
    sow.write_bytes(PDF)
    ok(httpx_mock)
    await update(
        kind,
        due_at=dt.date(2024, 7, 31),
        purchase_order="PO-778",
        persist_purchase_order=True,
        billing_address={"line1": "1 Rue de Rivoli", "city": "Paris", "country": "FR"},
        company_name="Acmé SAS",
        accounts_payable_emails=["ap@acme.example", "finance@acme.example"],
        invoice_memo="Net 30 — thanks",
        persist_memo=False,
        line_item_overrides={"li_1": "Seats (annual)", "li_2": "Onboarding"},
        show_brick_descriptions=False,
        tax_id="FR40303265045",
        reason_for_updating="Customer sent a new PO",
        send_invoice=True,
        attachments=[
            Keep("9d1e0000-0000-4000-8000-000000000001", target="subscription"),
            Add(sow),
            Add(PDF2, target="subscription"),
            Keep("9d1e0000-0000-4000-8000-000000000002"),
        ],
        idempotency_key="op-0b7d9a0e",
    )
    request = only_request(httpx_mock)
    assert request.headers[IDEM_HEADER] == "op-0b7d9a0e"
    assert fields_of(request) == [
        ("due_at", "2024-07-31"),
        ("purchase_order", '{"code":"PO-778"}'),
        ("persist_purchase_order", "true"),
        ("billing_address", '{"line1":"1 Rue de Rivoli","city":"Paris","country":"FR"}'),
        ("company_name", "Acmé SAS"),
        ("accounts_payable_emails", "ap@acme.example"),
        ("accounts_payable_emails", "finance@acme.example"),
        ("invoice_memo", "Net 30 — thanks"),
        ("persist_memo", "false"),
        (
            "line_item_overrides",
            '[{"line_item_id":"li_1","description":"Seats (annual)"},'
            '{"line_item_id":"li_2","description":"Onboarding"}]',
        ),
        ("show_brick_descriptions", "false"),
        ("tax_id", "FR40303265045"),
        ("reason_for_updating", "Customer sent a new PO"),
        ("send_invoice", "true"),
        (
            "pdf_attachments_config",
            '[{"attachment_id":"9d1e0000-0000-4000-8000-000000000001","target":"subscription"},'
            '{"new_file_index":0,"target":"invoice"},'
            '{"new_file_index":1,"target":"subscription"},'
            '{"attachment_id":"9d1e0000-0000-4000-8000-000000000002","target":"invoice"}]',
        ),
    ]
    assert files_of(request) == [
        ("pdf_attachments", "sow.pdf", "application/pdf", PDF),
        ("pdf_attachments", "attachment-2.pdf", "application/pdf", PDF2),
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"invoice_memo": "x"}, [("invoice_memo", "x")]),
        ({"due_at": dt.date(2025, 1, 2)}, [("due_at", "2025-01-02")]),
        ({"send_invoice": False}, [("send_invoice", "false")]),
        ({"tax_id": ""}, [("tax_id", "")]),
        ({"reason_for_updating": "audit", "company_name": UNSET}, [("reason_for_updating", "audit")]),
    ],
)
async def test_unset_fields_are_absent(
    kind: str, kw: dict[str, Any], expected: list[tuple[str, str]], httpx_mock: HTTPXMock
) -> None:
    """Only what was given travels: an absent field is Salesbricks' "no change"; no file parts either.
    A text-only body is still real multipart, with the Host and Content-Length a real connection needs.
    """
    ok(httpx_mock)
    await update(kind, **kw)
    request = only_request(httpx_mock)
    assert fields_of(request) == expected
    assert files_of(request) == []
    assert request.headers["host"] == "api.salesbricks.com"
    assert request.headers["content-length"] == str(len(request.content))


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"company_name": None}, [("company_name", "")]),
        ({"company_name": ""}, [("company_name", "")]),
        ({"invoice_memo": None}, [("invoice_memo", "")]),
        ({"purchase_order": None}, [("purchase_order", "{}")]),
        ({"purchase_order": ""}, [("purchase_order", '{"code":""}')]),
        ({"accounts_payable_emails": None}, [("accounts_payable_emails", "[]")]),
        ({"accounts_payable_emails": []}, [("accounts_payable_emails", "[]")]),
        ({"accounts_payable_emails": ()}, [("accounts_payable_emails", "[]")]),
    ],
)
async def test_clear_forms(
    kind: str, kw: dict[str, Any], expected: list[tuple[str, str]], httpx_mock: HTTPXMock
) -> None:
    """None (and the empty value) is sent as Salesbricks' clearing form, never as "null" or left out."""
    ok(httpx_mock)
    await update(kind, **kw)
    assert fields_of(only_request(httpx_mock)) == expected


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_empty_attachment_list_deletes_all(kind: str, httpx_mock: HTTPXMock) -> None:
    """attachments=[] is sent as pdf_attachments_config=[] (Salesbricks deletes what the list leaves out)."""
    ok(httpx_mock)
    await update(kind, attachments=[])
    request = only_request(httpx_mock)
    assert fields_of(request) == [("pdf_attachments_config", "[]")]
    assert files_of(request) == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_pdf_attachments_without_config(kind: str, httpx_mock: HTTPXMock) -> None:
    """pdf_attachments=[...] sends only file parts (no config: Salesbricks replaces invoice-level ones)."""
    ok(httpx_mock)
    await update(kind, pdf_attachments=[PDF, File(PDF2, filename="b.pdf")])
    request = only_request(httpx_mock)
    assert fields_of(request) == []
    assert files_of(request) == [
        ("pdf_attachments", "attachment-1.pdf", "application/pdf", PDF),
        ("pdf_attachments", "b.pdf", "application/pdf", PDF2),
    ]


# -- bad input: ValidationError, zero requests ---------------------------------------------------------------

BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"company_name": "x" * 256}, "company_name", "at most 255"),
    ({"tax_id": "x" * 256}, "tax_id", "at most 255"),
    ({"invoice_memo": "x" * 2001}, "invoice_memo", "at most 2000"),
    ({"reason_for_updating": "x" * 501}, "reason_for_updating", "at most 500"),
    ({"purchase_order": "x" * 256}, "purchase_order", "at most 255"),
    ({"company_name": 42}, "company_name", "must be a str"),
    ({"invoice_memo": "a\0b"}, "invoice_memo", "NUL"),
    ({"accounts_payable_emails": ["ok@acme.example", "nope"]}, "accounts_payable_emails[1]", "not an email"),
    ({"accounts_payable_emails": "ap@acme.example"}, "accounts_payable_emails", "must be a list"),
    ({"accounts_payable_emails": [""]}, "accounts_payable_emails[0]", "must not be empty"),
    ({"due_at": dt.datetime(2024, 7, 31, 12, 0)}, "due_at", "datetime.date, not datetime"),
    ({"due_at": "2024-07-31"}, "due_at", "datetime.date, not str"),
    ({"due_at": None}, "due_at", "no way to clear"),
    ({"tax_id": None}, "tax_id", "no way to clear"),
    ({"reason_for_updating": None}, "reason_for_updating", "no way to clear"),
    ({"billing_address": None}, "billing_address", "no way to clear"),
    ({"billing_address": "1 Main St"}, "billing_address", "must be a mapping"),
    ({"billing_address": {"city": 5}}, "billing_address['city']", "must be a str"),
    ({"line_item_overrides": None}, "line_item_overrides", "no way to clear"),
    ({"line_item_overrides": {"": "x"}}, "line_item_overrides key", "must not be empty"),
    ({"send_invoice": "true"}, "send_invoice", "True or False"),
    ({"persist_memo": 1}, "persist_memo", "True or False"),
    ({"show_brick_descriptions": None}, "show_brick_descriptions", "True or False"),
    ({"persist_purchase_order": None}, "persist_purchase_order", "True or False"),
    ({"attachments": [Keep("a")], "pdf_attachments": [PDF]}, "attachments", "not both"),
    ({"attachments": [Add(b"hello")]}, "attachments[0].file", "not a PDF"),
    ({"attachments": [Add(b"")]}, "attachments[0].file", "empty"),
    ({"attachments": [Add("/nonexistent/x.pdf")]}, "attachments[0].file", "cannot read"),
    ({"attachments": ["9d1e"]}, "attachments[0]", "Keep or salesbricks.Add"),
    ({"attachments": [Keep("a"), Keep("a", target="subscription")]}, "attachments[1]", "listed twice"),
    ({"attachments": None}, "attachments", "[] deletes them all"),
    ({"attachments": Keep("a")}, "attachments", "must be a list"),
    ({"pdf_attachments": [PDF, b"GIF89a"]}, "pdf_attachments[1]", "not a PDF"),
    ({"pdf_attachments": []}, "pdf_attachments", "at least one PDF"),
    ({"pdf_attachments": None}, "pdf_attachments", "at least one PDF"),
    ({"pdf_attachments": PDF}, "pdf_attachments", "must be a list"),
    ({"tax_id": "x", "idempotency_key": ""}, "idempotency_key", "must not be empty"),
    ({"tax_id": "x", "idempotency_key": "k" * 256}, "idempotency_key", "at most 255"),
    ({"tax_id": "x", "idempotency_key": "a\r\nX-Evil: 1"}, "idempotency_key", "printable ASCII"),
    ({"tax_id": "x", "idempotency_key": "clé"}, "idempotency_key", "printable ASCII"),
    ({"tax_id": "x", "idempotency_key": " padded"}, "idempotency_key", "printable ASCII"),
    ({}, "update", "nothing to change"),
    ({"idempotency_key": "k1"}, "update", "nothing to change"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("kw", "field", "rule"), BAD)
async def test_bad_input_sends_nothing(
    kind: str, kw: dict[str, Any], field: str, rule: str, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValidationError) as info:
        await update(kind, **kw)
    assert info.value.field == field
    assert rule in info.value.rule
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
@pytest.mark.parametrize("invoice_id", ["", "..", ".", "a\nb", 42])
async def test_bad_invoice_id_sends_nothing(invoice_id: Any, httpx_mock: HTTPXMock) -> None:
    with pytest.raises(ValidationError) as info:
        await update("sync", invoice_id, tax_id="x")
    assert info.value.field == "invoice_id"
    assert httpx_mock.get_requests() == []


ANY_KEEP: Any = Keep  # untyped callers: mypy already refuses these at type-check time
ANY_ADD: Any = Add


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ANY_KEEP("a", target="customer"), "target"),
        (lambda: ANY_KEEP(""), "attachment_id"),
        (lambda: ANY_KEEP(7), "attachment_id"),
        (lambda: ANY_ADD(PDF, target="Invoice"), "target"),
        (lambda: ANY_ADD(3.5), "file"),
    ],
)
def test_keep_and_add_check_themselves(build: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()
    assert info.value.field == field


def test_unknown_field_in_builder_is_refused() -> None:
    """The builder has the public signature: a keyword that is not a field is refused as Python refuses it."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'pdf_attachments_config'"):
        update_call(INVOICE, pdf_attachments_config="[]")  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_limits_are_inclusive(httpx_mock: HTTPXMock) -> None:
    """Exactly at each documented limit is fine."""
    ok(httpx_mock)
    await update(
        "sync",
        company_name="c" * 255,
        tax_id="t" * 255,
        invoice_memo="m" * 2000,
        reason_for_updating="r" * 500,
        idempotency_key="k" * 255,
    )
    sent = dict(fields_of(only_request(httpx_mock)))
    assert [len(sent[f]) for f in ("company_name", "tax_id", "invoice_memo", "reason_for_updating")] == [
        255,
        255,
        2000,
        500,
    ]


# -- safety: nothing lost, nothing sent twice ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "safety"),
    [
        ({"tax_id": "x", "idempotency_key": None}, Safety.IDEMPOTENT),
        ({"tax_id": "x", "send_invoice": False, "idempotency_key": None}, Safety.IDEMPOTENT),
        ({"attachments": [Add(PDF)], "idempotency_key": None}, Safety.IDEMPOTENT),
        ({"send_invoice": True, "idempotency_key": None}, Safety.UNSAFE),
        ({"send_invoice": True, "idempotency_key": "k"}, Safety.IDEMPOTENT_WITH_KEY),
        ({"tax_id": "x", "idempotency_key": "k"}, Safety.IDEMPOTENT_WITH_KEY),
    ],
)
def test_safety_class(kw: dict[str, Any], safety: Safety) -> None:
    call = update_call(INVOICE, **kw)
    assert call.safety is safety
    assert call.headers == ({IDEM_HEADER: "k"} if kw["idempotency_key"] else {})
    assert call.idempotency_key == kw["idempotency_key"]


@pytest.mark.parametrize("kw", [{"tax_id": "x"}, {"send_invoice": True}, {"attachments": [Add(PDF)]}])
def test_key_generated_per_call_when_none_given(kw: dict[str, Any]) -> None:
    """No key given: each logical call gets its own UUID, which makes send_invoice=True retryable."""
    first, second = update_call(INVOICE, **kw), update_call(INVOICE, **kw)
    assert first.safety is second.safety is Safety.IDEMPOTENT_WITH_KEY
    assert first.idempotency_key != second.idempotency_key
    for call in (first, second):
        assert call.idempotency_key is not None
        assert call.headers == {IDEM_HEADER: call.idempotency_key}
        assert uuid.UUID(call.idempotency_key).version == 4


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_generated_key_reused_across_retries_and_shown(kind: str, httpx_mock: HTTPXMock) -> None:
    """send_invoice=True without a key: dropped, 503, then 200 -> three identical requests under one
    generated key, and the result names that key.
    """
    httpx_mock.add_exception(httpx.RemoteProtocolError("dropped"), method="PATCH")
    httpx_mock.add_response(method="PATCH", status_code=503, json={"detail": "busy"})
    ok(httpx_mock)
    result = await update(kind, send_invoice=True, invoice_memo="m", attachments=[Add(PDF)])
    requests = httpx_mock.get_requests()
    assert len(requests) == 3
    assert {r.headers[IDEM_HEADER] for r in requests} == {result.idempotency_key}
    assert len({r.content for r in requests}) == 1
    assert result.idempotency_key is not None
    assert str(uuid.UUID(result.idempotency_key)) == result.idempotency_key


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_key_on_transport_error_resends_same_bytes(kind: str, httpx_mock: HTTPXMock) -> None:
    """Retries exhausted: the TransportError names the key; resending under it sends the very same bytes
    (the multipart boundary derives from the key), so Salesbricks can replay its stored answer.
    """
    for _ in range(3):
        httpx_mock.add_exception(httpx.ReadTimeout("timed out"), method="PATCH")
    retry = RetryPolicy(attempts=3, initial=0, jitter=False)
    with pytest.raises(TransportError) as info:
        await update(kind, send_invoice=True, invoice_memo="m", retry=retry)
    assert not isinstance(info.value, OutcomeUnknownError)
    key = info.value.idempotency_key
    assert key is not None
    ok(httpx_mock)
    result = await update(kind, send_invoice=True, invoice_memo="m", idempotency_key=key)
    requests = httpx_mock.get_requests()
    assert result.idempotency_key == key
    assert {r.headers[IDEM_HEADER] for r in requests} == {key}
    assert len({r.content for r in requests}) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
        httpx.WriteError("broken pipe"),
        503,
        500,
    ],
    ids=["dropped", "read-timeout", "write-error", "503", "500"],
)
async def test_send_without_key_is_never_resent(kind: str, failure: Any, httpx_mock: HTTPXMock) -> None:
    """send_invoice=True, no key: a may-have-run failure raises OutcomeUnknownError after ONE request."""
    if isinstance(failure, int):
        httpx_mock.add_response(method="PATCH", status_code=failure, json={"detail": "oops"})
    else:
        httpx_mock.add_exception(failure, method="PATCH")
    with pytest.raises(OutcomeUnknownError) as info:
        await update(kind, send_invoice=True, invoice_memo="m", idempotency_key=None)
    assert info.value.idempotency_key is None
    assert len(httpx_mock.get_requests()) == 1
    assert info.value.attempts == 1
    assert info.value.status_code == (failure if isinstance(failure, int) else None)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_send_without_key_is_retried_when_it_never_left(kind: str, httpx_mock: HTTPXMock) -> None:
    """A refused connection means nothing reached Salesbricks: retried even for an unsafe call."""
    httpx_mock.add_exception(httpx.ConnectError("refused"), method="PATCH")
    ok(httpx_mock)
    result = await update(kind, send_invoice=True)
    assert result.invoice_id == INVOICE
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_send_with_key_retries_under_the_same_key(kind: str, httpx_mock: HTTPXMock) -> None:
    """With an idempotency key: dropped, 503, then 200 -> three identical requests (key, boundary, bytes)."""
    httpx_mock.add_exception(httpx.RemoteProtocolError("dropped"), method="PATCH")
    httpx_mock.add_response(method="PATCH", status_code=503, json={"detail": "busy"})
    ok(httpx_mock)
    result = await update(
        kind, send_invoice=True, idempotency_key="op-1", attachments=[Add(PDF)], invoice_memo="m"
    )
    assert result.signed_pdf_url == ANSWER["signed_pdf_url"]
    requests = httpx_mock.get_requests()
    assert len(requests) == 3
    assert {r.headers[IDEM_HEADER] for r in requests} == {"op-1"}
    assert len({r.headers["content-type"] for r in requests}) == 1
    assert len({r.content for r in requests}) == 1
    assert ("send_invoice", "true") in fields_of(requests[0])


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_plain_update_is_retried(kind: str, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    """Without send_invoice the update is idempotent: a 503 and a read timeout are retried, files re-read."""
    path = tmp_path / "sow.pdf"
    path.write_bytes(PDF)
    httpx_mock.add_response(method="PATCH", status_code=503)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), method="PATCH")
    ok(httpx_mock)
    await update(kind, attachments=[Keep("a1"), Add(path)])
    requests = httpx_mock.get_requests()
    assert len(requests) == 3
    assert all(files_of(r) == [("pdf_attachments", "sow.pdf", "application/pdf", PDF)] for r in requests)
    assert len({r.content for r in requests}) == 1


# -- answers -------------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_result_is_read_and_unknown_fields_kept(kind: str, httpx_mock: HTTPXMock) -> None:
    answer = {
        **ANSWER,
        "invoice_number": "INV-0042",
        "attachments": [
            {**ANSWER["attachments"][0], "size": 1234},
            {
                "attachment_id": "a2",
                "target": "invoice",
                "file_name": "sow.pdf",
                "created_at": "2024-01-02T03:04:05+02:00",
            },
        ],
    }
    httpx_mock.add_response(method="PATCH", json=answer)
    result = await update(kind, tax_id="x")
    assert result.invoice_id == INVOICE
    assert result.signed_pdf_url == "https://files.example/inv.pdf?sig=1"
    assert result.extra == {"invoice_number": "INV-0042"}
    first, second = result.attachments
    assert first.attachment_id == "9d1e0000-0000-4000-8000-000000000001"
    assert first.target == "subscription"
    assert first.file_name == "terms.pdf"
    assert first.created_at == dt.datetime(2023, 11, 7, 5, 31, 56, tzinfo=dt.timezone.utc)
    assert first.extra == {"size": 1234}
    assert second.created_at == dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=dt.timezone.utc)
    assert second.extra == {}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content",
    [
        b"<html><title>Gateway</title></html>",
        b"",
        b'{"attachments": "nope"}',
        b'{"attachments": [{"created_at": "yesterday"}]}',
        b"{}",
        b'{"signed_pdf_url": "https://files.example.invalid/x.pdf", "attachments": []}',
    ],
)
async def test_unreadable_answer_is_a_decode_error(content: bytes, httpx_mock: HTTPXMock) -> None:
    """An answer that is not JSON, or lacks the invoice id, is a DecodeError, never a silent success."""
    httpx_mock.add_response(method="PATCH", content=content)
    with pytest.raises(DecodeError):
        await update("sync", tax_id="x")
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "errors"),
    [
        (
            400,
            {
                "company_name": ["Ensure this field has no more than 255 characters."],
                "accounts_payable_emails": {"1": ["Enter a valid email address."]},
            },
            BadRequestError,
            "company_name: Ensure this field has no more than 255 characters.; "
            "accounts_payable_emails.1: Enter a valid email address.",
            {
                "company_name": ["Ensure this field has no more than 255 characters."],
                "accounts_payable_emails.1": ["Enter a valid email address."],
            },
        ),
        (
            400,
            {"pdf_attachments_config": [{}, {"target": ['"customer" is not a valid choice.']}]},
            BadRequestError,
            'pdf_attachments_config[1].target: "customer" is not a valid choice.',
            {"pdf_attachments_config[1].target": ['"customer" is not a valid choice.']},
        ),
        (
            400,
            {"non_field_errors": ["Give attachments or files."]},
            BadRequestError,
            "Give attachments or files.",
            {"non_field_errors": ["Give attachments or files."]},
        ),
        (
            400,
            ["Invoice is void."],
            BadRequestError,
            "Invoice is void.",
            {"non_field_errors": ["Invoice is void."]},
        ),
        (
            400,
            {"detail": "Idempotency key reused with a different payload."},
            BadRequestError,
            "Idempotency key reused with a different payload.",
            {},
        ),
        (401, {"detail": "Invalid API key."}, AuthenticationError, "Invalid API key.", {}),
        (
            403,
            {"detail": "You do not have permission to perform this action."},
            PermissionDeniedError,
            "You do not have permission to perform this action.",
            {},
        ),
        (404, {"detail": "Not found."}, NotFoundError, "Not found.", {}),
        (
            409,
            {"detail": "A request with this key is in progress."},
            ConflictError,
            "A request with this key is in progress.",
            {},
        ),
        (
            422,
            {"due_at": ["Date has wrong format."]},
            BadRequestError,
            "due_at: Date has wrong format.",
            {"due_at": ["Date has wrong format."]},
        ),
        (400, {}, BadRequestError, "HTTP 400 with no message", {}),
    ],
)
async def test_error_mapping(
    kind: str,
    status: int,
    body: Any,
    cls: type[Exception],
    message: str,
    errors: dict[str, list[str]],
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(method="PATCH", status_code=status, json=body)
    with pytest.raises(cls) as info:
        await update(kind, tax_id="x")
    error: Any = info.value
    assert error.status_code == status
    assert error.provider == "salesbricks"
    assert error.message == message
    assert error.errors == errors
    assert error.body == body
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_rate_limit_then_server_error(httpx_mock: HTTPXMock) -> None:
    """429 is retried after Retry-After; a 5xx that persists on an idempotent call ends as ServerError."""
    httpx_mock.add_response(
        method="PATCH", status_code=429, headers={"Retry-After": "0"}, json={"detail": "Slow"}
    )
    httpx_mock.add_response(
        method="PATCH", status_code=502, text="<html><title>Bad gateway</title></html>", is_reusable=True
    )
    with pytest.raises(ServerError) as info:
        await update("sync", tax_id="x")
    assert "HTML page (Bad gateway)" in info.value.message
    assert len(httpx_mock.get_requests()) == 1 + FAST.attempts


@pytest.mark.anyio
async def test_rate_limit_gives_up_with_retry_after(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="PATCH",
        status_code=429,
        headers={"Retry-After": "3600"},
        json={"detail": "Request was throttled."},
    )
    with pytest.raises(RateLimitError) as info:
        await update("sync", tax_id="x")
    assert info.value.retry_after == 3600
    assert info.value.message == "Request was throttled."


def test_read_error_on_text() -> None:
    assert read_error(500, "Internal Server Error").message == "Internal Server Error"
    assert read_error(500, None).message == "HTTP 500 with no message"
    assert read_error(400, {"detail": "Bad", "code": "x"}) == read_error(400, {"detail": "Bad"})
    assert read_error(400, {"detail": "Bad"}).message == "Bad"
    assert read_error(400, {"detail": "Bad"}).errors == {}
    assert read_error(400, {"detail": ["Bad", "worse"]}).errors == {"detail": ["Bad", "worse"]}
    assert read_error(400, {"detail": "Bad", "tax_id": ["Too long."]}).message == "Bad; tax_id: Too long."


# -- shape ---------------------------------------------------------------------------------------------------


def test_sync_and_async_signatures_match() -> None:
    sync = inspect.signature(Salesbricks(KEY).invoices.update)
    asyn = inspect.signature(AsyncSalesbricks(KEY).invoices.update)
    assert sync == asyn
    sync_init = inspect.signature(Salesbricks.__init__).parameters
    async_init = inspect.signature(AsyncSalesbricks.__init__).parameters
    assert list(sync_init) == list(async_init)


def test_exports() -> None:
    assert salesbricks.__all__ == sorted(salesbricks.__all__)
    assert {"Add", "Keep", "InvoiceUpdateResult", "Attachment", "Salesbricks", "AsyncSalesbricks"} <= set(
        salesbricks.__all__
    )


# -- properties ----------------------------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=300)


def _sent(call: Any) -> list[tuple[str, str]]:
    with ExitStack() as stack:
        request = build_request(
            call,
            base_url=BASE,
            headers={},
            boundary="b0undary",
            stack=stack,
            timeout=httpx.Timeout(1),
        )
        body = request.read()
    return [
        (p.name, p.text) for p in parse_multipart(request.headers["content-type"], body) if not p.filename
    ]


@given(company=_text, memo=_text, tax=_text, reason=_text)
@settings(max_examples=150)
def test_any_text_round_trips_or_is_refused(company: str, memo: str, tax: str, reason: str) -> None:
    """Any text within the limits arrives byte for byte; over a limit it is refused before the wire."""
    values: dict[str, Any] = {
        "company_name": company,
        "invoice_memo": memo,
        "tax_id": tax,
        "reason_for_updating": reason,
    }
    limits = {"company_name": 255, "invoice_memo": 2000, "tax_id": 255, "reason_for_updating": 500}
    over = [f for f, v in values.items() if len(v) > limits[f]]
    if over:
        with pytest.raises(ValidationError) as info:
            update_call(INVOICE, **values)
        assert info.value.field in over
        return
    assert _sent(update_call(INVOICE, **values)) == list(values.items())


@given(
    items=st.lists(
        st.one_of(
            st.builds(Keep, st.uuids().map(str), st.sampled_from(["invoice", "subscription"])),
            st.builds(
                Add,
                st.binary(max_size=20).map(lambda b: b"%PDF-" + b),
                st.sampled_from(["invoice", "subscription"]),
            ),
        ),
        max_size=8,
        unique_by=lambda i: i.attachment_id if isinstance(i, Keep) else id(i),
    )
)
@settings(max_examples=100)
def test_attachment_config_indexes_files_in_order(items: list[Keep | Add]) -> None:
    """new_file_index counts the Add items in order; the config keeps the list's order and targets."""
    call = update_call(INVOICE, attachments=items)
    ((name, config_text),) = _sent(call)
    assert name == "pdf_attachments_config"
    config = json.loads(config_text)
    adds = [i for i in items if isinstance(i, Add)]
    assert [f for _, f, _ in call.body.files] == [a.file for a in adds]  # type: ignore[union-attr]
    next_index = 0
    for item, entry in zip(items, config, strict=True):
        assert entry["target"] == item.target
        if isinstance(item, Keep):
            assert entry == {"attachment_id": item.attachment_id, "target": item.target}
        else:
            assert entry == {"new_file_index": next_index, "target": item.target}
            next_index += 1
