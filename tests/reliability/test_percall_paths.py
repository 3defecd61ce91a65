"""The per-call fast paths (issue 14's per-call target) keep every guarantee of the long ways they skip.

Each test pins one fast path against the behaviour it must keep: the path's as-is segments against
``urllib.parse.quote`` and the ID checks, idempotency keys against ``uuid``, the compiled echo search
against the probe-by-probe search it replaced, PHP forms against ``form_scalar``, JSON bodies without
files against the streamed encoder, and the async deadline on asyncio's own timeout and on anyio's.
"""

from __future__ import annotations

import asyncio
import enum
import re
import threading
import time
import uuid
from contextlib import ExitStack
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import invoicekit as ik
from invoicekit import _client
from invoicekit._auth import _INVISIBLE_UTF8, _MARKERS, _SPLIT_BY_ESCAPE, _UTF16_BOMS, Redactor, Secret
from invoicekit._call import Call, Json, JsonStream, Multipart, build_request, new_idempotency_key
from invoicekit._files import File
from invoicekit._forms import form_scalar, php_form
from invoicekit._paths import _CONTROL, _MAX_SEGMENT, _SEGMENT_SAFE, render_path

from . import _hostile as h
from .test_hostile import MARGIN, run

# -- paths -----------------------------------------------------------------------------------------------


def _reference_segment(raw: str) -> str | None:
    """The segment the long way writes, None where it refuses the ID."""
    if raw in {"", ".", ".."} or raw.strip() == "" or _CONTROL.search(raw) or len(raw) > _MAX_SEGMENT:
        return None
    try:
        return quote(raw, safe=_SEGMENT_SAFE)
    except UnicodeEncodeError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
@example("")
@example(".")
@example("..")
@example("...")
@example(" ")
@example("a b")
@example("a/b")
@example("a?b#c")
@example("%2F")
@example("external:inv_1")
@example("~user@host!$&'()*+,;=")
@example("é")
@example("\ud800")
@example("a\x00b")
@example("a\x7f")
@example("x" * _MAX_SEGMENT)
@example("x" * (_MAX_SEGMENT + 1))
def test_a_path_segment_is_what_quote_writes_or_a_validation_error(raw: str) -> None:
    expected = _reference_segment(raw)
    if expected is None:
        with pytest.raises(ik.ValidationError) as refused:
            render_path("/invoices/{invoice}/pdf", {"invoice": raw})
        assert refused.value.field == "invoice"
    else:
        assert render_path("/invoices/{invoice}/pdf", {"invoice": raw}) == f"/invoices/{expected}/pdf"


def test_templates_with_several_ids_or_none_render_in_order() -> None:
    assert render_path("/a/{x}/b/{y}", {"x": 42, "y": "p q"}) == "/a/42/b/p%20q"
    assert render_path("/Invoice/{idInvoice}", {"idInvoice": 3625}) == "/Invoice/3625"
    assert render_path("/includes/api.php", {}) == "/includes/api.php"


def test_an_int_subclass_id_is_written_as_the_number_it_holds() -> None:
    class Sly(int):
        def __str__(self) -> str:
            return "../evil"

        __repr__ = __str__

    assert render_path("/Invoice/{id}", {"id": Sly(7)}) == "/Invoice/7"


# -- idempotency keys ------------------------------------------------------------------------------------


def test_idempotency_keys_are_canonical_random_uuid4s() -> None:
    keys = [new_idempotency_key() for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    for key in keys:
        parsed = uuid.UUID(key)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == key  # lower-case, dashed: the form str(uuid.uuid4()) has
    # every variant digit and every hex digit elsewhere appear: the random bits are random
    assert {key[19] for key in keys} == set("89ab")
    assert {c for key in keys for c in key[:8]} == set("0123456789abcdef")


# -- the echo search ---------------------------------------------------------------------------------------


def _reference_may_hold(redactor: Redactor, raw: bytes) -> bool:
    """The probe-by-probe search the compiled one replaced."""
    if not redactor._raws:
        return False
    if redactor._always:
        return True
    if raw[:1] == b"\x00" or raw[1:2] == b"\x00" or raw[:2] in _UTF16_BOMS:
        return True
    if any(marker in raw for marker in _MARKERS):
        return True
    if re.search(_INVISIBLE_UTF8, raw):  # pattern texts, compiled only into the probe pattern
        return True
    if re.search(_SPLIT_BY_ESCAPE, raw):
        return True
    return any(probe in raw for probe in redactor._probes)


SECRETS = ["pk-test-0123", "s3cr3t/key+x", "ab", "k9x", "über-geheim-ç", "1234567", "AAAA"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SECRETS), st.binary(max_size=60), st.binary(max_size=60), st.booleans())
@example("pk-test-0123", b'{"ok":"', b'"}', True)
@example("pk-test-0123", b'{"msg":"pk%2Dtest"}', b"", False)
@example("pk-test-0123", b"\xe2\x80\x8b", b"", False)
@example("pk-test-0123", b"\xff\xfe{", b"", False)
@example("pk-test-0123", b'{"a":"cGstdGVzdC0wMTIz"}', b"", False)
@example("pk-test-0123", b'{"isSuccess": true}', b"", False)
def test_the_compiled_echo_search_answers_as_the_probe_by_probe_one(
    secret: str, before: bytes, after: bytes, echo: bool
) -> None:
    redactor = Redactor([Secret(secret)])
    raw = before + (secret.encode() if echo else b"") + after
    assert redactor.may_hold(raw) is _reference_may_hold(redactor, raw)
    if echo:
        assert redactor.may_hold(raw)  # the credential as it is is always found


