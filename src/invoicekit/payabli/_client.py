"""Payabli's API: ``PUT /Invoice/{idInvoice}`` updates an invoice (JSON, camelCase, ``requestToken``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
import httpx

from .._answers import Failure, Hints
from .._auth import HeaderAuth, credential
from .._call import Call, Json, Safety
from .._checks import boolean, int_id, some_change
from .._client import AsyncClient, Provider, SyncClient
from .._convert import amount, camel, json_kind, make_converter, structure, whole
from .._errors import ValidationError, bad_answer
from .._fields import write
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset
from ._models import (
    BillData,
    BillOptions,
    InvoiceRecord,
    InvoiceRecordItem,
    InvoiceResponse,
    PayorData,
    with_files,
)

if TYPE_CHECKING:
    from .._operations import Options, Unpack

__all__ = [
    "ATTACHMENTS_APPEND",
    "MAX_UPLOAD_BASE64",
    "PAYABLI",
    "AsyncInvoices",
    "AsyncPayabli",
    "Invoices",
    "Payabli",
    "call_safety",
    "check_envelope",
    "envelope_hint",
    "read_error",
    "update_call",
]

#: Most base64 text sent in one update, over all attachments. Payabli says "Max upload size is 30 MB"
#: without saying whether of the file or of its base64 text [UNK]; invoicekit takes the conservative
#: reading [INF]: 30,000,000 (not 30 MiB) characters of base64, all files of the update together. A file
#: therefore holds at most 22,500,000 bytes (base64 is 4 characters per 3 bytes).
MAX_UPLOAD_BASE64: Final = 30_000_000
MAX_ATTACHMENT_BYTES: Final = MAX_UPLOAD_BASE64 // 4 * 3

#: Whether a PUT with attachments adds them to the invoice's files rather than replacing the list [UNK].
#: Payabli has a separate "delete attached file" endpoint, which suggests it adds [INF]; so an update
#: with attachments is not resent after it may have run (a retry could attach the files twice).
ATTACHMENTS_APPEND: Final = True

#: How a failure envelope (``isSuccess: false``) maps to the status of its HTTP twin. Payabli documents
#: no "not found" or "conflict" code for invoices [UNK]; these are read from responseCode, then from
#: responseText and responseData. Anything else is a 400 (BadRequestError).
_CODE_HINTS: Final[dict[int, int]] = {3001: 404}  # 3001: "Entrypoint specified in parameter doesn't exist"
_TEXT_HINTS: Final = Hints(
    (re.compile(r"not found|does ?n[o']t exist|no such|unknown invoice", re.IGNORECASE), 404),
    (
        re.compile(
            r"already|duplicate|conflict|cannot be (?:modified|updated|edited|changed)|not editable"
            r"|is (?:paid|canceled|cancelled|closed)",
            re.IGNORECASE,
        ),
        409,
    ),
)


def _ci(data: dict[str, Any], key: str) -> Any:
    """A key of a Payabli answer, whatever its casing (Payabli spells some keys two ways)."""
    if key in data:
        return data[key]
    lowered = key.lower()
    return next((v for k, v in data.items() if k.lower() == lowered), None)


def _reason(data: dict[str, Any]) -> str:
    detail = _ci(data, "responseData")
    if isinstance(detail, dict):
        parts = [_ci(detail, "explanation"), _ci(detail, "todoAction")]
        return " ".join(str(p).strip() for p in parts if p)
    return "" if detail is None or isinstance(detail, bool) else str(detail).strip()


def _message(data: dict[str, Any]) -> str:
    text = str(_ci(data, "responseText") or "").strip()
    reason = _reason(data)
    message = ": ".join(p for p in (text, reason) if p) or "the request failed"
    code = _ci(data, "responseCode")
    return f"{message} (responseCode {code})" if code is not None else message


def envelope_hint(data: dict[str, Any]) -> int:
    """The HTTP status a Payabli failure stands for: 404, 409, else 400."""
    code = _ci(data, "responseCode")
    if isinstance(code, int) and code in _CODE_HINTS:
        return _CODE_HINTS[code]
    said = f"{_ci(data, 'responseText') or ''} {_reason(data)}"
    return _TEXT_HINTS(said) or 400


def check_envelope(data: Any) -> Failure | None:
    """An HTTP-200 answer with ``isSuccess: false`` (the JSON value) is a failure, raised like its HTTP
    twin. Any flag other than JSON ``true`` or ``false`` is left to the parser, which raises DecodeError.
    """
    if not isinstance(data, dict) or _ci(data, "isSuccess") is not False:
        return None
    return Failure(_message(data), hint=envelope_hint(data))


def read_error(status: int, data: Any) -> Failure:
    """Read an HTTP error answer: Payabli's envelope when there is one, else the text.

    A 400 envelope is refined like an HTTP-200 one (a 400 "not found" raises NotFoundError); other
    statuses map by status.
    """
    if isinstance(data, dict) and any(k.lower() in {"responsetext", "responsedata"} for k in data):
        return Failure(_message(data), hint=envelope_hint(data) if status == 400 else None)
    if isinstance(data, str) and data.strip():
        return Failure(" ".join(data.split())[:200])
    return Failure(f"HTTP {status} with no message")


PAYABLI = Provider(
    "payabli",
    "https://api.payabli.com/api",
    sandbox_url="https://api-sandbox.payabli.com/api",
    read_error=read_error,
    check_envelope=check_envelope,
    base_url_env="PAYABLI_BASE_URL",
)

_CONV = make_converter(wire_name=camel)


def _response_data(value: Any, _: type) -> str | int | None:
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"responseData must be a string or an integer, not {type(value).__name__}")


_CONV.register_structure_hook(str | int | None, _response_data)
#: Answer keys by their lower-case form: Payabli spells ``pageidentifier`` two ways across endpoints.
_RESPONSE_KEYS: Final = {camel(a.name).lower(): camel(a.name) for a in attrs.fields(InvoiceResponse)}


def _json_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: ``InvoiceResponseWithoutData`` marks these keys required, none nullable, each one JSON type [DOC]
#: (specs/payabli_invoice_sdk_1.0.19.schema.json): a missing key, a null or a number sent as text is an
#: answer the spec forbids, read as a DecodeError (isSuccess is checked first, on its own).
_REQUIRED_ANSWER: Final[dict[str, tuple[str, Callable[[Any], bool]]]] = {
    "responseCode": ("an integer", _json_int),
    "responseData": ("a string or an integer", lambda v: isinstance(v, str) or _json_int(v)),
    "responseText": ("a string", lambda v: isinstance(v, str)),
    "roomId": ("an integer", _json_int),
}
#: Keys whose two spellings in one answer make it unreadable (``pageidentifier``, spelled two ways across
#: Payabli's endpoints and never a verdict, is taken from its last spelling).
_ONE_SPELLING: Final = frozenset({"isSuccess", *_REQUIRED_ANSWER})


def _parse(data: Any) -> InvoiceResponse:
    if isinstance(data, dict):
        folded: dict[str, Any] = {}
        for k, v in data.items():
            name = str(_RESPONSE_KEYS.get(k.lower(), k))
            if name in folded and name in _ONE_SPELLING:  # read whatever its case: two spellings disagree
                raise bad_answer(f"the answer has {name} more than once (in two casings)")
            folded[name] = v
        data = folded
    # Success is the JSON value true and nothing else (the spec marks isSuccess required): a missing,
    # null or string flag is an answer we cannot read, never a success. `false` was raised already.
    flag = data.get("isSuccess") if isinstance(data, dict) else None
    if flag is not True:
        raise bad_answer(f"isSuccess is {json_kind(flag, data, 'isSuccess')}, not JSON true")
    for key, (kind, fits) in _REQUIRED_ANSWER.items():
        if not fits(data.get(key)):
            raise bad_answer(f"{key} is {json_kind(data.get(key), data, key)}, not {kind}")
    return structure(_CONV, data, InvoiceResponse)


def update_call(
    id_invoice: int,
    *,
    invoice_data: BillData | None | Unset = UNSET,
    customer_data: PayorData | None | Unset = UNSET,
    scheduled_options: BillOptions | None | Unset = UNSET,
    force_customer_creation: bool | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Call[InvoiceResponse]:
    """Update the invoice *id_invoice* (``PUT /Invoice/{idInvoice}``).

    *id_invoice* is Payabli's invoice id, an ``int``. *invoice_data* (:class:`BillData`),
    *customer_data* (:class:`PayorData`) and *scheduled_options* (:class:`BillOptions`) hold the
    changes: a field left UNSET is not sent and keeps its value; ``None`` is sent as JSON ``null``.
    Leaving a whole argument UNSET leaves that object out of the body. *force_customer_creation*
    sets the ``forceCustomerCreation`` query parameter: ``True`` makes Payabli create a new customer
    record even when the identifiers match an existing one.

    Returns the :class:`InvoiceResponse` (``response_data`` is the invoice id). Retries: the update is
    resent after a timeout, a dropped connection or a 5xx, except when it creates a customer
    (``force_customer_creation=True``) or attaches files (Payabli may add them twice): those raise
    OutcomeUnknownError instead, and you check the invoice before trying again.

    Raises ValidationError (nothing is sent: a non-int id, a float amount, a negative quantity, an
    unknown enum value, a missing, empty, non-PDF or oversized file), BadRequestError (Payabli
    refused the data, including HTTP 200 with ``isSuccess: false``), NotFoundError (no such invoice),
    ConflictError (the invoice cannot change, e.g. it is paid), AuthenticationError (wrong token),
    RateLimitError, ServerError, OutcomeUnknownError or another TransportError. *extra_headers* are
    added to every attempt (checked: no CR/LF, no credential or framing header).
    """
    ids = {"idInvoice": int_id(id_invoice, "id_invoice")}
    body: dict[str, Any] = {}
    for key, name, value, kind in (
        ("customerData", "customer_data", customer_data, PayorData),
        ("invoiceData", "invoice_data", invoice_data, BillData),
        ("scheduledOptions", "scheduled_options", scheduled_options, BillOptions),
    ):
        if value is None:
            body[key] = None
        elif value is not UNSET:
            if type(value) is not kind and not isinstance(value, kind):
                raise ValidationError(name, f"must be a payabli.{kind.__name__}, not {type(value).__name__}")
            body[key] = write(value, name)
    if isinstance(invoice_data, BillData) and invoice_data.attachments:
        invoice_data = with_files(invoice_data, MAX_ATTACHMENT_BYTES, MAX_UPLOAD_BASE64)
        body["invoiceData"]["attachments"] = write(invoice_data, "invoice_data")["attachments"]
    query: dict[str, str] = {}
    if force_customer_creation is not UNSET:
        forced = boolean(force_customer_creation, "force_customer_creation")
        query["forceCustomerCreation"] = "true" if forced else "false"
    # A null object sets no field: {"invoiceData": null} alone changes nothing, as {} does.
    some_change([value for value in body.values() if value])
    return Call(
        "PUT",
        "/Invoice/{idInvoice}",
        parse=_parse,
        ids=ids,
        query=query,
        body=Json(body),
        safety=call_safety(
            invoice_data if isinstance(invoice_data, BillData) else None, force_customer_creation
        ),
        extra_headers=extra_headers,
    )


#: Record keys (lower case) -> InvoiceRecord attribute and reader. Spellings [SDK GetInvoiceRecord, INF].
_RECORD: Final[dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "invoicenumber": ("invoice_number", lambda v: _opt(v, str)),
    "invoicestatus": ("invoice_status", lambda v: _opt(v, whole)),
    "invoicetype": ("invoice_type", lambda v: _opt(v, whole)),
    "invoiceamount": ("invoice_amount", lambda v: _opt(v, amount)),
    "invoicepaidamount": ("paid_amount", lambda v: _opt(v, amount)),
    "invoicedate": ("invoice_date", lambda v: _opt(v, _day)),
    "invoiceduedate": ("invoice_due_date", lambda v: _opt(v, _day)),
    "paymentterms": ("payment_terms", lambda v: _opt(v, str)),
    "notes": ("notes", lambda v: _opt(v, str)),
}
_RECORD_ITEM: Final[dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "itemproductname": ("item_product_name", lambda v: _opt(v, str)),
    "itemdescription": ("item_description", lambda v: _opt(v, str)),
    "itemproductcode": ("item_product_code", lambda v: _opt(v, str)),
    "itemcost": ("item_cost", lambda v: _opt(v, amount)),
    "itemqty": ("item_qty", lambda v: _opt(v, amount)),
    "itemtotalamount": ("item_total_amount", lambda v: _opt(v, amount)),
}


def parse_record(data: Any) -> InvoiceRecord:
    """Read a ``GET /Invoice/{idInvoice}`` answer into :class:`InvoiceRecord` (else a DecodeError)."""
    try:
        if not isinstance(data, dict):
            raise TypeError(f"the answer is a JSON {type(data).__name__}, not an object")
        values: dict[str, Any] = {"id_invoice": whole(_ci(data, "IdInvoice"))}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            known = _RECORD.get(key.lower())
            if known is not None:
                values[known[0]] = known[1](value)
            elif key.lower() not in {"idinvoice", "items", "documentsref"}:
                extra[key] = value
        values["items"] = tuple(_record_item(i) for i in _ci(data, "items") or ())
        documents = _ci(data, "DocumentsRef")
        listed = (_ci(documents, "filelist") or ()) if isinstance(documents, dict) else ()
        values["files"] = tuple(str(_ci(f, "zipName")) for f in listed if _ci(f, "zipName"))
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise bad_answer(f"the answer does not fit InvoiceRecord ({type(exc).__name__}: {exc})") from None
    return InvoiceRecord(**values, extra=extra)


def _record_item(raw: Any) -> InvoiceRecordItem:
    if not isinstance(raw, dict):
        raise TypeError(f"an item is a {type(raw).__name__}, not an object")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        known = _RECORD_ITEM.get(key.lower())
        if known is not None:
            values[known[0]] = known[1](value)
        else:
            extra[key] = value
    return InvoiceRecordItem(**values, extra=extra)


def _opt(value: Any, read: Callable[[Any], Any]) -> Any:
    """None for an absent value: null, or ``""`` (how an empty date or number may travel)."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else read(value)


