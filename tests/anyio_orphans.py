"""anyio below 4.16 leaks the socket of a connect cut as it succeeds; the test session closes exactly those.

``anyio.connect_tcp`` (4.14, the lowest version CI tests) races its Happy Eyeballs attempts in a task group;
the first attempt to connect keeps its stream and cancels the group. When a cancel of the task lands in the
same turn (an async call's deadline, cutting httpcore's connect), the group ends in ``CancelledError`` and
the connected stream is dropped unclosed: nobody received it (``connect_tcp`` raised), and the garbage
collector finds it later, in whatever test is running then, as ``ResourceWarning: unclosed <socket...>``
(and ``unclosed transport``), which ``filterwarnings = error`` makes that test's failure: a test that opens
no socket at all (tests/reliability/test_dl6_lost_cut.py) failed so under load. anyio 4.16 closes the stream
on any exception (``except BaseException: aclose_forcefully(connected_stream)``);
tests/reliability/test_leak7_anyio_orphans.py proves the leak on 4.14 and its absence on 4.16.

On anyio < 4.16 only, :func:`install` wraps ``anyio.connect_tcp`` (what httpcore calls) to do what 4.16
does: when the call raises, the streams its attempts connected (recorded as each attempt returns, by the
backend's own ``connect_tcp``) are closed. Those are exactly the leaked ones: a stream ``connect_tcp``
returned reached httpcore and stays its own (and ours) to close; a socket invoicekit or httpcore failed to
close still fails the test that leaks it. Each one closed is counted in :data:`CLOSED`.
"""

from __future__ import annotations

import contextvars
import importlib.metadata
import os
from typing import Any

import anyio

#: Whether this anyio drops a connected stream when connect_tcp is cut (fixed in 4.16).
LEAKS = tuple(int(part) for part in importlib.metadata.version("anyio").split(".")[:2]) < (4, 16)
#: The test during which each stream connect_tcp connected and dropped was closed (the session's).
CLOSED: list[str] = []
#: The streams the backend connected during the connect_tcp under way in this context (its attempts run
#: in child tasks, which copy the context: the list is shared).
_MADE: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("anyio_connects", default=None)


def install() -> None:
    """Wrap ``anyio.connect_tcp`` on anyio < 4.16 (else nothing), and each backend's ``connect_tcp`` when
    first used."""
    if not LEAKS or getattr(anyio.connect_tcp, "_closes_orphans", False):
        return
    from anyio._core._eventloop import get_async_backend

    real = anyio.connect_tcp

    async def connect_tcp(*args: Any, **kwargs: Any) -> Any:
        backend = get_async_backend()  # (asyncio's or trio's, wrapped on first use: trio not imported here)
        if not getattr(backend.connect_tcp, "_records", False):
            _record(backend)
        made: list[Any] = []
        token = _MADE.set(made)
        try:
            return await real(*args, **kwargs)
        except BaseException:
            for stream in made:  # it raised: none of them was handed to anyone
                CLOSED.append(os.environ.get("PYTEST_CURRENT_TEST", "?"))
                await anyio.aclose_forcefully(stream)
            raise
        finally:
            _MADE.reset(token)

    connect_tcp._closes_orphans = True  # type: ignore[attr-defined]
    anyio.connect_tcp = connect_tcp


def summary() -> str | None:
    """A line for the end of the session when streams were closed (where anyio's bug struck), else None."""
    if not CLOSED:
        return None
    where = sorted({test.rsplit(" ", 1)[0] for test in CLOSED})
    return f"anyio < 4.16: closed {len(CLOSED)} stream(s) connect_tcp dropped, in {', '.join(where)}"


def _record(backend: Any) -> None:
    real = backend.connect_tcp.__func__

    async def connect_tcp(cls: Any, *args: Any, **kwargs: Any) -> Any:
        stream = await real(cls, *args, **kwargs)
        made = _MADE.get()
        if made is not None and all(other is not stream for other in made):  # (once: a wrapper may wrap it)
            made.append(stream)
        return stream

    connect_tcp._records = True  # type: ignore[attr-defined]
    backend.connect_tcp = classmethod(connect_tcp)
