"""One change, any provider: :class:`InvoiceChange`, and what ``invoices.apply`` / ``invoices.plan`` do.

The per-provider mapping is data (:data:`invoicekit._capabilities.TABLES`); this module reads it, places
each value at its native argument, merges ``extra=`` and calls the provider's own call builder (the one
its native method uses), so a unified change is checked and encoded exactly as the native call is.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import importlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

import attrs

from ._capabilities import FIELDS, TABLES, Cell, ProviderTable
from ._checks import choice, date, email, text
from ._errors import ValidationError
from ._files import File, FileInput, FileReadError
from ._unset import UNSET, Unset

if TYPE_CHECKING:
    from ._call import Call
    from ._client import BaseClient

__all__ = [
    "Applied",
    "InvoiceChange",
    "OnUnsupported",
    "Plan",
    "PlannedRequest",
    "Prepared",
    "describe",
    "describe_send",
    "plan",
    "prepare",
]

T = TypeVar("T")
OnUnsupported: TypeAlias = Literal["raise", "skip"]
_ON_UNSUPPORTED: tuple[OnUnsupported, ...] = ("raise", "skip")


# -- the change ---------------------------------------------------------------------------------------


def _memo(value: object) -> object:
    return value if value is UNSET or value is None else text(value, "memo", allow_empty=False)


def _po_number(value: object) -> object:
    return value if value is UNSET or value is None else text(value, "po_number", allow_empty=False)


def _pdf(value: object) -> object:
    if value is UNSET or value is None:
        return value
    return File.coerce(value, "pdf")  # type: ignore[arg-type]


def _emails(value: object) -> object:
    if value is UNSET or value is None:
        return value
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValidationError("customer_emails", f"must be a list of addresses, not {type(value).__name__}")
    if not value:
        raise ValidationError("customer_emails", "must list at least one address; None clears them")
    return tuple(email(v, f"customer_emails[{i}]") for i, v in enumerate(value))


def _due(value: object) -> object:
    return value if value is UNSET or value is None else date(value, "due_date")


def _issued(value: object) -> object:
    return value if value is UNSET or value is None else date(value, "issue_date")


@attrs.frozen(kw_only=True, repr=False)
class InvoiceChange:
    """One edit of an invoice, for any provider: ``client.invoices.apply(invoice, change)``.

    Every field is ``UNSET`` by default (left alone); ``None`` clears it where the provider can (see
    ``invoicekit.capabilities()``). Types are checked here; what a provider can take is checked by
    ``apply``/``plan`` before any request.

    * *due_date*, *issue_date*: ``datetime.date`` (a datetime is refused).
    * *memo*: the note shown on the invoice; *po_number*: the customer's purchase-order number (non-empty).
    * *pdf*: the invoice's PDF, attached or replacing the one it has (a ``File``, path, bytes or binary
      file; to apply one change to several providers, give a path or bytes, which can be read again).
    * *customer_emails*: the addresses the invoice goes to (at least one; ``None`` clears).
    """

    due_date: dt.date | None | Unset = attrs.field(default=UNSET, converter=_due)
    issue_date: dt.date | None | Unset = attrs.field(default=UNSET, converter=_issued)
    memo: str | None | Unset = attrs.field(default=UNSET, converter=_memo)
    po_number: str | None | Unset = attrs.field(default=UNSET, converter=_po_number)
    pdf: File | None | Unset = attrs.field(default=UNSET, converter=_pdf)
    customer_emails: tuple[str, ...] | None | Unset = attrs.field(default=UNSET, converter=_emails)

    if TYPE_CHECKING:  # what the constructor accepts (the converters widen it)

        def __init__(
            self,
            *,
            due_date: dt.date | None | Unset = UNSET,
            issue_date: dt.date | None | Unset = UNSET,
            memo: str | None | Unset = UNSET,
            po_number: str | None | Unset = UNSET,
            pdf: FileInput | None | Unset = UNSET,
            customer_emails: Sequence[str] | None | Unset = UNSET,
        ) -> None: ...

    #: (name, value) of each set field, in FIELDS order; computed once, as a change is often reused.
    _given: tuple[tuple[str, Any], ...] = attrs.field(init=False, repr=False, eq=False)

    @_given.default
    def _set_fields(self) -> tuple[tuple[str, Any], ...]:
        return tuple((name, value) for name in FIELDS if (value := getattr(self, name)) is not UNSET)

    def given(self) -> dict[str, Any]:
        """The fields that are set (``None`` included), in :data:`~invoicekit._capabilities.FIELDS` order."""
        return dict(self._given)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.given().items())
        return f"InvoiceChange({inner})"


# -- results -------------------------------------------------------------------------------------------


@attrs.frozen
class Applied(Generic[T]):
    """What ``invoices.apply`` returns: the native method's *result* and what happened to each field.

    *applied*: the fields sent; *skipped*: the fields left out under ``on_unsupported="skip"`` (empty
    otherwise); *calls*: how many native requests were made (always 1 today: every provider takes any
    change in one call, so a change is never half-applied by invoicekit).
    """

    provider: str
    result: T
    applied: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    calls: int = 1


@attrs.frozen
class PlannedRequest:
    """One request ``apply`` would send. Secrets are masked (``***``); nothing was sent."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content_type: str | None
    #: Body length in bytes; None when it is streamed with no known length.
    size: int | None
    #: JSON: every leaf's path (``invoiceData.notes``); form: every field name; multipart: part names.
    fields: tuple[str, ...]
    #: The files in the body, one description each.
    files: tuple[str, ...]
    #: ``idempotent`` (resent after a timeout or 5xx), ``idempotent-with-key`` or ``unsafe`` (never resent).
    safety: str

    def __str__(self) -> str:
        size = "streamed" if self.size is None else f"{self.size:,} bytes"
        lines = [f"{self.method} {self.url}  ({self.safety})"]
        lines += [f"  {name}: {value}" for name, value in self.headers]
        lines.append(f"  body: {self.content_type or 'none'}, {size}")
        if self.fields:
            lines.append(f"  fields: {', '.join(self.fields)}")
        lines += [f"  file: {f}" for f in self.files]
        return "\n".join(lines)


