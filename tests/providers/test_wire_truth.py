"""Wire truth (issue 20): answers read strictly, required fields enforced, empty updates never sent.

Requests are read back by parsers no one here wrote: Werkzeug for multipart, tests/phpform.py (PHP's
parse_str) for WHMCS forms, the standard library's json for JSON bodies. Answers are canned per test.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from werkzeug.wrappers import Request as WerkzeugRequest

from invoicekit import (
    BadRequestError,
    DecodeError,
    Invoro,
    Payabli,
    RetryPolicy,
    Salesbricks,
    ValidationError,
    Whmcs,
    invoro,
    salesbricks,
)
from invoicekit._read import reader
from invoicekit.payabli import BillData, BillItem, BillOptions, PayorData
from invoicekit.whmcs import NewItem
from phpform import parse_str

FAST = RetryPolicy(initial=0, jitter=False)
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
SB_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


class Canned(httpx.MockTransport):
    """Answers every request with one canned response and keeps the requests, read."""

    def __init__(self, status: int = 200, body: Any = None, content: bytes | None = None) -> None:
        self.requests: list[httpx.Request] = []
        raw = content if content is not None else json.dumps(body).encode()

        def answer(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return httpx.Response(status, content=raw, headers={"Content-Type": "application/json"})

        super().__init__(answer)


def payabli(transport: Canned) -> Payabli:
    return Payabli("tok", retry=FAST, http_client=httpx.Client(transport=transport))


def invoro_client(transport: Canned) -> Invoro:
    return Invoro("ak_test_x", retry=FAST, http_client=httpx.Client(transport=transport))


def whmcs(transport: Canned) -> Whmcs:
    return Whmcs(
        "https://billing.example.com",
        "ident",
        "sec",
        retry=FAST,
        http_client=httpx.Client(transport=transport),
    )


def sb(transport: Canned) -> Salesbricks:
    return Salesbricks("sb-key", retry=FAST, http_client=httpx.Client(transport=transport))


#: Payabli's documented answer: InvoiceResponseWithoutData requires all of these keys, none null.
PAYABLI_OK = {
    "isSuccess": True,
    "responseCode": 1,
    "responseData": 332,
    "responseText": "Success",
    "roomId": 0,
}
DRAFT = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
INVOICE = {"id": INVORO_ID, "status": "draft", "total": 1000}


# -- 1. success is JSON true, nothing else --------------------------------------------------------------


def test_the_core_reader_never_reads_a_bool_from_a_string() -> None:
    """bool("false") is True; the core's answer reader refuses every non-bool."""
    import attrs

    @attrs.frozen
    class Flagged:
        flag: bool | None = None

    read = reader(Flagged)
    assert read({"flag": False}) == Flagged(False)
    wrongs: list[object] = ["false", "true", 0, 1, "", [], {}]
    for wrong in wrongs:
        with pytest.raises(DecodeError, match="Flagged"):
            read({"flag": wrong})


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"isSuccess": "false", "responseText": "Declined", "responseCode": 1}, "isSuccess is a string"),
        ({"isSuccess": "true", "responseText": "Success", "responseCode": 1}, "isSuccess is a string"),
        ({}, "isSuccess is missing"),
        ({"isSuccess": None, "responseText": "Success"}, "isSuccess is null"),
        ({"isSuccess": 1, "responseText": "Success"}, "isSuccess is a number"),
        ({"IsSuccess": "false"}, "isSuccess is a string"),  # keys are read whatever their case
    ],
)
def test_payabli_success_is_json_true_only(answer: dict[str, Any], said: str) -> None:
    transport = Canned(200, answer)
    with payabli(transport) as client, pytest.raises(DecodeError, match=said) as caught:
        client.invoices.update(332, invoice_data=BillData(notes="n"))
    assert caught.value.provider == "payabli"
    assert len(transport.requests) == 1  # answered, so never resent


def test_payabli_false_is_still_the_typed_api_error() -> None:
    transport = Canned(200, {"isSuccess": False, "responseText": "Declined", "responseCode": 3003})
    with payabli(transport) as client, pytest.raises(BadRequestError, match="Declined"):
        client.invoices.update(332, invoice_data=BillData(notes="n"))


