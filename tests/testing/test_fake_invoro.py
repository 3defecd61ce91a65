"""FakeInvoro: accepts exactly what the Invoro client sends, answers as Invoro does, fails on request."""

from __future__ import annotations

import base64
import datetime as dt
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from invoicekit import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    Invoro,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    TransportError,
    invoro,
)
from invoicekit.testing import FakeInvoro
from invoicekit.testing._invoro import TEST_API_KEY

FAST = RetryPolicy(initial=0, jitter=False)
ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
URL = f"https://api.invoro.eu/invoice-api/invoices/{ID}"
PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"


def draft() -> invoro.DraftInvoice:
    return invoro.DraftInvoice(
        header=invoro.Header(invoice_number="INV-7", currency="EUR", issue_date=dt.date(2025, 10, 19)),
        lines=[
            invoro.Line(
                name="Hours", quantity=Decimal(3), price=Decimal("49.50"), line_total=Decimal("148.50")
            ),
            invoro.Line(
                name="Licence", quantity=Decimal("1.5"), price=Decimal("10.01"), line_total=Decimal("15.02")
            ),
        ],
        totals=invoro.Totals(line_total=Decimal("163.52"), tax_inclusive=Decimal("197.86")),
        attachments=[invoro.Attachment(content=PDF, filename="annex.pdf")],
    )


WIRE_DOCUMENT: dict[str, Any] = {
    "header": {"invoice_number": "INV-7", "currency": "EUR", "issue_date": "2025-10-19T00:00:00Z"},
    "items": [
        {"name": "Hours", "quantity": 3, "price": 4950, "line_total": 14850},
        {"name": "Licence", "quantity": Decimal("1.5"), "price": 1001, "line_total": 1502},
    ],
    "totals": {"line_total": 16352, "tax_inclusive": 19786},
    "attachments": [
        {"content": base64.b64encode(PDF).decode(), "filename": "annex.pdf", "mime_type": "application/pdf"}
    ],
}


@pytest.fixture
def fake() -> FakeInvoro:
    fake = FakeInvoro()
    fake.add_invoice(ID)
    return fake