@attrs.frozen
class Plan:
    """What ``invoices.apply`` would do with the same arguments: the request(s), the fields applied and
    skipped. Made by ``invoices.plan``; sends nothing.
    """

    provider: str
    requests: tuple[PlannedRequest, ...]
    applied: tuple[str, ...]
    skipped: tuple[str, ...] = ()

    def __repr__(self) -> str:
        head = f"Plan({self.provider}: applies {', '.join(self.applied)}"
        head += f"; skips {', '.join(self.skipped)})" if self.skipped else ")"
        return "\n".join([head, *(str(r) for r in self.requests)])

    __str__ = __repr__

    def _repr_html_(self) -> str:
        e = html.escape
        out = [f"<p><b>{e(self.provider)}</b>: applies {e(', '.join(self.applied))}"]
        if self.skipped:
            out.append(f"; <b>skips</b> {e(', '.join(self.skipped))}")
        out.append("</p>")
        for r in self.requests:
            rows = [("request", f"{r.method} {r.url}"), ("safety", r.safety), *r.headers]
            size = "streamed" if r.size is None else f"{r.size:,} bytes"
            rows += [("body", f"{r.content_type or 'none'}, {size}"), ("fields", ", ".join(r.fields))]
            rows += [("file", f) for f in r.files]
            out.append(
                "<table>"
                + "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in rows)
                + "</table>"
            )
        return "".join(out)


# -- from a change to a native call -------------------------------------------------------------------


