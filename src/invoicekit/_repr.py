"""One repr for every model: only the fields that are set, so ``BillData(notes='x')`` is not 31 UNSETs."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from ._unset import UNSET

__all__ = ["set_fields_repr"]

C = TypeVar("C", bound=type)
_NOTHING: Any = object()


def set_fields_repr(cls: C) -> C:
    """Class decorator, written above ``@attrs.frozen(repr=False)``: the repr leaves out every field that
    is UNSET, and a field with a factory default (an empty dict or list) while it still holds that default.

    Fields declared ``repr=False`` stay hidden and a field's own ``repr=`` callable is used, as attrs does.
    attrs must not write a repr of its own (``repr=False``): this one replaces it, and generating it costs
    about a fifth of making the class (cold start, docs/performance.md); a class with one is refused.
    """
    if getattr(cls.__repr__, "__code__", None) is not None and cls.__repr__.__code__.co_filename.startswith(
        "<attrs generated"
    ):
        raise TypeError(f"{cls.__qualname__}: write @attrs.frozen(repr=False) under @set_fields_repr")
    shown = [(a.name, a.repr if callable(a.repr) else repr, _empty(a)) for a in attrs.fields(cls) if a.repr]

    def __repr__(self: Any) -> str:
        parts = [
            f"{name}={show(value)}"
            for name, show, empty in shown
            if (value := getattr(self, name)) is not UNSET and not (empty is not _NOTHING and value == empty)
        ]
        return f"{type(self).__qualname__}({', '.join(parts)})"

    cls.__repr__ = __repr__  # type: ignore[method-assign, assignment]
    return cls


def _empty(field: attrs.Attribute[Any]) -> Any:
    default: Any = field.default
    if isinstance(default, attrs.Factory) and not default.takes_self:  # type: ignore[arg-type]
        return default.factory()
    return _NOTHING
