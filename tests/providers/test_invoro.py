"""Invoro wire tests: the exact request `update_draft` sends, the checks before it, how answers are read."""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import json
import pickle
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

import invoicekit
from invoicekit import (
    UNSET,
    APIError,
    AsyncInvoro,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    File,
    Invoro,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    ValidationError,
    invoro,
)
from invoicekit._call import JsonStream, Safety
from invoicekit.invoro import _rules as invoro_rules
from invoicekit.invoro._answers import parse_invoice
from invoicekit.invoro._client import update_draft_call

KEY = "ak_test_" + "f" * 56
ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
URL = f"https://api.invoro.eu/invoice-api/invoices/{ID}"
ENTITY = "0f3e8c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"
FAST = RetryPolicy(initial=0, jitter=False)
KINDS = ["sync", "async"]

ANSWER_INVOICE: dict[str, Any] = {
    "id": ID,
    "company_id": "5b0c1f4e-2d3a-4c5b-8e9f-0a1b2c3d4e5f",
    "user_id": None,
    "status": "draft",
    "direction": "outgoing",
    "total": 17969,
    "currency": "EUR",
    "ubl_version": "2.1",
    "invoice_data": {"header": {"invoice_number": "INV-2025-0042"}},
    "metadata": {"history": []},
    "network": "peppol",
    "business_entity_id": ENTITY,
    "created_at": "2025-10-19T08:00:00Z",
    "updated_at": "2025-10-20T09:30:00+00:00",
    "deleted_at": None,
    "is_test": True,
}


def ok(data: Any = None) -> dict[str, Any]:
    return {
        "success": True,
        "data": ANSWER_INVOICE if data is None else data,
        "message": "Invoice updated successfully.",
        "errors": None,
    }


def fail(message: str, errors: Any = None) -> dict[str, Any]:
    return {"success": False, "data": None, "message": message, "errors": errors}


async def update(kind: str, invoice: Any, *, invoice_id: Any = ID, **kw: Any) -> invoro.Invoice:
    """Run one update through the sync or the async client (test key, no sleeping)."""
    options: dict[str, Any] = {"retry": FAST}
    for name in ("auth_scheme", "base_url", "retry", "sandbox"):
        if name in kw:
            options[name] = kw.pop(name)
    if kind == "sync":
        with Invoro(KEY, **options) as client:
            send: Callable[..., invoro.Invoice] = client.invoices.update_draft
            return send(invoice_id, invoice, **kw)
    async with AsyncInvoro(KEY, **options) as aclient:
        asend: Callable[..., Awaitable[invoro.Invoice]] = aclient.invoices.update_draft
        return await asend(invoice_id, invoice, **kw)


def only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    requests = httpx_mock.get_requests()
    assert len(requests) == 1
    return requests[0]


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content, parse_float=Decimal)


