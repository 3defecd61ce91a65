"""Invoro's API: ``PUT /invoices/{id}`` replaces a draft e-invoice (Peppol / UBL), JSON in cents."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeAlias

import httpx

from .._auth import BearerAuth, HeaderAuth, credential
from .._call import Call, Json, Safety
from .._checks import boolean, choice, uuid_text
from .._client import AsyncClient, Provider, SyncClient
from .._errors import ValidationError
from .._fields import write
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset
from ._answers import check_envelope, parse_invoice, read_error
from ._models import DraftInvoice, Invoice
from ._rules import check_draft

if TYPE_CHECKING:
    from .._operations import Options, Unpack

__all__ = [
    "AUTH_SCHEMES",
    "CALCULATE_TOTALS_KEY",
    "INVORO",
    "MAX_ATTACHMENT_BYTES",
    "AsyncInvoices",
    "AsyncInvoro",
    "AuthScheme",
    "Invoices",
    "Invoro",
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

#: Largest attachment sent, in bytes; None = no limit. Invoro documents none [UNK].
MAX_ATTACHMENT_BYTES: int | None = None


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
    given: object = calculate_totals  # (typed as bool | Unset: a caller may pass anything)
    if given is not UNSET and given is not True and given is not False:
        boolean(given, "calculate_totals")  # raises: it is not a bool
    body = write(invoice, "invoice")  # every field checked, and the JSON written, in one pass
    check_draft(invoice, "invoice", MAX_ATTACHMENT_BYTES, totals=calculate_totals is not True)
    if calculate_totals is not UNSET:
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
