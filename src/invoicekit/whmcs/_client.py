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

from .._auth import FormAuth, Secret, credential
from .._call import Call, Form, Safety
from .._checks import boolean, int_id, some_change
from .._client import AsyncClient, Provider, SyncClient
from .._forms import check_form_size, form_size
from .._operations import HC, Async, Client, M, Operations, Raw, Resource, Sync, applies, operation, plans
from .._unset import UNSET, Unset
from ._answers import check_envelope, parse_invoice, parse_update, read_error, success
from ._models import Status, UpdateInvoiceResult, update_fields
from ._rules import action_name, action_params, install_url

if TYPE_CHECKING:
    from .._call import Body
    from .._operations import InstallOptions, Unpack
    from ._parts import Invoice, ItemChange, NewItem

__all__ = [
    "WHMCS",
    "AsyncWhmcs",
    "Whmcs",
    "action_call",
    "get_invoice_call",
    "update_invoice_call",
]

R = TypeVar("R")

#: The API script, appended to the install's URL.
ENDPOINT: Final = "/includes/api.php"
#: PHP's default ``max_input_vars`` [DOC php.net]: PHP silently drops every form field past it, so a
#: bigger request is refused before it is sent. An install may raise the limit; change it here.
MAX_INPUT_VARS: Final = 1000
#: identifier and secret, sent on every call: counted against MAX_INPUT_VARS when a call is built. A client
#: with an access key sends a third field: its auth counts the whole form again (see _KeyedAuth).
_AUTH_FIELDS: Final = 2


WHMCS: Final = Provider("whmcs", None, read_error=read_error, check_envelope=check_envelope)


def get_invoice_call(invoice_id: int, *, extra_headers: Mapping[str, str] | None = None) -> Call[Invoice]:
    """Read invoice *invoice_id* with WHMCS's ``GetInvoice``, typed as :class:`~invoicekit.whmcs.Invoice`
    (``items`` is empty for an invoice without lines). A read: retried after timeouts and 5xx.

    Raises ValidationError (a non-int id), NotFoundError ("Invoice ID Not Found"), DecodeError (an
    answer that does not fit), AuthenticationError / PermissionDeniedError, TransportError.
    """
    fields = {"invoiceid": int_id(invoice_id, "invoice_id")}
    return _action_call("GetInvoice", fields, parse_invoice, Safety.IDEMPOTENT, "invoice_id", extra_headers)


def _action_call(
    action: str,
    fields: Mapping[str, Any],
    parse: Callable[[Any], R],
    safety: Safety,
    field: str,
    extra_headers: Mapping[str, str] | None,
) -> Call[R]:
    form = {"action": action, **fields, "responsetype": "json"}
    check_form_size(form_size(form) + _AUTH_FIELDS, MAX_INPUT_VARS, field)
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
    invoice = int_id(invoice_id, "invoice_id")
    form = update_fields(locals())  # the changes, by name (the other locals are not read)
    size = form_size(form)  # counted once: the model's wire keys are never invoiceid, action or responsetype
    if not size:  # nothing that reaches WHMCS
        some_change(())
    check_form_size(size + 3 + _AUTH_FIELDS, MAX_INPUT_VARS, "items")  # + action, invoiceid and responsetype
    safety = update_safety(form)
    # The form in its wire order, built once: action, invoiceid, the changes, responsetype
    body = Form({"action": "UpdateInvoice", "invoiceid": invoice, **form, "responsetype": "json"})
    return Call("POST", ENDPOINT, parse=parse_update, body=body, safety=safety, extra_headers=extra_headers)


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
    return _action_call(name, action_params(params), success, safety, "params", extra_headers)


# -- the clients -----------------------------------------------------------------------------------------


def _auth(identifier: str | None, secret: str | None, access_key: str | None) -> FormAuth:
    fields: dict[str, Secret] = {
        "identifier": credential(identifier, param="identifier", env="WHMCS_IDENTIFIER"),
        "secret": credential(secret, param="secret", env="WHMCS_SECRET"),
    }
    if access_key is not None or os.environ.get("WHMCS_ACCESS_KEY", "").strip():
        fields["accesskey"] = credential(access_key, param="access_key", env="WHMCS_ACCESS_KEY")
        return _KeyedAuth(fields)
    return FormAuth(fields)


class _KeyedAuth(FormAuth):
    """identifier, secret and accesskey: one field more than a call counts for itself when it is built
    (:data:`_AUTH_FIELDS`), so the form is counted again, whole, as the auth completes it (only on a client
    with an access key: the form at exactly the limit without it is one field over with it).
    """

    __slots__ = ()

    def apply_body(self, body: Body | None) -> Body | None:
        body = super().apply_body(body)
        if isinstance(body, Form):
            check_form_size(form_size(body.fields), MAX_INPUT_VARS, "body", keyed=False)
        return body


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