def full_draft(attachment: Any = PDF) -> invoro.DraftInvoice:
    """A draft using every model, with totals that add up."""
    return invoro.DraftInvoice(
        business_entity_id=ENTITY,
        related_invoice_id=None,
        header=invoro.Header(
            specification="urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            business_process="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
            invoice_number="INV-2025-0042",
            invoice_type_code="380",
            document_type="invoice",
            issue_date=dt.date(2025, 10, 19),
            due_date=dt.datetime(2025, 11, 18, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            tax_point_date=None,
            currency="EUR",
            buyer_reference="PO-778",
            rounding_amount=Decimal("-0.01"),
            notes=["Thank you", "Net 30"],
            invoice_period=invoro.InvoicePeriod(
                start_date=dt.date(2025, 10, 1), end_date=dt.date(2025, 10, 31), description="October"
            ),
            extra_fields={"order_reference": "SO-12"},
        ),
        seller=invoro.Party(
            endpoint_id=invoro.Identifier("0208", "0123456789"),
            identifiers=[invoro.Identifier("0088", "5400000000001")],
            name="Acme BV",
            legal_name="Acme Belgium BV",
            company_id=invoro.Identifier("0208", "0123456789"),
            vat_number="BE0123456789",
            address=invoro.Address(
                street="Rue Haute 1", city="Brussels", postal_code="1000", country_code="BE"
            ),
        ),
        buyer=invoro.Party(
            endpoint_id=invoro.Identifier("0106", "12345678"),
            name="Buyer NV",
            address=invoro.Address(street="Damrak 2", additional_line=None, country_code="NL"),
            extra_fields={"contact": {"email": "ap@buyer.example"}},
        ),
        lines=[
            invoro.Line(
                id="1",
                name="Support hours",
                quantity=Decimal("3"),
                unit_code="HUR",
                price=Decimal("49.50"),
                line_total=Decimal("148.50"),
                identifiers=[invoro.Identifier("0160", "1234567890128")],
                classifications=[invoro.Identifier("STI", "81112200")],
                attributes=[invoro.ItemAttribute(name="Tier", value="Gold")],
                extra_fields={"vat": {"category": "S", "percent": Decimal("21")}},
            ),
            invoro.Line(
                id="2",
                name="Licence",
                quantity=Decimal("1.5"),
                price=Decimal("10.01"),
                line_total=Decimal("14.02"),
                allowances=[invoro.AllowanceCharge(amount=Decimal("2.00"), reason="Loyalty")],
                charges=[invoro.AllowanceCharge(amount=1, reason_code="FC")],
            ),
            invoro.Line(
                id="3",
                name="Paper",
                quantity=1000,
                price=Decimal("1.71"),
                base_quantity=100,
                line_total=Decimal("17.10"),
            ),
        ],
        totals=invoro.Totals(
            line_total=Decimal("179.62"), tax_exclusive=Decimal("179.62"), tax_inclusive=Decimal("217.34")
        ),
        payments=[invoro.Payment(means_code="58", account_id="BE71096123456769", payment_id="INV-2025-0042")],
        attachments=[invoro.Attachment(content=attachment, filename="timesheet.pdf", description="Hours")],
        extra_fields={"tax_totals": [{"category": "S", "percent": 21, "amount": 3772}]},
    )


FULL_WIRE: dict[str, Any] = {
    "header": {
        "specification": "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        "business_process": "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
        "invoice_number": "INV-2025-0042",
        "invoice_type_code": "380",
        "document_type": "invoice",
        "issue_date": "2025-10-19T00:00:00Z",
        "due_date": "2025-11-18T17:30:00+02:00",
        "tax_point_date": None,
        "currency": "EUR",
        "buyer_reference": "PO-778",
        "rounding_amount": -1,
        "notes": ["Thank you", "Net 30"],
        "invoice_period": {
            "start_date": "2025-10-01T00:00:00Z",
            "end_date": "2025-10-31T00:00:00Z",
            "description": "October",
        },
        "order_reference": "SO-12",
    },
    "seller": {
        "endpoint_id": {"scheme": "0208", "value": "0123456789"},
        "identifiers": [{"scheme": "0088", "value": "5400000000001"}],
        "name": "Acme BV",
        "legal_name": "Acme Belgium BV",
        "company_id": {"scheme": "0208", "value": "0123456789"},
        "vat_number": "BE0123456789",
        "address": {"street": "Rue Haute 1", "city": "Brussels", "postal_code": "1000", "country_code": "BE"},
    },
    "buyer": {
        "endpoint_id": {"scheme": "0106", "value": "12345678"},
        "name": "Buyer NV",
        "address": {"street": "Damrak 2", "additional_line": None, "country_code": "NL"},
        "contact": {"email": "ap@buyer.example"},
    },
    "items": [
        {
            "id": "1",
            "name": "Support hours",
            "quantity": 3,
            "unit_code": "HUR",
            "price": 4950,
            "line_total": 14850,
            "identifiers": [{"scheme": "0160", "value": "1234567890128"}],
            "classifications": [{"scheme": "STI", "value": "81112200"}],
            "attributes": [{"name": "Tier", "value": "Gold"}],
            "vat": {"category": "S", "percent": 21},
        },
        {
            "id": "2",
            "name": "Licence",
            "quantity": Decimal("1.5"),
            "price": 1001,
            "line_total": 1402,
            "allowances": [{"amount": 200, "reason": "Loyalty"}],
            "charges": [{"amount": 100, "reason_code": "FC"}],
        },
        {
            "id": "3",
            "name": "Paper",
            "quantity": 1000,
            "price": 171,
            "base_quantity": 100,
            "line_total": 1710,
        },
    ],
    "totals": {"line_total": 17962, "tax_exclusive": 17962, "tax_inclusive": 21734},
    "payments": [{"means_code": "58", "payment_id": "INV-2025-0042", "account_id": "BE71096123456769"}],
    "attachments": [
        {
            "content": base64.b64encode(PDF).decode(),
            "filename": "timesheet.pdf",
            "mime_type": "application/pdf",
            "description": "Hours",
        }
    ],
    "business_entity_id": ENTITY,
    "related_invoice_id": None,
    "tax_totals": [{"category": "S", "percent": 21, "amount": 3772}],
}


def wire_body(invoice: invoro.DraftInvoice, calculate_totals: Any = UNSET) -> Any:
    """The JSON text the core writes for a draft, parsed back (no HTTP)."""
    call = update_draft_call(ID, invoice, calculate_totals=calculate_totals)
    assert call.body is not None
    with ExitStack() as stack:
        raw = b"".join(JsonStream(call.body.value, stack))  # type: ignore[union-attr]
    return json.loads(raw, parse_float=Decimal)


# -- the request -----------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_full_draft_request(kind: str, httpx_mock: HTTPXMock) -> None:
    """PUT /invoice-api/invoices/{id}, Bearer key, JSON body with every field in cents and ISO timestamps."""
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    await update(kind, full_draft())
    request = only_request(httpx_mock)
    assert request.method == "PUT"
    assert str(request.url) == URL
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in request.headers
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert int(request.headers["content-length"]) == len(request.content)
    assert body_of(request) == FULL_WIRE
    assert list(body_of(request)) == list(FULL_WIRE)  # model order, extra fields last


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_answer_is_read_into_invoice(kind: str, httpx_mock: HTTPXMock) -> None:
    """The envelope's data becomes an invoro.Invoice: total from cents, timestamps, unknown keys kept."""
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    invoice = await update(kind, full_draft())
    assert invoice == invoro.Invoice(
        id=ID,
        company_id="5b0c1f4e-2d3a-4c5b-8e9f-0a1b2c3d4e5f",
        user_id=None,
        state="draft",
        direction="outgoing",
        total=Decimal("179.69"),
        currency="EUR",
        ubl_version="2.1",
        document={"header": {"invoice_number": "INV-2025-0042"}},
        metadata={"history": []},
        network="peppol",
        business_entity_id=ENTITY,
        created_at=dt.datetime(2025, 10, 19, 8, tzinfo=dt.timezone.utc),
        updated_at=dt.datetime(2025, 10, 20, 9, 30, tzinfo=dt.timezone.utc),
        deleted_at=None,
        extra={"is_test": True},
    )
    assert str(invoice.total) == "179.69"
    assert invoice.is_draft


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_x_api_key_scheme(kind: str, httpx_mock: HTTPXMock) -> None:
    """auth_scheme="x-api-key" sends the key in X-Api-Key and no Authorization header."""
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    await update(
        kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), auth_scheme="x-api-key"
    )
    request = only_request(httpx_mock)
    assert request.headers["x-api-key"] == KEY
    assert "authorization" not in request.headers
    assert body_of(request) == {"header": {"invoice_number": "INV-1"}}


