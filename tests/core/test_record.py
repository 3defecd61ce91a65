"""The core's plain slotted records (`_record.Record`): value semantics by the fields in ``__slots__``."""

from __future__ import annotations

import pickle

import pytest

from invoicekit._record import Record


class Point(Record):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


def test_equality_hash_repr_and_pickling_follow_the_fields() -> None:
    a, b = Point(1, 2), Point(1, 2)
    assert (a == b, a != Point(1, 3), hash(a) == hash(b)) == (True, True, True)
    assert repr(a) == "Point(x=1, y=2)"
    assert pickle.loads(pickle.dumps(a)) == a  # noqa: S301 (our own bytes)
    with pytest.raises(AttributeError, match="immutable"):
        a.x = 5


def test_a_subclass_cannot_add_fields_its_parent_would_hide() -> None:
    """A second ``__slots__`` in the chain would drop the parent's fields from eq, hash, repr and pickle."""
    with pytest.raises(TypeError, match="Point3: a Record's fields are declared in one class's __slots__"):

        class Point3(Point):
            __slots__ = ("z",)


def test_a_subclass_without_fields_of_its_own_is_fine() -> None:
    class Named(Point):
        __slots__ = ()

    assert Named(1, 2) == Named(1, 2)
    assert Named(1, 2) != Point(1, 2)
