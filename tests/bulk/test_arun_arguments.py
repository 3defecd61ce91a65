"""``bulk.arun`` checks its arguments when it is called, as ``bulk.run`` does: a wrong keyword was a
TypeError only once the coroutine was awaited (and a coroutine never awaited, a RuntimeWarning besides).
"""

from __future__ import annotations

import asyncio
import inspect
import pickle
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("limits")

from invoicekit import ValidationError, bulk


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {"bogus": 1}),
        ((), {"progres": print}),
        (("run.db", "memory://"), {}),  # storage is keyword-only
        (("run.db",), {"journal": "again.db"}),
    ],
)
def test_a_wrong_argument_is_a_type_error_at_call_time_as_for_run(
    tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(TypeError) as by_run:
        bulk.run([], *args, **kwargs)
    with pytest.raises(TypeError) as by_arun:
        bulk.arun([], *args, **kwargs).close()  # called, never awaited: the error comes now
    for name in kwargs:
        assert repr(name) in str(by_run.value)
        assert repr(name) in str(by_arun.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "value"), [("total", -1), ("retry_failed", "no"), ("grace", float("nan")), ("shard_size", 0)]
)
def test_a_bad_option_is_a_validation_error_at_call_time_as_for_run(name: str, value: object) -> None:
    with pytest.raises(ValidationError) as by_run:
        bulk.run([], **{name: value})  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as by_arun:
        bulk.arun([], **{name: value}).close()  # type: ignore[arg-type]
    assert by_arun.value.field == by_run.value.field == name


def test_a_good_call_is_awaited_as_before(tmp_path: Path) -> None:
    pending = bulk.arun([], tmp_path / "run.db")
    assert inspect.isawaitable(pending)
    report = asyncio.run(pending)
    assert report.ok
    assert (tmp_path / "run.db").exists()
    assert inspect.signature(bulk.arun).parameters.keys() == inspect.signature(bulk.run).parameters.keys()


def test_arun_is_a_coroutine_function_to_inspect_and_asyncio_on_every_python() -> None:
    """It was one to inspect only from 3.12 (markcoroutinefunction): on 3.10 and 3.11, frameworks asking
    ``inspect.iscoroutinefunction`` (FastAPI's dependencies) would not await it. (left5)"""
    assert inspect.iscoroutinefunction(bulk.arun)
    assert asyncio.iscoroutinefunction(bulk.arun)
    assert inspect.isroutine(bulk.arun)  # autodoc documents it as a function
    assert not inspect.iscoroutinefunction(bulk.run)
    assert bulk.arun.__name__ == "arun"
    assert bulk.arun.__module__ == "invoicekit.bulk"
    assert "checked when it is called" in (inspect.getdoc(bulk.arun) or "")  # its own docstring
    assert pickle.loads(pickle.dumps(bulk.arun)) is bulk.arun  # noqa: S301 - by name, as a function
