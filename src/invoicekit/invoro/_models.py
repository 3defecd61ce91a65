"""Invoro's draft invoice (what ``update_draft`` sends) and invoice object (what it answers), as attrs models.

The request models follow Invoro's Create Invoice payload: ``header`` and ``seller`` are documented
field by field [DOC]; the other objects are outlined in the Update Draft page without property names,
so their names here follow the UBL / EN 16931 vocabulary the header uses [INF]. Every model has
``extra_fields``: a mapping merged into that object's JSON, for what Invoro accepts but the models do not
name (refused when a key is also a modelled field, so nothing is sent twice).

A field left ``UNSET`` is not sent. ``None`` sends JSON ``null``, and is refused (ValidationError) where
Invoro does not document the field as nullable. Money is ``Decimal`` (or ``int``) here and integer cents
on the wire; an amount with a fraction of a cent is refused, never rounded. Dates take ``datetime.date``
(sent as midnight UTC, ``2025-10-19T00:00:00Z``) or a timezone-aware ``datetime``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from .. import _fields as fields
from .._checks import text, uuid_text
from .._convert import extra
from .._errors import ValidationError
from .._files import File
from .._money import MAX_AMOUNT, bounded
from .._record import Later, fields_eq, later_names, load_for_hints
from .._repr import set_fields_repr
from .._unset import Unset

if TYPE_CHECKING:
    from ._parts import (
        AllowanceCharge,
        Attachment,
        Identifier,
        InvoicePeriod,
        ItemAttribute,
        Party,
        Payment,
        Totals,
    )

__all__ = [
    "CREDIT_NOTE_TYPES",
    "DOCUMENT_TYPES",
    "INVOICE_TYPES",
    "DraftInvoice",
    "Header",
    "Invoice",
    "Line",
    "check_profile",
    "type_code_for",
    "wire_keys",
    "wire_name",
]

#: Invoro's per-invoice profiles (``header.document_type``) [DOC I6], by document category: an invoice
#: profile needs ``invoice_type_code`` 380, a credit-note profile 381, else Invoro answers 422. A profile
#: not listed here is sent as given (Invoro may add profiles); only the listed ones are cross-checked.
INVOICE_TYPES = ("invoice", "ublbe_invoice", "nlcius_invoice", "xrechnung_ubl_invoice")
CREDIT_NOTE_TYPES = ("credit_note", "ublbe_credit_note", "nlcius_credit_note", "xrechnung_ubl_credit_note")
DOCUMENT_TYPES = INVOICE_TYPES + CREDIT_NOTE_TYPES
_TYPE_CODE = {**dict.fromkeys(INVOICE_TYPES, "380"), **dict.fromkeys(CREDIT_NOTE_TYPES, "381")}

Rule = Callable[[Any, str], object]
#: Why ``None`` is refused where Invoro documents no null.
_NOT_NULL = "cannot be None here (Invoro documents no null for it); leave it UNSET to not send it"
#: Invoro's fields: snake_case on the wire, as named; ``None`` is JSON ``null`` where Invoro documents it
#: nullable, else refused (each field says which: ``nullable=False`` below). DESIGN.md decision 1.
FIELDS: Final = fields.Fields("invoro", fields.JSON_NULL)


# -- field rules: each raises ValidationError(field, rule) and returns what the wire carries ------------


def _text(max_len: int | None = None) -> Rule:
    return fields.text(max_len)


def _code(length: int) -> Rule:
    def rule(value: object, field: str) -> str:
        code = text(value, field)
        if len(code) != length or not (code.isascii() and code.isalpha() and code.isupper()):
            raise ValidationError(field, f"must be {length} upper-case letters (ISO), not {code!r}")
        return code

    # The same test, for the generated writer (letters only: no NUL, no surrogate, nothing to normalise).
    fast = f"type({{v}}) is str and len({{v}}) == {int(length)} and {{v}}.isascii() and {{v}}.isalpha()"
    rule.fast = f"({fast} and {{v}}.isupper())"  # type: ignore[attr-defined]
    return rule


def _moment(value: object, field: str) -> str:
    """A date (sent as midnight UTC [INF: plain dates are not documented]) or an aware datetime (sent
    with its offset)."""
    if isinstance(value, dt.datetime):
        # The datetime's own utcoffset, never a subclass's; its tzinfo is asked once, and the moment sent
        # is the one checked (a tzinfo asked again by isoformat could answer otherwise).
        try:
            offset = dt.datetime.utcoffset(value)
        except Exception as exc:  # the caller's tzinfo raised, or answered what is no offset
            raise ValidationError(field, f"its tzinfo's utcoffset() failed ({type(exc).__name__})") from None
        if offset is None:
            raise ValidationError(field, "a datetime must be timezone-aware (or pass a datetime.date)")
        moment = dt.datetime.combine(dt.datetime.date(value), dt.datetime.time(value), dt.timezone(offset))
        return dt.datetime.isoformat(moment)
    if not isinstance(value, dt.date):
        raise ValidationError(
            field, f"must be a datetime.date or an aware datetime, not {type(value).__name__}"
        )
    return f"{dt.date.isoformat(value)}T00:00:00Z"


# A plain date, for the generated writer: what _moment gives for it, without the call.
fields.inlined(
    _moment,
    "type({v}) is _ik_date",
    "_ik_date_iso({v}) + 'T00:00:00Z'",
    _ik_date=dt.date,
    _ik_date_iso=dt.date.isoformat,
)

_MAX_QUANTITY = int(MAX_AMOUNT)  # what bounded() allows, as an int


def _quantity(value: object, field: str) -> Decimal | int:
    # The usual quantities, in place: a plain int, or a plain whole Decimal (``1``, ``1E+2``), within the
    # bounds, go out as the int of the same digits (what the JSON encoder writes for a whole Decimal), so
    # the encoder never calls back for them. Anything else takes the full checks below.
    if type(value) is int:
        if -_MAX_QUANTITY <= value <= _MAX_QUANTITY:
            return value
    elif type(value) is Decimal:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and 0 <= exponent <= 15 and value.copy_abs() <= MAX_AMOUNT:
            return int(value)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(field, f"must be a decimal.Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValidationError(field, "must be a finite number")
    return bounded(number, field)


# The usual quantities (_quantity's first tests), for the generated writer: the value it gives, no call.
fields.inlined(
    _quantity,
    f"((type({{v}}) is int and -{_MAX_QUANTITY} <= {{v}} <= {_MAX_QUANTITY}) or (type({{v}}) is _ik_Decimal"
    " and {v}.is_finite() and 0 <= {v}.as_tuple().exponent <= 15 and {v}.copy_abs() <= _ik_MAX_AMOUNT))",
    "({v} if type({v}) is int else int({v}))",
    _ik_Decimal=Decimal,
    _ik_MAX_AMOUNT=MAX_AMOUNT,
)


def _positive_quantity(value: object, field: str) -> Decimal | int:
    number = _quantity(value, field)
    if not number > 0:
        raise ValidationError(field, "must be greater than zero")
    return number


def _one(cls: type | Later) -> Rule:
    return fields.model(cls, "invoro")  # type: ignore[arg-type]  # a Later stands in for the class


def _many(cls: type | Later) -> Rule:
    return fields.models(cls, "invoro")  # type: ignore[arg-type]


#: The module of the models a common first call does not need (a party, an address, totals, payments,
#: attachments, a line's details): loaded on first use, so a cold start does not create their classes.
PARTS: Final = "invoicekit.invoro._parts"
#: The names it defines, each reachable here too (``from ._models import Party`` loads it).
PART_NAMES: Final = (
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
)


def _later(name: str) -> Later:
    return Later(PARTS, name)


if not TYPE_CHECKING:  # visible to type checkers, it would make every misspelt name `Any`
    __getattr__ = later_names(globals(), PARTS, PART_NAMES)


def _file(value: object, field: str) -> File:
    if not isinstance(value, File):  # pragma: no cover - the attrs converter made it a File
        raise ValidationError(field, "must be a File")
    return value


def _opt(rule: Rule, *, nullable: bool = True, wire_name: str | None = None, when_unset: Any = None) -> Any:
    """An optional field: UNSET (not sent) by default; *nullable* says whether None (JSON null) is allowed."""
    clears = None if nullable else fields.cannot_clear(_NOT_NULL)
    return FIELDS.field(rule, wire=wire_name, clears=clears, when_unset=when_unset, kw_only=True)


def _req(rule: Rule, **kwargs: Any) -> Any:
    """A required field (never None)."""
    return FIELDS.field(
        rule, required="is required", clears=fields.cannot_clear(_NOT_NULL), default=attrs.NOTHING, **kwargs
    )


def _extra() -> Any:
    return FIELDS.merged(_extra_fields)


_MONEY: Rule = fields.money("cents")
_UUID: Rule = uuid_text


#: Never negative, in cents (``to_cents(value, field, allow_negative=False)``, its usual case inlined).
_non_negative_money: Rule = fields.money("cents", allow_negative=False)


@functools.cache
def wire_keys(cls: type) -> frozenset[str]:
    """The JSON keys a model's own fields are sent as."""
    return frozenset(wire_name(a) for a in attrs.fields(cls) if a.name != "extra_fields")


