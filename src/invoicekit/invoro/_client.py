"""Invoro's API: ``PUT /invoices/{id}`` replaces a draft e-invoice (Peppol / UBL), JSON in cents."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING, Literal, TypeAlias

import httpx

from .._auth import BearerAuth, HeaderAuth, credential
from .._call import Call, Json, Safety
from .._checks import boolean, choice, uuid_text
from .._client import AsyncClient, Provider, SyncClient
from .._errors import ValidationError
from .._fields import sets_something, write
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset, is_set
from ._answers import check_envelope, parse_invoice, read_error
from ._models import Attachment as Attachment  # read by the unified layer (_change.py)
from ._models import (
    DraftInvoice,
    Header,
    Invoice,
    Line,
    Totals,
    check_profile,
)

if TYPE_CHECKING:
    from .._operations import Options, Unpack

__all__ = [
    "AUTH_SCHEMES",
    "CALCULATE_TOTALS_KEY",
    "INVORO",
    "LINE_ROUNDING",
    "MAX_ATTACHMENT_BYTES",
    "AsyncInvoices",
    "AsyncInvoro",
    "AuthScheme",
    "Invoices",
    "Invoro",
    "check_line_totals",
    "expected_line_total",
    "update_draft_call",
]

AuthScheme: TypeAlias = Literal["bearer", "x-api-key"]
#: How the key travels. Invoro's API reference says ``Authorization: Bearer <key>``, its guides say
#: ``X-Api-Key: <key>`` [DOC, conflicting]; "bearer" (the OpenAPI security scheme) is the default.
AUTH_SCHEMES: tuple[AuthScheme, ...] = ("bearer", "x-api-key")

#: Where ``calculate_totals`` goes: a top-level body field, as in Create Invoice's payload [DOC I5]; that
#: Update reads it from the body too is inferred from "same payload as Create ... optionally set
#: calculate_totals" [INF].
CALCULATE_TOTALS_KEY = "calculate_totals"

#: How ``quantity x price`` is rounded to the cent for a line total. EN 16931 fixes 2 decimals but no
#: rounding mode; half-up is the commercial norm and what the checks here assume [INF].
LINE_ROUNDING = ROUND_HALF_UP

#: Largest attachment sent, in bytes; None = no limit. Invoro documents none [UNK].
MAX_ATTACHMENT_BYTES: int | None = None

#: Why a draft that sets nothing is refused: the PUT replaces the stored draft with what is sent.
_EMPTY_DRAFT = (
    "sets nothing (every part UNSET or empty): the PUT replaces the stored draft, so it would erase it; "
    "send the complete draft"
)


# -- checks before sending ---------------------------------------------------------------------------


def expected_line_total(line: Line) -> Decimal | None:
    """What a line's net amount must be (BR-CO-10 style), or None when quantity or price is not given:
    ``quantity x price / base_quantity`` rounded to the cent (:data:`LINE_ROUNDING`), minus allowances,
    plus charges.
    """
    quantity, price = _amount(line.quantity), _amount(line.price)
    if quantity is None or price is None:
        return None
    base = _amount(line.base_quantity) or Decimal(1)
    with localcontext() as exact:
        exact.prec = 200  # no digit of quantity x price is lost before the one rounding
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
        try:
            given, expected = _amount(line.line_total), expected_line_total(line)
        except ArithmeticError:
            raise ValidationError(
                f"{path}.lines[{i}].quantity", "quantity x price is too large to check"
            ) from None
        if given is not None and expected is not None and given != expected:
            raise ValidationError(
                f"{path}.lines[{i}].line_total",
                f"is {given} but quantity x price (rounded half-up to the cent) with allowances "
                f"and charges gives {expected}; fix it or pass calculate_totals=True",
            )
    wanted = _amount(invoice.totals.line_total) if isinstance(invoice.totals, Totals) else None
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
        total += given
    if total != wanted:
        raise ValidationError(
            f"{path}.totals.line_total",
            f"is {wanted} but the lines add up to {total}; fix it or pass calculate_totals=True",
        )


def _amount(value: object) -> Decimal | None:
    """A set amount as a Decimal (None for UNSET or None)."""
    return Decimal(value) if isinstance(value, Decimal | int) else None


def _check_attachments(invoice: DraftInvoice, path: str) -> None:
    for i, attachment in enumerate(invoice.attachments if is_set(invoice.attachments) else ()):
        where = f"{path}.attachments[{i}].content"
        mime = attachment.mime_type if is_set(attachment.mime_type) else attachment.content.content_type
        attachment.content.check(
            where, max_size=MAX_ATTACHMENT_BYTES, pdf=mime == "application/pdf", sized=True
        )


def update_draft_call(
    invoice_id: str | uuid.UUID,
    invoice: DraftInvoice,
    *,
    calculate_totals: bool | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Call[Invoice]:
    """Replace a draft invoice with *invoice* (``PUT /invoices/{id}``) and return it as Invoro stores it.

    *invoice_id* is the draft's UUID. *invoice* is the complete draft: the PUT replaces the stored one,
    so send every part you want to keep (a part left UNSET is not sent). Amounts are Decimal and go
    out as integer cents. *calculate_totals*: True lets Invoro compute line and document totals;
    False or UNSET (not sent) means the totals you send must add up, and are checked here first.
    *extra_headers* are added to every attempt (checked: no CR/LF, no credential or framing header).

    Only drafts can be updated. Replacing a draft is idempotent, so timeouts, 5xx and 429 answers
    are retried under the client's RetryPolicy.

    Raises ValidationError (bad id, bad field, totals that do not add up: nothing is sent),
    ConflictError (the invoice is no longer a draft), NotFoundError (no such invoice, or not your
    company's), BadRequestError (Invoro refused a field: see ``.errors``), AuthenticationError,
    PermissionDeniedError (missing ``invoice:create`` scope), RateLimitError, another APIError,
    TransportError, or DecodeError.
    """
    uid = uuid_text(invoice_id, "invoice_id")
    if not isinstance(invoice, DraftInvoice):
        raise ValidationError("invoice", f"must be an invoro.DraftInvoice, not {type(invoice).__name__}")
    if is_set(calculate_totals):
        boolean(calculate_totals, "calculate_totals")
    body = write(invoice, "invoice")  # every field checked, and the JSON written, in one pass
    if isinstance(invoice.header, Header):
        check_profile(invoice.header, "invoice.header")
    if "payment" in invoice.extra_fields and is_set(invoice.payments):
        raise ValidationError(
            "invoice.extra_fields['payment']", "send payments or the legacy single payment, not both"
        )
    _check_attachments(invoice, "invoice")
    if calculate_totals is not True:
        check_line_totals(invoice)
    if not sets_something(invoice):
        raise ValidationError("invoice", _EMPTY_DRAFT)
    if is_set(calculate_totals):
        body = {CALCULATE_TOTALS_KEY: calculate_totals, **body}
    return Call(
        "PUT",
        "/invoices/{invoice_id}",
        parse=parse_invoice,
        ids={"invoice_id": uid},
        body=Json(body),
        safety=Safety.IDEMPOTENT,
        extra_headers=extra_headers,
    )


def _auth(api_key: str | None, auth_scheme: str, options: Mapping[str, object]) -> BearerAuth | HeaderAuth:
    choice(auth_scheme, "auth_scheme", AUTH_SCHEMES)
    if options.get("sandbox") and options.get("base_url") is None:
        raise ValidationError(
            "sandbox",
            "Invoro has no sandbox host: a test key (ak_test_...) works on "
            "isolated test data at the same URL; pass it with sandbox=False",
        )
    key = credential(api_key, param="api_key", env="INVORO_API_KEY")
    return BearerAuth(key) if auth_scheme == "bearer" else HeaderAuth({"X-Api-Key": key})


INVORO = Provider(
    "invoro",
    "https://api.invoro.eu/invoice-api",
    read_error=read_error,
    check_envelope=check_envelope,
    base_url_env="INVORO_BASE_URL",
)


class _Invoices(Resource[M]):
    """Invoice operations, as ``client.invoices``."""

    update_draft = operation(update_draft_call)
    apply = applies(update_draft_call, base=DraftInvoice)
    plan = plans(update_draft_call, base=DraftInvoice)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


class _Invoro(Client[M, HC]):
    """Invoro's e-invoicing API (``https://api.invoro.eu/invoice-api``).

    *api_key* defaults to the environment variable ``INVORO_API_KEY``; a missing one raises
    ValidationError naming it. Invoro's docs disagree on the header: *auth_scheme* ``"bearer"`` (the
    default, from its API reference) sends ``Authorization: Bearer <key>``, ``"x-api-key"`` (from its
    guides) sends ``X-Api-Key: <key>``. There is no sandbox host: a test key (``ak_test_...``) works on
    isolated test data with no real Peppol delivery, at the same URL, so ``sandbox=True`` is refused.
    Invoro allows 100 requests a second per key. Use it as a context manager (``async with`` for
    :class:`AsyncInvoro`), or call ``close()`` (``aclose()``).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_scheme: AuthScheme = "bearer",
        **options: Unpack[Options[HC]],
    ) -> None:
        super().__init__(INVORO, _auth(api_key, auth_scheme, options), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Invoro(SyncClient, _Invoro[Sync, httpx.Client]): ...


class AsyncInvoro(AsyncClient, _Invoro[Async, httpx.AsyncClient]): ...