def _day(value: Any) -> dt.date | None:
    text = str(value)[:10]  # "2025-10-19" or "2025-10-19T00:00:00"
    return None if text == "0000-00-00" else dt.date.fromisoformat(text)


def get_call(id_invoice: int, *, extra_headers: Mapping[str, str] | None = None) -> Call[InvoiceRecord]:
    """Read the invoice *id_invoice* (``GET /Invoice/{idInvoice}``) as an :class:`InvoiceRecord`.

    A read: retried after timeouts, 5xx and 429. Raises ValidationError (a non-int id), NotFoundError,
    AuthenticationError, DecodeError (an answer that does not fit), another APIError or TransportError.
    """
    ids = {"idInvoice": int_id(id_invoice, "id_invoice")}
    return Call("GET", "/Invoice/{idInvoice}", parse=parse_record, ids=ids, extra_headers=extra_headers)


def call_safety(invoice_data: BillData | None, force_customer_creation: bool | Unset) -> Safety:
    """An update is safe to resend, unless it creates a customer or (see ATTACHMENTS_APPEND) adds files."""
    if force_customer_creation is True:
        return Safety.UNSAFE
    if ATTACHMENTS_APPEND and invoice_data is not None and invoice_data.attachments:
        return Safety.UNSAFE
    return Safety.IDEMPOTENT


