"""Running a parsed ``invoicekit`` command (imported only once a command runs; the parser is in _cli).

Everything goes through the public clients: a native command calls ``client.invoices.<method>`` (or
``Whmcs.call``), ``apply`` calls ``client.invoices.apply``; ``--dry-run`` runs the same method under
:func:`invoicekit._change.describe_send`, which describes the request instead of sending it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import enum
import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

import attrs

import invoicekit
from invoicekit import InvoiceKitError, ValidationError

from ._cli import CHANGE_FLAGS, ENV, EXIT, OPERATIONS, Flag, Operation
from ._convert import iso_date
from ._errors import controls
from ._files import File
from ._structure import Naming, Structurer, extra_hints, keywords, loads, python_names
from ._unset import UNSET

__all__ = ["InputError", "run", "to_data"]


class InputError(Exception):
    """Input the command cannot use (a bad file, JSON, value or confirmation): exit 3 (or *code*)."""

    def __init__(self, message: str, code: int = EXIT["invalid"]) -> None:
        super().__init__(message)
        self.code = code


# -- output -----------------------------------------------------------------------------------------


def color(stream: TextIO) -> bool:
    """Colour only on a terminal, never with ``NO_COLOR`` set (to anything non-empty) or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _style(text: str, code: str, stream: TextIO) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color(stream) else text


def to_data(value: Any) -> Any:
    """A result as JSON data: attrs models as objects (UNSET fields left out), dates as ISO text,
    Decimals kept (written as exact JSON numbers), enums as their value, files as their name.
    """
    if attrs.has(type(value)):
        return {
            a.name: to_data(getattr(value, a.name))
            for a in attrs.fields(type(value))
            if getattr(value, a.name) is not UNSET
        }
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_data(value.value)
    if isinstance(value, File):
        return value.name_or("-")
    return value


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON text of *data*; a Decimal is written as its exact digits (a JSON number), never a float."""
    nonce = secrets.token_hex(8)
    numbers: list[str] = []

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            if not obj.is_finite():
                return str(obj)
            numbers.append(str(obj))
            return f"{nonce}:{len(numbers) - 1}"
        raise TypeError(f"{type(obj).__name__} is not JSON")

    text = json.dumps(data, default=default, indent=indent, ensure_ascii=False)
    text = _RAW_IN_JSON.sub(lambda m: "".join(f"\\u{ord(c):04x}" for c in m[0]), text)
    if not numbers:
        return text
    return re.sub(f'"{nonce}:([0-9]+)"', lambda m: numbers[int(m[1])], text)


#: What ``json.dumps(ensure_ascii=False)`` leaves raw and a terminal may act on (DEL, the C1 controls such as
#: the 8-bit CSI, the line separators, the bidirectional overrides): written as ``\\uXXXX``, the same data.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def _visible(text: str) -> str:
    """*text* for a terminal: every control character (ESC, BEL, CR, LF, C1, bidi overrides, ...) written
    as a visible escape (``\\x1b``), so a value from a provider cannot move the cursor, retitle the window
    or hide text.
    """
    if text.isprintable():
        return text
    return controls().sub(
        lambda m: "".join(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in m[0]), text
    )


def _rows(data: Any, prefix: str, out: list[tuple[str, str]]) -> None:
    if isinstance(data, dict) and data:
        for key, value in data.items():
            _rows(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(data, list) and data:
        for i, value in enumerate(data):
            _rows(value, f"{prefix}[{i}]", out)
    else:
        shown = data if isinstance(data, str) else dumps(data, indent=None)
        out.append((_visible(prefix or "result"), _visible(shown)))


def table(data: Any, stream: TextIO) -> str:
    """*data* as two aligned columns (path, value), one leaf per line."""
    rows: list[tuple[str, str]] = []
    _rows(data, "", rows)
    width = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"{_style(k.ljust(width), '1', stream)}  {v}" for k, v in rows)


def emit(data: Any, args: argparse.Namespace, text: str | None = None) -> None:
    """Print *data* on stdout: JSON, or a table (the default on a terminal). *text* replaces the table."""
    out = sys.stdout
    if out is None:  # stdout closed (`>&-`): the call is done; there is nowhere to print its result
        return
    fmt = args.output or ("table" if out.isatty() else "json")
    if fmt == "json":
        out.write(dumps(data) + "\n")
    else:
        out.write((text if text is not None else table(data, out)) + "\n")
    out.flush()


def error(message: str) -> None:
    if sys.stderr is None:  # stderr closed: print() would write the error to stdout, into the JSON
        return
    print(f"{_style('invoicekit: error:', '31', sys.stderr)} {_visible(message)}", file=sys.stderr)  # noqa: T201


# -- reading input ----------------------------------------------------------------------------------


def load_json(source: str, option: str) -> Any:
    """The JSON document in the file *source* (``-``: stdin); numbers with a fraction are exact Decimals."""
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as f:
                text = f.read()
    except OSError as exc:
        raise InputError(
            f"{option} {source}: cannot read it ({exc.strerror or type(exc).__name__})"
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"{option} {source}: not UTF-8 text") from None
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        where = "stdin" if source == "-" else source
        raise InputError(
            f"{option} {where}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        where = "stdin" if source == "-" else source
        raise InputError(f"{option} {where}: nested too deeply to read") from None
    except ValueError as exc:
        raise InputError(f"{option} {source}: {exc}") from None


def _payabli_names(name: str, attribute: attrs.Attribute[Any] | None) -> str:
    from ._convert import camel
    from ._fields import wire_key

    if attribute is not None:
        with contextlib.suppress(KeyError):  # KeyError: a field not declared through the field layer
            return wire_key(attribute)  # the field's own wire key (a bill's AdditionalData)
    return camel(name)


def _invoro_names(name: str, attribute: attrs.Attribute[Any] | None) -> str:
    from .invoro._models import wire_name

    return name if attribute is None else wire_name(attribute)


#: How each provider's --input names keys: its wire names (Payabli camelCase, Invoro's draft keys), else
#: the method's keyword names (Salesbricks' and WHMCS's wire names are those).
NAMING: dict[str, Naming] = {
    "upflow": python_names,
    "salesbricks": python_names,
    "payabli": _payabli_names,
    "invoro": _invoro_names,
    "whmcs": python_names,
}


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """The structurer's errors (JSON that does not fit the arguments) as input errors naming the JSON path."""
    try:
        yield
    except ValidationError as exc:
        raise InputError(f"invalid input: {exc.field}: {exc.rule}") from None


