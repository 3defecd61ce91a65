"""The journal: one SQLite row per job (stdlib ``sqlite3``, WAL), owned by the caller.

States: ``pending`` (known, not sent) -> ``sent`` (a request may be on its way: committed *before* it is
sent) -> ``done`` | ``failed`` | ``unknown``. A row left ``sent`` by a crash is resolved on the next run:
a job that is safe to resend goes back to ``pending``; an unsafe one becomes ``unknown`` and is never
resent (it waits for a person to reconcile it).

Commits: by default every state change is its own committed transaction. The runner batches instead
(:meth:`Journal.batch`): changes join one open transaction, committed every tick (0.1 s) and, *before the
request leaves*, for every job that is not plainly idempotent (``unsafe``: its ``sent`` row; and
``idempotent-with-key``: the row holding the key it must be resent with), and again at its outcome. What a
``kill -9`` can lose is then at most a tick of an idempotent job's changes: its ``sent`` or ``done`` row,
so the rerun sends it again, which is what idempotent means. Nothing unsafe is ever resent, and no journal
is left inconsistent (SQLite rolls the open transaction back).
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import attrs

from .._errors import ValidationError

__all__ = ["STATES", "Journal", "Record"]

STATES = ("pending", "sent", "done", "failed", "unknown")
#: Error classes after which a rerun tries the job again (nothing was applied, and it may pass now).
TRANSIENT = frozenset(
    {"TransportError", "RateLimitError", "ServerError", "ShardLost", "Interrupted", "StorageError"}
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    run INTEGER NOT NULL,
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    invoice TEXT NOT NULL,
    what TEXT NOT NULL,
    safety TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    throttled INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    result TEXT,
    error_class TEXT,
    error TEXT,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    finished_jobs INTEGER NOT NULL DEFAULT 0,
    interrupted INTEGER NOT NULL DEFAULT 0
);
"""
_COLUMNS = (
    "id", "provider", "account", "invoice", "what", "safety", "state", "attempts", "throttled",
    "idempotency_key", "result", "error_class", "error",
)  # fmt: skip

#: The columns of a Record (constants: no input reaches the SQL text; values travel as parameters).
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM jobs"  # noqa: S608


@attrs.frozen
class Record:
    """One job as the journal holds it. No credential is ever stored: *error* is the typed error's own
    (already scrubbed) message, *result* a short summary of the answer.
    """

    id: str
    provider: str
    account: str
    invoice: str
    what: str
    safety: str
    state: str
    attempts: int
    throttled: int
    idempotency_key: str | None
    result: str | None
    error_class: str | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain dict (JSON-ready)."""
        return attrs.asdict(self)


def journal_path(path: object) -> Path:
    """*path* (a str or a path) as the journal's Path, if a file can have it: no NUL, no lone surrogate."""
    if not isinstance(path, str | os.PathLike):
        raise ValidationError("journal", f"must be a path (str or os.PathLike), not {type(path).__name__}")
    try:
        text = os.fspath(path)
        if not isinstance(text, str) or "\0" in text:
            raise ValueError
        text.encode()  # SQLite opens the path as UTF-8
    except (ValueError, TypeError):  # UnicodeEncodeError is a ValueError
        raise ValidationError("journal", f"{path!r} cannot be a file's path") from None
    return Path(text)