#: Answers with no backslash, %, &, DEL or byte of 0x80 or more: may_hold answers them by substring tests
#: alone (the probes), without the compiled search.
_PLAIN_ANSWER = st.binary(max_size=80).map(lambda b: bytes(c for c in b if c < 0x7F and c not in b"\\%&"))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SECRETS), _PLAIN_ANSWER, _PLAIN_ANSWER, st.booleans())
@example("pk-test-0123", b'{"isSuccess": true, "responseText": "', b'"}', True)
@example("pk-test-0123", b'{"responseText": "0123"}', b"", False)  # a short run of the key is no probe
@example("s3cr3t/key+x", b'{"a":"', b'"}', True)
@example("pktest0123abcd", b'{"a":"pktest0\\n123abcd"}', b"", False)  # split by an escape: the search
@example("pktest0123abcd", b'{"a":"pktest0\x7f123abcd"}', b"", False)  # split by DEL: the search
@example("pktest0123abcd", b'{"a":"pktest0\xc2\xad123abcd"}', b"", False)  # split by a soft hyphen
@example("pktest0123abcd", b'{"a":"pktest%30123abcd"}', b"", False)  # URL-encoded: the search
@example("pktest0123abcd", b'{"a":"&#112;ktest0123abcd"}', b"", False)  # HTML entity: the search
@example("pktest0123abcd", b"\x00{", b"", False)  # UTF-16/32: always walked
def test_the_plain_answer_shortcut_answers_as_the_probe_by_probe_search(
    secret: str, before: bytes, after: bytes, echo: bool
) -> None:
    redactor = Redactor([Secret(secret)])
    raw = before + (secret.encode() if echo else b"") + after
    assert redactor.may_hold(raw) is _reference_may_hold(redactor, raw)
    if echo:
        assert redactor.may_hold(raw)  # the credential as it is is always found


# -- PHP forms -----------------------------------------------------------------------------------------------


class Status(str, enum.Enum):
    PAID = "Paid"


class Count(enum.IntEnum):
    TWO = 2


class Shouty(str):
    def __str__(self) -> str:
        return "SHOUT"


def test_php_form_writes_plain_str_and_int_as_form_scalar_does() -> None:
    fields: dict[str, Any] = {
        "a": "text",
        "b": 42,
        "c": True,
        "d": Shouty("quiet"),
        "e": Status.PAID,
        "f": Count.TWO,
        "g": Decimal("1.50"),
        "h": None,
        "i": "",
        "j": {"k": "v", "n": [1, "x"]},
    }
    assert php_form(fields) == [
        ("a", "text"),
        ("b", "42"),
        ("c", "1"),
        ("d", "quiet"),
        ("e", "Paid"),
        ("f", "2"),
        ("g", "1.50"),
        ("i", ""),
        ("j[k]", "v"),
        ("j[n][0]", "1"),
        ("j[n][1]", "x"),
    ]
    for value in ("text", 42, -7, 0):
        assert php_form({"x": value}) == [("x", form_scalar(value))]


# -- bodies ------------------------------------------------------------------------------------------------


def _request(body: Any, stack: ExitStack) -> httpx.Request:
    call: Call[None] = Call("PUT", "/x", parse=lambda data: None, body=body)
    return build_request(
        call,
        base_url="https://api.test",
        headers={},
        boundary="b" * 32,
        stack=stack,
        timeout=httpx.Timeout(5.0),
    )


def test_a_json_body_without_files_is_sent_whole_with_the_streamed_encoders_bytes() -> None:
    value = {"amount": Decimal("10.50"), "note": "é", "n": [1, 2]}
    with ExitStack() as stack:
        request = _request(Json(value), stack)
        streamed = b"".join(JsonStream(value, stack))
    assert isinstance(request.stream, httpx.ByteStream)
    assert request.read() == streamed == '{"amount":10.50,"note":"é","n":[1,2]}'.encode()
    assert request.headers["Content-Length"] == str(len(streamed))
    assert request.headers["Host"] == "api.test"


def test_a_json_body_with_a_file_is_still_streamed() -> None:
    with ExitStack() as stack:
        request = _request(Json({"f": File(b"%PDF-1.4 x")}), stack)
        assert not isinstance(request.stream, httpx.ByteStream)
        assert request.read() == b'{"f":"JVBERi0xLjQgeA=="}'


