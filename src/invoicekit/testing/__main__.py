"""``invoicekit fakes serve`` (or ``invoicekit-fakes``, ``python -m invoicekit.testing``): serve all five
fakes on 127.0.0.1.

Every fake is seeded with a few demo invoices and served on one port, under its own name
(``http://127.0.0.1:<port>/upflow/v1``, ``/salesbricks/api/v2``, ``/payabli/api``, ``/invoro/invoice-api``,
``/whmcs``). The command prints, per provider, the environment variables (``<PROVIDER>_BASE_URL`` too,
which every client reads) and the ``base_url=`` to give a client, then serves until Ctrl-C (or SIGTERM),
and exits with status 0.

``--fault NAME:KIND[:VALUE][*TIMES]`` (repeatable) queues faults before serving, e.g. ``--fault
whmcs:timeout-after-apply`` or ``--fault salesbricks:status:503*2``; while serving, ``POST /_faults/NAME``
queues more and ``GET /`` lists the fakes (see ``FakeServer``).
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
from collections.abc import Sequence
from decimal import Decimal
from types import FrameType

import attrs

from ._fake import FakeProvider
from ._invoro import FakeInvoro
from ._payabli import FakePayabli
from ._salesbricks import FakeSalesbricks
from ._server import FakeServer, inject, parse_fault
from ._upflow import FakeUpflow
from ._whmcs import FakeWhmcs

__all__ = ["Demo", "demo_fakes", "describe", "main"]

#: Ids of the seeded demo invoices, so that the printed hints and the docs can name them.
INVORO_DRAFT = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"
INVORO_SENT = "0c2b7c1e-8f1d-4a55-9d62-5e3c4b2a1f00"
SALESBRICKS_INVOICE = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


@attrs.frozen
class Demo:
    """The five fakes of the demo, each seeded with a few invoices."""

    upflow: FakeUpflow
    salesbricks: FakeSalesbricks
    payabli: FakePayabli
    invoro: FakeInvoro
    whmcs: FakeWhmcs

    def by_name(self) -> dict[str, FakeProvider]:
        """The fakes by the name they are served under (``upflow``, ``salesbricks``, ...)."""
        return {field.name: getattr(self, field.name) for field in attrs.fields(Demo)}


def demo_fakes() -> Demo:
    """The five fakes, each seeded with a few demo invoices."""
    upflow = FakeUpflow()
    upflow.add_invoice("inv_demo_1", external_id="ERP-42")
    upflow.add_invoice("inv_demo_2", external_id="ERP-43")
    salesbricks = FakeSalesbricks()
    salesbricks.add_invoice(SALESBRICKS_INVOICE, attachments=["terms.pdf"], company_name="Acme SAS")
    payabli = FakePayabli()
    payabli.add_invoice(1001, invoice_status=1, invoice_data={"invoiceNumber": "INV-1001", "notes": ""})
    payabli.add_invoice(1002, invoice_status=4, invoice_data={"invoiceNumber": "INV-1002"})  # paid: locked
    invoro = FakeInvoro()
    invoro.add_invoice(INVORO_DRAFT)
    invoro.add_invoice(INVORO_SENT, state="sent")  # not a draft: updates are refused
    whmcs = FakeWhmcs()
    whmcs.add_invoice(1001, status="Draft", lines=[("Hosting", Decimal("10.00"), True)])
    whmcs.add_invoice(1002, status="Unpaid", lines=[("Domain", Decimal("9.95"), False)])
    return Demo(upflow, salesbricks, payabli, invoro, whmcs)


def describe(demo: Demo, server: FakeServer) -> str:
    """What to paste: per provider, the environment variables and the client argument for the URL."""
    up, sb, pb, io, wh = demo.upflow, demo.salesbricks, demo.payabli, demo.invoro, demo.whmcs
    scheme = "Authorization: Bearer" if io.auth_scheme == "bearer" else "X-Api-Key"
    sections = [
        ("Upflow", "invoices inv_demo_1 (external ERP-42), inv_demo_2 (external ERP-43)",
         [f"UPFLOW_API_KEY={up.api_key}", f"UPFLOW_API_SECRET={up.api_secret}"], "upflow", "base_url"),
        ("Salesbricks", f"invoice {SALESBRICKS_INVOICE}",
         [f"SALESBRICKS_API_KEY={sb.api_key}"], "salesbricks", "base_url"),
        ("Payabli", "invoices 1001 (active), 1002 (paid, so updates are declined)",
         [f"PAYABLI_API_KEY={pb.api_key}"], "payabli", "base_url"),
        ("Invoro", f"draft {INVORO_DRAFT}; {INVORO_SENT} is sent (refused); key as {scheme}",
         [f"INVORO_API_KEY={io.api_key}"], "invoro", "base_url"),
        ("WHMCS", "invoices 1001 (Draft), 1002 (Unpaid)",
         [f"WHMCS_URL={server.base_url('whmcs')}", f"WHMCS_IDENTIFIER={wh.identifier}",
          f"WHMCS_SECRET={wh.secret}"], "whmcs", "url"),
    ]  # fmt: skip
    lines = [f"invoicekit fakes on {server.url} (Ctrl-C to stop)"]
    for title, seeded, env, name, argument in sections:
        url_env = [] if name == "whmcs" else [f"{name.upper()}_BASE_URL={server.base_url(name)}"]
        lines += ["", f"# {title}: {seeded}", *env, *url_env, f"{argument}={server.base_url(name)}"]
    return "\n".join(lines)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser(prog: str = "python -m invoicekit.testing") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve invoicekit's fakes of Upflow, Salesbricks, Payabli, Invoro and WHMCS over HTTP.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: 0, a free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow a --host that is not a loopback address (the fakes accept published test credentials)",
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=5.0,
        help="seconds an injected timeout (--fault NAME:timeout, or POST /_faults/NAME) holds a request "
        "before closing it (default: 5)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME:KIND[:VALUE][*TIMES]",
        help="queue a fault on a fake before serving (repeatable). KIND: status[:CODE], refuse, drop, "
        "timeout (each of those two also as KIND-after-apply), slow:SECONDS, rate_limit:PER_MINUTE. "
        "E.g. whmcs:status:503*2, salesbricks:timeout-after-apply. While serving, POST /_faults/NAME "
        'with {"kind": "timeout", "times": 1} queues more.',
    )
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the command; returns the exit status (0 after Ctrl-C). ``invoicekit fakes serve`` (and its alias
    ``invoicekit-fakes``) runs this.
    """
    parser = _parser() if prog is None else _parser(prog)
    args = parser.parse_args(argv)
    if not _loopback(args.host) and not args.allow_non_loopback:
        parser.error(
            f"--host {args.host} is not a loopback address; add --allow-non-loopback to bind it anyway"
        )
    demo = demo_fakes()
    fakes = demo.by_name()
    for text in args.fault:
        try:
            name, spec = parse_fault(text)
            if name not in fakes:
                raise ValueError(f"{text!r}: no fake named {name!r} (one of {', '.join(fakes)})")
            inject(fakes[name], spec)
        except ValueError as exc:
            parser.error(f"--fault {exc}")
    try:
        server = FakeServer(fakes, host=args.host, port=args.port, stall=args.stall)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)  # noqa: T201
        return 1
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a shell starts background jobs ignoring it
        signal.signal(signum, _interrupt)
    try:
        print(describe(demo, server), flush=True)  # noqa: T201
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", flush=True)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
