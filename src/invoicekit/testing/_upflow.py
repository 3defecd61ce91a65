"""``FakeUpflow``: Upflow's invoice-PDF endpoint, in memory."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from .._record import names_for_hints
from ._fake import FakeProvider

if TYPE_CHECKING:
    from ..upflow import AsyncUpflow, ExternalId, Upflow

__all__ = ["FakeUpflow", "UpflowInvoice"]

#: The credentials a fresh fake accepts.
TEST_API_KEY = "upflow-test-key"
TEST_API_SECRET = "upflow-test-secret"
#: How Upflow's docs address an invoice by the id it has in your system: ``external:<id>`` [DOC]. The
#: fake's own copy, not the client's.
EXTERNAL_PREFIX = "external:"
_PARAM = re.compile(r'\b(name|filename)="([^"]*)"')


@attrs.define
class UpflowInvoice:
    """One invoice the fake knows: its ids, and the PDF last uploaded (None until one is)."""

    id: str
    external_id: str | None = None
    pdf: bytes | None = None
    #: How the last PDF came: ``"multipart"`` or ``"base64"``.
    encoding: str | None = None
    #: The multipart filename of the last PDF (None for base64).
    filename: str | None = None
    #: The multipart content type of the last PDF (None for base64).
    content_type: str | None = None
    #: How many uploads were accepted (a replace counts too).
    uploads: int = 0


class FakeUpflow(FakeProvider):
    """Upflow in memory: ``POST /v1/invoices/{id}/pdf`` by Upflow id or ``external:<id>``.

    Seed invoices with :meth:`add_invoice`; read what was uploaded from :attr:`pdfs` (keyed by Upflow id,
    ``ExternalId`` or ``"external:<id>"``) or :attr:`invoices`. Answers as Upflow does: 204 on success,
    401 on a wrong ``X-API-KEY``/``X-API-SECRET``, 404 for an unknown invoice, 400 for a body that is
    neither a multipart ``file`` part nor JSON ``{"data": "<base64>"}``. Errors are ``{"message": ...}``.
    """

    prefix = "/v1"

    def __init__(self, api_key: str = TEST_API_KEY, api_secret: str = TEST_API_SECRET) -> None:
        super().__init__()
        self.api_key = api_key
        self.api_secret = api_secret
        #: Every invoice, by Upflow id.
        self.invoices: dict[str, UpflowInvoice] = {}
        self.route("POST", r"/invoices/(?P<invoice>[^/]+)/pdf", self._upload_pdf)

    def seed_demo(self) -> str:
        """The demo invoices of ``python -m invoicekit.testing``."""
        self.add_invoice("inv_demo_1", external_id="ERP-42")
        self.add_invoice("inv_demo_2", external_id="ERP-43")
        return "invoices inv_demo_1 (external ERP-42), inv_demo_2 (external ERP-43)"

    def add_invoice(self, id: str, external_id: str | None = None) -> UpflowInvoice:
        """Seed an invoice with Upflow id *id* and, optionally, the *external_id* of your system."""
        invoice = UpflowInvoice(id, external_id)
        self.invoices[id] = invoice
        return invoice

    def find(self, ref: str | ExternalId) -> UpflowInvoice | None:
        """The invoice an Upflow id, an ``ExternalId`` or an ``"external:<id>"`` string names, if any."""
        key = str(ref)
        if key.startswith(EXTERNAL_PREFIX):
            external = key[len(EXTERNAL_PREFIX) :]
            return next((i for i in self.invoices.values() if i.external_id == external), None)
        return self.invoices.get(key)

    @property
    def pdfs(self) -> Mapping[str | ExternalId, bytes]:
        """The uploaded PDFs, by Upflow id, ``ExternalId`` or ``"external:<id>"`` (iterates Upflow ids)."""
        return _Pdfs(self)

    def client(self, **options: Any) -> Upflow:
        """An :class:`invoicekit.Upflow` that talks to this fake, with its credentials unless *options*
        (constructor arguments) say otherwise.
        """
        from ..upflow import Upflow  # late: the fake states its own rules and loads no client to do so

        return Upflow(
            **self.client_kwargs(
                {"api_key": self.api_key, "api_secret": self.api_secret}, options, asynchronous=False
            )
        )

    def async_client(self, **options: Any) -> AsyncUpflow:
        """An :class:`invoicekit.AsyncUpflow` that talks to this fake, like :meth:`client`."""
        from ..upflow import AsyncUpflow

        return AsyncUpflow(
            **self.client_kwargs(
                {"api_key": self.api_key, "api_secret": self.api_secret}, options, asynchronous=True
            )
        )

    # -- the endpoint --------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        key, secret = request.headers.get("x-api-key"), request.headers.get("x-api-secret")
        if key != self.api_key or secret != self.api_secret:
            return self.json(401, {"message": "Invalid API key or secret"})
        return None

    def _upload_pdf(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        invoice = self.find(params["invoice"])
        if invoice is None:
            return self.json(404, {"message": f"Invoice {params['invoice']} not found"})
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            part = _file_part(request)
            if part is None:
                return self.json(400, {"message": 'multipart body needs one non-empty part named "file"'})
            invoice.pdf, invoice.filename, invoice.content_type = part
            invoice.encoding = "multipart"
        elif kind == "application/json":
            pdf = _base64_data(request.content)
            if pdf is None:
                return self.json(400, {"message": 'JSON body must be {"data": "<non-empty base64 PDF>"}'})
            invoice.pdf, invoice.filename, invoice.content_type = pdf, None, None
            invoice.encoding = "base64"
        else:
            return self.json(400, {"message": "Content-Type must be multipart/form-data or application/json"})
        invoice.uploads += 1
        return httpx.Response(204)


class _Pdfs(Mapping["str | ExternalId", bytes]):
    def __init__(self, fake: FakeUpflow) -> None:
        self._fake = fake

    def __getitem__(self, ref: str | ExternalId) -> bytes:
        invoice = self._fake.find(ref)
        if invoice is None or invoice.pdf is None:
            raise KeyError(ref)
        return invoice.pdf

    def __iter__(self) -> Iterator[str | ExternalId]:
        return (i.id for i in self._fake.invoices.values() if i.pdf is not None)

    def __len__(self) -> int:
        return sum(1 for i in self._fake.invoices.values() if i.pdf is not None)


def _file_part(request: httpx.Request) -> tuple[bytes, str | None, str | None] | None:
    """The content, filename and content type of the one part named ``file``; None when malformed."""
    match = re.search(r'boundary="?([^";]+)"?', request.headers.get("content-type", ""))
    if match is None:
        return None
    pieces = (b"\r\n" + request.content).split(b"\r\n--" + match[1].encode())
    if len(pieces) < 3 or pieces[0] or not pieces[-1].startswith(b"--"):
        return None
    found: list[tuple[bytes, str | None, str | None]] = []
    for piece in pieces[1:-1]:
        head, sep, content = piece.partition(b"\r\n\r\n")
        if not sep or not head.startswith(b"\r\n"):
            return None
        headers = dict(_header(line) for line in head[2:].decode("utf-8", "replace").split("\r\n"))
        params = dict(_PARAM.findall(headers.get("content-disposition", "")))
        if params.get("name") == "file":
            found.append((content, params.get("filename"), headers.get("content-type")))
    if len(found) != 1 or not found[0][0]:
        return None
    return found[0]


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


def _base64_data(raw: bytes) -> bytes | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"data"} or not isinstance(data["data"], str):
        return None
    try:
        pdf = base64.b64decode(data["data"], validate=True)
    except (binascii.Error, ValueError):
        return None
    return pdf or None


# typing.get_type_hints of the fake's methods: the client classes they name, loaded when read
names_for_hints(FakeUpflow, {"invoicekit.upflow": ("Upflow", "AsyncUpflow", "ExternalId")})
