"""Input checks shared by every provider. Each raises :class:`ValidationError` naming the field and rule."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from ._errors import ValidationError
from ._unset import UNSET

__all__ = [
    "NOTHING_TO_CHANGE",
    "boolean",
    "choice",
    "date",
    "email",
    "header_value",
    "int_id",
    "json_number",
    "some_change",
    "text",
    "uuid_text",
]

T = TypeVar("T")
#: ``[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}``'s fullmatch, compiled on first use (a UUID
#: checked: Invoro's and Salesbricks' ids), not at import.
_CANONICAL_UUID: Callable[[str], object] | None = None
_EMAIL = r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}$"  # compiled on first use (re's cache)


def int_id(value: object, field: str) -> int:
    """A positive integer ID (a bool or a numeric string is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an int, not {type(value).__name__}")
    number = int.__int__(value)  # a plain int: what is checked is what is sent
    if not 0 < number < 2**63:
        raise ValidationError(field, "must be a positive integer below 2**63")
    return number


def text(value: object, field: str, *, max_len: int | None = None, allow_empty: bool = True) -> str:
    """A string, at most *max_len* characters, without NUL or a lone surrogate."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a str, not {type(value).__name__}")
    if type(value) is not str:  # a subclass: check and send what it holds, not its own len/strip/__str__
        value = str.__str__(value)
    if not allow_empty and not value.strip():
        raise ValidationError(field, "must not be empty")
    if max_len is not None and len(value) > max_len:
        raise ValidationError(field, f"at most {max_len} characters ({len(value)} given)")
    if "\0" in value:
        raise ValidationError(field, "must not contain NUL")
    if not value.isascii():
        utf8(value, field)
    return value


def utf8(value: str, field: str) -> str:
    """*value*, if UTF-8 can carry it: a lone surrogate (``"\\ud800"``) cannot be sent in any body."""
    try:
        str.encode(value)  # str's own: a subclass's encode is the caller's code, which may raise
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        raise ValidationError(
            field, f"holds a lone surrogate (U+{code:04X}), which UTF-8 cannot carry"
        ) from None
    return value


def email(value: object, field: str) -> str:
    """An email address (a pragmatic check: one ``@``, a dotted domain, no spaces or separators)."""
    address = text(value, field, max_len=254, allow_empty=False)
    if not re.match(_EMAIL, address):
        raise ValidationError(field, f"{address!r} is not an email address")
    return address


def date(value: object, field: str) -> dt.date:
    """A calendar date; a datetime is refused (its time and zone would be silently dropped)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(field, f"must be a datetime.date, not {type(value).__name__}")
    return value


def header_value(value: str, field: str, header: str) -> str:
    """A value that can travel in an HTTP header: printable ASCII, no leading or trailing space.

    (What ``[\\x21-\\x7e](?:[\\x20-\\x7e]*[\\x21-\\x7e])?`` matches, checked with str methods: no
    pattern compiled at import; an ASCII character is printable exactly when it is in 0x20-0x7e.)
    """
    # str's own methods, unbound: what a subclass holds, not what its own len() or indexing say
    if not (
        str.__len__(value)
        and str.isascii(value)
        and str.isprintable(value)
        and not str.startswith(value, " ")
        and not str.endswith(value, " ")
    ):
        raise ValidationError(
            field,
            f"is sent in the {header} header, so it must be printable ASCII without leading or trailing "
            "spaces",
        )
    return value


def boolean(value: object, field: str) -> bool:
    """A real bool (``"false"`` or ``0`` are refused, since providers read them differently)."""
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be True or False, not {type(value).__name__}")
    return value


def choice(value: T, field: str, allowed: Collection[T]) -> T:
    """One of *allowed*."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValidationError(field, f"{value!r} is not one of {options}")
    return value


def uuid_text(value: object, field: str) -> str:
    """A UUID, as the string the provider expects (hyphenated, lower case)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and (_CANONICAL_UUID or _canonical_uuid())(value):  # already the form we send
        return value
    try:
        return str(uuid.UUID(text(value, field, allow_empty=False)))
    except ValueError:
        pass
    # Raised outside the handler: `from None` would still keep uuid's ValueError as __context__.
    raise ValidationError(field, f"{value!r} is not a UUID")


def _canonical_uuid() -> Callable[[str], object]:
    global _CANONICAL_UUID  # compiled once, on first use
    _CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
    return _CANONICAL_UUID


NOTHING_TO_CHANGE = "nothing to change: pass at least one field (an empty update is never sent)"


def some_change(changes: Collection[object], field: str = "update", rule: str = NOTHING_TO_CHANGE) -> None:
    """The one rule for every provider's update: an update that sets nothing is a ValidationError, and
    nothing is sent.

    *changes* are what the update would send, as the provider sees them: wire parts (a multipart part,
    a form pair), or the request's models. An entry sets nothing when it is UNSET, or a model (attrs)
    whose every field sets nothing (recursively; a field still at its factory default, such as an empty
    ``extra_fields``, sets nothing either). Anything else (``None`` that clears, ``[]`` that empties a
    list, a scalar) is a change.
    """
    for change in changes:
        # Plain data (a wire part, a written object) is a change, as _sets_something says, without its
        # attribute probes (each a caught AttributeError on a plain type).
        if type(change) in _PLAIN or _sets_something(change):
            return
    raise ValidationError(field, rule)


#: Types whose values are always a change (never UNSET, never an attrs model).
_PLAIN: frozenset[type] = frozenset({str, int, bool, tuple, list, dict, type(None), Decimal})


def _sets_something(value: Any, default: Any = UNSET) -> bool:
    if value is UNSET:
        return False
    factory = getattr(default, "factory", None)  # an attrs.Factory default, e.g. extra_fields={}
    if factory is not None and not getattr(default, "takes_self", False) and value == factory():
        return False
    if attrs.has(type(value)):
        return any(_sets_something(getattr(value, a.name), a.default) for a in attrs.fields(type(value)))
    return True


#: The largest magnitude a number in pass-through JSON data may have: what an IEEE double holds, so every
#: provider's JSON parser (JavaScript, PHP, .NET) reads it as a number rather than failing or saturating.
JSON_NUMBER_LIMIT = Decimal("1e308")


def json_number(value: int | Decimal, field: str) -> int | Decimal:
    """A number for a JSON body: finite (``NaN``, ``Infinity`` and ``sNaN`` are not JSON) and below
    :data:`JSON_NUMBER_LIMIT` in magnitude (``1E+999999999`` would be written as a billion digits), a
    zero with at most 308 decimal places (``0E-999999999`` would be too).
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(field, f"{value} is not a JSON number: numbers must be finite")
        if value and (value.adjusted() > 308 or value.adjusted() < -308):
            raise ValidationError(field, "numbers must be below 1e308 in magnitude (and above 1e-308)")
        if not value and value.adjusted() < -308:  # 0E-999999999 is written 0.000…: a billion digits
            raise ValidationError(field, "a zero must have at most 308 decimal places")
    elif not isinstance(value, bool) and abs(value) >= 10**308:
        raise ValidationError(field, "numbers must be below 1e308 in magnitude")
    return value
