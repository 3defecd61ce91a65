"""Adversary (adv-left) on bulk's ``storage="redis://..."``: a Redis that stops answering mid-run, and the
storage URI's password in every way a caller writes it.

On a real ``redis-server`` (the fixtures of test_bulk_redis.py; skipped where it is not installed).
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import traceback
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("limits")

from invoicekit import InvoiceChange, ValidationError, bulk
from invoicekit.bulk._executor import Shard
from invoicekit.bulk._runner import Settings

from ._support import FAST, PDF
from .test_bulk_redis import Redis, _fake, _free_port, _needed, _run_in_thread, _states, redis  # noqa: F401

SECRET = "pw-SECRET-42"


def test_a_redis_that_stops_answering_mid_run_fails_the_unsent_jobs_instead_of_hanging(
    redis: Redis,  # noqa: F811 (the fixture)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Redis that keeps its connections open and never answers again (SIGSTOP: a hung server, a network
    partition without a reset) hung the run for ever at its next slot: no storage call had a timeout. Each
    now answers within the storage timeout, else the job fails unsent (StorageError), and one timeout fails
    the run's later jobs at once (not one timeout each). A rerun finishes them, each sent once.
    """
    monkeypatch.setattr("invoicekit.bulk._runner.STORAGE_TIMEOUT", 0.5, raising=False)
    n = 6
    fake, arrivals = _fake(n, monkeypatch)
    jobs = [bulk.Job("upflow", f"external:ERP-{i}", InvoiceChange(pdf=PDF), id=f"up-{i}") for i in range(n)]
    done: list[str] = []

    def progress(event: bulk.Event) -> None:
        if event.kind == "done" and event.job_id is not None:
            done.append(event.job_id)
            if len(done) == 2:
                os.kill(redis.process.pid, signal.SIGSTOP)

    journal = tmp_path / "run.db"
    try:
        report = _run_in_thread(jobs=jobs, journal=journal, clients={"upflow": fake.async_client(retry=FAST)},
                                storage=redis.url, rate={"upflow": "2/second"}, concurrency=1,
                                progress=progress)  # fmt: skip
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
    assert isinstance(report, bulk.Report), report
    states = _states(journal)
    sent = [i for i, (s, _) in states.items() if s == "done"]
    failed = {i: e for i, (s, e) in states.items() if s == "failed"}
    assert len(sent) >= 2
    assert len(sent) + len(failed) == n
    assert set(failed.values()) == {"StorageError"}
    assert len(arrivals) == len(sent)  # a failed job was never sent
    assert all(r.error is not None and r.error.startswith("not sent") for r in report.failures())

    rerun = _run_in_thread(jobs=jobs, journal=journal, clients={"upflow": fake.async_client(retry=FAST)},
                           storage=redis.url, rate={"upflow": "20/second"})  # fmt: skip
    assert isinstance(rerun, bulk.Report), rerun
    assert rerun.ok, rerun.counts
    assert len(arrivals) == n  # the failed ones sent once now, the done ones not again


def _closed() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        # a password as people paste it, not percent-encoded: base64 passwords hold "/" and "+"
        "redis://:ab/cd+{secret}==@127.0.0.1:{port}",
        "redis://:ab?{secret}@127.0.0.1:{port}",
        "redis://:ab#{secret}@127.0.0.1:{port}",
        "redis://user:{secret}/x@127.0.0.1:{port}/0",
        # a password as a query parameter (redis-py reads it; limits' coredis does not: refused, and shown)
        "redis://127.0.0.1:{port}/?password={secret}",
        "redis://127.0.0.1:{port}/0?db=0&password={secret}",
        "rediss://127.0.0.1:{port}?password={secret}",
        "redis+unix:///tmp/invoicekit-no-such.sock?password={secret}",
    ],
)
def test_no_password_in_a_storage_error_however_the_uri_writes_it(tmp_path: Path, url: str) -> None:
    _needed()
    storage = url.format(secret=SECRET, port=_closed())
    error = _run_in_thread(jobs=[], journal=tmp_path / "run.db", storage=storage)
    assert isinstance(error, ValidationError), error
    assert error.field == "storage"
    printed = "".join(traceback.format_exception(error))
    assert "SECRET" not in printed, printed
    assert b"SECRET" not in pickle.dumps(error)
    assert not (tmp_path / "run.db").exists()


@pytest.mark.parametrize(
    "storage",
    [
        f"redis://:{SECRET}@127.0.0.1:6379",
        f"redis://user:{SECRET}@127.0.0.1:6379/0",
        f"rediss://:ab/{SECRET}@127.0.0.1:6379",
        f"redis://127.0.0.1:6379?password={SECRET}",
        f"redis+unix://:{SECRET}@/run/redis.sock",
    ],
)
def test_the_settings_repr_shows_no_storage_password(storage: str) -> None:
    """Settings (and the Shard that carries it to an executor's workers, whose reprs Dask and logs show)
    printed the storage URI, password and all, though its docstring says it holds no secret."""
    settings = Settings(storage=storage)
    assert "SECRET" not in repr(settings)
    assert "SECRET" not in repr(Shard("upflow", (), settings))
    assert settings.storage == storage  # the workers still get the URI they connect with
    assert pickle.loads(pickle.dumps(settings)).storage == storage  # noqa: S301 (our own bytes)


