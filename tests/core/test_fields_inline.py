"""The generated writer writes nested models, lists of them and a rule's quick case (Invoro's currency
codes) itself, without calling the field's rule; every other value takes the rule. Both ways must give
the same wire object and the same ValidationError (field path and rule)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from invoicekit import ValidationError, invoro
from invoicekit._fields import write, write_from, write_values
from invoicekit._unset import UNSET


def _line(**changes: Any) -> invoro.Line:
    return invoro.Line(**{"name": "Q3", "quantity": Decimal(1), "price": Decimal("1.00"), **changes})


_HEADER = invoro.Header(invoice_number="INV-1", issue_date=dt.date(2025, 1, 2), currency="EUR")


def _draft(**changes: Any) -> invoro.DraftInvoice:
    return invoro.DraftInvoice(**{"header": _HEADER, "lines": [_line()], **changes})


class MyLine(invoro.Line):  # a user's subclass: written by the rule, as before
    pass


def _error(obj: Any) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        write(obj, "invoice")
    return info.value.field, info.value.rule


def test_the_usual_draft_is_written_in_full() -> None:
    assert write(_draft(), "invoice") == {
        "header": {"invoice_number": "INV-1", "issue_date": "2025-01-02T00:00:00Z", "currency": "EUR"},
        "items": [{"name": "Q3", "quantity": 1, "price": 100}],
    }


def test_a_list_as_a_tuple_or_with_a_subclass_item_gives_the_same_wire_object() -> None:
    plain = write(_draft(lines=[_line(), _line(name="B")]))
    assert write(_draft(lines=(_line(), _line(name="B")))) == plain
    sub = MyLine(name="B", quantity=Decimal(1), price=Decimal("1.00"))
    assert write(_draft(lines=[_line(), sub])) == plain
    assert write(_draft(lines=[])) == {**plain, "items": []}


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"lines": [_line(), _line(name="\0")]}, "invoice.lines[1].name", "must not contain NUL"),
        ({"lines": [_line(), "x"]}, "invoice.lines[1]", "must be an invoro.Line, not str"),
        ({"lines": [_line(name=5)]}, "invoice.lines[0].name", "must be a str, not int"),
        ({"lines": (_line(), _line(name="\0"))}, "invoice.lines[1].name", "must not contain NUL"),
        ({"header": "x"}, "invoice.header", "must be an invoro.Header, not str"),
    ],
)
def test_errors_name_the_same_path(changes: dict[str, Any], field: str, rule: str) -> None:
    assert _error(_draft(**changes)) == (field, rule)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("x" * 256, "at most 255 characters (256 given)"),
        ("é\ud800", "holds a lone surrogate (U+D800), which UTF-8 cannot carry"),
        (b"INV", "must be a str, not bytes"),
    ],
)
def test_text_the_quick_test_refuses_goes_to_the_rule(value: object, rule: str) -> None:
    header = attrs.evolve(_HEADER, invoice_number=value)  # type: ignore[arg-type]
    assert _error(_draft(header=header)) == ("invoice.header.invoice_number", rule)


def test_text_beyond_ascii_and_str_subclasses_are_written_by_the_rule() -> None:
    class Text(str):
        def __str__(self) -> str:
            return "other"

    header = attrs.evolve(_HEADER, invoice_number="Réf-1", currency=Text("USD"))
    out = write(_draft(header=header))["header"]
    assert out["invoice_number"] == "Réf-1"
    assert out["currency"] == "USD"
    assert type(out["currency"]) is str


@pytest.mark.parametrize("code", ["eur", "EU", "EURO", "E1R", "ÉUR"])
def test_a_currency_the_quick_test_refuses_goes_to_the_rule(code: str) -> None:
    header = attrs.evolve(_HEADER, currency=code)
    field, rule = _error(_draft(header=header))
    assert field == "invoice.header.currency"
    assert rule == f"must be 3 upper-case letters (ISO), not {code!r}"


def test_write_from_reads_only_the_fields_and_equals_write_values() -> None:
    from invoicekit.salesbricks import _models as sb

    names = {a.name for a in attrs.fields(sb._Update)}
    values: dict[str, Any] = dict.fromkeys(names, UNSET) | {
        "invoice_memo": "Net 30",
        "due_at": dt.date(2025, 1, 2),
    }
    expected = write_values(sb._Update, values)
    assert expected == {"due_at": "2025-01-02", "invoice_memo": "Net 30"}
    assert write_from(sb._Update, {**values, "invoice_id": "x", "extra_headers": None}) == expected
    assert write_from(sb._Update, values) == expected
    with pytest.raises(ValidationError) as info:
        write_from(sb._Update, {**values, "tax_id": 5, "other": object()})
    assert (info.value.field, info.value.rule) == ("tax_id", "must be a str, not int")


def test_write_from_a_mapping_missing_a_field_or_a_model_with_merged_fields_takes_write_values() -> None:
    from invoicekit.salesbricks import _models as sb

    # a field not given: the class's default (UNSET), as write_values does
    assert write_from(sb._Update, {"invoice_memo": "Net 30"}) == {"invoice_memo": "Net 30"}
    # Invoro's Line merges extra_fields: never written by key, the namespace path instead
    values = {a.name: getattr(_line(), a.name) for a in attrs.fields(invoro.Line)}
    assert write_from(invoro.Line, {**values, "extra_fields": {"x": 1}, "unused": 2}) == {
        "name": "Q3",
        "quantity": 1,
        "price": 100,
        "x": 1,
    }
