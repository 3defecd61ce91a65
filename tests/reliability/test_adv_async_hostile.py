"""Adversary (async2): the async clients' one timer per call (asyncio, Python 3.11+) against hostile servers
and careless callers, on real loopback sockets (tests/reliability/_hostile.py).

What must hold whatever the timing: a caller's cancel is never swallowed (not even one landing at the tick
of the deadline or during the cut's cleanup); the caller's own timeout is reported to the caller as its
TimeoutError, ours as our typed error; nothing but an InvoiceKitError escapes; the task's cancel count is
back where it was; no timer is left on the loop; a cut after bytes left is OutcomeUnknownError for an
unsafe call (never resent), a TransportError when nothing left. Elapsed times are generous bounds only.
"""

from __future__ import annotations

import asyncio
import os
import select
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

import invoicekit as ik
from invoicekit import RetryPolicy, _client
from invoicekit._call import Safety
from invoicekit.upflow._client import upload_pdf_call

from . import _hostile as h
from ._scenarios import FAST, PDF
from .test_hostile import MARGIN, _payabli_call

pytestmark = pytest.mark.skipif(not _client._HAS_ASYNCIO_TIMEOUT, reason="the call timer needs Python 3.11")

SCRIPTS: dict[str, Callable[[], h.Script]] = {
    "stalled-headers": h.stalled_headers,
    "trickled-body": lambda: h.trickled_body(200, 0.01),
    "endless-1xx": lambda: h.endless_informational(0.01),
    "503-body-never-ends": lambda: h.claims_length(100, 503),
}


def _client_for(url: str, deadline: float, **options: Any) -> ik.AsyncPayabli:
    options.setdefault("retry", FAST)
    return ik.AsyncPayabli(
        api_key="pk-test-0123",
        base_url=url + "/api",
        deadline=deadline,
        timeout=httpx.Timeout(30.0),
        **options,
    )


def _cut_class(unsafe: bool) -> type[ik.TransportError]:
    return ik.OutcomeUnknownError if unsafe else ik.TransportError


T = TypeVar("T")
#: How many times a check whose proof needs its request to have left before a short deadline (0.1-0.3 s)
#: runs when a loaded machine cut it before a byte left: descheduled while it connected, the call is rightly
#: cut as not sent (a plain TransportError saying so). A client that never sends, or that calls every cut
#: "not sent", still fails: no try ever sees its request leave.
SEND_TRIES = 10


def _not_sent(outcome: object) -> bool:
    """A cut before the request left: a plain TransportError that says so, never "may have been applied"."""
    return type(outcome) is ik.TransportError and "before the request was sent" in str(outcome)


async def _once_sent(check: Callable[[], Awaitable[T]], server: h.Hostile | None = None) -> T:
    """*check*'s outcome (a call cut at a short deadline, or what *check* returns for it), run again while
    the machine was too slow for the request to leave before the deadline (see SEND_TRIES). With *server*
    (where *check* makes one call to it), a "not sent" must be true: the server never got that request."""
    for _ in range(SEND_TRIES):
        before = len(server.requests) if server is not None else 0
        outcome = await check()
        if not _not_sent(outcome):
            return outcome
        if server is not None:
            assert len(server.requests) == before, f"reported as not sent, yet the server got it: {outcome}"
    pytest.fail(f"no request left before its deadline in {SEND_TRIES} tries")


def _live_timers(loop: asyncio.AbstractEventLoop) -> list[Any]:
    scheduled = getattr(loop, "_scheduled", [])  # asyncio's own loop; uvloop keeps none to look at
    return [t for t in scheduled if not t.cancelled() and getattr(t, "_callback", None) is _client._fire]


@pytest.fixture
def server() -> Iterator[h.Hostile]:
    with h.Hostile() as served:
        yield served


# -- a caller's cancel at, just before, and after the deadline's tick ----------------------------------------


async def _cancel_near_the_deadline(
    monkeypatch: pytest.MonkeyPatch, server: h.Hostile, unsafe: bool, when: str, turns: int
) -> tuple[str, bool, int, bool]:
    """One call cut at its deadline, and a caller's cancel *when* ("before"/"same"/"after" its tick), or
    *turns* loop turns after the cut started. Returns (outcome, whether the cancel was requested while the
    call ran, the task's cancel count at its end, whether its error says it was cut before it was sent)."""
    loop = asyncio.get_running_loop()
    requested: list[bool] = []
    box: dict[str, Any] = {}

    def cancel() -> None:
        requested.append(box["task"].cancel())

    def later(n: int) -> None:
        if n == 0:
            cancel()
        else:
            loop.call_soon(later, n - 1)

    fire, arm = _client._fire, _client._CallTimer.arm

    def firing(timer: _client._CallTimer) -> None:
        fire(timer)
        if when == "after":
            later(turns)

    def arming(timer: _client._CallTimer) -> None:
        arm(timer)
        tick = timer._handle.when()
        offset = {"before": -1e-6, "same": 0.0, "after": None}[when]
        if offset is not None:
            loop.call_at(tick + offset, cancel)

    with monkeypatch.context() as patched:
        patched.setattr(_client, "_fire", firing)
        patched.setattr(_client._CallTimer, "arm", arming)
        async with _client_for(server.url, 0.1) as client:

            async def call() -> Any:
                try:
                    return await _payabli_call(client, unsafe)
                finally:
                    task = asyncio.current_task()
                    assert task is not None
                    box["count"] = task.cancelling()

            task = box["task"] = asyncio.ensure_future(call())
            not_sent = False
            try:
                await task
                outcome = "result"
            except asyncio.CancelledError:
                outcome = "cancelled"
            except ik.InvoiceKitError as exc:
                outcome, not_sent = type(exc).__name__, _not_sent(exc)
    assert not _live_timers(loop)
    return outcome, bool(requested and requested[0]), box["count"], not_sent


@pytest.mark.anyio
@pytest.mark.parametrize("script", list(SCRIPTS))
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_a_callers_cancel_near_the_deadline_is_never_swallowed(
    monkeypatch: pytest.MonkeyPatch, server: h.Hostile, script: str, unsafe: bool
) -> None:
    server.script = SCRIPTS[script]()
    cases = [("before", 0), ("same", 0)] + [("after", turns) for turns in (0, 1, 2, 3, 5)]
    for when, turns in cases:
        for _ in range(SEND_TRIES):
            outcome, requested, count, not_sent = await _cancel_near_the_deadline(
                monkeypatch, server, unsafe, when, turns
            )
            if requested or not not_sent:
                break
            # a loaded machine: the deadline passed before the request left (see SEND_TRIES)
            assert (outcome, count) == ("TransportError", 0), (when, turns)
        else:
            pytest.fail(f"no request left before its deadline in {SEND_TRIES} tries")
        if requested:  # the caller asked while the call ran: its cancel goes on, counted once
            assert (outcome, count) == ("cancelled", 1), (when, turns)
        else:  # the call had ended first: our cut, typed by whether bytes left (they did)
            assert (outcome, count) == (_cut_class(unsafe).__name__, 0), (when, turns)


@pytest.mark.anyio
async def test_a_cancel_asked_before_the_call_first_waits(server: h.Hostile) -> None:
    """The task cancels itself, then calls: the cancel lands at the call's first wait, before a byte left."""
    server.script = h.answer(200, b"{}")
    task = asyncio.current_task()
    assert task is not None
    async with _client_for(server.url, 30.0) as client:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await _payabli_call(client, True)
        assert task.uncancel() == 0
    assert server.requests == []
    assert not _live_timers(asyncio.get_running_loop())


