"""Payabli wire tests: the exact requests `invoices.update` sends, and how every answer is read.

The expected bodies in ``fixtures/payabli_golden.json`` were produced by Payabli's official Python SDK
(``payabli`` 1.0.19) for the same updates; ``fixtures/make_payabli_golden.py`` says how.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

import invoicekit
from invoicekit import (
    UNSET,
    AsyncPayabli,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    File,
    NotFoundError,
    OutcomeUnknownError,
    Payabli,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
)
from invoicekit._call import Call, Json, Safety
from invoicekit._convert import camel
from invoicekit._money import decimal_text
from invoicekit.payabli import (
    MAX_UPLOAD_BASE64,
    BillData,
    BillItem,
    BillOptions,
    FileContent,
    FileType,
    Frequency,
    InvoiceResponse,
    PaymentTerms,
    PayorData,
)
from invoicekit.payabli._client import MAX_ATTACHMENT_BYTES, call_safety, update_call
from support import OneShot

KEY = "pb-token-0123456789abcdef"
SANDBOX = "https://api-sandbox.payabli.com/api"
PRODUCTION = "https://api.payabli.com/api"
FAST = RetryPolicy(initial=0, jitter=False)
KINDS = ["sync", "async"]
GOLDEN: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "payabli_golden.json").read_text(), parse_float=Decimal
)
PDF = base64.b64decode(GOLDEN["_pdf_base64"])
OK = {
    "isSuccess": True,
    "responseCode": 1,
    "responseData": 332,
    "responseText": "Success",
    "pageidentifier": None,
    "roomId": 0,
}


async def update(kind: str, id_invoice: Any = 332, **kw: Any) -> InvoiceResponse:
    """Run one update through the sync or the async client (sandbox, test token, no sleeping)."""
    options: dict[str, Any] = {"retry": FAST, "sandbox": True}
    for name in ("sandbox", "base_url", "retry", "api_key"):
        if name in kw:
            options[name] = kw.pop(name)
    options.setdefault("api_key", KEY)
    if not kw:  # an update that sets nothing is refused before sending: these tests are about answers
        kw["invoice_data"] = BillData(notes="n")
    if kind == "sync":
        with Payabli(**options) as client:
            return client.invoices.update(id_invoice, **kw)
    async with AsyncPayabli(**options) as aclient:
        return await aclient.invoices.update(id_invoice, **kw)


def bad(value: object) -> Any:
    """A value of the wrong type, passed where the type checker would object."""
    return value


def body_value(call: Call[Any]) -> Any:
    """The JSON value a call will send (files still as File objects)."""
    assert isinstance(call.body, Json)
    return call.body.value


def sent(httpx_mock: HTTPXMock) -> httpx.Request:
    (request,) = httpx_mock.get_requests()
    return request


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content, parse_float=Decimal)


# The same updates the golden bodies were made from, written against invoicekit's models.
FULL_CUSTOMER = PayorData(
    additional_data={"loyalty": {"tier": "gold", "points": 1200}},
    billing_address_1="123 Walnut Street",
    billing_address_2="Suite 103",
    billing_city="Johnson City",
    billing_country="US",
    billing_email="john@example.com",
    billing_phone="5555555555",
    billing_state="TN",
    billing_zip="37615-1234",
    company="Acme Travel",
    customer_id=4440,
    customer_number="C-0042",
    first_name="John",
    identifier_fields=["email", "customerNumber"],
    last_name="Smith",
    shipping_address_1="500 Elm Street",
    shipping_address_2="Dock 4",
    shipping_city="Knoxville",
    shipping_country="US",
    shipping_state="TN",
    shipping_zip="37902",
)


def full_invoice(pdf: Any = PDF) -> BillData:
    return BillData(
        additional_data={"department": "sales", "Region": "EU"},
        attachments=[
            FileContent(f_content=pdf, filename="INV-6.pdf", ftype=FileType.PDF),
            FileContent(furl="https://example.com/terms.pdf", filename="terms.pdf", ftype="pdf"),
        ],
        company="Acme Travel",
        discount=Decimal("10.5"),
        duty_amount=Decimal("0.01"),
        first_name="John",
        freight_amount=Decimal("12.25"),
        frequency=Frequency.EVERY3MONTHS,
        invoice_amount=Decimal("1234567.89"),
        invoice_date=dt.date(2025, 10, 19),
        invoice_due_date=dt.date(2025, 11, 18),
        invoice_end_date=dt.date(2026, 10, 19),
        invoice_number="INV-6",
        invoice_status=1,
        invoice_type=1,
        items=[
            BillItem(
                item_categories=["travel", "deposit"],
                item_commodity_code="010",
                item_cost=Decimal("882.37"),
                item_description="Deposit for trip planning",
                item_mode=0,
                item_product_code="DEP-1",
                item_product_name="Deposit",
                item_qty=2,
                item_tax_amount=Decimal("72.80"),
                item_tax_rate=Decimal("8.25"),
                item_total_amount=Decimal("1764.74"),
                item_unit_of_measure="EA",
            ),
            BillItem(
                item_cost=Decimal("0.1"),
                item_qty=0,
                item_mode=0,
                item_total_amount=0,
                item_product_name="Fee",
            ),
        ],
        last_name="Smith",
        notes='Café "Noël" \\ <b>\n\u2028',
        payment_terms="2/10NET30",
        purchase_order="PO-77",
        shipping_address_1="500 Elm Street",
        shipping_address_2="Dock 4",
        shipping_city="Knoxville",
        shipping_country="US",
        shipping_email="dock@example.com",
        shipping_from_zip="37615",
        shipping_phone="5555550000",
        shipping_state="TN",
        shipping_zip="37902",
        summary_commodity_code="501718",
        tax=Decimal("101.77"),
        terms_conditions="Net 30",
    )


CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "docs_example": lambda: {
        "invoice_data": BillData(
            items=[
                BillItem(
                    item_product_name="Deposit",
                    item_description=None,
                    item_cost=Decimal("882.37"),
                    item_qty=1,
                )
            ],
            invoice_date=dt.date(2025, 10, 19),
            invoice_amount=Decimal("982.37"),
            invoice_number="INV-6",
        )
    },
    "full_update": lambda: {
        "force_customer_creation": False,
        "customer_data": FULL_CUSTOMER,
        "invoice_data": full_invoice(),
        "scheduled_options": BillOptions(include_paylink=True, include_pdf=False),
    },
    "customer_forced": lambda: {
        "force_customer_creation": True,
        "customer_data": PayorData(billing_email="new@example.com", first_name="Ana"),
    },
    "clear_fields": lambda: {
        "customer_data": None,
        "invoice_data": BillData(
            notes=None, purchase_order=None, items=None, attachments=None, frequency=None
        ),
        "scheduled_options": BillOptions(include_pdf=None),
    },
}
#: GOLDEN["empty"] (the SDK sends {} for an update that sets nothing) is refused here: see
#: tests/providers/test_wire_truth.py.


class TestWire:
    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("case", sorted(CASES))
    async def test_body_is_what_payablis_own_sdk_sends(
        self, httpx_mock: HTTPXMock, kind: str, case: str
    ) -> None:
        """Method, URL, token, content type and every key and value of the body match the official SDK."""
        httpx_mock.add_response(json=OK)
        result = await update(kind, **CASES[case]())
        request, golden = sent(httpx_mock), GOLDEN[case]
        assert request.method == golden["method"] == "PUT"
        assert str(request.url) == golden["url"]
        assert request.headers["requestToken"] == KEY == golden["headers"]["requesttoken"].replace("KEY", KEY)
        assert request.headers["Content-Type"] == golden["headers"]["content-type"] == "application/json"
        assert (b"requestToken", KEY.encode()) in request.headers.raw  # the header's own spelling
        assert body_of(request) == golden["body"]
        assert int(request.headers["Content-Length"]) == len(request.content)
        assert result == InvoiceResponse(True, 1, "Success", 332, None, 0)

    @pytest.mark.anyio
    async def test_money_is_written_digit_for_digit(self, httpx_mock: HTTPXMock) -> None:
        """Decimals become JSON numbers with exactly their digits: no float error, no quotes, no exponent."""
        httpx_mock.add_response(json=OK)
        items = [
            BillItem(item_cost=Decimal("0.1") + Decimal("0.2"), item_tax_rate=Decimal("1E+2")),
            BillItem(item_cost=Decimal("12345678901234.99"), item_total_amount=7),
        ]
        await update("sync", invoice_data=BillData(items=items, invoice_amount=Decimal("-0.50")))
        raw = sent(httpx_mock).content
        assert b'"itemCost":0.3,' in raw
        assert b'"itemTaxRate":100}' in raw
        assert b'"itemCost":12345678901234.99,' in raw
        assert b'"itemTotalAmount":7}' in raw
        assert b'"invoiceAmount":-0.50' in raw

    @given(amount=st.decimals(min_value=-(10**13), max_value=10**13, places=2, allow_nan=False))
    def test_any_amount_round_trips_exactly(self, amount: Decimal) -> None:
        """For every two-decimal amount below 10^13, the body holds its exact digits as a JSON number."""
        seen: list[bytes] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request.read())
            return httpx.Response(200, json=OK)

        with Payabli(KEY, http_client=httpx.Client(transport=httpx.MockTransport(answer))) as client:
            client.invoices.update(1, invoice_data=BillData(invoice_amount=amount))
        assert seen == [b'{"invoiceData":{"invoiceAmount":' + decimal_text(amount).encode() + b"}}"]
        assert json.loads(seen[0], parse_float=Decimal)["invoiceData"]["invoiceAmount"] == amount

    @given(
        fields=st.dictionaries(
            st.sampled_from(
                [
                    "company",
                    "notes",
                    "purchase_order",
                    "shipping_city",
                    "terms_conditions",
                    "invoice_number",
                    "shipping_address_2",
                    "summary_commodity_code",
                ]
            ),
            st.none() | st.text(st.characters(blacklist_characters="\0", codec="utf-8")),
            min_size=1,  # an update that sets nothing is refused (tests/providers/test_wire_truth.py)
        )
    )
    def test_only_touched_fields_are_sent(self, fields: dict[str, Any]) -> None:
        """A field left UNSET is not in the body; a set one is there with its value, None as null."""
        assert body_value(update_call(1, invoice_data=BillData(**fields))) == {
            "invoiceData": {camel(k): v for k, v in fields.items()}
        }

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    async def test_production_is_the_default(self, httpx_mock: HTTPXMock, kind: str) -> None:
        """Without sandbox=True the update goes to api.payabli.com, with no query string."""
        httpx_mock.add_response(json=OK)
        await update(kind, 17, sandbox=False, invoice_data=BillData(notes="n"))
        assert str(sent(httpx_mock).url) == f"{PRODUCTION}/Invoice/17"

    @pytest.mark.anyio
    async def test_token_comes_from_the_environment(
        self, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With no api_key, PAYABLI_API_KEY is read; missing, it is a ValidationError naming the variable."""
        monkeypatch.setenv("PAYABLI_API_KEY", "from-env-token")
        httpx_mock.add_response(json=OK)
        with Payabli() as client:
            client.invoices.update(5, invoice_data=BillData(notes="n"))
        assert sent(httpx_mock).headers["requestToken"] == "from-env-token"
        monkeypatch.delenv("PAYABLI_API_KEY")
        with pytest.raises(ValidationError, match="PAYABLI_API_KEY"):
            Payabli()
        with pytest.raises(ValidationError, match="PAYABLI_API_KEY"):
            AsyncPayabli()

    @pytest.mark.anyio
    async def test_enum_member_and_wire_string_send_the_same(self, httpx_mock: HTTPXMock) -> None:
        """Frequency.MONTHLY and "monthly" (and PaymentTerms.MFI5 and "5MFI") are the same update."""
        httpx_mock.add_response(json=OK, is_reusable=True)
        await update(
            "sync", invoice_data=BillData(frequency=Frequency.MONTHLY, payment_terms=PaymentTerms.MFI5)
        )
        await update("sync", invoice_data=BillData(frequency="monthly", payment_terms="5MFI"))
        first, second = httpx_mock.get_requests()
        assert first.content == second.content
        assert body_of(first) == {"invoiceData": {"frequency": "monthly", "paymentTerms": "5MFI"}}

    def test_models_keep_wire_names_apart(self) -> None:
        """The invoice's AdditionalData keeps its capital A; the customer's additionalData does not."""
        call = update_call(
            1,
            invoice_data=BillData(additional_data={"k": "v"}),
            customer_data=PayorData(additional_data={"k": "v"}),
        )
        assert body_value(call) == {
            "customerData": {"additionalData": {"k": "v"}},
            "invoiceData": {"AdditionalData": {"k": "v"}},
        }

    @pytest.mark.anyio
    async def test_answer_keys_are_read_whatever_their_case(self, httpx_mock: HTTPXMock) -> None:
        """pageIdentifier (other endpoints' spelling) fills pageidentifier; unknown keys land in extra."""
        httpx_mock.add_response(json={**OK, "pageidentifier": None, "pageIdentifier": "p-1", "newKey": [1]})
        result = await update("async")
        assert result.pageidentifier == "p-1"
        assert result.response_data == 332
        assert result.extra == {"newKey": [1]}


