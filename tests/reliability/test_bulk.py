"""Bulk under faults: 500 updates across the five providers, 30 % of requests failing (a seeded
schedule), 8 at a time, async and with threads. Every invoice is reported exactly once, as done, failed
(typed) or ambiguous; no unsafe change is applied twice; every "done" is checked against the fake.

The figures in docs/reliability.md come from ``python -m pytest tests/reliability/test_bulk.py -s``.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import anyio
import attrs
import httpx
import pytest

import invoicekit
from invoicekit.testing import FakeProvider

from ._scenarios import PROVIDERS, SCENARIOS, Scenario

SEED = 20_251_121
TOTAL = 500
CONCURRENCY = 8
FAULT_RATE = 0.3
HTML = b"<html><title>502 Bad Gateway</title></html>"

FAULT_KINDS: dict[str, Callable[[FakeProvider, Scenario], None]] = {
    "refused": lambda f, s: f.refuse_next(),
    "reset-before-apply": lambda f, s: f.drop_next(),
    "reset-after-apply": lambda f, s: f.drop_next(after_apply=True),
    "timeout-before-apply": lambda f, s: f.timeout_next(),
    "timeout-after-apply": lambda f, s: f.timeout_next(after_apply=True),
    "429": lambda f, s: f.fail_next(429, retry_after=0),
    "500": lambda f, s: f.fail_next(500),
    "502-html": lambda f, s: f.fail_next(502, body=HTML),
    "503": lambda f, s: f.fail_next(503),
    "200-malformed": lambda f, s: f.fail_next(200, body=b'{"ok": tr'),
    "200-empty": lambda f, s: f.fail_next(200, body=b""),
    "200-envelope": lambda f, s: f.fail_next(200, body=s.envelope) if s.envelope else f.fail_next(500),
}


class Schedule:
    """Wraps a fake's dispatch: each request gets a fault with probability FAULT_RATE, decided by
    (seed, which invoice, which attempt), so the schedule is the same whatever the interleaving.
    """

    def __init__(self, fake: Any, scenario: Scenario, seed: int) -> None:
        self.fake, self.scenario, self.seed = fake, scenario, seed
        self.attempts: collections.Counter[str] = collections.Counter()
        self.injected: collections.Counter[str] = collections.Counter()
        self._dispatch: Callable[[httpx.Request], tuple[float, httpx.Response | Exception]] = fake.dispatch
        fake.dispatch = self.dispatch

    def dispatch(self, request: httpx.Request) -> tuple[float, httpx.Response | Exception]:
        kind = request.headers.get("content-type", "")
        # the path names the invoice, or (WHMCS, one endpoint) the form body does; never a multipart
        # boundary, which is random per call
        key = request.url.raw_path + (request.content if "multipart" not in kind else b"")
        digest = hashlib.sha256(key).hexdigest()
        with self.fake._lock:
            attempt = self.attempts[digest]
            self.attempts[digest] += 1
            rng = random.Random(f"{self.seed}:{digest}:{attempt}")
            if rng.random() < FAULT_RATE:
                name = rng.choice(sorted(FAULT_KINDS))
                if self.scenario.name == "upflow" and name.startswith("200"):
                    # Upflow answers 204 and its 2xx bodies are never read: an injected 200 that the fake
                    # did not apply would be reported done. Not a fault Upflow can show; a 503 instead.
                    name = "503"
                self.injected[name] += 1
                FAULT_KINDS[name](self.fake, self.scenario)
            return self._dispatch(request)


@attrs.define
class Job:
    provider: str
    key: int
    invoice: Any
    unsafe: bool


@attrs.define
class Report:
    outcomes: list[tuple[str, int, str]] = attrs.field(factory=list)  # (provider, key, outcome)

    def add(self, job: Job, outcome: str) -> None:
        self.outcomes.append((job.provider, job.key, outcome))


def _classify(exc: invoicekit.InvoiceKitError) -> str:
    if isinstance(exc, invoicekit.OutcomeUnknownError):
        return "ambiguous"
    return f"failed:{type(exc).__name__}"


def _setup(seed: int) -> tuple[dict[str, Any], dict[str, Schedule], list[Job]]:
    fakes: dict[str, Any] = {}
    schedules: dict[str, Schedule] = {}
    jobs: list[Job] = []
    for name in PROVIDERS:
        scenario = SCENARIOS[name]
        fakes[name] = fake = scenario.fake()
        schedules[name] = Schedule(fake, scenario, seed)
        for key in range(TOTAL // len(PROVIDERS)):
            jobs.append(Job(name, key, scenario.seed(fake, key), unsafe=key % 2 == 1))
    random.Random(seed).shuffle(jobs)  # providers interleaved
    return fakes, schedules, jobs


def _check(
    fakes: dict[str, Any], schedules: dict[str, Schedule], jobs: list[Job], report: Report
) -> dict[str, Any]:
    seen = collections.Counter((p, k) for p, k, _ in report.outcomes)
    assert len(report.outcomes) == len(jobs) == TOTAL
    assert set(seen.values()) == {1}  # every invoice reported exactly once
    assert set(seen) == {(j.provider, j.key) for j in jobs}
    outcome = {(p, k): o for p, k, o in report.outcomes}
    figures: dict[str, Any] = {}
    for job in jobs:
        scenario, fake = SCENARIOS[job.provider], fakes[job.provider]
        result = outcome[(job.provider, job.key)]
        effects = scenario.effects(fake, job.invoice)
        if job.unsafe:
            assert effects <= 1, f"{job} applied {effects} times"  # never doubled
            if result.startswith("failed"):
                assert effects == 0, f"{job} reported {result} but was applied"
        if result == "done":
            assert effects >= 1
            assert scenario.applied(fake, job.invoice, job.key, job.unsafe), (
                f"{job} reported done, not in state"
            )
        row = figures.setdefault(job.provider, collections.Counter())
        row[result.split(":")[0]] += 1
        row[result] += 0 if result == "done" or result == "ambiguous" else 1
    for name, fake in fakes.items():
        figures[name]["requests"] = len(fake.requests)
        figures[name]["faults"] = sum(schedules[name].injected.values())
    total_requests = sum(len(f.requests) for f in fakes.values())
    assert total_requests <= TOTAL * (3 + 10)  # the retry budget: 3 attempts, plus 10 for 429s
    return figures


def _report(title: str, figures: dict[str, Any], wall: float) -> None:
    lines = [
        f"{title}: {TOTAL} updates, concurrency {CONCURRENCY}, fault rate {FAULT_RATE}, seed {SEED}",
        "| provider | done | failed | ambiguous | requests seen | faults injected | failures by class |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in PROVIDERS:
        row = figures[name]
        classes = ", ".join(
            f"{k.split(':')[1]} {v}" for k, v in sorted(row.items()) if k.startswith("failed:")
        )
        lines.append(
            f"| {name} | {row['done']} | {row['failed']} | {row['ambiguous']} | {row['requests']} "
            f"| {row['faults']} | {classes or '-'} |"
        )
    lines.append(f"wall time {wall:.2f} s")
    sys.stdout.write("\n" + "\n".join(lines) + "\n")  # shown with pytest -s


def test_bulk_async() -> None:
    fakes, schedules, jobs = _setup(SEED)
    report = Report()

    async def main() -> None:
        clients = {name: SCENARIOS[name].client(fakes[name], "async") for name in PROVIDERS}
        limit = anyio.Semaphore(CONCURRENCY)

        async def one(job: Job) -> None:
            async with limit:
                try:
                    await SCENARIOS[job.provider].call(
                        clients[job.provider], job.invoice, job.key, job.unsafe
                    )
                except invoicekit.InvoiceKitError as exc:
                    report.add(job, _classify(exc))
                else:
                    report.add(job, "done")

        async with anyio.create_task_group() as group:
            for job in jobs:
                group.start_soon(one, job)
        for client in clients.values():
            await client.aclose()

    started = time.perf_counter()
    anyio.run(main)
    wall = time.perf_counter() - started
    _report("async", _check(fakes, schedules, jobs, report), wall)


def test_bulk_threads() -> None:
    fakes, schedules, jobs = _setup(SEED)
    report = Report()
    clients = {name: SCENARIOS[name].client(fakes[name], "sync") for name in PROVIDERS}

    def one(job: Job) -> None:
        try:
            SCENARIOS[job.provider].call(clients[job.provider], job.invoice, job.key, job.unsafe)
        except invoicekit.InvoiceKitError as exc:
            report.add(job, _classify(exc))  # list.append is atomic
        else:
            report.add(job, "done")

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, jobs))
    wall = time.perf_counter() - started
    for client in clients.values():
        client.close()
    _report("threads", _check(fakes, schedules, jobs, report), wall)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_other_seeds(seed: int) -> None:
    """The invariants hold for other schedules too (threads; figures not recorded)."""
    fakes, schedules, jobs = _setup(seed)
    report = Report()
    clients = {name: SCENARIOS[name].client(fakes[name], "sync") for name in PROVIDERS}

    def one(job: Job) -> None:
        try:
            SCENARIOS[job.provider].call(clients[job.provider], job.invoice, job.key, job.unsafe)
        except invoicekit.InvoiceKitError as exc:
            report.add(job, _classify(exc))
        else:
            report.add(job, "done")

    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, jobs))
    for client in clients.values():
        client.close()
    _check(fakes, schedules, jobs, report)