# -- the caller's own timeouts around the call ---------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("how", ["asyncio.timeout", "wait_for"])
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_whose_timeout_fires_is_reported_to_whom(server: h.Hostile, how: str, unsafe: bool) -> None:
    server.script = h.stalled_headers()

    async def wrapped(client: ik.AsyncPayabli, seconds: float) -> Any:
        if how == "wait_for":
            return await asyncio.wait_for(_payabli_call(client, unsafe), seconds)
        async with asyncio.timeout(seconds):
            return await _payabli_call(client, unsafe)

    async with _client_for(server.url, 30.0) as client:  # theirs first: their TimeoutError
        started = time.monotonic()
        with pytest.raises(TimeoutError) as theirs:
            await wrapped(client, 0.2)
        assert not isinstance(theirs.value, ik.InvoiceKitError)
        assert time.monotonic() - started < 0.2 + MARGIN
    async with _client_for(server.url, 0.2) as client:  # ours first: never swallowed by theirs

        async def ours_first() -> BaseException:
            with pytest.raises(ik.TransportError) as ours:
                await wrapped(client, 30.0)
            return ours.value

        ours = await _once_sent(ours_first)
        assert type(ours) is _cut_class(unsafe)
        assert "deadline" in str(ours)
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    assert not _live_timers(asyncio.get_running_loop())


@pytest.mark.anyio
@pytest.mark.parametrize("offset", [-1e-6, 0.0, 1e-6])
async def test_the_callers_timeout_at_the_deadlines_tick(
    monkeypatch: pytest.MonkeyPatch, server: h.Hostile, offset: float
) -> None:
    """The caller's asyncio.timeout set to our timer's own tick (or a hair around it): whichever wins, the
    caller sees its TimeoutError or our typed error, never a CancelledError, and the count is back to 0."""
    server.script = h.stalled_headers()
    arm = _client._CallTimer.arm
    scope: list[asyncio.Timeout] = []

    def arming(timer: _client._CallTimer) -> None:
        arm(timer)
        scope[0].reschedule(timer._handle.when() + offset)

    monkeypatch.setattr(_client._CallTimer, "arm", arming)
    for unsafe in (False, True):
        outcome: BaseException | None = None
        async with _client_for(server.url, 0.1) as client:
            try:
                async with asyncio.timeout(None) as timeout:
                    scope[:] = [timeout]
                    await _payabli_call(client, unsafe)
            except (ik.InvoiceKitError, TimeoutError) as exc:  # nothing else (a CancelledError) is caught
                outcome = exc
        # ours (typed by whether bytes left: they did) or theirs (a TimeoutError, no InvoiceKitError)
        assert type(outcome) in (_cut_class(unsafe), TimeoutError), outcome
        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0


@pytest.mark.anyio
async def test_an_anyio_scope_of_the_caller(server: h.Hostile) -> None:
    import anyio

    server.script = h.stalled_headers()
    async with _client_for(server.url, 30.0) as client:
        with anyio.move_on_after(0.2) as scope:
            await _payabli_call(client, True)
        assert scope.cancelled_caught
    async with _client_for(server.url, 0.2) as client:

        async def ours() -> tuple[BaseException, bool]:
            with pytest.raises(ik.TransportError) as caught, anyio.move_on_after(30.0) as scope:
                await _payabli_call(client, True)
            return caught.value, scope.cancelled_caught

        async def check() -> Any:
            outcome = await ours()
            assert not outcome[1]  # the caller's scope never saw our cut
            return outcome[0]

        assert type(await _once_sent(check, server)) is ik.OutcomeUnknownError
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


# -- many calls, task groups, odd tasks ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_many_concurrent_calls_on_one_client_and_its_copies(server: h.Hostile) -> None:
    server.script = h.trickled_headers()
    async with _client_for(server.url, 0.3) as client:
        shorter = client.with_options(deadline=0.15)
        calls = [_payabli_call(client if i % 3 else shorter, i % 2 == 1) for i in range(24)]
        started = time.monotonic()
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        assert time.monotonic() - started < 0.3 + MARGIN
    for i, outcome in enumerate(outcomes):
        # cut while it waited for its connection: nothing left, whatever the call. With anyio < 4.16 (#1214)
        # httpcore's connect scope, whose timeout is clipped to the same deadline, may take the cut for its
        # own and raise its ConnectTimeout: nothing left either.
        not_sent = "before the request was sent" in str(outcome) or "(ConnectTimeout;" in str(outcome)
        assert type(outcome) is (ik.TransportError if not_sent else _cut_class(i % 2 == 1)), (i, outcome)
        assert f"({0.3 if i % 3 else 0.15:g} s)" in str(outcome)
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    assert not _live_timers(asyncio.get_running_loop())


@pytest.mark.anyio
async def test_a_task_group_whose_member_fails_cancels_the_calls_in_flight(server: h.Hostile) -> None:
    server.script = h.stalled_headers()
    async with _client_for(server.url, 30.0) as client:

        async def failing() -> None:
            await asyncio.sleep(0.1)
            await client.invoices.update(0, invoice_data=None)

        members: list[asyncio.Task[Any]] = []

        async def group() -> None:
            async with asyncio.TaskGroup() as tg:
                members.extend(tg.create_task(_payabli_call(client, i % 2 == 0)) for i in range(4))
                tg.create_task(failing())

        started = time.monotonic()
        raised: Any = None
        try:
            await group()
        except Exception as exc:  # an ExceptionGroup (a builtin from Python 3.11)
            raised = exc
        assert time.monotonic() - started < MARGIN  # the calls' own 30 s deadline never came
    assert type(raised).__name__ == "ExceptionGroup"
    assert [type(e) for e in raised.exceptions] == [ik.ValidationError]
    assert all(member.cancelled() for member in members)


@pytest.mark.anyio
async def test_a_task_already_cancelling_keeps_its_count(server: h.Hostile) -> None:
    """A caller that caught a CancelledError and goes on (cleanup code) makes calls: our cut is ours, its
    count stays; its own next cancel still goes on."""
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.sleep(30.0)
    assert task.cancelling() == 1
    server.script = h.stalled_headers()
    try:
        async with _client_for(server.url, 0.2) as client:

            async def cut() -> BaseException:
                with pytest.raises(ik.TransportError) as caught:
                    await _payabli_call(client, True)
                assert task.cancelling() == 1
                return caught.value

            assert type(await _once_sent(cut, server)) is ik.OutcomeUnknownError
            asyncio.get_running_loop().call_later(0.1, task.cancel)
            with pytest.raises(asyncio.CancelledError):
                await _payabli_call(client.with_options(deadline=30.0), True)
            assert task.cancelling() == 2
    finally:
        while task.uncancel():
            pass


def test_a_plain_coroutine_on_a_debug_loop(server: h.Hostile) -> None:
    server.script = h.stalled_headers()

    async def call() -> Any:
        async with _client_for(server.url, 0.2) as client:
            try:
                return await _payabli_call(client, True)
            except ik.InvoiceKitError as exc:
                return exc

    async def checked() -> Any:
        outcome = await call()
        assert not _live_timers(asyncio.get_running_loop())
        return outcome

    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    try:
        outcome = loop.run_until_complete(_once_sent(checked))
    finally:
        loop.close()
    assert type(outcome) is ik.OutcomeUnknownError


@pytest.mark.anyio
async def test_calls_on_an_eager_task_factory(server: h.Hostile) -> None:
    eager = getattr(asyncio, "eager_task_factory", None)
    if eager is None:
        pytest.skip("asyncio.eager_task_factory needs Python 3.12")
    loop = asyncio.get_running_loop()
    server.script = h.stalled_headers()
    loop.set_task_factory(eager)
    try:
        async with _client_for(server.url, 0.2) as client:
            outcomes = await asyncio.gather(
                *[_payabli_call(client, u) for u in (False, True)], return_exceptions=True
            )
    finally:
        loop.set_task_factory(None)
    assert [type(o) for o in outcomes] == [ik.TransportError, ik.OutcomeUnknownError]