def test_a_text_only_multipart_body_carries_its_length_and_host() -> None:
    with ExitStack() as stack:
        request = _request(Multipart(fields=[("memo", "Net 30")]), stack)
        body = request.read()
    assert request.headers["Content-Type"] == "multipart/form-data; boundary=" + "b" * 32
    assert request.headers["Content-Length"] == str(len(body))
    assert request.headers["Host"] == "api.test"
    assert body.startswith(b"--" + b"b" * 32 + b"\r\n")
    assert b"Net 30" in body


def test_a_boundary_is_made_only_for_a_multipart_call_and_kept_across_attempts() -> None:
    json_call: Call[None] = Call("PUT", "/x", parse=lambda data: None, body=Json({"a": 1}))
    state = _client._Attempts()
    assert _client._boundary(json_call, state) == ""
    assert state.boundary == ""
    keyed: Call[None] = Call(
        "PATCH", "/x", parse=lambda data: None, body=Multipart([("a", "b")]), idempotency_key="k-1"
    )
    state = _client._Attempts()
    first = _client._boundary(keyed, state)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert state.boundary == first
    assert _client._boundary(keyed, _client._Attempts()) == first  # derived from the key


# -- the async deadline ------------------------------------------------------------------------------------


def test_the_call_timer_is_used_only_on_an_asyncio_task(monkeypatch: pytest.MonkeyPatch) -> None:
    trio = pytest.importorskip("trio")  # optional: not a dependency

    async def on_trio() -> Any:
        return _client._CallTimer.start(time.monotonic() + 1.0)

    assert trio.run(on_trio) is None  # asyncio loaded too, but this call runs on trio: anyio's scope is used
    found: list[Any] = []
    thread = threading.Thread(target=lambda: found.append(_client._CallTimer.start(time.monotonic() + 1.0)))
    thread.start()
    thread.join()
    # no loop at all in that thread (a coroutine driven by hand): anyio's scope would need one; the timer is
    # never armed there (see the next test)
    assert len(found) == 1
    assert _client._HAS_ASYNCIO_TIMEOUT is False or type(found[0]) is _client._CallTimer

    async def inside() -> Any:
        return _client._CallTimer.start(time.monotonic() + 1.0)

    timer = asyncio.run(inside())
    assert _client._HAS_ASYNCIO_TIMEOUT is False or type(timer) is _client._CallTimer


def test_a_call_timer_armed_where_no_loop_runs_makes_no_handle() -> None:
    timer = _client._CallTimer(time.monotonic() + 1.0)
    timer.arm()  # a coroutine driven by hand: no loop, no task
    assert timer._handle is None
    timer.close()


@pytest.mark.anyio
@pytest.mark.parametrize("asyncio_timeout", [True, False], ids=["asyncio-timeout", "anyio-fail-after"])
@pytest.mark.parametrize("passed", [False, True], ids=["own-pool", "callers-client"])
async def test_trickled_headers_are_cut_at_the_deadline_on_either_timeout(
    monkeypatch: pytest.MonkeyPatch, asyncio_timeout: bool, passed: bool
) -> None:
    if asyncio_timeout and not _client._HAS_ASYNCIO_TIMEOUT:
        pytest.skip("asyncio.timeout needs Python 3.11")
    monkeypatch.setattr(_client, "_HAS_ASYNCIO_TIMEOUT", asyncio_timeout)
    with h.Hostile() as server:
        server.script = h.trickled_headers()
        # 1.5 s: the request must have left before the deadline for the outcome to be unknown; on a
        # loaded machine, making the pool and connecting once took more than 0.6 s (a TransportError then).
        outcome, took = await run(server, "async", unsafe=True, passed=passed, deadline=1.5)
    assert type(outcome) is ik.OutcomeUnknownError, outcome
    assert "deadline" in str(outcome)
    assert took < 1.5 + MARGIN


@pytest.mark.anyio
@pytest.mark.parametrize("asyncio_timeout", [True, False], ids=["asyncio-timeout", "anyio-fail-after"])
async def test_a_deadline_cut_before_sending_is_not_an_unknown_outcome(
    monkeypatch: pytest.MonkeyPatch, asyncio_timeout: bool
) -> None:
    """A server that never accepts: nothing was sent, so even an unsafe call is a TransportError."""
    if asyncio_timeout and not _client._HAS_ASYNCIO_TIMEOUT:
        pytest.skip("asyncio.timeout needs Python 3.11")
    monkeypatch.setattr(_client, "_HAS_ASYNCIO_TIMEOUT", asyncio_timeout)
    with h.Hostile() as server:
        server.script = h.answer(200, b"{}")
        outcome, _ = await run(server, "async", unsafe=True, deadline=1e-6)
    assert type(outcome) is ik.TransportError, outcome
