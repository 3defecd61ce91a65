"""Payabli's invoice models: the request (:class:`BillData`, :class:`BillItem`, :class:`FileContent`,
:class:`PayorData`, :class:`BillOptions`) and the answer (:class:`InvoiceResponse`).

Field names are the snake_case of Payabli's wire names, as in Payabli's own Python SDK
(``invoiceNumber`` -> ``invoice_number``, ``billingAddress1`` -> ``billing_address_1``,
``fContent`` -> ``f_content``). Every request field defaults to :data:`~invoicekit.UNSET`: the key is
not sent and Payabli keeps its value. ``None`` is sent as JSON ``null``.

Values are checked when the update is sent, before any request, and a bad one raises
:class:`~invoicekit.ValidationError` naming its path (``invoice_data.items[2].item_cost``). Enum fields
and files are converted when the model is made, so an unknown enum value fails right there.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from .. import _fields as fields
from .._checks import email
from .._convert import camel, extra
from .._errors import ValidationError
from .._files import File, FileInput
from .._record import Later, fields_eq, later_names, load_for_hints
from .._repr import set_fields_repr
from .._unset import UNSET, Unset

if TYPE_CHECKING:
    from ._parts import BillItem, FileContent, FileType, Frequency, PaymentTerms, PayorData

__all__ = [
    "BillData",
    "BillItem",
    "FileContent",
    "FileType",
    "Frequency",
    "InvoiceResponse",
    "PaymentTerms",
]

#: The module of the models a common first call does not need (the lines, the attached files, the enums,
#: the customer, the scheduled options, the invoice record ``get`` answers): loaded on first use, so a cold
#: start does not create their classes.
PARTS: Final = "invoicekit.payabli._parts"
#: The names it defines, each reachable here too (``from ._models import PayorData`` loads it).
PART_NAMES: Final = (
    "BillItem",
    "BillOptions",
    "FileContent",
    "FileType",
    "Frequency",
    "InvoiceRecord",
    "InvoiceRecordItem",
    "PaymentTerms",
    "PayorData",
)


if not TYPE_CHECKING:  # visible to type checkers, it would make every misspelt name `Any`
    __getattr__ = later_names(globals(), PARTS, PART_NAMES)


E = TypeVar("E", bound=enum.Enum)
_ITEM_COST: Final = "is required (Payabli's BillItem has required: [itemCost]); give the unit price"
#: Payabli's integer fields without an ``int64`` format are .NET ``int`` (32-bit) [INF].
_INT32_MAX: Final = 2**31 - 1


# -- conversions at construction ------------------------------------------------------------------------


def _member(cls: type[E], value: object, field: str) -> E | None | Unset:
    if value is UNSET or value is None or isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            pass
    allowed = ", ".join(repr(m.value) for m in cls)
    raise ValidationError(field, f"{value!r} is not one of {allowed}")


def _part(name: str) -> Any:
    """The class *name* of PARTS, loading it first if it is not yet (a value of it is being made)."""
    return getattr(importlib.import_module(PARTS), name)


def _frequency(value: Frequency | str | None | Unset) -> Frequency | None | Unset:
    return value if value is UNSET or value is None else _member(_part("Frequency"), value, "frequency")


def _payment_terms(value: PaymentTerms | str | None | Unset) -> PaymentTerms | None | Unset:
    if value is UNSET or value is None:
        return value
    return _member(_part("PaymentTerms"), value, "payment_terms")


def _attachments(
    value: Sequence[FileContent | FileInput] | None | Unset,
) -> tuple[FileContent, ...] | None | Unset:
    if value is UNSET or value is None:
        return value
    content = _part("FileContent")
    return tuple(
        a if isinstance(a, content) else content(f_content=File.coerce(a, f"attachments[{i}]"))
        for i, a in enumerate(fields.sequence(value, "attachments"))
    )


def _items(value: Sequence[BillItem] | None | Unset) -> tuple[BillItem, ...] | None | Unset:
    if value is UNSET or value is None:
        return value
    return tuple(fields.sequence(value, "items"))


# -- checks when sent: each returns what the wire carries --------------------------------------------------

#: Payabli's fields: camelCase on the wire, and ``None`` clears a field as JSON ``null`` (DESIGN.md 1).
FIELDS: Final = fields.Fields("payabli", fields.JSON_NULL, wire_name=camel)
_f = FIELDS.field
_meta = FIELDS.meta  # for the fields with a converter, which stay literal attrs.field() calls
_text = fields.text()
_number = fields.money("number")
_date = fields.day("iso")


def _email(value: Any, field: str) -> str:
    return email(value, field)


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValidationError(field, f"must not be negative ({value} given)")
    if value > _INT32_MAX:
        raise ValidationError(field, f"must be at most {_INT32_MAX}")
    return int.__int__(value)


def _string_map(value: Any, field: str) -> dict[str, str]:
    return fields.text_map(value, field)


# -- the request ------------------------------------------------------------------------------------------

#: The line and attached-file classes, named before their module (PARTS) loads: a BillData holding one
#: has loaded it.
_BILL_ITEM: Final[Any] = Later(PARTS, "BillItem")
_FILE_CONTENT: Final[Any] = Later(PARTS, "FileContent")


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class BillData:
    """What to change on the invoice (``invoiceData``).

    Money (*discount*, *duty_amount*, *freight_amount*, *invoice_amount*, *tax*) is ``Decimal`` in major
    units (``Decimal("982.37")``). Dates are ``datetime.date`` and are sent as ``YYYY-MM-DD``.
    *frequency* and *payment_terms* take the enum member or its exact wire string (``"monthly"``,
    ``"NET30"``). *additional_data* is sent as ``AdditionalData`` (capital A, string values), unlike
    the customer's ``additionalData``. *items* is the invoice's whole line list [INF: Payabli replaces
    it]. *attachments* takes :class:`FileContent` objects or plain files (each becomes a PDF
    attachment); up to 22.5 MB per file, see :data:`~invoicekit.payabli.MAX_UPLOAD_BASE64`.
    *invoice_status*: 0 draft, 1 active, 2 partially paid, 4 paid, 99 cancelled. *invoice_type*:
    0 one-time, 1 scheduled.
    """

    additional_data: Mapping[str, str] | None | Unset = _f(_string_map, wire="AdditionalData")
    attachments: tuple[FileContent, ...] | None | Unset = attrs.field(
        default=UNSET, converter=_attachments, metadata=_meta(fields.models(_FILE_CONTENT, "payabli"))
    )
    company: str | None | Unset = _f(_text)
    discount: Decimal | int | None | Unset = _f(_number)
    duty_amount: Decimal | int | None | Unset = _f(_number)
    first_name: str | None | Unset = _f(_text)
    freight_amount: Decimal | int | None | Unset = _f(_number)
    frequency: Frequency | None | Unset = attrs.field(
        default=UNSET, converter=_frequency, metadata=_meta(fields.member)
    )
    invoice_amount: Decimal | int | None | Unset = _f(_number)
    invoice_date: dt.date | None | Unset = _f(_date)
    invoice_due_date: dt.date | None | Unset = _f(_date)
    invoice_end_date: dt.date | None | Unset = _f(_date)
    invoice_number: str | None | Unset = _f(_text)
    invoice_status: int | None | Unset = _f(_count)
    invoice_type: int | None | Unset = _f(_count)
    items: tuple[BillItem, ...] | None | Unset = attrs.field(
        default=UNSET, converter=_items, metadata=_meta(fields.models(_BILL_ITEM, "payabli"))
    )
    last_name: str | None | Unset = _f(_text)
    notes: str | None | Unset = _f(_text)
    payment_terms: PaymentTerms | None | Unset = attrs.field(
        default=UNSET, converter=_payment_terms, metadata=_meta(fields.member)
    )
    purchase_order: str | None | Unset = _f(_text)
    shipping_address_1: str | None | Unset = _f(_text)
    shipping_address_2: str | None | Unset = _f(_text)
    shipping_city: str | None | Unset = _f(_text)
    shipping_country: str | None | Unset = _f(_text)
    shipping_email: str | None | Unset = _f(_email)
    shipping_from_zip: str | None | Unset = _f(_text)
    shipping_phone: str | None | Unset = _f(_text)
    shipping_state: str | None | Unset = _f(_text)
    shipping_zip: str | None | Unset = _f(_text)
    summary_commodity_code: str | None | Unset = _f(_text)
    tax: Decimal | int | None | Unset = _f(_number)
    terms_conditions: str | None | Unset = _f(_text)


# -- the unified change (invoices.apply / plan) -----------------------------------------------------------


def change_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """``update_call``'s keywords for a unified change's native *args*: ``invoice_data`` and ``customer_data``
    given as dicts (the capability table's, with ``extra=``'s merged in) become :class:`BillData` and
    :class:`PayorData`; a key that is no field of theirs is refused (only an ``extra=`` dict can hold one).
    """
    from ._parts import PayorData

    return {
        "invoice_data": _model(args, "invoice_data", BillData),
        "customer_data": _model(args, "customer_data", PayorData),
        "scheduled_options": args.get("scheduled_options", UNSET),
        "force_customer_creation": args.get("force_customer_creation", UNSET),
    }


def _model(args: Mapping[str, Any], key: str, cls: type[BillData | PayorData]) -> Any:
    value = args.get(key, UNSET)
    if not isinstance(value, dict):
        return value
    known = attrs.fields_dict(cls)
    unknown = [name for name in value if name not in known]
    if unknown:
        raise ValidationError(f"extra[{key!r}]", f"{unknown[0]!r} is not a field of payabli.{cls.__name__}")
    return cls(**value)


# -- the answer -------------------------------------------------------------------------------------------


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class InvoiceResponse:
    """Payabli's answer to an update (only successful ones: a failed one raises an APIError).

    *response_data* is the invoice id. *pageidentifier* and *room_id* are Payabli internals (the room is
    0 outside boarding).
    """

    is_success: bool | None = None
    response_code: int | None = None
    response_text: str | None = None
    response_data: str | int | None = None
    pageidentifier: str | None = None
    room_id: int | None = None
    extra: dict[str, Any] = extra()  #: fields this version of invoicekit does not know yet


# -- the invoice record (GET /Invoice/{idInvoice}) ---------------------------------------------------------


load_for_hints(globals(), PARTS, PART_NAMES)  # type hints of the models here name those loaded on first use
