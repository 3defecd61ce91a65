"""Payabli's answers: the failure envelope (``isSuccess: false``), error reading and the parsers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._answers import Failure, Hints, Regex
from .._convert import amount, camel, json_kind, text, whole
from .._errors import bad_answer
from .._read import Path, by_hand, reader
from ._models import InvoiceResponse

if TYPE_CHECKING:
    from ._parts import InvoiceRecord, InvoiceRecordItem

__all__ = ["check_envelope", "envelope_hint", "parse_record", "parse_update", "read_error"]

#: How a failure envelope (``isSuccess: false``) maps to the status of its HTTP twin. Payabli documents
#: no "not found" or "conflict" code for invoices [UNK]; these are read from responseCode, then from
#: responseText and responseData. Anything else is a 400 (BadRequestError).
_CODE_HINTS: Final[dict[int, int]] = {3001: 404}  # 3001: "Entrypoint specified in parameter doesn't exist"
_TEXT_HINTS: Final = Hints(
    (Regex(r"not found|does ?n[o']t exist|no such|unknown invoice"), 404),
    (
        Regex(
            r"already|duplicate|conflict|cannot be (?:modified|updated|edited|changed)|not editable"
            r"|is (?:paid|canceled|cancelled|closed)"
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


_READ: Final = reader(InvoiceResponse, wire_name=camel)
#: Answer keys by their lower-case form: Payabli spells ``pageidentifier`` two ways across endpoints.
_RESPONSE_KEYS: Final = {camel(a.name).lower(): camel(a.name) for a in attrs.fields(InvoiceResponse)}
_SPELLED_RIGHT: Final = frozenset(_RESPONSE_KEYS.values())  # an answer with only these keys needs no folding


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


def parse_update(data: Any) -> InvoiceResponse:
    """Read an update's answer (``InvoiceResponse``); a failure envelope was raised before this runs."""
    if isinstance(data, dict) and not _SPELLED_RIGHT.issuperset(data):
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
    rdata = data.get("responseData")
    if not (  # the usual answer, as JSON decodes it (exact types); anything else is checked key by key
        type(data.get("responseCode")) is int
        and type(data.get("roomId")) is int
        and type(data.get("responseText")) is str
        and (type(rdata) is str or type(rdata) is int)
    ):
        for key, (kind, fits) in _REQUIRED_ANSWER.items():
            if not fits(data.get(key)):
                raise bad_answer(f"{key} is {json_kind(data.get(key), data, key)}, not {kind}")
    return _READ(data)


#: Record keys (lower case) -> InvoiceRecord attribute and reader. Spellings [SDK GetInvoiceRecord, INF].
_RECORD: Final[dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "invoicenumber": ("invoice_number", lambda v: _opt(v, text)),
    "invoicestatus": ("invoice_status", lambda v: _opt(v, whole)),
    "invoicetype": ("invoice_type", lambda v: _opt(v, whole)),
    "invoiceamount": ("invoice_amount", lambda v: _opt(v, amount)),
    "invoicepaidamount": ("paid_amount", lambda v: _opt(v, amount)),
    "invoicedate": ("invoice_date", lambda v: _opt(v, _day)),
    "invoiceduedate": ("invoice_due_date", lambda v: _opt(v, _day)),
    "paymentterms": ("payment_terms", lambda v: _opt(v, text)),
    "notes": ("notes", lambda v: _opt(v, text)),
}
_RECORD_ITEM: Final[dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "itemproductname": ("item_product_name", lambda v: _opt(v, text)),
    "itemdescription": ("item_description", lambda v: _opt(v, text)),
    "itemproductcode": ("item_product_code", lambda v: _opt(v, text)),
    "itemcost": ("item_cost", lambda v: _opt(v, amount)),
    "itemqty": ("item_qty", lambda v: _opt(v, amount)),
    "itemtotalamount": ("item_total_amount", lambda v: _opt(v, amount)),
}


def parse_record(data: Any) -> InvoiceRecord:
    """Read a ``GET /Invoice/{idInvoice}`` answer into :class:`InvoiceRecord` (else a DecodeError)."""
    return by_hand("InvoiceRecord", _record, data)


def _record(data: Any, where: Path) -> InvoiceRecord:
    from ._parts import InvoiceRecord, InvoiceRecordItem  # the get call's answer: its module loads with it

    where[:] = ["IdInvoice"]  # the path being read, for the error: never the value (it may echo a secret)
    if not isinstance(data, dict):
        where.clear()
        raise TypeError(f"the answer is a JSON {type(data).__name__}, not an object")
    values: dict[str, Any] = {"id_invoice": whole(_ci(data, "IdInvoice"))}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        known = _RECORD.get(key.lower())
        if known is not None:
            where[:] = [key]
            values[known[0]] = known[1](value)
        elif key.lower() not in {"idinvoice", "items", "documentsref"}:
            extra[key] = value
    items = []
    for index, raw in enumerate(_ci(data, "items") or ()):
        where[:] = ["items", index]
        items.append(_record_item(raw, where, InvoiceRecordItem))
    values["items"] = tuple(items)
    where[:] = ["DocumentsRef"]
    documents = _ci(data, "DocumentsRef")
    listed = (_ci(documents, "filelist") or ()) if isinstance(documents, dict) else ()
    values["files"] = tuple(text(_ci(f, "zipName")) for f in listed if _ci(f, "zipName"))
    return InvoiceRecord(**values, extra=extra)


def _record_item(raw: Any, where: Path, model: type[InvoiceRecordItem]) -> InvoiceRecordItem:
    if not isinstance(raw, dict):
        raise TypeError(f"an item is a {type(raw).__name__}, not an object")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        known = _RECORD_ITEM.get(key.lower())
        if known is not None:
            where[2:] = [key]
            values[known[0]] = known[1](value)
        else:
            extra[key] = value
    return model(**values, extra=extra)


def _opt(value: Any, read: Callable[[Any], Any]) -> Any:
    """None for an absent value: null, or ``""`` (how an empty date or number may travel)."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else read(value)


def _day(value: Any) -> dt.date | None:
    text = str(value)[:10]  # "2025-10-19" or "2025-10-19T00:00:00"
    return None if text == "0000-00-00" else dt.date.fromisoformat(text)
