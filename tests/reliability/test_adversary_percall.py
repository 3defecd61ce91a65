"""Adversary tests for the per-call fast paths: what each shortcut could skip, tried against it.

The echo search (``Redactor.may_hold``) decides whether a decoded answer is walked for credentials at all:
when it says "no" for an answer that holds a credential in a form the Redactor scrubs, the credential is
returned to the caller as it is. The asyncio deadline, the bytes bodies, the lazy boundary, the idempotency
keys and the path fast path are checked against what a caller, a hostile server and an independent parser see.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import os
import threading
import time
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.formparser import parse_form_data

import invoicekit as ik
from invoicekit import payabli
from invoicekit._auth import Redactor, Secret
from invoicekit._call import Call, Json, JsonStream, Multipart, build_request, new_idempotency_key
from invoicekit._json import loads

from . import _hostile as h
from .test_percall_paths import _reference_may_hold

# -- the echo search: every form the Redactor scrubs must be found ---------------------------------------

#: A credential made of one run of letters and digits: its only probe is the whole of it.
KEY = "pktest0123abcd"
#: A credential whose HTTP Basic form (``merchant:KEY``) in standard base64 holds a "/".
SLASHY = "pk?live?0123abcd"


def _echo_leaks(secret: str, raw: bytes) -> bool:
    """Whether the answer *raw* holds *secret* in a form the Redactor scrubs, yet the echo search says no."""
    redactor = Redactor([Secret(secret)])
    value = loads(raw)
    return redactor.data(value) != value and not redactor.may_hold(raw)


@pytest.mark.parametrize("escape", ["\\n", "\\r", "\\t", "\\b", "\\f", "\x7f", "\\n\\t"], ids=repr)
def test_a_credential_split_by_a_json_control_escape_is_found(escape: str) -> None:
    """The Redactor scrubs a credential with controls (and DEL) slipped between its characters; in JSON
    they are written as short escapes (``\\n``) or raw (DEL), none of which the search looked for."""
    raw = ('{"responseText": "pktest0' + escape + '123abcd"}').encode()
    assert Redactor([Secret(KEY)]).data(loads(raw)) == {"responseText": "***"}
    assert not _echo_leaks(KEY, raw)


def test_a_base64_credential_written_by_php_json_encode_is_found() -> None:
    """PHP's json_encode writes "/" as "\\/": a base64 echo (HTTP Basic) then held none of the probes."""
    basic = base64.b64encode(f"merchant:{SLASHY}".encode()).decode()
    assert "/" in basic
    raw = json.dumps({"responseText": basic}).replace("/", "\\/").encode()
    scrubbed = Redactor([Secret(SLASHY)]).data(loads(raw))
    assert SLASHY not in base64.b64decode(scrubbed["responseText"].replace("***", "") + "==").decode(
        "latin-1"
    )
    assert not _echo_leaks(SLASHY, raw)


_SECRET_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", blacklist_characters="\r\n\0"),
    min_size=1,
    max_size=24,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_SECRET_TEXT, min_size=1, max_size=5), st.binary(max_size=30), st.binary(max_size=30))
@example(["a.b*c+d?", "a.b"], b'{"x":"', b'"}')  # regex metacharacters, a key prefix of another
@example(["(?i)[x]{2}\\1", "zzzzzzzz"], b"", b"")
@example(["x" * 3000, "x" * 2999 + "y"], b"", b"")  # very long keys
@example(["über-geheim-ç", "\u043f\u0430\u0440\u043e\u043b\u044c12345"], b"", b"")  # non-ASCII keys
@example([f"key-{n:04d}-secret" for n in range(5)], b"[", b"]")  # many credentials
def test_the_compiled_echo_search_says_yes_where_the_loop_did(
    secrets: list[str], before: bytes, after: bytes
) -> None:
    redactor = Redactor([Secret(s) for s in secrets])
    for secret in secrets:
        raw = before + secret.encode() + after
        assert redactor.may_hold(raw)
        assert redactor.may_hold(raw) is _reference_may_hold(redactor, raw)
    assert redactor.may_hold(before + after) is _reference_may_hold(redactor, before + after)


SUCCESS = '{{"isSuccess": true, "responseCode": 1, "responseData": 3625, "responseText": "{}", "roomId": 0}}'


