"""WHMCS models: the line changes ``UpdateInvoice`` sends, and what it answers."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from .. import _fields as fields
from .._checks import boolean, choice, int_id, text
from .._convert import wire
from .._errors import ValidationError
from .._money import decimal_text, money, to_cents
from .._record import Later, later_names
from .._repr import set_fields_repr

__all__ = ["STATUSES", "Status", "UpdateInvoiceResult"]

#: The module of the models a common first call does not need (line changes, new lines, the invoice
#: ``get`` answers): loaded on first use, so a cold start does not create their classes.
PARTS: Final = "invoicekit.whmcs._parts"
#: The names it defines, each reachable here too (``from ._models import ItemChange`` loads it).
PART_NAMES: Final = ("Invoice", "InvoiceItem", "ItemChange", "NewItem")
_ITEM_CHANGE: Final[Any] = Later(PARTS, "ItemChange")
_NEW_ITEM: Final[Any] = Later(PARTS, "NewItem")


if not TYPE_CHECKING:  # visible to type checkers, it would make every misspelt name `Any`
    __getattr__ = later_names(globals(), PARTS, PART_NAMES)


Status = Literal["Draft", "Unpaid", "Paid", "Cancelled", "Refunded", "Collections", "Payment Pending"]
"""The invoice statuses WHMCS accepts (case-sensitive)."""

#: The standard WHMCS invoice statuses. The API reference only says "standard invoice statuses"; this list
#: is the one WHMCS's help pages give [INF]. Change it here if an install knows more.
STATUSES: Final[tuple[str, ...]] = (
    "Draft",
    "Unpaid",
    "Paid",
    "Cancelled",
    "Refunded",
    "Collections",
    "Payment Pending",
)


@set_fields_repr
@attrs.frozen(repr=False)
class UpdateInvoiceResult:
    """What ``UpdateInvoice`` answers: the id of the invoice it updated (WHMCS sends it as a string)."""

    invoice_id: int = attrs.field(metadata=wire("invoiceid"))


# -- UpdateInvoice's changes: each field's check and form text, declared once ------------------------------


def _cannot_clear(how: str) -> fields.Clears:
    return fields.cannot_clear(f"None would clear it, and WHMCS cannot clear it: {how}")


#: WHMCS' fields: a form says no null, so ``None`` clears a field as the empty text where WHMCS reads
#: that as a clear (``notes=``), and is refused where it cannot (each field says how). DESIGN.md 1.
FIELDS: Final = fields.Fields("whmcs", fields.EMPTY)
_f = FIELDS.field


def _status(value: object, field: str) -> str:
    return choice(text(value, field), field, STATUSES)


def _payment_method(value: object, field: str) -> str:
    return text(value, field, max_len=255, allow_empty=False).strip()


def _rate(value: object, field: str) -> str:
    return decimal_text(money(value, field, allow_negative=False))


def _amount(value: object, field: str, *, allow_negative: bool = True) -> str:
    to_cents(value, field, allow_negative=allow_negative)  # WHMCS keeps two decimals [INF]: refuse, not round
    return decimal_text(money(value, field))


def _credit(value: object, field: str) -> str:
    return _amount(value, field, allow_negative=False)


def _flag(value: object, field: str) -> str:
    return "1" if boolean(value, field) else "0"


def _line(item: Any, kind: Any, field: str, key: object) -> tuple[str, str, str]:
    """One line's three form values; a bad one is named ``field[key].amount`` (built only then)."""
    try:
        if not isinstance(item, kind):
            raise ValidationError("", f"must be a whmcs.{kind.__name__}(description, amount, taxed)")
        return (
            text(item.description, "description"),
            _amount(item.amount, "amount"),
            _flag(item.taxed, "taxed"),
        )
    except ValidationError as exc:
        raise fields.under(exc, f"{field}[{key}]") from None


def _changed_lines(value: object, field: str) -> dict[str, dict[int, str]]:
    if not isinstance(value, Mapping):
        kind = type(value).__name__
        raise ValidationError(field, f"must be a mapping of line id -> ItemChange, not {kind}")
    wire_: dict[str, dict[int, str]] = {"itemdescription": {}, "itemamount": {}, "itemtaxed": {}}
    descriptions, amounts, taxed = wire_.values()
    for key, change in value.items():
        line_id = int_id(key, f"{field}[{key!r}]") if type(key) is not int or not 0 < key < 2**63 else key
        descriptions[line_id], amounts[line_id], taxed[line_id] = _line(change, _ITEM_CHANGE, field, line_id)
    return wire_


