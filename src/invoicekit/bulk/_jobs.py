"""Jobs: what one change of one invoice is, and how to read them from Python, JSON Lines and CSV.

Readers are generators: a file of a million lines is read one line at a time, never held whole.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .._change import InvoiceChange
from .._checks import utf8
from .._convert import iso_date
from .._errors import ValidationError

__all__ = ["PROVIDERS", "Job", "Native", "from_csv", "from_jsonl", "job_from_json", "jobs_from"]

PROVIDERS = ("upflow", "salesbricks", "payabli", "invoro", "whmcs")
_CHANGE_FIELDS = ("due_date", "issue_date", "memo", "po_number", "pdf", "customer_emails")
_DATE_FIELDS = ("due_date", "issue_date")
_JOB_KEYS = frozenset({"id", "provider", "invoice", "change", "account", "extra", "on_unsupported"})


@attrs.frozen(init=False)
class Native:
    """A native operation of ``client.invoices`` and its keyword arguments, as a job's *change*:
    ``bulk.Native("update", new_items=[whmcs.NewItem(...)])`` runs ``client.invoices.update(invoice, ...)``.
    """

    op: str
    args: Mapping[str, Any]

    def __init__(self, op: str, /, **args: Any) -> None:
        if not isinstance(op, str) or not op.isidentifier() or op.startswith("_"):  # type: ignore[redundant-expr]
            raise ValidationError("change.op", f"must name an operation of client.invoices, not {op!r}")
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", dict(args))


def _check_job(inst: Job, attribute: object, value: object) -> None:
    if inst.provider not in PROVIDERS:
        raise ValidationError("provider", f"must be one of {', '.join(PROVIDERS)}, not {inst.provider!r}")
    if not isinstance(inst.change, InvoiceChange | Native):
        raise ValidationError(
            "change", f"must be an InvoiceChange or a bulk.Native, not {type(inst.change).__name__}"
        )
    if inst.on_unsupported not in ("raise", "skip"):
        raise ValidationError("on_unsupported", f"must be 'raise' or 'skip', not {inst.on_unsupported!r}")
    account: object = inst.account
    if not isinstance(account, str):
        raise ValidationError("account", f"must be a str, not {type(account).__name__}")
    utf8(account, "account")  # the journal (SQLite) stores it as UTF-8
    if isinstance(inst.id, str):
        utf8(inst.id, "id")
    owner = account.split(":", 1)[0]
    if (":" in account or account in PROVIDERS) and owner != inst.provider:  # another provider's client
        raise ValidationError(
            "account", f"must be {inst.provider!r} or '{inst.provider}:NAME', not {account!r}"
        )
    invoice: object = inst.invoice
    if isinstance(invoice, bool) or not isinstance(invoice, str | int) or invoice == "":
        raise ValidationError("invoice", f"must be a non-empty str or an int, not {inst.invoice!r}")
    if isinstance(invoice, str):
        utf8(invoice, "invoice")


@attrs.frozen
class Job:
    """One change of one invoice: ``bulk.Job("upflow", "external:ERP-42", InvoiceChange(pdf="a.pdf"))``.

    *change* is an :class:`~invoicekit.InvoiceChange` (applied with ``client.invoices.apply``) or a
    :class:`Native` operation. *id* is the job's identity in the journal (default: a hash of the job).
    *account* names the provider account when a run talks to several of one provider (default: the
    provider's name): each account has its own client, concurrency and rate limit. *extra* and
    *on_unsupported* go to ``apply``; *base* is Invoro's current draft (``apply(..., base=)``).
    """

    provider: str
    invoice: str | int
    change: InvoiceChange | Native
    id: str = attrs.field(default="", kw_only=True)
    account: str = attrs.field(default="", kw_only=True)
    extra: Mapping[str, Any] | None = attrs.field(default=None, kw_only=True)
    on_unsupported: str = attrs.field(default="raise", kw_only=True, validator=_check_job)
    base: Any = attrs.field(default=None, kw_only=True, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.account:
            object.__setattr__(self, "account", self.provider)
        elif self.account != self.provider and ":" not in self.account:  # "eu": the provider's account "eu"
            object.__setattr__(self, "account", f"{self.provider}:{self.account}")
        if not self.id:
            object.__setattr__(self, "id", _digest(self._describe()))

    def _describe(self) -> str:
        change: object
        if isinstance(self.change, Native):
            change = {"op": self.change.op, "args": self.change.args}
        else:
            change = self.change.given()
        data = [self.provider, self.account, self.invoice, change, self.extra, self.on_unsupported]
        return json.dumps(data, sort_keys=True, default=repr)

    @property
    def what(self) -> str:
        """A short description for the journal: the operation and the names of the fields it sets."""
        if isinstance(self.change, Native):
            return f"{self.change.op}({', '.join(sorted(self.change.args))})"
        return f"apply({', '.join(self.change.given())})"


def _digest(text: str) -> str:
    # surrogatepass: a line's text may hold a lone surrogate (its value is refused where it is used)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _loads(text: str) -> Any:
    """A job's JSON, read as the command line reads it (exact Decimals; no NaN, no key given twice)."""
    from .._structure import loads

    return loads(text)


def jobs_from(source: Iterable[Job] | str | os.PathLike[str]) -> Iterator[Job]:
    """Jobs from an iterable, or from a ``.jsonl``/``.ndjson``/``.csv`` file (by its suffix)."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        read = from_csv if path.suffix.lower() == ".csv" else from_jsonl
        for _ in read(path):  # a first pass, keeping nothing: a bad line stops the run before it starts
            pass
        return read(path)
    return iter(source)


def from_jsonl(path: str | os.PathLike[str]) -> Iterator[Job]:
    """Read jobs from a JSON Lines file, one object per line (blank lines and ``#`` comments skipped).

    A relative ``pdf`` path is read relative to the file's directory. A line that is not a job raises
    ValidationError naming the line number and the field.
    """
    path = Path(path)
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            try:  # a BOM (Windows editors write one) is not part of the first line
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
            except UnicodeDecodeError as exc:
                raise ValidationError(f"line {number}", f"is not UTF-8 text ({exc.reason})") from None
            if not text or text.startswith("#"):
                continue
            try:
                data = _loads(text)
            except (ValueError, RecursionError) as exc:
                raise ValidationError(f"line {number}", f"is not JSON ({exc})") from None
            yield _job_from_json(data, text, path.parent, f"line {number}")


def job_from_json(data: str | Mapping[str, Any], *, root: str | os.PathLike[str] = ".") -> Job:
    """One job from its JSON Lines form (a line of text, or the decoded object); a relative ``pdf`` path is
    read relative to *root*. Raises ValidationError naming the field.
    """
    try:  # a decoded object is hashed by its JSON text (a Decimal by its digits)
        text = data if isinstance(data, str) else json.dumps(data, sort_keys=True, default=_number)
        decoded = _loads(text) if isinstance(data, str) else dict(data)
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValidationError("job", f"is not JSON ({exc})") from None
    return _job_from_json(decoded, text.strip(), Path(root), "job")


def _number(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def from_csv(path: str | os.PathLike[str]) -> Iterator[Job]:
    """Read change jobs from a CSV file with a header: ``id`` (optional), ``provider``, ``invoice``,
    ``account`` (optional) and the change's fields (``due_date``, ``issue_date``, ``memo``, ``po_number``,
    ``pdf``, ``customer_emails`` separated by ``;``). An empty cell leaves the field alone.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as rows:  # -sig: a BOM is not part of the header
        reader = csv.DictReader(_text_lines(rows, path))
        seen: set[str] = set()
        for name in reader.fieldnames or ():
            if name in seen:  # DictReader would keep the last column of the name, silently
                raise ValidationError(f"line 1: {name}", "is a CSV column given twice")
            seen.add(name)
        for number, row in enumerate(reader, 2):
            where = f"line {number}"
            unknown = sorted(set(row) - {"id", "provider", "invoice", "account", *_CHANGE_FIELDS})
            if unknown:
                raise ValidationError(f"{where}: {unknown[0]}", "is not a CSV job column")
            change: dict[str, Any] = {k: v for k, v in row.items() if k in _CHANGE_FIELDS and v}
            if "customer_emails" in change:
                change["customer_emails"] = [e.strip() for e in change["customer_emails"].split(";")]
            data = {k: row[k] for k in ("id", "provider", "invoice", "account") if row.get(k)}
            text = json.dumps(list(row.values()))
            yield _job_from_json({**data, "change": change}, text, path.parent, where)


def _text_lines(lines: Iterable[str], path: Path) -> Iterator[str]:
    try:
        yield from lines
    except UnicodeDecodeError as exc:
        raise ValidationError(path.name, f"is not UTF-8 text ({exc.reason})") from None


def _job_from_json(data: Any, text: str, root: Path, where: str) -> Job:
    if not isinstance(data, dict):
        raise ValidationError(where, "must be a JSON object")
    unknown = sorted(set(data) - _JOB_KEYS)
    if unknown:
        raise ValidationError(f"{where}: {unknown[0]}", "is not a job field")
    for key in ("provider", "invoice", "change"):
        if key not in data:
            raise ValidationError(f"{where}: {key}", "is required")
    try:
        raw = data["change"]
        if not isinstance(raw, dict):
            raise ValidationError("change", "must be a JSON object")
        change = _native(raw, data["provider"], root) if "op" in raw else _change(raw, root)
        extra = data.get("extra")
        if isinstance(extra, dict) and isinstance(change, InvoiceChange) and data["provider"] in PROVIDERS:
            extra = _extra(data["provider"], extra, root)
        job_id = data.get("id", _digest(text))
        if not isinstance(job_id, str | int) or isinstance(job_id, bool) or job_id == "":
            raise ValidationError("id", f"must be a non-empty string, not {job_id!r}")
        return Job(
            data["provider"],
            data["invoice"],
            change,
            id=str(job_id),
            account=data.get("account") or "",
            extra=extra,
            on_unsupported=data.get("on_unsupported", "raise"),
        )
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc.field}", exc.rule) from None


