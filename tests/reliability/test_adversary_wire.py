"""Adversary (issue 20, wire truth): answers the specs forbid must not be read as successes.

Each answer is canned on an httpx.MockTransport; requests are read back with the standard library's json.
Specs: /work/shared/specs/payabli_invoice_sdk_1.0.19.schema.json (``InvoiceResponseWithoutData``: required
``isSuccess`` boolean, ``responseCode`` integer, ``responseData`` string|integer, ``responseText`` string,
``roomId`` integer, none nullable), providers/whmcs.md (``invoiceid`` an integer, sent as text), the Invoro
invoice (``id``/``state`` strings).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from invoicekit import DecodeError, Invoro, Payabli, RetryPolicy, Whmcs, invoro
from invoicekit.payabli import BillData

FAST = RetryPolicy(initial=0, jitter=False)
INVORO_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
PAYABLI_OK: dict[str, Any] = {
    "isSuccess": True,
    "responseCode": 1,
    "responseData": 332,
    "responseText": "Success",
    "pageidentifier": None,
    "roomId": 0,
}


def canned(body: Any) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    return httpx.Client(transport=httpx.MockTransport(answer)), seen


def payabli_update(body: Any) -> Any:
    http, seen = canned(body)
    client = Payabli("tok", retry=FAST, http_client=http)
    try:
        return client.invoices.update(332, invoice_data=BillData(invoice_number="INV-6"))
    finally:
        assert len(seen) == 1  # sent once, never resent
        assert json.loads(seen[0].content) == {"invoiceData": {"invoiceNumber": "INV-6"}}


def test_payabli_documented_answer_is_read() -> None:
    result = payabli_update(PAYABLI_OK)
    assert (result.is_success, result.response_code, result.response_data, result.room_id) == (
        True,
        1,
        332,
        0,
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"responseCode": "1"}, id="responseCode-as-string"),
        pytest.param({"responseCode": True}, id="responseCode-as-bool"),
        pytest.param({"responseCode": 1.7}, id="responseCode-fraction"),
        pytest.param({"responseCode": None}, id="responseCode-null"),
        pytest.param({"responseText": 5}, id="responseText-as-number"),
        pytest.param({"responseText": None}, id="responseText-null"),
        pytest.param({"roomId": "0"}, id="roomId-as-string"),
        pytest.param({"responseData": True}, id="responseData-as-bool"),
        pytest.param({"responseData": None}, id="responseData-null"),
    ],
)
def test_payabli_answer_with_wrong_json_type_is_a_decode_error(change: dict[str, Any]) -> None:
    with pytest.raises(DecodeError) as info:
        payabli_update({**PAYABLI_OK, **change})
    assert info.value.status_code == 200
    assert next(iter(change)) in str(info.value)


@pytest.mark.parametrize("missing", ["responseCode", "responseData", "responseText", "roomId"])
def test_payabli_answer_missing_a_required_key_is_a_decode_error(missing: str) -> None:
    body = {k: v for k, v in PAYABLI_OK.items() if k != missing}
    with pytest.raises(DecodeError) as info:
        payabli_update(body)
    assert missing in str(info.value)


def test_payabli_bare_success_flag_is_not_a_success() -> None:
    with pytest.raises(DecodeError):
        payabli_update({"isSuccess": True})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"IsSuccess": False, **PAYABLI_OK}, id="false-first"),
        pytest.param({**PAYABLI_OK, "IsSuccess": False}, id="false-last"),
        pytest.param({**PAYABLI_OK, "ResponseCode": 2}, id="two-codes"),
    ],
)
def test_payabli_answer_with_one_key_in_two_casings_is_a_decode_error(body: dict[str, Any]) -> None:
    """Keys are read whatever their case, so an answer that spells one key twice says two things: it is
    unreadable, never a success chosen by dict order.
    """
    with pytest.raises(DecodeError) as info:
        payabli_update(body)
    assert "more than once" in str(info.value)


@pytest.mark.parametrize(
    "invoiceid",
    [
        pytest.param(True, id="bool"),
        pytest.param(1.9, id="fraction"),
        pytest.param("1.9", id="fraction-text"),
    ],
)
def test_whmcs_invoiceid_that_is_not_a_whole_number_is_a_decode_error(invoiceid: Any) -> None:
    http, seen = canned({"result": "success", "invoiceid": invoiceid})
    client = Whmcs("https://billing.example.com", "ident", "sec", retry=FAST, http_client=http)
    with pytest.raises(DecodeError) as info:
        client.invoices.update(1, notes="x")
    assert info.value.status_code == 200
    assert len(seen) == 1


@pytest.mark.parametrize("invoiceid", ["7", 7])
def test_whmcs_invoiceid_as_text_or_number_is_read(invoiceid: Any) -> None:
    http, _ = canned({"result": "success", "invoiceid": invoiceid})
    client = Whmcs("https://billing.example.com", "ident", "sec", retry=FAST, http_client=http)
    assert client.invoices.update(7, notes="x").invoice_id == 7


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"id": INVORO_ID, "state": True}, id="state-bool"),
        pytest.param({"id": 123}, id="id-number"),
        pytest.param({"id": INVORO_ID, "currency": 978}, id="currency-number"),
    ],
)
def test_invoro_string_field_given_another_json_type_is_a_decode_error(data: dict[str, Any]) -> None:
    http, seen = canned({"success": True, "data": data})
    client = Invoro("ak_test_x", retry=FAST, http_client=http)
    draft = invoro.DraftInvoice(header=invoro.Header(invoice_number="INV-1"))
    with pytest.raises(DecodeError) as info:
        client.invoices.update_draft(INVORO_ID, draft)
    assert info.value.status_code == 200
    assert len(seen) == 1