def raw(
    fake: FakeInvoro, body: Any, *, invoice_id: str = ID, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A hand-written request in Invoro's wire format, straight to the fake."""
    with httpx.Client(transport=fake.transport) as http:
        return http.put(
            f"https://api.invoro.eu/invoice-api/invoices/{invoice_id}",
            json=body,
            headers=headers if headers is not None else {"Authorization": f"Bearer {fake.api_key}"},
        )


# -- end to end with the client -----------------------------------------------------------------------


def test_update_replaces_the_draft(fake: FakeInvoro) -> None:
    """The client's PUT lands whole: the stored document is the wire body, and the answer reads back."""
    with fake.client() as client:
        invoice = client.invoices.update_draft(ID, draft())
    stored = fake.invoices[ID]
    assert stored.document == WIRE_DOCUMENT
    assert stored.updates == 1
    assert stored.calculated is None
    assert fake.attachment(ID) == PDF
    assert invoice.id == ID
    assert invoice.state == "draft"
    assert invoice.total == Decimal("197.86")
    assert invoice.currency == "EUR"
    assert invoice.document == WIRE_DOCUMENT
    assert invoice.ubl_version == "2.1"
    assert invoice.network == "peppol"
    assert invoice.created_at is not None
    assert invoice.extra == {}


def test_a_second_put_replaces_not_merges(fake: FakeInvoro) -> None:
    with fake.client() as client:
        client.invoices.update_draft(ID, draft())
        client.invoices.update_draft(ID, invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-8")))
    assert fake.invoices[ID].document == {"header": {"invoice_number": "INV-8"}}
    assert fake.invoices[ID].updates == 2


@pytest.mark.anyio
async def test_async_client_end_to_end(fake: FakeInvoro) -> None:
    async with fake.async_client() as client:
        invoice = await client.invoices.update_draft(ID, draft())
    assert invoice.total == Decimal("197.86")
    assert fake.invoices[ID].document == WIRE_DOCUMENT


def test_calculate_totals_computes_them(fake: FakeInvoro) -> None:
    """With calculate_totals the fake fills in line and document totals (in cents) from quantity x price."""
    lines = [
        invoro.Line(quantity=Decimal(2), price=Decimal("3.33")),
        invoro.Line(quantity=Decimal("0.5"), price=Decimal("0.05")),
    ]
    with fake.client() as client:
        invoice = client.invoices.update_draft(ID, invoro.DraftInvoice(lines=lines), calculate_totals=True)
    document = fake.invoices[ID].document
    assert [item["line_total"] for item in document["items"]] == [666, 3]
    assert document["totals"] == {"line_total": 669, "tax_exclusive": 669, "tax_inclusive": 669}
    assert "calculate_totals" not in document
    assert fake.invoices[ID].calculated is True
    assert invoice.total == Decimal("6.69")


@pytest.mark.parametrize("state", ["approved", "sending", "sent", "delivered", "failed", "cancelled"])
def test_only_drafts_can_be_updated(fake: FakeInvoro, state: str) -> None:
    """Any other state: 422 "not in draft state", read by the client as ConflictError; nothing stored."""
    fake.invoices[ID].state = state
    with fake.client() as client, pytest.raises(ConflictError) as caught:
        client.invoices.update_draft(ID, draft())
    assert caught.value.status_code == 422
    assert fake.invoices[ID].document == {}
    assert fake.invoices[ID].updates == 0


def test_unknown_invoice_is_404(fake: FakeInvoro) -> None:
    with fake.client() as client, pytest.raises(NotFoundError):
        client.invoices.update_draft("00000000-0000-4000-8000-000000000000", draft())
    assert raw(fake, {}, invoice_id="not-a-uuid").status_code == 404


def test_wrong_key_is_401(fake: FakeInvoro) -> None:
    http = httpx.Client(transport=fake.transport)
    with (
        Invoro("ak_test_" + "9" * 56, http_client=http) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.invoices.update_draft(ID, draft())
    assert caught.value.message == "Unauthenticated."
    assert fake.invoices[ID].updates == 0
    assert raw(fake, {}, headers={}).status_code == 401


def test_the_configured_scheme_is_the_one_accepted() -> None:
    """An x-api-key fake accepts X-Api-Key and refuses the key as a Bearer token, and vice versa."""
    fake = FakeInvoro(auth_scheme="x-api-key")
    fake.add_invoice(ID)
    with fake.client() as client:
        assert client.invoices.update_draft(ID, draft()).id == ID
    with fake.client(auth_scheme="bearer") as client, pytest.raises(AuthenticationError):
        client.invoices.update_draft(ID, draft())
    assert raw(fake, {}, headers={"X-Api-Key": fake.api_key}).status_code == 200
    bearer = FakeInvoro()
    bearer.add_invoice(ID)
    assert raw(bearer, {}, headers={"X-Api-Key": bearer.api_key}).status_code == 401
    assert raw(bearer, {}, headers={"Authorization": f"Bearer {bearer.api_key}"}).status_code == 200


def test_missing_scope_is_403(fake: FakeInvoro) -> None:
    fake.scopes.discard("invoice:create")
    with fake.client() as client, pytest.raises(PermissionDeniedError):
        client.invoices.update_draft(ID, draft())


def test_seeding() -> None:
    fake = FakeInvoro()
    generated = fake.add_invoice(currency="PLN", network="ksef")
    assert fake.invoices[generated.id] is generated
    assert (generated.state, generated.currency, generated.network) == ("draft", "PLN", "ksef")
    assert fake.add_invoice(ID.upper(), "sent").id == ID
    assert TEST_API_KEY.startswith("ak_test_")
    assert len(TEST_API_KEY) == 64


# -- the fake's own checks, with hand-written requests ------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"items": [{"price": 49.5}]}, "items.0.price"),
        ({"items": [{"price": "4950"}]}, "items.0.price"),
        ({"totals": {"line_total": True}}, "totals.line_total"),
        ({"header": {"rounding_amount": 0.5}}, "header.rounding_amount"),
        ({"items": [{"allowances": [{"amount": 1.5}]}]}, "items.0.allowances.0.amount"),
        ({"header": {"currency": "EURO"}}, "header.currency"),
        ({"header": {"issue_date": "19/10/2025"}}, "header.issue_date"),
        ({"header": {"document_type": "credit_note", "invoice_type_code": "380"}}, "header.document_type"),
        ({"attachments": [{"content": "not base64!"}]}, "attachments.0.content"),
        ({"calculate_totals": "yes"}, "calculate_totals"),
        ({"items": [{"quantity": 3, "price": 333, "line_total": 1000}]}, "items.0.line_total"),
        ({"items": [{"line_total": 100}], "totals": {"line_total": 101}}, "totals.line_total"),
    ],
)
def test_invalid_bodies_get_422_with_field_errors(fake: FakeInvoro, body: Any, key: str) -> None:
    """What the client refuses before sending, the fake refuses too, in Invoro's envelope."""
    response = raw(fake, body)
    assert response.status_code == 422
    data = response.json()
    assert data["success"] is False
    assert data["data"] is None
    assert key in data["errors"]
    assert fake.invoices[ID].updates == 0


def test_success_envelope_shape(fake: FakeInvoro) -> None:
    response = raw(fake, {"header": {"invoice_number": "X"}})
    data = response.json()
    assert response.status_code == 200
    assert (data["success"], data["message"], data["errors"]) == (True, "Invoice updated successfully.", None)
    assert data["data"]["status"] == "draft"
    assert data["data"]["invoice_data"] == {"header": {"invoice_number": "X"}}


# -- faults ----------------------------------------------------------------------------------------------


def test_fail_next_is_retried_and_applied_once(fake: FakeInvoro) -> None:
    fake.fail_next(503)
    with fake.client(retry=FAST) as client:
        client.invoices.update_draft(ID, draft())
    assert len(fake.requests) == 2
    assert fake.invoices[ID].updates == 1


def test_drop_after_apply_is_retried_safely(fake: FakeInvoro) -> None:
    """A full PUT applied twice leaves the same draft: the retry after a dropped answer is harmless."""
    fake.drop_next(after_apply=True)
    with fake.client(retry=FAST) as client:
        client.invoices.update_draft(ID, draft())
    assert fake.invoices[ID].updates == 2
    assert fake.invoices[ID].document == WIRE_DOCUMENT
    assert fake.requests[0].content == fake.requests[1].content


def test_timeouts_exhaust_into_transport_error(fake: FakeInvoro) -> None:
    fake.timeout_next(times=3)
    with fake.client(retry=FAST) as client, pytest.raises(TransportError):
        client.invoices.update_draft(ID, draft())
    assert len(fake.requests) == 3


def test_rate_limit_answers_like_invoro(fake: FakeInvoro) -> None:
    """Over the limit: 429 in the envelope, with Retry-After and X-RateLimit-Limit/Remaining/Reset."""
    fake.rate_limit(1, per=60)
    assert raw(fake, {}).status_code == 200
    refused = raw(fake, {})
    assert refused.status_code == 429
    assert refused.json()["success"] is False
    assert refused.headers["X-RateLimit-Limit"] == "1"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["X-RateLimit-Reset"]) > time.time()
    assert float(refused.headers["Retry-After"]) > 0
    with (
        fake.client(retry=RetryPolicy(max_retry_after=0.001)) as client,
        pytest.raises(RateLimitError) as caught,
    ):
        client.invoices.update_draft(ID, draft())
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 0


