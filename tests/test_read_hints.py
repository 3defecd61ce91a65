"""A reader resolves its class's type hints evaluating each distinct annotation text once
(``_read._hints``): it must give exactly what ``typing.get_type_hints`` gives, for every model."""

from __future__ import annotations

import importlib
import typing
from typing import Any

import attrs
import pytest

from invoicekit._read import _hints, reader
from invoicekit._unset import Unset


def _models() -> list[type]:
    found = []
    for provider in ("invoro", "payabli", "salesbricks", "whmcs", "upflow"):
        for name in ("_models", "_parts"):
            try:
                module = importlib.import_module(f"invoicekit.{provider}.{name}")
            except ImportError:
                continue
            found += [
                v for v in list(vars(module).values())
                if isinstance(v, type) and attrs.has(v) and v.__module__ == module.__name__
            ]  # fmt: skip
    return found


@pytest.mark.parametrize("cls", _models(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_the_hints_are_typings_for_every_model(cls: type) -> None:
    assert _hints(cls) == typing.get_type_hints(cls)


@attrs.frozen
class _Base:
    code: str | None = None
    count: int | None = None


@attrs.frozen
class _Item:
    name: str


@attrs.frozen
class _Child(_Base):
    note: str | None = None
    again: str | None = None
    items: list[_Item] = attrs.Factory(list)
    flag: bool | Unset = False
    quoted: list[_Item] = attrs.Factory(list)
    #: A class attribute named like a module name: typing lets the module's name win, as here.
    Unset: Any = None


_Child.__annotations__["quoted"] = 'list["_Item"]'  # text inside a type: typing's own evaluation


def test_inherited_shared_and_quoted_annotations_read_as_typing_reads_them() -> None:
    hints = _hints(_Child)
    assert hints == typing.get_type_hints(_Child)
    assert hints["quoted"] == list[_Item]
    assert hints["flag"] == bool | Unset
    assert list(hints) == ["code", "count", "note", "again", "items", "flag", "quoted", "Unset"]
    read = reader(_Child, wire_name=str)
    got = read({"code": "A", "items": [{"name": "x"}], "quoted": [{"name": "y"}], "flag": True})
    assert got == _Child(code="A", items=[_Item("x")], quoted=[_Item("y")], flag=True)
