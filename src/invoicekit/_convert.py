"""Declarations and readers shared by the models and the answer parsers: wire names, the ``extra`` bag.

Models stay plain attrs classes with Pythonic names. A provider names its rule (``camel``, ``str``) once,
where it declares a request model's fields (``_fields.py``) or an answer reader (``_read.reader``); a field
whose wire name breaks the rule declares it in its metadata: ``attrs.field(metadata=wire("AdditionalData"))``.
An answer class keeps the keys it does not know in a field declared ``extra()``.

Requests are written by the field layer (``_fields.py``) and answers read by readers generated per class
(``_read.py``): no cattrs on any call (issue 19). :func:`whole`, :func:`amount`, :func:`iso_datetime` and
:func:`json_kind` are the small readers and the error wording the parsers share.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "MAX_DIGITS",
    "amount",
    "camel",
    "extra",
    "iso_date",
    "iso_datetime",
    "json_kind",
    "text",
    "whole",
    "wire",
]

_WIRE = "invoicekit.wire"
_EXTRA = "invoicekit.extra"


def wire(name: str) -> dict[str, Any]:
    """Field metadata naming the field's wire key when the provider's rule does not give it."""
    return {_WIRE: name}


def extra() -> Any:
    """A response-model field that collects the keys the model does not know (a dict, default empty)."""
    return attrs.field(factory=dict, metadata={_EXTRA: True})


def camel(name: str) -> str:
    """``invoice_number`` -> ``invoiceNumber``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


#: The most integer digits a number read from an answer may have: far above any real id or amount, far
#: below what makes ``int()`` of a text such as ``1e999999999999`` exhaust memory.
MAX_DIGITS = 40
_WHOLE_LIMIT = 10**MAX_DIGITS


def _number(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise TypeError(f"{value!r} is not {what}")
    number = Decimal(str(value).strip())  # a bad text: decimal.InvalidOperation (an ArithmeticError)
    if not number.is_finite() or (number and number.adjusted() >= MAX_DIGITS):
        raise ValueError(f"{value!r} is not {what} (not finite, or more than {MAX_DIGITS} digits)")
    return number


def whole(value: Any) -> int:
    """A whole number from an answer: an int, or its text (``"12"``, ``"12.0"``); else TypeError, ValueError
    or ArithmeticError, which a typed read turns into a DecodeError.
    """
    if type(value) is int and -_WHOLE_LIMIT < value < _WHOLE_LIMIT:
        return value  # what the round trip through Decimal gives for a plain int within MAX_DIGITS
    number = _number(value, "a whole number")
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def amount(value: Any) -> Decimal:
    """A finite amount from an answer: an int, a Decimal (a JSON float) or its text; NaN and infinities
    are refused (TypeError, ValueError or ArithmeticError, as for :func:`whole`).
    """
    return _number(value, "an amount")


def text(value: Any) -> str:
    """Text from an answer: a string, or a number's digits (WHMCS and Payabli send some text as numbers);
    an object, a list, true or false is a TypeError (never its Python repr, ``"{'k': 'v'}"``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected text, got {json_kind(value)}")


_YYYY_MM_DD = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # compiled (and cached by ``re``) when first used


def iso_date(text: str) -> dt.date:
    """A date written exactly ``YYYY-MM-DD`` (what the docs promise for every date given to us), else
    ValueError. ``date.fromisoformat`` alone also reads ``20240101`` and ISO week dates (``2024-W01-1``) from
    Python 3.11 on, not on 3.10: the same input must mean the same on every Python we support.
    """
    if re.fullmatch(_YYYY_MM_DD, text) is None:
        raise ValueError("not YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def iso_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date-time, ``Z`` included (``datetime.fromisoformat`` reads ``Z`` only from 3.11)."""
    return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def json_kind(value: Any, container: Any = None, key: str = "") -> str:
    """What a decoded JSON value is, for an error message, without its content (an answer may echo a
    credential): ``missing`` (when *key* is not in the *container* dict), ``null``, ``true``/``false``,
    ``a string``, ``a number``, ``a list``, ``an object``.
    """
    if key and isinstance(container, dict) and key not in container:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float | Decimal):
        return "a number"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "not JSON"