@pytest.mark.parametrize("scheme", ["Bearer", "basic", "", None, "x_api_key"])
def test_unknown_auth_scheme_is_refused(scheme: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Invoro(KEY, auth_scheme=scheme)
    assert caught.value.field == "auth_scheme"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_key_from_environment(
    kind: str, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVORO_API_KEY", "ak_live_from_env_0123456789")
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    if kind == "sync":
        with Invoro() as client:
            client.invoices.update_draft(
                ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
            )
    else:
        async with AsyncInvoro() as aclient:
            await aclient.invoices.update_draft(
                ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
            )
    assert only_request(httpx_mock).headers["authorization"] == "Bearer ak_live_from_env_0123456789"


@pytest.mark.parametrize("cls", [Invoro, AsyncInvoro])
def test_missing_key_names_the_variable(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INVORO_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="INVORO_API_KEY") as caught:
        cls()
    assert caught.value.field == "api_key"


@pytest.mark.parametrize("cls", [Invoro, AsyncInvoro])
def test_no_sandbox_host(cls: type) -> None:
    """Invoro has one host; test keys are the sandbox, so sandbox=True is refused and says so."""
    with pytest.raises(ValidationError, match="ak_test_") as caught:
        cls(KEY, sandbox=True)
    assert caught.value.field == "sandbox"


@pytest.mark.anyio
async def test_base_url_override(httpx_mock: HTTPXMock) -> None:
    """base_url (e.g. Invoro's dev host) replaces the production URL, even with sandbox=True."""
    httpx_mock.add_response(
        method="PUT", url=f"https://api.dev.invoro.lu/invoice-api/invoices/{ID}", json=ok()
    )
    await update(
        "sync",
        invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")),
        base_url="https://api.dev.invoro.lu/invoice-api/",
        sandbox=True,
    )
    assert only_request(httpx_mock).url.host == "api.dev.invoro.lu"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_uuid_object_and_upper_case_id(kind: str, httpx_mock: HTTPXMock) -> None:
    """The id is sent as the canonical lower-case UUID, whether given as str or uuid.UUID."""
    httpx_mock.add_response(method="PUT", url=URL, json=ok(), is_reusable=True)
    await update(
        kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), invoice_id=uuid.UUID(ID)
    )
    await update(
        kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), invoice_id=ID.upper()
    )
    assert [r.url.raw_path for r in httpx_mock.get_requests()] == [f"/invoice-api/invoices/{ID}".encode()] * 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [True, False])
async def test_calculate_totals_is_a_body_field(kind: str, value: bool, httpx_mock: HTTPXMock) -> None:
    """calculate_totals goes first in the JSON body, never the query; UNSET leaves it out."""
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    await update(kind, full_draft(), calculate_totals=value)
    request = only_request(httpx_mock)
    assert request.url.query == b""
    assert body_of(request) == {"calculate_totals": value, **FULL_WIRE}
    assert next(iter(body_of(request))) == "calculate_totals"


def test_calculate_totals_unset_is_not_sent() -> None:
    assert "calculate_totals" not in wire_body(full_draft())


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_calculate_totals_skips_the_arithmetic(kind: str, httpx_mock: HTTPXMock) -> None:
    """With calculate_totals=True, totals Invoro will compute are not checked (nor needed)."""
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    draft = invoro.DraftInvoice(
        lines=[invoro.Line(quantity=2, price=Decimal("3.33"), line_total=Decimal("1.00"))],
        totals=invoro.Totals(line_total=Decimal("99.99")),
    )
    await update(kind, draft, calculate_totals=True)
    assert body_of(only_request(httpx_mock)) == {
        "calculate_totals": True,
        "items": [{"quantity": 2, "price": 333, "line_total": 100}],
        "totals": {"line_total": 9999},
    }


def test_none_is_null_and_unset_is_absent() -> None:
    """A nullable field set to None is sent as null; a field left UNSET is not sent at all."""
    body = wire_body(invoro.DraftInvoice(header=invoro.Header(invoice_number=None, buyer_reference="PO-1")))
    assert body == {"header": {"invoice_number": None, "buyer_reference": "PO-1"}}