class TestAttachments:
    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    async def test_a_path_is_streamed_as_base64(
        self, httpx_mock: HTTPXMock, kind: str, tmp_path: Path
    ) -> None:
        """A PDF bigger than one encoder chunk arrives as the exact base64 of the file, named after it."""
        pdf = b"%PDF-1.7\n" + bytes(range(256)) * 1000 + b"\n%%EOF"
        path = tmp_path / "INV-6 final.pdf"
        path.write_bytes(pdf)
        httpx_mock.add_response(json=OK)
        await update(kind, invoice_data=BillData(attachments=[path]))
        assert body_of(sent(httpx_mock)) == {
            "invoiceData": {
                "attachments": [
                    {
                        "fContent": base64.b64encode(pdf).decode(),
                        "filename": "INV-6 final.pdf",
                        "ftype": "pdf",
                    }
                ]
            }
        }

    def test_filename_and_ftype_default_from_the_file(self) -> None:
        """bytes -> attachment.pdf; File's content type picks ftype; given values are kept as they are."""
        bill = BillData(
            attachments=[
                PDF,
                File(b"\x89PNG\r\n", content_type="image/png"),
                FileContent(f_content=PDF, filename="x.bin", ftype=None),
                FileContent(f_content=File(b"text", filename="a.txt", content_type="text/plain")),
            ]
        )
        sent_files = body_value(update_call(1, invoice_data=bill))["invoiceData"]["attachments"]
        got = [{k: v for k, v in a.items() if k != "fContent"} for a in sent_files]
        assert got == [
            {"filename": "attachment.pdf", "ftype": "pdf"},
            {"filename": "attachment.png", "ftype": "png"},
            {"filename": "x.bin", "ftype": "pdf"},  # None is the spec's default (null): filled in as unset
            {"filename": "a.txt", "ftype": "txt"},
        ]

    def test_ftype_none_is_read_from_the_file_and_checked(self) -> None:
        """``ftype=None`` sent ``"ftype": null`` and skipped the PDF check: Payabli's spec makes null the
        default, so it is filled in from the file like an unset ftype, and a PDF checked as one.
        """
        page = FileContent(f_content=b"<html>error page</html>", ftype=None)
        with pytest.raises(ValidationError, match="not a PDF") as caught:
            update_call(1, invoice_data=BillData(attachments=[page]))
        assert caught.value.field == "invoice_data.attachments[0].f_content"
        webp = FileContent(f_content=File(b"RIFF", content_type="image/webp"), ftype=None)
        with pytest.raises(ValidationError, match="set ftype") as caught:
            update_call(1, invoice_data=BillData(attachments=[webp]))
        assert caught.value.field == "invoice_data.attachments[0].ftype"

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    async def test_ftype_none_on_the_wire(self, httpx_mock: HTTPXMock, kind: str) -> None:
        """A file with ftype None is sent with the type its content type says; a link alone keeps null."""
        png = FileContent(f_content=File(b"\x89PNG", content_type="image/png"), ftype=None)
        online = FileContent(furl="https://example.com/terms.pdf", ftype=None)  # no file: nothing to read
        httpx_mock.add_response(json=OK)
        await update(kind, invoice_data=BillData(attachments=[png, online]))
        assert body_of(sent(httpx_mock)) == {
            "invoiceData": {
                "attachments": [
                    {
                        "fContent": base64.b64encode(b"\x89PNG").decode(),
                        "filename": "attachment.png",
                        "ftype": "png",
                    },
                    {"furl": "https://example.com/terms.pdf", "ftype": None},
                ]
            }
        }

    @pytest.mark.anyio
    async def test_a_seekable_file_object_is_resent_whole_on_retry(self, httpx_mock: HTTPXMock) -> None:
        """With ATTACHMENTS_APPEND off, a 503 is retried and both attempts carry the whole file."""
        httpx_mock.add_response(status_code=503)
        httpx_mock.add_response(json=OK)
        stream = io.BytesIO(b"junk" + PDF)
        stream.seek(4)
        call = update_call(1, invoice_data=BillData(attachments=[stream]))
        call = call.replace(safety=Safety.IDEMPOTENT)  # what flipping ATTACHMENTS_APPEND gives
        with Payabli(KEY, retry=FAST) as client:
            client._send(call)
        first, second = httpx_mock.get_requests()
        assert first.content == second.content
        assert body_of(second)["invoiceData"]["attachments"][0]["fContent"] == GOLDEN["_pdf_base64"]