@pytest.mark.parametrize(
    ("secret", "echo"),
    [
        (KEY, "pktest0\\n123abcd"),
        (KEY, "pktest0\\t123abcd"),
        (SLASHY, base64.b64encode(f"merchant:{SLASHY}".encode()).decode().replace("/", "\\/")),
    ],
    ids=["newline", "tab", "php-base64"],
)
def test_an_echoed_credential_never_reaches_the_result(secret: str, echo: str) -> None:
    """End to end, over a real socket: the result a caller gets holds no credential."""
    with h.Hostile() as server:
        server.script = h.answer(200, SUCCESS.format(echo).encode())
        with ik.Payabli(api_key=secret, base_url=server.url + "/api") as client:
            result = client.invoices.update(
                1001, invoice_data=payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("1"))
            )
    text = result.response_text
    assert text is not None
    plain = text.replace("\n", "").replace("\t", "")
    assert secret not in plain
    if "\\/" in echo:
        assert "***" in text


# -- the async deadline against a caller's own timeout and cancellation -----------------------------------


async def _update(server: h.Hostile, deadline: float = 30.0) -> Any:
    async with ik.AsyncPayabli(
        api_key="pk-test-0123", base_url=server.url + "/api", deadline=deadline, timeout=httpx.Timeout(30.0)
    ) as client:
        data = payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
        return await client.invoices.update(1001, invoice_data=data)


def test_a_callers_wait_for_and_cancel_keep_their_own_semantics() -> None:
    """The call's asyncio.timeout never turns the caller's TimeoutError or cancel into a TransportError."""

    async def main() -> list[str]:
        seen: list[str] = []
        with h.Hostile() as server:
            server.script = h.stalled_headers(5.0)
            try:
                await asyncio.wait_for(_update(server), 0.2)
            except TimeoutError:
                seen.append("wait_for: TimeoutError")
            try:
                async with asyncio.timeout(0.2):
                    await _update(server)
            except TimeoutError:
                seen.append("timeout: TimeoutError")
            task = asyncio.create_task(_update(server))
            await asyncio.sleep(0.2)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                seen.append(f"cancel: CancelledError {task.cancelled()}")
            # the caller's timeout and the call's deadline at the same moment: the caller's wins
            try:
                async with asyncio.timeout(0.3):
                    await _update(server, deadline=0.3)
            except TimeoutError:
                seen.append("race: TimeoutError")
            except ik.TransportError:
                seen.append("race: TransportError")  # the call's own deadline came first: also sound
        return seen

    seen = asyncio.run(main())
    assert seen[:3] == ["wait_for: TimeoutError", "timeout: TimeoutError", "cancel: CancelledError True"]
    assert seen[3] in {"race: TimeoutError", "race: TransportError"}


def test_a_call_made_while_its_task_is_being_cancelled_still_ends_at_its_deadline() -> None:
    """Cleanup code (after catching CancelledError) that makes a call: the deadline still cuts it as the
    call's own TransportError, and the task's cancel is still delivered afterwards."""

    async def main() -> tuple[str, float, str]:
        with h.Hostile() as server:
            server.script = h.trickled_body(every=0.05)
            outcome: list[Any] = []

            async def cleanup() -> None:
                try:
                    await asyncio.sleep(30)
                except asyncio.CancelledError:
                    started = time.monotonic()
                    try:
                        await _update(server, deadline=0.4)
                    except ik.InvoiceKitError as exc:
                        outcome.extend([type(exc).__name__, time.monotonic() - started])
                    raise

            task = asyncio.create_task(cleanup())
            await asyncio.sleep(0.05)
            task.cancel()
            try:
                await task
                ended = "finished"
            except asyncio.CancelledError:
                ended = "cancelled"
        return outcome[0], outcome[1], ended

    kind, took, ended = asyncio.run(main())
    assert kind == "TransportError"
    assert took < 0.4 + 3.0
    assert ended == "cancelled"