def _auth(api_key: str | None) -> HeaderAuth:
    return HeaderAuth({"requestToken": credential(api_key, param="api_key", env="PAYABLI_API_KEY")})


class _Invoices(Resource[M]):
    """Invoice operations, as ``client.invoices``."""

    update = operation(update_call)
    get = operation(get_call)
    apply = applies(update_call)
    plan = plans(update_call)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


class _Payabli(Client[M, HC]):
    """Payabli's API (``https://api.payabli.com/api``).

    Authenticates with the ``requestToken`` header: *api_key* is a private API token and defaults to the
    environment variable ``PAYABLI_API_KEY``; a missing one raises ValidationError naming it.
    ``sandbox=True`` talks to ``https://api-sandbox.payabli.com/api`` (sandbox tokens are separate;
    production opens after Payabli's certification). Payabli allows 200 requests a minute per token.
    Use it as a context manager (``async with`` for :class:`AsyncPayabli`), or call ``close()``
    (``aclose()``).
    """

    def __init__(self, api_key: str | None = None, **options: Unpack[Options[HC]]) -> None:
        super().__init__(PAYABLI, _auth(api_key), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Payabli(SyncClient, _Payabli[Sync, httpx.Client]): ...


class AsyncPayabli(AsyncClient, _Payabli[Async, httpx.AsyncClient]): ...
