"""One converter factory: attrs models <-> wire dicts with each provider's names, UNSET left out.

Models stay plain attrs classes with Pythonic names. A provider calls :func:`make_converter` with its
naming rule (``camel``, ``str``) and that is all it says about names. A field whose wire name breaks the
rule declares it in its metadata: ``attrs.field(metadata=wire("AdditionalData"))``.

Unstructuring leaves ``Decimal`` and :class:`File` values in place, for the body encoder to write (a
JSON number, cents, a form string, a streamed base64 string). Structuring accepts what JSON decoding
gives (``Decimal`` floats, ISO dates) and keeps unknown keys in a field marked ``extra()`` when the
model has one.

Requests are written by the field layer (``_fields.py``), not by cattrs: a converter is only needed to
read answers, so it is built, and cattrs imported, on its first use (issue 19: cold start). Hooks a
provider registers at import are kept and registered then.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from ._errors import DecodeError
from ._files import File
from ._unset import UNSET

__all__ = [
    "Converter",
    "amount",
    "camel",
    "extra",
    "iso_datetime",
    "json_kind",
    "make_converter",
    "structure",
    "whole",
    "wire",
    "wrap_unstructure",
]

T = TypeVar("T")
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


class Converter:
    """A provider's cattrs converter, made (and cattrs imported) on first use; see :func:`make_converter`.

    ``register_*`` calls made before that are replayed on the real converter, in order; every other
    attribute is the real converter's.
    """

    __slots__ = ("_pending", "_real", "_wire_name")

    def __init__(self, wire_name: Callable[[str], str]) -> None:
        self._wire_name = wire_name
        self._real: Any = None
        self._pending: list[Callable[[Any, Callable[[type], Any]], None]] = []

    def _conv(self) -> Any:
        real = self._real
        if real is None:
            real, factory = _build(self._wire_name)
            for step in self._pending:
                step(real, factory)
            self._pending.clear()
            self._real = real
        return real

    def _later(self, step: Callable[[Any, Callable[[type], Any]], None]) -> None:
        if self._real is None:
            self._pending.append(step)
        else:
            step(self._real, self._real.attrs_unstructure_factory)

    def register_structure_hook(self, cl: Any, func: Callable[..., Any]) -> None:
        self._later(lambda real, _: real.register_structure_hook(cl, func))

    def register_unstructure_hook(self, cl: Any, func: Callable[..., Any]) -> None:
        self._later(lambda real, _: real.register_unstructure_hook(cl, func))

    def structure(self, obj: Any, cl: Any) -> Any:
        return self._conv().structure(obj, cl)

    def unstructure(self, obj: Any, unstructure_as: Any = None) -> Any:
        return self._conv().unstructure(obj, unstructure_as)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conv(), name)


def make_converter(*, wire_name: Callable[[str], str] = str) -> Converter:
    """A converter for one provider: *wire_name* maps attribute names to wire keys.

    Hooks are generated per class on its first use (cattrs' factories), and a field typed ``T | Unset``
    dispatches on the value, so a call generates hooks only for the classes its document holds. Nothing
    is built, and cattrs is not imported, until the converter is first used.
    """
    return Converter(wire_name)


def _build(wire_name: Callable[[str], str]) -> tuple[Any, Callable[[type], Any]]:
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    class _Converter(cattrs.Converter):
        """A cattrs converter that keeps the core's hook factory for attrs classes (see wrap_unstructure)."""

        __slots__ = ("attrs_unstructure_factory",)
        attrs_unstructure_factory: Callable[[type], Callable[[Any], dict[str, Any]]]

    conv = _Converter()
    for kind in (Decimal, File):
        conv.register_unstructure_hook(kind, lambda v: v)
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    # A predicate, not a type hook: for `class Freq(str, Enum)` a type hook would lose to `str`.
    conv.register_unstructure_hook_func(_is_enum, lambda member: member.value)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_structure_hook(bool, _structure_bool)  # never bool("false"): a wire flag is JSON true/false
    conv.register_structure_hook(int, _structure_int)  # never int(True) or int(1.9)
    conv.register_structure_hook(str, _structure_str)  # never str(True) or str(123)

    def key(a: attrs.Attribute[Any]) -> str:
        return str(a.metadata.get(_WIRE, wire_name(a.name)))

    def scalar_or_dispatch(value: Any) -> Any:
        # Most update fields hold a scalar; cattrs would dispatch each `T | Unset` value through its
        # union machinery (measured: a third of a model's unstructuring time).
        return value if type(value) in _SCALARS else conv.unstructure(value)

    def unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
        try:
            # Resolved once, on the class: cattrs reads the same resolved types (one get_type_hints, not two).
            types = {a.name: a.type for a in attrs.fields(attrs.resolve_types(cls))}
        except (NameError, TypeError):  # an unresolvable annotation: cattrs' own dispatch still works
            types = {}
        overrides = {
            a.name: override(
                rename=key(a),
                omit_if_default=a.default is UNSET,
                unstruct_hook=scalar_or_dispatch if _is_union(types.get(a.name)) else None,
            )
            for a in attrs.fields(cls)
            if not a.metadata.get(_EXTRA)
        }
        overrides.update({a.name: override(omit=True) for a in attrs.fields(cls) if a.metadata.get(_EXTRA)})
        return make_dict_unstructure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        fields = attrs.fields(cls)
        bag = next((a.name for a in fields if a.metadata.get(_EXTRA)), None)
        overrides = {a.name: override(rename=key(a)) for a in fields if a.name != bag}
        if bag is not None:
            overrides[bag] = override(omit=True)
        base: Callable[[Any, type], Any] = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
        if bag is None:
            return base
        known = {key(a) for a in fields if a.name != bag}

        def with_extra(data: Any, target: type) -> Any:
            obj = base(data, target)
            getattr(obj, bag).update({k: v for k, v in data.items() if k not in known})
            return obj

        return with_extra

    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.attrs_unstructure_factory = unstructure_factory
    return conv, unstructure_factory


def wrap_unstructure(
    conv: Converter,
    classes: Iterable[type],
    wrap: Callable[[type, Callable[[Any], dict[str, Any]]], Callable[[Any], dict[str, Any]]],
) -> None:
    """Unstructure each of *classes* with ``wrap(cls, base)``, *base* being the hook the core makes for it.

    Nothing is generated here: each class's hook is made on its first use, so a call pays only for the
    classes its document holds. *conv* comes from :func:`make_converter`.
    """
    if not isinstance(conv, Converter):
        raise TypeError("wrap_unstructure needs a converter from make_converter()")
    wanted = frozenset(classes)
    conv._later(
        lambda real, base: real.register_unstructure_hook_factory(
            lambda cls: cls in wanted, lambda cls: wrap(cls, base(cls))
        )
    )


def structure(conv: Converter, data: Any, cls: type[T], *, provider: str = "", status: int = 0) -> T:
    """Structure a decoded answer into *cls*; a mismatch is a :class:`DecodeError` that says where.

    The client core re-raises it with the real provider and HTTP status (*provider* and *status* are
    for callers outside a client), its text scrubbed of credentials and control characters. Nothing is
    chained: the cattrs or ``ValueError`` cause quotes the answer, which may echo a credential.
    """
    real = conv._conv()  # imports cattrs on the first answer read
    import cattrs  # now a dictionary lookup

    try:
        return real.structure(data, cls)  # type: ignore[no-any-return]
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            detail = "; ".join(cattrs.transform_error(exc))
        else:
            detail = f"{type(exc).__name__}: {exc}"
    # Raised outside the handler, so the error has neither __cause__ nor __context__.
    raise DecodeError(
        f"the answer does not fit {cls.__name__} ({detail})", provider=provider, status_code=status
    )


_SCALARS = frozenset({str, int, bool, type(None), Decimal, File})


def _is_union(kind: Any) -> bool:
    return typing.get_origin(kind) in {typing.Union, types.UnionType}


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.Enum)


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected JSON true or false, got {type(value).__name__} {value!r}")
    return value


_WHOLE = re.compile(r"-?[0-9]+")


def _structure_int(value: Any, _: type) -> int:
    """A JSON integer, or its decimal text (WHMCS sends ids as text); never a bool, a fraction, a float."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    raise TypeError(f"expected a whole number, got {json_kind(value)}")


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {json_kind(value)}")
    return value


#: The most integer digits a number read from an answer may have: far above any real id or amount, far
#: below what makes ``int()`` of a text such as ``1e999999999999`` exhaust memory.
MAX_DIGITS = 40


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
    number = _number(value, "a whole number")
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def amount(value: Any) -> Decimal:
    """A finite amount from an answer: an int, a Decimal (a JSON float) or its text; NaN and infinities
    are refused (TypeError, ValueError or ArithmeticError, as for :func:`whole`).
    """
    return _number(value, "an amount")


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return iso_datetime(str(value))


def iso_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date-time, ``Z`` included (``datetime.fromisoformat`` reads ``Z`` only from 3.11)."""
    return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


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
