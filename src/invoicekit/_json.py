"""JSON in and out, one place: orjson when the ``fast`` extra is installed, the standard library otherwise.

Both paths give the same result, byte for byte and value for value (tests/test_json_fast.py compares them
under hypothesis). orjson is used only where it provably agrees with the standard library; everything else
falls back to it:

- **Encoding** (:func:`dumps`): ``Decimal`` values are written with their exact digits (an
  ``orjson.Fragment``); values the caller's ``default`` marks (files) become the same placeholder strings
  on both paths. orjson refuses ints beyond 64 bits, non-``str`` keys and subclasses (passed through to
  ``default``, which refuses them): the standard library then encodes the document. orjson writes some
  floats differently (``1e-05`` as ``0.00001``, ``1e-07`` as ``1e-7``, NaN as ``null``): an output holding
  anything that could be one of those is encoded again by the standard library (floats are refused by
  every provider's checks before encoding; this keeps the core exact for any document).
- **Decoding** (:func:`loads`): numbers with a fraction or exponent must become exact ``Decimal``\\ s
  (``parse_float=Decimal``), which orjson cannot do, and orjson reads integers beyond 64 bits as floats:
  a document holding either, outside its strings, is decoded by the standard library. orjson refuses
  what the standard library reads leniently (``NaN``, a UTF-8 BOM, lone surrogates, UTF-16): those fall
  back too, and a document neither can read raises the standard library's error.

orjson is imported on the first JSON call, never by ``import invoicekit``. ``INVOICEKIT_NO_ORJSON=1``
in the environment (read on that first call) keeps the standard library even when orjson is installed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ._money import decimal_text

__all__ = ["dumps", "loads", "orjson_in_use"]

_UNLOADED: Any = object()
_orjson: Any = _UNLOADED  # the orjson module, None when absent or disabled; loaded on first use

#: Strings in a JSON document (their contents cannot be numbers).
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
#: Outside strings: a number with a fraction or exponent, or an integer that may not fit 64 bits.
_NOT_FOR_ORJSON = re.compile(rb"\d[.eE]|\d{19}")
#: Anywhere in orjson's output: something that may be a float orjson writes unlike ``repr`` (NaN and
#: infinities become ``null``; exponents -5 to -9 are written ``0.0000…`` or with one digit).
_FLOAT_RISK = re.compile(rb"null|\de-\d(?!\d)|0\.0000")


def _load_orjson() -> Any:
    global _orjson
    if os.environ.get("INVOICEKIT_NO_ORJSON", "").strip() not in {"", "0"}:
        _orjson = None
        return None
    try:
        import orjson
    except ImportError:
        _orjson = None
        return None
    _orjson = orjson if hasattr(orjson, "Fragment") else None  # Fragment is orjson >= 3.9
    return _orjson


def orjson_in_use() -> bool:
    """Whether JSON goes through orjson in this process (the ``fast`` extra, not disabled)."""
    return (_load_orjson() if _orjson is _UNLOADED else _orjson) is not None


def loads(data: bytes) -> Any:
    """Decode a JSON answer; numbers with a fraction or exponent become exact ``Decimal``\\ s."""
    orjson = _load_orjson() if _orjson is _UNLOADED else _orjson
    if orjson is not None and not _NOT_FOR_ORJSON.search(_STRING.sub(b"", data)):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard library reads it, or raises its own error
    return json.loads(data, parse_float=Decimal)


def dumps(value: Any, mark: Callable[[Any], str]) -> bytes:
    """Compact UTF-8 JSON of *value* (``ensure_ascii=False``, no spaces), as ``json.dumps`` writes it.

    *mark* is called for each value JSON has no type for (``Decimal``, files) and returns the string to
    write in its place (a placeholder the caller replaces later), or raises ``TypeError``. On the orjson
    path a plain ``Decimal`` is written as its exact digits instead, which is what the caller puts in
    place of its placeholder. *mark* may be called twice for a value (when orjson's attempt is dropped).
    """
    orjson = _load_orjson() if _orjson is _UNLOADED else _orjson
    if orjson is not None:
        fragment = orjson.Fragment

        def default(obj: Any) -> Any:
            if type(obj) is Decimal:
                return fragment(decimal_text(obj))
            return mark(obj)

        try:
            out: bytes = orjson.dumps(value, default=default, option=_options(orjson))
        except orjson.JSONEncodeError:
            pass  # big int, odd key, subclass, or mark() refused: the standard library decides
        else:
            if not _FLOAT_RISK.search(out):
                return out
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=mark).encode()


def _options(orjson: Any) -> int:
    # Subclasses (str enums, IntEnum, dict subclasses), datetimes and dataclasses go to default(), which
    # refuses them, so the standard library writes them (or refuses them) as it always has.
    return int(
        orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )
