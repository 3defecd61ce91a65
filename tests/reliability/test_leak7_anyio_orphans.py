"""anyio < 4.16 leaks the socket of a connect cut as it succeeds (tests/anyio_orphans.py): the proof, and
the test session's workaround closing exactly those sockets, nothing a caller received.

A cut "as it succeeds": the backend's connect returns a connected stream and, in the same loop turn, the
task is cancelled (what an async call's deadline does to httpcore's connect), while ``connect_tcp``'s own
Happy Eyeballs group cancels itself for having a winner.
"""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from anyio._backends._asyncio import AsyncIOBackend

import anyio_orphans
import support

#: The scenario, run in a fresh interpreter (no workaround installed): what the garbage collector finds.
SCENARIO = """
import asyncio, gc, json, socket, sys, warnings
import anyio
from anyio._backends._asyncio import AsyncIOBackend

found = []
sys.unraisablehook = lambda u: found.append(str(u.exc_value))
warnings.simplefilter("error", ResourceWarning)
server = socket.create_server(("127.0.0.1", 0))
real = AsyncIOBackend.connect_tcp.__func__

async def main():
    task = asyncio.current_task()

    async def cut_as_it_succeeds(cls, *args, **kwargs):
        stream = await real(cls, *args, **kwargs)
        task.cancel()
        return stream

    AsyncIOBackend.connect_tcp = classmethod(cut_as_it_succeeds)
    try:
        await anyio.connect_tcp("127.0.0.1", server.getsockname()[1])
    except asyncio.CancelledError:
        return "cancelled"
    return "connected"

outcome = asyncio.run(main())
gc.collect()
server.close()
out = {"outcome": outcome, "found": found}
"""


def test_anyio_below_4_16_leaks_the_socket_of_a_connect_cut_as_it_succeeds() -> None:
    out = support.script_out(SCENARIO)
    assert out["outcome"] == "cancelled"
    if anyio_orphans.LEAKS:
        assert any(text.startswith("unclosed <socket.socket") for text in out["found"]), out
    else:
        assert out["found"] == [], out


@pytest.fixture
def server() -> Iterator[socket.socket]:
    listening = socket.create_server(("127.0.0.1", 0))
    yield listening
    listening.close()


def _port(server: socket.socket) -> int:
    port: int = server.getsockname()[1]
    return port


@pytest.mark.anyio
async def test_a_connect_cut_as_it_succeeds_leaves_no_socket_behind(
    server: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same cut in this session: on anyio < 4.16 the workaround closes the stream anyio dropped (one,
    counted); on 4.16 anyio does. Either way no socket is left for the garbage collector (which would fail
    this test: filterwarnings = error)."""
    task = asyncio.current_task()
    assert task is not None
    current = AsyncIOBackend.connect_tcp.__func__  # type: ignore[attr-defined]  # (the recording one, < 4.16)

    async def cut_as_it_succeeds(cls: Any, *args: Any, **kwargs: Any) -> Any:
        stream = await current(cls, *args, **kwargs)
        task.cancel()
        return stream

    monkeypatch.setattr(AsyncIOBackend, "connect_tcp", classmethod(cut_as_it_succeeds))
    before = len(anyio_orphans.CLOSED)
    with pytest.raises(asyncio.CancelledError):
        await anyio.connect_tcp("127.0.0.1", _port(server))
    task.uncancel()
    await asyncio.sleep(0.05)  # the transport's close completes on the loop
    gc.collect()
    assert len(anyio_orphans.CLOSED) - before == (1 if anyio_orphans.LEAKS else 0)


@pytest.mark.anyio
async def test_a_stream_connect_tcp_returned_is_left_to_its_owner(server: socket.socket) -> None:
    """The workaround touches only what connect_tcp dropped: a stream it returned stays open (its owner,
    httpcore, closes it; one it forgot would still fail the test that leaked it)."""
    before = len(anyio_orphans.CLOSED)
    stream = await anyio.connect_tcp("127.0.0.1", _port(server))
    try:
        assert len(anyio_orphans.CLOSED) == before
        raw = stream.extra(anyio.abc.SocketAttribute.raw_socket)  # noqa: S610 - anyio's, not Django's
        assert raw.fileno() >= 0  # open
    finally:
        await stream.aclose()