class TestEnvelopes:
    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize(
        ("answer", "error"),
        [
            (
                {"responseCode": 3003, "responseText": "Declined", "responseData": "Invalid item data"},
                BadRequestError,
            ),
            (
                {"responseCode": 2, "responseText": "Declined", "responseData": "Invoice 332 not found"},
                NotFoundError,
            ),
            (
                {"responseCode": 3001, "responseText": "Invalid entrypoint name", "responseData": 0},
                NotFoundError,
            ),
            (
                {"responseCode": 3, "responseText": "Declined", "responseData": "Invoice is already paid"},
                ConflictError,
            ),
            (
                {"responseCode": 3, "responseText": "Invoice cannot be modified", "responseData": ""},
                ConflictError,
            ),
        ],
    )
    async def test_http_200_with_is_success_false_raises(
        self, httpx_mock: HTTPXMock, kind: str, answer: dict[str, Any], error: type[Exception]
    ) -> None:
        """isSuccess: false raises its HTTP twin's class, with responseCode, responseText and responseData."""
        payload = {"isSuccess": False, **answer, "pageidentifier": None, "roomId": 0}
        httpx_mock.add_response(json=payload)
        with pytest.raises(error) as caught:
            await update(kind, invoice_data=BillData(notes="x"))
        exc = caught.value
        assert type(exc) is error
        assert isinstance(exc, invoicekit.APIError)
        assert exc.status_code == 200
        assert exc.body == payload
        assert str(answer["responseCode"]) in exc.message
        assert answer["responseText"] in exc.message
        assert str(answer["responseData"]) in exc.message
        assert len(httpx_mock.get_requests()) == 1

    @pytest.mark.anyio
    async def test_error_body_explanation_is_in_the_message(self, httpx_mock: HTTPXMock) -> None:
        """PayabliErrorBody's responseData.explanation and todoAction end up in the message."""
        reason = {"explanation": "itemQty is invalid", "todoAction": "Send an integer"}
        body = {
            "isSuccess": False,
            "responseCode": 3003,
            "responseText": "Invalid parameter value",
            "responseData": reason,
        }
        httpx_mock.add_response(status_code=400, json=body)
        with pytest.raises(BadRequestError) as caught:
            await update("sync")
        assert caught.value.status_code == 400
        assert caught.value.message == (
            "Invalid parameter value: itemQty is invalid Send an integer (responseCode 3003)"
        )
        assert caught.value.body == body

    @pytest.mark.anyio
    async def test_a_400_saying_not_found_is_a_not_found_error(self, httpx_mock: HTTPXMock) -> None:
        """Payabli may answer 400 for an unknown invoice; its text refines the class, the status stays."""
        httpx_mock.add_response(
            status_code=400, json={"isSuccess": False, "responseText": "Invoice not found"}
        )
        with pytest.raises(NotFoundError) as caught:
            await update("sync")
        assert caught.value.status_code == 400

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    async def test_401_is_an_authentication_error_without_the_token(
        self, httpx_mock: HTTPXMock, kind: str
    ) -> None:
        """401 raises AuthenticationError; a token echoed back by the server is scrubbed from it."""
        httpx_mock.add_response(
            status_code=401,
            json={
                "isSuccess": False,
                "responseText": f"Token {KEY} is not valid",
                "responseData": {"explanation": f"bad {KEY}", "todoAction": "Use a valid token"},
            },
        )
        with pytest.raises(AuthenticationError) as caught:
            await update(kind)
        assert KEY not in str(caught.value)
        assert KEY not in json.dumps(caught.value.body)
        assert "Token *** is not valid" in caught.value.message
        assert len(httpx_mock.get_requests()) == 1

    @pytest.mark.anyio
    @pytest.mark.parametrize("status", [500, 503])
    async def test_5xx_is_retried_then_a_server_error(self, httpx_mock: HTTPXMock, status: int) -> None:
        """An idempotent update is tried three times on 5xx, then raises ServerError."""
        httpx_mock.add_response(status_code=status, text="Database connection error", is_reusable=True)
        with pytest.raises(ServerError) as caught:
            await update("async", invoice_data=BillData(notes="n"))
        assert caught.value.status_code == status
        assert caught.value.message == "Database connection error"
        assert len(httpx_mock.get_requests()) == 3

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    async def test_a_503_then_success_resends_the_same_request(
        self, httpx_mock: HTTPXMock, kind: str
    ) -> None:
        """The retry carries the same URL, headers and body."""
        httpx_mock.add_response(status_code=503, headers={"Retry-After": "0"})
        httpx_mock.add_response(json=OK)
        result = await update(kind, **CASES["docs_example"]())
        first, second = httpx_mock.get_requests()
        assert (first.method, first.url, first.content) == (second.method, second.url, second.content)
        assert first.headers["requestToken"] == second.headers["requestToken"] == KEY
        assert result.is_success is True

    @pytest.mark.anyio
    async def test_an_answer_that_is_not_json_is_a_decode_error(self, httpx_mock: HTTPXMock) -> None:
        """A 200 HTML page is a DecodeError, not a success, and is not retried."""
        httpx_mock.add_response(text="<html><title>Maintenance</title></html>")
        with pytest.raises(DecodeError):
            await update("sync")
        assert len(httpx_mock.get_requests()) == 1

    @pytest.mark.anyio
    async def test_a_success_whose_data_is_not_an_id_is_a_decode_error(self, httpx_mock: HTTPXMock) -> None:
        """responseData must be a string or an integer, as Payabli's schema says."""
        httpx_mock.add_response(json={**OK, "responseData": {"id": 1}})
        with pytest.raises(DecodeError, match="responseData"):
            await update("sync")


