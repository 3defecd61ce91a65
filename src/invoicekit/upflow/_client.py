"""Upflow's API: ``POST /invoices/{invoiceId}/pdf`` uploads or replaces an invoice's PDF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import httpx

from .._auth import HeaderAuth, credential
from .._call import Call, Json, Multipart, Safety
from .._change import Applied, InvoiceChange, OnUnsupported, Plan, prepare
from .._change import plan as plan_change
from .._checks import choice, text
from .._client import AsyncClient, Provider, Resource, SyncClient
from .._errors import ValidationError
from .._files import File, FileInput
from .._response import async_raw_response, raw_response
from .._retry import RetryPolicy
from ._models import EXTERNAL_PREFIX, ExternalId

__all__ = [
    "MAX_PDF_BYTES",
    "UPFLOW",
    "AsyncInvoices",
    "AsyncUpflow",
    "Encoding",
    "Invoices",
    "Upflow",
    "upload_pdf_call",
]

UPFLOW = Provider(
    "upflow",
    "https://api.upflow.io/v1",
    sandbox_url="https://api.sandbox.upflow.io/v1",
    base_url_env="UPFLOW_BASE_URL",
)

Encoding: TypeAlias = Literal["multipart", "base64"]
ENCODINGS: tuple[Encoding, ...] = ("multipart", "base64")

#: Largest PDF sent, in bytes; None = no limit. Upflow documents no maximum [UNK]: set a number here
#: once one is known, and every upload is checked against it before any request.
MAX_PDF_BYTES: int | None = None

#: The filename announced in the multipart part when the File has none (bytes or a file object).
DEFAULT_FILENAME = "invoice.pdf"


def invoice_segment(invoice: str | ExternalId) -> str:
    """The ``{invoiceId}`` path value: Upflow's id as given, or ``external:<id>`` for an external id.

    A plain string that already starts with ``external:`` is how Upflow's own docs address an external
    id, and Upflow reads it that way whatever we do, so it is accepted as one: ``"external:A/B"`` sends
    exactly what ``ExternalId("A/B")`` sends. Escaping is the core's job: the whole value becomes one
    percent-encoded segment with ``:`` kept literal.
    """
    if isinstance(invoice, ExternalId):
        return str(invoice)
    value = text(invoice, "invoice", allow_empty=False)
    if value.startswith(EXTERNAL_PREFIX) and not value[len(EXTERNAL_PREFIX) :].strip():
        raise ValidationError("invoice", f"{value!r} names no external id after {EXTERNAL_PREFIX!r}")
    return value


def upload_pdf_call(invoice: str | ExternalId, pdf: FileInput, encoding: str) -> Call[None]:
    """Validate an upload and describe it: bad input raises ValidationError here, before any request."""
    choice(encoding, "encoding", ENCODINGS)
    file = File.coerce(pdf, "pdf")
    file.check("pdf", max_size=MAX_PDF_BYTES, sized=encoding == "base64")
    body: Json | Multipart
    if encoding == "multipart":
        body = Multipart(files=[("file", file, DEFAULT_FILENAME)])
    else:
        body = Json({"data": file})
    return Call(
        "POST",
        "/invoices/{invoice}/pdf",
        parse=_none,
        ids={"invoice": invoice_segment(invoice)},
        body=body,
        safety=Safety.IDEMPOTENT,
        ignore_answer=True,
    )


def _none(data: Any) -> None:
    return None


def _auth(api_key: str | None, api_secret: str | None) -> HeaderAuth:
    key = credential(api_key, param="api_key", env="UPFLOW_API_KEY")
    secret = credential(api_secret, param="api_secret", env="UPFLOW_API_SECRET")
    return HeaderAuth({"X-API-KEY": key, "X-API-SECRET": secret})


class Invoices(Resource["Upflow"]):
    """Invoice operations, as ``client.invoices``."""

    @property
    def with_raw_response(self) -> InvoicesWithRawResponse:
        """The same operations, each returning a :class:`~invoicekit.RawResponse`."""
        return InvoicesWithRawResponse(self)

    def upload_pdf(
        self,
        invoice: str | ExternalId,
        pdf: FileInput,
        *,
        encoding: Encoding = "multipart",
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Upload the invoice's PDF, or replace the one it has (``POST /invoices/{id}/pdf``).

        *invoice* is Upflow's invoice id (``str``) or ``ExternalId("ERP-42")`` for the id the invoice has
        in your own system (a ``str`` starting with ``external:`` is read the same way). *pdf* is a
        ``File``, a path, ``bytes`` or a binary file object; it must be a non-empty PDF. *encoding* is
        ``"multipart"`` (one form part named ``file``, streamed; the default) or ``"base64"`` (JSON
        ``{"data": "<base64>"}``, streamed too, a third larger on the wire). *extra_headers* are added
        to every attempt (checked: no CR/LF, no credential or framing header).

        Returns None once Upflow accepted the file (204, or any other 2xx). Replacing a PDF is
        idempotent, so timeouts, 5xx and 429 answers are retried under the client's RetryPolicy.

        Raises ValidationError (bad id, missing, empty or non-PDF file, unknown encoding: nothing is
        sent), NotFoundError (no such invoice), AuthenticationError (wrong key or secret),
        RateLimitError, another APIError, or TransportError.
        """
        return self._client._send(upload_pdf_call(invoice, pdf, encoding), extra_headers)

    def plan(
        self,
        invoice: str | ExternalId,
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
            self._client, prepare("upflow", invoice, change, on_unsupported, extra), extra_headers
        )

    def apply(
        self,
        invoice: str | ExternalId,
        change: InvoiceChange,
        *,
        on_unsupported: OnUnsupported = "raise",
        extra: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Applied[None]:
        """Apply a provider-independent :class:`~invoicekit.InvoiceChange` through ``invoices.upload_pdf``.

        A field Upflow cannot set (see ``invoicekit.capabilities()``) raises ValidationError naming every
        such field, before any request; ``on_unsupported="skip"`` applies the rest and lists the skipped
        fields in the result. *extra* passes native arguments of ``invoices.upload_pdf`` through
        (checked by it).
        Returns :class:`~invoicekit.Applied`, whose ``.result`` is what ``invoices.upload_pdf`` returns;
        raises what it raises.
        """
        prepared = prepare("upflow", invoice, change, on_unsupported, extra)
        return prepared.done(self._client._send(prepared.call, extra_headers))


class AsyncInvoices(Resource["AsyncUpflow"]):
    """Invoice operations, as ``client.invoices``."""

    @property
    def with_raw_response(self) -> AsyncInvoicesWithRawResponse:
        """The same operations, each returning a :class:`~invoicekit.RawResponse`."""
        return AsyncInvoicesWithRawResponse(self)

    async def upload_pdf(
        self,
        invoice: str | ExternalId,
        pdf: FileInput,
        *,
        encoding: Encoding = "multipart",
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Upload the invoice's PDF, or replace the one it has (``POST /invoices/{id}/pdf``).

        *invoice* is Upflow's invoice id (``str``) or ``ExternalId("ERP-42")`` for the id the invoice has
        in your own system (a ``str`` starting with ``external:`` is read the same way). *pdf* is a
        ``File``, a path, ``bytes`` or a binary file object; it must be a non-empty PDF. *encoding* is
        ``"multipart"`` (one form part named ``file``, streamed; the default) or ``"base64"`` (JSON
        ``{"data": "<base64>"}``, streamed too, a third larger on the wire). *extra_headers* are added
        to every attempt (checked: no CR/LF, no credential or framing header).

        Returns None once Upflow accepted the file (204, or any other 2xx). Replacing a PDF is
        idempotent, so timeouts, 5xx and 429 answers are retried under the client's RetryPolicy.

        Raises ValidationError (bad id, missing, empty or non-PDF file, unknown encoding: nothing is
        sent), NotFoundError (no such invoice), AuthenticationError (wrong key or secret),
        RateLimitError, another APIError, or TransportError.
        """
        return await self._client._send(upload_pdf_call(invoice, pdf, encoding), extra_headers)

    async def plan(
        self,
        invoice: str | ExternalId,
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
            self._client, prepare("upflow", invoice, change, on_unsupported, extra), extra_headers
        )

    async def apply(
        self,
        invoice: str | ExternalId,
        change: InvoiceChange,
        *,
        on_unsupported: OnUnsupported = "raise",
        extra: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Applied[None]:
        """Apply a provider-independent :class:`~invoicekit.InvoiceChange` through ``invoices.upload_pdf``.

        A field Upflow cannot set (see ``invoicekit.capabilities()``) raises ValidationError naming every
        such field, before any request; ``on_unsupported="skip"`` applies the rest and lists the skipped
        fields in the result. *extra* passes native arguments of ``invoices.upload_pdf`` through
        (checked by it).
        Returns :class:`~invoicekit.Applied`, whose ``.result`` is what ``invoices.upload_pdf`` returns;
        raises what it raises.
        """
        prepared = prepare("upflow", invoice, change, on_unsupported, extra)
        return prepared.done(await self._client._send(prepared.call, extra_headers))


class InvoicesWithRawResponse:
    """``client.invoices.with_raw_response``: each operation returning a ``RawResponse``."""

    def __init__(self, invoices: Invoices) -> None:
        self.upload_pdf = raw_response(invoices.upload_pdf)


class AsyncInvoicesWithRawResponse:
    """``client.invoices.with_raw_response`` of :class:`AsyncUpflow`."""

    def __init__(self, invoices: AsyncInvoices) -> None:
        self.upload_pdf = async_raw_response(invoices.upload_pdf)


class Upflow(SyncClient):
    """Upflow's API (``https://api.upflow.io/v1``).

    Authenticates with two headers, ``X-API-KEY`` and ``X-API-SECRET``. *api_key* and *api_secret*
    default to the environment variables ``UPFLOW_API_KEY`` and ``UPFLOW_API_SECRET``; a missing one
    raises ValidationError naming the variable. ``sandbox=True`` talks to ``https://api.sandbox.upflow.io/v1``
    (sandbox keys are separate). Upflow allows 600 requests a minute and 10 in flight per account: share
    one client, and keep concurrent uploads at 5 or fewer for bulk work. Use it as a context manager, or
    call :meth:`close`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
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
            UPFLOW,
            _auth(api_key, api_secret),
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


class AsyncUpflow(AsyncClient):
    """Upflow's API (``https://api.upflow.io/v1``), for asyncio.

    Authenticates with two headers, ``X-API-KEY`` and ``X-API-SECRET``. *api_key* and *api_secret*
    default to the environment variables ``UPFLOW_API_KEY`` and ``UPFLOW_API_SECRET``; a missing one
    raises ValidationError naming the variable. ``sandbox=True`` talks to ``https://api.sandbox.upflow.io/v1``
    (sandbox keys are separate). Upflow allows 600 requests a minute and 10 in flight per account: share
    one client, and keep concurrent uploads at 5 or fewer for bulk work. Use it as an async context
    manager, or call :meth:`aclose`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
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
            UPFLOW,
            _auth(api_key, api_secret),
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
