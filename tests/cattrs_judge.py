"""A test-only judge: how invoicekit read answers with cattrs before the generated readers (issue 19).

This is the structuring half of the old ``_convert.make_converter`` and ``_convert.structure``, with the
hooks it registered (and Payabli's ``str | int | None`` hook), kept so that tests/core/test_read.py can
compare the generated readers with a library no one here wrote, on hypothesis-generated answers.

``fixed=True`` adds the deliberate fixes (each one a case where the old reading was wrong; see
``FIXES`` in test_read.py), so that the comparison is exact on everything else.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from invoicekit import DecodeError
from invoicekit._convert import _EXTRA, _WIRE, MAX_DIGITS, amount, iso_datetime, json_kind

T = TypeVar("T")
_WHOLE = re.compile(r"-?[0-9]+")


def _decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected JSON true or false, got {type(value).__name__}")
    return value


def _int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    raise TypeError(f"expected a whole number, got {json_kind(value)}")


def _str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {json_kind(value)}")
    return value


def _datetime(value: Any, _: type) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else iso_datetime(str(value))


def _date(value: Any, _: type) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _response_data(value: Any, _: type) -> str | int | None:
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"responseData must be a string or an integer, not {type(value).__name__}")


# -- the deliberate fixes (fixed=True) --------------------------------------------------------------------


def _only_text(read: Callable[[Any, type], T]) -> Callable[[Any, type], T]:
    def hook(value: Any, cl: type) -> T:
        if not isinstance(value, str):  # was: str(20250101) read as a date
            raise TypeError(f"expected text, got {json_kind(value)}")
        return read(value, cl)

    return hook


def _bounded_int(value: Any, cl: type) -> int:
    number = _int(value, cl)
    if abs(number) >= 10**MAX_DIGITS:  # was: any length int() accepts
        raise ValueError(f"more than {MAX_DIGITS} digits")
    return number


def _finite_decimal(value: Any, _: type) -> Decimal:
    return amount(value)  # was: "NaN", "Infinity" and 10**1000 read as amounts


def _enum(value: Any, cl: type[enum.Enum]) -> enum.Enum:
    if isinstance(value, bool):
        raise TypeError("expected an enum value, got true or false")
    return cl(value)


@functools.cache
def converter(wire_name: Callable[[str], str] = str, *, fixed: bool = False) -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_structure_hook(Decimal, _finite_decimal if fixed else _decimal)
    conv.register_structure_hook(dt.datetime, _only_text(_datetime) if fixed else _datetime)
    conv.register_structure_hook(dt.date, _only_text(_date) if fixed else _date)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(int, _bounded_int if fixed else _int)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(str | int | None, _response_data)
    if fixed:  # was: any iterable read as a list ("" and {} as []); true read as the enum member of 1
        # By base class (singledispatch), which every supported cattrs consults before its own enum hook
        # (cattrs 23.2 keeps that one ahead of a predicate hook such as `issubclass(cl, Enum)`).
        conv.register_structure_hook(enum.Enum, _enum)
        conv.register_structure_hook_func(
            lambda cl: getattr(cl, "__origin__", None) in (list, tuple),
            lambda value, cl: _lists(conv, value, cl),
        )

    def key(a: attrs.Attribute[Any]) -> str:
        return str(a.metadata.get(_WIRE, wire_name(a.name)))

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        fields = attrs.fields(cls)
        bag = next((a.name for a in fields if a.metadata.get(_EXTRA)), None)
        overrides = {a.name: override(rename=key(a)) for a in fields if a.name != bag}
        if bag is not None:
            overrides[bag] = override(omit=True)
        made: Callable[[Any, type], Any] = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
        if bag is None:
            return made
        known = {key(a) for a in fields if a.name != bag}

        def with_extra(data: Any, target: type) -> Any:
            obj = made(data, target)
            getattr(obj, bag).update({k: v for k, v in data.items() if k not in known})
            return obj

        return with_extra

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    return conv


def _lists(conv: cattrs.Converter, value: Any, cl: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {json_kind(value)}")
    (item,) = cl.__args__[:1]
    items = [conv.structure(v, item) for v in value]
    return tuple(items) if cl.__origin__ is tuple else items


def structure(conv: cattrs.Converter, data: Any, cls: type[T]) -> T:
    """The old ``_convert.structure``: the object, or a DecodeError "the answer does not fit ..."."""
    try:
        return conv.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            detail = "; ".join(cattrs.transform_error(exc))
        else:
            detail = f"{type(exc).__name__}: {exc}"
    raise DecodeError(f"the answer does not fit {cls.__name__} ({detail})", provider="", status_code=0)