def test_rate_limit_is_waited_out(fake: FakeInvoro) -> None:
    fake.rate_limit(1, per=0.05)
    with fake.client(retry=FAST) as client:
        client.invoices.update_draft(ID, draft())
        client.invoices.update_draft(ID, draft())
    assert fake.invoices[ID].updates == 2


def test_validation_errors_reach_the_user(fake: FakeInvoro) -> None:
    """A 422 envelope with errors becomes BadRequestError carrying the field messages; it is not retried."""
    errors = {"header.currency": ["The header.currency field must be 3 characters."]}
    assert raw(fake, {"header": {"currency": "EU"}}).json()["errors"] == errors
    envelope = {"success": False, "data": None, "message": "The given data was invalid.", "errors": errors}
    fake.fail_next(422, body=envelope)
    with fake.client(retry=FAST) as client, pytest.raises(BadRequestError) as caught:
        client.invoices.update_draft(ID, draft())
    assert caught.value.errors == errors
    assert len(fake.requests) == 2


@pytest.mark.anyio
async def test_async_client_retries_a_500(fake: FakeInvoro) -> None:
    fake.fail_next(500)
    async with fake.async_client(retry=FAST) as client:
        await client.invoices.update_draft(ID, draft())
    assert len(fake.requests) == 2
    assert fake.invoices[ID].updates == 1
