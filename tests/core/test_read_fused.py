"""Readers that make the instance themselves (slots set directly) must give what the class's own
``__init__`` gives, and leave to ``__init__`` every class whose ``__init__`` does more than set fields."""

from __future__ import annotations

import attrs
import pytest

from invoicekit import DecodeError
from invoicekit._read import _fusable, reader


@attrs.frozen
class Plain:
    a: str
    b: int | None = None
    c: list[int] = attrs.field(factory=list)


@attrs.define
class Mutable:
    a: str | None = None


@attrs.frozen(slots=False)
class NoSlots:
    a: str | None = None


def _positive(instance: object, attribute: object, value: int) -> None:
    if value <= 0:
        raise ValueError("not positive")


@attrs.frozen
class Validated:
    n: int = attrs.field(validator=_positive)


def _times_ten(value: int) -> int:
    return value * 10


@attrs.frozen
class Converted:
    n: int = attrs.field(converter=_times_ten)


@attrs.frozen
class PostInit:
    a: str
    seen: list[str] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self.seen.append(self.a)


@attrs.frozen(cache_hash=True)
class CachedHash:
    a: str | None = None


def test_plain_classes_are_made_directly_and_equal_their_init() -> None:
    assert _fusable(Plain, list(attrs.fields(Plain)))
    assert _fusable(Mutable, list(attrs.fields(Mutable)))
    assert reader(Plain)({"a": "x", "b": 2, "c": [1]}) == Plain("x", 2, [1])
    assert reader(Plain)({"a": "x"}) == Plain("x")
    made = reader(Plain)({"a": "x"})
    assert made.c == []
    assert made.c is not reader(Plain)({"a": "x"}).c  # the factory, once per instance
    assert reader(Mutable)({"a": "y"}) == Mutable("y")
    assert reader(NoSlots)({"a": "y"}) == NoSlots("y")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.a = "z"  # type: ignore[misc]


def test_a_missing_optional_key_and_null_both_read_as_the_none_default() -> None:
    assert reader(Plain)({"a": "x", "b": None}) == reader(Plain)({"a": "x"}) == Plain("x", None)
    with pytest.raises(DecodeError, match=r"at most 40 digits, got a string @ \$\.b"):
        reader(Plain)({"a": "x", "b": "2x"})


def test_an_init_that_does_more_than_set_fields_is_still_called() -> None:
    for cls in (Validated, Converted, PostInit, CachedHash):
        assert not _fusable(cls, list(attrs.fields(cls)))
    with pytest.raises(ValueError, match="not positive"):
        reader(Validated)({"n": -1})
    assert reader(Converted)({"n": 2}).n == 20
    assert reader(PostInit)({"a": "q"}).seen == ["q"]
    one = reader(CachedHash)({"a": "h"})
    assert hash(one) == hash(CachedHash("h"))
