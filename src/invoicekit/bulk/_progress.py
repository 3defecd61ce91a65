"""Progress: a callback that receives :class:`Event` objects, and two ready-made ones (tqdm, log lines).

``tqdm`` is imported only when :func:`tqdm_progress` is called (the ``bulk`` extra installs it), so
``import invoicekit`` and ``from invoicekit import bulk`` never load it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

import attrs

from ._jobs import Job

__all__ = ["Counts", "Event", "EventKind", "Progress", "Tracker", "log_progress", "tqdm_progress"]

EventKind = Literal["started", "done", "failed", "unknown", "throttled", "skipped", "finished"]


@attrs.frozen
class Counts:
    """Jobs of this run so far: finished as *done*, *failed* or *unknown*; *skipped* (done before, or
    waiting for reconciliation); *in_flight*; *throttled* (429 answers met, each waited for).
    """

    done: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    in_flight: int = 0
    throttled: int = 0

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.unknown


@attrs.frozen
class Event:
    """One thing that happened in a run. *job_id*, *provider*, *account* are None for ``finished``.

    *rate* is jobs finished per second since the run started; *eta* the seconds left at that rate (None
    until the run knows its *total*, given to ``run(total=...)``, and has a rate). *error_class* is set
    for ``failed``/``unknown``, *retry_after* for ``throttled``. Nothing here is ever a secret.
    """

    kind: EventKind
    job_id: str | None
    provider: str | None
    account: str | None
    counts: Counts
    rate: float
    eta: float | None
    total: int | None
    error_class: str | None = None
    retry_after: float | None = None


#: What ``run(progress=...)`` takes: any callable of one :class:`Event`.
Progress = Callable[[Event], None]


class Tracker:
    """Counts events and passes them on to the progress callback (if any)."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self.progress = progress
        self.total = total
        self.started = time.monotonic()
        self.counts = Counts()
        self.progress_failed = False

    def emit(self, kind: EventKind, job: Job | None, **details: Any) -> None:
        c = self.counts
        if kind == "started":
            c = attrs.evolve(c, in_flight=c.in_flight + 1)
        elif kind == "throttled":
            c = attrs.evolve(c, in_flight=c.in_flight - 1, throttled=c.throttled + 1)
        elif kind == "skipped":
            c = attrs.evolve(c, skipped=c.skipped + 1)
        elif kind in ("done", "failed", "unknown"):
            flight = c.in_flight - 1 if details.pop("was_in_flight", True) else c.in_flight
            c = attrs.evolve(c, **{kind: getattr(c, kind) + 1}, in_flight=max(flight, 0))
        self.counts = c
        if self.progress is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = c.finished / elapsed
        eta = None
        if self.total is not None and rate > 0:
            eta = max(self.total - c.finished - c.skipped, 0) / rate
        try:
            self.progress(
                Event(kind, None if job is None else job.id, None if job is None else job.provider,
                      None if job is None else job.account, c, rate, eta, self.total, **details)
            )  # fmt: skip
        except Exception as exc:  # a broken progress bar must not break the run or leave the journal behind
            if not self.progress_failed:
                self.progress_failed = True
                logging.getLogger("invoicekit.bulk").warning(
                    "the progress callback raised %s; the run goes on", type(exc).__name__
                )


def log_progress(
    logger: logging.Logger | None = None, *, every: float = 5.0, level: int = logging.INFO
) -> Progress:
    """A progress callback writing one plain line at most every *every* seconds (and at the end), plus
    one line per ``failed``/``unknown`` job, to *logger* (default ``invoicekit.bulk``).
    """
    log = logger or logging.getLogger("invoicekit.bulk")
    last = [0.0]

    def progress(event: Event) -> None:
        c = event.counts
        if event.kind in ("failed", "unknown"):
            log.log(level, "job %s (%s) %s: %s", event.job_id, event.account, event.kind, event.error_class)
        now = time.monotonic()
        if event.kind != "finished" and now - last[0] < every:
            return
        last[0] = now
        eta = "" if event.eta is None else f", eta {event.eta:.0f} s"
        total = "" if event.total is None else f"/{event.total}"
        log.log(
            level,
            "bulk: %d%s finished (%d done, %d failed, %d unknown), %d skipped, %d in flight, "
            "%d throttled, %.1f jobs/s%s",
            c.finished, total, c.done, c.failed, c.unknown, c.skipped, c.in_flight, c.throttled,
            event.rate, eta,
        )  # fmt: skip

    return progress


def tqdm_progress(**tqdm_kwargs: Any) -> Progress:
    """A progress callback drawing a ``tqdm.auto`` bar: a text bar in a terminal, a widget in a notebook.

    Pass ``total=`` here or to ``run`` for a bar with an ETA; other keyword arguments go to ``tqdm``.
    Needs the ``bulk`` extra (``pip install "invoicekit[bulk]"``).
    """
    from tqdm.auto import tqdm  # type: ignore[import-untyped, import-not-found, unused-ignore]

    tqdm_kwargs.setdefault("unit", "job")
    tqdm_kwargs.setdefault("desc", "bulk")
    bar = tqdm(**tqdm_kwargs)

    def progress(event: Event) -> None:
        if event.total is not None and bar.total is None:
            bar.total = event.total
        if event.kind in ("done", "failed", "unknown", "skipped"):
            bar.update(1)
        c = event.counts
        bar.set_postfix(done=c.done, failed=c.failed, unknown=c.unknown, throttled=c.throttled, refresh=False)
        if event.kind == "finished":
            bar.close()

    return progress
