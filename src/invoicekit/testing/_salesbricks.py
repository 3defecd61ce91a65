"""``FakeSalesbricks``: an in-memory Salesbricks that speaks ``PATCH /api/v2/invoices/{id}`` multipart.

It reads the body with a real multipart parser (the standard library's ``email`` package) and applies
the documented semantics: an absent field is no change, ``""`` clears ``company_name`` and
``invoice_memo``, ``purchase_order={}`` (or an empty code) clears the PO, ``accounts_payable_emails=[]``
clears the emails, ``pdf_attachments_config`` is the complete ordered list (what it leaves out is
deleted), and ``pdf_attachments`` alone replaces the invoice-level attachments. It keeps idempotency
keys like Salesbricks (the first answer is stored and replayed, failures and 5xx answers that reached
it included; the same key with another body is a 400) and counts how often each invoice was sent to the
customer.
"""

from __future__ import annotations

import collections
import datetime as dt
import email
import email.policy
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from .._record import names_for_hints
from ._fake import FakeProvider

if TYPE_CHECKING:
    from ..salesbricks import AsyncSalesbricks, Salesbricks

__all__ = ["FakeSalesbricks", "Part", "SalesbricksAttachment", "SalesbricksInvoice", "parse_multipart"]

#: The key a fresh fake accepts in the ``X-SALESBRICKS-KEY`` header.
TEST_API_KEY = "sb_test_4f1c0e9a7b"

_KEY_HEADER = "X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"true", "True", "TRUE", "1", "on", "yes"}
_FALSE = {"false", "False", "FALSE", "0", "off", "no"}
_LIMITS = {"company_name": 255, "invoice_memo": 2000, "reason_for_updating": 500, "tax_id": 255}
_PROPAGATED = ("billing_address", "company_name", "accounts_payable_emails", "tax_id")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@attrs.frozen
class Part:
    """One part of a multipart body: its field *name*, *filename* (None for a text field), bytes."""

    name: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def text(self) -> str:
        """The part decoded as UTF-8."""
        return self.data.decode("utf-8")


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """Parse a ``multipart/form-data`` body into its parts, in order. ValueError if it is not one."""
    if not content_type.lower().startswith("multipart/form-data") or "boundary=" not in content_type:
        raise ValueError(f"not multipart/form-data: {content_type!r}")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.message_from_bytes(head + body, policy=email.policy.HTTP)
    if message.defects or not message.is_multipart():
        raise ValueError(f"malformed multipart body: {message.defects}")
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError("a part without a name")
        data = part.get_payload(decode=True)
        parts.append(Part(name, part.get_filename(), part.get_content_type(), bytes(data or b"")))
    return parts


@attrs.define
class SalesbricksAttachment:
    """An attachment stored on a fake invoice (or on its subscription, with ``target="subscription"``)."""

    file_name: str
    target: str = "invoice"
    attachment_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    created_at: dt.datetime = attrs.field(factory=_now)
    content: bytes = b"%PDF-1.4\n% invoicekit fake attachment\n"

    def wire(self) -> dict[str, Any]:
        """The attachment as Salesbricks lists it in an answer."""
        created = self.created_at.isoformat().replace("+00:00", "Z")
        return {
            "attachment_id": self.attachment_id,
            "target": self.target,
            "file_name": self.file_name,
            "created_at": created,
        }


@attrs.define
class SalesbricksInvoice:
    """A fake invoice. *subscription* holds what reached the subscription (so future invoices);
    *times_sent* counts ``send_invoice=true`` updates; *reasons* the audit trail; *updates* the PATCHes
    applied (replays of an idempotency key do not count).
    """

    invoice_id: str
    due_at: dt.date | None = None
    purchase_order: str | None = None
    billing_address: dict[str, Any] | None = None
    company_name: str = ""
    accounts_payable_emails: list[str] = attrs.field(factory=list)
    invoice_memo: str = ""
    line_item_overrides: dict[str, str] = attrs.field(factory=dict)
    show_brick_descriptions: bool = True
    tax_id: str = ""
    attachments: list[SalesbricksAttachment] = attrs.field(factory=list)
    subscription: dict[str, Any] = attrs.field(factory=dict)
    times_sent: int = 0
    reasons: list[str] = attrs.field(factory=list)
    updates: int = 0


