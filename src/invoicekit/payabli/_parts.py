"""Payabli's models that a common first call does not need, loaded on first use (``payabli.PayorData``,
``from invoicekit.payabli import InvoiceRecord``, or the call that needs one): the invoice's lines
(:class:`BillItem`) and attached files (:class:`FileContent`, with the checks of the files an update
sends), the enums (:class:`Frequency`, :class:`PaymentTerms`, :class:`FileType`), the customer
(:class:`PayorData`), a scheduled invoice's options (:class:`BillOptions`) and the invoice record ``get``
answers (:class:`InvoiceRecord`). Declared exactly as the models of :mod:`invoicekit.payabli._models`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from .. import _fields as fields
from .._checks import boolean, int_id
from .._errors import ValidationError
from .._files import File, FileInput
from .._record import fields_eq
from .._registry import publish_parts
from .._repr import set_fields_repr
from .._unset import UNSET, Unset
from . import _models
from ._models import _ITEM_COST, BillData, _count, _email, _f, _member, _meta, _number, _text

__all__ = [*_models.PART_NAMES, "with_files"]  # the names _models lends out, each defined here


class Frequency(str, enum.Enum):
    """``invoiceData.frequency``: how often a scheduled invoice (``invoice_type=1``) repeats.

    The last three are in Payabli's SDK 1.0.19 but not yet in the API reference.
    """

    ONETIME = "onetime"
    WEEKLY = "weekly"
    EVERY2WEEKS = "every2weeks"
    EVERY6MONTHS = "every6months"
    MONTHLY = "monthly"
    EVERY3MONTHS = "every3months"
    ANNUALLY = "annually"
    FIRSTOFMONTH = "firstofmonth"
    FIFTEENTHOFMONTH = "fifteenthofmonth"
    ENDOFMONTH = "endofmonth"


class PaymentTerms(str, enum.Enum):
    """``invoiceData.paymentTerms``. Member names spell the wire values that start with a digit or
    hold a ``/`` the other way round (``MFI5`` is ``"5MFI"``, ``NET30_2_10`` is ``"2/10NET30"``).
    """

    PIA = "PIA"
    CIA = "CIA"
    UR = "UR"
    NET10 = "NET10"
    NET20 = "NET20"
    NET30 = "NET30"
    NET45 = "NET45"
    NET60 = "NET60"
    NET90 = "NET90"
    EOM = "EOM"
    MFI = "MFI"
    MFI5 = "5MFI"
    MFI10 = "10MFI"
    MFI15 = "15MFI"
    MFI20 = "20MFI"
    NET30_2_10 = "2/10NET30"
    UF = "UF"
    UF10 = "10UF"
    UF20 = "20UF"
    UF25 = "25UF"
    UF50 = "50UF"


class FileType(str, enum.Enum):
    """``attachments[].ftype``: the kind of file in ``fContent``."""

    PDF = "pdf"
    DOC = "doc"
    DOCX = "docx"
    JPG = "jpg"
    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    TXT = "txt"


def _ftype(value: FileType | str | None | Unset) -> FileType | None | Unset:
    return _member(FileType, value, "ftype")


def _file(value: FileInput | None | Unset) -> File | None | Unset:
    if value is UNSET or value is None:
        return value
    return File.coerce(value, "f_content")


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class BillItem:
    """One invoice line (``invoiceData.items[]``).

    Money and rates are ``Decimal`` (an ``int`` is fine; a ``float`` is refused) and are sent as exact
    JSON numbers. *item_qty* is a whole number, 0 or more. Payabli requires *item_mode* (0 for invoice
    lines) and *item_total_amount* on invoice lines, and *item_cost* per its API reference: a line
    without *item_cost* (UNSET or None) raises ValidationError naming ``items[i].item_cost``.
    """

    item_categories: Sequence[str] | None | Unset = _f(fields.texts)
    item_commodity_code: str | None | Unset = _f(_text)
    #: Required: Payabli's API reference has ``required: [itemCost]`` for every line [DOC].
    item_cost: Decimal | int | None | Unset = _f(
        _number, required=_ITEM_COST, clears=fields.cannot_clear(_ITEM_COST)
    )
    item_description: str | None | Unset = _f(_text)
    item_mode: int | None | Unset = _f(_count)  #: 0 invoices only, 1 bills only, 2 both
    item_product_code: str | None | Unset = _f(_text)
    item_product_name: str | None | Unset = _f(_text)
    item_qty: int | None | Unset = _f(_count)
    item_tax_amount: Decimal | int | None | Unset = _f(_number)
    item_tax_rate: Decimal | int | None | Unset = _f(_number)
    item_total_amount: Decimal | int | None | Unset = _f(_number)
    item_unit_of_measure: str | None | Unset = _f(_text)


@set_fields_repr
@fields_eq
@attrs.frozen(repr=False, eq=False)
class FileContent:
    """A file attached to the invoice (``invoiceData.attachments[]``).

    *f_content* is the file itself: a path, ``bytes``, a binary file object or a
    :class:`~invoicekit.File`. invoicekit base64-encodes it while sending (streamed, never held whole in
    memory); do not pass base64 text (a ``str`` is a path). *ftype* (unset or None: Payabli's default is
    null) defaults to the file's content type (a path, bytes or file object counts as a PDF) and *filename*
    to the path's name, else
    ``attachment.<ftype>``. A file whose *ftype* is ``pdf`` must start with ``%PDF-``. *furl* points
    Payabli at a file online instead (Payabli ignores *f_content* when *furl* is set).
    """

    f_content: File | None | Unset = attrs.field(default=UNSET, converter=_file, metadata=_meta(fields.file))
    filename: str | None | Unset = _f(_text)
    ftype: FileType | None | Unset = attrs.field(
        default=UNSET, converter=_ftype, metadata=_meta(fields.member)
    )
    furl: str | None | Unset = _f(_text)


# -- attached files: checked, and completed from the file ----------------------------------------------

#: The ``ftype`` a file's content type stands for, when the attachment does not say.
_FTYPES: Final[dict[str, FileType]] = {
    "application/pdf": FileType.PDF,
    "application/msword": FileType.DOC,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": FileType.DOCX,
    "image/jpeg": FileType.JPG,
    "image/png": FileType.PNG,
    "image/gif": FileType.GIF,
    "text/plain": FileType.TXT,
}


def with_files(bill: BillData, max_file_bytes: int, max_base64: int) -> BillData:
    """*bill* with every attached file checked (type, at most *max_file_bytes*, all files together at
    most *max_base64* characters of base64) and the ftype and filename they imply filled in.
    """
    if not bill.attachments:
        return bill
    done: list[FileContent] = []
    total = 0
    for i, attachment in enumerate(bill.attachments):
        field = f"invoice_data.attachments[{i}]"
        file = attachment.f_content
        if isinstance(file, File):
            completed = _complete(attachment, file, field)
            size = file.check(
                f"{field}.f_content",
                max_size=max_file_bytes,
                pdf=completed.ftype is FileType.PDF,
                sized=True,
            )
            total += 4 * -(-size // 3)
            attachment = completed
        done.append(attachment)
    if total > max_base64:
        raise ValidationError(
            "invoice_data.attachments",
            f"{total} characters of base64 in one update is over Payabli's limit of {max_base64}; "
            "send the files in separate updates",
        )
    return attrs.evolve(bill, attachments=tuple(done))


def _complete(attachment: FileContent, file: File, field: str) -> FileContent:
    ftype = attachment.ftype
    # The spec makes ftype nullable with null its default (specs/payabli_invoice_sdk_1.0.19.schema.json,
    # FileContent.ftype): null says no more than leaving it out. So None is filled in from the file like an
    # unset ftype, and a file so typed as a PDF is checked as one (null was sent as it was, unchecked).
    if ftype is UNSET or ftype is None:
        ftype = _FTYPES.get(file.content_type.split(";")[0].strip().lower())
        if ftype is None:
            raise ValidationError(
                f"{field}.ftype", f"cannot tell the file type of {file.content_type!r}; set ftype"
            )
    filename = attachment.filename
    if filename is UNSET:
        filename = file.name_or(f"attachment.{(ftype or FileType.PDF).value}")
    return attrs.evolve(attachment, ftype=ftype, filename=filename)


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


# Every name here is a name of _models too, and of _client once it is loaded (their annotations name them).
publish_parts(globals(), _models)
