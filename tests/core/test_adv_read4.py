"""Adversary (read4): readers that build the instance themselves, writers that write nested models inline,
and the in-place checks (Invoro currency codes, Upflow ids and encodings, Salesbricks' ``write_from``)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import pytest

from invoicekit import ValidationError
from invoicekit._fields import spec_of, write, write_from, write_values
from invoicekit._read import _fusable, reader
from invoicekit._unset import UNSET
from invoicekit.invoro._answers import _READ as INVORO_READ
from invoicekit.invoro._models import DraftInvoice, Header, Line
from invoicekit.payabli._answers import _READ as PAYABLI_READ
from invoicekit.salesbricks._models import UPDATE_FIELDS, _Update
from invoicekit.upflow._models import invoice_segment


@attrs.define
class Normalised:
    """A (mutable) class whose own ``__setattr__`` does something: attrs' ``__init__`` runs it."""

    code: str
    note: str | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, str):
            value = value.strip().upper()
        object.__setattr__(self, name, value)


def test_a_class_with_its_own_setattr_is_made_as_its_init_makes_it() -> None:
    # attrs' __init__ of a non-frozen class assigns each field with ``self.x = x``: the class's own
    # __setattr__ runs. A reader that sets the slots itself skipped it (code " eur " was kept as sent).
    made = reader(Normalised)({"code": " eur ", "note": " x "})
    assert made == Normalised(code=" eur ", note=" x ")
    assert (made.code, made.note) == ("EUR", "X")


@pytest.mark.parametrize("read", [INVORO_READ, PAYABLI_READ])
def test_frozen_provider_results_are_still_built_in_place(read: Any) -> None:
    # attrs' frozen __init__ bypasses __setattr__ (object.__setattr__): the fused path still applies
    assert _fusable(read.cls, [a for a in attrs.fields(read.cls) if a.init])


@attrs.frozen
class Frozen:
    a: str
    b: int | None = None
    c: tuple[int, ...] = attrs.field(factory=tuple)
    _private: str | None = None
    d: list[int] = attrs.field(factory=list, hash=False)


@pytest.mark.parametrize("data", [{"a": "x"}, {"a": "x", "b": 2, "c": [1], "_private": "p", "d": [3]}])
def test_fused_instances_equal_hash_pickle_copy_as_init_built(data: dict[str, Any]) -> None:
    made = reader(Frozen)(data)  # the wire key of ``_private`` is its name; its __init__ argument ``private``
    kwargs: dict[str, Any] = {k.lstrip("_"): tuple(v) if k == "c" else v for k, v in data.items()}
    by_init = Frozen(**kwargs)
    assert made._private == data.get("_private")
    assert made == by_init
    assert hash(made) == hash(by_init)
    assert repr(made) == repr(by_init)
    pickled = pickle.loads(pickle.dumps(made))  # noqa: S301 (our own bytes)
    for twin in (pickled, copy.copy(made), copy.deepcopy(made)):
        assert twin == by_init
        assert type(twin) is Frozen
    assert attrs.evolve(made, b=5) == attrs.evolve(by_init, b=5)


def test_factory_defaults_are_not_shared_between_read_instances() -> None:
    one, two = reader(Frozen)({"a": "x"}), reader(Frozen)({"a": "y"})
    assert one.d == []
    assert one.d is not two.d
    one_bag, two_bag = INVORO_READ({}), INVORO_READ({})
    assert one_bag.extra == {}
    assert one_bag.extra is not two_bag.extra


@pytest.mark.parametrize("read", [INVORO_READ, PAYABLI_READ])
def test_provider_results_pickle_and_copy_as_init_built(read: Any) -> None:
    made = read({"zz_unknown": [1, {"k": None}]})
    by_init = read.cls(**attrs.asdict(made, recurse=False))
    assert made == by_init
    assert repr(made) == repr(by_init)
    assert pickle.loads(pickle.dumps(made))  # noqa: S301 (our own bytes) == by_init
    assert copy.deepcopy(made) == by_init


def test_extra_keys_and_nulls_are_kept_apart_from_fields() -> None:
    made = INVORO_READ({"id": None, "currency": None, "extra": {"a": 1}, "total": None})
    assert made.id is None
    assert made.currency is None
    assert made.total is None
    assert made.extra == {"extra": {"a": 1}}  # a wire key named like the bag is an unknown key, kept


def test_upflow_usual_id_and_odd_ids() -> None:
    assert invoice_segment("inv_1") == "inv_1"
    long_id = "a" * 100_000
    assert invoice_segment(long_id) is long_id
    for bad in ("", " \t", "a\0b", "\ud800"):
        with pytest.raises(ValidationError) as info:
            invoice_segment(bad)
        assert info.value.field == "invoice"
    assert invoice_segment("١٢٣") == "١٢٣"  # non-ASCII digits: text() accepts them, as before


def test_salesbricks_write_from_equals_write_values() -> None:
    values = dict.fromkeys(UPDATE_FIELDS, UNSET)
    first = UPDATE_FIELDS[0]
    extra = {**values, "invoice_id": "x", "idempotency_key": UNSET}
    assert write_from(_Update, extra) == write_values(_Update, values)
    with pytest.raises(ValidationError) as info:
        write_from(_Update, {**extra, first: object()})
    assert info.value.field == first


class _Counting(type):
    """A metaclass whose ``__call__`` records each instance made (an interning or registering class)."""

    made: list[object] = []  # noqa: RUF012 (the test's own record)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__call__(*args, **kwargs)
        _Counting.made.append(obj)
        return obj


@attrs.frozen
class Registered(metaclass=_Counting):
    x: int


def test_a_class_whose_metaclass_makes_its_instances_is_called() -> None:
    # ``cls(...)`` goes through the metaclass's __call__; ``object.__new__(cls)`` skipped it
    _Counting.made.clear()
    made = reader(Registered)({"x": 1})
    assert _Counting.made == [made]
    assert _Counting.made[0] is made


class _SubLine(Line):
    pass


class _Text(str):
    __slots__ = ()


def _outcome(write_it: Any) -> tuple[Any, ...]:
    try:
        return ("ok", write_it())
    except ValidationError as exc:
        return ("error", exc.field, exc.rule)


def _rule(cls: type, name: str) -> Any:
    return spec_of(attrs.fields_dict(cls)[name])[1].rule


@pytest.mark.parametrize(
    "lines",
    [
        [Line(name="x")],
        [Line(name="x"), None],
        [Line(name="x"), _SubLine(name="y")],
        (Line(name="x"),),
        [Line(name="x"), Line(name="a\0")],
        [Line(name="a\0"), None],
        [Line(name="x"), "x"],
        [],
    ],
)
def test_a_list_of_models_written_inline_is_what_its_rule_writes(lines: Any) -> None:
    got = _outcome(lambda: write(DraftInvoice(lines=lines))["items"])
    assert got == _outcome(lambda: _rule(DraftInvoice, "lines")(lines, "lines"))


@pytest.mark.parametrize(
    "code", ["EUR", "eur", "EU", "EURO", _Text("EUR"), "\uff25\uff35\uff32", "ÉUR", "E\u0301U", "EU\0", 7]
)
def test_an_invoro_currency_code_checked_inline_is_what_its_rule_gives(code: Any) -> None:
    got = _outcome(lambda: write(Header(currency=code))["currency"])
    assert got == _outcome(lambda: _rule(Header, "currency")(code, "currency"))
    if got[0] == "ok":
        assert type(got[1]) is str
