"""Invoro's models that a common first call does not need, loaded on first use (``invoro.Party``,
``from invoicekit.invoro import Party`` or a draft that holds one): a party and its address and
identifiers, the invoice period, a line's attributes, allowances and charges, the totals, payments and
attachments. Declared exactly as the models of :mod:`invoicekit.invoro._models`, with its field rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from .. import _fields as fields
from .._files import File, FileInput
from .._record import fields_eq, publish
from .._repr import set_fields_repr
from .._unset import Unset
from . import _models
from ._models import (
    _MONEY,
    _NOT_NULL,
    FIELDS,
    _code,
    _extra,
    _file,
    _many,
    _moment,
    _non_negative_money,
    _one,
    _opt,
    _req,
    _text,
)

__all__ = [
    "DEFAULT_ATTACHMENT_NAME",
    "Address",
    "AllowanceCharge",
    "Attachment",
    "Identifier",
    "InvoicePeriod",
    "ItemAttribute",
    "Party",
    "Payment",
    "Totals",
]


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class Identifier:
    """A scheme-qualified identifier: Peppol endpoint ``{"scheme": "0208", "value": "0123456789"}`` [DOC]."""

    scheme: str = _req(_text(10))
    value: str = _req(_text(255))
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Address:
    """A postal address. ``street`` and ``additional_line`` are documented [DOC]; the rest [INF]."""

    street: str | None | Unset = _opt(_text(255))
    additional_line: str | None | Unset = _opt(_text(255))
    city: str | None | Unset = _opt(_text())
    postal_code: str | None | Unset = _opt(_text())
    country_subdivision: str | None | Unset = _opt(_text())
    country_code: str | None | Unset = _opt(_code(2))
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Party:
    """The seller (documented [DOC]) or the buyer (same shape assumed [INF])."""

    endpoint_id: Identifier | Unset = _opt(_one(Identifier), nullable=False)
    identifiers: Sequence[Identifier] | Unset = _opt(_many(Identifier), nullable=False)
    name: str | None | Unset = _opt(_text(255))
    legal_name: str | None | Unset = _opt(_text(255))
    trading_name: str | None | Unset = _opt(_text(255))
    company_id: Identifier | Unset = _opt(_one(Identifier), nullable=False)
    vat_number: str | None | Unset = _opt(_text(50))
    tax_registration_id: Identifier | Unset = _opt(_one(Identifier), nullable=False)
    legal_information: str | None | Unset = _opt(_text())
    address: Address | Unset = _opt(_one(Address), nullable=False)
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class InvoicePeriod:
    """The period invoiced (``header.invoice_period``) [DOC]."""

    start_date: dt.date | None | Unset = _opt(_moment)
    end_date: dt.date | None | Unset = _opt(_moment)
    description: str | None | Unset = _opt(_text(255))
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ItemAttribute:
    """An item attribute, name and value ("Item attributes" [SEED]; names [INF])."""

    name: str | Unset = _opt(_text(), nullable=False)
    value: str | Unset = _opt(_text(), nullable=False)
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class AllowanceCharge:
    """A line allowance or charge ("Line allowances" / "Line charges" [SEED]; names [INF])."""

    #: Sent as integer cents; never negative (an allowance is subtracted, a charge added).
    amount: Decimal | int | Unset = _opt(_non_negative_money, nullable=False)
    reason: str | None | Unset = _opt(_text())
    reason_code: str | None | Unset = _opt(_text())
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Totals:
    """Document totals, all sent as integer cents ([SEED] descriptions, names [INF])."""

    #: "Sum of line totals": must equal the sum of every line's ``line_total`` (BR-CO-10).
    line_total: Decimal | int | None | Unset = _opt(_MONEY)
    #: "Before tax".
    tax_exclusive: Decimal | int | None | Unset = _opt(_MONEY)
    #: "After tax".
    tax_inclusive: Decimal | int | None | Unset = _opt(_MONEY)
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Payment:
    """One payment instruction (the ``payments`` array [SEED]; names [INF], after EN 16931 BG-16)."""

    means_code: str | None | Unset = _opt(_text())
    payment_id: str | None | Unset = _opt(_text())
    account_id: str | None | Unset = _opt(_text())
    account_name: str | None | Unset = _opt(_text())
    bic: str | None | Unset = _opt(_text())
    extra_fields: Mapping[str, Any] = _extra()


def _as_file(value: FileInput) -> File:
    return File.coerce(value, "content")


#: The ``filename`` an attachment is sent with when its File has no name.
DEFAULT_ATTACHMENT_NAME: Final = "attachment.pdf"


def _default_filename(attachment: Attachment) -> str:
    return attachment.content.name_or(DEFAULT_ATTACHMENT_NAME)


def _default_mime_type(attachment: Attachment) -> str:
    return attachment.content.content_type


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Attachment:
    """A supporting document, embedded as base64 ("Base64 encoded" [SEED]; names [INF]).

    *content* is a ``File``, a path, ``bytes`` or a seekable binary file; it is streamed as base64. The
    ``filename`` sent defaults to the file's name (else ``attachment.pdf``), ``mime_type`` to the
    ``File``'s content type (``application/pdf`` unless given).
    """

    content: File = attrs.field(
        converter=_as_file,
        kw_only=True,
        metadata=FIELDS.meta(_file, required="is required", clears=fields.cannot_clear(_NOT_NULL)),
    )
    filename: str | Unset = _opt(_text(255), nullable=False, when_unset=_default_filename)
    mime_type: str | Unset = _opt(_text(255), nullable=False, when_unset=_default_mime_type)
    id: str | None | Unset = _opt(_text())
    description: str | None | Unset = _opt(_text())
    extra_fields: Mapping[str, Any] = _extra()


# Every name here is a name of _models too (its annotations and type-hint lookups name them there).
publish({name: globals()[name] for name in _models.PART_NAMES}, _models)
