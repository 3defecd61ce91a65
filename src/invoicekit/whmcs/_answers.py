"""WHMCS' answers: its verdict (``result``), error messages -> error classes, and the parsers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

from .._answers import Failure, Hints
from .._answers import read_error as default_read_error
from .._convert import amount, json_kind, text, whole
from .._errors import bad_answer
from .._read import Path, by_hand, reader
from ._models import UpdateInvoiceResult

if TYPE_CHECKING:
    from ._parts import Invoice, InvoiceItem

__all__ = [
    "MESSAGE_HINTS",
    "check_envelope",
    "hint_for",
    "outcome",
    "parse_invoice",
    "parse_update",
    "read_error",
    "success",
]

R = TypeVar("R")

#: Error messages -> the HTTP status whose error class they raise (first match wins, case-insensitive).
#: [DOC UpdateInvoice] "Invoice ID Not Found", "Invoice must be in Draft status to be published";
#: [3P] "Authentication Failed", "Invalid or missing credentials", "Invalid IP <ip>", "Forbidden IP <ip>",
#: "Invalid Permissions: API action ... is not allowed", "Access Denied". Anything else: 400.
MESSAGE_HINTS: Final[tuple[tuple[str, int], ...]] = (
    ("authentication failed", 401),
    ("invalid or missing credentials", 401),
    ("invalid ip", 403),
    ("forbidden ip", 403),
    ("invalid permissions", 403),
    ("access denied", 403),
    ("not found", 404),
    ("must be in draft status", 409),
)
_HINTS: Final = Hints(*MESSAGE_HINTS)


_VERDICTS: Final = ("success", "error")


def outcome(data: Any) -> str | None:
    """WHMCS's verdict on a call: ``result``, else ``status`` when it says success/error (``GetEmails``
    and a few other actions use it), else ``"error"`` for an answer that carries only a ``warning``.

    ``result`` is the string ``"success"`` or ``"error"`` by WHMCS's spec, and is read as exactly that:
    any other value (``true``, ``1``, ``"ok"``) is no verdict, so None, and the parser raises DecodeError
    rather than guess. None too when the answer is not a WHMCS result at all.
    """
    if not isinstance(data, dict):
        return None
    verdict = data.get("result")
    if verdict is None and data.get("status") in _VERDICTS:
        verdict = data["status"]
    if verdict is None and "warning" in data:
        return "error"
    return verdict if verdict in _VERDICTS else None


def hint_for(message: str) -> int | None:
    """The HTTP status whose error class a WHMCS error message raises, from :data:`MESSAGE_HINTS`."""
    return _HINTS(message)


def _message(data: dict[str, Any]) -> str:
    parts = [
        data[k].strip() for k in ("message", "warning") if isinstance(data.get(k), str) and data[k].strip()
    ]
    return "; ".join(parts) or "result=error with no message"


def check_envelope(data: Any) -> Failure | None:
    """An HTTP-2xx answer saying ``result=error``: a Failure whose class comes from its message."""
    if type(data) is dict and data.get("result") == "success":
        return None  # the usual answer: what outcome() says of it, without its walk
    verdict = outcome(data)
    if verdict is None or verdict == "success":
        return None  # success, or no verdict at all (the parser raises DecodeError for that)
    message = _message(data)
    return Failure(message, hint=hint_for(message) or 400)


def read_error(status: int, data: Any) -> Failure:
    """An HTTP-error answer (e.g. 403 + ``result=error`` for bad credentials, or a web server's page)."""
    if isinstance(data, dict) and outcome(data) not in (None, "success"):
        message = _message(data)
    else:
        message = default_read_error(status, data).message
    return Failure(message, hint=hint_for(message) if status < 500 else None)


_READ_UPDATE: Final = reader(UpdateInvoiceResult)


def success(data: Any) -> dict[str, Any]:
    if type(data) is dict and data.get("result") == "success":
        return data  # the usual answer (outcome() reads it as "success" too)
    if isinstance(data, dict) and outcome(data) == "success":
        return data
    if data is None:
        why = "the answer was empty (WHMCS printed nothing; its PHP error log may say why)"
    elif isinstance(data, dict) and data.get("result") is not None:
        why = f"its result is {json_kind(data['result'])}, not 'success' or 'error'"  # never its value
    elif isinstance(data, dict):
        keys = ", ".join(sorted(k if len(k) <= 40 else k[:39] + "…" for k in map(str, data))[:10])  # bounded
        why = f"the answer has no result field (keys: {keys or 'none'})"
    else:
        why = f"the answer is a JSON {type(data).__name__}, not a WHMCS result object"
    raise bad_answer(why)


def parse_update(data: Any) -> UpdateInvoiceResult:
    return _READ_UPDATE(success(data))


#: The GetInvoice keys :class:`Invoice` reads (wire name -> attribute); the rest land in ``Invoice.extra``.
_INVOICE_FIELDS: Final = {
    "invoicenum": "invoice_num",
    "paymentmethod": "payment_method",
    "notes": "notes",
    "status": "status",
}
_INVOICE_MONEY: Final = {
    "subtotal": "subtotal",
    "credit": "credit",
    "tax": "tax",
    "tax2": "tax2",
    "total": "total",
    "balance": "balance",
    "taxrate": "tax_rate",
    "taxrate2": "tax_rate2",
}
_INVOICE_DATES: Final = {"date": "date", "duedate": "due_date"}
_ENVELOPE: Final = frozenset({"result", "invoiceid", "userid", "datepaid", "items", *_INVOICE_FIELDS,
                              *_INVOICE_MONEY, *_INVOICE_DATES})  # fmt: skip


def parse_invoice(data: Any) -> Invoice:
    """Read a ``GetInvoice`` answer into :class:`Invoice`; a shape it cannot read is a DecodeError.

    WHMCS writes an empty collection as ``""`` (so ``items`` is ``""`` for an invoice without lines), a
    single element sometimes as an object rather than a list, numbers as text, and "never" as
    ``0000-00-00``: each is read here, once.
    """
    return by_hand("Invoice", _invoice, success(data))


def _invoice(answer: dict[str, Any], where: Path) -> Invoice:
    from ._parts import Invoice, InvoiceItem  # the get call's answer: its module loads with it

    where[:] = ["invoiceid"]  # the key being read, for the error: never the value (it may echo a secret)
    values: dict[str, Any] = {"invoice_id": whole(answer["invoiceid"])}
    for key, name in _INVOICE_FIELDS.items():
        where[:] = [key]
        values[name] = text(answer.get(key) or "")
    for key, name in _INVOICE_MONEY.items():
        where[:] = [key]
        values[name] = _decimal(answer.get(key, "0"))
    for key, name in _INVOICE_DATES.items():
        where[:] = [key]
        values[name] = _when(answer.get(key), dt.date.fromisoformat)
    where[:] = ["datepaid"]
    values["date_paid"] = _when(answer.get("datepaid"), _datetime)
    where[:] = ["userid"]
    values["user_id"] = None if answer.get("userid") in (None, "") else whole(answer["userid"])
    where[:] = ["items"]
    items = []
    for index, raw in enumerate(_collection(answer.get("items"), "item")):
        where[:] = ["items", "item", index]
        items.append(_item(raw, InvoiceItem))
    values["items"] = tuple(items)
    values["extra"] = {k: v for k, v in answer.items() if k not in _ENVELOPE}
    return Invoice(**values)


def _collection(value: Any, key: str) -> list[Any]:
    if value in (None, "", []):  # WHMCS: "" for an empty collection
        return []
    if not isinstance(value, dict):
        raise TypeError(f"items is a {type(value).__name__}, not an object")
    inner = value.get(key, [])
    if inner in (None, ""):
        return []
    return [inner] if isinstance(inner, dict) else list(inner)


def _item(raw: Any, model: type[InvoiceItem]) -> InvoiceItem:
    if not isinstance(raw, dict):
        raise TypeError(f"an item is a {type(raw).__name__}, not an object")
    taxed = raw.get("taxed", "0")
    return model(
        id=whole(raw["id"]),
        description=text(raw.get("description") or ""),
        amount=_decimal(raw.get("amount", "0")),
        taxed=taxed if isinstance(taxed, bool) else text(taxed).strip().lower() in {"1", "true"},
        type=text(raw.get("type") or ""),
        rel_id=whole(raw.get("relid") or 0),
    )


def _decimal(value: Any) -> Decimal:
    return amount("0" if isinstance(value, str) and not value.strip() else value)


def _when(value: Any, read: Callable[[str], R]) -> R | None:
    if value in (None, "") or str(value).startswith("0000-00-00"):
        return None
    return read(str(value))


def _datetime(value: str) -> dt.datetime:
    return (
        dt.datetime.fromisoformat(value.replace(" ", "T"))
        if " " in value
        else dt.datetime.fromisoformat(value)
    )
