"""WHMCS models: the line changes ``UpdateInvoice`` sends, and what it answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from .._convert import wire
from .._repr import set_fields_repr

__all__ = ["STATUSES", "Invoice", "InvoiceItem", "ItemChange", "NewItem", "Status", "UpdateInvoiceResult"]

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
@attrs.frozen
class ItemChange:
    """New values for an existing invoice line, given in ``items={line_id: ItemChange(...)}``.

    WHMCS changes a line only when all three are sent (``itemdescription``, ``itemamount`` and
    ``itemtaxed``), so all three are required. Line ids come from ``GetInvoice`` (``items.item[].id``).
    *amount* is a ``Decimal`` (or an ``int``) in the invoice's currency; floats are refused.
    """

    description: str
    amount: Decimal | int
    taxed: bool


@set_fields_repr
@attrs.frozen
class NewItem:
    """A line to append, given in ``new_items=[NewItem(...)]``. Appending makes the call unsafe to resend."""

    description: str
    amount: Decimal | int
    taxed: bool


@set_fields_repr
@attrs.frozen
class UpdateInvoiceResult:
    """What ``UpdateInvoice`` answers: the id of the invoice it updated (WHMCS sends it as a string)."""

    invoice_id: int = attrs.field(metadata=wire("invoiceid"))


@set_fields_repr
@attrs.frozen
class InvoiceItem:
    """One line of an invoice as ``GetInvoice`` lists it (``items.item[]``) [DOC W6].

    *id* is the line id that ``items={id: ItemChange(...)}`` and ``delete_line_ids`` take. *type* and
    *rel_id* say what the line bills (e.g. ``"Hosting"`` and the service id; ``""`` and 0 for a manual line).
    """

    id: int
    description: str
    amount: Decimal
    taxed: bool
    type: str = ""
    rel_id: int = 0


@set_fields_repr
@attrs.frozen
class Invoice:
    """What ``GetInvoice`` answers, typed [DOC W6]: ``client.invoices.get(invoice_id)``.

    Money is ``Decimal`` (WHMCS sends it as text); dates are ``datetime.date`` and *date_paid* a
    ``datetime.datetime``, each None where WHMCS writes its "never" value (``0000-00-00``). *items* is
    empty for an invoice without lines (WHMCS then answers ``""`` instead of a list). Fields this version
    does not read are kept in *extra* as WHMCS sent them.
    """

    invoice_id: int
    status: str
    user_id: int | None = None
    invoice_num: str = ""
    date: dt.date | None = None
    due_date: dt.date | None = None
    date_paid: dt.datetime | None = None
    subtotal: Decimal = Decimal("0")
    credit: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    tax2: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    balance: Decimal = Decimal("0")
    tax_rate: Decimal = Decimal("0")
    tax_rate2: Decimal = Decimal("0")
    payment_method: str = ""
    notes: str = ""
    items: tuple[InvoiceItem, ...] = ()
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)
