"""FakeWhmcs: an in-memory WHMCS install whose ``/includes/api.php`` answers as WHMCS does.

It reads the form as PHP would (bracket arrays, ``max_input_vars``, PHP truthiness: ``"false"`` is true),
checks the credentials in the body, and keeps invoices with their lines, so a test sees exactly what an
update changed: new lines are appended (a doubled call shows as doubled lines), emails are counted.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote_plus

import attrs
import httpx

from .._record import names_for_hints
from ._fake import FakeProvider

if TYPE_CHECKING:
    from ..whmcs import AsyncWhmcs, Whmcs

__all__ = ["FakeWhmcs", "WhmcsInvoice", "WhmcsLine"]

#: The fake's own list of invoice statuses, from WHMCS's help pages ("standard invoice statuses"), never
#: the client's: a wrong list in the client must not make the fake agree with it.
INVOICE_STATUSES: Final = frozenset(
    {"Draft", "Unpaid", "Paid", "Cancelled", "Refunded", "Collections", "Payment Pending"}
)

_NAME = re.compile(r"([^\[]+)((?:\[[^\]]*\])*)")
_KEY = re.compile(r"\[([^\]]*)\]")
_INT_KEY = re.compile(r"0|-?[1-9][0-9]*")
_CENT = Decimal("0.01")
_NEVER = "0000-00-00 00:00:00"  # how WHMCS writes an unset datetime
TEST_IDENTIFIER = "fake-whmcs-identifier"
TEST_SECRET = "fake-whmcs-secret-0123"


@attrs.define
class WhmcsLine:
    """One invoice line, as ``GetInvoice`` lists it (``items.item[]``)."""

    id: int
    description: str
    amount: Decimal
    taxed: bool


@attrs.define
class WhmcsInvoice:
    """An invoice held by the fake. Tests read (and may change) it directly."""

    id: int
    status: str = "Unpaid"
    payment_method: str = "mailin"
    tax_rate: Decimal = Decimal("0")
    tax_rate2: Decimal = Decimal("0")
    credit: Decimal = Decimal("0")
    date: dt.date = attrs.field(factory=dt.date.today)
    due_date: dt.date = attrs.field(factory=dt.date.today)
    date_paid: dt.date | None = None
    notes: str = ""
    lines: dict[int, WhmcsLine] = attrs.field(factory=dict)
    emails_sent: int = 0
    #: How many ``UpdateInvoice`` calls were applied.
    updates: int = 0

    @property
    def subtotal(self) -> Decimal:
        """The sum of the line amounts."""
        return sum((line.amount for line in self.lines.values()), Decimal("0"))

    def tax(self, rate: Decimal) -> Decimal:
        """The tax at *rate* percent on the taxed lines, half-up to the cent."""
        taxed = sum((line.amount for line in self.lines.values() if line.taxed), Decimal("0"))
        return (taxed * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        """Subtotal plus both taxes, as ``GetInvoice`` reports it."""
        return self.subtotal + self.tax(self.tax_rate) + self.tax(self.tax_rate2)


class _Refusal(Exception):
    """A ``result=error`` answer, raised while reading a request, before anything is changed."""


class FakeWhmcs(FakeProvider):
    """An in-memory WHMCS: ``UpdateInvoice`` and ``GetInvoice`` on ``/includes/api.php``.

    Credentials are :attr:`identifier`, :attr:`secret` and, when set, :attr:`access_key` (then a request
    without it is refused as WHMCS refuses an IP that is not allow-listed). Wrong credentials get HTTP 403
    with ``result=error``; an unknown invoice gets HTTP 200 with ``result=error`` "Invoice ID Not Found".
    Seed with :meth:`add_invoice`; read :attr:`invoices`; :attr:`emails` lists the invoice ids emailed.
    """

    url = "https://billing.whmcs.test"

    def __init__(
        self,
        *,
        identifier: str = TEST_IDENTIFIER,
        secret: str = TEST_SECRET,
        access_key: str | None = None,
        max_input_vars: int = 1000,
    ) -> None:
        super().__init__()
        #: The API credential identifier the fake accepts.
        self.identifier = identifier
        #: The API credential secret the fake accepts.
        self.secret = secret
        #: When set, the access key a request must carry as well.
        self.access_key = access_key
        #: PHP's ``max_input_vars``: form fields past this many are dropped, as PHP drops them.
        self.max_input_vars = max_input_vars
        #: Every invoice the fake holds, by id.
        self.invoices: dict[int, WhmcsInvoice] = {}
        #: The invoice ids emailed, in order.
        self.emails: list[int] = []
        self._line_ids = itertools.count(1)
        self._actions: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "updateinvoice": self._update_invoice,
            "getinvoice": self._get_invoice,
        }
        self.route("POST", r"/includes/api\.php", self._api)

    # -- what tests use ------------------------------------------------------------------------------

    def seed_demo(self) -> str:
        """The demo invoices of ``python -m invoicekit.testing``."""
        self.add_invoice(1001, status="Draft", lines=[("Hosting", Decimal("10.00"), True)])
        self.add_invoice(1002, status="Unpaid", lines=[("Domain", Decimal("9.95"), False)])
        return "invoices 1001 (Draft), 1002 (Unpaid)"

    def add_invoice(
        self,
        id: int,
        *,
        status: str = "Unpaid",
        lines: Sequence[tuple[str, Decimal | int, bool]] = (),
        **fields: Any,
    ) -> WhmcsInvoice:
        """Store an invoice; *lines* are ``(description, amount, taxed)`` and get fresh line ids."""
        invoice = WhmcsInvoice(id, status=status, **fields)
        for description, amount, taxed in lines:
            self._append(invoice, description, Decimal(amount), taxed)
        self.invoices[id] = invoice
        return invoice

    def client(self, **options: Any) -> Whmcs:
        """A :class:`~invoicekit.Whmcs` client talking to this fake (options override the defaults)."""
        from ..whmcs import Whmcs  # late: the fake states its own rules

        return Whmcs(**self.client_kwargs(self._options(), options, asynchronous=False))

    def async_client(self, **options: Any) -> AsyncWhmcs:
        """An :class:`~invoicekit.AsyncWhmcs` client talking to this fake."""
        from ..whmcs import AsyncWhmcs

        return AsyncWhmcs(**self.client_kwargs(self._options(), options, asynchronous=True))

    def _options(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "identifier": self.identifier,
            "secret": self.secret,
            "access_key": self.access_key,
        }

    # -- the wire ------------------------------------------------------------------------------------

    def form(self, request: httpx.Request) -> dict[str, Any]:
        """The request's body as PHP's ``$_POST`` (fields past :attr:`max_input_vars` dropped)."""
        if (
            request.headers.get("content-type", "").split(";")[0].strip()
            != "application/x-www-form-urlencoded"
        ):
            return {}
        return parse_form(request.content.decode("ascii", "replace"), self.max_input_vars)

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        form = self.form(request)
        if form.get("identifier") != self.identifier or form.get("secret") != self.secret:
            return self.json(403, {"result": "error", "message": "Authentication Failed"})
        if self.access_key is not None and form.get("accesskey") != self.access_key:
            return self.json(403, {"result": "error", "message": "Invalid IP 127.0.0.1"})
        return None

    def _api(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        form = self.form(request)
        if form.get("responsetype") != "json":  # WHMCS's default answer is XML
            return httpx.Response(
                200, text='<?xml version="1.0"?><whmcsapi><result>success</result></whmcsapi>'
            )
        action = self._actions.get(str(form.get("action", "")).lower())
        if action is None:
            return self._error(f'Invalid API Action: "{form.get("action", "")}"')
        try:
            return self.json(200, {"result": "success", **action(form)})
        except _Refusal as refusal:
            return self._error(str(refusal))

    def _error(self, message: str) -> httpx.Response:
        return self.json(200, {"result": "error", "message": message})

    # -- actions -------------------------------------------------------------------------------------

    def _invoice(self, form: Mapping[str, Any]) -> WhmcsInvoice:
        invoice_id = form.get("invoiceid")
        if (
            not isinstance(invoice_id, str)
            or not invoice_id.isdigit()
            or int(invoice_id) not in self.invoices
        ):
            raise _Refusal("Invoice ID Not Found")
        return self.invoices[int(invoice_id)]

    def _get_invoice(self, form: dict[str, Any]) -> dict[str, Any]:
        invoice = self._invoice(form)
        items = [
            {
                "id": str(line.id),
                "type": "",
                "relid": "0",
                "description": line.description,
                "amount": _money(line.amount),
                "taxed": "1" if line.taxed else "0",
            }
            for line in invoice.lines.values()
        ]
        return {
            "invoiceid": str(invoice.id),
            "invoicenum": "",
            "userid": "1",
            "date": invoice.date.isoformat(),
            "duedate": invoice.due_date.isoformat(),
            "datepaid": f"{invoice.date_paid.isoformat()} 00:00:00" if invoice.date_paid else _NEVER,
            "subtotal": _money(invoice.subtotal),
            "credit": _money(invoice.credit),
            "tax": _money(invoice.tax(invoice.tax_rate)),
            "tax2": _money(invoice.tax(invoice.tax_rate2)),
            "total": _money(invoice.total),
            "balance": _money(invoice.total - invoice.credit),
            "taxrate": _money(invoice.tax_rate),
            "taxrate2": _money(invoice.tax_rate2),
            "status": invoice.status,
            "paymentmethod": invoice.payment_method,
            "notes": invoice.notes,
            "items": {"item": items} if items else "",  # WHMCS sends "" for an empty collection
            "transactions": "",
        }

    def _update_invoice(self, form: dict[str, Any]) -> dict[str, Any]:
        invoice = self._invoice(form)
        changes = _read_update(form, invoice)  # every check first: a refused update changes nothing
        for name, value in changes.items():
            setattr(invoice, name, value)
        self._apply_lines(invoice, form)
        if _truthy(form.get("publish")) or _truthy(form.get("publishandsendemail")):
            invoice.status = "Unpaid"
        if _truthy(form.get("publishandsendemail")):
            invoice.emails_sent += 1
            self.emails.append(invoice.id)
        invoice.updates += 1
        return {"invoiceid": str(invoice.id)}

    def _apply_lines(self, invoice: WhmcsInvoice, form: dict[str, Any]) -> None:
        descriptions = _array(form, "itemdescription")
        for key, description in descriptions.items():
            line = invoice.lines.get(int(key)) if str(key).isdigit() else None
            if line is not None:  # WHMCS changes lines of this invoice only, silently [INF]
                line.description = str(description)
                line.amount = _decimal(_array(form, "itemamount")[key], "itemamount")
                line.taxed = _truthy(_array(form, "itemtaxed")[key])
        new = _array(form, "newitemdescription")
        amounts, taxed = _array(form, "newitemamount"), _array(form, "newitemtaxed")
        for key, description in new.items():
            self._append(
                invoice,
                str(description),
                _decimal(amounts.get(key, "0"), "newitemamount"),
                _truthy(taxed.get(key)),
            )
        for line_id in _array(form, "deletelineids").values():
            if str(line_id).isdigit():
                invoice.lines.pop(int(line_id), None)

    def _append(self, invoice: WhmcsInvoice, description: str, amount: Decimal, taxed: bool) -> None:
        line_id = next(self._line_ids)
        invoice.lines[line_id] = WhmcsLine(line_id, description, amount, taxed)


def _read_update(form: dict[str, Any], invoice: WhmcsInvoice) -> dict[str, Any]:
    """Check an UpdateInvoice form as WHMCS does; the invoice attributes it sets."""
    changes: dict[str, Any] = {}
    if "status" in form:
        if form["status"] not in INVOICE_STATUSES:
            raise _Refusal(f"Invalid status {form['status']}")
        changes["status"] = form["status"]
    simple: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
        "paymentmethod": ("payment_method", lambda v, _: str(v)),
        "taxrate": ("tax_rate", _decimal),
        "taxrate2": ("tax_rate2", _decimal),
        "credit": ("credit", _decimal),
        "date": ("date", _date),
        "duedate": ("due_date", _date),
        "datepaid": ("date_paid", _date),
        "notes": ("notes", lambda v, _: str(v)),
    }
    for wire, (name, read) in simple.items():
        if wire in form:
            changes[name] = read(form[wire], wire)
    changed = [_array(form, k) for k in ("itemdescription", "itemamount", "itemtaxed")]
    if len({frozenset(part) for part in changed}) > 1:
        raise _Refusal(
            "Missing Variables: itemdescription, itemamount and itemtaxed are required for each "
            "item being changed"
        )
    for key, amount in changed[1].items():
        _decimal(amount, f"itemamount[{key}]")
    if (
        _truthy(form.get("publish")) or _truthy(form.get("publishandsendemail"))
    ) and invoice.status != "Draft":
        raise _Refusal("Invoice must be in Draft status to be published")
    return changes


def parse_form(body: str, max_input_vars: int = 1000) -> dict[str, Any]:
    """A form body as PHP's ``$_POST``: ``a[k]=v`` nests, ``a[]`` appends, numeric keys are ints, and the
    pairs past *max_input_vars* are dropped.
    """
    result: dict[Any, Any] = {}
    pairs = [p for p in body.split("&") if p][:max_input_vars]
    for pair in pairs:
        raw_name, _, raw_value = pair.partition("=")
        match = _NAME.fullmatch(unquote_plus(raw_name))
        if match is None:
            continue
        keys = [match[1], *_KEY.findall(match[2])]
        target = result
        for key in keys[:-1]:
            slot = _slot(target, key)
            if not isinstance(target.get(slot), dict):
                target[slot] = {}
            target = target[slot]
        target[_slot(target, keys[-1])] = unquote_plus(raw_value)
    return result


def _slot(table: dict[Any, Any], key: str) -> int | str:
    if key == "":
        return max((k for k in table if isinstance(k, int)), default=-1) + 1
    return int(key) if _INT_KEY.fullmatch(key) else key


def _array(form: Mapping[str, Any], name: str) -> dict[Any, Any]:
    value = form.get(name)
    return value if isinstance(value, dict) else {}


def _truthy(value: Any) -> bool:
    """PHP's truthiness of a form value: only ``""`` and ``"0"`` are false (so ``"false"`` is true)."""
    return value is not None and value not in ("", "0")


def _decimal(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _Refusal(f"Invalid {field}: {value}") from None
    if not amount.is_finite():
        raise _Refusal(f"Invalid {field}: {value}")
    return amount


def _date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _Refusal(f"Invalid date format for {field}: {value}") from None


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


# typing.get_type_hints of the fake's methods: the client classes they name, loaded when read
names_for_hints(FakeWhmcs, {"invoicekit.whmcs": ("Whmcs", "AsyncWhmcs")})