def test_payabli_true_is_a_success() -> None:
    transport = Canned(200, PAYABLI_OK)
    with payabli(transport) as client:
        result = client.invoices.update(332, invoice_data=BillData(notes="n"))
    assert (result.is_success, result.response_data) == (True, 332)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"success": "false", "data": INVOICE, "message": "no"}, "success is a string"),
        ({"success": "true", "data": INVOICE}, "success is a string"),
        ({}, "success is missing"),
        (INVOICE, "success is missing"),  # a bare invoice: Invoro always wraps answers [DOC]
        ({"success": 1, "data": INVOICE}, "success is a number"),
        ({"success": None, "data": INVOICE}, "success is null"),
    ],
)
def test_invoro_success_is_json_true_only(answer: dict[str, Any], said: str) -> None:
    transport = Canned(200, answer)
    with invoro_client(transport) as client, pytest.raises(DecodeError, match=said):
        client.invoices.update_draft(INVORO_ID, DRAFT)
    assert len(transport.requests) == 1


def test_invoro_envelope_true_is_an_invoice() -> None:
    with invoro_client(Canned(200, {"success": True, "data": INVOICE})) as client:
        invoice = client.invoices.update_draft(INVORO_ID, DRAFT)
    assert (invoice.id, invoice.total, invoice.is_draft) == (INVORO_ID, Decimal("10.00"), True)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"result": True, "invoiceid": "42"}, "its result is True"),
        ({"result": "ok", "invoiceid": "42"}, "its result is 'ok'"),
        ({"result": 1, "invoiceid": "42"}, "its result is 1"),
        ({"invoiceid": "42"}, "no result field"),
    ],
)
def test_whmcs_result_is_exactly_success_or_error(answer: dict[str, Any], said: str) -> None:
    """WHMCS's `result` is the string "success" or "error" by spec; anything else is unreadable."""
    transport = Canned(200, answer)
    with whmcs(transport) as client, pytest.raises(DecodeError, match=said):
        client.invoices.update(42, notes="x")


def test_whmcs_success_and_error_strings() -> None:
    with whmcs(Canned(200, {"result": "success", "invoiceid": "42"})) as client:
        assert client.invoices.update(42, notes="x").invoice_id == 42
    with (
        whmcs(Canned(200, {"result": "error", "message": "Bad"})) as client,
        pytest.raises(BadRequestError, match="Bad"),
    ):
        client.invoices.update(42, notes="x")


# -- 2. Salesbricks multipart, read back by Werkzeug ------------------------------------------------------


def werkzeug_form(request: httpx.Request) -> WerkzeugRequest:
    """The request as a Django/Flask-style server parses it (Werkzeug's multipart parser)."""
    body = request.content
    return WerkzeugRequest.from_values(
        path=request.url.path,
        method=request.method,
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=request.headers["Content-Type"],
    )


