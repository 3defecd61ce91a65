"""Invoro's answers: the ``{"success": ..., "data": ...}`` envelope, error reading and the invoice parser."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from .._answers import Failure, Hints, Regex
from .._answers import read_error as default_read_error
from .._convert import MAX_DIGITS, json_kind, whole
from .._errors import bad_answer
from .._money import EXACT
from .._read import reader
from ._models import Invoice

__all__ = ["RESPONSE_KEYS", "check_envelope", "parse_invoice", "read_error"]

#: The invoice object's property names are not shown in Invoro's reference [UNK]: for each attribute of
#: :class:`invoro.Invoice`, the keys read, first found wins [INF: Laravel conventions, e.g. the
#: soft-delete ``deleted_at``]. Change them here.
RESPONSE_KEYS: Mapping[str, tuple[str, ...]] = {
    "company_id": ("company_id", "company"),
    "user_id": ("user_id", "created_by"),
    "state": ("status", "state"),
    "total": ("total", "total_amount", "amount"),
    "ubl_version": ("ubl_version",),
    "document": ("invoice_data", "ubl_json", "document"),
    "business_entity_id": ("business_entity_id", "business_entity"),
    "created_at": ("created_at", "created"),
    "updated_at": ("updated_at", "updated"),
    "deleted_at": ("deleted_at", "deleted"),
}

#: An error message that names its own class [INF: Invoro's wording is not documented]. A draft-state
#: refusal is a ConflictError whatever status carries it.
_MESSAGE_HINTS = Hints(
    (Regex(r"\bdraft\b"), 409),
    (Regex(r"not associated with a company"), 403),
    (Regex(r"\bnot found\b|does not belong"), 404),
)
_READ: Final = reader(Invoice)


def parse_invoice(data: Any) -> Invoice:
    """The envelope's ``data`` as an :class:`invoro.Invoice`.

    Invoro wraps every answer in ``{"success": ..., "data": ...}`` [DOC]: success is the JSON value
    ``true`` and nothing else; a missing, null or string flag (``"false"``, ``"true"``) is a DecodeError,
    never an invoice. ``success: false`` was raised as an APIError before this runs.
    """
    flag = data.get("success") if isinstance(data, dict) else None
    if flag is not True:
        raise bad_answer(f"the envelope's success is {json_kind(flag, data, 'success')}, not JSON true")
    payload = data.get("data")
    if not isinstance(payload, dict):
        raise bad_answer(f"the answer's data is {json_kind(payload, data, 'data')}, not an invoice object")
    # The usual answer in place: the model's own key names, and a plain int total within the bounds
    # (what _rename and _cents give for it); anything else takes them.
    fields = dict(payload) if _ALIASES.isdisjoint(payload) else _rename(payload)
    total = fields.get("total")
    if total is not None:
        cents = total if type(total) is int and -_CENTS_LIMIT < total < _CENTS_LIMIT else _cents(total)
        if cents is None:
            raise bad_answer(f"the invoice total ({json_kind(total)}) is not integer cents")
        fields["total"] = Decimal(cents).scaleb(-2, EXACT)  # never the caller's context
    return _READ(fields)


def _cents(total: Any) -> int | None:
    """A JSON number that is a whole number of cents, of at most MAX_DIGITS digits (never ``int()`` of
    ``1E+999999999``, a billion-digit integer), else None."""
    if isinstance(total, bool) or not isinstance(total, int | Decimal):
        return None
    try:
        return whole(total)
    except (TypeError, ValueError, ArithmeticError):
        return None


def _rename(payload: dict[str, Any]) -> dict[str, Any]:
    fields = dict(payload)
    if _ALIASES.isdisjoint(payload):  # the usual case: the answer already uses the model's names
        return fields
    for attr, keys in RESPONSE_KEYS.items():
        found = next((k for k in keys if k in payload), None)
        if found is not None and found != attr:
            fields[attr] = fields.pop(found)
    return fields


_ALIASES = frozenset(k for attr, keys in RESPONSE_KEYS.items() for k in keys if k != attr)
#: A plain int total below this in magnitude is its own cents (what :func:`whole` returns for it).
_CENTS_LIMIT = 10**MAX_DIGITS


def check_envelope(data: Any) -> Failure | None:
    """An HTTP-2xx answer whose envelope says ``success: false`` (the JSON value) is a failure (hint from
    its message). Any other flag is left to the parser, which raises DecodeError unless it is ``true``.
    """
    if isinstance(data, dict) and data.get("success") is False:
        return _failure(200, data)
    return None


def read_error(status: int, data: Any) -> Failure:
    """An error answer: the envelope's ``message`` and ``errors`` (field -> messages)."""
    if isinstance(data, dict) and ("message" in data or "errors" in data):
        return _failure(status, data)
    return default_read_error(status, data)


def _failure(status: int, data: dict[str, Any]) -> Failure:
    raw = data.get("message")
    message = raw.strip() if isinstance(raw, str) and raw.strip() else f"HTTP {status} with no message"
    hint = None
    if status < 300 or status in (400, 409, 422):
        hint = _MESSAGE_HINTS(message)
    return Failure(message, hint=hint, errors=_errors(data.get("errors")))


def _errors(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in raw.items():
        items = value if isinstance(value, list) else [value]
        out[str(key)] = [str(item) for item in items if item is not None]
    return out
