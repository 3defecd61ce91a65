"""``FakeInvoro``: Invoro's Update Draft Invoice endpoint, in memory."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from .._convert import iso_datetime
from .._record import names_for_hints
from ._fake import FakeProvider

if TYPE_CHECKING:
    from ..invoro import AsyncInvoro, Invoro

__all__ = ["FakeInvoro", "InvoroInvoice"]

#: The key a fresh fake accepts (Invoro keys are 64 characters; test keys start ``ak_test_``).
TEST_API_KEY = "ak_test_" + "0123456789abcdef" * 3 + "01234567"
#: The company every seeded invoice belongs to.
COMPANY_ID = "5b0c1f4e-2d3a-4c5b-8e9f-0a1b2c3d4e5f"
_MONEY_KEYS = {"items": ("price", "line_total"), "totals": ("line_total", "tax_exclusive", "tax_inclusive")}
_INVOICE_PROFILES = {"invoice", "ublbe_invoice", "nlcius_invoice", "xrechnung_ubl_invoice"}
_CREDIT_PROFILES = {"credit_note", "ublbe_credit_note", "nlcius_credit_note", "xrechnung_ubl_credit_note"}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@attrs.define
class InvoroInvoice:
    """One invoice the fake knows. :attr:`document` is the last draft body stored (decoded JSON, money in
    integer cents, quantities as Decimal), without ``calculate_totals``.
    """

    id: str
    state: str = "draft"
    direction: str = "outgoing"
    currency: str | None = "EUR"
    network: str | None = "peppol"
    business_entity_id: str | None = None
    company_id: str = COMPANY_ID
    user_id: str | None = None
    document: dict[str, Any] = attrs.field(factory=dict)
    total_cents: int = 0
    metadata: dict[str, Any] = attrs.field(factory=dict)
    created_at: str = attrs.field(factory=_now)
    updated_at: str = attrs.field(factory=_now)
    #: How many updates were accepted.
    updates: int = 0
    #: The ``calculate_totals`` value of the last accepted update (None when not sent).
    calculated: bool | None = None

    def wire(self) -> dict[str, Any]:
        """The invoice object as the fake answers it (names as ``invoro.RESPONSE_KEYS`` reads first)."""
        return {
            "id": self.id,
            "company_id": self.company_id,
            "user_id": self.user_id,
            "status": self.state,
            "direction": self.direction,
            "total": self.total_cents,
            "currency": self.currency,
            "ubl_version": "2.1",
            "invoice_data": self.document,
            "metadata": self.metadata,
            "network": self.network,
            "business_entity_id": self.business_entity_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "deleted_at": None,
        }


#: The ids of the demo invoices ``python -m invoicekit.testing`` serves: a draft, and one already sent.
DEMO_DRAFT = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
DEMO_SENT = "0c2b7c1e-8f1d-4a55-9d62-5e3c4b2a1f00"


class FakeInvoro(FakeProvider):
    """Invoro in memory: ``PUT /invoice-api/invoices/{id}`` replaces a draft.

    Seed invoices with :meth:`add_invoice`; read them from :attr:`invoices`. Answers as Invoro does, in its
    envelope ``{success, data, message, errors}``: 200 with the invoice; 401 on a key missing from the
    configured header (*auth_scheme* ``"bearer"``: ``Authorization: Bearer <key>``; ``"x-api-key"``:
    ``X-Api-Key``); 403 without the ``invoice:create`` scope (see :attr:`scopes`); 404 for an unknown id;
    422 "Invoice is not in draft state." for any other state; 422 with ``errors`` (Laravel-style dotted
    keys) for money that is not integer cents, a bad currency, a profile / type code mismatch, bad
    base64, or line totals that do not add up when ``calculate_totals`` is not true. With
    ``calculate_totals: true`` it computes every line's ``line_total`` (quantity x price / base_quantity,
    half-up to the cent, minus allowances, plus charges), ``totals.line_total`` and
    ``totals.tax_exclusive`` (VAT is not modelled: ``tax_inclusive`` stays as sent, else equals
    ``tax_exclusive``). The invoice's ``total`` is ``totals.tax_inclusive``, else ``totals.line_total``.
    Over :meth:`rate_limit` it answers 429 with ``Retry-After`` and ``X-RateLimit-*`` headers.
    """

    prefix = "/invoice-api"

    def __init__(self, api_key: str = TEST_API_KEY, *, auth_scheme: str = "bearer") -> None:
        super().__init__()
        self.api_key = api_key
        self.auth_scheme = auth_scheme
        #: The scopes the key has; remove ``invoice:create`` to get Invoro's 403.
        self.scopes: set[str] = {"invoice:create", "invoice:read", "invoice:send", "invoice:delete"}
        #: Every invoice, by id.
        self.invoices: dict[str, InvoroInvoice] = {}
        self.route("PUT", r"/invoices/(?P<id>[^/]+)", self._update_draft)

    def seed_demo(self) -> str:
        """The demo invoices of ``python -m invoicekit.testing``."""
        self.add_invoice(DEMO_DRAFT)
        self.add_invoice(DEMO_SENT, state="sent")  # not a draft: updates are refused
        scheme = "Authorization: Bearer" if self.auth_scheme == "bearer" else "X-Api-Key"
        return f"draft {DEMO_DRAFT}; {DEMO_SENT} is sent (refused); key as {scheme}"

    def add_invoice(self, id: str | None = None, state: str = "draft", **fields: Any) -> InvoroInvoice:
        """Seed an invoice (a new UUID when *id* is None) in *state*; *fields* set :class:`InvoroInvoice`
        attributes (``currency``, ``direction``, ``network``, ``document``, ``total_cents``, ...).
        """
        invoice = InvoroInvoice(str(uuid.UUID(id)) if id is not None else str(uuid.uuid4()), state, **fields)
        self.invoices[invoice.id] = invoice
        return invoice

    def attachment(self, invoice_id: str, index: int = 0) -> bytes:
        """The decoded content of the stored draft's attachment number *index*."""
        content = self.invoices[invoice_id].document["attachments"][index]["content"]
        return base64.b64decode(content)

    def client(self, **options: Any) -> Invoro:
        """An :class:`invoicekit.Invoro` that talks to this fake (*options* go to its constructor)."""
        from ..invoro import Invoro  # late: the fake states its own rules

        return Invoro(
            **self.client_kwargs(
                {"api_key": self.api_key, "auth_scheme": self.auth_scheme}, options, asynchronous=False
            )
        )

    def async_client(self, **options: Any) -> AsyncInvoro:
        """An :class:`invoicekit.AsyncInvoro` that talks to this fake."""
        from ..invoro import AsyncInvoro

        return AsyncInvoro(
            **self.client_kwargs(
                {"api_key": self.api_key, "auth_scheme": self.auth_scheme}, options, asynchronous=True
            )
        )

    # -- the endpoint --------------------------------------------------------------------------------

    @classmethod
    def envelope(
        cls,
        status: int,
        message: str,
        data: Any = None,
        errors: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """An answer in Invoro's envelope."""
        body = {"success": status < 300, "data": _plain(data), "message": message, "errors": errors}
        return cls.json(status, body, headers)

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        if self.auth_scheme == "bearer":
            ok = request.headers.get("authorization") == f"Bearer {self.api_key}"
        else:
            ok = request.headers.get("x-api-key") == self.api_key
        return None if ok else self.envelope(401, "Unauthenticated.")

    def _update_draft(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        if "invoice:create" not in self.scopes:
            return self.envelope(403, "This API key lacks the required scope: invoice:create.")
        invoice = self.invoices.get(_uuid(params["id"]) or "")
        if invoice is None:
            return self.envelope(404, "Invoice not found.")
        if invoice.state != "draft":
            return self.envelope(422, "Invoice is not in draft state.")
        try:
            body = json.loads(request.content, parse_float=Decimal)
        except ValueError:
            return self.envelope(422, "The given data was invalid.", errors={"body": ["Malformed JSON."]})
        if not isinstance(body, dict):
            return self.envelope(422, "The given data was invalid.", errors={"body": ["Must be an object."]})
        calculate = body.pop("calculate_totals", None)
        errors = _errors(body, calculate)
        if errors:
            return self.envelope(422, "The given data was invalid.", errors=errors)
        if calculate is True:
            _compute_totals(body)
        header, totals = body.get("header") or {}, body.get("totals") or {}
        invoice.document = body
        invoice.currency = header.get("currency", invoice.currency)
        invoice.business_entity_id = body.get("business_entity_id", invoice.business_entity_id)
        invoice.total_cents = next(
            (totals[k] for k in ("tax_inclusive", "line_total") if totals.get(k) is not None), 0
        )
        invoice.calculated = calculate
        invoice.updated_at = _now()
        invoice.updates += 1
        return self.envelope(200, "Invoice updated successfully.", invoice.wire())

    def _over_limit(self) -> httpx.Response | None:
        refused = super()._over_limit()
        if refused is None or self._limit is None:
            return refused
        wait = refused.headers["Retry-After"]
        reset = int(time.time() + math.ceil(float(wait)))
        headers = {
            "Retry-After": wait,
            "X-RateLimit-Limit": str(self._limit[0]),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        }
        return self.envelope(429, "Too Many Attempts.", headers=headers)


# -- what Invoro checks ------------------------------------------------------------------------------


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _errors(body: dict[str, Any], calculate: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if calculate is not None and not isinstance(calculate, bool):
        add("calculate_totals", "The calculate totals field must be true or false.")
    header = body.get("header") or {}
    for key in ("currency", "vat_currency"):
        value = header.get(key)
        if value is not None and (not isinstance(value, str) or len(value) != 3):
            add(f"header.{key}", f"The header.{key} field must be 3 characters.")
    for key in ("issue_date", "due_date", "tax_point_date"):
        if header.get(key) is not None and not _is_timestamp(header[key]):
            add(f"header.{key}", f"The header.{key} field must be a valid date.")
    profile, code = header.get("document_type"), header.get("invoice_type_code")
    if code is not None and (
        (profile in _INVOICE_PROFILES and code != "380") or (profile in _CREDIT_PROFILES and code != "381")
    ):
        add("header.document_type", "The document type does not match the invoice type code.")
    for where, value in _money_values(body):
        if isinstance(value, bool) or not isinstance(value, int):
            add(where, f"The {where} field must be an integer.")
    for i, attachment in enumerate(body.get("attachments") or []):
        try:
            base64.b64decode(attachment.get("content", ""), validate=True)
        except (binascii.Error, ValueError, AttributeError):
            add(f"attachments.{i}.content", "The content must be base64 encoded.")
    if not errors and calculate is not True:
        _check_arithmetic(body, add)
    return errors


def _is_timestamp(value: Any) -> bool:
    try:
        iso_datetime(str(value))
    except ValueError:
        return False
    return "T" in str(value)


def _money_values(body: dict[str, Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    header = body.get("header") or {}
    if header.get("rounding_amount") is not None:
        found.append(("header.rounding_amount", header["rounding_amount"]))
    for i, item in enumerate(body.get("items") or []):
        found += [(f"items.{i}.{k}", item[k]) for k in _MONEY_KEYS["items"] if item.get(k) is not None]
        for kind in ("allowances", "charges"):
            found += [
                (f"items.{i}.{kind}.{j}.amount", p.get("amount")) for j, p in enumerate(item.get(kind) or [])
            ]
    totals = body.get("totals") or {}
    found += [(f"totals.{k}", totals[k]) for k in _MONEY_KEYS["totals"] if totals.get(k) is not None]
    return found


def _line_total(item: dict[str, Any]) -> int | None:
    if item.get("quantity") is None or item.get("price") is None:
        return None
    net = Decimal(item["quantity"]) * item["price"] / Decimal(item.get("base_quantity") or 1)
    cents = int(net.quantize(Decimal(1), ROUND_HALF_UP))
    cents -= sum(int(p.get("amount") or 0) for p in item.get("allowances") or [])
    return cents + sum(int(p.get("amount") or 0) for p in item.get("charges") or [])


def _check_arithmetic(body: dict[str, Any], add: Any) -> None:
    items = body.get("items") or []
    for i, item in enumerate(items):
        expected = _line_total(item)
        if item.get("line_total") is not None and expected is not None and item["line_total"] != expected:
            add(f"items.{i}.line_total", f"The line total must be {expected} (quantity x price).")
    totals = body.get("totals") or {}
    if totals.get("line_total") is not None:
        total = sum(int(item.get("line_total") or 0) for item in items)
        if totals["line_total"] != total:
            add("totals.line_total", f"The sum of line totals must be {total}.")


def _compute_totals(body: dict[str, Any]) -> None:
    items = body.get("items") or []
    for item in items:
        computed = _line_total(item)
        if computed is not None:
            item["line_total"] = computed
    totals = body.setdefault("totals", {})
    totals["line_total"] = sum(int(item.get("line_total") or 0) for item in items)
    totals["tax_exclusive"] = totals["line_total"]
    if totals.get("tax_inclusive") is None:
        totals["tax_inclusive"] = totals["tax_exclusive"]


def _plain(value: Any) -> Any:
    """JSON data with Decimals as numbers again (ints when whole)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# typing.get_type_hints of the fake's methods: the client classes they name, loaded when read
names_for_hints(FakeInvoro, {"invoicekit.invoro": ("Invoro", "AsyncInvoro")})
