"""Salesbricks: ``PATCH /invoices/{invoice_id}`` as multipart/form-data, with ``X-SALESBRICKS-KEY``.

Salesbricks reads an *absent* field as "no change" and ``""`` / an empty object as "clear"; the
check and wire encoding of each field are declared once, in ``_models._Update``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import httpx

from .._auth import HeaderAuth, credential
from .._call import Call, Multipart, Safety, new_idempotency_key
from .._checks import header_value, some_change, text
from .._client import AsyncClient, Provider, SyncClient
from .._files import FileInput
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset, is_set
from ._answers import keyed_result, parse_result, read_error
from ._models import InvoiceUpdateResult, attachment_parts, update_parts

if TYPE_CHECKING:
    from .._operations import Options, Unpack
    from ._parts import Add, Keep

__all__ = ["AsyncSalesbricks", "Salesbricks", "update_call"]


SALESBRICKS: Final = Provider(
    "salesbricks",
    "https://api.salesbricks.com/api/v2",
    sandbox_url="https://api.staging.salesbricks.com/api/v2",
    read_error=read_error,
    base_url_env="SALESBRICKS_BASE_URL",
)

IDEMPOTENCY_HEADER: Final = "X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"


def _safety(send_invoice: object, idempotency_key: object) -> tuple[Safety, str | None]:
    """UNSET: a fresh key (a UUID) for this logical call. None: no key, so ``send_invoice=True`` is UNSAFE.

    Salesbricks stores the first answer for a key and replays it, and processes a second request with the
    same key after the first [DOC U3]: a call with a key is safe to resend with the same key.
    """
    if idempotency_key is None:
        return (Safety.UNSAFE if send_invoice is True else Safety.IDEMPOTENT), None
    if not is_set(idempotency_key):
        return Safety.IDEMPOTENT_WITH_KEY, new_idempotency_key()
    key = header_value(
        text(idempotency_key, "idempotency_key", max_len=255, allow_empty=False),
        "idempotency_key",
        IDEMPOTENCY_HEADER,
    )
    return Safety.IDEMPOTENT_WITH_KEY, key


def update_call(
    invoice_id: str,
    *,
    due_at: dt.date | Unset = UNSET,
    purchase_order: str | None | Unset = UNSET,
    persist_purchase_order: bool | Unset = UNSET,
    billing_address: Mapping[str, str] | Unset = UNSET,
    company_name: str | None | Unset = UNSET,
    accounts_payable_emails: Sequence[str] | None | Unset = UNSET,
    invoice_memo: str | None | Unset = UNSET,
    persist_memo: bool | Unset = UNSET,
    line_item_overrides: Mapping[str, str] | Unset = UNSET,
    show_brick_descriptions: bool | Unset = UNSET,
    tax_id: str | Unset = UNSET,
    reason_for_updating: str | Unset = UNSET,
    send_invoice: bool | Unset = UNSET,
    pdf_attachments: Sequence[FileInput] | Unset = UNSET,
    attachments: Sequence[Keep | Add] | Unset = UNSET,
    idempotency_key: str | None | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Call[InvoiceUpdateResult]:
    """Override fields of invoice *invoice_id* and/or set its PDF attachments.

    A field left ``UNSET`` is not sent and keeps its value. ``None`` clears ``purchase_order``,
    ``company_name``, ``invoice_memo`` and ``accounts_payable_emails`` (so does ``[]``); the other
    fields cannot be cleared and ``None`` raises :class:`~invoicekit.ValidationError`.
    ``billing_address``, ``company_name``, ``accounts_payable_emails`` and ``tax_id`` also change
    the subscription, so future invoices; ``purchase_order`` and ``invoice_memo`` do so when
    ``persist_purchase_order`` / ``persist_memo`` is True. ``line_item_overrides`` maps a line item
    ID to its new description, for this invoice only.

    Attachments: ``attachments=[salesbricks.Keep(id), salesbricks.Add(pdf), ...]`` is the complete
    ordered list (existing attachments left out are DELETED, subscription-level ones included);
    ``pdf_attachments=[pdf, ...]`` instead replaces all invoice-level attachments. Not both.

    Every update carries an idempotency key (``X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY``): yours, or a
    fresh UUID per call, reused by every retry and shown as ``result.idempotency_key`` and on a
    :class:`~invoicekit.TransportError` (``.idempotency_key``), so ``send_invoice=True`` (which emails
    the customer) is retried safely and can be resent under the same key. ``idempotency_key=None``
    sends no key: ``send_invoice=True`` is then never resent after it may have run
    (:class:`~invoicekit.OutcomeUnknownError`). *extra_headers* adds headers to every attempt
    (checked: no CR/LF, no credential, framing or idempotency header).

    Raises :class:`~invoicekit.ValidationError` before any request for bad input,
    :class:`~invoicekit.NotFoundError` for an unknown invoice, :class:`~invoicekit.BadRequestError`
    (``.errors`` by field) when Salesbricks refuses the values.
    """
    given = locals()  # the update fields by name, and the other arguments (nothing else is bound yet)
    text(invoice_id, "invoice_id", allow_empty=False)
    parts = update_parts(given)  # reads the UPDATE_FIELDS keys only
    config, files = attachment_parts(pdf_attachments, attachments)
    some_change([*parts, *config, *files])
    safety, key = _safety(send_invoice, idempotency_key)
    return Call(
        "PATCH",
        "/invoices/{invoice_id}",
        parse=parse_result if key is None else keyed_result(key),
        ids={"invoice_id": invoice_id},
        headers={} if key is None else {IDEMPOTENCY_HEADER: key},
        body=Multipart(fields=parts + config, files=files),
        safety=safety,
        idempotency_key=key,
        once_only=send_invoice is True,
        extra_headers=extra_headers,
    )


def _auth(api_key: str | None) -> HeaderAuth:
    return HeaderAuth({"X-SALESBRICKS-KEY": credential(api_key, param="api_key", env="SALESBRICKS_API_KEY")})


class _Invoices(Resource[M]):
    """Invoice operations, as ``client.invoices``."""

    update = operation(update_call)
    apply = applies(update_call)
    plan = plans(update_call)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


class _Salesbricks(Client[M, HC]):
    """Salesbricks REST API v2 client.

    The key (Settings -> Integrations -> Public API) is sent as the ``X-SALESBRICKS-KEY`` header; pass
    *api_key* or set ``SALESBRICKS_API_KEY``. ``sandbox=True`` talks to
    ``https://api.staging.salesbricks.com/api/v2``. Use it as a context manager (``async with`` for
    :class:`AsyncSalesbricks`), or call ``close()`` (``aclose()``).
    """

    def __init__(self, api_key: str | None = None, **options: Unpack[Options[HC]]) -> None:
        super().__init__(SALESBRICKS, _auth(api_key), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Salesbricks(SyncClient, _Salesbricks[Sync, httpx.Client]): ...


class AsyncSalesbricks(AsyncClient, _Salesbricks[Async, httpx.AsyncClient]): ...
