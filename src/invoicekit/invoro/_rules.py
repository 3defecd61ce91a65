"""Invoro's checks of a whole draft, beyond each field's own (those are declared in ``_models``): the
profile and its type code, one way to give payments, attachments, line totals that add up, and a draft
that sets something. :func:`check_draft` runs them all, in that order, before any request. And how the
unified ``apply`` changes a draft (:func:`draft_with`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._errors import ValidationError
from .._fields import sets_something
from .._record import Later
from .._unset import UNSET, is_set
from ._models import PARTS, DraftInvoice, Header, Line, check_profile

if TYPE_CHECKING:
    pass

#: The totals class, named before its module loads (a draft holding totals has loaded it).
_TOTALS: Final[Any] = Later(PARTS, "Totals")

__all__ = [
    "LINE_ROUNDING",
    "check_draft",
    "check_line_totals",
    "draft_with",
    "expected_line_total",
    "kept_attachments",
]

#: How ``quantity x price`` is rounded to the cent for a line total. EN 16931 fixes 2 decimals but no
#: rounding mode; half-up is the commercial norm and what the checks here assume [INF].
LINE_ROUNDING = ROUND_HALF_UP
#: The context the line totals are computed in: never the caller's (a precision of 2 would round a sum,
#: a trap on Inexact would refuse 1/3 of a unit), and enough digits that nothing is lost before the one
#: rounding to the cent.
_EXACT = Context(prec=200, traps=[InvalidOperation, DivisionByZero, Overflow])

#: Why a draft that sets nothing is refused: the PUT replaces the stored draft with what is sent.
_EMPTY_DRAFT = (
    "sets nothing (every part UNSET or empty): the PUT replaces the stored draft, so it would erase it; "
    "send the complete draft"
)


def check_draft(invoice: DraftInvoice, path: str, max_attachment_bytes: int | None, *, totals: bool) -> None:
    """Refuse a draft Invoro would refuse, or that would erase the stored one (ValidationError naming the
    field). *totals*: whether the line totals given must add up (False when Invoro computes them).
    """
    header = invoice.header
    if isinstance(header, Header) and isinstance(header.document_type, str):  # else nothing to cross-check
        check_profile(header, f"{path}.header")
    if "payment" in invoice.extra_fields and invoice.payments is not UNSET:
        raise ValidationError(
            f"{path}.extra_fields['payment']", "send payments or the legacy single payment, not both"
        )
    if invoice.attachments is not UNSET:  # (most drafts: no call)
        _check_attachments(invoice, path, max_attachment_bytes)
    if totals:
        check_line_totals(invoice, path)
    if not sets_something(invoice):
        raise ValidationError(path, _EMPTY_DRAFT)


def expected_line_total(line: Line) -> Decimal | None:
    """What a line's net amount must be (BR-CO-10 style), or None when quantity or price is not given:
    ``quantity x price / base_quantity`` rounded to the cent (:data:`LINE_ROUNDING`), minus allowances,
    plus charges.
    """
    quantity, price = _amount(line.quantity), _amount(line.price)
    if quantity is None or price is None:
        return None
    base = _amount(line.base_quantity) or Decimal(1)
    with localcontext(_EXACT):  # no digit of quantity x price is lost before the one rounding
        net = (quantity * price / base).quantize(Decimal("0.01"), LINE_ROUNDING)
        for sign, parts in ((-1, line.allowances), (1, line.charges)):
            for part in parts if is_set(parts) else ():
                net += sign * (_amount(part.amount) or 0)
    return net


def check_line_totals(invoice: DraftInvoice, path: str = "invoice") -> None:
    """Refuse a draft whose line totals do not add up, naming the first line that is off.

    Each line with a ``line_total`` must equal :func:`expected_line_total`; when ``totals.line_total``
    is given, every line needs a ``line_total`` and their sum must equal it exactly (Peppol BR-CO-10).
    """
    lines: Sequence[Line] = invoice.lines if is_set(invoice.lines) else ()
    for i, line in enumerate(lines):
        given = _amount(line.line_total)
        if given is None:  # nothing to compare: quantity x price is not computed
            continue
        try:
            expected = expected_line_total(line)
        except ArithmeticError:
            raise ValidationError(
                f"{path}.lines[{i}].quantity", "quantity x price is too large to check"
            ) from None
        if expected is not None and given != expected:
            raise ValidationError(
                f"{path}.lines[{i}].line_total",
                f"is {given} but quantity x price (rounded half-up to the cent) with allowances "
                f"and charges gives {expected}; fix it or pass calculate_totals=True",
            )
    wanted = _amount(invoice.totals.line_total) if isinstance(invoice.totals, _TOTALS) else None
    if wanted is None:
        return
    total = Decimal(0)
    for i, line in enumerate(lines):
        given = _amount(line.line_total)
        if given is None:
            raise ValidationError(
                f"{path}.lines[{i}].line_total",
                "is needed to check totals.line_total (or pass calculate_totals=True to let Invoro "
                "compute the totals)",
            )
        total = _EXACT.add(total, given)
    if total != wanted:
        raise ValidationError(
            f"{path}.totals.line_total",
            f"is {wanted} but the lines add up to {total}; fix it or pass calculate_totals=True",
        )


def _amount(value: object) -> Decimal | None:
    """A set amount as a Decimal (None for UNSET or None)."""
    return Decimal(value) if isinstance(value, Decimal | int) else None


def _check_attachments(invoice: DraftInvoice, path: str, max_bytes: int | None) -> None:
    for i, attachment in enumerate(invoice.attachments if is_set(invoice.attachments) else ()):
        where = f"{path}.attachments[{i}].content"
        pdf = _mime(attachment) == "application/pdf"  # as draft_with reads it: any case, no parameters
        attachment.content.check(where, max_size=max_bytes, pdf=pdf, sized=True)


def draft_with(base: object, args: Mapping[str, Any]) -> DraftInvoice:
    """*base* (the draft as it is now) with the unified change's native *args* applied: ``header`` fields
    set on its header, ``attachments`` (a PDF, or None) replacing its PDF attachments, others kept.
    """
    if base is None or base is UNSET:
        raise ValidationError(
            "base",
            "Invoro's PUT replaces the whole draft: pass base=<the draft as it is now> (an "
            "invoro.DraftInvoice) and the change is applied onto it",
        )
    if not isinstance(base, DraftInvoice):
        raise ValidationError("base", f"must be an invoro.DraftInvoice, not {type(base).__name__}")
    draft = base
    if "header" in args:
        header = base.header if isinstance(base.header, Header) else Header()
        draft = attrs.evolve(draft, header=attrs.evolve(header, **args["header"]))
    if "attachments" in args:
        pdf = args["attachments"]
        from ._parts import Attachment  # the unified change only

        added = [] if pdf is None else [Attachment(content=pdf)]
        draft = attrs.evolve(draft, attachments=kept_attachments(base) + added)
    return draft


def kept_attachments(base: object) -> list[Any]:
    """The attachments of *base* a unified change keeps: all but its PDFs (the change's PDF replaces them)."""
    return [a for a in (getattr(base, "attachments", None) or ()) if _mime(a) != "application/pdf"]


def _mime(attachment: Any) -> str:
    mime = attachment.mime_type if isinstance(attachment.mime_type, str) else attachment.content.content_type
    return str(mime).split(";")[0].strip().lower()
