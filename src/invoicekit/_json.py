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
  what the standard library reads leniently (a UTF-8 BOM, lone surrogates, UTF-16): those fall back too,
  and a document neither can read raises the standard library's error.

Neither path writes or reads what is not JSON: ``NaN`` and ``Infinity`` (float or ``Decimal``), a string
UTF-8 cannot carry (a lone surrogate) and a document nested deeper than the interpreter's stack are a
:class:`ValidationError` (field ``body``) from :func:`dumps`, before anything is sent, and a
``ValueError`` from :func:`loads` (which the client reports as a ``DecodeError``).

orjson is imported on the first JSON call, never by ``import invoicekit``; when that import cannot open
its files (a process at its open-file limit: its ``__init__``, its extension, or a module its extension
imports), that call uses the standard library and a later one tries again. ``INVOICEKIT_NO_ORJSON=1``
in the environment (read on that first call) keeps the standard library even when orjson is installed.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ._errors import ValidationError
from ._money import decimal_text

__all__ = ["dumps", "loads", "orjson_in_use"]

_UNLOADED: Any = object()
_orjson: Any = _UNLOADED  # the orjson module, None when absent or disabled; loaded on first use

#: orjson's options (see _options), worked out on the first orjson encoding.
_OPTIONS = 0
#: Digits to 0, so "a digit followed by ." is one substring test (bytes operations: a regex costs more
#: than the standard library's whole decode).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19
#: For reading: digits to 0 and what starts a fraction or an exponent to ".", so a number that is not a
#: plain integer always shows as "0." (and a long integer as 19 zeros).
_NUMBER_MARKS = bytes.maketrans(b"123456789eE", b"000000000..")


#: The modules orjson's extension imports when it initialises, without checking that they could be: one
#: that cannot be loaded there (a process at its open-file limit) crashes the interpreter (SIGSEGV).
#: Imported first, here, such a failure is an exception like orjson's own.
_ORJSON_NEEDS = ("dataclasses", "datetime", "enum", "json", "uuid")


def _load_orjson() -> Any:
    global _orjson
    if os.environ.get("INVOICEKIT_NO_ORJSON", "").strip() not in {"", "0"}:
        _orjson = None
        return None
    try:
        from importlib.machinery import PathFinder

        if PathFinder.find_spec("orjson") is not None:  # installed: loaded but dataclasses, which it loads
            for name in _ORJSON_NEEDS:
                importlib.import_module(name)
        orjson = importlib.import_module("orjson")  # by name: type-checks without the extra installed
    except ImportError as exc:
        if os.strerror(errno.EMFILE) in str(exc):  # its extension could not be opened (dlopen): the limit
            return None
        _orjson = None
        return None
    except OSError:  # at the open-file limit (EMFILE): this call takes the standard library (the same
        return None  # bytes and values); not remembered, so a later call loads orjson once it can
    _orjson = orjson if hasattr(orjson, "Fragment") else None  # Fragment is orjson >= 3.9
    return _orjson


def orjson_in_use() -> bool:
    """Whether JSON goes through orjson in this process (the ``fast`` extra, not disabled)."""
    return (_load_orjson() if _orjson is _UNLOADED else _orjson) is not None


def loads(data: bytes) -> Any:
    """Decode a JSON answer; numbers with a fraction or exponent become exact ``Decimal``\\ s."""
    orjson = _load_orjson() if _orjson is _UNLOADED else _orjson
    if orjson is not None and _exact_for_orjson(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard library reads it, or raises its own error
    try:
        # What json.loads does with bytes, on one decoder made once (json.loads builds one per call)
        return _DECODER.decode(data.decode(json.detect_encoding(data), "surrogatepass"))
    except RecursionError:
        raise ValueError("the answer is nested too deeply to read") from None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # json.loads reads NaN, Infinity and -Infinity otherwise


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_not_json)


