"""Salesbricks models: the attachment list items (:class:`Keep`, :class:`Add`) and the update's answer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

import attrs

from .._checks import choice, text
from .._convert import extra
from .._files import File, FileInput
from .._repr import set_fields_repr

__all__ = ["TARGETS", "Add", "Attachment", "InvoiceUpdateResult", "Keep", "Target"]

Target = Literal["invoice", "subscription"]
"""Where an attachment is stored: on this invoice only, or on the subscription (every future invoice)."""

TARGETS: Final[tuple[Target, ...]] = ("invoice", "subscription")


def _target(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    choice(value, attribute.name, TARGETS)


def _attachment_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    text(value, attribute.name, max_len=255, allow_empty=False)


def _file(value: FileInput) -> File:
    return File.coerce(value, "file")


@set_fields_repr
@attrs.frozen
class Keep:
    """Keep an existing attachment (by its ``attachment_id``) at this place in the list.

    *target* moves it to ``"invoice"`` (this invoice only, the default) or ``"subscription"`` (every
    future invoice of the subscription).
    """

    attachment_id: str = attrs.field(validator=_attachment_id)
    target: Target = attrs.field(default="invoice", validator=_target)


@set_fields_repr
@attrs.frozen
class Add:
    """Upload a new PDF at this place in the list. *file* is a path, bytes, a binary file or a
    :class:`~invoicekit.File`; *target* is ``"invoice"`` (default) or ``"subscription"``.
    """

    file: File = attrs.field(converter=_file)
    target: Target = attrs.field(default="invoice", validator=_target)


@set_fields_repr
@attrs.frozen
class Attachment:
    """One attachment of the updated invoice, in PDF merge order."""

    attachment_id: str | None = None
    target: str | None = None  #: "invoice" or "subscription" (kept as text, should a new level appear)
    file_name: str | None = None
    created_at: dt.datetime | None = None
    extra: dict[str, Any] = extra()  #: fields this version of invoicekit does not know yet


@set_fields_repr
@attrs.frozen
class InvoiceUpdateResult:
    """Salesbricks' answer to an update.

    *signed_pdf_url* downloads the regenerated invoice PDF and expires one hour after the answer.
    *attachments* is the flat list across invoice and subscription level, in PDF merge order.
    """

    invoice_id: str  #: required: an answer without it is a DecodeError, never a silent success
    signed_pdf_url: str | None = None
    attachments: list[Attachment] = attrs.field(factory=list)
    extra: dict[str, Any] = extra()  #: fields this version of invoicekit does not know yet
    #: Not from the answer: the ``X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY`` the update carried (generated
    #: when you gave none), or None when you passed ``idempotency_key=None``.
    idempotency_key: str | None = None