def test_salesbricks_every_field_kind_as_a_form_server_reads_it() -> None:
    """docs/providers/salesbricks.md, "What is sent": each kind of field, read back by Werkzeug."""
    transport = Canned(200, {"invoice_id": SB_ID, "attachments": []})
    with sb(transport) as client:
        client.invoices.update(
            SB_ID,
            due_at=dt.date(2024, 7, 31),
            purchase_order="PO-778",
            persist_purchase_order=True,
            billing_address={"line1": "1 Main St", "city": "Austin"},
            company_name="",
            accounts_payable_emails=["ap@example.com", "billing@example.com"],
            invoice_memo="Thanks",
            persist_memo=False,
            line_item_overrides={"li_1": "Hosting, July"},
            tax_id="US-1",
            reason_for_updating="New PO",
            attachments=[salesbricks.Keep("att-1", "subscription"), salesbricks.Add(PDF)],
        )
    (request,) = transport.requests
    assert request.method == "PATCH"
    assert str(request.url) == f"https://api.salesbricks.com/api/v2/invoices/{SB_ID}"
    form = werkzeug_form(request)
    assert form.form.to_dict(flat=False) == {
        "due_at": ["2024-07-31"],
        "purchase_order": ['{"code":"PO-778"}'],
        "persist_purchase_order": ["true"],
        "billing_address": ['{"line1":"1 Main St","city":"Austin"}'],
        "company_name": [""],
        "accounts_payable_emails": ["ap@example.com", "billing@example.com"],
        "invoice_memo": ["Thanks"],
        "persist_memo": ["false"],
        "line_item_overrides": ['[{"line_item_id":"li_1","description":"Hosting, July"}]'],
        "tax_id": ["US-1"],
        "reason_for_updating": ["New PO"],
        "pdf_attachments_config": [
            '[{"attachment_id":"att-1","target":"subscription"},{"new_file_index":0,"target":"invoice"}]'
        ],
    }
    (upload,) = form.files.getlist("pdf_attachments")
    assert (upload.filename, upload.mimetype, upload.read()) == ("attachment-1.pdf", "application/pdf", PDF)
    form.close()


def test_salesbricks_clearing_values_as_a_form_server_reads_them() -> None:
    """None clears: the emails travel as the one text "[]" [INF], the PO as "{}"; a plain form server
    would read the emails as ['[]'] (what it then does is the server's: see the next test).
    """
    transport = Canned(200, {"invoice_id": SB_ID})
    with sb(transport) as client:
        client.invoices.update(
            SB_ID, accounts_payable_emails=None, purchase_order=None, invoice_memo=None, company_name=None
        )
    form = werkzeug_form(transport.requests[0]).form
    assert form.getlist("accounts_payable_emails") == ["[]"]
    assert form.to_dict() == {
        "purchase_order": "{}",
        "company_name": "",
        "accounts_payable_emails": "[]",
        "invoice_memo": "",
    }
    with sb(transport) as client:  # [] is the same clear as None
        client.invoices.update(SB_ID, accounts_payable_emails=[])
    assert werkzeug_form(transport.requests[1]).form.getlist("accounts_payable_emails") == ["[]"]


def test_salesbricks_server_disagreeing_with_an_inferred_encoding_is_a_bad_request_naming_the_field() -> None:
    """If Salesbricks reads "[]" as an email (a DRF serializer's 400), the user gets BadRequestError with
    the field in .errors and in the message, never a silent success.
    """
    drf = {"accounts_payable_emails": {"0": ["Enter a valid email address."]}}
    transport = Canned(400, drf)
    with sb(transport) as client, pytest.raises(BadRequestError) as caught:
        client.invoices.update(SB_ID, accounts_payable_emails=[])
    assert caught.value.status_code == 400
    assert caught.value.errors == {"accounts_payable_emails.0": ["Enter a valid email address."]}
    assert "accounts_payable_emails.0: Enter a valid email address." in str(caught.value)
    assert len(transport.requests) == 1
    nested = {"purchase_order": ["Not a valid string."], "billing_address": ["Expected a dictionary."]}
    with sb(Canned(400, nested)) as client, pytest.raises(BadRequestError) as caught:
        client.invoices.update(SB_ID, purchase_order="PO-1", billing_address={"line1": "x"})
    assert caught.value.errors == {
        "purchase_order": ["Not a valid string."],
        "billing_address": ["Expected a dictionary."],
    }


# -- 3. Payabli itemCost is required -----------------------------------------------------------------------


@pytest.mark.parametrize("cost", ["unset", None])
def test_payabli_item_without_cost_is_refused_before_sending(cost: object) -> None:
    item = BillItem(item_product_name="Fee", item_qty=1) if cost == "unset" else BillItem(item_cost=None)
    transport = Canned(200, {"isSuccess": True})
    with payabli(transport) as client, pytest.raises(ValidationError) as caught:
        client.invoices.update(332, invoice_data=BillData(items=[BillItem(item_cost=1), item]))
    assert caught.value.field == "invoice_data.items[1].item_cost"
    assert "required" in caught.value.rule
    assert transport.requests == []