class Prepared(Generic[T]):
    """A change checked and turned into the native call (strictly private; a plain class: it is made on
    every apply, and attrs' frozen init costs more).
    """

    __slots__ = ("applied", "call", "key_given", "provider", "skipped")

    def __init__(
        self,
        provider: str,
        call: Call[T],
        applied: tuple[str, ...],
        skipped: tuple[str, ...],
        key_given: bool = False,
    ) -> None:
        self.provider = provider
        self.call = call
        self.applied = applied
        self.skipped = skipped
        self.key_given = key_given  # the caller chose the idempotency key (else one is made per call)

    def done(self, result: T) -> Applied[T]:
        return Applied(self.provider, result, self.applied, self.skipped)


def prepare(
    provider: str,
    invoice: object,
    change: object,
    on_unsupported: object,
    extra: object,
    base: object = UNSET,
) -> Prepared[Any]:
    """Check *change* against *provider*'s table and build the native call; ValidationError otherwise."""
    if not isinstance(change, InvoiceChange):
        raise ValidationError("change", f"must be an invoicekit.InvoiceChange, not {type(change).__name__}")
    if on_unsupported not in _ON_UNSUPPORTED:
        choice(on_unsupported, "on_unsupported", _ON_UNSUPPORTED)
    table = TABLES[provider]
    args: dict[str, Any] = {}
    applied: list[str] = []
    refused: list[tuple[str, str]] = []
    for name, value in change._given:
        cell = table.cells[name]
        if cell.target is None:
            refused.append((name, f"{table.title} cannot set it ({cell.set})"))
        elif value is None and not cell.clearable:
            refused.append((name, f"None cannot clear it at {table.title} ({cell.clear})"))
        else:
            if value is not None and cell.shape != "value":
                value = _shaped(cell, name, value, table.title)
            head, rest = cell.path
            if rest:
                inner = args.get(head)
                if inner is None:
                    inner = args[head] = {}
                inner[rest] = value
            else:
                args[head] = value
            applied.append(name)
    if refused and on_unsupported == "raise":
        raise ValidationError(
            ", ".join(n for n, _ in refused),
            "; ".join(f"{n}: {why}" for n, why in refused)
            + ". Leave them UNSET, or pass on_unsupported='skip' to apply the rest",
        )
    if not applied:
        what = f" ({', '.join(n for n, _ in refused)} skipped)" if refused else ""
        raise ValidationError("change", f"nothing to apply at {table.title}{what}")
    if extra is not None:
        _merge(args, extra, table.extra, table.title)
    try:
        call = _BUILDERS[provider](invoice, args, base)
    except ValidationError as exc:
        refusal = _renamed(exc, table, applied, base)
    else:
        skipped = tuple(n for n, _ in refused)
        return Prepared(
            provider, call, tuple(applied), skipped, args.get("idempotency_key", UNSET) is not UNSET
        )
    raise refusal  # outside the handler: the native refusal is not chained (it may quote a caller's text)


def _renamed(exc: ValidationError, table: ProviderTable, applied: list[str], base: object) -> ValidationError:
    """*exc* named by the change's field when the value it names came from the change (the native path
    stays in the message); as it is when it came from ``extra=`` or ``base=``.
    """
    path = exc.field.removeprefix("invoice.") if table.name == "invoro" else exc.field
    for name in applied:
        native = table.cells[name].target or ""
        if table.name == "invoro" and native == "attachments":  # the PDF comes after base's others
            native = f"attachments[{len(_native('invoro', '_rules').kept_attachments(base))}]"
        elif table.cells[name].shape == "list":  # the change's one item
            native += "[0]"
        if path == native or path.startswith((f"{native}.", f"{native}[")):
            return ValidationError(name, f"{exc.rule} ({table.title}'s {exc.field})")
    return exc


def _shaped(cell: Cell, name: str, value: Any, title: str) -> Any:
    if cell.shape == "list":
        return [value]
    if len(value) != 1:  # "one": a list of exactly one item becomes that item
        raise ValidationError(name, f"{title} holds one address here; {len(value)} given")
    return value[0]