class Journal:
    """The journal file at *path* (created if missing). Not shared between threads: one runner owns it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = journal_path(path)
        self._lock: int | None = None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise ValidationError("journal", f"cannot open {os.fspath(path)!r} ({exc})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a killed process
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
            if "fingerprint" not in columns:  # a journal written before job fingerprints
                self._db.execute("ALTER TABLE jobs ADD COLUMN fingerprint TEXT")
        except sqlite3.Error as exc:
            self._db.close()
            raise ValidationError(
                "journal", f"{os.fspath(path)!r} is not a usable bulk journal ({exc})"
            ) from None
        self.run = 0
        self._batching = False
        self._seq: int | None = None

    def close(self) -> None:
        self.commit()
        self._db.close()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def lock(self) -> None:
        """Take the journal for one run (an advisory lock on ``<journal>-lock``): a second runner on the
        same journal at the same time is refused, or both would send the same pending jobs.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock; one runner per journal
            return
        name = f"{os.fspath(self.path)}-lock"
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ValidationError("journal", f"cannot lock {name!r} ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValidationError("journal", f"{os.fspath(self.path)!r} is in use by another run") from None
        self._lock = fd

    def batch(self, on: bool) -> None:
        """Batch the state changes into one transaction until :meth:`commit` (*on*), or commit each again."""
        if not on:
            self.commit()
        self._batching = on

    def commit(self) -> None:
        """Make every change so far durable (a no-op when nothing is pending)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> None:
        if self._batching and not self._db.in_transaction:
            self._db.execute("BEGIN")
        self._db.execute(sql, parameters)

    # -- a run ---------------------------------------------------------------------------------------

    def start_run(self) -> int:
        self.lock()
        cursor = self._db.execute("INSERT INTO runs (started) VALUES (?)", (time.time(),))
        self.run = int(cursor.lastrowid or 0)
        return self.run

    def finish_run(self, finished_jobs: int, *, interrupted: bool) -> None:
        self._db.execute(
            "UPDATE runs SET finished = ?, finished_jobs = ?, interrupted = ? WHERE id = ?",
            (time.time(), finished_jobs, int(interrupted), self.run),
        )

    # -- one job -------------------------------------------------------------------------------------

    def get(self, job_id: str) -> Record | None:
        row = self._db.execute(_SELECT + " WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else Record(*row)

    def seen_this_run(self, job_id: str) -> bool:
        row = self._db.execute("SELECT run FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row is not None and row[0] == self.run

    def add(self, record: Record, fingerprint: str | None = None) -> None:
        """Insert a new job as ``pending`` (or refresh an old row's description and take it for this run)."""
        self._write(
            "INSERT INTO jobs (id, seq, run, provider, account, invoice, what, safety, state, "
            "idempotency_key, updated, fingerprint) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, 'pending', ?, ?, ?) ON CONFLICT (id) DO UPDATE SET run = excluded.run, "
            "safety = excluded.safety, what = excluded.what, updated = excluded.updated, "
            "provider = excluded.provider, account = excluded.account, invoice = excluded.invoice, "
            "fingerprint = COALESCE(excluded.fingerprint, fingerprint)",
            (record.id, self._next_seq(), self.run, record.provider, record.account, record.invoice,
             record.what, record.safety, record.idempotency_key, time.time(), fingerprint),
        )  # fmt: skip

    def fingerprint(self, job_id: str) -> tuple[str | None, bool] | None:
        """The fingerprint of the job journaled under *job_id* and whether this run saw it (None: no row)."""
        row = self._db.execute("SELECT fingerprint, run FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else (row[0], row[1] == self.run)

    def _next_seq(self) -> int:
        # read once, then counted here: MAX(seq) per insert scans the table (no index on seq): O(n) a job
        if self._seq is None:
            self._seq = int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM jobs").fetchone()[0])
        self._seq += 1
        return self._seq

    def set_state(
        self, job_id: str, state: str, *, error_class: str | None = None, error: str | None = None
    ) -> None:
        self._write(
            "UPDATE jobs SET state = ?, error_class = ?, error = ?, updated = ? WHERE id = ?",
            (state, error_class, error, time.time(), job_id),
        )

    def sent(self, job_id: str) -> None:
        """About to send: committed before the request leaves."""
        self._write(
            "UPDATE jobs SET state = 'sent', attempts = attempts + 1, updated = ? WHERE id = ?",
            (time.time(), job_id),
        )

    def throttled(self, job_id: str) -> None:
        """A 429: nothing was done; back to pending until the next try."""
        self._write(
            "UPDATE jobs SET state = 'pending', throttled = throttled + 1, updated = ? WHERE id = ?",
            (time.time(), job_id),
        )

    def finish(
        self, job_id: str, state: str, *, result: str | None = None, error_class: str | None = None,
        error: str | None = None, attempts: int = 0, throttled: int = 0,
    ) -> None:  # fmt: skip
        """The outcome (*attempts*/*throttled* add what a shard counted on its own)."""
        self._write(
            "UPDATE jobs SET state = ?, result = ?, error_class = ?, error = ?, attempts = attempts + ?, "
            "throttled = throttled + ?, updated = ? WHERE id = ?",
            (state, result, error_class, error, attempts, throttled, time.time(), job_id),
        )

    # -- reading -------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
        return {state: int(found.get(state, 0)) for state in STATES}

    def records(self, *states: str) -> Iterator[Record]:
        """The jobs in *states* (all when none is given), in the order they were first seen; streamed."""
        query = _SELECT
        if states:
            query += f" WHERE state IN ({', '.join('?' for _ in states)})"
        cursor = self._db.execute(query + " ORDER BY seq", states)
        for row in cursor:
            yield Record(*row)

    def last_run(self) -> tuple[float, float | None, int, bool] | None:
        row = self._db.execute(
            "SELECT started, finished, finished_jobs, interrupted FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], bool(row[3]))


def write_records(records: Iterator[Record], out: IO[str], fmt: str) -> int:
    """Write *records* to *out* as JSON Lines (``jsonl``) or CSV (``csv``); returns how many."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(_COLUMNS)
        for record in records:
            writer.writerow(attrs.astuple(record))
            count += 1
        return count
    for record in records:
        out.write(json.dumps(record.as_dict()) + "\n")
        count += 1
    return count
