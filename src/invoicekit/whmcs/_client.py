"""WHMCS: ``UpdateInvoice``, and any other action of the classic API at ``<install>/includes/api.php``.

Every call is a POST of a PHP-style form: ``action``, the action's parameters and ``responsetype=json``;
the core adds the credentials (``identifier``, ``secret``, ``accesskey``) to the same form and scrubs
them from logs and errors. WHMCS answers HTTP 200 for most failures, with ``result=error``: the envelope
reader below turns those into the error tree by their message.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

import httpx

from .._answers import Failure, Hints
from .._answers import read_error as default_read_error
from .._auth import FormAuth, Secret, credential
from .._call import Call, Form, Safety
from .._checks import boolean, int_id, some_change
from .._client import AsyncClient, Provider, SyncClient
from .._convert import amount, make_converter, structure, whole
from .._errors import ValidationError, bad_answer
from .._forms import form_size
from .._operations import HC, Async, Client, M, Operations, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset
from ._models import (
    UPDATE_FIELDS,
    Invoice,
    InvoiceItem,
    ItemChange,
    NewItem,
    Status,
    UpdateInvoiceResult,
    update_fields,
)
from ._rules import action_name, action_params, install_url

if TYPE_CHECKING:
    from .._operations import InstallOptions, Unpack

__all__ = [
    "WHMCS",
    "AsyncWhmcs",
    "Whmcs",
    "action_call",
    "get_invoice_call",
    "parse_invoice",
    "update_invoice_call",
]

R = TypeVar("R")

#: The API script, appended to the install's URL.
ENDPOINT: Final = "/includes/api.php"
#: PHP's default ``max_input_vars`` [DOC php.net]: PHP silently drops every form field past it, so a
#: bigger request is refused before it is sent. An install may raise the limit; change it here.
MAX_INPUT_VARS: Final = 1000
_AUTH_FIELDS: Final = 3  # identifier, secret, accesskey: counted against MAX_INPUT_VARS
#: Error messages -> the HTTP status whose error class they raise (first match wins, case-insensitive).
#: [DOC UpdateInvoice] "Invoice ID Not Found", "Invoice must be in Draft status to be published";
#: [3P] "Authentication Failed", "Invalid or missing credentials", "Invalid IP <ip>", "Forbidden IP <ip>",
#: "Invalid Permissions: API action ... is not allowed", "Access Denied". Anything else: 400.
MESSAGE_HINTS: Final[tuple[tuple[str, int], ...]] = (
    ("authentication failed", 401),
    ("invalid or missing credentials", 401),
    ("invalid ip", 403),
    ("forbidden ip", 403),
    ("invalid permissions", 403),
    ("access denied", 403),
    ("not found", 404),
    ("must be in draft status", 409),
)
_HINTS: Final = Hints(*MESSAGE_HINTS)


# -- answers ---------------------------------------------------------------------------------------------


_VERDICTS: Final = ("success", "error")


def outcome(data: Any) -> str | None:
    """WHMCS's verdict on a call: ``result``, else ``status`` when it says success/error (``GetEmails``
    and a few other actions use it), else ``"error"`` for an answer that carries only a ``warning``.

    ``result`` is the string ``"success"`` or ``"error"`` by WHMCS's spec, and is read as exactly that:
    any other value (``true``, ``1``, ``"ok"``) is no verdict, so None, and the parser raises DecodeError
    rather than guess. None too when the answer is not a WHMCS result at all.
    """
    if not isinstance(data, dict):
        return None
    verdict = data.get("result")
    if verdict is None and data.get("status") in _VERDICTS:
        verdict = data["status"]
    if verdict is None and "warning" in data:
        return "error"
    return verdict if verdict in _VERDICTS else None


def hint_for(message: str) -> int | None:
    """The HTTP status whose error class a WHMCS error message raises, from :data:`MESSAGE_HINTS`."""
    return _HINTS(message)


def _message(data: dict[str, Any]) -> str:
    parts = [
        data[k].strip() for k in ("message", "warning") if isinstance(data.get(k), str) and data[k].strip()
    ]
    return "; ".join(parts) or "result=error with no message"


def check_envelope(data: Any) -> Failure | None:
    """An HTTP-2xx answer saying ``result=error``: a Failure whose class comes from its message."""
    verdict = outcome(data)
    if verdict is None or verdict == "success":
        return None  # success, or no verdict at all (the parser raises DecodeError for that)
    message = _message(data)
    return Failure(message, hint=hint_for(message) or 400)


def read_error(status: int, data: Any) -> Failure:
    """An HTTP-error answer (e.g. 403 + ``result=error`` for bad credentials, or a web server's page)."""
    if isinstance(data, dict) and outcome(data) not in (None, "success"):
        message = _message(data)
    else:
        message = default_read_error(status, data).message
    return Failure(message, hint=hint_for(message) if status < 500 else None)


WHMCS: Final = Provider("whmcs", None, read_error=read_error, check_envelope=check_envelope)
_CONVERTER: Final = make_converter()


def _success(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and outcome(data) == "success":
        return data
    if data is None:
        why = "the answer was empty (WHMCS printed nothing; its PHP error log may say why)"
    elif isinstance(data, dict) and data.get("result") is not None:
        why = f"its result is {data['result']!r}, not 'success' or 'error'"
    elif isinstance(data, dict):
        keys = ", ".join(sorted(str(k) for k in data)[:10])
        why = f"the answer has no result field (keys: {keys or 'none'})"
    else:
        why = f"the answer is a JSON {type(data).__name__}, not a WHMCS result object"
    raise bad_answer(why)


def _parse_update(data: Any) -> UpdateInvoiceResult:
    return structure(_CONVERTER, _success(data), UpdateInvoiceResult)


#: The GetInvoice keys :class:`Invoice` reads (wire name -> attribute); the rest land in ``Invoice.extra``.
_INVOICE_FIELDS: Final = {
    "invoicenum": "invoice_num",
    "paymentmethod": "payment_method",
    "notes": "notes",
    "status": "status",
}
_INVOICE_MONEY: Final = {
    "subtotal": "subtotal",
    "credit": "credit",
    "tax": "tax",
    "tax2": "tax2",
    "total": "total",
    "balance": "balance",
    "taxrate": "tax_rate",
    "taxrate2": "tax_rate2",
}
_INVOICE_DATES: Final = {"date": "date", "duedate": "due_date"}
_ENVELOPE: Final = frozenset({"result", "invoiceid", "userid", "datepaid", "items", *_INVOICE_FIELDS,
                              *_INVOICE_MONEY, *_INVOICE_DATES})  # fmt: skip


def parse_invoice(data: Any) -> Invoice:
    """Read a ``GetInvoice`` answer into :class:`Invoice`; a shape it cannot read is a DecodeError.

    WHMCS writes an empty collection as ``""`` (so ``items`` is ``""`` for an invoice without lines), a
    single element sometimes as an object rather than a list, numbers as text, and "never" as
    ``0000-00-00``: each is read here, once.
    """
    answer = _success(data)
    try:
        values: dict[str, Any] = {"invoice_id": whole(answer["invoiceid"])}
        for key, name in _INVOICE_FIELDS.items():
            values[name] = str(answer.get(key) or "")
        for key, name in _INVOICE_MONEY.items():
            values[name] = _decimal(answer.get(key, "0"))
        for key, name in _INVOICE_DATES.items():
            values[name] = _when(answer.get(key), dt.date.fromisoformat)
        values["date_paid"] = _when(answer.get("datepaid"), _datetime)
        values["user_id"] = None if answer.get("userid") in (None, "") else whole(answer["userid"])
        values["items"] = tuple(_item(raw) for raw in _collection(answer.get("items"), "item"))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise bad_answer(
            f"the GetInvoice answer does not fit Invoice ({type(exc).__name__}: {exc})"
        ) from None
    values["extra"] = {k: v for k, v in answer.items() if k not in _ENVELOPE}
    return Invoice(**values)


def _collection(value: Any, key: str) -> list[Any]:
    if value in (None, "", []):  # WHMCS: "" for an empty collection
        return []
    if not isinstance(value, dict):
        raise TypeError(f"items is a {type(value).__name__}, not an object")
    inner = value.get(key, [])
    if inner in (None, ""):
        return []
    return [inner] if isinstance(inner, dict) else list(inner)


def _item(raw: Any) -> InvoiceItem:
    if not isinstance(raw, dict):
        raise TypeError(f"an item is a {type(raw).__name__}, not an object")
    return InvoiceItem(
        id=whole(raw["id"]),
        description=str(raw.get("description") or ""),
        amount=_decimal(raw.get("amount", "0")),
        taxed=str(raw.get("taxed", "0")).strip().lower() in {"1", "true"},
        type=str(raw.get("type") or ""),
        rel_id=whole(raw.get("relid") or 0),
    )


def _decimal(value: Any) -> Decimal:
    return amount("0" if isinstance(value, str) and not value.strip() else value)


def _when(value: Any, read: Callable[[str], R]) -> R | None:
    if value in (None, "") or str(value).startswith("0000-00-00"):
        return None
    return read(str(value))


def _datetime(value: str) -> dt.datetime:
    return (
        dt.datetime.fromisoformat(value.replace(" ", "T"))
        if " " in value
        else dt.datetime.fromisoformat(value)
    )


def get_invoice_call(invoice_id: int, *, extra_headers: Mapping[str, str] | None = None) -> Call[Invoice]:
    """Read invoice *invoice_id* with WHMCS's ``GetInvoice``, typed as :class:`~invoicekit.whmcs.Invoice`
    (``items`` is empty for an invoice without lines). A read: retried after timeouts and 5xx.

    Raises ValidationError (a non-int id), NotFoundError ("Invoice ID Not Found"), DecodeError (an
    answer that does not fit), AuthenticationError / PermissionDeniedError, TransportError.
    """
    fields = {"invoiceid": int_id(invoice_id, "invoice_id")}
    return _action_call("GetInvoice", fields, parse_invoice, Safety.IDEMPOTENT, "invoice_id", extra_headers)


# -- building calls --------------------------------------------------------------------------------------


def _action_call(
    action: str,
    fields: Mapping[str, Any],
    parse: Callable[[Any], R],
    safety: Safety,
    field: str,
    extra_headers: Mapping[str, str] | None,
) -> Call[R]:
    form = {"action": action, **fields, "responsetype": "json"}
    used = form_size(form) + _AUTH_FIELDS
    if used > MAX_INPUT_VARS:
        raise ValidationError(
            field,
            f"the request needs {used} form fields, and PHP drops every field past "
            f"max_input_vars ({MAX_INPUT_VARS} by default) without an error: split the "
            "change into several calls",
        )
    return Call("POST", ENDPOINT, parse=parse, body=Form(form), safety=safety, extra_headers=extra_headers)


def update_safety(fields: Mapping[str, Any]) -> Safety:
    """UNSAFE when the update appends lines (a resend would append them twice), publishes (a resend would
    fail on the no-longer-draft invoice after the first one worked) or emails the customer.
    """
    if (
        fields.get("newitemdescription")
        or fields.get("publish") in {True, "1"}
        or fields.get("publishandsendemail") in {True, "1"}
    ):
        return Safety.UNSAFE
    return Safety.IDEMPOTENT


def update_invoice_call(
    invoice_id: int,
    *,
    status: Status | Unset = UNSET,
    payment_method: str | Unset = UNSET,
    tax_rate: Decimal | int | Unset = UNSET,
    tax_rate2: Decimal | int | Unset = UNSET,
    credit: Decimal | int | Unset = UNSET,
    date: dt.date | Unset = UNSET,
    due_date: dt.date | Unset = UNSET,
    date_paid: dt.date | Unset = UNSET,
    notes: str | None | Unset = UNSET,
    items: Mapping[int, ItemChange] | Unset = UNSET,
    new_items: Sequence[NewItem] | Unset = UNSET,
    delete_line_ids: Sequence[int] | Unset = UNSET,
    publish: bool | Unset = UNSET,
    publish_and_send_email: bool | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Call[UpdateInvoiceResult]:
    """Change invoice *invoice_id* with WHMCS's ``UpdateInvoice``; arguments left UNSET are not sent.

    *status* is one of ``whmcs.STATUSES``; *payment_method* a gateway's system name; *tax_rate*,
    *tax_rate2* percentages and *credit* money (Decimal or int, never float); *date*, *due_date*,
    *date_paid* are ``datetime.date``. *items* changes existing lines (``{line_id: ItemChange(...)}``),
    *new_items* appends ``NewItem``s, *delete_line_ids* removes lines; *publish* publishes a Draft and
    *publish_and_send_email* also emails it. ``notes=None`` clears the notes; None is refused for every
    other field, which WHMCS cannot clear. Appending, publishing and emailing make the call unsafe to
    resend: when it may have run, OutcomeUnknownError is raised instead of a retry.

    Raises ValidationError (before any request), NotFoundError ("Invoice ID Not Found"), ConflictError
    (publishing a non-draft), AuthenticationError / PermissionDeniedError, BadRequestError.
    *extra_headers* are added to every attempt (checked: no CR/LF, no framing header).
    """
    given = locals()  # the changes, by name (nothing else is bound yet)
    changes = {name: given[name] for name in UPDATE_FIELDS}
    invoice = int_id(invoice_id, "invoice_id")
    form = update_fields(changes)
    if not form_size(form):  # nothing that reaches WHMCS
        some_change(())
    fields = {"invoiceid": invoice, **form}
    return _action_call("UpdateInvoice", fields, _parse_update, update_safety(fields), "items", extra_headers)


def action_call(
    action: str,
    /,
    *,
    idempotent: bool = False,
    extra_headers: Mapping[str, str] | None = None,
    **params: Any,
) -> Call[dict[str, Any]]:
    """Run any WHMCS API action and return its decoded answer (a dict, ``result`` included).

    *params* go through the same PHP form encoder as ``UpdateInvoice`` (dicts -> ``a[k]``, lists ->
    ``a[0]``, bools -> 1/0, Decimal as plain digits); floats, None and the client's own fields
    (action, credentials, responsetype) are refused. The call is UNSAFE by default, never resent once
    it may have reached WHMCS, as an arbitrary action may create or send something; pass
    ``idempotent=True`` for reads (``GetInvoice``) and other repeatable actions to have them retried.

    ``idempotent`` and ``extra_headers`` (HTTP headers added to every attempt, checked like every
    operation's) are the client's own keywords, never sent as WHMCS parameters. WHMCS's parameter
    names are lower-case words without underscores (``invoiceid``, ``itemdescription``), so neither
    name can shadow one.
    """
    name = action_name(action)
    safety = Safety.IDEMPOTENT if boolean(idempotent, "idempotent") else Safety.UNSAFE
    return _action_call(name, action_params(params), _success, safety, "params", extra_headers)


# -- the clients -----------------------------------------------------------------------------------------


def _auth(identifier: str | None, secret: str | None, access_key: str | None) -> FormAuth:
    fields: dict[str, Secret] = {
        "identifier": credential(identifier, param="identifier", env="WHMCS_IDENTIFIER"),
        "secret": credential(secret, param="secret", env="WHMCS_SECRET"),
    }
    if access_key is not None or os.environ.get("WHMCS_ACCESS_KEY", "").strip():
        fields["accesskey"] = credential(access_key, param="access_key", env="WHMCS_ACCESS_KEY")
    return FormAuth(fields)


class _Invoices(Resource[M]):
    """``client.invoices``: invoice operations."""

    update = operation(update_invoice_call)
    get = operation(get_invoice_call)
    apply = applies(update_invoice_call)
    plan = plans(update_invoice_call)
    with_raw_response: _Invoices[Raw[M]]


class Invoices(_Invoices[Sync]): ...


class AsyncInvoices(_Invoices[Async]): ...


class _Actions(Operations[M]):
    """``client.with_raw_response``: :meth:`~Whmcs.call` returning a :class:`~invoicekit.RawResponse`."""

    call = operation(action_call)


class _Whmcs(Client[M, HC], _Actions[M]):
    """WHMCS's classic API (``<url>/includes/api.php``), authenticated with an API credential.

    *url* is the install (``https://billing.example.com``, with or without ``/includes/api.php``);
    *identifier* and *secret* are an API credential's pair; *access_key* is ``$api_access_key`` from the
    install's ``configuration.php``, needed when the caller's IP is not on the API allow-list. Each one
    left None is read from ``WHMCS_URL``, ``WHMCS_IDENTIFIER``, ``WHMCS_SECRET`` or ``WHMCS_ACCESS_KEY``
    (optional). WHMCS has no sandbox: ``sandbox=True`` raises ValidationError.
    ``client.with_raw_response.call(...)`` returns a :class:`~invoicekit.RawResponse` around the dict.
    """

    _base_url_option = False  # the install's url= is the first argument
    with_raw_response: _Actions[Raw[M]]  # call() only (the client's own operation)

    def __init__(
        self,
        url: str | None = None,
        identifier: str | None = None,
        secret: str | None = None,
        *,
        access_key: str | None = None,
        **options: Unpack[InstallOptions[HC]],
    ) -> None:
        base_url = install_url(url, ENDPOINT, options)  # refuses sandbox=True and base_url=
        options.pop("sandbox", None)
        super().__init__(WHMCS, _auth(identifier, secret, access_key), base_url=base_url, **options)
        self.invoices: _Invoices[M] = _Invoices._of(self)


class Whmcs(SyncClient, _Whmcs[Sync, httpx.Client]): ...


class AsyncWhmcs(AsyncClient, _Whmcs[Async, httpx.AsyncClient]): ...