def _merge(args: dict[str, Any], extra: object, allowed: tuple[str, ...], title: str) -> None:
    """Add the native arguments in *extra*; a key the change also sets is a conflict, not an override."""
    if not isinstance(extra, Mapping):
        raise ValidationError("extra", f"must be a dict of native arguments, not {type(extra).__name__}")
    for key, value in extra.items():
        if key not in allowed:
            raise ValidationError(
                f"extra[{key!r}]", f"not an argument of {title}'s native call; one of: {', '.join(allowed)}"
            )
        mine = args.get(key, UNSET)
        if mine is UNSET:
            args[key] = value
        elif isinstance(mine, dict) and attrs.has(type(value)):
            given = {a.name: getattr(value, a.name) for a in attrs.fields(type(value))}
            for name, item in given.items():
                if item is UNSET:
                    continue
                if name in mine:
                    raise ValidationError(f"extra[{key!r}].{name}", "is also set by the change: set it once")
                mine[name] = item
        else:
            raise ValidationError(f"extra[{key!r}]", "is also set by the change: set it once")


# -- the builders: each calls the provider's own call builder, nothing else ---------------------------


@functools.cache
def _native(provider: str, module: str = "_client") -> Any:
    """The provider's client module (or *module*), imported once (an import statement per call costs
    microseconds).
    """
    return importlib.import_module(f"invoicekit.{provider}.{module}")


def _upflow(invoice: Any, args: dict[str, Any], base: object) -> Call[Any]:
    return _native("upflow").upload_pdf_call(invoice, **args)  # type: ignore[no-any-return]


def _salesbricks(invoice: Any, args: dict[str, Any], base: object) -> Call[Any]:
    return _native("salesbricks").update_call(invoice, **args)  # type: ignore[no-any-return]


def _payabli(invoice: Any, args: dict[str, Any], base: object) -> Call[Any]:
    native = _native("payabli", "_models").change_args(args)  # dicts made BillData / PayorData
    return _native("payabli").update_call(invoice, **native)  # type: ignore[no-any-return]


def _invoro(invoice: Any, args: dict[str, Any], base: object) -> Call[Any]:
    draft = _native("invoro", "_rules").draft_with(base, args)  # the PUT replaces the draft: *base* changed
    build = _native("invoro").update_draft_call
    return build(invoice, draft, calculate_totals=args.get("calculate_totals", UNSET))  # type: ignore[no-any-return]


def _whmcs(invoice: Any, args: dict[str, Any], base: object) -> Call[Any]:
    return _native("whmcs").update_invoice_call(invoice, **args)  # type: ignore[no-any-return]


_BUILDERS: dict[str, Callable[[Any, dict[str, Any], object], Call[Any]]] = {
    "upflow": _upflow,
    "salesbricks": _salesbricks,
    "payabli": _payabli,
    "invoro": _invoro,
    "whmcs": _whmcs,
}


# -- plans ---------------------------------------------------------------------------------------------


def plan(client: BaseClient, prepared: Prepared[Any], extra_headers: Mapping[str, str] | None = None) -> Plan:
    """The request *prepared* would send through *client*, built exactly as a send builds it, not sent."""
    planned = _planned(client, prepared, extra_headers)
    return Plan(prepared.provider, (planned,), prepared.applied, prepared.skipped)


def _planned(
    client: BaseClient, prepared: Prepared[Any], extra_headers: Mapping[str, str] | None
) -> PlannedRequest:
    return describe(client, prepared.call, extra_headers, key_given=prepared.key_given)


class _Described(Exception):  # not an error: how a dry run leaves the send it stopped
    def __init__(self, planned: PlannedRequest, call: Call[Any]) -> None:
        super().__init__()
        self.planned = planned
        self.call = call


