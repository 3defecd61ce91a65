"""The ``invoicekit`` command: every operation of every provider from a shell, JSON in and out.

This module only builds the argument parser (standard library only: ``invoicekit --help`` imports neither
httpx nor attrs nor cattrs); :mod:`invoicekit._cli_run` runs a parsed command. See docs/cli.md.

Exit codes: 0 ok; 1 the call failed (the provider refused it, or no answer came to a call safe to
resend); 2 usage; 3 invalid input (nothing sent); 4 authentication (a missing credential variable, or the
provider refused the credentials); 5 outcome unknown (the call may have run); 6 a batch finished with
failures; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

__all__ = ["EXIT", "main", "parser"]

#: Exit codes, by meaning (documented in docs/cli.md).
EXIT = {
    "ok": 0,
    "failed": 1,
    "usage": 2,
    "invalid": 3,
    "auth": 4,
    "unknown": 5,
    "batch": 6,
    "interrupted": 130,
}


class Flag(NamedTuple):
    """One option of an operation: ``--flag`` sets the method's keyword *param*, read as *kind*.

    Kinds: ``text``, ``date`` (YYYY-MM-DD), ``decimal``, ``int``, ``true`` (the flag alone sets True),
    ``texts`` / ``ints`` / ``files`` (repeatable), ``file``.
    """

    flag: str
    param: str
    kind: str
    help: str


class Operation(NamedTuple):
    """One command: ``invoicekit PROVIDER NAME ...`` calls ``client.invoices.METHOD`` (or ``client.call``)."""

    name: str
    method: str
    help: str
    flags: tuple[Flag, ...] = ()
    #: What ``--input`` holds: "" (no --input), "kwargs" (the method's keyword arguments as JSON, with
    #: the provider's wire names), "document" (the positional model, e.g. Invoro's draft).
    input: str = ""
    #: Whether the operation changes something (reads need no --yes and take no --dry-run confirmation).
    writes: bool = True


#: The documented environment variables, per provider: (required credentials, optional ones, URL variable).
ENV: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "upflow": (("UPFLOW_API_KEY", "UPFLOW_API_SECRET"), (), "UPFLOW_BASE_URL"),
    "salesbricks": (("SALESBRICKS_API_KEY",), (), "SALESBRICKS_BASE_URL"),
    "payabli": (("PAYABLI_API_KEY",), (), "PAYABLI_BASE_URL"),
    "invoro": (("INVORO_API_KEY",), (), "INVORO_BASE_URL"),
    "whmcs": (("WHMCS_IDENTIFIER", "WHMCS_SECRET"), ("WHMCS_ACCESS_KEY",), "WHMCS_URL"),
}

_DATE = "YYYY-MM-DD"


def _asks_yes(flag: str, help: str) -> Flag:
    """A switch of an operation that must not run twice (it emails, publishes, creates): without
    ``--yes`` the command asks (or refuses, off a terminal). Its keyword is the flag's name in snake_case.
    """
    return Flag(flag, flag[2:].replace("-", "_"), "true", f"{help} (asks for --yes)")


OPERATIONS: dict[str, tuple[Operation, ...]] = {
    "upflow": (
        Operation(
            "upload-pdf",
            "upload_pdf",
            "upload or replace the invoice's PDF (POST /invoices/{id}/pdf)",
        ),
    ),
    "salesbricks": (
        Operation(
            "update",
            "update",
            "override fields of an invoice and/or set its PDF attachments (PATCH /invoices/{id})",
            (
                Flag("--due-at", "due_at", "date", _DATE),
                Flag("--purchase-order", "purchase_order", "text", "the PO code"),
                Flag("--persist-purchase-order", "persist_purchase_order", "true", "also on future invoices"),
                Flag("--company-name", "company_name", "text", "changes the subscription too"),
                Flag("--accounts-payable-email", "accounts_payable_emails", "texts", "repeatable"),
                Flag("--invoice-memo", "invoice_memo", "text", "at most 2,000 characters"),
                Flag("--persist-memo", "persist_memo", "true", "also on future invoices"),
                Flag("--show-brick-descriptions", "show_brick_descriptions", "true", ""),
                Flag("--tax-id", "tax_id", "text", ""),
                Flag("--reason-for-updating", "reason_for_updating", "text", "audit reason"),
                _asks_yes("--send-invoice", "email the invoice"),
                Flag(
                    "--attach",
                    "pdf_attachments",
                    "files",
                    "a PDF; repeatable; REPLACES all invoice-level attachments",
                ),
                Flag("--idempotency-key", "idempotency_key", "text", "default: a new UUID per call"),
            ),
            input="kwargs",
        ),
    ),
    "payabli": (
        Operation(
            "update",
            "update",
            "update an invoice (PUT /Invoice/{id}); --input holds Payabli's body "
            '({"invoiceData": ..., "customerData": ..., "scheduledOptions": ...})',
            (_asks_yes("--force-customer-creation", "create a new customer record"),),
            input="kwargs",
        ),
        Operation("get", "get", "read an invoice (GET /Invoice/{id})", writes=False),
    ),
    "invoro": (
        Operation(
            "update-draft",
            "update_draft",
            "replace a draft invoice (PUT /invoices/{id}); --input holds the whole draft as Invoro's JSON",
            (Flag("--calculate-totals", "calculate_totals", "true", "let Invoro compute the totals"),),
            input="document",
        ),
    ),
    "whmcs": (
        Operation(
            "update",
            "update",
            "change an invoice (UpdateInvoice); --input takes the method's arguments as JSON (e.g. "
            '{"items": {"13": {"description": ..., "amount": ..., "taxed": true}}, "new_items": [...]})',
            (
                Flag(
                    "--status", "status", "text", "Draft, Unpaid, Paid, Cancelled, Refunded, Collections, ..."
                ),
                Flag("--payment-method", "payment_method", "text", ""),
                Flag("--tax-rate", "tax_rate", "decimal", ""),
                Flag("--tax-rate2", "tax_rate2", "decimal", ""),
                Flag("--credit", "credit", "decimal", ""),
                Flag("--date", "date", "date", _DATE),
                Flag("--due-date", "due_date", "date", _DATE),
                Flag("--date-paid", "date_paid", "date", _DATE),
                Flag("--notes", "notes", "text", ""),
                Flag("--delete-line-id", "delete_line_ids", "ints", "repeatable"),
                _asks_yes("--publish", "publish a draft"),
                _asks_yes("--publish-and-send-email", "publish and email the customer"),
            ),
            input="kwargs",
        ),
        Operation("get", "get", "read an invoice (GetInvoice)", writes=False),
        Operation("call", "call", "run any WHMCS API action: invoicekit whmcs call ACTION key=value ..."),
    ),
}

#: apply's options: --flag -> InvoiceChange field.
CHANGE_FLAGS: tuple[Flag, ...] = (
    Flag("--due-date", "due_date", "date", _DATE),
    Flag("--issue-date", "issue_date", "date", _DATE),
    Flag("--memo", "memo", "text", "the note shown on the invoice"),
    Flag("--po-number", "po_number", "text", "the customer's purchase-order number"),
    Flag("--pdf", "pdf", "file", "the invoice's PDF"),
    Flag("--customer-email", "customer_emails", "texts", "repeatable"),
)

_EPILOG = """\
credentials come only from the environment (never a flag):
  upflow       UPFLOW_API_KEY, UPFLOW_API_SECRET
  salesbricks  SALESBRICKS_API_KEY
  payabli      PAYABLI_API_KEY
  invoro       INVORO_API_KEY
  whmcs        WHMCS_URL, WHMCS_IDENTIFIER, WHMCS_SECRET (WHMCS_ACCESS_KEY optional)
