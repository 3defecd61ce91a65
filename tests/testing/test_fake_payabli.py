"""FakePayabli: accepts exactly what the Payabli client sends, answers as Payabli does, fails on request."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicekit import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    RetryPolicy,
    ServerError,
)
from invoicekit.payabli import BillData, BillItem, PayorData
from invoicekit.testing import FakePayabli

FAST = RetryPolicy(initial=0, jitter=False)
URL = "https://api-sandbox.payabli.com/api/Invoice/{}"
GOLDEN_TEXT = (Path(__file__).parent.parent / "providers" / "fixtures" / "payabli_golden.json").read_text()
GOLDEN: dict[str, Any] = json.loads(GOLDEN_TEXT, parse_float=Decimal)
SENT: dict[str, Any] = json.loads(GOLDEN_TEXT)  # numbers as the SDK wrote them, to send again
PDF = base64.b64decode(GOLDEN["_pdf_base64"])


@pytest.fixture
def fake() -> FakePayabli:
    fake = FakePayabli()
    fake.add_invoice(332, invoice_status=1, invoice_data={"invoiceNumber": "INV-6", "notes": "old"})
    fake.add_invoice(7, invoice_status=4)
    return fake


def raw(fake: FakePayabli, target: str | int, body: Any = None, **kw: Any) -> httpx.Response:
    """A hand-written request, in Payabli's wire format, straight to the fake."""
    headers = {"requestToken": fake.api_key, **kw.pop("headers", {})}
    content = kw.pop("content", None)
    if content is None:
        content = json.dumps(body if body is not None else {}, default=str).encode()
        headers.setdefault("Content-Type", "application/json")
    with httpx.Client(transport=fake.transport) as http:
        return http.put(URL.format(target), headers=headers, content=content, **kw)


# -- the wire ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["docs_example", "full_update", "customer_forced", "clear_fields"])
def test_accepts_what_payablis_own_sdk_sends(fake: FakePayabli, case: str) -> None:
    """Every golden request (made by Payabli's SDK) is accepted, answered with success and stored as sent."""
    golden = GOLDEN[case]
    response = raw(
        fake,
        golden["url"].rsplit("/", 1)[1],
        content=json.dumps(SENT[case]["body"]).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "isSuccess": True,
        "responseCode": 1,
        "responseData": 332,
        "responseText": "Success",
        "pageidentifier": None,
        "roomId": 0,
    }
    assert fake.invoices[332].last_body == golden["body"]
    if case == "full_update":
        first, second = fake.invoices[332].attachments
        assert (first.content, first.filename, first.ftype, first.furl) == (PDF, "INV-6.pdf", "pdf", None)
        assert (second.content, second.furl) == (None, "https://example.com/terms.pdf")


def test_unknown_invoice_is_http_200_with_is_success_false(fake: FakePayabli) -> None:
    """Payabli answers a failed update with HTTP 200 and isSuccess false, the reason in responseData."""
    response = raw(fake, 999, {"invoiceData": {"notes": "x"}})
    assert response.status_code == 200
    assert response.json()["isSuccess"] is False
    assert response.json()["responseText"] == "Declined"
    assert response.json()["responseData"] == "Invoice 999 not found"


def test_wrong_token_is_401_with_payablis_error_body(fake: FakePayabli) -> None:
    response = raw(fake, 332, headers={"requestToken": "nope"})
    assert response.status_code == 401
    assert set(response.json()) == {"isSuccess", "responseText", "responseData"}
    assert set(response.json()["responseData"]) == {"explanation", "todoAction"}
    assert fake.invoices[332].updates == 0


