"""``FakePayabli``: Payabli's update-invoice endpoint, in memory."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs
import httpx

from .._record import names_for_hints
from ._fake import FakeProvider

if TYPE_CHECKING:
    from ..payabli import AsyncPayabli, Payabli

__all__ = ["FakePayabli", "PayabliInvoice"]

#: The token a fresh fake accepts in the ``requestToken`` header.
TEST_API_KEY = "payabli-test-token"
#: Invoice statuses after which the fake refuses changes [INF: Payabli documents that a paid invoice
#: cannot be cancelled, not what an update of one answers].
LOCKED_STATUSES: Final = {4: "paid", 99: "cancelled"}
#: The responseCode of the fake's failure envelopes ("Invalid parameter value in request" in Payabli's
#: code list; the code Payabli uses for an unknown invoice is not documented [INF]).
FAILURE_CODE: Final = 3003

_Check = Callable[[Any], bool]

# The fake's own rules, from Payabli's API reference (providers/payabli.md, specs/), never the client's
# constants: a wrong limit or enum in the client must not make the fake agree with it.

#: ``fContent``: "Max upload size is 30 MB"; read as 30,000,000 characters of base64 per file [INF].
MAX_UPLOAD_BASE64: Final = 30_000_000
#: ``invoiceData.frequency`` [DOC] plus the three values of SDK 1.0.19 [SDK].
FREQUENCIES: Final = frozenset(
    {"onetime", "weekly", "every2weeks", "every6months", "monthly", "every3months", "annually"}
    | {"firstofmonth", "fifteenthofmonth", "endofmonth"}
)
#: ``invoiceData.paymentTerms`` [DOC].
PAYMENT_TERMS: Final = frozenset(
    {"PIA", "CIA", "UR", "NET10", "NET20", "NET30", "NET45", "NET60", "NET90", "EOM", "MFI"}
    | {"5MFI", "10MFI", "15MFI", "20MFI", "2/10NET30", "UF", "10UF", "20UF", "25UF", "50UF"}
)
#: ``attachments[].ftype`` [DOC].
FILE_TYPES: Final = frozenset({"pdf", "doc", "docx", "jpg", "jpeg", "png", "gif", "txt"})
#: Fields a line must carry: BillItem has ``required: [itemCost]`` in Payabli's API reference [DOC].
ITEM_REQUIRED: Final = ("itemCost",)
#: The objects of an update body (InvoiceDataRequest) [DOC]; a body must carry at least one, non-empty.
BODY_OBJECTS: Final = ("customerData", "invoiceData", "scheduledOptions")


def _number(v: Any) -> bool:
    return isinstance(v, int | Decimal) and not isinstance(v, bool)


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _string(v: Any) -> bool:
    return isinstance(v, str)


def _boolean(v: Any) -> bool:
    return isinstance(v, bool)


def _date(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):  # Payabli accepts both
        try:
            dt.datetime.strptime(v, pattern)
        except ValueError:
            continue
        return True
    return False


def _enum(values: frozenset[str]) -> _Check:
    return lambda v: v in values


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(i, str) for i in v)


def _object(v: Any) -> bool:
    return isinstance(v, dict)


def _string_map(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(i, str) for i in v.values())


def _list(v: Any) -> bool:
    return isinstance(v, list)


_TEXT = ("company", "firstName", "lastName")
_ADDRESS = ("shippingAddress1", "shippingAddress2", "shippingCity", "shippingCountry", "shippingState")
SCHEMA: Final[dict[str, dict[str, _Check]]] = {
    "customerData": {
        "additionalData": _object,
        **dict.fromkeys(("billingAddress1", "billingAddress2", "billingCity", "billingCountry"), _string),
        **dict.fromkeys(("billingEmail", "billingPhone", "billingState", "billingZip"), _string),
        **dict.fromkeys((*_TEXT, "customerNumber", *_ADDRESS, "shippingZip"), _string),
        "customerId": _integer,
        "identifierFields": _strings,
    },
    "invoiceData": {
        "AdditionalData": _string_map,
        "attachments": _list,
        **dict.fromkeys(("discount", "dutyAmount", "freightAmount", "invoiceAmount", "tax"), _number),
        "frequency": _enum(FREQUENCIES),
        **dict.fromkeys(("invoiceDate", "invoiceDueDate", "invoiceEndDate"), _date),
        **dict.fromkeys(("invoiceStatus", "invoiceType"), _integer),
        "items": _list,
        "paymentTerms": _enum(PAYMENT_TERMS),
        **dict.fromkeys((*_TEXT, "invoiceNumber", "notes", "purchaseOrder", *_ADDRESS), _string),
        **dict.fromkeys(("shippingZip", "shippingEmail", "shippingFromZip", "shippingPhone"), _string),
        **dict.fromkeys(("summaryCommodityCode", "termsConditions"), _string),
    },
    "scheduledOptions": {"includePaylink": _boolean, "includePdf": _boolean},
    "items[]": {
        "itemCategories": _strings,
        **dict.fromkeys(("itemCost", "itemTaxAmount", "itemTaxRate", "itemTotalAmount"), _number),
        **dict.fromkeys(("itemMode", "itemQty"), _integer),
        **dict.fromkeys(("itemCommodityCode", "itemDescription", "itemProductCode"), _string),
        **dict.fromkeys(("itemProductName", "itemUnitOfMeasure"), _string),
    },
    "attachments[]": {
        "fContent": _string,
        "filename": _string,
        "ftype": _enum(FILE_TYPES),
        "furl": _string,
    },
}


class _Refused(Exception):
    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")


@attrs.define
class PayabliAttachment:
    """A file the fake holds for an invoice: decoded content (None for a ``furl``), name, type, URL."""

    content: bytes | None
    filename: str | None
    ftype: str | None
    furl: str | None = None


@attrs.define
class PayabliInvoice:
    """One invoice the fake knows: its current fields (wire names, decoded), files and history."""

    id_invoice: int
    #: ``invoiceData`` as it stands after every update, wire keys; numbers decoded as ``Decimal``.
    invoice_data: dict[str, Any] = attrs.field(factory=dict)
    customer_data: dict[str, Any] = attrs.field(factory=dict)
    scheduled_options: dict[str, Any] = attrs.field(factory=dict)
    #: Every file attached so far (the fake adds them, as invoicekit assumes Payabli does).
    attachments: list[PayabliAttachment] = attrs.field(factory=list)
    #: The JSON body of the last update applied (decoded, numbers as ``Decimal``), None before one.
    last_body: dict[str, Any] | None = None
    #: How many updates were applied.
    updates: int = 0

    @property
    def status(self) -> int:
        """``invoiceStatus`` (0 draft, 1 active, 2 partially paid, 4 paid, 99 cancelled)."""
        return int(self.invoice_data.get("invoiceStatus") or 0)


class FakePayabli(FakeProvider):
    """Payabli in memory: ``PUT /api/Invoice/{idInvoice}`` and ``GET /api/Invoice/{idInvoice}`` (the record).

    Seed invoices with :meth:`add_invoice`; read them back from :attr:`invoices`. Answers as Payabli
    does: HTTP 200 with ``{"isSuccess": true, "responseCode": 1, "responseData": <id>, ...}``; HTTP 200
    with ``isSuccess: false`` for an unknown invoice or one that is paid or cancelled (``responseText``
    ``"Declined"``, the reason in ``responseData``); 400 with Payabli's error body for data that does not
    fit the schema (a fractional ``itemQty``, an unknown enum value, bad base64, a date in another
    format, a line without ``itemCost``, a body with no non-empty ``customerData``, ``invoiceData`` or
    ``scheduledOptions``); 401 for a wrong ``requestToken``. Its rules are its own constants
    (:data:`~invoicekit.testing._payabli.FREQUENCIES`,
    :data:`~invoicekit.testing._payabli.MAX_UPLOAD_BASE64`, ...), taken from Payabli's documentation.
    ``forceCustomerCreation=true`` creates a customer, counted in :attr:`customers_created`.
    """

    prefix = "/api"

    def __init__(self, api_key: str = TEST_API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        #: Every invoice, by id.
        self.invoices: dict[int, PayabliInvoice] = {}
        #: Customers created because an update said ``forceCustomerCreation=true``.
        self.customers_created: int = 0
        self.route("PUT", r"/Invoice/(?P<id>[^/]+)", self._update)
        self.route("GET", r"/Invoice/(?P<id>[^/]+)", self._get)

    def seed_demo(self) -> str:
        """The demo invoices of ``python -m invoicekit.testing``."""
        self.add_invoice(1001, invoice_status=1, invoice_data={"invoiceNumber": "INV-1001", "notes": ""})
        self.add_invoice(1002, invoice_status=4, invoice_data={"invoiceNumber": "INV-1002"})  # paid: locked
        return "invoices 1001 (active), 1002 (paid, so updates are declined)"

    def add_invoice(
        self,
        id_invoice: int,
        *,
        invoice_status: int = 0,
        invoice_data: Mapping[str, Any] | None = None,
        customer_data: Mapping[str, Any] | None = None,
    ) -> PayabliInvoice:
        """Seed invoice *id_invoice* with status *invoice_status* and optional starting fields (wire keys)."""
        invoice = PayabliInvoice(
            id_invoice,
            invoice_data={**(invoice_data or {}), "invoiceStatus": invoice_status},
            customer_data=dict(customer_data or {}),
        )
        self.invoices[id_invoice] = invoice
        return invoice

    def client(self, **options: Any) -> Payabli:
        """An :class:`invoicekit.Payabli` that talks to this fake, with its token unless *options*
        (constructor arguments) say otherwise.
        """
        from ..payabli import Payabli  # late: the fake states its own rules and loads no client to do so

        return Payabli(**self.client_kwargs({"api_key": self.api_key}, options, asynchronous=False))

    def async_client(self, **options: Any) -> AsyncPayabli:
        """An :class:`invoicekit.AsyncPayabli` that talks to this fake, like :meth:`client`."""
        from ..payabli import AsyncPayabli

        return AsyncPayabli(**self.client_kwargs({"api_key": self.api_key}, options, asynchronous=True))

    # -- the endpoint --------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("requesttoken") != self.api_key:
            return self._error(
                401,
                "Unauthorized",
                "The API token is missing or not valid.",
                "Send a valid API token in the requestToken header.",
            )
        return None

    def _update(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        try:
            id_invoice, body, forced, files = self._read(request, params["id"])
        except _Refused as refused:
            return self._error(
                400,
                "Invalid parameter value in request",
                str(refused),
                "Provide the correct value for parameter.",
            )
        invoice = self.invoices.get(id_invoice)
        if invoice is None:
            return self._declined(f"Invoice {id_invoice} not found")
        if invoice.status in LOCKED_STATUSES:
            return self._declined(
                f"Invoice {id_invoice} is {LOCKED_STATUSES[invoice.status]} and cannot be updated"
            )
        self._apply(invoice, body, forced, files)
        return self.json(
            200,
            {
                "isSuccess": True,
                "responseCode": 1,
                "responseData": id_invoice,
                "responseText": "Success",
                "pageidentifier": None,
                "roomId": 0,
            },
        )

    def _get(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        """The invoice record, keys spelt as Payabli's record spells them (PascalCase; lines in camelCase)."""
        raw_id = params["id"]
        if not raw_id.isascii() or not raw_id.isdigit():
            return self._error(
                400,
                "Invalid parameter value in request",
                f"idInvoice: the value {raw_id!r} is not a valid integer",
                "Provide the correct value for parameter.",
            )
        invoice = self.invoices.get(int(raw_id))
        if invoice is None:
            return self._declined(f"Invoice {raw_id} not found")
        data = invoice.invoice_data
        record: dict[str, Any] = {
            "IdInvoice": invoice.id_invoice,
            "InvoiceNumber": data.get("invoiceNumber"),
            "InvoiceStatus": invoice.status,
            "InvoiceType": data.get("invoiceType", 0),
            "InvoiceAmount": data.get("invoiceAmount", 0),
            "InvoicePaidAmount": 0,
            "InvoiceDate": data.get("invoiceDate"),
            "InvoiceDueDate": data.get("invoiceDueDate"),
            "PaymentTerms": data.get("paymentTerms"),
            "Notes": data.get("notes"),
            "Company": data.get("company"),
            "items": list(data.get("items") or []),
            "DocumentsRef": {
                "zipfile": f"inva_{invoice.id_invoice}.zip",
                "filelist": [
                    {"originalName": a.filename, "zipName": f"{i}_{a.filename}", "descriptor": None}
                    for i, a in enumerate(invoice.attachments)
                ],
            },
        }
        return self.json(200, record)

    def _read(
        self, request: httpx.Request, raw_id: str
    ) -> tuple[int, dict[str, Any], bool, list[PayabliAttachment]]:
        if not raw_id.isascii() or not raw_id.isdigit():
            raise _Refused("idInvoice", f"the value {raw_id!r} is not a valid integer")
        forced = request.url.params.get("forceCustomerCreation", "false").lower()
        if forced not in {"true", "false"}:
            raise _Refused("forceCustomerCreation", "must be true or false")
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise _Refused("body", "Content-Type must be application/json")
        try:
            body = json.loads(request.content, parse_float=Decimal)
        except ValueError:
            raise _Refused("body", "not valid JSON") from None
        if not isinstance(body, dict):
            raise _Refused("body", "must be a JSON object")
        for key, value in body.items():
            if key in BODY_OBJECTS and value is not None:
                _fits(value, SCHEMA[key], key)
        if not any(isinstance(body.get(key), dict) and body[key] for key in BODY_OBJECTS):
            raise _Refused("body", f"no data to update: send at least one of {', '.join(BODY_OBJECTS)}")
        for i, item in enumerate((body.get("invoiceData") or {}).get("items") or []):
            _fits(item, SCHEMA["items[]"], f"invoiceData.items[{i}]")
            for key in ITEM_REQUIRED:
                if item.get(key) is None:
                    raise _Refused(f"invoiceData.items[{i}].{key}", "is required")
        files = []
        for i, item in enumerate((body.get("invoiceData") or {}).get("attachments") or []):
            _fits(item, SCHEMA["attachments[]"], f"invoiceData.attachments[{i}]")
            files.append(_attachment(item, f"invoiceData.attachments[{i}]"))
        return int(raw_id), body, forced == "true", files

    def _apply(
        self, invoice: PayabliInvoice, body: dict[str, Any], forced: bool, files: list[PayabliAttachment]
    ) -> None:
        data = dict(body.get("invoiceData") or {})
        data.pop("attachments", None)
        invoice.attachments.extend(files)
        invoice.invoice_data.update(data)  # "items" replaces the line list [INF]
        invoice.customer_data.update(body.get("customerData") or {})
        invoice.scheduled_options.update(body.get("scheduledOptions") or {})
        if forced and body.get("customerData"):
            self.customers_created += 1
            invoice.customer_data["customerId"] = 1000 + self.customers_created
        invoice.last_body = body
        invoice.updates += 1

    def _declined(self, reason: str) -> httpx.Response:
        return self.json(
            200,
            {
                "isSuccess": False,
                "responseCode": FAILURE_CODE,
                "responseText": "Declined",
                "responseData": reason,
                "pageidentifier": None,
                "roomId": 0,
            },
        )

    def _error(self, status: int, text: str, explanation: str, todo: str) -> httpx.Response:
        body = {
            "isSuccess": False,
            "responseText": text,
            "responseData": {"explanation": explanation, "todoAction": todo},
        }
        if status != 401:
            body["responseCode"] = FAILURE_CODE
        return self.json(status, body)


def _fits(value: Any, schema: Mapping[str, _Check], where: str) -> None:
    if not isinstance(value, dict):
        raise _Refused(where, "must be an object")
    for key, item in value.items():
        check = schema.get(key)
        if check is not None and item is not None and not check(item):
            raise _Refused(f"{where}.{key}", f"{item!r} does not fit the schema")


def _attachment(entry: dict[str, Any], where: str) -> PayabliAttachment:
    content = None
    if entry.get("fContent") is not None and entry.get("furl") is None:
        if len(entry["fContent"]) > MAX_UPLOAD_BASE64:
            raise _Refused(f"{where}.fContent", "over the 30 MB upload limit")
        try:
            content = base64.b64decode(entry["fContent"], validate=True)
        except (binascii.Error, ValueError):
            raise _Refused(f"{where}.fContent", "not base64") from None
    return PayabliAttachment(content, entry.get("filename"), entry.get("ftype"), entry.get("furl"))


# typing.get_type_hints of the fake's methods: the client classes they name, loaded when read
names_for_hints(FakePayabli, {"invoicekit.payabli": ("Payabli", "AsyncPayabli")})