def flag_value(flag: Flag, raw: Any) -> Any:
    """A command-line value as the type the method takes; a bad one is an InputError naming the flag."""
    try:
        if flag.kind == "date":
            return iso_date(raw)
        if flag.kind == "decimal":
            return Decimal(raw)
        if flag.kind == "int":
            return _whole(raw)
        if flag.kind == "ints":
            return [_whole(v) for v in raw]
    except (ValueError, InvalidOperation):
        what = {"date": "a date (YYYY-MM-DD)", "decimal": "a number"}.get(flag.kind, "a whole number")
        raise InputError(f"invalid input: {flag.flag}: {raw!r} is not {what} (nothing was sent)") from None
    return raw


def _whole(raw: str) -> int:
    """ASCII digits as an int (int() also reads "1_0" as 10, and any script's digits)."""
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(raw)
    return int(raw)


# -- the commands -----------------------------------------------------------------------------------


def _check_env(provider: str, args: argparse.Namespace) -> None:
    """A missing credential variable: exit 4, naming it (the values are never printed or taken as flags)."""
    required, _, url_env = ENV[provider]
    wanted = list(required)
    if provider == "whmcs" and args.base_url is None:
        wanted.insert(0, url_env)
    missing = [name for name in wanted if not os.environ.get(name, "").strip()]
    if missing:
        raise InputError(
            f"missing credential: set the environment variable{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} ({provider} reads its credentials from the environment only)",
            EXIT["auth"],
        )