<PROVIDER>_BASE_URL points a provider at another URL (e.g. `invoicekit fakes serve`).

exit codes: 0 ok, 1 the call failed (refused, or no answer to a call safe to resend), 2 usage,
3 invalid input (nothing sent), 4 authentication, 5 outcome unknown (the call may have run),
6 a batch finished with failures, 130 interrupted.
"""


def _common(sub: argparse.ArgumentParser, *, writes: bool, remote: bool = True) -> None:
    sub.add_argument(
        "--output",
        "-o",
        choices=("json", "table"),
        help="json (the default when stdout is not a terminal) or table (the default on a terminal)",
    )
    if not remote:
        return
    sub.add_argument(
        "--base-url", metavar="URL", help="send to this URL (default: <PROVIDER>_BASE_URL, else production)"
    )
    sub.add_argument("--sandbox", action="store_true", help="use the provider's sandbox URL")
    if writes:
        sub.add_argument(
            "--dry-run",
            action="store_true",
            help="print the request that would be sent (secrets masked) and send nothing",
        )
        sub.add_argument(
            "--yes",
            "-y",
            action="store_true",
            help="confirm an operation that must not run twice (emails, appended lines, new records); "
            "required when stdin is not a terminal",
        )


def _flag(sub: argparse.ArgumentParser, flag: Flag) -> None:
    if flag.kind == "true":
        sub.add_argument(flag.flag, dest=flag.param, action="store_const", const=True, help=flag.help)
    elif flag.kind in {"texts", "ints", "files"}:
        metavar = {"files": "FILE", "ints": "N"}.get(flag.kind, "TEXT")
        sub.add_argument(flag.flag, dest=flag.param, action="append", metavar=metavar, help=flag.help)
    else:
        metavar = {"date": "DATE", "decimal": "NUMBER", "int": "N", "file": "FILE"}.get(flag.kind, "TEXT")
        sub.add_argument(flag.flag, dest=flag.param, metavar=metavar, help=flag.help)


def _clear(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--clear",
        action="append",
        default=[],
        metavar="FIELD",
        help="clear a field (send the provider's empty value), e.g. --clear invoice_memo; repeatable",
    )


class _Gettext:
    """argparse translates every help string through gettext, which searches the disk for a catalogue on
    each call (~0.6 ms each, ~50 calls: a third of ``invoicekit --help``). The same answers, looked up once.
    """

    def __init__(self, gettext: Callable[[str], str]) -> None:
        self.gettext = gettext
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = self.gettext(text)
        return found


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, with the terminal width read once, without importing shutil (which loads
    zlib, bz2 and lzma: a fifth of ``invoicekit --help``), and the description and epilog kept as written.
    """

    _width = 0  # read on first use

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        if not _Formatter._width:
            columns = os.environ.get("COLUMNS", "")
            if columns.isdigit():
                _Formatter._width = int(columns)
            else:
                try:
                    _Formatter._width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
                except (OSError, AttributeError, ValueError):
                    _Formatter._width = 80
        super().__init__(prog, indent_increment, max_help_position, width=max(_Formatter._width - 2, 11))

    def _split_lines(self, text: str, width: int) -> list[str]:
        """argparse's wrapping of an option's help, without importing textwrap (greedy, on spaces)."""
        lines: list[str] = []
        line = ""
        for word in text.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        return [*lines, line] if line else lines


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line (standard library only). With *command*, only that command's arguments are
    declared (the others are listed by name): what one run needs, for a quick start.
    """
    translate = getattr(argparse, "_", None)
    if callable(translate) and not isinstance(translate, _Gettext):  # the process runs the command
        setattr(argparse, "_", _Gettext(translate))  # noqa: B010 (argparse's own name for gettext)
    top = argparse.ArgumentParser(
        prog="invoicekit",
        description="Change invoices at Upflow, Salesbricks, Payabli, Invoro and WHMCS from a shell. "
        "Results are JSON on stdout; errors go to stderr.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    top.add_argument("--version", action="store_true", help="print the version and exit")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    helps = {provider: f"{provider}'s operations" for provider in OPERATIONS}
    helps["apply"] = "apply one provider-independent change (due date, memo, PO number, PDF, emails)"
    helps["bulk"] = "run a batch of changes from a JSON Lines file, journaled and resumable"
    helps["capabilities"] = "what each provider does with each field of a change"
    helps["fakes"] = "the stateful fakes, served over HTTP on 127.0.0.1"
    for name, text in helps.items():
        sub = commands.add_parser(name, help=text, description=text, epilog=_EPILOG)
        if command is None or command == name:
            _DECLARE.get(name, _provider)(sub, name)
    return top


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _provider(prov: argparse.ArgumentParser, provider: str) -> None:
    ops = prov.add_subparsers(dest="operation", metavar="OPERATION", required=True, parser_class=_Parser)
    for op in OPERATIONS[provider]:
        sub = ops.add_parser(op.name, help=op.help, description=op.help)
        if op.method == "call":
            sub.add_argument("action", metavar="ACTION", help="the WHMCS API action, e.g. GetInvoice")
            sub.add_argument("params", nargs="*", metavar="KEY=VALUE", help="the action's parameters")
            sub.add_argument(
                "--idempotent",
                action="store_true",
                help="the action is a read or repeatable: retried, and needs no --yes",
            )
        else:
            sub.add_argument("invoice", metavar="INVOICE", help="the invoice id")
        if op.method == "upload_pdf":
            sub.add_argument("file", metavar="FILE", help="the PDF")
            sub.add_argument("--encoding", choices=("multipart", "base64"), default="multipart")
        for flag in op.flags:
            _flag(sub, flag)
        if op.input:
            sub.add_argument(
                "--input",
                "-i",
                metavar="FILE",
                help="JSON file ('-' reads stdin); "
                + ("the method's arguments" if op.input == "kwargs" else "the document to send"),
            )
        if op.input == "kwargs":
            _clear(sub)
        _common(sub, writes=op.writes)


def _apply(apply: argparse.ArgumentParser, name: str) -> None:
    apply.add_argument("provider", choices=tuple(OPERATIONS), metavar="PROVIDER")
    apply.add_argument("invoice", metavar="INVOICE")
    for flag in CHANGE_FLAGS:
        _flag(apply, flag)
    _clear(apply)
    apply.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="apply what the provider supports and report the rest (default: refuse the whole change)",
    )
    apply.add_argument("--extra", metavar="FILE", help="JSON file of native arguments (extra=)")
    apply.add_argument(
        "--base", metavar="FILE", help="Invoro: the draft as it is now (JSON; '-' reads stdin)"
    )
    _common(apply, writes=True)


def _bulk(bulk: argparse.ArgumentParser, name: str) -> None:
    """``invoicekit bulk run|status|report`` (run by invoicekit._cli_bulk)."""
    ops = bulk.add_subparsers(dest="operation", metavar="OPERATION", required=True, parser_class=_Parser)
    run = ops.add_parser(
        "run",
        help="run a batch of jobs (JSON Lines or CSV), journaled; rerun the same command to resume",
        description="Run JOBS, one row per job in the journal; a rerun with the same journal skips what is "
        "done, retries what is safe, and never resends a job whose outcome is unknown.",
    )
    run.add_argument("jobs", metavar="JOBS", help="a .jsonl (or .csv) file of jobs")
    run.add_argument(
        "--journal", default="run.db", metavar="RUN.db", help="the SQLite journal (default: run.db)"
    )
    run.add_argument("--concurrency", type=int, metavar="N", help="calls in flight per account")
    run.add_argument(
        "--retry-failed", action="store_true", help="also retry jobs that failed for good before"
    )
    run.add_argument(
        "--progress",
        choices=("auto", "bar", "none"),
        default="auto",
        help="auto (the default): a bar on stderr when it is a terminal, none when piped",
    )
    for name, text in (
        ("status", "counts of a journal's jobs by state; sends nothing"),
        ("report", "the failed and unknown jobs of a journal, as JSON Lines (or CSV); sends nothing"),
    ):
        sub = ops.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--journal", default="run.db", metavar="RUN.db", help="the SQLite journal (default: run.db)"
        )
        if name == "report":
            sub.add_argument(
                "--which",
                choices=("failures", "unknown", "problems", "all"),
                default="problems",
                help="which jobs (default: problems = failed and unknown)",
            )
            sub.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    for sub in (run, *(ops.choices[n] for n in ("status",))):
        sub.add_argument(
            "--output", "-o", choices=("json", "table"), help="json or table (default on a terminal)"
        )


def _capabilities(caps: argparse.ArgumentParser, name: str) -> None:
    _common(caps, writes=False, remote=False)


def _fakes(fakes: argparse.ArgumentParser, name: str) -> None:
    fakes_ops = fakes.add_subparsers(dest="operation", metavar="OPERATION", required=True)
    fakes_ops.add_parser(
        "serve", help="serve all five fakes (see invoicekit fakes serve --help)", add_help=False
    )


_DECLARE: dict[str, Callable[[argparse.ArgumentParser, str], None]] = {
    "apply": _apply,
    "bulk": _bulk,
    "capabilities": _capabilities,
    "fakes": _fakes,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == ["fakes", "serve"]:  # its own parser, in invoicekit.testing
        from .testing.__main__ import main as serve

        return serve(args_list[2:], prog="invoicekit fakes serve")
    command = next((a for a in args_list if not a.startswith("-")), "")
    top = parser(command)
    args = top.parse_args(args_list)
    if args.version:
        from ._version import __version__

        print(f"invoicekit {__version__}")  # noqa: T201
        return 0
    if args.command is None:
        top.print_help(sys.stderr)
        return EXIT["usage"]
    from ._cli_run import run

    try:
        return run(args)
    except KeyboardInterrupt:
        print("invoicekit: interrupted", file=sys.stderr)  # noqa: T201
        return EXIT["interrupted"]
    except BrokenPipeError:  # `invoicekit ... | head`: the reader left; not an error of the command
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again
        return EXIT["ok"]


def console() -> None:
    """The ``invoicekit`` console script."""
    sys.exit(main())


def fakes_alias() -> None:
    """The ``invoicekit-fakes`` console script: ``invoicekit fakes serve``, by its older name."""
    sys.exit(main(["fakes", "serve", *sys.argv[1:]]))
