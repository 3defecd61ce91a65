"""Invoro's API: ``PUT /invoices/{id}`` replaces a draft e-invoice (Peppol / UBL), JSON in cents."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import httpx

from .._answers import Failure, Hints
from .._answers import read_error as default_read_error
from .._auth import BearerAuth, HeaderAuth, credential
from .._call import Call, Json, Safety
from .._checks import boolean, choice, uuid_text
from .._client import AsyncClient, Provider, SyncClient
from .._convert import json_kind, make_converter, structure
from .._errors import ValidationError, bad_answer
from .._fields import write
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset, is_set
from ._models import DraftInvoice, Invoice
from ._rules import check_draft

if TYPE_CHECKING:
    from .._operations import Options, Unpack

__all__ = [
    "AUTH_SCHEMES",
    "CALCULATE_TOTALS_KEY",
    "INVORO",
    "MAX_ATTACHMENT_BYTES",
    "RESPONSE_KEYS",
    "AsyncInvoices",
    "AsyncInvoro",
    "AuthScheme",
    "Invoices",
    "Invoro",
    "check_envelope",
    "read_error",
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

#: The invoice object's property names are not shown in Invoro's reference [UNK]: for each attribute of
#: :class:`invoro.Invoice`, the keys read, first found wins [INF: Laravel conventions, e.g. the
#: soft-delete ``deleted_at``]. Change them here.
RESPONSE_KEYS: Mapping[str, tuple[str, ...]] = {
    "company_id": ("company_id", "company"),
    "user_id": ("user_id", "created_by"),
    "state": ("status", "state"),
    "total": ("total", "total_amount", "amount"),
    "ubl_version": ("ubl_version",),
    "document": ("invoice_data", "ubl_json", "document"),
    "business_entity_id": ("business_entity_id", "business_entity"),
    "created_at": ("created_at", "created"),
    "updated_at": ("updated_at", "updated"),
    "deleted_at": ("deleted_at", "deleted"),
}

#: An error message that names its own class [INF: Invoro's wording is not documented]. A draft-state
#: refusal is a ConflictError whatever status carries it.
_MESSAGE_HINTS = Hints(
    (re.compile(r"\bdraft\b", re.IGNORECASE), 409),
    (re.compile(r"not associated with a company", re.IGNORECASE), 403),
    (re.compile(r"\bnot found\b|does not belong", re.IGNORECASE), 404),
)

_CONVERTER = make_converter()  # reads answers


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
    check_draft(invoice, "invoice", MAX_ATTACHMENT_BYTES, totals=calculate_totals is not True)
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


# -- reading answers ---------------------------------------------------------------------------------


def parse_invoice(data: Any) -> Invoice:
    """The envelope's ``data`` as an :class:`invoro.Invoice`.

    Invoro wraps every answer in ``{"success": ..., "data": ...}`` [DOC]: success is the JSON value
    ``true`` and nothing else; a missing, null or string flag (``"false"``, ``"true"``) is a DecodeError,
    never an invoice. ``success: false`` was raised as an APIError before this runs.
    """
    flag = data.get("success") if isinstance(data, dict) else None
    if flag is not True:
        raise bad_answer(f"the envelope's success is {json_kind(flag, data, 'success')}, not JSON true")
    payload = data.get("data")
    if not isinstance(payload, dict):
        raise bad_answer(f"the answer's data is {json_kind(payload, data, 'data')}, not an invoice object")
    fields = _rename(payload)
    total = fields.get("total")
    if total is not None:
        if isinstance(total, bool) or not isinstance(total, int | Decimal) or total != int(total):
            raise bad_answer(f"the invoice total ({json_kind(total)}) is not integer cents")
        fields["total"] = Decimal(int(total)).scaleb(-2)
    return structure(_CONVERTER, fields, Invoice)


def _rename(payload: dict[str, Any]) -> dict[str, Any]:
    fields = dict(payload)
    if _ALIASES.isdisjoint(payload):  # the usual case: the answer already uses the model's names
        return fields
    for attr, keys in RESPONSE_KEYS.items():
        found = next((k for k in keys if k in payload), None)
        if found is not None and found != attr:
            fields[attr] = fields.pop(found)
    return fields


_ALIASES = frozenset(k for attr, keys in RESPONSE_KEYS.items() for k in keys if k != attr)


def check_envelope(data: Any) -> Failure | None:
    """An HTTP-2xx answer whose envelope says ``success: false`` (the JSON value) is a failure (hint from
    its message). Any other flag is left to the parser, which raises DecodeError unless it is ``true``.
    """
    if isinstance(data, dict) and data.get("success") is False:
        return _failure(200, data)
    return None


def read_error(status: int, data: Any) -> Failure:
    """An error answer: the envelope's ``message`` and ``errors`` (field -> messages)."""
    if isinstance(data, dict) and ("message" in data or "errors" in data):
        return _failure(status, data)
    return default_read_error(status, data)


def _failure(status: int, data: dict[str, Any]) -> Failure:
    raw = data.get("message")
    message = raw.strip() if isinstance(raw, str) and raw.strip() else f"HTTP {status} with no message"
    hint = None
    if status < 300 or status in (400, 409, 422):
        hint = _MESSAGE_HINTS(message)
    return Failure(message, hint=hint, errors=_errors(data.get("errors")))


def _errors(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in raw.items():
        items = value if isinstance(value, list) else [value]
        out[str(key)] = [str(item) for item in items if item is not None]
    return out


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
