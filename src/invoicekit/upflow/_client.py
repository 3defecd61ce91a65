"""Upflow's API: ``POST /invoices/{invoiceId}/pdf`` uploads or replaces an invoice's PDF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import httpx

from .._auth import HeaderAuth, credential
from .._call import Call, Json, Multipart, Safety
from .._checks import choice, text
from .._client import AsyncClient, Provider, SyncClient
from .._errors import ValidationError
from .._files import File, FileInput
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from ._models import EXTERNAL_PREFIX, ExternalId

if TYPE_CHECKING:
    from .._operations import Options, Unpack

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


def upload_pdf_call(
    invoice: str | ExternalId,
    pdf: FileInput,
    *,
    encoding: Encoding = "multipart",
    extra_headers: Mapping[str, str] | None = None,
) -> Call[None]:
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
        extra_headers=extra_headers,
    )


def _none(data: Any) -> None:
    return None


def _auth(api_key: str | None, api_secret: str | None) -> HeaderAuth:
    key = credential(api_key, param="api_key", env="UPFLOW_API_KEY")
    secret = credential(api_secret, param="api_secret", env="UPFLOW_API_SECRET")
    return HeaderAuth({"X-API-KEY": key, "X-API-SECRET": secret})


class _Invoices(Resource[M]):
    """Invoice operations, as ``client.invoices``."""

    upload_pdf = operation(upload_pdf_call)
    apply = applies(upload_pdf_call)
    plan = plans(upload_pdf_call)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


class _Upflow(Client[M, HC]):
    """Upflow's API (``https://api.upflow.io/v1``).

    Authenticates with two headers, ``X-API-KEY`` and ``X-API-SECRET``. *api_key* and *api_secret*
    default to the environment variables ``UPFLOW_API_KEY`` and ``UPFLOW_API_SECRET``; a missing one
    raises ValidationError naming the variable. ``sandbox=True`` talks to ``https://api.sandbox.upflow.io/v1``
    (sandbox keys are separate). Upflow allows 600 requests a minute and 10 in flight per account: share
    one client, and keep concurrent uploads at 5 or fewer for bulk work. Use it as a context manager
    (``async with`` for :class:`AsyncUpflow`), or call ``close()`` (``aclose()``).
    """

    def __init__(
        self, api_key: str | None = None, api_secret: str | None = None, **options: Unpack[Options[HC]]
    ) -> None:
        super().__init__(UPFLOW, _auth(api_key, api_secret), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Upflow(SyncClient, _Upflow[Sync, httpx.Client]): ...


class AsyncUpflow(AsyncClient, _Upflow[Async, httpx.AsyncClient]): ...
