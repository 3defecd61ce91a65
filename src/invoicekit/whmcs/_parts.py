"""WHMCS models a common first call does not need, loaded on first use (``whmcs.ItemChange``,
``from invoicekit.whmcs import Invoice``, or the call that answers one): an existing line's new values,
a line to append, and the invoice ``GetInvoice`` answers with its lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from .._registry import publish_parts
from .._repr import set_fields_repr
from . import _models

__all__ = ["Invoice", "InvoiceItem", "ItemChange", "NewItem"]


@set_fields_repr
@attrs.frozen(repr=False)
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
@attrs.frozen(repr=False)
class NewItem:
    """A line to append, given in ``new_items=[NewItem(...)]``. Appending makes the call unsafe to resend."""

    description: str
    amount: Decimal | int
    taxed: bool


@set_fields_repr
@attrs.frozen(repr=False)
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
@attrs.frozen(repr=False)
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


# Every name here is a name of _models too, and of _client once it is loaded (their annotations name them).
publish_parts(globals(), _models)