def test_payabli_item_cost_on_the_wire() -> None:
    transport = Canned(200, PAYABLI_OK)
    with payabli(transport) as client:
        client.invoices.update(
            332, invoice_data=BillData(items=[BillItem(item_cost=Decimal("882.37"), item_qty=1)])
        )
    body = json.loads(transport.requests[0].content, parse_float=Decimal)
    assert body == {"invoiceData": {"items": [{"itemCost": Decimal("882.37"), "itemQty": 1}]}}


# -- 4. an update that sets nothing is never sent ----------------------------------------------------------

Update = Callable[[Any], Any]
EMPTY: dict[str, tuple[Callable[[Canned], Any], Update, str]] = {
    "salesbricks": (sb, lambda c: c.invoices.update(SB_ID), "update"),
    "salesbricks-unset-only": (sb, lambda c: c.invoices.update(SB_ID, due_at=salesbricks_unset()), "update"),
    "payabli-nothing": (payabli, lambda c: c.invoices.update(332), "update"),
    "payabli-empty-models": (
        payabli,
        lambda c: c.invoices.update(
            332, invoice_data=BillData(), customer_data=PayorData(), scheduled_options=BillOptions()
        ),
        "update",
    ),
    "payabli-null-objects": (payabli, lambda c: c.invoices.update(332, invoice_data=None), "update"),
    "payabli-flag-only": (payabli, lambda c: c.invoices.update(332, force_customer_creation=True), "update"),
    "invoro-empty-draft": (
        invoro_client,
        lambda c: c.invoices.update_draft(INVORO_ID, invoro.DraftInvoice()),
        "invoice",
    ),
    "invoro-empty-parts": (
        invoro_client,
        lambda c: c.invoices.update_draft(
            INVORO_ID,
            invoro.DraftInvoice(header=invoro.Header(), seller=invoro.Party()),
            calculate_totals=True,
        ),
        "invoice",
    ),
    "whmcs-id-only": (whmcs, lambda c: c.invoices.update(42), "update"),
    "whmcs-empty-lists": (
        whmcs,
        lambda c: c.invoices.update(42, new_items=[], delete_line_ids=[], items={}),
        "update",
    ),
}


def salesbricks_unset() -> Any:
    from invoicekit import UNSET

    return UNSET


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_an_update_that_sets_nothing_is_refused_and_not_sent(case: str) -> None:
    make, call, field = EMPTY[case]
    transport = Canned(200, {})
    with make(transport) as client, pytest.raises(ValidationError) as caught:
        call(client)
    assert caught.value.field == field
    assert "nothing" in caught.value.rule
    assert transport.requests == []


def test_the_smallest_changes_are_still_sent() -> None:
    """None that clears, [] that empties a list, one flag: each is a change, read back independently."""
    ok = {**PAYABLI_OK, "responseData": 1}
    transport = Canned(200, ok)
    with payabli(transport) as client:
        client.invoices.update(1, invoice_data=BillData(notes=None))
        client.invoices.update(1, invoice_data=BillData(items=[]), customer_data=None)
    assert [json.loads(r.content) for r in transport.requests] == [
        {"invoiceData": {"notes": None}},
        {"invoiceData": {"items": []}, "customerData": None},
    ]
    wh = Canned(200, {"result": "success", "invoiceid": "42"})
    with whmcs(wh) as client:
        client.invoices.update(42, notes=None)
        client.invoices.update(42, new_items=[NewItem("Setup", 5, False)])
    first, second = (parse_str(r.content) for r in wh.requests)
    assert (first["invoiceid"], first["notes"]) == ("42", "")
    assert set(first) == {"action", "invoiceid", "notes", "responsetype", "identifier", "secret"}
    assert second["newitemdescription"] == {0: "Setup"}
    io_transport = Canned(200, {"success": True, "data": INVOICE})
    with invoro_client(io_transport) as client:
        client.invoices.update_draft(INVORO_ID, invoro.DraftInvoice(lines=[]))
    assert json.loads(io_transport.requests[0].content) == {"items": []}