def wire_name(a: attrs.Attribute[Any]) -> str:
    """The JSON key one field is sent as."""
    return fields.wire_key(a)


def _extra_fields(value: object, field: str, taken: frozenset[str], cls: type) -> dict[str, Any]:
    """``extra_fields``: merged into the model's object, never over a modelled (or reserved) key."""
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a mapping of JSON keys to values, not {type(value).__name__}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(field, f"keys must be non-empty str, not {key!r}")
        key = fields.json_key(key, field, out)  # the plain str it spells, once
        if key in taken:
            raise ValidationError(
                f"{field}[{key!r}]",
                f"{key!r} is a modelled field of invoro.{cls.__name__}; set it there instead",
            )
        out[key] = fields.json_data(item, f"{field}[{key!r}]", files=True, max_depth=MAX_EXTRA_DEPTH)
    return out


#: How deep extra_fields may nest: far beyond any document Invoro reads, far below the interpreter's stack.
MAX_EXTRA_DEPTH = 64


# -- the draft ---------------------------------------------------------------------------------------


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Header:
    """The document header [DOC]: number, type, profile, dates, currency, references."""

    specification: str | None | Unset = _opt(_text(500))
    business_process: str | None | Unset = _opt(_text(500))
    invoice_number: str | None | Unset = _opt(_text(255))
    #: UNTDID 1001: ``"380"`` invoice, ``"381"`` credit note.
    invoice_type_code: str | None | Unset = _opt(_text(10))
    #: A profile from :data:`DOCUMENT_TYPES` (or a newer one Invoro added); not nullable.
    document_type: str | Unset = _opt(_text(), nullable=False)
    issue_date: dt.date | None | Unset = _opt(_moment)
    due_date: dt.date | None | Unset = _opt(_moment)
    tax_point_date: dt.date | None | Unset = _opt(_moment)
    currency: str | None | Unset = _opt(_code(3))
    vat_currency: str | None | Unset = _opt(_code(3))
    accounting_cost: str | None | Unset = _opt(_text(255))
    buyer_reference: str | None | Unset = _opt(_text(255))
    project_reference: str | None | Unset = _opt(_text(255))
    contract_reference: str | None | Unset = _opt(_text(255))
    tender_or_lot_reference: str | None | Unset = _opt(_text(255))
    #: Sent as integer cents.
    rounding_amount: Decimal | int | None | Unset = _opt(_MONEY)
    notes: Sequence[str] | None | Unset = _opt(fields.texts)
    invoice_period: InvoicePeriod | Unset = _opt(_one(_later("InvoicePeriod")), nullable=False)
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Line:
    """An invoice line (sent in the ``items`` array; [SEED] outline, names [INF]).

    ``line_total`` is the line's net amount (UBL LineExtensionAmount): ``quantity x price / base_quantity``
    rounded to the cent, minus allowances, plus charges.
    """

    id: str | None | Unset = _opt(_text())
    name: str | None | Unset = _opt(_text())
    description: str | None | Unset = _opt(_text())
    quantity: Decimal | int | Unset = _opt(_quantity, nullable=False)
    unit_code: str | None | Unset = _opt(_text())
    #: Net unit price, never negative (EN 16931 BR-27); sent as integer cents ("Price in cents" [SEED]).
    price: Decimal | int | Unset = _opt(_non_negative_money, nullable=False)
    #: How many units the price is for (UBL BaseQuantity); 1 when not sent.
    base_quantity: Decimal | int | Unset = _opt(_positive_quantity, nullable=False)
    #: Sent as integer cents.
    line_total: Decimal | int | None | Unset = _opt(_MONEY)
    identifiers: Sequence[Identifier] | Unset = _opt(_many(_later("Identifier")), nullable=False)
    classifications: Sequence[Identifier] | Unset = _opt(_many(_later("Identifier")), nullable=False)
    attributes: Sequence[ItemAttribute] | Unset = _opt(_many(_later("ItemAttribute")), nullable=False)
    allowances: Sequence[AllowanceCharge] | Unset = _opt(_many(_later("AllowanceCharge")), nullable=False)
    charges: Sequence[AllowanceCharge] | Unset = _opt(_many(_later("AllowanceCharge")), nullable=False)
    extra_fields: Mapping[str, Any] = _extra()


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class DraftInvoice:
    """The full draft invoice that ``update_draft`` sends: ``PUT`` replaces the draft with it.

    Lines are ``lines`` here and ``items`` on the wire. Send ``payments`` (the array); Invoro's legacy
    single ``payment`` object is reachable through ``extra_fields`` but not together with ``payments``.
    """

    #: ``calculate_totals`` is ``update_draft``'s own argument, so it cannot hide in ``extra_fields``.
    reserved_keys: ClassVar[tuple[str, ...]] = ("calculate_totals",)

    header: Header | Unset = _opt(_one(Header), nullable=False)
    seller: Party | Unset = _opt(_one(_later("Party")), nullable=False)
    buyer: Party | Unset = _opt(_one(_later("Party")), nullable=False)
    lines: Sequence[Line] | Unset = _opt(_many(Line), nullable=False, wire_name="items")
    totals: Totals | Unset = _opt(_one(_later("Totals")), nullable=False)
    payments: Sequence[Payment] | Unset = _opt(_many(_later("Payment")), nullable=False)
    attachments: Sequence[Attachment] | Unset = _opt(_many(_later("Attachment")), nullable=False)
    business_entity_id: str | None | Unset = _opt(_UUID)
    related_invoice_id: str | None | Unset = _opt(_UUID)
    extra_fields: Mapping[str, Any] = _extra()


