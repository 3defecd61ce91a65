"""Bulk: thousands of invoice changes, rate-limit aware, journaled, resumable, with progress.

::

    from invoicekit import InvoiceChange, bulk

    jobs = [bulk.Job("upflow", f"external:ERP-{n}", InvoiceChange(pdf=f"pdfs/ERP-{n}.pdf")) for n in ids]
    report = bulk.run(jobs, journal="run.db", progress=bulk.tqdm_progress(total=len(ids)))
    bulk.status("run.db").unknown()      # the jobs to reconcile by hand: never resent

Every job gets one row in the journal (SQLite). Running again with the same journal skips what is done,
retries what is safe, and never resends an unsafe job whose outcome is unknown. See docs/bulk.md.
The ``bulk`` extra (``pip install "invoicekit[bulk]"``) installs ``limits`` (the rate limiter) and
``tqdm``; neither is imported by ``import invoicekit``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import inspect
import os
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from types import CoroutineType, FrameType, MethodType
from typing import IO, Any, ParamSpec, cast

import attrs

from .._errors import ValidationError, unloaded
from .._retry import RetryPolicy
from ._jobs import Job, Native, from_csv, from_jsonl, job_from_json
from ._journal import STATES as _STATES
from ._journal import Journal, Record, journal_path, write_records
from ._progress import Counts, Event, Tracker, log_progress, tqdm_progress
from ._progress import EventKind as _EventKind
from ._progress import Progress as _Progress
from ._runner import DEFAULT_LIMITS as _DEFAULT_LIMITS
from ._runner import ClientSource, Settings
from ._runner import hidden_parts as _hidden_parts
from ._runner import shown_uri as _shown

__all__ = [
    "DEFAULT_LIMITS",
    "STATES",
    "Counts",
    "Event",
    "EventKind",
    "Job",
    "Native",
    "Progress",
    "Record",
    "Report",
    "arun",
    "from_csv",
    "from_jsonl",
    "job_from_json",
    "log_progress",
    "run",
    "status",
    "tqdm_progress",
]

#: Per provider: (rate limit in ``limits`` notation, calls in flight). From the providers' documentation
#: where it says (Upflow 600/min, 10 in flight and 5 advised for bulk; Payabli 200/min, 3,000/15 min and
#: 10,000/h per token; Invoro 100/s per key); conservative where it does not (Salesbricks, WHMCS).
DEFAULT_LIMITS = _DEFAULT_LIMITS
#: What ``run(progress=...)`` takes: any callable of one :class:`Event`.
Progress = _Progress
#: An :class:`Event`'s kind: started, done, failed, unknown, throttled, skipped, finished.
EventKind = _EventKind
#: A journal row's states, in the order a job goes through them: pending, sent, then done, failed or unknown.
STATES = _STATES

JobSource = Iterable[Job] | str | os.PathLike[str]
_P = ParamSpec("_P")


@attrs.frozen
class Report:
    """Where a journal stands: *counts* of every job in it by state, and figures of the last run.

    *run* counts what the last run did (None when the report was read from a journal by :func:`status`
    and the counts of that run are not kept); *elapsed* is its wall time in seconds, *throughput* the jobs
    it finished per second, *interrupted* whether it was stopped (Ctrl-C). The failed and unknown jobs
    are read from the journal when asked for (:meth:`failures`, :meth:`unknown`, :meth:`write`), so a
    report of a million jobs stays small.
    """

    journal: str
    counts: Mapping[str, int]
    run: Counts | None
    elapsed: float
    throughput: float
    interrupted: bool

    @property
    def ok(self) -> bool:
        """Every job in the journal is done."""
        return all(n == 0 for state, n in self.counts.items() if state != "done")

    def failures(self) -> Iterator[Record]:
        """The failed jobs (typed error class and scrubbed message), in input order."""
        return _records(self.journal, "failed")

    def unknown(self) -> Iterator[Record]:
        """The jobs whose outcome is unknown: an unsafe call that may have run. Never resent; check each
        at the provider, then rerun with a new job id if it was not applied.
        """
        return _records(self.journal, "unknown")

    def write(
        self, out: str | os.PathLike[str] | IO[str], *, which: str = "failures", format: str | None = None
    ) -> int:
        """Write the *which* jobs (``failures``, ``unknown``, ``problems`` = both, or ``all``) to *out*
        (a path or a text file) as JSON Lines or CSV (*format* ``jsonl``/``csv``; default from the
        suffix, else JSON Lines). Returns how many were written.
        """
        states = {
            "failures": ("failed",),
            "unknown": ("unknown",),
            "problems": ("failed", "unknown"),
            "all": (),
        }
        if which not in states:
            raise ValidationError("which", f"must be one of {', '.join(states)}, not {which!r}")
        if format is None:
            format = "csv" if isinstance(out, str | os.PathLike) and str(out).endswith(".csv") else "jsonl"
        if format not in ("jsonl", "csv"):
            raise ValidationError("format", f"must be 'jsonl' or 'csv', not {format!r}")
        records = _records(self.journal, *states[which])
        if isinstance(out, str | os.PathLike):
            with open(out, "w", encoding="utf-8", newline="") as file:
                return write_records(records, file, format)
        return write_records(records, out, format)

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {state}" for state, n in self.counts.items() if n)
        head = f"bulk journal {self.journal}: {counts or 'empty'}"
        if self.run is not None:
            r = self.run
            head += (
                f"\nthis run: {r.done} done, {r.failed} failed, {r.unknown} unknown, {r.skipped} skipped, "
                f"{r.throttled} throttled; {self.elapsed:.1f} s, {self.throughput:.1f} jobs/s"
            )
        if self.interrupted:
            head += " (interrupted)"
        return head


def _records(path: str, *states: str) -> Iterator[Record]:
    journal = Journal(path)
    try:
        yield from journal.records(*states)
    finally:
        journal.close()


def status(journal: str | os.PathLike[str]) -> Report:
    """Read a journal: counts by state and the last run's figures; sends nothing. A path that does not
    exist raises ValidationError.
    """
    if not journal_path(journal).exists():
        raise ValidationError("journal", f"{os.fspath(journal)!r} does not exist")
    opened = Journal(journal)
    try:
        counts = opened.counts()
        last = opened.last_run()
    finally:
        opened.close()
    elapsed = throughput = 0.0
    interrupted = False
    if last is not None:
        started, finished, finished_jobs, interrupted = last
        elapsed = (finished or time.time()) - started
        throughput = finished_jobs / elapsed if elapsed > 0 else 0.0
    return Report(os.fspath(journal), counts, None, elapsed, throughput, interrupted)


def _check_run(total: object, retry_failed: object, grace: object, shard_size: object) -> None:
    """The plain options of :func:`run` (and :func:`arun`), checked before anything runs."""
    if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
        raise ValidationError("total", f"must be None or a whole number of jobs, not {total!r}")
    if not isinstance(retry_failed, bool):  # "no" would be taken as True
        raise ValidationError("retry_failed", f"must be True or False, not {type(retry_failed).__name__}")
    if isinstance(grace, bool) or not isinstance(grace, int | float) or not 0 <= grace < float("inf"):
        raise ValidationError("grace", f"must be a number of seconds, at least 0, not {grace!r}")
    if isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1:
        raise ValidationError("shard_size", f"must be a whole number of jobs, at least 1, not {shard_size!r}")


def _nothing_sent(check: Callable[_P, Settings]) -> Callable[_P, Settings]:
    """*check* (a run's first lookups: it loads ``limits`` and its storage, the bulk extra, before any job)
    where a module that cannot be loaded (a process at its open-file limit) is the TransportError of a run
    that sent nothing (invoicekit._errors.unloaded), never a raw OSError; nothing is chained (the caller's
    storage URI rides in no frame).
    """

    def checked(*args: _P.args, **kwargs: _P.kwargs) -> Settings:
        try:
            return check(*args, **kwargs)
        except Exception as exc:
            refused = unloaded(exc, "bulk")
            if refused is None:
                raise
        raise refused

    return checked


@_nothing_sent
def _settings(
    rate: Mapping[str, str] | None,
    concurrency: Mapping[str, int] | int | None,
    storage: str,
    retry: RetryPolicy | None,
    clients: Callable[[str], Any] | None,
    *,
    reach: bool = True,
) -> Settings:
    """The run's Settings, every option checked; a shared storage must also answer (unless not *reach*:
    :func:`arun` checks the rest when called, and pings when awaited, off its loop).
    """
    from ._runner import DEFAULT_LIMITS as limits

    for name, value in (rate or {}).items():
        if name.split(":", 1)[0] not in limits:
            raise ValidationError(f"rate[{name!r}]", "must name a provider or a provider:account")
        if not isinstance(value, str):
            raise ValidationError(f"rate[{name!r}]", "must be a limit such as '600/minute'")
        try:
            from limits import parse_many

            items = parse_many(value)
        except ValueError as exc:
            raise ValidationError(f"rate[{name!r}]", f"is not a rate limit ({exc})") from None
        if any(item.amount < 1 for item in items):  # "0/second" would wait for ever
            raise ValidationError(f"rate[{name!r}]", f"must allow at least one call, not {value!r}")
    if isinstance(concurrency, bool) or (isinstance(concurrency, int) and concurrency < 1):
        raise ValidationError("concurrency", f"must be at least 1, not {concurrency!r}")
    given: object = concurrency
    if isinstance(given, Mapping):
        for key, count in given.items():
            if not isinstance(key, str) or key.split(":", 1)[0] not in limits:
                raise ValidationError(f"concurrency[{key!r}]", "must name a provider or a provider:account")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValidationError(f"concurrency[{key!r}]", f"must be an int of at least 1, not {count!r}")
    elif given is not None and not isinstance(given, int):
        raise ValidationError("concurrency", f"must be an int or a mapping, not {type(given).__name__}")
    uri: object = storage
    if not isinstance(uri, str):
        raise ValidationError("storage", f"must be a limits storage URI, not {type(uri).__name__}")
    from limits.errors import ConfigurationError

    from ._runner import open_storage

    uri = storage if storage.startswith("async+") else f"async+{storage}"
    try:
        open_storage(uri)
    except (ConfigurationError, ValueError) as exc:  # an unknown scheme, its driver missing, a bad port
        said = str(exc).replace(storage, _shown(storage))  # limits quotes the URI: never its password
        if any(part in said for part in _hidden_parts(storage)):  # or a piece of it (limits 3.13: the port)
            said = type(exc).__name__
    except Exception as exc:  # an option the driver checks itself (coredis: KeyError, OSError, assert)
        said = type(exc).__name__  # its text may quote the URI: the type only
    else:
        said = ""
    if said:  # raised outside the handler: its __context__ would quote the URI, password and all
        raise ValidationError("storage", f"is not a usable limits storage ({said})")
    if reach and uri.split("://", 1)[0] != "async+memory":
        _reach(uri, _shown(storage))
    return Settings(dict(rate or {}), concurrency, storage, retry, clients)


#: How long a shared storage (redis://) has to answer a PING before a run starts.
_REACH_TIMEOUT = 5.0


def _reach(uri: str, shown: str) -> None:
    """A shared storage must answer a PING (``limits``' ``check()``) within :data:`_REACH_TIMEOUT`, before
    anything is journaled or sent: an unreachable Redis would otherwise fail every worker's first hit.
    Pinged on a loop of its own, in a thread (the caller may be inside a running loop: ``arun``, Jupyter).
    """
    from ._runner import close_storage, open_storage

    async def ping() -> bool:
        storage = open_storage(uri)
        try:
            checked: Any = storage.check()  # an async+ storage: a coroutine
            return bool(await asyncio.wait_for(checked, _REACH_TIMEOUT))
        finally:
            await close_storage(storage)

    with cf.ThreadPoolExecutor(1, thread_name_prefix="invoicekit-storage") as pool:
        try:
            answered = pool.submit(asyncio.run, ping()).result()
        except Exception:  # a timeout, or a driver that raises where limits' check() says False
            answered = False
    if not answered:
        raise ValidationError("storage", f"{shown} does not answer (is the server up, the URI right?)")


def _finish(journal: Journal, tracker: Tracker, interrupted: bool) -> Report:
    tracker.emit("finished", None)
    journal.finish_run(tracker.counts.finished, interrupted=interrupted)
    elapsed = time.monotonic() - tracker.started
    counts = journal.counts()
    throughput = tracker.counts.finished / elapsed if elapsed > 0 else 0.0
    return Report(os.fspath(journal.path), counts, tracker.counts, elapsed, throughput, interrupted)


class _Journaled:
    """A run's journal, opened with its run started; on leaving, the run is finished (:attr:`report` made,
    with :attr:`interrupted` as the runner left it) and the journal closed.
    """

    report: Report

    def __init__(self, path: str | os.PathLike[str], progress: Progress | None, total: int | None) -> None:
        self.journal = Journal(path)
        self._progress, self._total = progress, total
        self.interrupted = True  # until the runner returns

    def __enter__(self) -> _Journaled:
        try:
            self.journal.start_run()
        except BaseException:
            self.journal.close()
            raise
        self.tracker = Tracker(self._progress, self._total)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.report = _finish(self.journal, self.tracker, self.interrupted)
        finally:
            self.journal.close()


async def _arun(
    jobs: JobSource, journal: str | os.PathLike[str], clients: ClientSource, rate: Mapping[str, str] | None,
    concurrency: Mapping[str, int] | int | None, storage: str, progress: Progress | None,
    total: int | None, retry_failed: bool, retry: RetryPolicy | None, grace: float, stop: asyncio.Event,
) -> Report:  # fmt: skip
    from ._jobs import jobs_from
    from ._runner import run_here

    given: object = storage  # a wrong type is _settings' ValidationError
    if isinstance(given, str) and not given.startswith(("memory://", "async+memory://")):
        # a shared storage is pinged first (_reach): in a thread, so this loop goes on meanwhile
        settings = await asyncio.to_thread(_settings, rate, concurrency, storage, retry, None)
    else:
        settings = _settings(rate, concurrency, storage, retry, None)
    with _Journaled(journal, progress, total) as opened:
        runs = run_here(jobs_from(jobs), opened.journal, settings, clients, opened.tracker, stop,
                        retry_failed=retry_failed, grace=grace)  # fmt: skip
        opened.interrupted = await runs
    return opened.report


def run(
    jobs: JobSource,
    journal: str | os.PathLike[str] = "run.db",
    *,
    clients: ClientSource = None,
    rate: Mapping[str, str] | None = None,
    concurrency: Mapping[str, int] | int | None = None,
    storage: str = "memory://",
    progress: Progress | None = None,
    executor: cf.Executor | None = None,
    total: int | None = None,
    retry_failed: bool = False,
    retry: RetryPolicy | None = None,
    grace: float = 5.0,
    shard_size: int = 100,
) -> Report:
    """Run *jobs* (Jobs, or a ``.jsonl``/``.csv`` path), journaling each in *journal* (a SQLite file).

    *clients*: a mapping account -> async client, or a callable account -> async client; default: each
    provider's ``Async*`` client from the environment. *rate* (``{"upflow": "300/minute"}``) and
    *concurrency* (an int for every account, or per account/provider) override :data:`DEFAULT_LIMITS`;
    *storage* is the ``limits`` storage URI (``memory://``; ``redis://host:6379`` shares each account's
    limit between processes). *progress* receives an :class:`Event` per step (:func:`tqdm_progress`,
    :func:`log_progress`); *total* (the number of jobs, if known) gives it an ETA. *retry* is the clients'
    RetryPolicy for transient failures (429s are handled here: the account slows down).
    *retry_failed* also retries jobs that failed for good before (a 4xx); transient failures are always
    retried. *executor*: any ``concurrent.futures.Executor`` (a process pool, Dask's
    ``client.get_executor()``): shards of *shard_size* jobs of one account run there, one at a time per
    account, while the journal stays here; *clients* must then be None or a picklable callable.

    Ctrl-C stops reading, lets in-flight calls finish for up to *grace* seconds, journals the rest
    (unsafe ones as unknown), then raises KeyboardInterrupt; a second Ctrl-C stops at once. Returns a
    :class:`Report`. Bad arguments raise ValidationError; a bad job line is journaled as failed.
    """
    _check_run(total, retry_failed, grace, shard_size)
    stop = threading.Event()
    loop_stop: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        for loop, event in loop_stop:
            loop.call_soon_threadsafe(event.set)

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, interrupt)
    try:
        if executor is not None:
            report = _sharded(jobs, journal, clients=clients, rate=rate, concurrency=concurrency,
                              storage=storage, progress=progress, executor=executor, total=total,
                              retry_failed=retry_failed, retry=retry, grace=grace, shard_size=shard_size,
                              stop=stop)  # fmt: skip
        else:

            async def main() -> Report:
                event = asyncio.Event()
                loop_stop.append((asyncio.get_running_loop(), event))
                if stop.is_set():
                    event.set()
                return await _arun(jobs, journal, clients, rate, concurrency, storage, progress, total,
                                   retry_failed, retry, grace, event)  # fmt: skip

            try:
                asyncio.get_running_loop()
            except RuntimeError:
                in_a_loop = False
            else:
                in_a_loop = True
            if not in_a_loop:  # outside the handler: what the run raises is not chained to its RuntimeError
                report = asyncio.run(main())
            else:  # a loop runs in this thread (a notebook): run in a thread of our own
                with cf.ThreadPoolExecutor(1) as pool:
                    report = pool.submit(asyncio.run, main()).result()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if report.interrupted and stop.is_set():
        raise KeyboardInterrupt
    return report


def _sharded(
    jobs: JobSource, journal: str | os.PathLike[str], *, clients: ClientSource,
    rate: Mapping[str, str] | None, concurrency: Mapping[str, int] | int | None, storage: str,
    progress: Progress | None,
    executor: cf.Executor, total: int | None, retry_failed: bool, retry: RetryPolicy | None, grace: float,
    shard_size: int, stop: threading.Event,
) -> Report:  # fmt: skip
    """:func:`run` with an executor, until it is done or *stop* is set."""
    from ._executor import check_clients, run_with_executor
    from ._jobs import jobs_from

    check_clients(clients)
    settings = _settings(rate, concurrency, storage, retry, clients)  # type: ignore[arg-type]
    with _Journaled(journal, progress, total) as opened:
        opened.interrupted = run_with_executor(
            jobs_from(jobs), opened.journal, settings, executor, opened.tracker, stop,
            retry_failed=retry_failed, grace=grace, shard_size=shard_size,
        )  # fmt: skip
    return opened.report


_Awaited = Coroutine[Any, Any, Report]


def _awaited(sync: Callable[_P, Report]) -> Callable[[Callable[..., _Awaited]], Callable[_P, _Awaited]]:
    """Give an async twin of *sync* the parameters declared once on *sync* (for type checkers,
    ``inspect.signature()``, ``help()`` and the docs), as a :class:`_CoroutineFunction`."""

    def twin(function: Callable[..., _Awaited]) -> Callable[_P, _Awaited]:
        return cast(
            "Callable[_P, _Awaited]", _CoroutineFunction(function, inspect.signature(sync, eval_str=True))
        )

    return twin


async def _coroutine_code() -> None:
    """Never called: its code object is what marks a :class:`_CoroutineFunction` as a coroutine function."""


class _CoroutineFunction:
    """A function that checks its arguments when it is called, as a sync one does, and returns the
    coroutine that does the rest: to ``inspect.iscoroutinefunction`` and ``asyncio.iscoroutinefunction``
    (on every Python, 3.10 and 3.11 included, where frameworks such as FastAPI ask them to decide whether
    to await), a coroutine function as an ``async def`` is. An ``async def`` runs none of its body until
    awaited, so it cannot check its arguments when called; inspect reads as "function-like" any callable
    with a function's attributes (how it reads Cython's functions), and as a coroutine function one whose
    ``__code__`` is a coroutine's. ``inspect.isroutine`` holds too (a method descriptor, for autodoc).
    """

    def __init__(self, call: Callable[..., _Awaited], signature: inspect.Signature) -> None:
        self._call = call
        self.__name__, self.__qualname__ = call.__name__, call.__qualname__
        self.__module__, self.__doc__ = call.__module__, call.__doc__
        self.__code__ = _coroutine_code.__code__
        self.__defaults__: tuple[Any, ...] | None = None
        self.__kwdefaults__: dict[str, Any] | None = None
        # typing.get_type_hints() reads these: the signature's own (evaluated already), as an async def's
        self.__annotations__: dict[str, Any] = {
            p.name: p.annotation for p in signature.parameters.values() if p.annotation is not p.empty
        }
        if signature.return_annotation is not signature.empty:
            self.__annotations__["return"] = signature.return_annotation
        self.__signature__ = signature
        # inspect.getsource() (IPython's ``??``) unwraps to the function written out; inspect.signature()
        # stops at __signature__ above, before unwrapping
        self.__wrapped__ = call

    def __call__(self, *args: Any, **kwargs: Any) -> _Awaited:
        return self._call(*args, **kwargs)

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else MethodType(self, instance)

    def __repr__(self) -> str:
        return f"<function {self.__qualname__}>"

    def __reduce__(self) -> str:
        return self.__qualname__  # pickled by name, as a function is


@_awaited(run)
def arun(*args: Any, **kwargs: Any) -> _Awaited:
    """:func:`run`, awaited (in a notebook, or inside an async application). Cancelling it stops the
    run: queued jobs stay pending, in-flight calls are cancelled and journaled (unsafe ones as unknown).
    Its arguments are checked when it is called, as :func:`run`'s are: a wrong keyword is a TypeError and
    a bad option a ValidationError there, not when the coroutine is first awaited.
    """
    given = inspect.signature(run).bind(*args, **kwargs)
    given.apply_defaults()
    options = dict(given.arguments)
    _check_run(options["total"], options["retry_failed"], options["grace"], options["shard_size"])
    # The rest, as run checks it before anything runs, but the I/O: a shared storage is pinged when awaited.
    _settings(
        options["rate"], options["concurrency"], options["storage"], options["retry"], None, reach=False
    )
    journal_path(options["journal"])
    if options["executor"] is not None:
        from ._executor import check_clients

        check_clients(options["clients"])
    running = cast("CoroutineType[Any, Any, Report]", _arun_options(options))
    running.__name__ = running.__qualname__ = "arun"  # what a never-awaited warning names: what was called
    return running


async def _arun_options(options: dict[str, Any]) -> Report:
    if options["executor"] is not None:  # run in a thread, told to stop when this is cancelled
        stop = threading.Event()
        running = asyncio.ensure_future(asyncio.to_thread(_sharded, **options, stop=stop))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            stop.set()  # as Ctrl-C: reading stops, in-flight shards get *grace*, the rest stays pending
            await asyncio.wait({running})
            raise
    del options["executor"], options["shard_size"]  # shards are the executor's
    return await _arun(**options, stop=asyncio.Event())