def test_trio_still_cuts_a_trickled_body_at_the_deadline() -> None:
    trio = pytest.importorskip("trio")

    async def main() -> tuple[Any, bool]:
        with h.Hostile() as server:
            server.script = h.trickled_body(every=0.05)
            try:
                await _update(server, deadline=0.4)
                outcome: Any = None
            except ik.InvoiceKitError as exc:
                outcome = exc
            server.script = h.stalled_headers(5.0)
            with trio.move_on_after(0.2) as scope:
                await _update(server)
        return outcome, scope.cancelled_caught

    outcome, caught = trio.run(main)
    assert type(outcome) is ik.TransportError, outcome
    assert "deadline" in str(outcome)
    assert caught  # the caller's own cancel scope still cancels the call


# -- bodies ----------------------------------------------------------------------------------------------


def _request(body: Any, stack: ExitStack, boundary: str = "") -> httpx.Request:
    call: Call[None] = Call("PUT", "/x", parse=lambda data: None, body=body)
    return build_request(
        call,
        base_url="https://api.test:8443",
        headers={},
        boundary=boundary,
        stack=stack,
        timeout=httpx.Timeout(5),
    )


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=30, deadline=None)
@given(_JSON_VALUES)
@example({"a": Decimal("1E+3"), "b": Decimal("-0.000"), "c": "\u2028\ud7ff\U0001f600", "d": [[], {}]})
def test_a_json_body_as_bytes_is_the_streamed_bytes_and_its_length(value: Any) -> None:
    with ExitStack() as stack:
        request = _request(Json(value), stack)
        streamed = b"".join(JsonStream(value, stack))
        assert isinstance(request.stream, httpx.ByteStream)  # sent whole, re-readable for a retry
        first, again = request.read(), b"".join(request.stream)
    assert first == again == streamed
    assert request.headers["Content-Length"] == str(len(streamed))
    assert request.headers["Host"] == "api.test:8443"
    json.loads(first)


def test_a_text_only_multipart_body_reads_back_in_werkzeug() -> None:
    fields = [("memo", "Net 30\r\n--x"), ("memo", "é\u2028"), ("name with space", ""), ("q", "a=b&c")]
    with ExitStack() as stack:
        request = _request(Multipart(fields=fields), stack, boundary="")
        body = request.read()
    ctype = request.headers["Content-Type"]
    assert int(request.headers["Content-Length"]) == len(body)
    boundary = ctype.split("boundary=")[1]
    assert f"--{boundary}".encode() not in body.replace(f"--{boundary}\r\n".encode(), b"").replace(
        f"--{boundary}--\r\n".encode(), b""
    )
    environ = {
        "REQUEST_METHOD": "PUT",
        "CONTENT_TYPE": ctype,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, form, files = parse_form_data(environ)
    assert form.getlist("memo") == ["Net 30\r\n--x", "é\u2028"]
    assert form["name with space"] == ""
    assert form["q"] == "a=b&c"
    assert not files


def test_a_multipart_call_resent_on_retry_sends_the_same_bytes() -> None:
    """Upflow's upload (a multipart call) answered 503 then 200: both attempts carry identical bodies."""
    bodies: list[bytes] = []
    types: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        types.append(request.headers["Content-Type"])
        if len(bodies) == 1:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(200, json={"id": "inv_1"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with (
        ik.Upflow(
            api_key="uk-test-0123",
            api_secret="us-test-0123",
            http_client=http,
            retry=ik.RetryPolicy(initial=0.0, jitter=False),
        ) as client,
        contextlib.suppress(ik.InvoiceKitError),
    ):  # the answer's shape is not what this test is about
        client.invoices.upload_pdf("inv_1", b"%PDF-1.4 body")
    http.close()
    assert len(bodies) == 2, "the upload was not retried"
    assert bodies[0] == bodies[1]
    assert types[0] == types[1]


# -- idempotency keys --------------------------------------------------------------------------------------


def test_idempotency_keys_differ_across_forks_and_threads() -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    keys: list[str] = []
    lock = threading.Lock()

    def make() -> None:
        made = [new_idempotency_key() for _ in range(200)]
        with lock:
            keys.extend(made)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(3):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its keys, then gone at once (no pytest teardown in it)
            try:
                os.write(write, "\n".join(new_idempotency_key() for _ in range(50)).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            keys.extend(pipe.read().decode().split("\n"))
        os.waitpid(pid, 0)
        keys.extend(new_idempotency_key() for _ in range(50))  # the parent's, after each fork
    assert len(keys) == 4 * 200 + 3 * 100
    assert len(set(keys)) == len(keys)
