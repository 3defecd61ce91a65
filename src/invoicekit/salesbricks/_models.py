"""Salesbricks models: the attachment list items (:class:`Keep`, :class:`Add`) and the update's answer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from .. import _fields as fields
from .._checks import choice, email, text
from .._convert import extra
from .._errors import ValidationError
from .._files import File, FileInput
from .._record import Later, later_names
from .._repr import set_fields_repr
from .._unset import is_set

if TYPE_CHECKING:
    pass

__all__ = ["TARGETS", "Attachment", "InvoiceUpdateResult", "Target"]

#: The module of the attachment-list items (:class:`Keep`, :class:`Add`), which a common first call does not
#: need: loaded on first use, so a cold start does not create their classes.
PARTS: Final = "invoicekit.salesbricks._parts"
#: The names it defines, each reachable here too (``from ._models import Keep`` loads it).
PART_NAMES: Final = ("Add", "Keep")
_KEEP: Final[Any] = Later(PARTS, "Keep")
_ADD: Final[Any] = Later(PARTS, "Add")

if not TYPE_CHECKING:  # visible to type checkers, it would make every misspelt name `Any`
    __getattr__ = later_names(globals(), PARTS, PART_NAMES)

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
@attrs.frozen(repr=False)
class Attachment:
    """One attachment of the updated invoice, in PDF merge order."""

    attachment_id: str | None = None
    target: str | None = None  #: "invoice" or "subscription" (kept as text, should a new level appear)
    file_name: str | None = None
    created_at: dt.datetime | None = None
    extra: dict[str, Any] = extra()  #: fields this version of invoicekit does not know yet


@set_fields_repr
@attrs.frozen(repr=False)
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


# -- the update's fields: their checks and wire encoding, declared once -------------------------------------
#
# Multipart cannot say null, true, a list or an object. [DOC] marks what Salesbricks documents; [INF]
# marks what invoicekit inferred (docs/providers/salesbricks.md, "Assumptions"). Each rule returns the
# part's text: dates YYYY-MM-DD [DOC]; booleans "true" / "false" [DOC: the docs' curl example]; objects
# one part holding compact JSON [INF: the fields are typed "string" but hold objects]; a list one part
# per item, same name [INF: Django REST Framework reads getlist()], an empty one a single EMPTY_LIST_PART.
# Salesbricks reads an absent field as "no change" and "" / an empty object / an empty list as "clear";
# ``None`` is written so (DESIGN.md decision 1), and refused for the fields it documents no clear for.

EMPTY_LIST_PART: Final = "[]"  # how "empty array to clear" travels in multipart [INF]
PURCHASE_ORDER_CODE: Final = "code"  # the key inside purchase_order [DOC: "purchase order with code"]
LINE_ITEM_KEYS: Final = ("line_item_id", "description")  # keys of one line_item_overrides item [INF]
LIMITS: Final[Mapping[str, int]] = {  # [DOC] maximum lengths
    "company_name": 255,
    "invoice_memo": 2000,
    "reason_for_updating": 500,
    "tax_id": 255,
}
FIELDS: Final = fields.Fields(
    "salesbricks",
    fields.cannot_clear("Salesbricks documents no way to clear this field; leave it UNSET to keep it"),
)
_f = FIELDS.field
_flag = fields.flag("text")
_NO_CLEAR_FLAG = fields.cannot_clear(
    "must be True or False: Salesbricks documents no way to clear a flag; leave it UNSET to keep it"
)


#: Compact JSON text, as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` writes it (one
#: encoder, not one per call).
compact_json: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_json = compact_json


def _purchase_order(value: object, field: str) -> str:
    return _json({PURCHASE_ORDER_CODE: text(value, field, max_len=255)})


def _text_mapping(value: object, field: str) -> dict[str, str]:
    return fields.text_map(value, field, kind="a mapping of str to str", empty_keys=False)


def _billing_address(value: object, field: str) -> str:
    return _json(_text_mapping(value, field))


def _line_item_overrides(value: object, field: str) -> str:
    pairs = _text_mapping(value, field).items()
    return _json([dict(zip(LINE_ITEM_KEYS, item, strict=True)) for item in pairs])


def _emails(value: object, field: str) -> list[str]:
    out = []
    for i, item in enumerate(fields.sequence(value, field)):
        try:
            out.append(email(item, ""))
        except ValidationError as exc:
            raise fields.under(exc, f"{field}[{i}]") from None
    return out


@attrs.frozen(kw_only=True)
class _Update:
    """The fields of ``invoices.update`` (private: the public surface is the method's keywords). The
    order here is the order of the parts on the wire.
    """

    due_at: object = _f(fields.day("iso"))
    purchase_order: object = _f(_purchase_order, clears=fields.to(_json({})))  # {} clears [INF]
    persist_purchase_order: object = _f(_flag, clears=_NO_CLEAR_FLAG)
    billing_address: object = _f(_billing_address)  # the address object, keys as Salesbricks names them
    company_name: object = _f(fields.text(LIMITS["company_name"]), clears=fields.EMPTY)
    accounts_payable_emails: object = _f(_emails, clears=fields.EMPTY_LIST)
    invoice_memo: object = _f(fields.text(LIMITS["invoice_memo"]), clears=fields.EMPTY)
    persist_memo: object = _f(_flag, clears=_NO_CLEAR_FLAG)
    line_item_overrides: object = _f(_line_item_overrides)  # [{"line_item_id": ..., "description": ...}]
    show_brick_descriptions: object = _f(_flag, clears=_NO_CLEAR_FLAG)
    tax_id: object = _f(fields.text(LIMITS["tax_id"]))
    reason_for_updating: object = _f(fields.text(LIMITS["reason_for_updating"]))
    send_invoice: object = _f(_flag, clears=_NO_CLEAR_FLAG)


UPDATE_FIELDS: Final = tuple(a.name for a in attrs.fields(_Update))


def update_parts(changes: Mapping[str, object]) -> list[tuple[str, str]]:
    """The multipart text parts of an update's field *changes* (checked: ValidationError naming one):
    a mapping holding every update field (other keys are not read)."""
    parts: list[tuple[str, str]] = []
    for name, value in fields.write_from(_Update, changes).items():
        if type(value) is list or type(value) is tuple:
            parts += [(name, v) for v in value] or [(name, EMPTY_LIST_PART)]
        else:
            parts.append((name, value))
    return parts


# -- the attachment list: its checks and its multipart parts ----------------------------------------


def attachment_parts(
    pdf_attachments: object, attachments: object
) -> tuple[list[tuple[str, str]], list[tuple[str, File, str]]]:
    """The ``pdf_attachments`` file parts and the ``pdf_attachments_config`` part, all checked."""
    if is_set(pdf_attachments) and is_set(attachments):
        raise ValidationError(
            "attachments", "give attachments (the ordered list) or pdf_attachments, not both"
        )
    if is_set(pdf_attachments):
        given = [] if pdf_attachments is None else fields.sequence(pdf_attachments, "pdf_attachments")
        if not given:
            raise ValidationError(
                "pdf_attachments",
                "must list at least one PDF; to remove attachments, "
                "pass attachments=[...] with the ones to keep",
            )
        return [], [_file_part(f, f"pdf_attachments[{i}]", i) for i, f in enumerate(given)]
    if not is_set(attachments):
        return [], []
    if attachments is None:
        raise ValidationError("attachments", "pass the list of attachments to keep ([] deletes them all)")
    config: list[dict[str, object]] = []
    files: list[tuple[str, File, str]] = []
    for i, item in enumerate(fields.sequence(attachments, "attachments")):
        config.append(_config_item(item, f"attachments[{i}]", files, config))
    return [("pdf_attachments_config", _json(config))], files


def _config_item(
    item: object, field: str, files: list[tuple[str, File, str]], config: list[dict[str, object]]
) -> dict[str, object]:
    if isinstance(item, _KEEP):
        if any(c.get("attachment_id") == item.attachment_id for c in config):
            raise ValidationError(field, f"attachment {item.attachment_id!r} is listed twice")
        return {"attachment_id": item.attachment_id, "target": _checked_target(item.target, field)}
    if isinstance(item, _ADD):
        files.append(_file_part(item.file, f"{field}.file", len(files)))
        return {"new_file_index": len(files) - 1, "target": _checked_target(item.target, field)}
    raise ValidationError(field, f"must be salesbricks.Keep or salesbricks.Add, not {type(item).__name__}")


def _checked_target(value: str, field: str) -> str:
    if value not in TARGETS:  # Keep/Add check it too; this catches instances built around attrs
        raise ValidationError(f"{field}.target", f"{value!r} is not one of {', '.join(TARGETS)}")
    return value


def _file_part(value: Any, field: str, index: int) -> tuple[str, File, str]:
    file = File.coerce(value, field)
    file.check(field, pdf=True)  # size and count limits: [UNK], none enforced
    return ("pdf_attachments", file, f"attachment-{index + 1}.pdf")