def _exact_for_orjson(data: bytes) -> bool:
    """Whether orjson reads *data* to the values ``json.loads(data, parse_float=Decimal)`` gives:
    outside its strings, no number with a fraction or exponent and no integer of 19 digits or more.
    """
    marks = data.translate(_NUMBER_MARKS)  # digits to 0; ".", "e" and "E" to "."
    if b"0." not in marks and _NINETEEN_DIGITS not in marks:
        return True  # nowhere, strings included: no need to find the strings
    if b'\\"' in data:  # an escaped quote: splitting on quotes would not find the strings; no guessing
        return False
    outside = b"".join(marks.split(b'"')[::2])  # even pieces: between strings
    return not (b"0." in outside or _NINETEEN_DIGITS in outside)


def dumps(value: Any, mark: Callable[[Any], Any]) -> bytes:
    """Compact UTF-8 JSON of *value* (``ensure_ascii=False``, no spaces), as ``json.dumps`` writes it.

    *mark* is called for each value JSON has no type for (finite ``Decimal``, files) and returns what to
    write in its place (a placeholder string the caller replaces later, or a plain JSON value such as
    the int of a whole Decimal), or raises ``TypeError``. On
    the orjson path a plain ``Decimal`` is written as its exact digits instead, which is what the caller
    puts in place of its placeholder. *mark* may be called twice for a value (when orjson's attempt is
    dropped). What is not JSON (NaN, infinities, lone surrogates, nesting beyond the stack) is a
    :class:`ValidationError` naming ``body``.
    """

    orjson = _load_orjson() if _orjson is _UNLOADED else _orjson
    if orjson is not None:

        def default(obj: Any) -> Any:
            # Within the JSON number bounds (what mark's check allows, zeros aside): written as is.
            # Anything else goes to mark, which refuses it as on the standard library's path.
            if type(obj) is Decimal and obj.is_finite() and -308 <= obj.adjusted() <= 308:
                return orjson.Fragment(decimal_text(obj))
            return _finite(obj, mark)

        try:
            out: bytes = orjson.dumps(value, default=default, option=_OPTIONS or _options(orjson))
        except orjson.JSONEncodeError:
            pass  # big int, odd key, subclass, or mark() refused: the standard library decides
        else:
            if not _float_risk(out):
                return out

    def finite(obj: Any) -> Any:
        return _finite(obj, mark)

    try:
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), default=finite, allow_nan=False
        ).encode()
    except UnicodeEncodeError as exc:  # a lone surrogate: the message names the code point, not the text
        reason = (
            f"a string holds a lone surrogate (U+{ord(exc.object[exc.start]):04X}), which UTF-8 cannot carry"
        )
    except RecursionError:
        reason = "nested too deeply to write as JSON"
    except ValidationError:  # mark's own check (a ValueError too): it names the field already
        raise
    except ValueError as exc:  # NaN or an infinity (allow_nan=False: no JSON parser reads them), a cycle
        reason = f"not JSON: {exc}"
    raise ValidationError("body", reason)


def _finite(obj: Any, mark: Callable[[Any], Any]) -> Any:
    if isinstance(obj, Decimal) and not obj.is_finite():
        raise ValueError(f"Decimal({str(obj)!r}) is not a JSON number")
    return mark(obj)


def _float_risk(out: bytes) -> bool:
    """Whether orjson's *out* may hold a float it writes unlike ``repr`` (what ``json.dumps`` writes):
    NaN and infinities become ``null``; exponents -5 to -9 come out as ``0.0000…`` and ``1e-7`` where
    ``repr`` writes ``1e-05`` and ``1e-07``. Strings can match too; that only costs a second encoding.
    """
    if b"null" in out or b"0.0000" in out:
        return True
    if b"e-" not in out:  # no negative exponent, the only kind written short
        return False
    digits = out.translate(_DIGITS_TO_ZERO)
    at = digits.find(b"0e-0")
    while at != -1:
        if digits[at + 4 : at + 5] != b"0":  # one exponent digit: repr always writes two
            return True
        at = digits.find(b"0e-0", at + 1)
    return False


def _options(orjson: Any) -> int:
    # Subclasses (str enums, IntEnum, dict subclasses), datetimes and dataclasses go to default(), which
    # refuses them, so the standard library writes them (or refuses them) as it always has.
    global _OPTIONS
    _OPTIONS = int(
        orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )
    return _OPTIONS