class TestSafety:
    def test_safety_of_each_kind_of_update(self) -> None:
        """Only a forced customer creation or an attachment makes an update unsafe to resend."""
        assert call_safety(BillData(notes="x"), UNSET) is Safety.IDEMPOTENT
        assert call_safety(BillData(notes="x"), False) is Safety.IDEMPOTENT
        assert call_safety(None, UNSET) is Safety.IDEMPOTENT
        assert call_safety(BillData(attachments=[]), UNSET) is Safety.IDEMPOTENT
        assert call_safety(BillData(notes="x"), True) is Safety.UNSAFE
        assert call_safety(BillData(attachments=[PDF]), UNSET) is Safety.UNSAFE
        assert (
            call_safety(BillData(attachments=[FileContent(furl="https://x/y.pdf")]), False) is Safety.UNSAFE
        )

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"force_customer_creation": True, "customer_data": PayorData(billing_email="a@b.co")},
            {"invoice_data": BillData(attachments=[PDF])},
        ],
        ids=["force_customer_creation", "attachment"],
    )
    async def test_unsafe_update_is_not_resent_after_a_503(
        self, httpx_mock: HTTPXMock, kind: str, kwargs: dict[str, Any]
    ) -> None:
        """A 503 to an update that may create a customer or add a file raises OutcomeUnknownError at once."""
        httpx_mock.add_response(status_code=503, is_optional=True, is_reusable=True)
        with pytest.raises(OutcomeUnknownError) as caught:
            await update(kind, **kwargs)
        assert caught.value.status_code == 503
        assert len(httpx_mock.get_requests()) == 1

    @pytest.mark.anyio
    async def test_unsafe_update_is_not_resent_after_a_timeout(self, httpx_mock: HTTPXMock) -> None:
        """A read timeout on a forced customer creation is OutcomeUnknownError, with one request sent."""
        httpx_mock.add_exception(httpx.ReadTimeout("slow"), is_reusable=True)
        with pytest.raises(OutcomeUnknownError):
            await update("sync", force_customer_creation=True, customer_data=PayorData(first_name="Ana"))
        assert len(httpx_mock.get_requests()) == 1

    @pytest.mark.anyio
    async def test_idempotent_update_is_resent_after_a_timeout(self, httpx_mock: HTTPXMock) -> None:
        """A plain update is resent after a read timeout and succeeds."""
        httpx_mock.add_exception(httpx.ReadTimeout("slow"))
        httpx_mock.add_response(json=OK)
        assert (await update("async", invoice_data=BillData(notes="n"))).is_success is True
        assert len(httpx_mock.get_requests()) == 2

    @pytest.mark.anyio
    async def test_unsafe_update_is_resent_when_it_never_left(self, httpx_mock: HTTPXMock) -> None:
        """A connect error means nothing was sent: even a forced customer creation is tried again."""
        httpx_mock.add_exception(httpx.ConnectError("refused"))
        httpx_mock.add_response(json=OK)
        await update("sync", force_customer_creation=True, customer_data=PayorData(first_name="Ana"))
        assert len(httpx_mock.get_requests()) == 2

    @pytest.mark.anyio
    async def test_429_waits_and_retries_even_an_unsafe_update(self, httpx_mock: HTTPXMock) -> None:
        """A 429 was refused before it ran, so it is retried after Retry-After; too long a wait raises."""
        httpx_mock.add_response(status_code=429, headers={"Retry-After": "0"})
        httpx_mock.add_response(json=OK)
        await update("sync", force_customer_creation=True, customer_data=PayorData(first_name="Ana"))
        assert len(httpx_mock.get_requests()) == 2
        httpx_mock.add_response(status_code=429, headers={"Retry-After": "3600"})
        with pytest.raises(RateLimitError) as caught:
            await update("sync")
        assert caught.value.retry_after == 3600

    @pytest.mark.anyio
    async def test_the_token_is_not_logged(
        self, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Debug logs of a retried update never contain the token, nor does the client's repr."""
        httpx_mock.add_response(status_code=503)
        httpx_mock.add_response(json=OK)
        with caplog.at_level(logging.DEBUG, logger="invoicekit"):
            await update("sync", invoice_data=BillData(notes="n"))
        assert caplog.records
        assert KEY not in caplog.text
        assert KEY not in repr(Payabli(KEY))


def _pdf_of_size(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(size)  # sparse: no memory, no disk
    return path


class TestValidation:
    """Each bad input raises ValidationError naming the field, and nothing is sent."""

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"id_invoice": "332"}, "id_invoice"),
            ({"id_invoice": 332.0}, "id_invoice"),
            ({"id_invoice": True}, "id_invoice"),
            ({"id_invoice": 0}, "id_invoice"),
            ({"id_invoice": -5}, "id_invoice"),
            ({"invoice_data": BillData(invoice_amount=bad(982.37))}, "invoice_data.invoice_amount"),
            ({"invoice_data": BillData(discount=bad(0.5))}, "invoice_data.discount"),
            ({"invoice_data": BillData(tax=bad("1.00"))}, "invoice_data.tax"),
            ({"invoice_data": BillData(invoice_amount=Decimal("NaN"))}, "invoice_data.invoice_amount"),
            (
                {
                    "invoice_data": BillData(
                        items=[BillItem(item_cost=Decimal(1)), BillItem(item_cost=bad(1.5))]
                    )
                },
                "invoice_data.items[1].item_cost",
            ),
            (
                {"invoice_data": BillData(items=[BillItem(item_total_amount=True)])},
                "invoice_data.items[0].item_total_amount",
            ),
            ({"invoice_data": BillData(items=[BillItem(item_qty=-1)])}, "invoice_data.items[0].item_qty"),
            (
                {"invoice_data": BillData(items=[BillItem(item_qty=bad(1.5))])},
                "invoice_data.items[0].item_qty",
            ),
            (
                {"invoice_data": BillData(items=[BillItem(item_qty=bad(Decimal(2)))])},
                "invoice_data.items[0].item_qty",
            ),
            ({"invoice_data": BillData(items=[BillItem(item_qty=2**31)])}, "invoice_data.items[0].item_qty"),
            ({"invoice_data": BillData(items=[bad({"itemCost": 1})])}, "invoice_data.items[0]"),
            ({"invoice_data": BillData(invoice_date=dt.datetime(2025, 1, 2))}, "invoice_data.invoice_date"),
            ({"invoice_data": BillData(invoice_due_date=bad("2025-01-02"))}, "invoice_data.invoice_due_date"),
            ({"invoice_data": BillData(shipping_email="not-an-email")}, "invoice_data.shipping_email"),
            ({"invoice_data": BillData(additional_data={"k": bad(1)})}, "invoice_data.additional_data['k']"),
            ({"invoice_data": BillData(invoice_status=-1)}, "invoice_data.invoice_status"),
            ({"invoice_data": BillData(notes="a\0b")}, "invoice_data.notes"),
            ({"invoice_data": {"notes": "x"}}, "invoice_data"),
            ({"customer_data": PayorData(customer_id=0)}, "customer_data.customer_id"),
            ({"customer_data": PayorData(identifier_fields="email")}, "customer_data.identifier_fields"),
            ({"customer_data": PayorData(billing_email="a@b")}, "customer_data.billing_email"),
            ({"customer_data": PayorData(additional_data={"k": 0.5})}, "customer_data.additional_data['k']"),
            ({"customer_data": BillData()}, "customer_data"),
            ({"scheduled_options": BillOptions(include_pdf=bad(1))}, "scheduled_options.include_pdf"),
            ({"force_customer_creation": "true"}, "force_customer_creation"),
            ({"force_customer_creation": None}, "force_customer_creation"),
        ],
    )
    async def test_bad_value(
        self, httpx_mock: HTTPXMock, kind: str, kwargs: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            await update(kind, **kwargs)
        assert caught.value.field == field
        assert httpx_mock.get_requests() == []

    @pytest.mark.parametrize(
        ("make", "field"),
        [
            (lambda: BillData(frequency="Monthly"), "frequency"),
            (lambda: BillData(frequency="daily"), "frequency"),
            (lambda: BillData(frequency=bad(3)), "frequency"),
            (lambda: BillData(payment_terms="NET 30"), "payment_terms"),
            (lambda: BillData(payment_terms=Frequency.MONTHLY), "payment_terms"),
            (lambda: FileContent(ftype="pdfx"), "ftype"),
            (lambda: BillData(items=bad(BillItem())), "items"),
            (lambda: BillData(attachments="invoice.pdf"), "attachments"),
            (lambda: BillData(attachments=[bad(42)]), "attachments[0]"),
        ],
    )
    def test_unknown_enum_values_and_shapes_fail_when_the_model_is_made(
        self, make: Callable[[], object], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            make()
        assert caught.value.field == field

    @pytest.mark.anyio
    @pytest.mark.parametrize("kind", KINDS)
    async def test_files(self, httpx_mock: HTTPXMock, kind: str, tmp_path: Path) -> None:
        """Missing, empty, non-PDF, oversized, over-the-total and one-shot files never reach Payabli."""
        big = _pdf_of_size(tmp_path / "big.pdf", MAX_ATTACHMENT_BYTES + 1)
        fits = _pdf_of_size(tmp_path / "fits.pdf", MAX_ATTACHMENT_BYTES)
        half = _pdf_of_size(tmp_path / "half.pdf", MAX_ATTACHMENT_BYTES // 2 + 3)
        (tmp_path / "empty.pdf").write_bytes(b"")
        pipe = OneShot(PDF)
        cases: list[tuple[list[Any], str, str]] = [
            ([tmp_path / "missing.pdf"], "invoice_data.attachments[0].f_content", "cannot read"),
            ([tmp_path / "empty.pdf"], "invoice_data.attachments[0].f_content", "empty"),
            ([b"<html>error page</html>"], "invoice_data.attachments[0].f_content", "not a PDF"),
            (
                [PDF, FileContent(f_content=b"GIF89a", ftype="pdf")],
                "invoice_data.attachments[1].f_content",
                "not a PDF",
            ),
            ([File(b"\x89PNG", content_type="image/webp")], "invoice_data.attachments[0].ftype", "set ftype"),
            ([big], "invoice_data.attachments[0].f_content", "limit"),
            ([half, half], "invoice_data.attachments", "over Payabli's limit"),
            ([pipe], "invoice_data.attachments[0].f_content", "one-shot"),
        ]
        for attachments, field, words in cases:
            with pytest.raises(ValidationError, match=words) as caught:
                await update(kind, invoice_data=BillData(attachments=attachments))
            assert caught.value.field == field
        assert httpx_mock.get_requests() == []
        update_call(1, invoice_data=BillData(attachments=[fits]))  # exactly at the limit: accepted
        assert 4 * -(-MAX_ATTACHMENT_BYTES // 3) == MAX_UPLOAD_BASE64

    def test_a_non_pdf_attachment_is_fine_when_it_says_what_it_is(self) -> None:
        """ftype png, or a File with a non-PDF content type, skips the %PDF- check (not the empty check)."""
        update_call(1, invoice_data=BillData(attachments=[FileContent(f_content=b"\x89PNG", ftype="png")]))
        update_call(1, invoice_data=BillData(attachments=[File(b"hello", content_type="text/plain")]))
        with pytest.raises(ValidationError, match="empty"):
            update_call(1, invoice_data=BillData(attachments=[FileContent(f_content=b"", ftype="txt")]))


def test_transport_errors_are_typed(httpx_mock: HTTPXMock) -> None:
    """Connect errors on every attempt end as TransportError (not OutcomeUnknownError) for a plain update."""
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with Payabli(KEY, retry=FAST) as client, pytest.raises(TransportError) as caught:
        client.invoices.update(1, invoice_data=BillData(notes="x"))
    assert type(caught.value) is TransportError
    assert caught.value.attempts == 3


@pytest.mark.parametrize(
    ("argument", "model"),
    [("invoice_data", "BillData"), ("customer_data", "PayorData"), ("scheduled_options", "BillOptions")],
)
def test_each_update_object_must_be_its_model(argument: str, model: str) -> None:
    """A dict where a model belongs is refused before anything is built, naming the argument and the model."""
    from invoicekit.payabli._client import update_call

    kwargs: dict[str, Any] = {argument: {"notes": "x"}}
    with pytest.raises(invoicekit.ValidationError) as caught:
        update_call(7, **kwargs)
    assert caught.value.field == argument
    assert caught.value.rule == f"must be a payabli.{model}, not dict"
