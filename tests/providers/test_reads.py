"""Typed reads: WHMCS GetInvoice -> whmcs.Invoice, Payabli GET /Invoice/{id} -> payabli.InvoiceRecord.

Wire tests pin the exact request (the WHMCS form read back by the parse_str-faithful tests/phpform.py); the
answers are the providers' documented shapes, including WHMCS's "" for an invoice without lines.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from invoicekit import (
    AsyncPayabli,
    AsyncWhmcs,
    DecodeError,
    NotFoundError,
    Payabli,
    RetryPolicy,
    ValidationError,
    Whmcs,
    payabli,
    whmcs,
)
from phpform import parse_str

FAST = RetryPolicy(initial=0, jitter=False)
URL = "https://billing.example.com"
ENDPOINT = f"{URL}/includes/api.php"
IDENTIFIER, SECRET = "api-identifier", "api-secret-0123456789"
PB_KEY = "pb-token-0123456789abcdef"
PB_URL = "https://api.payabli.com/api/Invoice/332"

GET_INVOICE: dict[str, Any] = {  # the GetInvoice answer as WHMCS documents it [DOC W6]
    "result": "success",
    "invoiceid": "1001",
    "invoicenum": "INV-1001",
    "userid": "7",
    "date": "2026-01-05",
    "duedate": "2026-02-05",
    "datepaid": "0000-00-00 00:00:00",
    "subtotal": "19.95",
    "credit": "0.00",
    "tax": "2.00",
    "tax2": "0.00",
    "total": "21.95",
    "balance": "21.95",
    "taxrate": "10.00",
    "taxrate2": "0.00",
    "status": "Unpaid",
    "paymentmethod": "paypal",
    "notes": "",
    "ccgateway": False,
    "items": {
        "item": [
            {"id": "13", "type": "Hosting", "relid": "4", "description": "Web hosting", "amount": "19.95",
             "taxed": "1"},
        ]
    },
    "transactions": "",
}  # fmt: skip


async def whmcs_get(kind: str, invoice_id: Any = 1001, **kw: Any) -> whmcs.Invoice:
    if kind == "sync":
        with Whmcs(URL, IDENTIFIER, SECRET, retry=FAST) as client:
            return client.invoices.get(invoice_id, **kw)
    async with AsyncWhmcs(URL, IDENTIFIER, SECRET, retry=FAST) as aclient:
        return await aclient.invoices.get(invoice_id, **kw)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_whmcs_get_invoice_wire_and_model(kind: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=ENDPOINT, json=GET_INVOICE)
    invoice = await whmcs_get(kind)
    request = httpx_mock.get_requests()[0]
    assert request.method == "POST"
    assert str(request.url) == ENDPOINT
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_str(request.content) == {
        "action": "GetInvoice",
        "invoiceid": "1001",
        "responsetype": "json",
        "identifier": IDENTIFIER,
        "secret": SECRET,
    }
    assert invoice == whmcs.Invoice(
        invoice_id=1001,
        status="Unpaid",
        user_id=7,
        invoice_num="INV-1001",
        date=dt.date(2026, 1, 5),
        due_date=dt.date(2026, 2, 5),
        date_paid=None,
        subtotal=Decimal("19.95"),
        credit=Decimal("0.00"),
        tax=Decimal("2.00"),
        tax2=Decimal("0.00"),
        total=Decimal("21.95"),
        balance=Decimal("21.95"),
        tax_rate=Decimal("10.00"),
        tax_rate2=Decimal("0.00"),
        payment_method="paypal",
        notes="",
        items=(whmcs.InvoiceItem(13, "Web hosting", Decimal("19.95"), True, type="Hosting", rel_id=4),),
        extra={"ccgateway": False, "transactions": ""},
    )


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("items", ["", {"item": []}, {"item": ""}, None])
async def test_whmcs_invoice_without_lines(kind: str, items: Any, httpx_mock: HTTPXMock) -> None:
    """WHMCS answers "" for an invoice with no lines: an empty tuple, not a crash."""
    answer = {**GET_INVOICE, "items": items}
    if items is None:
        del answer["items"]
    httpx_mock.add_response(method="POST", json=answer)
    invoice = await whmcs_get(kind)
    assert invoice.items == ()


def test_whmcs_single_item_object_and_paid_date(httpx_mock: HTTPXMock) -> None:
    one = {"id": 5, "description": "Domain", "amount": "9.95", "taxed": 0}
    answer = {**GET_INVOICE, "items": {"item": one}, "datepaid": "2026-01-06 10:11:12"}
    httpx_mock.add_response(method="POST", json=answer)
    with Whmcs(URL, IDENTIFIER, SECRET) as client:
        invoice = client.invoices.get(1001)
    assert invoice.items == (whmcs.InvoiceItem(5, "Domain", Decimal("9.95"), False),)
    assert invoice.date_paid == dt.datetime(2026, 1, 6, 10, 11, 12)


@pytest.mark.parametrize(
    "answer",
    [
        {**GET_INVOICE, "items": "unexpected"},
        {**GET_INVOICE, "items": {"item": ["x"]}},
        {**GET_INVOICE, "total": "lots"},
        {k: v for k, v in GET_INVOICE.items() if k != "invoiceid"},
        {**GET_INVOICE, "date": "05/01/2026"},
    ],
)
def test_whmcs_get_answer_that_does_not_fit_is_decode_error(answer: Any, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", json=answer)
    with Whmcs(URL, IDENTIFIER, SECRET) as client, pytest.raises(DecodeError) as info:
        client.invoices.get(1001)
    assert "Invoice" in str(info.value)
    assert SECRET not in str(info.value)


def test_whmcs_get_is_retried_and_not_found_is_raised(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", status_code=503, text="busy")
    httpx_mock.add_response(method="POST", json={"result": "error", "message": "Invoice ID Not Found"})
    with Whmcs(URL, IDENTIFIER, SECRET, retry=FAST) as client, pytest.raises(NotFoundError):
        client.invoices.get(1001)
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("bad", [0, -1, "1001", 1.0, True])
def test_whmcs_get_bad_id(bad: Any) -> None:
    with Whmcs(URL, IDENTIFIER, SECRET) as client, pytest.raises(ValidationError) as info:
        client.invoices.get(bad)
    assert info.value.field == "invoice_id"


# -- Payabli ----------------------------------------------------------------------------------------------

RECORD: dict[str, Any] = {  # Payabli's invoice record, keys as its SDK's GetInvoiceRecord spells them
    "IdInvoice": 332,
    "InvoiceNumber": "INV-6",
    "InvoiceStatus": 1,
    "InvoiceType": 0,
    "InvoiceAmount": 982.37,
    "InvoicePaidAmount": 0,
    "InvoiceDate": "2025-10-19T00:00:00",
    "InvoiceDueDate": "2025-11-18",
    "PaymentTerms": "NET30",
    "Notes": None,
    "PaypointLegalname": "Gruzya Adventure Outfitters, LLC",
    "items": [{"itemProductName": "Deposit", "itemDescription": "Deposit for trip planning",
               "itemCost": 882.37, "itemQty": 1, "itemMode": 0}],
    "DocumentsRef": {"zipfile": "inva_332.zip",
                     "filelist": [{"originalName": "bill.pdf", "zipName": "0_bill.pdf"}]},
}  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_payabli_get_wire_and_model(kind: str, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=PB_URL, content=json.dumps(RECORD).encode())
    if kind == "sync":
        with Payabli(PB_KEY, base_url="https://api.payabli.com/api") as client:
            record = client.invoices.get(332)
    else:
        async with AsyncPayabli(PB_KEY, base_url="https://api.payabli.com/api") as aclient:
            record = await aclient.invoices.get(332)
    request = httpx_mock.get_requests()[0]
    assert (request.method, str(request.url)) == ("GET", PB_URL)
    assert request.headers["requestToken"] == PB_KEY
    assert request.content == b""
    assert "content-type" not in request.headers
    assert record == payabli.InvoiceRecord(
        id_invoice=332,
        invoice_number="INV-6",
        invoice_status=1,
        invoice_type=0,
        invoice_amount=Decimal("982.37"),
        paid_amount=Decimal("0"),
        invoice_date=dt.date(2025, 10, 19),
        invoice_due_date=dt.date(2025, 11, 18),
        payment_terms="NET30",
        notes=None,
        items=(
            payabli.InvoiceRecordItem(
                item_product_name="Deposit",
                item_description="Deposit for trip planning",
                item_cost=Decimal("882.37"),
                item_qty=Decimal("1"),
                extra={"itemMode": 0},
            ),
        ),
        files=("0_bill.pdf",),
        extra={"PaypointLegalname": "Gruzya Adventure Outfitters, LLC"},
    )


def test_payabli_get_reads_keys_in_any_case(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", json={"idInvoice": "332", "invoiceStatus": 4, "ITEMS": []})
    with Payabli(PB_KEY) as client:
        record = client.invoices.get(332)
    assert (record.id_invoice, record.invoice_status, record.items) == (332, 4, ())


def test_payabli_get_retried_after_timeout(httpx_mock: HTTPXMock) -> None:
    """A read is safe: a read timeout is retried."""
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), method="GET")
    httpx_mock.add_response(method="GET", json=RECORD)
    with Payabli(PB_KEY, retry=FAST) as client:
        assert client.invoices.get(332).id_invoice == 332
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(
    "answer", [[], {"InvoiceNumber": "x"}, {**RECORD, "InvoiceAmount": "n/a"}, {**RECORD, "items": ["x"]}]
)
def test_payabli_get_answer_that_does_not_fit(answer: Any, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", json=answer)
    with Payabli(PB_KEY) as client, pytest.raises(DecodeError) as info:
        client.invoices.get(332)
    assert "InvoiceRecord" in str(info.value)


@pytest.mark.parametrize("bad", [0, "332", 3.0])
def test_payabli_get_bad_id(bad: Any) -> None:
    with Payabli(PB_KEY) as client, pytest.raises(ValidationError) as info:
        client.invoices.get(bad)
    assert info.value.field == "id_invoice"


# -- against the fakes ------------------------------------------------------------------------------------


def test_fake_whmcs_get_invoice_typed() -> None:
    from invoicekit.testing import FakeWhmcs

    fake = FakeWhmcs()
    fake.add_invoice(1, status="Draft")
    fake.add_invoice(2, lines=[("Hosting", Decimal("10.00"), True)], tax_rate=Decimal("10"))
    with fake.client() as client:
        empty, full = client.invoices.get(1), client.invoices.get(2)
    assert (empty.status, empty.items) == ("Draft", ())
    assert [(i.description, i.amount, i.taxed) for i in full.items] == [("Hosting", Decimal("10.00"), True)]
    assert full.total == Decimal("11.00")


@pytest.mark.anyio
async def test_fake_payabli_get_record() -> None:
    from invoicekit.testing import FakePayabli

    fake = FakePayabli()
    fake.add_invoice(1001, invoice_status=1, invoice_data={"invoiceNumber": "INV-1001", "notes": "hello"})
    async with fake.async_client() as client:
        await client.invoices.update(
            1001, invoice_data=payabli.BillData(items=[payabli.BillItem(item_cost=Decimal("5"), item_qty=2)])
        )
        record = await client.invoices.get(1001)
        with pytest.raises(NotFoundError):
            await client.invoices.get(999)
    assert (record.id_invoice, record.invoice_number, record.invoice_status, record.notes) == (
        1001, "INV-1001", 1, "hello",
    )  # fmt: skip
    assert [(i.item_cost, i.item_qty) for i in record.items] == [(Decimal("5"), Decimal("2"))]
    assert [r.method for r in fake.requests] == ["PUT", "GET", "GET"]
