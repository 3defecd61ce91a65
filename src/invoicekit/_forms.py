"""PHP-style form encoding, as PHP's ``http_build_query`` writes it and ``parse_str`` reads it back."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote_plus

from ._auth import Secret
from ._errors import ValidationError
from ._money import decimal_text, scalar_text
from ._unset import UNSET

__all__ = ["check_form_size", "form_scalar", "form_size", "php_form", "urlencoded"]


def form_scalar(value: Any) -> str:
    """One scalar as form text: bool -> ``1``/``0`` (PHP reads the string "false" as true), Decimal
    in plain notation, dates ISO 8601, everything else ``str``.
    """
    if isinstance(value, enum.Enum):  # str(StrEnumMember) is "Cls.NAME", not its value
        return form_scalar(value.value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date):  # the type's own isoformat, never a subclass's (which may raise)
        return dt.datetime.isoformat(value) if isinstance(value, dt.datetime) else dt.date.isoformat(value)
    if isinstance(value, float):
        raise TypeError("floats are not sent in forms; convert money to Decimal first")
    return scalar_text(value)


def php_form(fields: Mapping[str, Any]) -> list[tuple[str, str | Secret]]:
    """Flatten *fields* into ``(key, value)`` pairs: mappings as ``a[k]``, sequences as ``a[0]``, ``a[1]``.

    UNSET and None are dropped (a form cannot say null); ``""`` is kept, so clearing a field is not lost.
    A :class:`Secret` (a form credential) stays one in its pair: only :func:`urlencoded` reveals it.
    """
    pairs: list[tuple[str, str | Secret]] = []
    _flatten(fields, None, pairs)
    return pairs


def form_size(fields: Mapping[Any, Any]) -> int:
    """How many pairs :func:`php_form` writes for *fields* (PHP's ``max_input_vars`` counts them), without
    writing them."""
    count = 0
    for item in fields.values():
        kind = type(item)
        if kind is str:
            count += 1
        elif item is UNSET or item is None:
            continue
        elif kind is dict or (kind is not list and kind is not tuple and isinstance(item, Mapping)):
            count += form_size(item)
        elif (
            kind is list
            or kind is tuple
            or (isinstance(item, Sequence) and not isinstance(item, str | bytes))
        ):
            count += form_size(dict(enumerate(item)))
        else:
            count += 1
    return count


def check_form_size(used: int, limit: int, field: str, *, keyed: bool = True) -> None:
    """Refuse a form of *used* pairs past *limit*, a PHP server's ``max_input_vars``: PHP silently drops
    every field past it. *keyed*: counted as the call is built, before an access key adds one field more.
    """
    if used > limit:
        with_key = f" ({used + 1} with an access key)" if keyed else ""
        raise ValidationError(
            field,
            f"the request needs {used} form fields{with_key}, and PHP drops every field past "
            f"max_input_vars ({limit} by default) without an error: split the change into several calls",
        )


def _flatten(value: Mapping[Any, Any], prefix: str | None, pairs: list[tuple[str, str | Secret]]) -> None:
    for key, item in value.items():
        name = str(key) if prefix is None else f"{prefix}[{key}]"
        kind = type(item)  # the exact types first: no ABC isinstance for what the SDK itself writes
        if kind is str:
            pairs.append((name, str.__str__(item)))
        elif kind is int:  # a plain int (ids): what form_scalar writes for it, without its type walk
            pairs.append((name, int.__repr__(item)))
        elif item is UNSET or item is None:
            continue
        elif kind is Secret:  # kept masked until the last step of the encoding
            pairs.append((name, item))
        elif kind is dict:
            _flatten(item, name, pairs)
        elif kind is list or kind is tuple:
            _flatten(dict(enumerate(item)), name, pairs)
        elif isinstance(item, Mapping):
            _flatten(item, name, pairs)
        elif isinstance(item, Sequence) and not isinstance(item, str | bytes):
            _flatten(dict(enumerate(item)), name, pairs)
        else:
            pairs.append((name, form_scalar(item)))


def urlencoded(pairs: Sequence[tuple[str, str | Secret]]) -> bytes:
    """The ``application/x-www-form-urlencoded`` body for *pairs* (brackets escaped, as PHP does): what
    ``urllib.parse.urlencode(pairs)`` writes, byte for byte, with each :class:`Secret` revealed only inside
    the expression that quotes it (no frame of this encoder holds a credential in a variable).
    """
    return "&".join(
        [
            f"{_quoted(key)}={_quoted(value) if type(value) is not Secret else _secret_quoted(value)}"
            for key, value in pairs
        ]
    ).encode("ascii")


#: What quote_plus leaves as is (``safe=""``): letters, digits and ``_.-~``.
_UNRESERVED: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
#: quote_plus on ASCII text, as one str.translate: a space is ``+``, any other reserved byte ``%XX``.
_ASCII_QUOTED: Final = {c: "+" if c == 32 else f"%{c:02X}" for c in range(128) if chr(c) not in _UNRESERVED}


def _quoted(given: object) -> str:
    """``quote_plus(text)``: unchanged when every character is unreserved (ids, names, most keys), one
    translate for other ASCII text, quote_plus itself (UTF-8 bytes) beyond ASCII.

    Anything but an exact str (a str subclass, whose own ``translate`` could write ``&`` raw; a date
    subclass's ``isoformat`` that gave an int) is first made the plain text it holds, as ``str()`` would.
    """
    text = given if type(given) is str else str.__str__(given if isinstance(given, str) else str(given))
    if not text.rstrip(_UNRESERVED):
        return text
    if text.isascii():
        return text.translate(_ASCII_QUOTED)
    return quote_plus(text)


#: quote_plus on UTF-8 bytes read as Latin-1 (one character a byte), as one str.translate: made whole on
#: first use (only a credential beyond ASCII needs it; not paid at import), then set in one assignment.
_BYTES_QUOTED: dict[int, str] | None = None


def _bytes_quoted() -> dict[int, str]:
    global _BYTES_QUOTED
    _BYTES_QUOTED = {**_ASCII_QUOTED, **{c: f"%{c:02X}" for c in range(128, 256)}}
    return _BYTES_QUOTED


def _secret_quoted(secret: Secret) -> str:
    """``quote_plus`` of a credential, revealed only inside this expression: no Python frame gets the text
    as a variable (str and bytes methods run in C; beyond ASCII its UTF-8 bytes are quoted by one
    translate, never by quote_plus, whose frames would hold it).
    """
    if secret.reveal().isascii():
        return secret.reveal().translate(_ASCII_QUOTED)
    return secret.reveal().encode().decode("latin-1").translate(_BYTES_QUOTED or _bytes_quoted())
