"""WHMCS models: the line changes ``UpdateInvoice`` sends, and what it answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal

import attrs

from .._convert import wire
from .._repr import set_fields_repr

__all__ = ["STATUSES", "ItemChange", "NewItem", "Status", "UpdateInvoiceResult"]

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
