"""The runner: jobs in, a journal row each, per-account concurrency and rate limits, a report out.

Each provider account has its own client, a fixed number of worker tasks (its concurrency) fed from a
small queue (so the input streams: memory does not grow with the number of jobs), and a rate limit kept
by the ``limits`` library (in memory, or shared through ``redis://``). A 429 pauses the account for the
wait the provider asked for and puts the job back in line: a busy provider slows a run, never fails it.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from .._errors import (
    AuthenticationError,
    InvoiceKitError,
    OutcomeUnknownError,
    RateLimitError,
    ValidationError,
)
from .._retry import RetryPolicy
from ._jobs import Job, Native, _digest
from ._journal import TRANSIENT, Journal, Record
from ._progress import Tracker

__all__ = ["DEFAULT_LIMITS", "Outcome", "Settings", "default_client"]

#: Per provider: (rate limit in ``limits`` notation, requests in flight). From each provider's docs where
#: they say (Upflow 600/min and 10 in flight, 5 advised for bulk; Payabli per token 200/min, 3,000/15 min,
#: 10,000/h; Invoro 100/s per key); conservative where they do not (Salesbricks, self-hosted WHMCS).
DEFAULT_LIMITS: dict[str, tuple[str, int]] = {
    "upflow": ("600/minute", 5),
    "salesbricks": ("60/minute", 2),
    "payabli": ("200/minute;3000 per 15 minutes;10000/hour", 4),
    "invoro": ("100/second", 10),
    "whmcs": ("60/minute", 2),
}
_STOPPED = "the run stopped while this call was in flight"
_NO_STORAGE = "not sent: the rate-limit storage failed ({}); a rerun tries it again"
_REFUSED = "not sent: the provider refused this account's credentials earlier in this run"
#: The share of a rate-limit window the runner waits past its reset before taking a freed slot: a safety
#: margin for the latency jitter between the runner's clock and the provider's (3 %, at most 1 s).
MARGIN = 0.03
#: How many 429 answers one job may meet before it is reported failed (each one waited for).
MAX_THROTTLES = 50
_CLASSES = {
    "upflow": "AsyncUpflow",
    "salesbricks": "AsyncSalesbricks",
    "payabli": "AsyncPayabli",
    "invoro": "AsyncInvoro",
    "whmcs": "AsyncWhmcs",
}
#: Placeholder credentials of the clients that only *plan* (never send): safety is known before sending.
_PLAN_ARGS: dict[str, dict[str, str]] = {
    "upflow": {"api_key": "plan", "api_secret": "plan"},
    "salesbricks": {"api_key": "plan"},
    "payabli": {"api_key": "plan"},
    "invoro": {"api_key": "plan"},
    "whmcs": {"url": "https://plan.invalid", "identifier": "plan", "secret": "plan"},
}


def default_client(account: str) -> Any:
    """The async client of *account* (``upflow``, or ``upflow:NAME``), built from the environment."""
    import invoicekit

    provider = account.split(":", 1)[0]
    return getattr(invoicekit, _CLASSES[provider])()


ClientSource = Mapping[str, Any] | Callable[[str], Any] | None


def shown_uri(uri: str) -> str:
    """A storage URI as an error or a repr may show it: no user or password, however it is written
    (``redis://:secret@host``, percent-encoded or not, even with a ``/``, ``?`` or ``#`` in it: everything
    before the last ``@`` goes), and no query or fragment value (``?password=secret``, which redis-py reads).
    """
    scheme, sep, rest = uri.partition("://")
    if not sep:
        scheme, rest = "", uri
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    rest, hashed, _ = rest.partition("#")
    head, asked, query = rest.partition("?")
    query = re.sub(r"=[^&;]*", "=***", query)
    return f"{scheme}{sep}{head}{asked}{query}{'#***' if hashed else ''}"


def hidden_parts(uri: str) -> list[str]:
    """What :func:`shown_uri` hides (user, password, query and fragment values), as written and
    percent-decoded: a driver's message that quotes any of them is not shown (``Port could not be cast to
    integer value as 'secret'`` quotes a password pasted with a ``/`` in it).
    """
    from urllib.parse import unquote

    rest = uri.partition("://")[2] or uri
    parts: list[str] = []
    if "@" in rest:
        user = rest.rpartition("@")[0]
        parts += [user, *user.replace("/", ":").split(":")]
    rest, _, fragment = rest.partition("#")
    query = rest.partition("?")[2]
    parts += [fragment, *re.findall(r"=([^&;]*)", query)]
    return [q for p in parts if p for q in {p, unquote(p)}]


#: The schemes whose URI coredis reads in full (``Redis.from_url``): told to percent-decode it.
_FROM_URL = ("async+redis://", "async+rediss://", "async+redis+unix://")


def open_storage(uri: str) -> Any:
    """The ``limits`` async storage of *uri* (``memory://``, ``redis://...``; ``async+`` is added). A Redis
    URI's user, password, host and path are percent-decoded, as RFC 3986 writes a password holding a
    reserved character (``redis://:ab%2Fcd@host`` is the password ``ab/cd``): coredis sent them as written.
    """
    from limits.storage import storage_from_string

    uri = uri if uri.startswith("async+") else f"async+{uri}"
    if uri.startswith(_FROM_URL):
        return storage_from_string(uri, decode_components=True)
    return storage_from_string(uri)


@attrs.frozen
class Settings:
    """What a run is allowed to do, per account; picklable, with no client in it, and no secret in its repr
    (the storage URI's password, which the workers need, is shown as ``***``).
    """

    rate: Mapping[str, str] = attrs.field(factory=dict)
    concurrency: Mapping[str, int] | int | None = None
    storage: str = attrs.field(default="memory://", repr=lambda uri: repr(shown_uri(uri)))
    retry: RetryPolicy | None = None
    clients: Callable[[str], Any] | None = None

    def limits_of(self, account: str) -> tuple[str, int]:
        provider = account.split(":", 1)[0]
        rate, concurrency = DEFAULT_LIMITS[provider]
        rate = self.rate.get(account, self.rate.get(provider, rate))
        if isinstance(self.concurrency, int):
            concurrency = self.concurrency
        elif self.concurrency is not None:
            concurrency = self.concurrency.get(account, self.concurrency.get(provider, concurrency))
        return rate, concurrency


@attrs.frozen
class Outcome:
    """What running one job came to (the runner journals it; a shard sends it back)."""

    id: str
    state: str
    result: str | None = None
    error_class: str | None = None
    error: str | None = None
    attempts: int = 0
    throttled: int = 0
    sent: bool = True  # False: the job was never handed to the provider in this attempt (not in flight)


@attrs.frozen
class Prepared:
    """A job checked before any request, with its safety and idempotency key; picklable."""

    job: Job
    safety: str
    idempotency_key: str | None

    @property
    def unsafe(self) -> bool:
        return self.safety == "unsafe"


# -- preparing: safety known before anything is sent ------------------------------------------------------

_PLANNERS: dict[str, Any] = {}
_SAFETY: dict[tuple[str, tuple[str, ...], str, str], str] = {}


def _planner(provider: str) -> Any:
    client = _PLANNERS.get(provider)
    if client is None:
        import invoicekit

        sync_class = _CLASSES[provider].removeprefix("Async")
        client = _PLANNERS[provider] = getattr(invoicekit, sync_class)(**_PLAN_ARGS[provider])
    return client


def prepare(job: Job, key: str | None) -> Prepared:
    """Check *job* (``invoices.plan`` for a change: sends nothing) and learn its safety. Raises
    ValidationError for a job that cannot be sent.
    """
    given = job.change.args if isinstance(job.change, Native) else (job.extra or {})
    if job.provider == "salesbricks" and isinstance(given.get("idempotency_key"), str):
        key = given["idempotency_key"]  # the caller's own key is the one sent: the journal holds it
    if job.provider == "salesbricks" and key is None:
        key = f"invoicekit-bulk-{uuid.uuid4()}"
    if job.provider != "salesbricks":
        key = None
    if isinstance(job.change, Native):
        method = getattr(_planner(job.provider).invoices, job.change.op, None)
        if method is None or job.change.op in {"plan", "apply", "with_raw_response"}:
            raise ValidationError("change.op", f"{job.provider} has no native operation {job.change.op!r}")
        # A native call's safety is not known before it is made: unsafe, unless the provider
        # deduplicates on the key the job carries (Salesbricks).
        return Prepared(job, "idempotent-with-key" if key else "unsafe", key)
    # Safety depends on which fields are set and on the native arguments (extra=), not on the field values:
    # one plan per shape of change. The values are checked again by apply, before anything is sent.
    shape = (
        job.provider,
        tuple(job.change.given()),
        repr(sorted((job.extra or {}).items())),
        job.on_unsupported,
    )
    safety = _SAFETY.get(shape) if job.base is None else None
    if safety is None:
        plan = _planner(job.provider).invoices.plan(job.invoice, job.change, **_apply_kwargs(job, key))
        safeties = {request.safety for request in plan.requests}
        safety = "unsafe" if "unsafe" in safeties else sorted(safeties)[0]
        if len(_SAFETY) < 1024:
            _SAFETY[shape] = safety
    return Prepared(job, safety, key)


def _apply_kwargs(job: Job, key: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"on_unsupported": job.on_unsupported}
    extra = dict(job.extra or {})
    if key is not None and "idempotency_key" not in extra:
        extra["idempotency_key"] = key
    if extra:
        kwargs["extra"] = extra
    if job.base is not None:
        kwargs["base"] = job.base
    return kwargs


def _invoke(client: Any, prepared: Prepared) -> Awaitable[Any]:
    job = prepared.job
    if isinstance(job.change, Native):
        args = dict(job.change.args)
        if prepared.idempotency_key is not None:
            args.setdefault("idempotency_key", prepared.idempotency_key)
        return getattr(client.invoices, job.change.op)(job.invoice, **args)  # type: ignore[no-any-return]
    return client.invoices.apply(job.invoice, job.change, **_apply_kwargs(job, prepared.idempotency_key))  # type: ignore[no-any-return]


def _summary(result: Any) -> str:
    applied = getattr(result, "applied", None)
    if isinstance(applied, tuple):
        text = f"applied {', '.join(applied)}"
        skipped = getattr(result, "skipped", ())
        return text + (f"; skipped {', '.join(skipped)}" if skipped else "")
    return "ok" if result is None else type(result).__name__


def scrub(message: str) -> str:
    """A message to store: the error's own (already free of the client's credentials), with any
    credential from the environment removed too, cut to 500 characters.
    """
    for name, value in os.environ.items():
        if len(value) >= 6 and any(w in name.upper() for w in ("KEY", "SECRET", "TOKEN", "PASSWORD")):
            message = message.replace(value, "***")
    return message[:500]


# -- one account -----------------------------------------------------------------------------------------


class Sink:
    """Where a running job reports (the journal in process; a list in a shard)."""

    def sent(self, prepared: Prepared) -> None: ...
    def throttled(self, prepared: Prepared, wait: float) -> None: ...
    def finish(self, prepared: Prepared, outcome: Outcome) -> None: ...


class Account:
    """One provider account: its client, its rate limit (``limits``) and its worker tasks."""

    def __init__(self, name: str, client: Any, settings: Settings, limiter: Any) -> None:
        from limits import parse_many

        rate, concurrency = settings.limits_of(name)
        self.name = name
        self.client = client
        self.items = parse_many(rate)
        self.concurrency = concurrency
        self.limiter = limiter
        self.paused_until = 0.0
        self.max_wait = (settings.retry or RetryPolicy()).max_retry_after
        self.refused = False  # the provider refused the credentials: the account's other jobs are not sent
        self.queue: asyncio.Queue[Prepared | None] = asyncio.Queue(maxsize=2 * concurrency)
        self.tasks: list[asyncio.Task[None]] = []
        self.turn = asyncio.Lock()  # one worker at a time waits for a slot: none slips in at the reset

    async def acquire(self) -> None:
        """Wait for a slot under every one of the account's limits, and take it."""
        async with self.turn:
            await self._acquire()

    async def _acquire(self) -> None:
        while True:
            wait = self.paused_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            blocked = None
            if len(self.items) == 1:
                # one limit: a moving-window hit takes a slot or changes nothing, no test needed first
                if await self.limiter.hit(self.items[0], self.name):
                    return
                blocked = self.items[0]
            for item in self.items if blocked is None else ():
                if not await self.limiter.test(item, self.name):
                    blocked = item
                    break
            if blocked is None:
                if all([await self.limiter.hit(item, self.name) for item in self.items]):
                    return
                continue
            stats = await self.limiter.get_window_stats(blocked, self.name)
            # A slot frees when the oldest hit leaves the window; the provider counts arrivals, which come a
            # network latency later and not all equally late: wait a margin past the reset (MARGIN of the
            # window, at most 1 s), or a late earlier request and a prompt later one meet in its window.
            # The runner so keeps to R / (1 + MARGIN) at most: 0.97 R.
            margin = min(MARGIN * blocked.get_expiry(), 1.0)
            await asyncio.sleep(min(max(stats.reset_time - time.time(), 0.0) + margin, 60.0))

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    async def execute(self, prepared: Prepared, sink: Sink) -> Outcome:
        attempts = throttles = 0
        backoff = 0.5
        while True:
            if self.refused:
                return Outcome(prepared.job.id, "failed", None, "AuthenticationError", _REFUSED,
                               attempts, throttles, sent=False)  # fmt: skip
            try:
                await self.acquire()
            except Exception as exc:  # the shared storage (redis://) failed: nothing was sent
                why = _NO_STORAGE.format(type(exc).__name__)
                return Outcome(prepared.job.id, "failed", None, "StorageError", why, attempts, throttles,
                               sent=False)  # fmt: skip
            sink.sent(prepared)
            attempts += 1
            try:
                result = await _invoke(self.client, prepared)
            except asyncio.CancelledError:
                state = "unknown" if prepared.unsafe else "pending"
                sink.finish(prepared, Outcome(prepared.job.id, state, None, "Interrupted",
                                              _STOPPED, attempts, throttles))  # fmt: skip
                raise
            except RateLimitError as exc:
                throttles += 1
                if throttles > MAX_THROTTLES:
                    return self._failed(prepared, exc, attempts, throttles)
                wait = exc.retry_after if exc.retry_after is not None else backoff
                wait = min(wait, self.max_wait)  # a hostile Retry-After does not stall the run for a year
                backoff = min(backoff * 2, 30.0)
                self.pause(wait)
                sink.throttled(prepared, wait)
                continue
            except OutcomeUnknownError as exc:
                return Outcome(prepared.job.id, "unknown", None, type(exc).__name__, scrub(str(exc)),
                               attempts, throttles)  # fmt: skip
            except InvoiceKitError as exc:
                if isinstance(exc, AuthenticationError):
                    self.refused = True
                return self._failed(prepared, exc, attempts, throttles)
            except Exception as exc:  # not an invoicekit error: a bug; the call may have run
                state = "unknown" if prepared.unsafe else "failed"
                return Outcome(prepared.job.id, state, None, type(exc).__name__, scrub(str(exc)),
                               attempts, throttles)  # fmt: skip
            return Outcome(prepared.job.id, "done", _summary(result), None, None, attempts, throttles)

    @staticmethod
    def _failed(prepared: Prepared, exc: Exception, attempts: int, throttles: int) -> Outcome:
        name = type(exc).__name__
        return Outcome(prepared.job.id, "failed", None, name, scrub(str(exc)), attempts, throttles)

    async def worker(self, sink: Sink) -> None:
        while True:
            prepared = await self.queue.get()
            if prepared is None:
                return
            outcome = await self.execute(prepared, sink)
            sink.finish(prepared, outcome)


def _expire_lazily(storage: Any) -> None:
    """``limits``' in-memory storage drops expired hits after nearly every hit, on a thread
    (``asyncio.to_thread``, limits 5): the hand-off costs more CPU than the request. Its answers read the
    hits' timestamps and do not depend on that clean-up, which only bounds memory: run it once a second.
    """
    schedule = getattr(storage, "_MemoryStorage__schedule_expiry", None)
    if schedule is None:  # another storage (redis://), or a limits that does it otherwise
        return
    last = -1.0

    async def once_a_second() -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 1.0:
            last = now
            await schedule()

    storage._MemoryStorage__schedule_expiry = once_a_second


#: How long a shared storage (redis://) has to answer each call of a run, in seconds.
STORAGE_TIMEOUT = 5.0
_HUNG = "the rate-limit storage stopped answering earlier in this run"


class _Answering:
    """The rate limiter of a shared storage (redis://), each of whose calls answers within
    :data:`STORAGE_TIMEOUT` or raises TimeoutError (the job then fails unsent: StorageError). A Redis that
    keeps its connections open and never answers (hung, or cut off without a reset) would otherwise hold
    the run for ever. After one timeout every later call fails at once: a hung server costs the run one
    wait, not one per job, and a connection whose answer never came (the next command on it would read
    that answer) is not asked again.
    """

    def __init__(self, limiter: Any) -> None:
        self.limiter = limiter
        self.hung = False

    async def hit(self, item: Any, *identifiers: str) -> bool:
        return bool(await self._answer(self.limiter.hit, item, *identifiers))

    async def test(self, item: Any, *identifiers: str) -> bool:
        return bool(await self._answer(self.limiter.test, item, *identifiers))

    async def get_window_stats(self, item: Any, *identifiers: str) -> Any:
        return await self._answer(self.limiter.get_window_stats, item, *identifiers)

    async def _answer(self, call: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        if self.hung:
            raise asyncio.TimeoutError(_HUNG)
        try:
            return await asyncio.wait_for(call(*args), STORAGE_TIMEOUT)
        except asyncio.TimeoutError:
            self.hung = True
            raise


async def close_storage(storage: Any) -> None:
    """``limits`` has no way to close a storage: disconnect its Redis driver's pool (coredis; redis-py's
    client is closed), or its sockets are left open when the run ends. Memory has nothing to close.
    """
    client = getattr(getattr(storage, "bridge", storage), "storage", None)  # limits >= 4.2 has a bridge
    if client is None:
        return
    aclose = getattr(client, "aclose", None)
    if aclose is not None:  # redis-py
        await aclose()
        return
    pool = getattr(client, "connection_pool", None)
    if pool is not None:  # coredis (a cluster client has none: it closes with its nodes)
        done = pool.disconnect()
        if inspect.isawaitable(done):
            await done


class Accounts:
    """The accounts of a run, made on first use; closes the clients it built."""

    def __init__(self, settings: Settings, clients: ClientSource) -> None:
        from limits.aio.strategies import MovingWindowRateLimiter

        self.settings = settings
        self.clients = clients
        uri = settings.storage
        self.storage = open_storage(uri)
        _expire_lazily(self.storage)
        self.limiter: Any = MovingWindowRateLimiter(self.storage)
        if not uri.removeprefix("async+").startswith("memory://"):  # shared: a call that never answers
            self.limiter = _Answering(self.limiter)
        self.accounts: dict[str, Account] = {}
        self._owned: list[Any] = []

    def get(self, name: str, sink: Sink) -> Account:
        account = self.accounts.get(name)
        if account is None:
            client = self._client(name)
            retry = attrs.evolve(self.settings.retry or RetryPolicy(), rate_limit_attempts=1)
            account = Account(name, client.with_options(retry=retry), self.settings, self.limiter)
            account.tasks = [asyncio.create_task(account.worker(sink)) for _ in range(account.concurrency)]
            self.accounts[name] = account
        return account

    def _client(self, name: str) -> Any:
        source = self.clients
        if isinstance(source, Mapping):
            provider = name.split(":", 1)[0]
            client = source.get(name, source.get(provider))
            if client is None:
                raise ValidationError("clients", f"no client for account {name!r}")
            return client
        client = (source or default_client)(name)
        self._owned.append(client)
        return client

    async def drain(self) -> None:
        for account in self.accounts.values():
            for _ in account.tasks:
                await account.queue.put(None)
        await asyncio.gather(*(t for a in self.accounts.values() for t in a.tasks))

    async def cancel(self) -> None:
        tasks = [t for a in self.accounts.values() for t in a.tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        try:
            for client in self._owned:
                await client.aclose()
        finally:
            await close_storage(self.storage)


# -- a run in this process ----------------------------------------------------------------------------


class JournalSink(Sink):
    def __init__(self, journal: Journal, tracker: Tracker) -> None:
        self.journal = journal
        self.tracker = tracker

    def sent(self, prepared: Prepared) -> None:
        self.journal.sent(prepared.job.id)
        if prepared.safety != "idempotent":
            self.journal.commit()  # unsafe, or safe only with its key: durable before the request leaves
        self.tracker.emit("started", prepared.job)

    def throttled(self, prepared: Prepared, wait: float) -> None:
        self.journal.throttled(prepared.job.id)
        self.tracker.emit("throttled", prepared.job, retry_after=wait)

    def finish(self, prepared: Prepared, outcome: Outcome) -> None:
        # attempts were counted by sent(); only the outcome is written here
        self.journal.finish(outcome.id, outcome.state, result=outcome.result,
                            error_class=outcome.error_class, error=outcome.error)  # fmt: skip
        if prepared.safety != "idempotent":
            self.journal.commit()  # its outcome is durable at once: a rerun never takes it for in flight
        if outcome.state in ("done", "failed", "unknown"):
            self.tracker.emit(outcome.state, prepared.job, error_class=outcome.error_class,  # type: ignore[arg-type]
                              was_in_flight=outcome.sent)  # fmt: skip


def fingerprint(job: Job) -> str:
    """What makes two jobs one job: all of it but a PDF's bytes or path (a moved file is the same job)."""
    if isinstance(job.change, Native):
        return _digest(job._describe())
    given = job.change.given()
    if "pdf" in given and given["pdf"] is not None:
        given["pdf"] = "<pdf>"
    data = [job.provider, job.account, job.invoice, given, job.extra, job.on_unsupported]
    return _digest(json.dumps(data, sort_keys=True, default=repr))


def admit(journal: Journal, job: Job, tracker: Tracker, retry_failed: bool) -> Prepared | None:
    """Journal *job* and decide whether it runs now (a Prepared) or not (None: skipped, with an event).
    Raises ValidationError for an item that is not a Job, or a job id the journal holds for another job.
    """
    if not isinstance(job, Job):
        raise ValidationError("jobs", f"must yield bulk.Job items, not {type(job).__name__}")
    record = journal.get(job.id)
    mark = fingerprint(job)
    if record is not None:
        known = journal.fingerprint(job.id)
        if known is not None and known[0] is not None and known[0] != mark:
            if known[1]:
                raise ValidationError("id", f"job id {job.id!r} names two different jobs in this run")
            if record.state not in ("pending", "failed"):
                raise ValidationError(
                    "id",
                    f"job id {job.id!r} is a different job in this journal (where it is {record.state}): "
                    "give new jobs new ids, or use a new journal",
                )
        if record.state == "done" or record.state == "unknown" or journal.seen_this_run(job.id):
            tracker.emit("skipped", job)
            return None
        if record.state == "sent" and record.safety == "unsafe":
            # a crash mid-call last time: it may have run; never resent
            journal.set_state(job.id, "unknown", error_class="Interrupted",
                              error=_STOPPED + "; it may have been applied")  # fmt: skip
            tracker.emit("unknown", job, error_class="Interrupted", was_in_flight=False)
            return None
        if record.state == "failed" and not (retry_failed or record.error_class in TRANSIENT):
            tracker.emit("skipped", job)
            return None
    key = record.idempotency_key if record is not None else None
    try:
        prepared = prepare(job, key)
    except InvoiceKitError as exc:
        journal.add(_record(job, "unknown-safety", key), mark)
        journal.finish(job.id, "failed", error_class=type(exc).__name__, error=scrub(str(exc)))
        tracker.emit("failed", job, error_class=type(exc).__name__, was_in_flight=False)
        return None
    journal.add(_record(job, prepared.safety, prepared.idempotency_key), mark)
    if record is not None and record.state != "pending":
        journal.set_state(job.id, "pending")
    return prepared


class Admitted:
    """The jobs of a run that are to run now, in input order, admitted one at a time (see :func:`admit`):
    the one loop of both runners (this process's, and the executor's). It stops at *stop* (then
    *interrupted*) or at a job the journal refuses (then *refused*: what was read still runs, then the
    run raises it).
    """

    def __init__(
        self, jobs: Iterable[Job], journal: Journal, tracker: Tracker, retry_failed: bool,
        stop: Callable[[], bool],
    ) -> None:  # fmt: skip
        self._jobs, self._journal, self._tracker, self._retry_failed = jobs, journal, tracker, retry_failed
        self._stop = stop
        self.interrupted = False
        self.refused: ValidationError | None = None

    def __iter__(self) -> Iterator[Prepared]:
        for job in self._jobs:
            if self._stop():
                self.interrupted = True
                return
            try:
                prepared = admit(self._journal, job, self._tracker, self._retry_failed)
            except ValidationError as exc:  # a job that cannot be journaled: what was read still runs
                self.refused = exc
                return
            if prepared is not None:
                yield prepared


def _record(job: Job, safety: str, key: str | None) -> Record:
    return Record(job.id, job.provider, job.account, str(job.invoice), job.what, safety, "pending",
                  0, 0, key, None, None, None)  # fmt: skip


async def run_here(
    jobs: Iterable[Job],
    journal: Journal,
    settings: Settings,
    clients: ClientSource,
    tracker: Tracker,
    stop: asyncio.Event,
    *,
    retry_failed: bool,
    grace: float,
) -> bool:
    """Run *jobs* in this process; returns whether the run was interrupted."""
    sink = JournalSink(journal, tracker)
    accounts = Accounts(settings, clients)
    admitted = Admitted(jobs, journal, tracker, retry_failed, stop.is_set)
    interrupted = False
    journal.batch(True)  # one transaction per tick; see the journal's rule for what commits at once
    ticker = asyncio.ensure_future(_tick(journal))
    try:
        for prepared in admitted:
            account = accounts.get(prepared.job.account, sink)
            put = asyncio.ensure_future(account.queue.put(prepared))
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({put, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not put.done():
                put.cancel()
                interrupted = True
                break
        if stop.is_set() or admitted.interrupted:
            interrupted = True
        if interrupted:
            # in-flight calls get *grace* seconds to finish; queued jobs stay pending
            for account in accounts.accounts.values():
                while not account.queue.empty():
                    account.queue.get_nowait()
            drain = asyncio.ensure_future(accounts.drain())
            done, _ = await asyncio.wait({drain}, timeout=grace)
            if not done:
                drain.cancel()
                await accounts.cancel()
        else:
            drain = asyncio.ensure_future(accounts.drain())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({drain, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not drain.done():
                interrupted = True
                for account in accounts.accounts.values():
                    while not account.queue.empty():
                        account.queue.get_nowait()
                done, _ = await asyncio.wait({drain}, timeout=grace)
                if not done:
                    drain.cancel()
                    await accounts.cancel()
    except BaseException:
        await asyncio.shield(accounts.cancel())
        raise
    finally:
        ticker.cancel()
        journal.batch(False)
        await accounts.aclose()
    if admitted.refused is not None:
        raise admitted.refused
    return interrupted


#: How often the runner commits the journal's batched changes (seconds).
TICK = 0.1


async def _tick(journal: Journal) -> None:
    while True:
        await asyncio.sleep(TICK)
        journal.commit()