def _client(provider: str, args: argparse.Namespace) -> Any:
    _check_env(provider, args)
    options: dict[str, Any] = {"app_info": "invoicekit-cli"}
    if provider == "whmcs":
        if args.base_url is not None:
            options["url"] = args.base_url
    elif args.base_url is not None:
        options["base_url"] = args.base_url
    if args.sandbox:
        options["sandbox"] = True
    classes = {"upflow": "Upflow", "salesbricks": "Salesbricks", "payabli": "Payabli", "invoro": "Invoro",
               "whmcs": "Whmcs"}  # fmt: skip
    return getattr(invoicekit, classes[provider])(**options)


def _invoice(provider: str, raw: str) -> Any:
    """Payabli's and WHMCS's ids are ints (a non-number is passed on, for the library to refuse by name)."""
    if provider in {"payabli", "whmcs"} and re.fullmatch(r"[0-9]+", raw):
        return int(raw)
    return raw


def _keywords(client: Any, method: str) -> dict[str, Any]:
    """The keyword arguments of ``client.invoices.<method>`` (the invoice left out) and their annotations."""
    return keywords(getattr(type(client.invoices), method))


class _Sources:
    """Where each argument came from (a flag or --input), to name it in an error."""

    def __init__(self, base_url_given: bool = True) -> None:
        self.flags: dict[str, str] = {"base_url": "--base-url", "url": "--base-url", "sandbox": "--sandbox"}
        if not base_url_given:  # Whmcs() read its install's URL from the environment
            self.flags["url"] = ENV["whmcs"][2]
        self.input: set[str] = set()
        self.structurer: Structurer | None = None
        self.root: Any = None
        self.document: str | None = None  # the positional argument --input fills (Invoro's "invoice")

    def name(self, exc: ValidationError) -> str:
        head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", exc.field)
        root = head[0] if head else exc.field
        if root in self.flags and exc.field == root:
            return self.flags[root]
        if self.structurer is not None and root == self.document:
            rest = exc.field[len(root) :].lstrip(".")
            return self.structurer.path(rest, self.root, "--input $") if rest else "--input $"
        if self.structurer is not None and root in self.input:
            return self.structurer.path(exc.field, self.root, "--input $")
        return exc.field


