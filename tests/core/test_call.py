"""Bodies: streamed base64-in-JSON, multipart and PHP forms, built into httpx requests."""

import base64
import email.parser
import email.policy
import json
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from invoicekit import File, ValidationError
from invoicekit import _json as ikjson
from invoicekit._auth import FormAuth, Secret
from invoicekit._call import Call, Form, Json, JsonStream, Multipart, Safety, build_request, files_in
from invoicekit._money import decimal_text
from support import OneShot


def build(call: Call[Any], **kw: Any) -> httpx.Request:
    stack = ExitStack()
    request = build_request(
        call,
        base_url=kw.get("base_url", "https://api.test/v1"),
        headers=kw.get("headers", {"X-Key": "k"}),
        boundary="b0undary",
        stack=stack,
        timeout=httpx.Timeout(5.0),
        **({"body": kw["auth"].apply_body(call.body)} if "auth" in kw else {}),
    )
    request.read()
    stack.close()
    return request


def none(_: Any) -> None:
    return None


@given(st.binary(max_size=300_000), st.integers(min_value=1, max_value=5000))
@settings(max_examples=60)
def test_base64_stream_decodes_to_input(data: bytes, read_size: int) -> None:
    """For any content and any reader chunking, the streamed JSON decodes to the exact bytes."""
    with ExitStack() as stack:
        stream = JsonStream({"data": File(ChunkyBytes(data, read_size))}, stack)  # type: ignore[arg-type]
        body = b"".join(stream)
    assert len(body) == stream.length
    assert base64.b64decode(json.loads(body)["data"]) == data


class ChunkyBytes:
    """A seekable reader that returns at most *limit* bytes per read, like a socket-backed file."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._data, self._limit, self._pos = data, limit, 0

    def read(self, size: int = -1) -> bytes:
        size = self._limit if size < 0 else min(size, self._limit)
        out = self._data[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = len(self._data) + offset if whence == 2 else offset
        return self._pos


def test_json_body_decimals_and_files() -> None:
    """Decimals are written digit for digit; files as base64 strings; Content-Length is exact."""
    pdf = b"%PDF-1.7 " + bytes(range(256)) * 10
    body = {"amount": Decimal("982.370"), "n": [Decimal("1E+2")], "att": [{"fContent": File(pdf)}], "s": "é"}
    request = build(Call("PUT", "/x/{id}", parse=none, ids={"id": 7}, body=Json(body)))
    raw = request.content
    assert b'"amount":982.370' in raw
    assert b'"n":[100]' in raw
    assert int(request.headers["Content-Length"]) == len(raw)
    assert "transfer-encoding" not in request.headers
    decoded = json.loads(raw, parse_float=Decimal)
    assert base64.b64decode(decoded["att"][0]["fContent"]) == pdf
    assert decoded["s"] == "é"
    assert request.headers["Content-Type"] == "application/json"
    assert str(request.url) == "https://api.test/v1/x/7"


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20)
    | st.integers(min_value=-(10**30), max_value=10**30).map(Decimal)
    | st.builds(Decimal, st.sampled_from(["-0", "0E+5", "-0E+3", "1E+2", "-7E+10", "1.0", "-0.00", "5E-3"]))
)
@example(Decimal("-0"))
@example(Decimal("1E+2"))
@example(Decimal("1.0"))
@example(Decimal(1))
@pytest.mark.all_examples  # its orjson path runs only in the orjson pass
def test_whole_decimals_are_written_as_their_digits(value: Decimal) -> None:
    """Every finite Decimal is written as decimal_text's digits, whether it takes the placeholder (a
    fraction) or is written in place as an int (exponent >= 0: no random tag drawn for it), on the
    standard library's path and on orjson's (when installed)."""
    for module in (None, ikjson._orjson):
        saved, ikjson._orjson = ikjson._orjson, module
        try:
            with ExitStack() as stack:
                stream = JsonStream({"v": [value]}, stack)
                body = b"".join(stream)
        finally:
            ikjson._orjson = saved
        assert body == b'{"v":[' + decimal_text(value).encode() + b"]}"
        assert len(body) == stream.length
        if module is None:
            assert (stream._tag == "") == (value.as_tuple().exponent >= 0)  # type: ignore[operator]


def test_whole_decimal_subclass_takes_the_placeholder() -> None:
    """A Decimal subclass is never turned into an int through its own methods: the placeholder path
    writes the plain Decimal's digits."""

    class Odd(Decimal):
        def __int__(self) -> int:
            return 666

    saved, ikjson._orjson = ikjson._orjson, None
    try:
        with ExitStack() as stack:
            stream = JsonStream({"v": Odd(5)}, stack)
            assert b"".join(stream) == b'{"v":5}'
            assert stream._tag != ""
    finally:
        ikjson._orjson = saved


