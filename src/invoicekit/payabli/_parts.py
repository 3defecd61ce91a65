"""Payabli's models that a common first call does not need, loaded on first use (``payabli.PayorData``,
``from invoicekit.payabli import InvoiceRecord``, or the call that needs one): the customer
(:class:`PayorData`), a scheduled invoice's options (:class:`BillOptions`) and the invoice record ``get``
answers (:class:`InvoiceRecord`). Declared exactly as the models of :mod:`invoicekit.payabli._models`.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from .. import _fields as fields
from .._checks import boolean, int_id
from .._record import fields_eq, publish
from .._repr import set_fields_repr
from .._unset import Unset
from . import _models
from ._models import _email, _f, _text

__all__ = ["BillOptions", "InvoiceRecord", "InvoiceRecordItem", "PayorData"]


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class PayorData:
    """The invoice's customer (``customerData``).

    Which fields identify the customer depends on the paypoint's settings (*identifier_fields*, custom
    identifiers in *additional_data*); Payabli answers "Invalid customer identifiers" when none is given.
    *additional_data* is sent as ``additionalData``; its values are JSON data (Payabli's SDK types them
    as objects, its docs show strings: both are accepted). *customer_id* is Payabli's customer id.
    """

    additional_data: Mapping[str, Any] | None | Unset = _f(fields.json_object)
    billing_address_1: str | None | Unset = _f(_text)
    billing_address_2: str | None | Unset = _f(_text)
    billing_city: str | None | Unset = _f(_text)
    billing_country: str | None | Unset = _f(_text)
    billing_email: str | None | Unset = _f(_email)
    billing_phone: str | None | Unset = _f(_text)
    billing_state: str | None | Unset = _f(_text)
    billing_zip: str | None | Unset = _f(_text)
    company: str | None | Unset = _f(_text)
    customer_id: int | None | Unset = _f(int_id)
    customer_number: str | None | Unset = _f(_text)
    first_name: str | None | Unset = _f(_text)
    identifier_fields: Sequence[str] | None | Unset = _f(fields.texts)
    last_name: str | None | Unset = _f(_text)
    shipping_address_1: str | None | Unset = _f(_text)
    shipping_address_2: str | None | Unset = _f(_text)
    shipping_city: str | None | Unset = _f(_text)
    shipping_country: str | None | Unset = _f(_text)
    shipping_state: str | None | Unset = _f(_text)
    shipping_zip: str | None | Unset = _f(_text)


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class BillOptions:
    """Options of a scheduled invoice (``scheduledOptions``)."""

    include_paylink: bool | None | Unset = _f(boolean)  #: the emailed invoice carries a payment link
    include_pdf: bool | None | Unset = _f(boolean)  #: the emailed invoice carries its PDF


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class InvoiceRecordItem:
    """One line of an :class:`InvoiceRecord`, as Payabli lists it (the ``BillItem`` keys)."""

    item_product_name: str | None = None
    item_description: str | None = None
    item_product_code: str | None = None
    item_cost: Decimal | None = None
    item_qty: Decimal | None = None
    item_total_amount: Decimal | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class InvoiceRecord:
    """What ``GET /Invoice/{idInvoice}`` answers, typed: ``client.invoices.get(id_invoice)``.

    Payabli spells the record's keys in PascalCase (``IdInvoice``, ``InvoiceStatus``, ``InvoicePaidAmount``)
    and the lines' in camelCase; keys are read whatever their case. Money is ``Decimal``; dates are
    ``datetime.date`` (a time part is dropped). *files* are the attached files' ``zipName`` values
    (``DocumentsRef.filelist[]``). Keys this version does not read stay in *extra*.
    """

    id_invoice: int
    invoice_number: str | None = None
    invoice_status: int | None = None
    invoice_type: int | None = None
    invoice_amount: Decimal | None = None
    paid_amount: Decimal | None = None
    invoice_date: dt.date | None = None
    invoice_due_date: dt.date | None = None
    payment_terms: str | None = None
    notes: str | None = None
    items: tuple[InvoiceRecordItem, ...] = ()
    files: tuple[str, ...] = ()
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


# Every name here is a name of _models too (its annotations and type-hint lookups name them there), and of
# _client when it is loaded (the update's signature names PayorData and BillOptions).
publish(
    {name: globals()[name] for name in _models.PART_NAMES},
    _models,
    sys.modules.get("invoicekit.payabli._client"),
)
