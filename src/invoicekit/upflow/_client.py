"""Upflow's API: ``POST /invoices/{invoiceId}/pdf`` uploads or replaces an invoice's PDF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import httpx

from .._auth import HeaderAuth, credential
from .._call import Call, Json, Multipart, Safety
from .._checks import choice
from .._client import AsyncClient, Provider, SyncClient
from .._files import File, FileInput
from .._operations import HC, Async, Client, M, Raw, Resource, Sync, applies, operation, plans
from ._models import ExternalId, invoice_segment

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


def upload_pdf_call(
    invoice: str | ExternalId,
    pdf: FileInput,
    *,
    encoding: Encoding = "multipart",
    extra_headers: Mapping[str, str] | None = None,
) -> Call[None]:
    """Upload the invoice's PDF, or replace the one it has (``POST /invoices/{id}/pdf``).

    *invoice* is Upflow's invoice id (``str``) or ``ExternalId("ERP-42")``, the id the invoice has in your
    own system (a ``str`` starting with ``external:`` is read the same way). *pdf* is a ``File``, a path,
    ``bytes`` or a binary file object: a non-empty PDF. *encoding* is ``"multipart"`` (the default: one form
    part named ``file``) or ``"base64"`` (JSON ``{"data": "<base64>"}``, a third larger); both stream the
    file. *extra_headers* are added to every attempt (checked: no CR/LF, no credential or framing header).

    Returns None once Upflow accepted the file (204, or any other 2xx). Replacing a PDF is idempotent:
    timeouts, 5xx and 429 answers are retried under the client's RetryPolicy.

    Raises ValidationError (bad id, missing, empty or non-PDF file, unknown encoding: nothing is sent),
    NotFoundError (no such invoice), AuthenticationError (wrong key or secret), RateLimitError, another
    APIError, or TransportError.
    """
    if encoding not in ENCODINGS:  # what choice() tests, without its call in the usual case
        choice(encoding, "encoding", ENCODINGS)
    file = File.coerce(pdf, "pdf")
    multipart = encoding == "multipart"
    file.check("pdf", max_size=MAX_PDF_BYTES, sized=not multipart)
    return Call(
        "POST",
        "/invoices/{invoice}/pdf",
        parse=_none,
        ids={"invoice": invoice_segment(invoice)},
        body=Multipart(files=[("file", file, DEFAULT_FILENAME)]) if multipart else Json({"data": file}),
        safety=Safety.IDEMPOTENT,
        ignore_answer=True,
        extra_headers=extra_headers,
    )


def _none(data: Any) -> None:
    return None


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
        key = credential(api_key, param="api_key", env="UPFLOW_API_KEY")
        secret = credential(api_secret, param="api_secret", env="UPFLOW_API_SECRET")
        super().__init__(UPFLOW, HeaderAuth({"X-API-KEY": key, "X-API-SECRET": secret}), **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Upflow(SyncClient, _Upflow[Sync, httpx.Client]): ...


class AsyncUpflow(AsyncClient, _Upflow[Async, httpx.AsyncClient]): ...