@pytest.mark.parametrize(
    ("target", "body", "options"),
    [
        (332, {"invoiceData": {"items": [{"itemQty": 1.5}]}}, {}),
        (332, {"invoiceData": {"items": [{"itemCost": "1.00"}]}}, {}),
        (332, {"invoiceData": {"frequency": "daily"}}, {}),
        (332, {"invoiceData": {"paymentTerms": "NET 30"}}, {}),
        (332, {"invoiceData": {"invoiceDate": "19.10.2025"}}, {}),
        (332, {"invoiceData": {"attachments": [{"fContent": "not base64!", "ftype": "pdf"}]}}, {}),
        (332, {"invoiceData": {"attachments": [{"ftype": "exe"}]}}, {}),
        (332, {"scheduledOptions": {"includePdf": "yes"}}, {}),
        (332, {"customerData": {"customerId": "44"}}, {}),
        (332, {"invoiceData": "notes"}, {}),
        (332, [1], {}),
        ("abc", {}, {}),
        (332, {}, {"params": {"forceCustomerCreation": "maybe"}}),
        (
            332,
            None,
            {"content": b"notes=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        ),
    ],
)
def test_data_that_does_not_fit_the_schema_is_a_400(
    fake: FakePayabli, target: Any, body: Any, options: dict[str, Any]
) -> None:
    response = raw(fake, target, body, **options)
    assert response.status_code == 400
    assert response.json()["isSuccess"] is False
    assert response.json()["responseData"]["explanation"]
    assert fake.invoices[332].updates == 0


def test_both_documented_date_formats_are_accepted(fake: FakePayabli) -> None:
    assert raw(
        fake, 332, {"invoiceData": {"invoiceDate": "10/19/2025", "invoiceDueDate": "2025-11-18"}}
    ).is_success


# -- end to end with the client ---------------------------------------------------------------------------


def test_update_end_to_end(fake: FakePayabli) -> None:
    """Fields merge into the invoice, None clears, items replace the line list, files are added."""
    items = [
        BillItem(
            item_product_name="Deposit",
            item_cost=Decimal("882.37"),
            item_qty=1,
            item_mode=0,
            item_total_amount=Decimal("882.37"),
        )
    ]
    with fake.client() as client:
        result = client.invoices.update(
            332,
            invoice_data=BillData(
                invoice_amount=Decimal("982.37"),
                invoice_date=dt.date(2025, 10, 19),
                notes=None,
                items=items,
                attachments=[PDF],
            ),
            customer_data=PayorData(billing_email="john@example.com"),
        )
        client.invoices.update(
            332, invoice_data=BillData(items=[BillItem(item_product_name="Fee", item_qty=2, item_cost=5)])
        )
    assert (result.is_success, result.response_data) == (True, 332)
    invoice = fake.invoices[332]
    assert invoice.invoice_data == {
        "invoiceStatus": 1,
        "invoiceNumber": "INV-6",
        "notes": None,
        "invoiceAmount": Decimal("982.37"),
        "invoiceDate": "2025-10-19",
        "items": [{"itemCost": 5, "itemProductName": "Fee", "itemQty": 2}],
    }
    assert invoice.customer_data == {"billingEmail": "john@example.com"}
    assert [(a.content, a.filename, a.ftype) for a in invoice.attachments] == [(PDF, "attachment.pdf", "pdf")]
    assert invoice.updates == 2
    assert fake.customers_created == 0


@pytest.mark.anyio
async def test_async_client_end_to_end(fake: FakePayabli) -> None:
    async with fake.async_client() as client:
        result = await client.invoices.update(332, invoice_data=BillData(purchase_order="PO-1"))
    assert result.response_data == 332
    assert fake.invoices[332].invoice_data["purchaseOrder"] == "PO-1"


def test_client_errors_from_the_fake(fake: FakePayabli) -> None:
    """Unknown invoice -> NotFoundError, paid invoice -> ConflictError, both HTTP 200; bad token -> 401."""
    with fake.client() as client:
        with pytest.raises(NotFoundError) as missing:
            client.invoices.update(999, invoice_data=BillData(notes="x"))
        with pytest.raises(ConflictError) as paid:
            client.invoices.update(7, invoice_data=BillData(notes="x"))
    assert missing.value.status_code == paid.value.status_code == 200
    assert "Invoice 999 not found" in missing.value.message
    assert "paid" in paid.value.message
    assert fake.invoices[7].updates == 0
    with fake.client(api_key="wrong-token") as stranger, pytest.raises(AuthenticationError):
        stranger.invoices.update(332, invoice_data=BillData(notes="x"))


def test_forced_customer_creation_counts_customers(fake: FakePayabli) -> None:
    with fake.client() as client:
        client.invoices.update(332, customer_data=PayorData(first_name="Ana"), force_customer_creation=True)
        client.invoices.update(332, customer_data=PayorData(first_name="Ana"), force_customer_creation=False)
        client.invoices.update(332, customer_data=PayorData(first_name="Ana"))
    assert fake.customers_created == 1
    assert fake.requests[0].url.params["forceCustomerCreation"] == "true"
    assert fake.requests[1].url.params["forceCustomerCreation"] == "false"
    assert "forceCustomerCreation" not in fake.requests[2].url.params


# -- faults -----------------------------------------------------------------------------------------------


def test_a_503_is_retried_and_applied_once(fake: FakePayabli) -> None:
    fake.fail_next(503)
    with fake.client(retry=FAST) as client:
        client.invoices.update(332, invoice_data=BillData(notes="new"))
    assert len(fake.requests) == 2
    assert fake.invoices[332].updates == 1
    assert fake.invoices[332].invoice_data["notes"] == "new"


def test_503_every_time_is_a_server_error(fake: FakePayabli) -> None:
    fake.fail_next(503, times=3)
    with fake.client(retry=FAST) as client, pytest.raises(ServerError):
        client.invoices.update(332, invoice_data=BillData(notes="new"))
    assert fake.invoices[332].updates == 0


def test_a_dropped_answer_to_a_plain_update_is_retried_harmlessly(fake: FakePayabli) -> None:
    """The update ran, the answer was lost, the retry runs it again: the invoice ends the same."""
    fake.drop_next(after_apply=True)
    with fake.client(retry=FAST) as client:
        client.invoices.update(332, invoice_data=BillData(notes="new"))
    assert fake.invoices[332].updates == 2
    assert fake.invoices[332].invoice_data["notes"] == "new"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"customer_data": PayorData(first_name="Ana"), "force_customer_creation": True},
        {"invoice_data": BillData(attachments=[PDF])},
    ],
    ids=["force_customer_creation", "attachment"],
)
def test_a_dropped_answer_to_an_unsafe_update_is_not_resent(
    fake: FakePayabli, kwargs: dict[str, Any]
) -> None:
    """One customer created, one file attached, and the caller told the outcome is unknown."""
    fake.drop_next(after_apply=True)
    with fake.client(retry=FAST) as client, pytest.raises(OutcomeUnknownError):
        client.invoices.update(332, **kwargs)
    assert len(fake.requests) == 1
    assert fake.invoices[332].updates == 1
    assert fake.customers_created + len(fake.invoices[332].attachments) == 1


def test_bad_data_from_a_hand_made_request_reaches_the_client_as_bad_request(fake: FakePayabli) -> None:
    """The fake's 400 body reads as a BadRequestError naming the field."""
    fake.fail_next(
        400,
        body={
            "isSuccess": False,
            "responseCode": 3003,
            "responseText": "Invalid parameter",
            "responseData": {"explanation": "itemQty", "todoAction": "fix it"},
        },
    )
    with fake.client() as client, pytest.raises(BadRequestError, match="itemQty"):
        client.invoices.update(332, invoice_data=BillData(notes="x"))