def test_json_body_refuses_one_shot_stream() -> None:
    """A file of unknown length cannot go inside JSON."""
    with pytest.raises(ValidationError, match="one-shot"):
        build(Call("PUT", "/x", parse=none, body=Json({"f": File(OneShot(b"%PDF-1"))})))  # type: ignore[arg-type]


def test_multipart_body_parses_back() -> None:
    """Fields (repeated keys kept) and file parts with filename and type, under the call's boundary."""
    pdf = b"%PDF-1.4\nbinary\x00\xff"
    call = Call(
        "PATCH",
        "/inv/{id}",
        parse=none,
        ids={"id": "u1"},
        body=Multipart([("a", "1"), ("a", "2"), ("j", '{"x": 1}')], [("file", File(pdf), "invoice.pdf")]),
    )
    request = build(call)
    assert request.headers["Content-Type"] == "multipart/form-data; boundary=b0undary"
    parts = parse_multipart(request)
    assert [(p.get_param("name", header="content-disposition"), p.get_content()) for p in parts[:3]] == [
        ("a", "1"),
        ("a", "2"),
        ("j", '{"x": 1}'),
    ]
    file_part = parts[3]
    assert file_part.get_param("name", header="content-disposition") == "file"
    assert file_part.get_filename() == "invoice.pdf"
    assert file_part.get_content_type() == "application/pdf"
    assert file_part.get_payload(decode=True) == pdf


def parse_multipart(request: httpx.Request) -> list[Any]:
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    return list(message.iter_parts())


def test_form_body_merges_auth_fields() -> None:
    """Form bodies are PHP-flattened and the form auth fields are appended."""
    request = build(
        Call("POST", "/includes/api.php", parse=none, body=Form({"items": {13: "x"}, "ok": True})),
        auth=FormAuth({"secret": Secret("s")}),
    )
    assert request.content == b"items%5B13%5D=x&ok=1&secret=s"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_query_headers_and_safety() -> None:
    """Query parameters and call headers reach the request; the default safety is idempotent."""
    call = Call(
        "PUT", "/i/{id}", parse=none, ids={"id": 1}, query={"force": "true"}, headers={"X-Idem": "k1"}
    )
    request = build(call)
    assert request.url.params["force"] == "true"
    assert request.headers["X-Idem"] == "k1"
    assert request.headers["X-Key"] == "k"
    assert call.safety is Safety.IDEMPOTENT


def test_call_renders_path_when_built() -> None:
    """A bad ID fails when the Call is made, long before any request."""
    with pytest.raises(ValidationError, match=r"^invoice: "):
        Call("GET", "/invoices/{invoice}", parse=none, ids={"invoice": ".."})


def test_files_in_and_replayable() -> None:
    """The core knows every file a body streams, and whether the call can be resent."""
    f1, f2 = File(b"%PDF-1"), File(OneShot(b"%PDF-1"))  # type: ignore[arg-type]
    assert files_in(Json({"a": [{"b": f1}]})) == [f1]
    assert files_in(Multipart([], [("f", f2, "x.pdf")])) == [f2]
    assert files_in(Form({})) == []
    assert not Call("POST", "/x", parse=none, body=Multipart([], [("f", f2, "x.pdf")])).replayable
    assert Call("POST", "/x", parse=none, body=Json({"a": f1})).replayable


@pytest.mark.parametrize(
    "body",
    [Json({"note": "x"}), Form({"action": "Ping"})],
    ids=["json", "form"],
)
def test_streamed_bodies_carry_a_host_header(body: Any) -> None:
    """httpx adds Host only to requests built from content=/data=/files=; a streamed JSON or form body
    must carry its own, or a real connection refuses to send it (MockTransport does not check).
    """
    request = build(Call("PUT", "/invoices/{id}", parse=none, ids={"id": "7"}, body=body))
    assert request.headers["Host"] == "api.test"
    with_port = build(Call("PUT", "/x", parse=none, body=body), base_url="http://127.0.0.1:8765/v1")
    assert with_port.headers["Host"] == "127.0.0.1:8765"


def test_text_only_multipart_is_multipart() -> None:
    """A multipart body with fields and no files is still multipart (httpx alone would urlencode it)."""
    request = build(Call("PATCH", "/x", parse=none, body=Multipart([("memo", "hi"), ("memo", "again")])))
    assert request.headers["Content-Type"] == "multipart/form-data; boundary=b0undary"
    parts = parse_multipart(request)
    assert [(p.get_param("name", header="content-disposition"), p.get_content()) for p in parts] == [
        ("memo", "hi"),
        ("memo", "again"),
    ]
    assert int(request.headers["Content-Length"]) == len(request.content)
