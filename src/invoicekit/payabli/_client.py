"""Payabli's API: ``PUT /Invoice/{idInvoice}`` updates an invoice (JSON, camelCase, ``requestToken``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import httpx

from .._auth import HeaderAuth, credential
from .._call import Call, Json, Safety
from .._checks import boolean, int_id, some_change
from .._client import AsyncClient, Provider, SyncClient
from .._fields import model, write
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from .._record import Later
from .._unset import UNSET, Unset
from ._answers import check_envelope, parse_record, parse_update, read_error
from ._models import PARTS, BillData, InvoiceResponse

if TYPE_CHECKING:
    from .._operations import Options, Unpack
    from ._parts import BillOptions, InvoiceRecord, PayorData

#: The customer and scheduled-options classes, named before their module loads (_models.PARTS: a call
#: that passes one has loaded it).
_PAYOR: Final[Any] = Later(PARTS, "PayorData")
_OPTIONS: Final[Any] = Later(PARTS, "BillOptions")
#: The update's objects: wire key, argument, and the core's model rule (the type check, then every field
#: checked and written in one pass).
_OBJECTS: Final = (
    ("customerData", "customer_data", model(_PAYOR, "payabli")),
    ("invoiceData", "invoice_data", model(BillData, "payabli")),
    ("scheduledOptions", "scheduled_options", model(_OPTIONS, "payabli")),
)

__all__ = [
    "ATTACHMENTS_APPEND",
    "MAX_UPLOAD_BASE64",
    "PAYABLI",
    "AsyncInvoices",
    "AsyncPayabli",
    "Invoices",
    "Payabli",
    "call_safety",
    "update_call",
]

#: Most base64 text sent in one update, over all attachments. Payabli says "Max upload size is 30 MB"
#: without saying whether of the file or of its base64 text [UNK]; invoicekit takes the conservative
#: reading [INF]: 30,000,000 (not 30 MiB) characters of base64, all files of the update together. A file
#: therefore holds at most 22,500,000 bytes (base64 is 4 characters per 3 bytes).
MAX_UPLOAD_BASE64: Final = 30_000_000
MAX_ATTACHMENT_BYTES: Final = MAX_UPLOAD_BASE64 // 4 * 3

#: Whether a PUT with attachments adds them to the invoice's files rather than replacing the list [UNK].
#: Payabli has a separate "delete attached file" endpoint, which suggests it adds [INF]; so an update
#: with attachments is not resent after it may have run (a retry could attach the files twice).
ATTACHMENTS_APPEND: Final = True


PAYABLI = Provider(
    "payabli",
    "https://api.payabli.com/api",
    sandbox_url="https://api-sandbox.payabli.com/api",
    read_error=read_error,
    check_envelope=check_envelope,
    base_url_env="PAYABLI_BASE_URL",
)


def update_call(
    id_invoice: int,
    *,
    invoice_data: BillData | None | Unset = UNSET,
    customer_data: PayorData | None | Unset = UNSET,
    scheduled_options: BillOptions | None | Unset = UNSET,
    force_customer_creation: bool | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Call[InvoiceResponse]:
    """Update the invoice *id_invoice* (``PUT /Invoice/{idInvoice}``).

    *id_invoice* is Payabli's invoice id, an ``int``. *invoice_data* (:class:`BillData`),
    *customer_data* (:class:`PayorData`) and *scheduled_options* (:class:`BillOptions`) hold the
    changes: a field left UNSET is not sent and keeps its value; ``None`` is sent as JSON ``null``.
    Leaving a whole argument UNSET leaves that object out of the body. *force_customer_creation*
    sets the ``forceCustomerCreation`` query parameter: ``True`` makes Payabli create a new customer
    record even when the identifiers match an existing one.

    Returns the :class:`InvoiceResponse` (``response_data`` is the invoice id). Retries: the update is
    resent after a timeout, a dropped connection or a 5xx, except when it creates a customer
    (``force_customer_creation=True``) or attaches files (Payabli may add them twice): those raise
    OutcomeUnknownError instead, and you check the invoice before trying again.

    Raises ValidationError (nothing is sent: a non-int id, a float amount, a negative quantity, an
    unknown enum value, a missing, empty, non-PDF or oversized file), BadRequestError (Payabli
    refused the data, including HTTP 200 with ``isSuccess: false``), NotFoundError (no such invoice),
    ConflictError (the invoice cannot change, e.g. it is paid), AuthenticationError (wrong token),
    RateLimitError, ServerError, OutcomeUnknownError or another TransportError. *extra_headers* are
    added to every attempt (checked: no CR/LF, no credential or framing header).
    """
    ids = {"idInvoice": int_id(id_invoice, "id_invoice")}
    body: dict[str, Any] = {}
    for (key, name, rule), value in zip(
        _OBJECTS, (customer_data, invoice_data, scheduled_options), strict=True
    ):
        if value is None:
            body[key] = None
        elif value is not UNSET:
            body[key] = rule(value, name)
    if isinstance(invoice_data, BillData) and invoice_data.attachments:
        from ._parts import with_files  # loaded already: the attachments are FileContents

        invoice_data = with_files(invoice_data, MAX_ATTACHMENT_BYTES, MAX_UPLOAD_BASE64)
        body["invoiceData"]["attachments"] = write(invoice_data, "invoice_data")["attachments"]
    query: dict[str, str] = {}
    if force_customer_creation is not UNSET:
        forced = boolean(force_customer_creation, "force_customer_creation")
        query["forceCustomerCreation"] = "true" if forced else "false"
    # A null object sets no field: {"invoiceData": null} alone changes nothing, as {} does.
    some_change([value for value in body.values() if value])
    return Call(
        "PUT",
        "/Invoice/{idInvoice}",
        parse=parse_update,
        ids=ids,
        query=query,
        body=Json(body),
        safety=call_safety(
            invoice_data if isinstance(invoice_data, BillData) else None, force_customer_creation
        ),
        extra_headers=extra_headers,
    )


def get_call(id_invoice: int, *, extra_headers: Mapping[str, str] | None = None) -> Call[InvoiceRecord]:
    """Read the invoice *id_invoice* (``GET /Invoice/{idInvoice}``) as an :class:`InvoiceRecord`.

    A read: retried after timeouts, 5xx and 429. Raises ValidationError (a non-int id), NotFoundError,
    AuthenticationError, DecodeError (an answer that does not fit), another APIError or TransportError.
    """
    ids = {"idInvoice": int_id(id_invoice, "id_invoice")}
    return Call("GET", "/Invoice/{idInvoice}", parse=parse_record, ids=ids, extra_headers=extra_headers)


def call_safety(invoice_data: BillData | None, force_customer_creation: bool | Unset) -> Safety:
    """An update is safe to resend, unless it creates a customer or (see ATTACHMENTS_APPEND) adds files."""
    if force_customer_creation is True:
        return Safety.UNSAFE
    if ATTACHMENTS_APPEND and invoice_data is not None and invoice_data.attachments:
        return Safety.UNSAFE
    return Safety.IDEMPOTENT


def _auth(api_key: str | None) -> HeaderAuth:
    return HeaderAuth({"requestToken": credential(api_key, param="api_key", env="PAYABLI_API_KEY")})


class _Invoices(Resource[M]):
    """Invoice operations, as ``client.invoices``."""

    update = operation(update_call)
    get = operation(get_call)
    apply = applies(update_call)
    plan = plans(update_call)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


class _Payabli(Client[M, HC]):
    """Payabli's API (``https://api.payabli.com/api``).

    Authenticates with the ``requestToken`` header: *api_key* is a private API token and defaults to the
    environment variable ``PAYABLI_API_KEY``; a missing one raises ValidationError naming it.
    ``sandbox=True`` talks to ``https://api-sandbox.payabli.com/api`` (sandbox tokens are separate;
    production opens after Payabli's certification). Payabli allows 200 requests a minute per token.
    Use it as a context manager (``async with`` for :class:`AsyncPayabli`), or call ``close()``
    (``aclose()``).
    """

    def __init__(self, api_key: str | None = None, **options: Unpack[Options[HC]]) -> None:
        super().__init__(PAYABLI, _auth(api_key), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Payabli(SyncClient, _Payabli[Sync, httpx.Client]): ...


class AsyncPayabli(AsyncClient, _Payabli[Async, httpx.AsyncClient]): ...