# -- the answer --------------------------------------------------------------------------------------


@set_fields_repr
@fields_eq
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Invoice:
    """The invoice Invoro answers with (inside the envelope's ``data``).

    Property names are not shown in Invoro's reference; the ones read are listed in
    ``invoro._answers.RESPONSE_KEYS`` [INF]. Keys not modelled are kept in :attr:`extra`.
    """

    id: str | None = None
    #: The owning company's UUID.
    company_id: str | None = None
    #: The creating user's UUID, if any.
    user_id: str | None = None
    #: ``draft``, ``approved``, ``sending``, ``sent``, ``delivered``, ``failed`` or ``cancelled``.
    state: str | None = None
    #: ``outgoing`` or ``incoming``.
    direction: str | None = None
    #: The invoice total, converted from Invoro's integer cents.
    total: Decimal | None = None
    currency: str | None = None
    #: The UBL version (Peppol BIS 3.0 uses 2.1).
    ubl_version: str | None = None
    #: The full invoice as Invoro stores it ("UBL JSON": header, seller, buyer, items, totals), in cents.
    document: dict[str, Any] | None = None
    #: Delivery details, error info, processing history.
    metadata: dict[str, Any] | None = None
    #: ``peppol``, ``ksef`` or ``email``.
    network: str | None = None
    business_entity_id: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    extra: dict[str, Any] = extra()

    @property
    def is_draft(self) -> bool:
        """Whether the invoice can still be changed with ``update_draft``."""
        return self.state == "draft"


def type_code_for(document_type: str) -> str | None:
    """The ``invoice_type_code`` a known profile requires (None for a profile not in the table)."""
    return _TYPE_CODE.get(document_type)


def check_profile(header: Header, path: str) -> None:
    """Invoro answers 422 when a known profile and the type code disagree; say so before sending."""
    if not isinstance(header.document_type, str) or not isinstance(header.invoice_type_code, str):
        return
    wanted = type_code_for(header.document_type)
    if wanted is not None and header.invoice_type_code != wanted:
        kind = "credit-note" if wanted == "381" else "invoice"
        raise ValidationError(
            f"{path}.invoice_type_code",
            f"the {kind} profile {header.document_type!r} needs invoice_type_code {wanted!r}, "
            f"not {header.invoice_type_code!r}",
        )


load_for_hints(globals(), PARTS, PART_NAMES)  # type hints of the models here name those loaded on first use