def _native_kwargs(
    op: Operation, provider: str, client: Any, args: argparse.Namespace, sources: _Sources
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if op.input == "kwargs" and args.input is not None:
        data = load_json(args.input, "--input")
        if not isinstance(data, dict):
            raise InputError("--input: must be a JSON object of the operation's arguments")
        hints = _keywords(client, op.method)  # the invoice is the INVOICE argument
        structurer = Structurer(NAMING[provider])
        with _reading():
            kwargs = structurer.arguments(data, hints, "--input $", f"{provider} invoices.{op.method}")
        sources.input.update(kwargs)
        sources.structurer, sources.root = structurer, hints
    for flag in op.flags:
        raw = getattr(args, flag.param)
        if raw is None:
            continue
        if flag.param in kwargs:
            raise InputError(f"{flag.flag}: also given in --input; give it once", EXIT["usage"])
        kwargs[flag.param] = flag_value(flag, raw)
        sources.flags[flag.param] = flag.flag
    clearable = list(_keywords(client, op.method))
    for name in getattr(args, "clear", []) or []:
        if name not in clearable:
            raise InputError(
                f"--clear {name}: not an argument of {op.method} (one of: {', '.join(clearable)})",
                EXIT["usage"],
            )
        if name in kwargs:
            raise InputError(f"--clear {name}: also given a value; give it once", EXIT["usage"])
        kwargs[name] = None
        sources.flags[name] = f"--clear {name}"
    return kwargs


def _first_param(client: Any, method: str) -> str:
    import inspect

    params = list(inspect.signature(getattr(client.invoices, method)).parameters)
    return params[0]


def _native(
    provider: str, op: Operation, args: argparse.Namespace
) -> tuple[Any, Callable[[], Any], _Sources, bool]:
    """The client, the operation as a callable, where its arguments came from, and whether the caller
    chose the idempotency key.
    """
    client = _client(provider, args)
    sources = _Sources()
    if op.method == "call":
        params: dict[str, str] = {}
        for item in args.params:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise InputError(f"{item!r}: parameters are KEY=VALUE", EXIT["usage"])
            if key in params:
                raise InputError(f"{key}=: given twice; give it once", EXIT["usage"])
            params[key] = value
        return client, lambda: client.call(args.action, idempotent=args.idempotent, **params), sources, False
    invoice = _invoice(provider, args.invoice)
    method = getattr(client.invoices, op.method)
    sources.flags[_first_param(client, op.method)] = "INVOICE"
    if op.method == "upload_pdf":
        return client, lambda: method(invoice, args.file, encoding=args.encoding), sources, False
    if op.method == "get":
        return client, lambda: method(invoice), sources, False
    kwargs = _native_kwargs(op, provider, client, args, sources)
    if op.input == "document":
        if args.input is None:
            raise InputError("--input: required (the whole draft: the PUT replaces it)", EXIT["usage"])
        from .invoro import DraftInvoice

        structurer = Structurer(NAMING[provider])
        document = load_json(args.input, "--input")
        with _reading():
            draft = structurer.model(document, DraftInvoice, "--input $")
        sources.structurer, sources.root, sources.document = structurer, DraftInvoice, "invoice"
        return client, lambda: method(invoice, draft, **kwargs), sources, False
    key_given = isinstance(kwargs.get("idempotency_key"), str)
    return client, lambda: method(invoice, **kwargs), sources, key_given


def _apply(args: argparse.Namespace) -> tuple[Any, Callable[[], Any], Callable[[], Any], _Sources]:
    provider = args.provider
    client = _client(provider, args)
    sources = _Sources()
    fields: dict[str, Any] = {}
    for flag in CHANGE_FLAGS:
        raw = getattr(args, flag.param)
        if raw is not None:
            fields[flag.param] = flag_value(flag, raw)
            sources.flags[flag.param] = flag.flag
    for name in args.clear:
        if name in fields:
            raise InputError(f"--clear {name}: also given a value; give it once", EXIT["usage"])
        fields[name] = None
        sources.flags[name] = f"--clear {name}"
    try:
        change = invoicekit.InvoiceChange(**fields)
    except TypeError:
        unknown = sorted(set(fields) - {f.param for f in CHANGE_FLAGS})
        raise InputError(f"--clear {unknown[0]}: not a field of a change", EXIT["usage"]) from None
    options: dict[str, Any] = {"on_unsupported": "skip" if args.skip_unsupported else "raise"}
    if args.extra is not None:
        data = load_json(args.extra, "--extra")
        if not isinstance(data, dict):
            raise InputError("--extra: must be a JSON object of native arguments")
        hints = extra_hints(provider, type(client.invoices))
        with _reading():
            options["extra"] = Structurer().apply_extra(data, hints, "--extra $")
    if args.base is not None:
        if provider != "invoro":
            raise InputError("--base: only Invoro takes the draft as it is now", EXIT["usage"])
        from .invoro import DraftInvoice

        base = load_json(args.base, "--base")
        with _reading():
            options["base"] = Structurer(NAMING["invoro"]).model(base, DraftInvoice, "--base $")
    invoice = _invoice(provider, args.invoice)
    sources.flags.update(invoice="INVOICE", base="--base", extra="--extra", change="the change")
    return (
        client,
        lambda: client.invoices.apply(invoice, change, **options),
        lambda: client.invoices.plan(invoice, change, **options),
        sources,
    )


def _confirm(call: Any, what: str, args: argparse.Namespace) -> None:
    """An operation that must not run twice (it emails, appends, creates) needs --yes, or a yes on a TTY."""
    from ._call import Safety

    if not (call.safety is Safety.UNSAFE or call.once_only) or args.yes:
        return
    why = f"{what} must not run twice (it may email a customer, append lines or create a record)"
    if not sys.stdin.isatty():
        raise InputError(f"{why}: pass --yes to confirm (stdin is not a terminal)", EXIT["usage"])
    sys.stderr.write(f"{why}. Send it? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in {"y", "yes"}:
        raise InputError("not confirmed: nothing was sent", EXIT["usage"])


def _planned(planned: Any) -> dict[str, Any]:
    data: dict[str, Any] = to_data(planned)
    data["headers"] = dict(planned.headers)
    return data


def _send(
    client: Any, operation: Callable[[], Any], args: argparse.Namespace, what: str, key_given: bool
) -> Any:
    from ._change import describe_send

    planned, call = describe_send(operation, key_given=key_given)  # checks everything; sends nothing
    if args.dry_run:
        emit({"dry_run": True, "request": _planned(planned)}, args, f"dry run: nothing sent\n{planned}")
        return None
    _confirm(call, what, args)
    with client:
        return operation()


def run(args: argparse.Namespace) -> int:
    """Run one parsed command; print its result or error; return the exit status."""
    sources = _Sources(getattr(args, "base_url", None) is not None)
    try:
        if args.command == "capabilities":
            caps = invoicekit.capabilities()
            data = {
                provider: {
                    field: {
                        "support": cell.support,
                        "native": cell.target,
                        "value": cell.set,
                        "none": cell.clear,
                        "note": cell.note,
                    }
                    for field, cell in cells.items()
                }
                for provider, cells in caps.items()
            }
            emit(data, args, repr(caps))
            return EXIT["ok"]
        if args.command == "bulk":
            from ._cli_bulk import run as run_bulk

            return run_bulk(args)
        if args.command == "apply":
            client, operation, plan, sources = _apply(args)
            if args.dry_run:
                planned = plan()
                described: dict[str, Any] = {
                    "dry_run": True,
                    "provider": planned.provider,
                    "applied": list(planned.applied),
                    "skipped": list(planned.skipped),
                    "requests": [_planned(r) for r in planned.requests],
                }
                emit(described, args, f"dry run: nothing sent\n{planned}")
                return EXIT["ok"]
            result = _send(client, operation, args, f"apply to {args.provider} invoice {args.invoice}", False)
        else:
            op = next(o for o in OPERATIONS[args.command] if o.name == args.operation)
            client, operation, sources, key_given = _native(args.command, op, args)
            if op.writes:
                result = _send(client, operation, args, f"{args.command} {op.name}", key_given)
                if args.dry_run:
                    return EXIT["ok"]
            else:
                with client:
                    result = operation()
        emit({"ok": True} if result is None else to_data(result), args)
        return EXIT["ok"]
    except InputError as exc:
        error(str(exc))
        return exc.code
    except InvoiceKitError as exc:
        return _failed(exc, sources)


def _failed(exc: InvoiceKitError, sources: _Sources) -> int:
    """Print a library error (already scrubbed of credentials by the library) and map it to an exit code."""
    if isinstance(exc, ValidationError):
        where = sources.name(exc)
        if exc.rule.startswith("missing credential") or (exc.field == "url" and "WHMCS_URL" in exc.rule):
            error(f"{where}: {exc.rule}")
            return EXIT["auth"]
        rule = exc.rule.replace("pass on_unsupported='skip'", "pass --skip-unsupported")
        error(f"invalid input: {where}: {rule} (nothing was sent)")
        return EXIT["invalid"]
    name = type(exc).__name__
    error(f"{name}: {exc}")
    if isinstance(exc, invoicekit.AuthenticationError):
        return EXIT["auth"]
    if isinstance(exc, invoicekit.OutcomeUnknownError | invoicekit.DecodeError):
        return EXIT["unknown"]
    return EXIT["failed"]
