"""``invoicekit bulk run|status|report``: the command line over :mod:`invoicekit.bulk`'s public API.

A progress bar (the ``bulk`` extra's tqdm) is drawn on stderr when stderr is a terminal, never when it is
piped; the report goes to stdout as JSON. Exit 6 when the batch left failed or unknown jobs, 130 when it
was interrupted (Ctrl-C journals what ran; the same command resumes).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._cli import EXIT
from ._cli_run import InputError, emit, to_data

__all__ = ["run"]


def _count_jobs(path: str) -> int | None:
    """The number of jobs in a JSON Lines file (non-blank lines), for the bar's ETA; None if unreadable."""
    if not path.endswith(".jsonl"):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return None


def _summary(report: Any) -> dict[str, Any]:
    return {
        "journal": report.journal,
        "ok": report.ok,
        "counts": dict(report.counts),
        "run": None if report.run is None else to_data(report.run),
        "elapsed": round(report.elapsed, 3),
        "throughput": round(report.throughput, 3),
        "interrupted": report.interrupted,
    }


def run(args: argparse.Namespace) -> int:
    from invoicekit import bulk

    if args.operation == "status":
        report = bulk.status(args.journal)
        emit(_summary(report), args, str(report))
        return EXIT["ok"] if report.ok else EXIT["batch"]
    if args.operation == "report":
        report = bulk.status(args.journal)
        report.write(sys.stdout, which=args.which, format=args.format)
        sys.stdout.flush()
        return EXIT["ok"] if report.ok else EXIT["batch"]
    total = _count_jobs(args.jobs)
    draw = args.progress == "bar" or (args.progress == "auto" and sys.stderr.isatty())
    progress = None
    if draw:
        try:
            progress = bulk.tqdm_progress(total=total, file=sys.stderr)
        except ImportError:
            raise InputError(
                'a progress bar needs the bulk extra (pip install "invoicekit[bulk]"); or --progress none',
                EXIT["usage"],
            ) from None
    options: dict[str, Any] = {"progress": progress, "total": total, "retry_failed": args.retry_failed}
    if args.concurrency is not None:
        options["concurrency"] = args.concurrency
    report = bulk.run(args.jobs, args.journal, **options)  # Ctrl-C: KeyboardInterrupt after journaling
    emit(_summary(report), args, str(report))
    return EXIT["ok"] if report.ok else EXIT["batch"]
