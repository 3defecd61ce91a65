"""Adversary (adv-left) on ``bulk.arun`` checking its arguments when called, as ``bulk.run`` does."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("limits")

from invoicekit import ValidationError, bulk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": {"upflow": True}}, "concurrency['upflow']"),
        ({"rate": {"nope": "1/second"}}, "rate['nope']"),
        ({"rate": {"upflow": "0/second"}}, "rate['upflow']"),
        ({"storage": 5}, "storage"),
        ({"storage": "bogus://"}, "storage"),
        ({"journal": 5}, "journal"),
    ],
)
def test_every_bad_option_is_a_validation_error_at_call_time_as_for_run(
    tmp_path: Path, kwargs: dict[str, Any], field: str
) -> None:
    """arun's docstring: "a bad option a ValidationError there, not when the coroutine is first awaited".
    Only total, retry_failed, grace and shard_size were checked: concurrency=0 came back as a coroutine (a
    RuntimeWarning when dropped), its ValidationError only once awaited.
    """
    options = {"journal": tmp_path / "run.db", **kwargs}
    with pytest.raises(ValidationError) as by_run:
        bulk.run([], **options)
    with pytest.raises(ValidationError) as by_arun:
        bulk.arun([], **options).close()  # called, never awaited: the error comes now
    assert by_arun.value.field == by_run.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_a_redis_storage_is_not_pinged_at_call_time() -> None:
    """The call checks what it can without I/O: a shared storage is pinged when awaited (off the loop)."""
    with socket_nobody_answers() as url:
        pending = bulk.arun([], storage=url)  # would block the caller's loop if it pinged here
        pending.close()


def test_an_arun_never_awaited_is_named_arun_in_its_warning() -> None:
    """The RuntimeWarning named ``_arun_options``, a private helper the caller never called."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        forgotten = bulk.arun([])  # the caller forgot the await
        del forgotten
        gc.collect()
    said = [str(w.message) for w in seen if issubclass(w.category, RuntimeWarning)]
    assert said == ["coroutine 'arun' was never awaited"], said


class socket_nobody_answers:
    """A redis:// URL whose port takes connections and never answers."""

    def __enter__(self) -> str:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        return f"redis://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
