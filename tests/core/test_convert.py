"""The converter factory: wire names, UNSET omitted, None kept, Decimal/File left for the encoder."""

import datetime as dt
import enum
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest

from invoicekit import UNSET, DecodeError, File, Unset
from invoicekit._convert import camel, extra, make_converter, structure, wire


@attrs.frozen
class Item:
    item_cost: Decimal | Unset = UNSET
    item_qty: int | Unset = UNSET


@attrs.frozen
class Update:
    invoice_number: str | None | Unset = UNSET
    due_date: dt.date | None | Unset = UNSET
    additional_data: dict[str, Any] | None | Unset = attrs.field(
        default=UNSET, metadata=wire("AdditionalData")
    )
    items: list[Item] | Unset = UNSET
    attachment: File | Unset = UNSET


@attrs.frozen
class Answer:
    invoice_id: int
    created_at: dt.datetime | None = None
    total: Decimal | None = None
    rest: dict[str, Any] = extra()


CONV = make_converter(wire_name=camel)


def test_only_touched_fields_are_sent() -> None:
    """UNSET fields are left out; None is sent as null; wire names follow the rule or the metadata."""
    assert CONV.unstructure(Update()) == {}
    assert CONV.unstructure(Update(invoice_number=None)) == {"invoiceNumber": None}
    assert CONV.unstructure(Update(invoice_number="")) == {"invoiceNumber": ""}
    assert CONV.unstructure(Update(additional_data={"k": 1})) == {"AdditionalData": {"k": 1}}


def test_nested_values_and_leaves() -> None:
    """Nested models, dates, Decimals and Files are converted (or kept) as the encoder needs."""
    f = File(b"%PDF-1")
    got = CONV.unstructure(
        Update(due_date=dt.date(2026, 3, 1), items=[Item(item_cost=Decimal("9.90"))], attachment=f)
    )
    assert got == {"dueDate": "2026-03-01", "items": [{"itemCost": Decimal("9.90")}], "attachment": f}
    assert got["attachment"] is f


def test_structure_reads_answers_and_keeps_unknown_keys() -> None:
    """Dates with Z, Decimal numbers and unknown keys are read; unknown keys land in the extra field."""
    data = {"invoiceId": 4, "createdAt": "2026-01-02T03:04:05Z", "total": Decimal("1.10"), "newThing": [1]}
    answer = structure(CONV, data, Answer, provider="demo", status=200)
    assert answer.invoice_id == 4
    assert answer.created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert answer.total == Decimal("1.10")
    assert answer.rest == {"newThing": [1]}


def test_structure_mismatch_is_a_decode_error() -> None:
    """A missing or wrongly typed key is a DecodeError that says where, never a cattrs traceback."""
    with pytest.raises(DecodeError, match="Answer") as info:
        structure(CONV, {"createdAt": "x"}, Answer, provider="demo", status=200)
    assert info.value.provider == "demo"
    assert "invoiceId" in str(info.value) or "invoice_id" in str(info.value)


def test_camel() -> None:
    """snake_case to camelCase."""
    assert camel("invoice_number") == "invoiceNumber"
    assert camel("id") == "id"
    assert camel("f_content") == "fContent"


def test_converters_are_independent() -> None:
    """Each provider's converter has its own naming rule; nothing is global."""
    assert make_converter().unstructure(Update(invoice_number="a")) == {"invoice_number": "a"}
    assert CONV.unstructure(Update(invoice_number="a")) == {"invoiceNumber": "a"}


class Freq(str, enum.Enum):
    WEEKLY = "weekly"


class Level(enum.Enum):
    HIGH = 2


@attrs.frozen
class WithEnums:
    freq: Freq | Unset = UNSET
    level: Level | Unset = UNSET


def test_enums_reach_the_wire_as_their_values() -> None:
    """Enum members are written as their values, in JSON and in forms."""
    from invoicekit._forms import php_form

    data = CONV.unstructure(WithEnums(Freq.WEEKLY, Level.HIGH))
    assert json.loads(json.dumps(data)) == {"freq": "weekly", "level": 2}
    assert php_form({"freq": Freq.WEEKLY, "level": Level.HIGH}) == [("freq", "weekly"), ("level", "2")]