#: The id of the demo invoice ``python -m invoicekit.testing`` serves.
DEMO_INVOICE = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


class FakeSalesbricks(FakeProvider):
    """A stateful Salesbricks. Seed with :meth:`add_invoice`, inspect :attr:`invoices`, and get a wired
    client from :meth:`client` / :meth:`async_client`.
    """

    prefix = "/api/v2"

    def __init__(self, api_key: str = TEST_API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        #: Every invoice the fake holds, by id.
        self.invoices: dict[str, SalesbricksInvoice] = {}
        #: idempotency key -> (request fingerprint, status, answer)
        self.idempotency: dict[str, tuple[str, int, Any]] = {}
        self.replays: int = 0
        self._crashes: collections.deque[tuple[int, Any]] = collections.deque()
        self.route("PATCH", r"/invoices/(?P<invoice_id>[^/]+)", self._patch)

    # -- seeding and clients ---------------------------------------------------------------------------

    def seed_demo(self) -> str:
        """The demo invoice of ``python -m invoicekit.testing``."""
        self.add_invoice(DEMO_INVOICE, attachments=["terms.pdf"], company_name="Acme SAS")
        return f"invoice {DEMO_INVOICE}"

    def add_invoice(
        self,
        invoice_id: str | None = None,
        *,
        attachments: Sequence[SalesbricksAttachment | str] = (),
        **fields: Any,
    ) -> SalesbricksInvoice:
        """Create an invoice (a random UUID unless *invoice_id*); *attachments* are SalesbricksAttachments or
        invoice-level file names; *fields* are :class:`SalesbricksInvoice` fields (``company_name=...``).
        """
        items = [a if isinstance(a, SalesbricksAttachment) else SalesbricksAttachment(a) for a in attachments]
        invoice = SalesbricksInvoice(invoice_id or str(uuid.uuid4()), attachments=items, **fields)
        with self._lock:
            self.invoices[invoice.invoice_id] = invoice
        return invoice

    def client(self, **options: Any) -> Salesbricks:
        """An :class:`invoicekit.Salesbricks` that talks to this fake."""
        from ..salesbricks import Salesbricks  # late: the fake must not load every client

        return Salesbricks(**self.client_kwargs({"api_key": self.api_key}, options, asynchronous=False))

    def async_client(self, **options: Any) -> AsyncSalesbricks:
        """An :class:`invoicekit.AsyncSalesbricks` that talks to this fake."""
        from ..salesbricks import AsyncSalesbricks  # late: the fake must not load every client

        return AsyncSalesbricks(**self.client_kwargs({"api_key": self.api_key}, options, asynchronous=True))

    def crash_next(self, status: int = 500, *, body: Any = None, times: int = 1) -> None:
        """Let Salesbricks itself fail the next *times* PATCHes it processes, answering *status* (a 5xx).

        Unlike :meth:`fail_next` (an answer from in front of Salesbricks, which never reached it), this
        failure reached Salesbricks: it is stored under the request's idempotency key like any answer
        ("including 500s that reached their servers" [DOC]) and replayed to a retry under that key. A
        request whose key is already stored is replayed instead, as Salesbricks does.
        """
        if not 500 <= status < 600:
            raise ValueError(f"crash_next answers a 5xx, not {status}")
        answer = body if body is not None else {"detail": "A server error occurred."}
        with self._lock:
            self._crashes.extend([(status, answer)] * times)

    # -- the endpoint ----------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        given = request.headers.get("X-SALESBRICKS-KEY")
        if given is None:
            return self.json(401, {"detail": "Authentication credentials were not provided."})
        if given != self.api_key:
            return self.json(401, {"detail": "Invalid API key."})
        return None

    def _patch(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        try:
            parts = parse_multipart(request.headers.get("content-type", ""), request.content)
        except ValueError:
            ctype = request.headers.get("content-type", "")
            return self.json(415, {"detail": f'Unsupported media type "{ctype}" in request.'})
        key = request.headers.get(_KEY_HEADER)
        if key is not None and not 0 < len(key) <= 255:
            return self.json(400, {"detail": "Idempotency key must be 1 to 255 characters."})
        fingerprint = _fingerprint(request, parts)
        if key is not None and key in self.idempotency:
            stored, status, answer = self.idempotency[key]
            if stored != fingerprint:
                return self.json(
                    400, {"detail": "Idempotency key was used with a different request payload."}
                )
            self.replays += 1
            return self.json(status, answer)
        if self._crashes:
            status, answer = self._crashes.popleft()
        else:
            status, answer = self._update(params["invoice_id"], parts)
        if key is not None:
            self.idempotency[key] = (fingerprint, status, answer)
        return self.json(status, answer)

    def _update(self, invoice_id: str, parts: list[Part]) -> tuple[int, Any]:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            return 404, {"detail": "Not found."}
        form = _Form(parts, invoice)
        changes = form.read()
        if form.errors:
            return 400, form.errors
        _apply(invoice, changes)
        return 200, {
            "invoice_id": invoice.invoice_id,
            "signed_pdf_url": f"https://files.salesbricks.invalid/invoices/{invoice.invoice_id}.pdf"
            f"?signature={uuid.uuid4().hex}&expires=3600",
            "attachments": [a.wire() for a in invoice.attachments],
        }


def _fingerprint(request: httpx.Request, parts: list[Part]) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}".encode())
    for part in parts:  # the content, not the bytes: another boundary is the same payload
        digest.update(json.dumps([part.name, part.filename, hashlib.sha256(part.data).hexdigest()]).encode())
    return digest.hexdigest()


class _Form:
    """Reads a PATCH body as Salesbricks' serializer would, collecting DRF-style errors."""

    def __init__(self, parts: list[Part], invoice: SalesbricksInvoice) -> None:
        self.values: dict[str, list[str]] = {}
        for part in parts:
            if part.filename is None:
                self.values.setdefault(part.name, []).append(part.text)
        self.files = [p for p in parts if p.filename is not None and p.name == "pdf_attachments"]
        self.invoice = invoice
        self.errors: dict[str, Any] = {}

    def fail(self, field: str, message: Any) -> None:
        self.errors[field] = message if isinstance(message, dict) else [message]

    def get(self, field: str) -> str | None:
        values = self.values.get(field)
        return values[-1] if values else None  # a QueryDict's get() reads the last value

    def read(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for field in ("company_name", "invoice_memo", "tax_id", "reason_for_updating"):
            value = self.get(field)
            if value is not None and len(value) > _LIMITS[field]:
                self.fail(field, f"Ensure this field has no more than {_LIMITS[field]} characters.")
            elif value is not None:
                changes[field] = value
        for field in ("send_invoice", "persist_memo", "persist_purchase_order", "show_brick_descriptions"):
            self._boolean(field, changes)
        self._due_at(changes)
        self._json_fields(changes)
        self._emails(changes)
        self._attachments(changes)
        return changes

    def _boolean(self, field: str, changes: dict[str, Any]) -> None:
        value = self.get(field)
        if value in _TRUE or value in _FALSE:
            changes[field] = value in _TRUE
        elif value is not None:
            self.fail(field, "Must be a valid boolean.")

    def _due_at(self, changes: dict[str, Any]) -> None:
        value = self.get("due_at")
        if not value:  # "" is null for a nullable DateField: no change
            return
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            changes["due_at"] = dt.date.fromisoformat(value)
        except ValueError:
            self.fail("due_at", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")

    def _json(self, field: str, kind: type) -> Any:
        value = self.get(field)
        if value is None:
            return None
        try:
            data = json.loads(value)
        except ValueError:
            self.fail(field, "Value must be valid JSON.")
            return None
        if not isinstance(data, kind):
            self.fail(field, f"Expected a JSON {'object' if kind is dict else 'array'}.")
            return None
        return data

    def _json_fields(self, changes: dict[str, Any]) -> None:
        po = self._json("purchase_order", dict)
        if po is not None:
            code = po.get("code", "")
            if not isinstance(code, str):
                self.fail("purchase_order", {"code": ["Not a valid string."]})
            changes["purchase_order"] = code or None
        address = self._json("billing_address", dict)
        if address is not None:
            changes["billing_address"] = address
        overrides = self._json("line_item_overrides", list)
        if overrides is not None:
            bad = [
                i
                for i, o in enumerate(overrides)
                if not isinstance(o, dict) or set(o) != {"line_item_id", "description"}
            ]
            if bad:
                self.fail(
                    "line_item_overrides", {str(i): ["Expected line_item_id and description."] for i in bad}
                )
            else:
                changes["line_item_overrides"] = {o["line_item_id"]: o["description"] for o in overrides}

    def _emails(self, changes: dict[str, Any]) -> None:
        values = self.values.get("accounts_payable_emails")
        if values is None:
            return
        if values == ["[]"]:
            changes["accounts_payable_emails"] = []
            return
        bad = {str(i): ["Enter a valid email address."] for i, v in enumerate(values) if not _EMAIL.match(v)}
        if bad:
            self.fail("accounts_payable_emails", bad)
        else:
            changes["accounts_payable_emails"] = values

    def _attachments(self, changes: dict[str, Any]) -> None:
        for index, file in enumerate(self.files):
            if not file.data.startswith(b"%PDF-"):
                self.fail("pdf_attachments", f"File {index} ({file.filename}) is not a PDF.")
                return
        config = self._json("pdf_attachments_config", list)
        if config is not None:
            self._configured(config, changes)
        elif self.files and "pdf_attachments_config" not in self.values:
            kept = [a for a in self.invoice.attachments if a.target == "subscription"]
            changes["attachments"] = kept + [self._new(f, "invoice") for f in self.files]

    def _configured(self, config: list[Any], changes: dict[str, Any]) -> None:
        existing = {a.attachment_id: a for a in self.invoice.attachments}
        result: list[SalesbricksAttachment] = []
        errors: dict[str, Any] = {}
        used: set[int] = set()
        for i, item in enumerate(config):
            problem = _config_problem(item, existing, len(self.files), used)
            if problem:
                errors[str(i)] = [problem]
            elif "attachment_id" in item:
                result.append(attrs.evolve(existing[item["attachment_id"]], target=item["target"]))
            else:
                used.add(item["new_file_index"])
                result.append(self._new(self.files[item["new_file_index"]], item["target"]))
        unused = sorted(set(range(len(self.files))) - used)
        if errors or unused:
            self.fail("pdf_attachments_config", errors or f"Files {unused} are not referenced.")
        else:
            changes["attachments"] = result

    @staticmethod
    def _new(file: Part, target: str) -> SalesbricksAttachment:
        return SalesbricksAttachment(file.filename or "attachment.pdf", target=target, content=file.data)


def _config_problem(
    item: Any, existing: dict[str, SalesbricksAttachment], files: int, used: set[int]
) -> str | None:
    if not isinstance(item, dict) or item.get("target") not in {"invoice", "subscription"}:
        return 'Each item needs a "target": "invoice" or "subscription".'
    if ("attachment_id" in item) == ("new_file_index" in item):
        return "Give exactly one of attachment_id and new_file_index."
    if "attachment_id" in item and item["attachment_id"] not in existing:
        return f"Attachment {item['attachment_id']} does not belong to this invoice."
    index = item.get("new_file_index")
    if "new_file_index" in item and (not isinstance(index, int) or not 0 <= index < files or index in used):
        return f"new_file_index {index!r} does not name an uploaded file (or names one twice)."
    return None


def _apply(invoice: SalesbricksInvoice, changes: dict[str, Any]) -> None:
    reason = changes.pop("reason_for_updating", None)
    if reason is not None:
        invoice.reasons.append(reason)
    send = changes.pop("send_invoice", False)
    persist_memo = changes.pop("persist_memo", False)
    persist_po = changes.pop("persist_purchase_order", False)
    overrides = changes.pop("line_item_overrides", None)
    if overrides is not None:
        invoice.line_item_overrides.update(overrides)
    for field, value in changes.items():
        setattr(invoice, field, value)
        if field in _PROPAGATED:
            invoice.subscription[field] = value
    if persist_memo:
        invoice.subscription["invoice_memo"] = invoice.invoice_memo
    if persist_po:
        invoice.subscription["purchase_order"] = invoice.purchase_order
    invoice.updates += 1
    if send:
        invoice.times_sent += 1


# typing.get_type_hints of the fake's methods: the client classes they name, loaded when read
names_for_hints(FakeSalesbricks, {"invoicekit.salesbricks": ("Salesbricks", "AsyncSalesbricks")})
