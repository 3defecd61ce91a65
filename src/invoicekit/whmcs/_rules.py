"""What WHMCS calls may carry beyond ``UpdateInvoice``'s declared fields: the install's URL, and the action
name and parameters of ``call()``, each checked so that the PHP form encoder writes them exactly.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import httpx

from .._checks import text, utf8
from .._client import check_base_url
from .._errors import ValidationError
from .._money import MAX_DIGITS, money
from .._unset import UNSET

__all__ = ["RESERVED", "action_name", "action_params", "install_url"]

#: Form fields the client writes itself; ``call()`` refuses them as parameters.
RESERVED: Final = frozenset(
    {"action", "identifier", "secret", "accesskey", "responsetype", "username", "password"}
)


def action_name(action: object) -> str:
    """*action* checked as a WHMCS action name (letters and digits)."""
    name = text(action, "action", allow_empty=False)
    if not (name.isascii() and name.isalnum() and name[0].isalpha()):  # [A-Za-z][A-Za-z0-9]*
        raise ValidationError(
            "action", f"{name!r} is not a WHMCS action name (letters and digits, e.g. 'GetInvoice')"
        )
    return name


def action_params(params: Mapping[str, Any]) -> dict[str, object]:
    """``call()``'s *params*, each name and value checked (ValidationError naming the parameter)."""
    fields: dict[str, object] = {}
    for name, value in params.items():
        # The text a str subclass holds (a `(str, Enum)` name formats as "Cls.NAME"), never its own methods
        key = name if type(name) is str else str.__str__(name)
        if key.lower() in RESERVED:
            raise ValidationError(
                key,
                "is written by the client (action, credentials, responsetype); "
                "pass it to Whmcs(...) or call() instead",
            )
        if not (key.isascii() and key.isidentifier()):
            raise ValidationError(
                key,
                "must be a plain parameter name; pass arrays as dicts or lists, "
                "e.g. itemdescription={13: 'Hosting'}",
            )
        fields[key] = _param(value, key)
    return fields


_INT_LIMIT: Final = 10**MAX_DIGITS  # the ints a form can write (Python's int/str limit)
#: How deep a call() parameter may nest (``a[k][0]...``): beyond any WHMCS action, below the stack.
_MAX_PARAM_DEPTH: Final = 16


def _param(value: object, field: str, depth: int = 0) -> object:
    """A ``call()`` parameter, checked so that the form encoder can write it exactly.

    A caller's subclass of str, int or date is read through the base type (``str.__str__``,
    ``int.__int__``, ``date.isoformat`` unbound) and kept as the plain value it holds: its own methods are
    never called, so none of them can raise out of the call or send something other than what was checked.
    """
    if isinstance(value, str):
        return utf8(value if type(value) is str else str.__str__(value), field)
    if value is UNSET or isinstance(value, bool):
        return value
    if isinstance(value, int):
        number = int.__int__(value)  # a plain int
        if not -_INT_LIMIT < number < _INT_LIMIT:  # str() of a longer int raises ValueError
            raise ValidationError(field, f"an integer written with more than {MAX_DIGITS} digits")
        return number
    if depth >= _MAX_PARAM_DEPTH:
        raise ValidationError(field, f"nested more than {_MAX_PARAM_DEPTH} levels deep")
    if value is None:
        raise ValidationError(
            field, "a form cannot say None: pass '' to send an empty value, or leave it out"
        )
    if isinstance(value, float):
        raise ValidationError(field, "floats are refused: pass a decimal.Decimal (or a str)")
    if isinstance(value, Decimal):
        return money(value, field, generic=True)  # any action's number, not only money
    if isinstance(value, dt.datetime):
        raise ValidationError(field, "pass a datetime as a str in the format the action documents")
    if isinstance(value, dt.date):
        return dt.date.isoformat(value)  # the date's, never a subclass's own isoformat (which may raise)
    if isinstance(value, Mapping):
        array: dict[int | str, object] = {}
        written: dict[str, int | str] = {}  # a key as the form writes it: PHP reads 1 and "1" as one key
        for k, v in value.items():
            key = _key(k, field)
            where = f"{field}[{key}]"
            if (earlier := written.setdefault(str(key), key)) is not key:
                raise ValidationError(
                    where, f"PHP reads it as the same key as {earlier!r}, keeping only the last: give it once"
                )
            array[key] = _param(v, where, depth + 1)
        return array
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray | memoryview):  # no text
        return [_param(v, f"{field}[{i}]", depth + 1) for i, v in enumerate(value)]
    raise ValidationError(field, f"a {type(value).__name__} cannot be sent in a form")


def _key(key: object, field: str) -> int | str:
    """An array key as the plain int or str it is (a subclass's own ``__str__`` is not what PHP keys by)."""
    if isinstance(key, int) and not isinstance(key, bool):
        return int.__int__(key)
    if isinstance(key, str):
        name = str.__str__(key)  # checked and sent as the text it holds, never through its own methods
        if name and not any(c in name for c in "[]\0"):
            return utf8(name, field)
        key = name
    shown = repr(key) if isinstance(key, str | int) else f"of type {type(key).__name__}"
    raise ValidationError(field, f"array key {shown} must be an int or a non-empty str without brackets")


def install_url(url: str | None, endpoint: str, options: Mapping[str, object]) -> str:
    """The install's base URL from *url* or ``WHMCS_URL``, without *endpoint* (``/includes/api.php``) or a
    trailing /. The client's other *options* may not ask for a sandbox or pass ``base_url=`` (not WHMCS's
    keyword: it takes ``url=``).
    """
    if options.get("sandbox", False) is not False:
        raise ValidationError("sandbox", "WHMCS has no sandbox: point url= at a test install of your own")
    if "base_url" in options:  # the other clients' keyword, given to WHMCS
        raise ValidationError(
            "base_url", "WHMCS takes url=, not base_url= (your install, e.g. https://billing.example.com)"
        )
    raw = url if url is not None else os.environ.get("WHMCS_URL")
    given = "" if raw is None else text(raw, "url").strip()
    if not given:
        raise ValidationError(
            "url",
            "missing: pass url= (your WHMCS install, e.g. https://billing.example.com) "
            "or set the environment variable WHMCS_URL",
        )
    parsed = httpx.URL(check_base_url(given, "url"))  # the core's one check: no userinfo, query, …
    path = parsed.path.rstrip("/")
    if path.endswith(endpoint):
        path = path[: -len(endpoint)]
    return str(parsed.copy_with(path=path or "/")).rstrip("/")