@pytest.mark.parametrize(
    "query",
    [
        "ssl_cert_reqs=bogus",  # coredis: KeyError
        "ssl_ca_certs=/nonexistent/ca.pem",  # FileNotFoundError
        "protocol_version=9",  # AssertionError
    ],
)
def test_a_storage_uri_its_driver_refuses_is_a_validation_error(tmp_path: Path, query: str) -> None:
    """An option the Redis driver checks itself escaped run() as the driver's KeyError, FileNotFoundError
    or AssertionError: nothing but an InvoiceKitError may leave a public call.
    """
    pytest.importorskip("coredis")
    storage = f"rediss://:{SECRET}@127.0.0.1:{_closed()}/0?{query}"
    error = _run_in_thread(jobs=[], journal=tmp_path / "run.db", storage=storage)
    assert isinstance(error, ValidationError), repr(error)
    assert error.field == "storage"
    assert str(error).startswith("storage: is not a usable limits storage (")
    assert error.__cause__ is None
    assert error.__context__ is None
    assert "SECRET" not in "".join(traceback.format_exception(error))
    assert not (tmp_path / "run.db").exists()


def test_a_percent_encoded_password_is_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A password with a reserved character ("/", "+", "#", "@", ":": base64 and generated passwords have
    them) must be percent-encoded in a URI (RFC 3986), and written so it reached Redis still encoded: AUTH
    failed and the run was refused ("does not answer"); written raw, the URI does not parse. So such a
    Redis could not be used at all. Its password is now the decoded one (and never shown).
    """
    binary = _needed()
    password = "ab/cd+ef#gh@ij:kl%mn"
    (tmp_path / "redis").mkdir()
    port = _free_port()
    server = Redis.__new__(Redis)
    server.port = port
    server.process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path / "redis"), "--requirepass", password, "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_auth_prompt(port)
        fake, arrivals = _fake(2, monkeypatch)
        jobs = [bulk.Job("upflow", f"external:ERP-{i}", InvoiceChange(pdf=PDF)) for i in range(2)]
        for storage in (
            f"redis://:{quote(password, safe='')}@127.0.0.1:{port}",
            f"redis://default:{quote(password, safe='')}@127.0.0.1:{port}/0",
        ):
            journal = tmp_path / f"run{len(arrivals)}.db"
            report = _run_in_thread(jobs=jobs, journal=journal, clients={"upflow": fake.async_client()},
                                    storage=storage)  # fmt: skip
            assert isinstance(report, bulk.Report), report
            assert report.ok, report.counts
        assert len(arrivals) == 4
        wrong = f"redis://:{quote('not-' + password, safe='')}@127.0.0.1:{port}"
        error = _run_in_thread(jobs=jobs, journal=tmp_path / "wrong.db", storage=wrong)
        assert isinstance(error, ValidationError), error
        assert "not-" not in str(error)
    finally:
        server.kill()


def _wait_for_auth_prompt(port: int) -> None:
    """Until the server answers (a NOAUTH error is an answer: it requires a password)."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    pytest.fail(f"redis-server did not start on port {port}")


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        # limits 3.13 (CI's lowest-versions pass) told why a URI did not parse by quoting a piece of it
        (
            "redis://user:pw-SECRET-42/x@127.0.0.1:1/0",
            "Port could not be cast to integer value as 'pw-SECRET-42'",
        ),
        ("redis://:pw%2FSECRET-42@127.0.0.1:1/0", "bad value 'pw/SECRET-42'"),
        ("redis://127.0.0.1:1/0?password=pw-SECRET-42", "unknown option password=pw-SECRET-42"),
    ],
)
def test_a_driver_message_quoting_a_piece_of_the_password_is_not_shown(
    uri: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storage check showed the driver's own message with the whole URI masked, but not a piece of it:
    limits 3.13 quoted the text after the ``:`` of a pasted password as the port. A message holding any
    part the masked URI hides is replaced by the exception's type."""
    from invoicekit.bulk import _runner

    def refuse(uri: str) -> None:
        raise ValueError(said)

    monkeypatch.setattr(_runner, "open_storage", refuse)
    with pytest.raises(ValidationError) as caught:
        bulk.run([], storage=uri)
    printed = "".join(traceback.format_exception(caught.value))
    assert "SECRET" not in printed, printed
    assert caught.value.field == "storage"
    assert "ValueError" in str(caught.value)


def test_a_driver_message_quoting_nothing_hidden_is_still_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from invoicekit.bulk import _runner

    def refuse(uri: str) -> None:
        raise ValueError("unknown storage scheme 'nosuch'")

    monkeypatch.setattr(_runner, "open_storage", refuse)
    with pytest.raises(ValidationError, match="unknown storage scheme 'nosuch'"):
        bulk.run([], storage="nosuch://:pw-SECRET-42@127.0.0.1:1")
