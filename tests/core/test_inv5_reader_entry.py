"""The per-call shape of generated readers and writers (issue 14/19 per-call work): a Reader runs ONE
generated frame per call after its first, keeps unknown keys in the answer's order, and still raises
an unchained DecodeError naming the path; a writer tests UNSET first without changing which error a
model gets; sets_something answers the same whatever order its fields are walked in."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import attrs
import pytest

from invoicekit import DecodeError, ValidationError, invoro
from invoicekit._convert import extra
from invoicekit._fields import sets_something, write
from invoicekit._read import Reader, reader
from invoicekit._unset import UNSET
from invoicekit.invoro._parts import Identifier


@attrs.frozen
class Inner:
    n: int


@attrs.frozen
class Outer:
    name: str
    inner: Inner | None = None
    bag: dict[str, Any] = extra()


def _frames_below(fn: Any, arg: Any) -> list[str]:
    """The code names of the Python frames entered while *fn(arg)* runs (its own frame excluded)."""
    names: list[str] = []

    def profile(frame: FrameType, event: str, _: object) -> None:
        if event == "call":
            names.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        fn(arg)
    finally:
        sys.setprofile(None)
    return names


def test_after_the_first_call_a_reader_is_one_generated_frame() -> None:
    read = reader(Outer)
    first = read({"name": "a"})
    assert first == Outer(name="a")
    assert isinstance(read, Reader)
    assert type(read).__call__.__code__.co_filename == "<invoicekit reader of Outer>"
    # The only Python frame entered by a call is the generated entry (no Reader.__call__ around it).
    assert _frames_below(read, {"name": "b"}) == ["read"]
    assert repr(read) == "Reader(Outer)"
    assert reader(Outer)({"name": "c"}) == Outer(name="c")  # a second Reader of the class: its own


def test_unknown_keys_keep_the_answers_order_and_values() -> None:
    read = reader(Outer)
    data = {"z": 1, "name": "a", "b": [2], "a": None, "inner": {"n": 3}, "m": {"k": "v"}}
    got = read(data)
    assert got.inner == Inner(3)
    assert list(got.bag.items()) == [("z", 1), ("b", [2]), ("a", None), ("m", {"k": "v"})]
    assert read({"name": "a"}).bag == {}


@pytest.mark.parametrize("calls_before", [0, 1])
def test_a_mismatch_is_an_unchained_decode_error_naming_the_path(calls_before: int) -> None:
    read = reader(Outer)
    for _ in range(calls_before):
        read({"name": "ok"})
    with pytest.raises(DecodeError) as info:
        read({"name": "a", "inner": {"n": "x"}})
    assert "does not fit Outer" in str(info.value)
    assert "$.inner.n" in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    with pytest.raises(DecodeError, match=r"does not fit Outer \(.*@ \$\)"):
        read(["not", "an", "object"])


def test_a_required_unset_field_still_names_itself_after_the_unset_first_test() -> None:
    # Identifier's scheme and value are required: UNSET is refused naming the first one, after the rest
    # is checked; None on a field that cannot be cleared is refused at once, before a missing field.
    with pytest.raises(ValidationError) as info:
        write(Identifier(scheme=UNSET, value=UNSET), "p")  # type: ignore[arg-type]
    assert (info.value.field, info.value.rule) == ("p.scheme", "is required")
    with pytest.raises(ValidationError) as info:
        write(Identifier(scheme=UNSET, value=None), "p")  # type: ignore[arg-type]
    assert info.value.field == "p.value"
    assert write(Identifier(scheme="0088", value="x")) == {"scheme": "0088", "value": "x"}


def test_writer_output_is_unchanged() -> None:
    header = invoro.Header(invoice_number="INV-1", currency="EUR", notes=None)
    assert write(header) == {"invoice_number": "INV-1", "currency": "EUR", "notes": None}


def test_sets_something_does_not_depend_on_the_order_fields_are_walked() -> None:
    empty_header = invoro.Header()
    assert not sets_something(invoro.DraftInvoice(header=empty_header))
    assert sets_something(invoro.DraftInvoice(header=invoro.Header(currency="EUR")))
    assert sets_something(invoro.DraftInvoice(header=empty_header, business_entity_id=None))
    assert not sets_something(invoro.DraftInvoice(header=empty_header, extra_fields={}))
    assert sets_something(invoro.DraftInvoice(extra_fields={"k": 1}))