def test_attachment_from_disk_and_file_object(tmp_path: Path) -> None:
    """A path sends its name; a File sends its content type; both as streamed base64."""
    path = tmp_path / "annex.pdf"
    path.write_bytes(PDF)
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    body = wire_body(
        invoro.DraftInvoice(
            attachments=[
                invoro.Attachment(content=path),
                invoro.Attachment(
                    content=File(png, content_type="image/png"), filename="chart.png", id="A-2"
                ),
                invoro.Attachment(content=PDF),
            ]
        )
    )
    assert body["attachments"] == [
        {"content": base64.b64encode(PDF).decode(), "filename": "annex.pdf", "mime_type": "application/pdf"},
        {
            "content": base64.b64encode(png).decode(),
            "filename": "chart.png",
            "mime_type": "image/png",
            "id": "A-2",
        },
        {
            "content": base64.b64encode(PDF).decode(),
            "filename": "attachment.pdf",
            "mime_type": "application/pdf",
        },
    ]


def test_update_is_idempotent() -> None:
    """A full PUT of a draft is safe to resend."""
    assert (
        update_draft_call(ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))).safety
        is Safety.IDEMPOTENT
    )
    assert (
        update_draft_call(
            ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), calculate_totals=True
        ).safety
        is Safety.IDEMPOTENT
    )


# -- money -----------------------------------------------------------------------------------------------

two_places = st.decimals(
    min_value=Decimal("-99999999999.99"), max_value=Decimal("99999999999.99"), places=2, allow_nan=False
)