def test_uvloop(server: h.Hostile) -> None:
    uvloop = pytest.importorskip("uvloop")  # optional: not a dependency
    server.script = h.stalled_headers()

    async def calls() -> list[Any]:
        outcomes: list[Any] = []
        for unsafe in (False, True):
            async with _client_for(server.url, 0.2) as client:
                try:
                    outcomes.append(await _payabli_call(client, unsafe))
                except ik.InvoiceKitError as exc:
                    outcomes.append(exc)
            task = asyncio.current_task()
            assert task is not None
            assert task.cancelling() == 0
        return outcomes

    outcomes = uvloop.run(calls())
    assert [type(o) for o in outcomes] == [ik.TransportError, ik.OutcomeUnknownError]


def test_trio_behaves_as_before(server: h.Hostile) -> None:
    trio = pytest.importorskip("trio")  # optional: not a dependency
    server.script = h.stalled_headers()

    async def calls() -> tuple[list[Any], bool]:
        outcomes: list[Any] = []
        for unsafe in (False, True):
            async with _client_for(server.url, 0.2) as client:
                try:
                    outcomes.append(await _payabli_call(client, unsafe))
                except ik.InvoiceKitError as exc:
                    outcomes.append(exc)
        async with _client_for(server.url, 30.0) as client:
            with trio.move_on_after(0.2) as scope:
                await _payabli_call(client, True)
        return outcomes, scope.cancelled_caught

    outcomes, moved_on = trio.run(calls)
    assert [type(o) for o in outcomes] == [ik.TransportError, ik.OutcomeUnknownError]
    assert moved_on  # the caller's own scope: its cancel, not our error


# -- sent or not sent ----------------------------------------------------------------------------------------


@pytest.fixture
def unconnectable() -> Iterator[str]:
    """A listening socket whose accept queue is full: a new connect never completes (its SYN is dropped).

    Deterministic (left5): with ``listen(0)`` the queue holds one connection, and Linux drops every SYN
    while it is full. One connection is made and waited for until the listener shows it queued (readable);
    only then is the queue surely full. (Three connects fired at once could all pass the check before the
    first handshake was queued, on a loaded machine, and the fixture skipped.) A closed port would not do:
    its connect is refused at once, where these tests need one that never completes.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port), timeout=10)
    probe = socket.socket()
    try:
        readable, _, _ = select.select([listener], [], [], 10)
        assert readable, "the first connection never reached the accept queue"
        probe.setblocking(False)
        probe.connect_ex(("127.0.0.1", port))
        _, connected, _ = select.select([], [probe], [], 0.2)
        assert not connected, "a connect completed past a full accept queue"
        yield f"http://127.0.0.1:{port}"
    finally:
        for sock in [probe, filler, listener]:
            sock.close()


@pytest.mark.anyio
async def test_a_connect_that_never_completes_is_cut_as_not_sent(unconnectable: str) -> None:
    async with _client_for(unconnectable, 0.3) as client:
        with pytest.raises(ik.TransportError) as caught:
            await _payabli_call(client, True)
    assert type(caught.value) is ik.TransportError  # nothing left: not "may have been applied"
    assert "before the request was sent" in str(caught.value)


@pytest.mark.anyio
async def test_a_process_descheduled_while_it_connects_is_cut_as_not_sent_then_tried_again(
    monkeypatch: pytest.MonkeyPatch, server: h.Hostile
) -> None:
    """What a loaded machine does to a 0.1 s deadline: the process stalls (here 0.3 s, once) after the call
    first waited and before its request left. That cut is rightly "not sent"; _once_sent tries again, and
    the next call's request leaves, so its cut is typed as sent."""
    import httpcore._backends.anyio as backend

    connect = backend.AnyIOBackend.connect_tcp
    stalls = [0.3]

    async def descheduled(self: Any, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)  # the call's first wait: its timer is armed
        if stalls:
            time.sleep(stalls.pop())  # the whole process stalls, its loop too
        return await connect(self, *args, **kwargs)

    monkeypatch.setattr(backend.AnyIOBackend, "connect_tcp", descheduled)
    server.script = h.stalled_headers()
    outcomes: list[BaseException] = []

    async def cut() -> BaseException:
        async with _client_for(server.url, 0.1) as client:
            with pytest.raises(ik.TransportError) as caught:
                await _payabli_call(client, True)
        outcomes.append(caught.value)
        return caught.value

    assert type(await _once_sent(cut, server)) is ik.OutcomeUnknownError
    # the stalled call, then as many as a loaded machine also cut before they were sent (see SEND_TRIES)
    assert len(outcomes) >= 2
    assert _not_sent(outcomes[0])  # the unsafe call's request never left: nothing can have been applied
    waited = time.monotonic()
    while not server.requests and time.monotonic() - waited < MARGIN:  # the server's thread reads it
        await asyncio.sleep(0.01)
    assert len(server.requests) == 1  # only the second call's