def _native(raw: dict[str, Any], provider: object, root: Path) -> Native:
    unknown = sorted(set(raw) - {"op", "args"})
    if unknown:
        raise ValidationError(f"change.{unknown[0]}", "a native change has only 'op' and 'args'")
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise ValidationError("change.args", "must be a JSON object of keyword arguments")
    op = Native(raw["op"]).op
    if provider not in PROVIDERS:
        raise ValidationError("provider", f"must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    return Native(op, **_structured(str(provider), op, args, root))


def _structured(provider: str, op: str, args: dict[str, Any], root: Path) -> dict[str, Any]:
    """JSON values made into what the native method takes, by its annotations (the structurer the command
    line uses too): ISO dates, money as text or numbers, the provider's models from objects with their
    Python field names (``{"description": ..., "amount": "15.00"}``), a relative file path read from
    *root* (as the change form's ``pdf``); errors name the JSON path.
    """
    from .._structure import Structurer, keywords
    from ._runner import _planner

    method = getattr(type(_planner(provider).invoices), op, None)
    if method is None or op in {"plan", "apply", "with_raw_response"} or not callable(method):
        raise ValidationError("change.op", f"{provider} has no native operation {op!r}")
    structurer = Structurer(root=root)
    return structurer.arguments(args, keywords(method), "change.args", f"{provider} invoices.{op}")


def _extra(provider: str, extra: dict[str, Any], root: Path) -> dict[str, Any]:
    """A change job's ``extra`` read as the command line reads ``--extra`` (dates, money, models)."""
    from .._structure import Structurer, extra_hints
    from ._runner import _planner

    hints = extra_hints(provider, type(_planner(provider).invoices))
    return Structurer(root=root).apply_extra(extra, hints, "extra")


def _change(raw: dict[str, Any], root: Path) -> InvoiceChange:
    unknown = sorted(set(raw) - set(_CHANGE_FIELDS))
    if unknown:
        raise ValidationError(f"change.{unknown[0]}", f"is not a field of InvoiceChange ({_CHANGE_FIELDS})")
    fields = dict(raw)
    for name in _DATE_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            try:
                fields[name] = iso_date(value)
            except ValueError:
                raise ValidationError(f"change.{name}", f"must be a date YYYY-MM-DD, not {value!r}") from None
    pdf = fields.get("pdf")
    if isinstance(pdf, str):
        fields["pdf"] = str(root / pdf)
    try:
        return InvoiceChange(**fields)
    except ValidationError as exc:
        raise ValidationError(f"change.{exc.field}", exc.rule) from None
