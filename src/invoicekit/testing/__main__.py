"""``invoicekit fakes serve`` (or ``invoicekit-fakes``, ``python -m invoicekit.testing``): serve every
provider's fake on 127.0.0.1.

The fakes served are those of the provider registry (``invoicekit/_registry.py``), each seeded by its
``seed_demo()``.

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
from types import FrameType

from .. import _registry
from ._fake import FakeProvider
from ._invoro import DEMO_DRAFT as INVORO_DRAFT
from ._invoro import DEMO_SENT as INVORO_SENT
from ._salesbricks import DEMO_INVOICE as SALESBRICKS_INVOICE
from ._server import FakeServer, inject, parse_fault

__all__ = ["INVORO_DRAFT", "INVORO_SENT", "SALESBRICKS_INVOICE", "demo_fakes", "describe", "main"]


def demo_fakes() -> dict[str, tuple[FakeProvider, str]]:
    """A fake of every provider in the registry, by the name it is served under, each seeded with its demo
    invoices (``seed_demo``), with the words saying what they are.
    """
    fakes: dict[str, tuple[FakeProvider, str]] = {}
    for spec in _registry.providers():
        fake = spec.load_fake()()
        fakes[spec.name] = (fake, fake.seed_demo())
    return fakes


def describe(demo: dict[str, tuple[FakeProvider, str]], server: FakeServer) -> str:
    """What to paste: per provider, the environment variables and the client argument for the URL."""
    lines = [f"invoicekit fakes on {server.url} (Ctrl-C to stop)"]
    for name, (fake, seeded) in demo.items():
        spec = _registry.by_name(name)
        env = [
            f"{var}={server.base_url(name) if param == spec.url_param else getattr(fake, param)}"
            for var, param in spec.env
        ]
        if spec.url_env is not None:
            env.append(f"{spec.url_env}={server.base_url(name)}")
        lines += ["", f"# {spec.title}: {seeded}", *env, f"{spec.url_param}={server.base_url(name)}"]
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
    fakes = {name: fake for name, (fake, _) in demo.items()}
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
