"""A generated reader holds code only for the keys an answer holds (inv7): the reader of the first answer's
key list is the entry, other key lists get their own (up to ``MAX_SHAPES``), anything else the reader of
every field. Whatever reads it, an answer gives the same model (the ``extra`` bag in the answer's order)
or the same DecodeError as the reader of every field; absent fields take their defaults without their
annotations being read; a wrong type is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicekit import DecodeError, invoro
from invoicekit._convert import extra
from invoicekit._read import MAX_SHAPE_KEYS, MAX_SHAPES, Reader, _generate, reader


@attrs.frozen
class Inner:
    n: int


@attrs.frozen
class Shaped:
    name: str
    when: dt.datetime | None = None
    total: Decimal | None = None
    inner: Inner | None = None
    tags: list[str] = attrs.Factory(list)
    flag: bool = False
    bag: dict[str, Any] = extra()


def _full(cls: type, data: Any) -> Any:
    """What the reader of every field (the reader before inv7) gives for *data*: the model or the error."""
    fn = _generate(cls, str, {}, entry=True)
    try:
        return fn(None, data)
    except DecodeError as exc:
        return ("DecodeError", str(exc))


def _shaped(read: Reader[Any], data: Any) -> Any:
    try:
        got = read(data)
    except DecodeError as exc:
        return ("DecodeError", str(exc))
    if hasattr(got, "bag"):
        assert list(got.bag) == [k for k in data if k in got.bag]  # the answer's order
    if hasattr(got, "extra"):
        assert list(got.extra) == [k for k in data if k in got.extra]
    return got


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=5),
    st.sampled_from(["2025-01-02T03:04:05Z", "12.50", "x", "draft"]),
    st.lists(st.text(max_size=3), max_size=2),
    st.just({"n": 1}),
    st.just({"n": "x"}),
)
_KEYS = st.sampled_from(["name", "when", "total", "inner", "tags", "flag", "other", "zz"])
_INVOICE_KEYS = st.sampled_from(
    ["id", "state", "status", "total", "currency", "document", "created_at", "network", "invoice_number", "x"]
)


@settings(max_examples=300)
@given(answers=st.lists(st.dictionaries(_KEYS, _VALUES, max_size=8), min_size=1, max_size=6))
def test_a_reader_by_key_list_reads_as_the_reader_of_every_field(answers: list[dict[str, Any]]) -> None:
    read = reader(Shaped)  # one reader for the whole sequence: its entry is the first answer's key list
    for data in answers:
        assert _shaped(read, data) == _full(Shaped, data)


@settings(max_examples=300)
@given(answers=st.lists(st.dictionaries(_INVOICE_KEYS, _VALUES, max_size=10), min_size=1, max_size=4))
def test_invoro_invoices_read_the_same_whatever_keys_they_hold(answers: list[dict[str, Any]]) -> None:
    read = reader(invoro.Invoice)
    for data in answers:
        assert _shaped(read, data) == _full(invoro.Invoice, data)


def test_absent_fields_take_their_defaults_and_a_wrong_type_is_refused() -> None:
    read = reader(Shaped)
    assert read({"name": "a"}) == Shaped(name="a")
    assert read({"name": "b"}).tags == []  # a fresh list each time (the factory, not one shared list)
    assert read({"name": "b"}).tags is not read({"name": "b"}).tags
    with pytest.raises(DecodeError, match=r"a string.*\$\.name"):
        read({"name": 5})  # the entry's own key list, a wrong type
    with pytest.raises(DecodeError, match=r"required field missing @ \$\.name"):
        read({"flag": True})
    with pytest.raises(DecodeError, match=r"expected an object, got a list @ \$"):
        read(["not", "an", "object"])
    assert read({"flag": True, "name": "c", "q": 1}) == Shaped(name="c", flag=True, bag={"q": 1})


def test_the_first_answers_keys_are_the_entry_and_others_are_bounded() -> None:
    read = reader(Shaped)
    read({"name": "a", "zz": 1})
    assert type(read).__call__.__code__.co_filename == "<invoicekit reader of Shaped>"
    for i in range(MAX_SHAPES + 5):  # each a new key list: at most MAX_SHAPES readers are generated
        assert read({"name": "a", f"k{i}": i}).bag == {f"k{i}": i}
    assert len(read._shapes) == MAX_SHAPES
    assert read._fn is not None  # the rest went to the reader of every field
    assert read({"name": "a", "zz": 1}) == Shaped(name="a", bag={"zz": 1})


def test_an_absent_fields_annotation_is_not_read() -> None:
    @attrs.frozen
    class Lazy:
        name: str
        later: NotDefinedYet | None = None  # type: ignore[name-defined]  # noqa: F821

    read = reader(Lazy)
    assert read({"name": "a"}) == Lazy(name="a")  # the reader of these keys never evaluates `later`
    with pytest.raises(NameError):
        read({"name": "a", "later": 1})  # the reader of these keys must read it: as before, it cannot


@attrs.frozen
class Amounts:
    d: Decimal
    o: Decimal | None = None


_AMOUNTS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1E+40"), Decimal("1E+39"), Decimal("-0"), Decimal("0E+99"), Decimal("sNaN")]),
    st.integers(-(10**45), 10**45),
    st.sampled_from(["12.50", "x", "1E+400", True]),
)


@settings(max_examples=300)
@given(value=_AMOUNTS)
def test_an_amount_read_in_place_is_what_decimal_reads(value: Any) -> None:
    from invoicekit._read import _decimal, _Mismatch

    try:
        want: Any = _decimal(value, ("d",))
    except _Mismatch as exc:
        want = exc.why
    for data in ({"d": value}, {"d": Decimal(1), "o": value}):
        try:
            got: Any = reader(Amounts)(data)
        except DecodeError as exc:
            got = str(exc)
        if isinstance(want, str):
            assert isinstance(got, str)
            assert want in got
        else:
            read = got.d if "o" not in data else got.o
            assert read == want or (read.is_nan() and want.is_nan())
            assert type(read) is Decimal


def test_an_answer_with_many_keys_is_read_by_the_reader_of_every_field() -> None:
    read = reader(Shaped)
    assert read({"name": "b"}) == Shaped(name="b")  # the entry: this small answer's keys
    big = {"name": "a", **{f"k{i}": i for i in range(MAX_SHAPE_KEYS)}}
    got = read(big)
    assert got == Shaped(name="a", bag={f"k{i}": i for i in range(MAX_SHAPE_KEYS)})
    assert list(got.bag) == [f"k{i}" for i in range(MAX_SHAPE_KEYS)]
    assert list(read._shapes) == [("name",)]  # nothing of the big answer's keys kept
    assert read._fn is not None
