"""``bulk.arun`` (a ``_CoroutineFunction``, so ``inspect.iscoroutinefunction`` holds on 3.10 and 3.11) read
by the tools that read functions: IPython's ``arun??`` (``inspect.getsource``), ``help()`` (pydoc, which
reads ``inspect.signature``), and ``typing.get_type_hints`` (Sphinx, pydantic-style tools)."""

from __future__ import annotations

import asyncio
import inspect
import pydoc
import typing

from invoicekit import bulk


def test_getsource_shows_the_function_written_out() -> None:
    """It raised TypeError ("module, class, method, function, ... was expected, got _CoroutineFunction")."""
    source = inspect.getsource(bulk.arun)
    assert source.startswith("@_awaited(run)\ndef arun(*args: Any, **kwargs: Any) -> _Awaited:\n")
    lines, first = inspect.getsourcelines(bulk.arun)
    assert first > 1
    assert "".join(lines) == source
    assert inspect.getsourcefile(inspect.unwrap(bulk.arun)) == inspect.getsourcefile(bulk.run)  # IPython


def test_signature_and_coroutine_marks_are_runs_own() -> None:
    """Unwrapping for the source must not change what signature() shows: run's, not ``(*args, **kwargs)``."""
    assert inspect.signature(bulk.arun) == inspect.signature(bulk.run, eval_str=True)
    assert inspect.iscoroutinefunction(bulk.arun)
    assert asyncio.iscoroutinefunction(bulk.arun)
    assert not inspect.iscoroutinefunction(bulk.run)


def test_type_hints_are_runs() -> None:
    """They were ``{}``: an empty ``__annotations__``."""
    hints = typing.get_type_hints(bulk.arun)
    assert hints == typing.get_type_hints(bulk.run)
    assert hints["return"] is bulk.Report
    assert "journal" in hints


def test_help_shows_an_async_function_with_runs_parameters() -> None:
    text = pydoc.plain(pydoc.render_doc(bulk.arun))
    assert "\nasync arun(jobs: " in text
    assert "retry_failed: bool = False" in text
    assert ":func:`run`, awaited" in text