@given(two_places)
@settings(max_examples=300)
def test_cents_round_trip_exactly(amount: Decimal) -> None:
    """Any Decimal with <= 2 places goes out as the exact integer of cents, and reads back equal."""
    body = wire_body(invoro.DraftInvoice(header=invoro.Header(rounding_amount=amount)))
    cents = body["header"]["rounding_amount"]
    assert type(cents) is int
    assert cents == amount * 100
    assert Decimal(cents).scaleb(-2) == amount
    read = parse_invoice({"success": True, "data": {"id": ID, "total": cents}})
    assert read.total == amount
    assert read.total.as_tuple().exponent == -2


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["1", "1.0", "1.00", "1.000"]))
def test_trailing_zeros_do_not_matter(units: int, one: str) -> None:
    """100, 100.0 and 100.000 are the same 10000 cents; the exponent of the Decimal never leaks."""
    body = wire_body(invoro.DraftInvoice(totals=invoro.Totals(tax_inclusive=units * Decimal(one))))
    assert body["totals"]["tax_inclusive"] == units * 100


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (invoro.DraftInvoice(lines=[invoro.Line(price=Decimal("1.005"))]), "invoice.lines[0].price"),
        (invoro.DraftInvoice(lines=[invoro.Line(price=1.5)]), "invoice.lines[0].price"),  # type: ignore[arg-type]
        (invoro.DraftInvoice(lines=[invoro.Line(price=Decimal("-1"))]), "invoice.lines[0].price"),
        (invoro.DraftInvoice(lines=[invoro.Line(line_total=Decimal("NaN"))]), "invoice.lines[0].line_total"),
        (invoro.DraftInvoice(totals=invoro.Totals(line_total=True)), "invoice.totals.line_total"),
        (
            invoro.DraftInvoice(header=invoro.Header(rounding_amount=Decimal("0.001"))),
            "invoice.header.rounding_amount",
        ),
        (
            invoro.DraftInvoice(
                lines=[invoro.Line(allowances=[invoro.AllowanceCharge(amount=Decimal("-2"))])]
            ),
            "invoice.lines[0].allowances[0].amount",
        ),
        (invoro.DraftInvoice(lines=[invoro.Line(quantity=0.5)]), "invoice.lines[0].quantity"),  # type: ignore[arg-type]
        (invoro.DraftInvoice(lines=[invoro.Line(base_quantity=0)]), "invoice.lines[0].base_quantity"),
    ],
)
async def test_bad_money_is_refused_before_sending(
    kind: str, draft: invoro.DraftInvoice, field: str, httpx_mock: HTTPXMock
) -> None:
    """Sub-cent amounts, floats, bools, NaN, negative prices fail with the field's path; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await update(kind, draft)
    assert caught.value.field == field
    assert httpx_mock.get_requests() == []


# -- line totals (BR-CO-10) ------------------------------------------------------------------------------


def _line(quantity: Any, price: str, total: str, **kw: Any) -> invoro.Line:
    return invoro.Line(quantity=Decimal(quantity), price=Decimal(price), line_total=Decimal(total), **kw)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("calculate", [UNSET, False])
async def test_the_line_that_is_off_is_named(kind: str, calculate: Any, httpx_mock: HTTPXMock) -> None:
    """Line 2 says 10.00 where 3 x 3.33 is 9.99: the error names invoice.lines[2].line_total."""
    draft = invoro.DraftInvoice(
        lines=[_line(1, "5.00", "5.00"), _line(2, "2.50", "5.00"), _line(3, "3.33", "10.00")],
        totals=invoro.Totals(line_total=Decimal("20.00")),
    )
    kw = {} if calculate is UNSET else {"calculate_totals": calculate}
    with pytest.raises(ValidationError) as caught:
        await update(kind, draft, **kw)
    assert caught.value.field == "invoice.lines[2].line_total"
    assert "9.99" in caught.value.rule
    assert httpx_mock.get_requests() == []


def test_document_total_must_be_the_sum() -> None:
    draft = invoro.DraftInvoice(
        lines=[_line(1, "5.00", "5.00"), _line(2, "2.50", "5.00")],
        totals=invoro.Totals(line_total=Decimal("10.01")),
    )
    with pytest.raises(ValidationError) as caught:
        update_draft_call(ID, draft)
    assert caught.value.field == "invoice.totals.line_total"
    assert "10.00" in caught.value.rule


def test_document_total_needs_every_line_total() -> None:
    draft = invoro.DraftInvoice(
        lines=[_line(1, "5.00", "5.00"), invoro.Line(quantity=1, price=Decimal(5))],
        totals=invoro.Totals(line_total=Decimal("10.00")),
    )
    with pytest.raises(ValidationError) as caught:
        update_draft_call(ID, draft)
    assert caught.value.field == "invoice.lines[1].line_total"


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        (_line("1.5", "10.01", "15.02"), True),  # 15.015 rounds half-up
        (_line("1.5", "10.01", "15.01"), False),
        (_line("0.333", "0.03", "0.01"), True),  # 0.00999 -> 0.01
        (_line("-2", "4.00", "-8.00"), True),  # a credited quantity
        (_line("-1.5", "10.01", "-15.02"), True),  # half-up is away from zero
        (_line(1000, "1.71", "17.10", base_quantity=100), True),
        (_line(1000, "1.71", "1710.00"), True),
        (
            _line(
                1,
                "10.00",
                "9.00",
                allowances=[invoro.AllowanceCharge(amount=2)],
                charges=[invoro.AllowanceCharge(amount=1)],
            ),
            True,
        ),
        (_line(1, "10.00", "10.00", allowances=[invoro.AllowanceCharge(amount=2)]), False),
    ],
)
def test_line_total_rule(line: invoro.Line, ok: bool) -> None:
    """line_total = quantity x price / base_quantity, half-up to the cent, - allowances + charges."""
    draft = invoro.DraftInvoice(lines=[line], totals=invoro.Totals(line_total=line.line_total))
    if ok:
        update_draft_call(ID, draft)
    else:
        with pytest.raises(ValidationError, match=r"invoice\.lines\[0\]\.line_total"):
            update_draft_call(ID, draft)


def test_lines_without_quantity_or_price_are_not_second_guessed() -> None:
    """A line total with no quantity or price to check it against is sent as given."""
    draft = invoro.DraftInvoice(lines=[invoro.Line(line_total=Decimal("3.00"))])
    assert wire_body(draft) == {"items": [{"line_total": 300}]}


quantities = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=3, allow_nan=False)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999.99"), places=2, allow_nan=False)


@given(st.lists(st.tuples(quantities, prices), min_size=1, max_size=8), st.data())
@settings(max_examples=150)
def test_consistent_drafts_pass_and_one_cent_off_is_named(
    pairs: list[tuple[Decimal, Decimal]], data: Any
) -> None:
    """Lines computed by the rule, summed exactly, pass; moving any one line by a cent names that line."""
    totals: list[Decimal] = []
    for q, p in pairs:
        expected = invoro.expected_line_total(invoro.Line(quantity=q, price=p))
        assert expected is not None
        totals.append(expected)
    lines = [invoro.Line(quantity=q, price=p, line_total=t) for (q, p), t in zip(pairs, totals, strict=True)]
    total = sum(totals, Decimal(0))
    body = wire_body(invoro.DraftInvoice(lines=lines, totals=invoro.Totals(line_total=total)))
    assert sum(item["line_total"] for item in body["items"]) == body["totals"]["line_total"] == total * 100
    off = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    bad = list(lines)
    q, p = pairs[off]
    bad[off] = invoro.Line(quantity=q, price=p, line_total=totals[off] + Decimal("0.01"))
    with pytest.raises(ValidationError) as caught:
        update_draft_call(ID, invoro.DraftInvoice(lines=bad, totals=invoro.Totals(line_total=total)))
    assert caught.value.field == f"invoice.lines[{off}].line_total"


def test_rounding_mode_is_one_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    """LINE_ROUNDING decides how quantity x price is rounded (half-up assumed)."""
    from decimal import ROUND_HALF_EVEN

    line = invoro.Line(quantity=Decimal("0.5"), price=Decimal("0.05"))  # 0.025
    assert invoro.expected_line_total(line) == Decimal("0.03")
    monkeypatch.setattr(invoro_rules, "LINE_ROUNDING", ROUND_HALF_EVEN)
    assert invoro.expected_line_total(line) == Decimal("0.02")


# -- every other bad input: ValidationError, zero requests -------------------------------------------------

naive = dt.datetime(2025, 1, 1, 12)  # no tzinfo: the point of the test
BAD_INPUT: list[tuple[Any, Any, str]] = [
    ("not-a-uuid", invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), "invoice_id"),
    ("", invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), "invoice_id"),
    (f"{ID}/../x", invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), "invoice_id"),
    (42, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), "invoice_id"),
    (ID, {"header": {}}, "invoice"),
    (ID, invoro.DraftInvoice(header=invoro.Header(currency="eur")), "invoice.header.currency"),
    (ID, invoro.DraftInvoice(header=invoro.Header(currency="EURO")), "invoice.header.currency"),
    (ID, invoro.DraftInvoice(header=invoro.Header(vat_currency="E1R")), "invoice.header.vat_currency"),
    (
        ID,
        invoro.DraftInvoice(header=invoro.Header(invoice_number="x" * 256)),
        "invoice.header.invoice_number",
    ),
    (ID, invoro.DraftInvoice(header=invoro.Header(specification="x" * 501)), "invoice.header.specification"),
    (
        ID,
        invoro.DraftInvoice(header=invoro.Header(invoice_type_code="38000000000")),
        "invoice.header.invoice_type_code",
    ),
    (ID, invoro.DraftInvoice(header=invoro.Header(issue_date=naive)), "invoice.header.issue_date"),
    (ID, invoro.DraftInvoice(header=invoro.Header(due_date="2025-01-01")), "invoice.header.due_date"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(header=invoro.Header(document_type=None)), "invoice.header.document_type"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(header=invoro.Header(invoice_period=None)), "invoice.header.invoice_period"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(header=invoro.Header(notes="one note")), "invoice.header.notes"),
    (ID, invoro.DraftInvoice(header=invoro.Header(notes=["ok", 3])), "invoice.header.notes[1]"),  # type: ignore[list-item]
    (
        ID,
        invoro.DraftInvoice(header=invoro.Header(document_type="credit_note", invoice_type_code="380")),
        "invoice.header.invoice_type_code",
    ),
    (
        ID,
        invoro.DraftInvoice(
            header=invoro.Header(document_type="xrechnung_ubl_invoice", invoice_type_code="381")
        ),
        "invoice.header.invoice_type_code",
    ),
    (ID, invoro.DraftInvoice(seller={"name": "Acme"}), "invoice.seller"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(buyer=None), "invoice.buyer"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(seller=invoro.Party(vat_number="B" * 51)), "invoice.seller.vat_number"),
    (
        ID,
        invoro.DraftInvoice(seller=invoro.Party(endpoint_id=invoro.Identifier("01234567890", "x"))),
        "invoice.seller.endpoint_id.scheme",
    ),
    (
        ID,
        invoro.DraftInvoice(seller=invoro.Party(identifiers=[invoro.Identifier("0088", UNSET)])),  # type: ignore[arg-type]
        "invoice.seller.identifiers[0].value",
    ),
    (
        ID,
        invoro.DraftInvoice(seller=invoro.Party(address=invoro.Address(country_code="BEL"))),
        "invoice.seller.address.country_code",
    ),
    (ID, invoro.DraftInvoice(lines=None), "invoice.lines"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(lines=invoro.Line()), "invoice.lines"),  # type: ignore[arg-type]
    (ID, invoro.DraftInvoice(lines=[invoro.Line(), "x"]), "invoice.lines[1]"),  # type: ignore[list-item]
    (ID, invoro.DraftInvoice(business_entity_id="acme"), "invoice.business_entity_id"),
    (ID, invoro.DraftInvoice(related_invoice_id="0f3e"), "invoice.related_invoice_id"),
    (ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="a\0b")), "invoice.header.invoice_number"),
    (ID, invoro.DraftInvoice(attachments=[invoro.Attachment(content=b"")]), "invoice.attachments[0].content"),
    (
        ID,
        invoro.DraftInvoice(attachments=[invoro.Attachment(content=b"<html>")]),
        "invoice.attachments[0].content",
    ),
    (
        ID,
        invoro.DraftInvoice(attachments=[invoro.Attachment(content=b"%PDF-1", filename=None)]),  # type: ignore[arg-type]
        "invoice.attachments[0].filename",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("invoice_id", "draft", "field"), BAD_INPUT)
async def test_bad_input_fails_before_any_request(
    kind: str, invoice_id: Any, draft: Any, field: str, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValidationError) as caught:
        await update(kind, draft, invoice_id=invoice_id)
    assert caught.value.field == field
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("invoice_id", ["not-a-uuid", "", f"{ID}/../x", 42, ID[:-1] + "g"])
async def test_a_non_uuid_id_is_a_validation_error_with_nothing_chained(
    kind: str, invoice_id: Any, httpx_mock: HTTPXMock
) -> None:
    """The ValidationError kept uuid's own ValueError as ``__context__`` (``from None`` only hides it)."""
    with pytest.raises(ValidationError) as caught:
        await update(
            kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), invoice_id=invoice_id
        )
    assert caught.value.field == "invoice_id"
    assert caught.value.rule == f"{invoice_id!r} is not a UUID"
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert pickle.loads(pickle.dumps(caught.value)).rule == caught.value.rule  # noqa: S301 - our own bytes
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_calculate_totals_must_be_a_bool(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        update_draft_call(
            ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")), calculate_totals=value
        )
    assert caught.value.field == "calculate_totals"


def test_missing_attachment_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        update_draft_call(
            ID, invoro.DraftInvoice(attachments=[invoro.Attachment(content=tmp_path / "nope.pdf")])
        )
    assert caught.value.field == "invoice.attachments[0].content"


def test_attachment_content_must_be_a_file_source() -> None:
    with pytest.raises(ValidationError) as caught:
        invoro.Attachment(content=42)  # type: ignore[arg-type]
    assert caught.value.field == "content"


def test_a_one_shot_stream_cannot_be_embedded() -> None:
    from support import OneShot

    with pytest.raises(ValidationError, match="one-shot") as caught:
        update_draft_call(
            ID, invoro.DraftInvoice(attachments=[invoro.Attachment(content=cast(Any, OneShot(PDF)))])
        )
    assert caught.value.field == "invoice.attachments[0].content"


def test_non_pdf_attachment_needs_its_mime_type() -> None:
    """A PNG declared as image/png is fine; the same bytes declared as the default PDF are refused."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(10)
    update_draft_call(
        ID, invoro.DraftInvoice(attachments=[invoro.Attachment(content=png, mime_type="image/png")])
    )
    with pytest.raises(ValidationError, match="PDF"):
        update_draft_call(ID, invoro.DraftInvoice(attachments=[invoro.Attachment(content=png)]))


# -- extra fields ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (
            invoro.DraftInvoice(header=invoro.Header(extra_fields={"currency": "EUR"})),
            "invoice.header.extra_fields['currency']",
        ),
        (invoro.DraftInvoice(extra_fields={"items": []}), "invoice.extra_fields['items']"),
        (
            invoro.DraftInvoice(extra_fields={"calculate_totals": True}),
            "invoice.extra_fields['calculate_totals']",
        ),
        (
            invoro.DraftInvoice(lines=[invoro.Line(extra_fields={"line_total": 5})]),
            "invoice.lines[0].extra_fields['line_total']",
        ),
        (invoro.DraftInvoice(extra_fields={"rate": 0.21}), "invoice.extra_fields['rate']"),
        (invoro.DraftInvoice(extra_fields={"deep": {"x": [1, 2.5]}}), "invoice.extra_fields['deep']['x'][1]"),
        (invoro.DraftInvoice(extra_fields={"when": dt.date(2025, 1, 1)}), "invoice.extra_fields['when']"),
        (invoro.DraftInvoice(extra_fields={"": 1}), "invoice.extra_fields"),
        (invoro.DraftInvoice(extra_fields=[("a", 1)]), "invoice.extra_fields"),  # type: ignore[arg-type]
        (
            invoro.DraftInvoice(payments=[invoro.Payment(means_code="30")], extra_fields={"payment": {}}),
            "invoice.extra_fields['payment']",
        ),
    ],
)
def test_extra_fields_are_checked(draft: invoro.DraftInvoice, field: str) -> None:
    """Extra keys may not shadow a modelled field (or calculate_totals), and must be exact JSON data."""
    with pytest.raises(ValidationError) as caught:
        update_draft_call(ID, draft)
    assert caught.value.field == field


def test_extra_fields_pass_through_with_decimals_and_files() -> None:
    """Unknown provider fields are merged into their object; Decimals stay exact, Files become base64."""
    body = wire_body(
        invoro.DraftInvoice(
            extra_fields={"payment": {"means_code": "30"}, "ratio": Decimal("0.125"), "blob": File(b"xyz")},
            lines=[invoro.Line(name="a", extra_fields={"note": None, "tags": ("x", "y")})],
        )
    )
    assert body == {
        "items": [{"name": "a", "note": None, "tags": ["x", "y"]}],
        "payment": {"means_code": "30"},
        "ratio": Decimal("0.125"),
        "blob": base64.b64encode(b"xyz").decode(),
    }


# -- answers -----------------------------------------------------------------------------------------------

ERRORS = {"header.currency": ["The header.currency field must be 3 characters."], "items.0.price": ["Bad."]}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "body", "error", "errors"),
    [
        (200, fail("Validation failed", ERRORS), BadRequestError, ERRORS),
        (200, fail("Invoice is not in draft state."), ConflictError, {}),
        (200, fail("Invoice not found or does not belong to your company."), NotFoundError, {}),
        (422, fail("Invoice is not in draft state."), ConflictError, {}),
        (400, fail("Only draft invoices can be updated."), ConflictError, {}),
        (409, fail("Conflict"), ConflictError, {}),
        (422, fail("The given data was invalid.", ERRORS), BadRequestError, ERRORS),
        (422, fail("API key not associated with a company."), PermissionDeniedError, {}),
        (404, fail("Invoice not found."), NotFoundError, {}),
        (401, fail("Unauthenticated."), AuthenticationError, {}),
        (403, fail("Missing scope invoice:create."), PermissionDeniedError, {}),
        (
            422,
            {"message": "The given data was invalid.", "errors": {"header": "must be an object"}},
            BadRequestError,
            {"header": ["must be an object"]},
        ),
    ],
)
async def test_error_envelopes(
    kind: str,
    status: int,
    body: Any,
    error: type[Exception],
    errors: dict[str, list[str]],
    httpx_mock: HTTPXMock,
) -> None:
    """success:false (even with HTTP 200) and 4xx answers raise the class of their meaning, with .errors."""
    httpx_mock.add_response(method="PUT", url=URL, status_code=status, json=body)
    with pytest.raises(error) as caught:
        await update(kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")))
    raised = caught.value
    assert isinstance(raised, APIError)
    assert type(raised) is error
    assert raised.status_code == status
    assert raised.message == body["message"]
    assert raised.errors == errors
    assert raised.provider == "invoro"
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_error_without_envelope(httpx_mock: HTTPXMock) -> None:
    """A proxy's HTML page is named as such."""
    httpx_mock.add_response(
        method="PUT", url=URL, status_code=404, text="<html><title>Not Found</title></html>"
    )
    with pytest.raises(NotFoundError, match="HTML page"):
        await update("sync", invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")))


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_server_error_is_retried_then_raised(kind: str, httpx_mock: HTTPXMock) -> None:
    """A full PUT is idempotent: 500s are retried (3 attempts by default), each sending the same bytes."""
    httpx_mock.add_response(
        method="PUT", url=URL, status_code=500, json=fail("Server error"), is_reusable=True
    )
    with pytest.raises(ServerError):
        await update(kind, full_draft())
    requests = httpx_mock.get_requests()
    assert len(requests) == 3
    assert len({r.content for r in requests}) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_timeout_then_success(kind: str, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    """A read timeout is retried; the attachment is read again from disk for the second attempt."""
    path = tmp_path / "annex.pdf"
    path.write_bytes(PDF)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), method="PUT", url=URL)
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    invoice = await update(kind, full_draft(path))
    assert invoice.id == ID
    first, second = httpx_mock.get_requests()
    assert body_of(first) == body_of(second) == FULL_WIRE


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_rate_limit_reset_header_is_honoured(kind: str, httpx_mock: HTTPXMock) -> None:
    """429 with only X-RateLimit-Reset (Invoro documents no Retry-After) waits that long, then retries."""
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"}
    httpx_mock.add_response(
        method="PUT", url=URL, status_code=429, headers=headers, json=fail("Too Many Attempts.")
    )
    httpx_mock.add_response(method="PUT", url=URL, json=ok())
    assert (await update(kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")))).id == ID
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_rate_limit_too_far_raises_with_retry_after(kind: str, httpx_mock: HTTPXMock) -> None:
    """A reset an hour away is not waited for: RateLimitError says how long."""
    import time

    reset = str(int(time.time()) + 3600)
    httpx_mock.add_response(
        method="PUT",
        url=URL,
        status_code=429,
        headers={"X-RateLimit-Reset": reset},
        json=fail("Too Many Attempts."),
    )
    with pytest.raises(RateLimitError) as caught:
        await update(kind, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")))
    assert caught.value.retry_after is not None
    assert 3500 < caught.value.retry_after <= 3600
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"OK", "not JSON"),
        (b'{"success": true, "data": null}', "not an invoice object"),
        (b'{"success": true, "data": {"id": "x", "total": 12.5}}', "integer cents"),
        (b'{"success": true, "data": {"id": "x", "total": "1250"}}', "integer cents"),
        (b'{"success": true, "data": {"id": "x", "created_at": "yesterday"}}', "Invoice"),
    ],
)
async def test_unreadable_answers(body: bytes, match: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PUT", url=URL, content=body)
    with pytest.raises(DecodeError, match=match):
        await update("sync", invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")))
    assert len(httpx_mock.get_requests()) == 1  # an answer is never retried


def test_other_property_names_are_read() -> None:
    """RESPONSE_KEYS: "state" and "total_amount" are read when "status" and "total" are absent."""
    read = parse_invoice({"success": True, "data": {"id": ID, "state": "approved", "total_amount": 1000}})
    assert (read.state, read.total, read.extra) == ("approved", Decimal("10.00"), {})
    bare = parse_invoice({"success": True, "data": {"id": ID, "status": "sent", "ksef_number": "X"}})
    assert (bare.state, bare.is_draft, bare.extra) == ("sent", False, {"ksef_number": "X"})


@pytest.mark.anyio
async def test_key_never_leaks(httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture) -> None:
    """An answer echoing the key is redacted in the error's message, body and repr; logs hold no key."""
    import logging

    caplog.set_level(logging.DEBUG, logger="invoicekit")
    httpx_mock.add_response(
        method="PUT",
        url=URL,
        status_code=401,
        json=fail(f"Bad key {KEY}", {"authorization": [f"Bearer {KEY}"]}),
    )
    with pytest.raises(AuthenticationError) as caught:
        await update("sync", invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1")))
    text = f"{caught.value} {caught.value!r} {caught.value.body} {caught.value.errors}"
    assert KEY not in text
    assert "***" in text
    assert KEY not in caplog.text
    client = Invoro(KEY)
    assert KEY not in repr(client)
    assert KEY not in repr(client._auth)


def test_sync_and_async_signatures_match() -> None:
    assert (
        inspect.signature(Invoro.__init__).parameters.keys()
        == inspect.signature(AsyncInvoro.__init__).parameters.keys()
    )
    assert inspect.signature(invoro.Invoices.update_draft) == inspect.signature(
        invoro.AsyncInvoices.update_draft
    )
    assert inspect.iscoroutinefunction(invoro.AsyncInvoices.update_draft)


def test_front_door_exports() -> None:
    assert invoicekit.Invoro is Invoro
    assert invoicekit.AsyncInvoro is AsyncInvoro
    assert invoro.__all__ == sorted(invoro.__all__, key=lambda n: (not n.isupper(), n))