def describe_send(
    operation: Callable[[], object], *, key_given: bool = False
) -> tuple[PlannedRequest, Call[Any]]:
    """Run *operation* (any public method of a sync client, e.g. ``lambda: client.invoices.update(...)``)
    as a dry run: its arguments are checked and its request built exactly as a send would, then described
    (secrets masked) instead of sent. Returns the description and the call (its safety, ``once_only``).
    *key_given*: the caller chose the idempotency key (else one made per call shows as new for each call).
    Raises what the operation raises before sending (ValidationError); nothing is ever sent.
    """
    from ._client import DRY_RUN

    def capture(client: BaseClient, call: Call[Any], extra_headers: Mapping[str, str] | None) -> None:
        DRY_RUN.reset(token)  # describing begins the call again: not a second capture
        raise _Described(describe(client, call, extra_headers, key_given=key_given), call)

    token = DRY_RUN.set(capture)
    try:
        operation()
    except _Described as done:
        return done.planned, done.call
    finally:
        if DRY_RUN.get() is capture:
            DRY_RUN.reset(token)
    raise RuntimeError("the operation sent no request to describe")  # not an operation of a client


def describe(
    client: BaseClient,
    call: Call[Any],
    extra_headers: Mapping[str, str] | None = None,
    *,
    key_given: bool = False,
) -> PlannedRequest:
    """The request *call* would be sent as through *client*, built exactly as a send builds it, secrets
    masked; nothing is sent.
    """
    from ._call import Form, Json, Multipart
    from ._forms import php_form

    auth = client._auth
    secret_headers = {name.lower() for name in auth.apply_headers()}
    call, state = client._begin(call, extra_headers)  # checks extra_headers as a send does
    fresh_key = call.idempotency_key if not key_given else None
    with ExitStack() as stack:
        try:
            request = client._request(call, state, stack)
        except FileReadError as exc:  # a file that cannot be read now: refused as a send refuses it
            refusal: ValidationError | None = client._unsent(exc)
        else:
            refusal = None
    if refusal is not None:
        raise refusal  # outside the handler: nothing chained
    headers: list[tuple[str, str]] = []
    content_type = None
    for name, value in request.headers.items():
        if name.lower() == "content-type":
            content_type = value.split(";")[0] if value.startswith("multipart/") else value
            if value.startswith("multipart/"):
                value = f"{content_type}; boundary=<new for each call>"
        elif name.lower() in secret_headers:
            value = "Bearer ***" if value.lower().startswith("bearer ") else "***"
        elif fresh_key is not None and value == fresh_key:
            value = "<new for each call>"
        headers.append((name, client._redactor.text(value)))
    length = request.headers.get("content-length")
    body = auth.apply_body(call.body)  # what the request carries: form credentials are fields too
    fields: list[str] = []
    files: list[str] = []
    if isinstance(body, Json):
        _leaves(body.value, "", fields, files)
    elif isinstance(body, Form):
        fields = [name for name, _ in php_form(body.fields)]
    elif isinstance(body, Multipart):
        fields = [name for name, _ in body.fields] + [name for name, _, _ in body.files]
        files = [_describe(f"{name}", f, f.name_or(default)) for name, f, default in body.files]
    return PlannedRequest(
        request.method,
        client._redactor.text(str(request.url)),
        tuple(headers),
        content_type,
        None if length is None else int(length),
        tuple(fields),
        tuple(files),
        call.safety.value,
    )


def _leaves(value: Any, path: str, out: list[str], files: list[str]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _leaves(item, f"{path}.{key}" if path else str(key), out, files)
    elif isinstance(value, list | tuple) and value:
        for i, item in enumerate(value):
            _leaves(item, f"{path}[{i}]", out, files)
    else:
        out.append(path)
        if isinstance(value, File):
            files.append(_describe(path, value, value.name_or("-"), "base64 of "))


def _describe(where: str, file: File, name: str, how: str = "") -> str:
    size = file.size()
    shown = "length unknown (a stream)" if size < 0 else f"{size:,} bytes"
    return f"{where}: {how}{name} ({file.content_type}, {shown})"
