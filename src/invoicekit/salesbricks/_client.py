"""Salesbricks: ``PATCH /invoices/{invoice_id}`` as multipart/form-data, with ``X-SALESBRICKS-KEY``.

Salesbricks reads an *absent* field as "no change" and ``""`` / an empty object as "clear"; the
encoding of each field is declared once in :data:`WIRE_ENCODING` below.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
import httpx

from .._answers import Failure, excerpt
from .._auth import HeaderAuth, credential
from .._call import Call, Multipart, Safety, new_idempotency_key
from .._change import Applied, InvoiceChange, OnUnsupported, Plan, prepare
from .._change import plan as plan_change
from .._checks import boolean, date, email, header_value, some_change, text
from .._client import AsyncClient, Provider, Resource, SyncClient
from .._convert import make_converter, structure
from .._errors import ValidationError
from .._files import File, FileInput
from .._response import async_raw_response, raw_response
from .._retry import RetryPolicy
from .._unset import UNSET, Unset, is_set
from ._models import TARGETS, Add, InvoiceUpdateResult, Keep

__all__ = ["AsyncSalesbricks", "Salesbricks", "read_error", "update_call"]


def read_error(status: int, data: Any) -> Failure:
    """Read a Django REST Framework error answer: ``{"detail": "..."}`` (a ``code`` beside it is not a
    field), ``{"field": ["msg", ...]}`` (nested for list items and objects), ``{"non_field_errors": [...]}``
    or a bare list of messages. Field messages land in ``errors`` under dotted paths.
    """
    if isinstance(data, str) and data.strip():
        return Failure(excerpt(data))
    if not isinstance(data, dict | list):
        return Failure(f"HTTP {status} with no message")
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str) and isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "detail" and isinstance(v, list | dict)}
    errors: dict[str, list[str]] = {}
    _flatten_errors(data, "", errors)
    parts = [f"{k}: {'; '.join(v)}" if k != "non_field_errors" else "; ".join(v) for k, v in errors.items()]
    message = "; ".join(([detail] if isinstance(detail, str) else []) + parts)
    return Failure(excerpt(message, 500) if message else f"HTTP {status} with no message", errors=errors)


def _flatten_errors(value: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_errors(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        out.setdefault(path or "non_field_errors", []).extend(value)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item:  # DRF puts {} for the list items that were fine
                _flatten_errors(item, f"{path}[{index}]", out)
    elif value is not None:
        out.setdefault(path or "non_field_errors", []).append(str(value))


SALESBRICKS: Final = Provider(
    "salesbricks",
    "https://api.salesbricks.com/api/v2",
    sandbox_url="https://api.staging.salesbricks.com/api/v2",
    read_error=read_error,
)

# -- the wire encoding of every field: change it here and only here ------------------------------------
#
# Multipart cannot say null, true, a list or an object. [DOC] marks what Salesbricks documents; [INF]
# marks what invoicekit inferred (docs/providers/salesbricks.md, "Assumptions"). Encodings:
#   text   the string as is ("" clears where Salesbricks says so)
#   date   YYYY-MM-DD                                   [DOC]
#   bool   "true" / "false"                             [DOC: the docs' curl example]
#   json   one part holding compact JSON                [INF: the fields are typed "string" but hold objects]
#   repeat one part per list item, same name            [INF: Django REST Framework reads getlist()]
WIRE_ENCODING: Final[Mapping[str, str]] = {
    "due_at": "date",
    "purchase_order": "json",  # {"code": "PO-1"}; None -> {} ("empty object ... to clear") [INF]
    "persist_purchase_order": "bool",
    "billing_address": "json",  # the address object, keys as Salesbricks names them [INF]
    "company_name": "text",
    "accounts_payable_emails": "repeat",  # [] -> one part EMPTY_LIST_PART [INF]
    "invoice_memo": "text",
    "persist_memo": "bool",
    "line_item_overrides": "json",  # [{"line_item_id": ..., "description": ...}, ...] [INF]
    "show_brick_descriptions": "bool",
    "tax_id": "text",
    "reason_for_updating": "text",
    "send_invoice": "bool",
    "pdf_attachments_config": "json",  # [{"attachment_id"|"new_file_index": ..., "target": ...}] [DOC/INF]
}
UPDATE_FIELDS: Final = tuple(name for name in WIRE_ENCODING if name != "pdf_attachments_config")
EMPTY_LIST_PART: Final = "[]"  # how "empty array to clear" travels in multipart [INF]
PURCHASE_ORDER_CODE: Final = "code"  # the key inside purchase_order [DOC: "purchase order with code"]
LINE_ITEM_KEYS: Final = ("line_item_id", "description")  # keys of one line_item_overrides item [INF]
IDEMPOTENCY_HEADER: Final = "X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"
LIMITS: Final[Mapping[str, int]] = {  # [DOC] maximum lengths
    "company_name": 255,
    "invoice_memo": 2000,
    "reason_for_updating": 500,
    "tax_id": 255,
}
_CONVERTER = make_converter()


def _no_clear(field: str) -> ValidationError:
    return ValidationError(
        field, "Salesbricks documents no way to clear this field; leave it UNSET to keep it"
    )


_BOOLEANS: Final = frozenset(
    {"persist_purchase_order", "persist_memo", "show_brick_descriptions", "send_invoice"}
)
_CLEARABLE: Final = frozenset({"purchase_order", "company_name", "accounts_payable_emails", "invoice_memo"})


def _checked(field: str, value: object) -> object:
    """Validate one update field and turn ``None`` into Salesbricks' clearing value."""
    if field in _BOOLEANS:
        return boolean(value, field)
    if value is None and field not in _CLEARABLE:
        raise _no_clear(field)
    if field == "due_at":
        return date(value, field)
    if field == "purchase_order":
        return {} if value is None else {PURCHASE_ORDER_CODE: text(value, field, max_len=255)}
    if field == "accounts_payable_emails":
        return [] if value is None else [email(v, f"{field}[{i}]") for i, v in enumerate(_seq(value, field))]
    if field in {"billing_address", "line_item_overrides"}:
        return _text_mapping(value, field)
    return "" if value is None else text(value, field, max_len=LIMITS[field])


