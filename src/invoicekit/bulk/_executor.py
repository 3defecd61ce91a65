"""Scale-out: shards of one account's jobs, run by any ``concurrent.futures.Executor``.

The caller reads the jobs, keeps the journal and submits shards; a shard is the account's name, its
prepared jobs and the run's settings: no client, no secret. A worker builds its client from its own
environment (or the picklable ``clients`` callable), runs the shard with the same account runner as a run
in one process, and returns one :class:`Outcome` per job. One shard per account is in flight at a time,
so each account's rate limit is kept in one place.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures as cf
import pickle
import threading
from collections.abc import Iterable
from typing import Any

import attrs

from ._jobs import Job
from ._journal import Journal
from ._progress import Tracker
from ._runner import Accounts, Admitted, Outcome, Prepared, Settings, Sink

__all__ = ["Shard", "run_shard", "run_with_executor"]


@attrs.frozen
class Shard:
    """What crosses to a worker: one account's prepared jobs and the run's settings."""

    account: str
    jobs: tuple[Prepared, ...]
    settings: Settings


class _Collect(Sink):
    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    def finish(self, prepared: Prepared, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


def run_shard(shard: Shard) -> list[Outcome]:
    """Run one shard in this (worker) process; returns each job's outcome."""
    return asyncio.run(_run_shard(shard))


async def _run_shard(shard: Shard) -> list[Outcome]:
    sink = _Collect()
    accounts = Accounts(shard.settings, shard.settings.clients)
    try:
        account = accounts.get(shard.account, sink)
        for prepared in shard.jobs:
            await account.queue.put(prepared)
        await accounts.drain()
    finally:
        await accounts.aclose()
    return sink.outcomes


def run_with_executor(
    jobs: Iterable[Job],
    journal: Journal,
    settings: Settings,
    executor: cf.Executor,
    tracker: Tracker,
    stop: threading.Event,
    *,
    retry_failed: bool,
    grace: float,
    shard_size: int,
    shard_retries: int = 1,
) -> bool:
    """Run *jobs* as shards on *executor*; returns whether the run was interrupted."""
    filling: dict[str, list[Prepared]] = {}
    waiting: dict[str, collections.deque[tuple[list[Prepared], int]]] = collections.defaultdict(
        collections.deque
    )
    running: dict[cf.Future[list[Outcome]], tuple[str, list[Prepared], int]] = {}
    busy: set[str] = set()
    backlog_cap = 4  # shards waiting per account before reading more input: memory stays flat

    def crosses(prepared: Prepared) -> bool:
        """Whether the job can be pickled for a worker; if not it fails here, never sent (not "lost")."""
        try:
            pickle.dumps(prepared)
        except Exception as exc:
            why = f"the job cannot be pickled to cross to a worker ({type(exc).__name__})"
            journal.finish(prepared.job.id, "failed", error_class="ValidationError", error=why)
            tracker.emit("failed", prepared.job, error_class="ValidationError", was_in_flight=False)
            return False
        return True

    def submit(account: str, batch: list[Prepared], tries: int) -> None:
        try:
            pickle.dumps(Shard(account, tuple(batch), settings))
        except Exception:
            batch = [prepared for prepared in batch if crosses(prepared)]
            if not batch:
                return
        for prepared in batch:
            journal.sent(prepared.job.id)
            tracker.emit("started", prepared.job)
        future = executor.submit(run_shard, Shard(account, tuple(batch), settings))
        running[future] = (account, batch, tries)
        busy.add(account)

    def queue(account: str, batch: list[Prepared], tries: int = 0) -> None:
        if account in busy:
            waiting[account].append((batch, tries))
        else:
            submit(account, batch, tries)

    def lost(batch: list[Prepared], why: str) -> list[Prepared]:
        """A shard that came back with no outcomes: unsafe jobs unknown, safe ones pending again."""
        again = []
        for prepared in batch:
            job = prepared.job
            if prepared.unsafe:
                journal.finish(job.id, "unknown", error_class="ShardLost", error=why)
                tracker.emit("unknown", job, error_class="ShardLost")
            else:
                journal.set_state(job.id, "pending", error_class="ShardLost", error=why)
                again.append(prepared)
        return again

    def collect(timeout: float | None) -> None:
        done, _ = cf.wait(list(running), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        for future in done:
            account, batch, tries = running.pop(future)
            busy.discard(account)
            try:
                outcomes = future.result()
            except BaseException as exc:  # the worker died, or the executor broke: no outcomes
                why = f"the shard was lost ({type(exc).__name__}); the call may have been in flight"
                again = lost(batch, why)
                if again and tries < shard_retries:
                    waiting[account].appendleft((again, tries + 1))
                else:
                    for prepared in again:
                        journal.finish(prepared.job.id, "failed", error_class="ShardLost", error=why)
                        tracker.emit("failed", prepared.job, error_class="ShardLost")
            else:
                record(batch, outcomes)
            if waiting[account]:
                submit(account, *waiting[account].popleft())

    def record(batch: list[Prepared], outcomes: list[Outcome]) -> None:
        by_id = {prepared.job.id: prepared for prepared in batch}
        for outcome in outcomes:
            prepared = by_id.pop(outcome.id)
            journal.finish(outcome.id, outcome.state, result=outcome.result, error_class=outcome.error_class,
                           error=outcome.error, attempts=max(outcome.attempts - 1, 0),
                           throttled=outcome.throttled)  # fmt: skip
            if outcome.state in ("done", "failed", "unknown"):
                tracker.emit(outcome.state, prepared.job, error_class=outcome.error_class)  # type: ignore[arg-type]
        if by_id:
            lost(list(by_id.values()), "the shard returned no outcome for this job")

    admitted = Admitted(jobs, journal, tracker, retry_failed, stop.is_set)
    for prepared in admitted:
        account = prepared.job.account
        batch = filling.setdefault(account, [])
        batch.append(prepared)
        if len(batch) >= shard_size:
            queue(account, filling.pop(account))
        while running and any(len(w) >= backlog_cap for w in waiting.values()):
            collect(None)
        if running:
            collect(0)
    interrupted = admitted.interrupted
    if not interrupted:
        for account, batch in list(filling.items()):
            queue(account, batch)
        filling.clear()
    while running and not stop.is_set():
        collect(0.2)
    if stop.is_set() or interrupted:
        interrupted = True
        waiting.clear()
        deadline_waited = 0.0
        while running and deadline_waited < grace:
            collect(0.2)
            waiting.clear()
            deadline_waited += 0.2
        for future, (_, batch, _) in list(running.items()):
            future.cancel()
            lost(batch, "the run was interrupted while this shard was in flight")
        running.clear()
    if admitted.refused is not None:
        raise admitted.refused
    return interrupted


def check_clients(clients: Any) -> None:
    from .._errors import ValidationError

    if clients is not None and not callable(clients):
        raise ValidationError(
            "clients",
            "with an executor, give a picklable callable (account -> async client) or None (workers build "
            "clients from their environment): shards carry no client objects",
        )
    try:
        pickle.dumps(clients)
    except Exception as exc:  # a lambda or a closure: every shard would be lost before it left
        raise ValidationError(
            "clients",
            f"must be picklable with an executor (a module-level function), not {type(exc).__name__}",
        ) from None