class _HeadOnly:
    """Reads each request's head, then neither reads its body nor answers."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self.heads: list[bytes] = []
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            head = b""
            while b"\r\n\r\n" not in head:
                more = conn.recv(1)
                if not more:
                    break
                head += more
            self.heads.append(head)

    def close(self) -> None:
        for sock in [*self._conns, self._sock]:
            sock.close()


def _open_handles(path: Path) -> int:
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path)) if fds.exists() else 0


@pytest.mark.anyio
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_an_upload_from_a_path_cut_mid_body(tmp_path: Path, unsafe: bool) -> None:
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(PDF + b"\0" * (16 << 20))  # far more than the sockets' buffers hold
    call = upload_pdf_call("inv_1", pdf)
    if unsafe:
        call = call.replace(safety=Safety.UNSAFE)
    heads: list[bytes] = []

    async def upload() -> BaseException:
        server = _HeadOnly()
        try:
            async with ik.AsyncUpflow(
                api_key="uk-test", api_secret="us-test", base_url=server.url, retry=FAST, deadline=0.3
            ) as client:
                started = time.monotonic()
                with pytest.raises(ik.TransportError) as caught:
                    await client._send(call)
                assert time.monotonic() - started < 0.3 + MARGIN
        finally:
            server.close()
        heads[:] = server.heads
        return caught.value

    outcome = await _once_sent(upload)
    assert type(outcome) is _cut_class(unsafe)  # the head and part of the file left
    assert len(heads) == 1  # never resent
    assert _open_handles(pdf) == 0


@pytest.mark.anyio
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
async def test_a_loop_stuck_past_the_deadline_in_a_retry_wait(server: h.Hostile, unsafe: bool) -> None:
    """A 429 (never applied), a wait, and a careless callback that blocks the loop past the deadline: the
    call ends with the answer it had, not resent, nothing pending."""
    server.script = h.answer(429, b"{}")
    loop = asyncio.get_running_loop()
    sleep = _client._async_sleep

    async def stuck(seconds: float) -> None:
        loop.call_soon(time.sleep, 0.5)
        await sleep(seconds)

    retry = RetryPolicy(initial=0.1, jitter=False)

    async def call() -> BaseException:
        async with _client_for(server.url, 0.3, retry=retry) as client:
            _client._async_sleep = stuck
            try:
                with pytest.raises(ik.InvoiceKitError) as caught:
                    await _payabli_call(client, unsafe)
            finally:
                _client._async_sleep = sleep
        return caught.value

    assert type(await _once_sent(call)) is ik.RateLimitError
    assert len(server.requests) == 1
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    await asyncio.sleep(0)


@pytest.mark.anyio
async def test_bulk_arun_cut_calls_are_failures_not_interruptions(server: h.Hostile, tmp_path: Path) -> None:
    pytest.importorskip("limits")
    from invoicekit import InvoiceChange, bulk

    server.script = h.trickled_headers()
    client = ik.AsyncUpflow(
        api_key="uk-test", api_secret="us-test", base_url=server.url, retry=FAST, deadline=0.2
    )
    jobs = [bulk.Job("upflow", f"inv_{i}", InvoiceChange(pdf=PDF), id=f"up-{i}") for i in range(6)]
    report = await bulk.arun(jobs, tmp_path / "run.db", clients={"upflow": client}, concurrency=3)
    assert report.counts["failed"] == 6, report.counts
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