def _new_lines(value: object, field: str) -> dict[str, list[str]]:
    wire_: dict[str, list[str]] = {"newitemdescription": [], "newitemamount": [], "newitemtaxed": []}
    descriptions, amounts, taxed = wire_.values()
    for index, item in enumerate(fields.sequence(value, field)):
        description, amount, tax = _line(item, _NEW_ITEM, field, index)
        descriptions.append(description)
        amounts.append(amount)
        taxed.append(tax)
    return wire_


def _deleted_lines(value: object, field: str) -> dict[str, list[int]]:
    ids = [int_id(v, f"{field}[{i}]") for i, v in enumerate(fields.sequence(value, field))]
    return {"deletelineids": ids}


@attrs.frozen(kw_only=True)
class _Update:
    """The changes of ``invoices.update`` (private: the public surface is the method's keywords). The
    order here is the order on the wire; ``items``, ``new_items`` and ``delete_line_ids`` each write
    several PHP arrays.
    """

    status: object = _f(_status, clears=_cannot_clear("pass a status"))
    payment_method: object = _f(
        _payment_method,
        wire="paymentmethod",
        clears=_cannot_clear("pass a payment gateway's system name, e.g. 'mailin'"),
    )
    tax_rate: object = _f(_rate, wire="taxrate", clears=_cannot_clear("pass 0 for no tax"))
    tax_rate2: object = _f(_rate, wire="taxrate2", clears=_cannot_clear("pass 0 for no tax"))
    credit: object = _f(_credit, clears=_cannot_clear("pass 0 for no credit"))
    date: object = _f(fields.day("iso"), clears=_cannot_clear("an invoice always has its date and due date"))
    due_date: object = _f(
        fields.day("iso"), wire="duedate", clears=_cannot_clear("an invoice always has its date and due date")
    )
    date_paid: object = _f(
        fields.day("iso"),
        wire="datepaid",
        clears=_cannot_clear("WHMCS documents no way to clear datepaid [UNK]"),
    )
    notes: object = _f(fields.text())  # notes= (empty) clears them
    publish: object = _f(_flag, clears=_cannot_clear("pass True, or leave it out"))
    publish_and_send_email: object = _f(
        _flag, wire="publishandsendemail", clears=_cannot_clear("pass True, or leave it out")
    )
    items: object = _f(
        _changed_lines, spread=True, clears=_cannot_clear("to remove lines use delete_line_ids")
    )
    new_items: object = _f(
        _new_lines,
        spread=True,
        clears=_cannot_clear("new lines are only ever added; remove lines with delete_line_ids"),
    )
    delete_line_ids: object = _f(_deleted_lines, spread=True, clears=_cannot_clear("pass []"))


UPDATE_FIELDS: Final = frozenset(a.name for a in attrs.fields(_Update))


def update_fields(changes: Mapping[str, object]) -> dict[str, Any]:
    """The form fields of ``UpdateInvoice``'s *changes*, each checked (ValidationError naming it).

    *changes* names every field of the update (:data:`UPDATE_FIELDS`); other names are ignored, so the
    builder passes its ``locals()`` as they are (read by the update's writer from a plain namespace).
    """
    if not changes.keys() >= UPDATE_FIELDS:
        return fields.write_values(_Update, changes)  # a field missing: the class itself says how
    form = fields.writer(_Update)(SimpleNamespace(**changes))
    if form.get("publish") == "1" and form.get("publishandsendemail") == "1":
        raise ValidationError("publish", "pass publish=True or publish_and_send_email=True, not both")
    ids = form.get("deletelineids", ())
    changed = form.get("itemdescription", {})
    seen: set[int] = set()  # a set, not ids.count(): 60,000 ids would be 3.6e9 comparisons
    for line_id in ids:
        if line_id in seen:
            raise ValidationError("delete_line_ids", f"line {line_id} is listed more than once")
        seen.add(line_id)
        if line_id in changed:
            raise ValidationError("delete_line_ids", f"line {line_id} is both changed (items) and deleted")
    return form