def _seq(value: object, field: str) -> Sequence[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValidationError(field, f"must be a list, not {type(value).__name__}")
    return value


def _text_mapping(value: object, field: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a mapping of str to str, not {type(value).__name__}")
    return {text(k, f"{field} key", allow_empty=False): text(v, f"{field}[{k!r}]") for k, v in value.items()}


def _parts(field: str, value: Any) -> list[tuple[str, str]]:
    """The multipart text parts for one checked value, per :data:`WIRE_ENCODING`."""
    kind = WIRE_ENCODING[field]
    if kind == "bool":
        return [(field, "true" if value else "false")]
    if kind == "date":
        return [(field, value.isoformat())]
    if kind == "repeat":
        return [(field, v) for v in value] or [(field, EMPTY_LIST_PART)]
    if kind == "json":
        if field == "line_item_overrides":
            value = [dict(zip(LINE_ITEM_KEYS, item, strict=True)) for item in value.items()]
        return [(field, json.dumps(value, ensure_ascii=False, separators=(",", ":")))]
    return [(field, value)]


def _files(
    pdf_attachments: object, attachments: object
) -> tuple[list[tuple[str, str]], list[tuple[str, File, str]]]:
    """The ``pdf_attachments`` file parts and the ``pdf_attachments_config`` part, all checked."""
    if is_set(pdf_attachments) and is_set(attachments):
        raise ValidationError(
            "attachments", "give attachments (the ordered list) or pdf_attachments, not both"
        )
    if is_set(pdf_attachments):
        given = [] if pdf_attachments is None else _seq(pdf_attachments, "pdf_attachments")
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
    for i, item in enumerate(_seq(attachments, "attachments")):
        config.append(_config_item(item, f"attachments[{i}]", files, config))
    return _parts("pdf_attachments_config", config), files


def _config_item(
    item: object, field: str, files: list[tuple[str, File, str]], config: list[dict[str, object]]
) -> dict[str, object]:
    if isinstance(item, Keep):
        if any(c.get("attachment_id") == item.attachment_id for c in config):
            raise ValidationError(field, f"attachment {item.attachment_id!r} is listed twice")
        return {"attachment_id": item.attachment_id, "target": _target(item.target, field)}
    if isinstance(item, Add):
        files.append(_file_part(item.file, f"{field}.file", len(files)))
        return {"new_file_index": len(files) - 1, "target": _target(item.target, field)}
    raise ValidationError(field, f"must be salesbricks.Keep or salesbricks.Add, not {type(item).__name__}")


def _target(value: str, field: str) -> str:
    if value not in TARGETS:  # Keep/Add check it too; this catches instances built around attrs
        raise ValidationError(f"{field}.target", f"{value!r} is not one of {', '.join(TARGETS)}")
    return value


def _file_part(value: Any, field: str, index: int) -> tuple[str, File, str]:
    file = File.coerce(value, field)
    file.check(field, pdf=True)  # size and count limits: [UNK], none enforced
    return ("pdf_attachments", file, f"attachment-{index + 1}.pdf")


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


def _result(data: Any) -> InvoiceUpdateResult:
    return structure(_CONVERTER, data, InvoiceUpdateResult)


def _keyed_result(key: str) -> Callable[[Any], InvoiceUpdateResult]:
    return lambda data: attrs.evolve(_result(data), idempotency_key=key)


def update_call(
    invoice_id: str,
    *,
    pdf_attachments: object = UNSET,
    attachments: object = UNSET,
    idempotency_key: object = UNSET,
    **fields: object,
) -> Call[InvoiceUpdateResult]:
    """Pure builder for ``PATCH /invoices/{invoice_id}``: validates everything, describes the request."""
    text(invoice_id, "invoice_id", allow_empty=False)
    for name in sorted(set(fields) - set(UPDATE_FIELDS)):
        raise ValidationError(name, "not a field of a Salesbricks invoice update")
    parts = [
        p
        for name in UPDATE_FIELDS
        if fields.get(name, UNSET) is not UNSET
        for p in _parts(name, _checked(name, fields[name]))
    ]
    config, files = _files(pdf_attachments, attachments)
    some_change([*parts, *config, *files])
    safety, key = _safety(fields.get("send_invoice", UNSET), idempotency_key)
    return Call(
        "PATCH",
        "/invoices/{invoice_id}",
        parse=_result if key is None else _keyed_result(key),
        ids={"invoice_id": invoice_id},
        headers={} if key is None else {IDEMPOTENCY_HEADER: key},
        body=Multipart(fields=parts + config, files=files),
        safety=safety,
        idempotency_key=key,
        once_only=fields.get("send_invoice") is True,
    )


def _auth(api_key: str | None) -> HeaderAuth:
    return HeaderAuth({"X-SALESBRICKS-KEY": credential(api_key, param="api_key", env="SALESBRICKS_API_KEY")})


class Invoices(Resource["Salesbricks"]):
    @property
    def with_raw_response(self) -> InvoicesWithRawResponse:
        """The same operations, each returning a :class:`~invoicekit.RawResponse`."""
        return InvoicesWithRawResponse(self)

    def update(
        self,
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
    ) -> InvoiceUpdateResult:
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
        return self._client._send(
            update_call(
                invoice_id,
                due_at=due_at,
                purchase_order=purchase_order,
                persist_purchase_order=persist_purchase_order,
                billing_address=billing_address,
                company_name=company_name,
                accounts_payable_emails=accounts_payable_emails,
                invoice_memo=invoice_memo,
                persist_memo=persist_memo,
                line_item_overrides=line_item_overrides,
                show_brick_descriptions=show_brick_descriptions,
                tax_id=tax_id,
                reason_for_updating=reason_for_updating,
                send_invoice=send_invoice,
                pdf_attachments=pdf_attachments,
                attachments=attachments,
                idempotency_key=idempotency_key,
            ),
            extra_headers,
        )

    def plan(
        self,
        invoice: str,
        change: InvoiceChange,
        *,
        on_unsupported: OnUnsupported = "raise",
        extra: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Plan:
        """The request ``apply`` would send for the same arguments (method, URL, headers with secrets
        masked, body summary) and the fields it would apply and skip; sends nothing. See docs/unified.md.
        """
        return plan_change(
            self._client, prepare("salesbricks", invoice, change, on_unsupported, extra), extra_headers
        )

    def apply(
        self,
        invoice: str,
        change: InvoiceChange,
        *,
        on_unsupported: OnUnsupported = "raise",
        extra: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Applied[InvoiceUpdateResult]:
        """Apply a provider-independent :class:`~invoicekit.InvoiceChange` through ``invoices.update``.

        A field Salesbricks cannot set (see ``invoicekit.capabilities()``) raises ValidationError naming every
        such field, before any request; ``on_unsupported="skip"`` applies the rest and lists the skipped
        fields in the result. *extra* passes native arguments of ``invoices.update`` through
        (checked by it).
        Returns :class:`~invoicekit.Applied`, whose ``.result`` is what ``invoices.update`` returns;
        raises what it raises.
        """
        prepared = prepare("salesbricks", invoice, change, on_unsupported, extra)
        return prepared.done(self._client._send(prepared.call, extra_headers))


class AsyncInvoices(Resource["AsyncSalesbricks"]):
    @property
    def with_raw_response(self) -> AsyncInvoicesWithRawResponse:
        """The same operations, each returning a :class:`~invoicekit.RawResponse`."""
        return AsyncInvoicesWithRawResponse(self)

    async def update(
        self,
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
    ) -> InvoiceUpdateResult:
        """Override fields of invoice *invoice_id* and/or set its PDF attachments (see
        :meth:`Salesbricks.invoices.update <Invoices.update>`: same arguments, same rules, same errors).
        """
        return await self._client._send(
            update_call(
                invoice_id,
                due_at=due_at,
                purchase_order=purchase_order,
                persist_purchase_order=persist_purchase_order,
                billing_address=billing_address,
                company_name=company_name,
                accounts_payable_emails=accounts_payable_emails,
                invoice_memo=invoice_memo,
                persist_memo=persist_memo,
                line_item_overrides=line_item_overrides,
                show_brick_descriptions=show_brick_descriptions,
                tax_id=tax_id,
                reason_for_updating=reason_for_updating,
                send_invoice=send_invoice,
                pdf_attachments=pdf_attachments,
                attachments=attachments,
                idempotency_key=idempotency_key,
            ),
            extra_headers,
        )

    async def plan(
        self,
        invoice: str,
        change: InvoiceChange,
        *,
        on_unsupported: OnUnsupported = "raise",
        extra: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Plan:
        """The request ``apply`` would send for the same arguments (method, URL, headers with secrets
        masked, body summary) and the fields it would apply and skip; sends nothing. See docs/unified.md.
        """
        return plan_change(
            self._client, prepare("salesbricks", invoice, change, on_unsupported, extra), extra_headers
        )

    async def apply(
        self,
        invoice: str,
        change: InvoiceChange,
        *,
        on_unsupported: OnUnsupported = "raise",
        extra: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Applied[InvoiceUpdateResult]:
        """Apply a provider-independent :class:`~invoicekit.InvoiceChange` through ``invoices.update``.

        A field Salesbricks cannot set (see ``invoicekit.capabilities()``) raises ValidationError naming every
        such field, before any request; ``on_unsupported="skip"`` applies the rest and lists the skipped
        fields in the result. *extra* passes native arguments of ``invoices.update`` through
        (checked by it).
        Returns :class:`~invoicekit.Applied`, whose ``.result`` is what ``invoices.update`` returns;
        raises what it raises.
        """
        prepared = prepare("salesbricks", invoice, change, on_unsupported, extra)
        return prepared.done(await self._client._send(prepared.call, extra_headers))


class InvoicesWithRawResponse:
    """``client.invoices.with_raw_response``: each operation returning a ``RawResponse``."""

    def __init__(self, invoices: Invoices) -> None:
        self.update = raw_response(invoices.update)


class AsyncInvoicesWithRawResponse:
    """``client.invoices.with_raw_response`` of :class:`AsyncSalesbricks`."""

    def __init__(self, invoices: AsyncInvoices) -> None:
        self.update = async_raw_response(invoices.update)


class Salesbricks(SyncClient):
    """Salesbricks REST API v2 client.

    The key (Settings -> Integrations -> Public API) is sent as the ``X-SALESBRICKS-KEY`` header; pass
    *api_key* or set ``SALESBRICKS_API_KEY``. ``sandbox=True`` talks to
    ``https://api.staging.salesbricks.com/api/v2``. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        sandbox: bool = False,
        timeout: float | httpx.Timeout = 60.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        deadline: float = 300.0,
        max_response_bytes: int = 16 << 20,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
    ) -> None:
        super().__init__(
            SALESBRICKS,
            _auth(api_key),
            base_url=base_url,
            sandbox=sandbox,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            default_headers=default_headers,
            app_info=app_info,
        )
        self.invoices: Invoices = Invoices(self)


class AsyncSalesbricks(AsyncClient):
    """Salesbricks REST API v2 client for asyncio (see :class:`Salesbricks`)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        sandbox: bool = False,
        timeout: float | httpx.Timeout = 60.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        deadline: float = 300.0,
        max_response_bytes: int = 16 << 20,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
    ) -> None:
        super().__init__(
            SALESBRICKS,
            _auth(api_key),
            base_url=base_url,
            sandbox=sandbox,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            default_headers=default_headers,
            app_info=app_info,
        )
        self.invoices: AsyncInvoices = AsyncInvoices(self)
