"""The core's multipart encoder writes, byte for byte, what httpx's own multipart encoder writes for the
same fields, files and boundary (httpx's encoder is the judge: one no one here wrote), and Werkzeug reads
every part back. A file that fits in one chunk is sent as one body in memory, read when the request is
built; a larger one still streams (never read whole, sync and async alike), a one-shot stream is sent
chunked, and a file object is read from its start position.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO, cast

import httpx
import pytest
from httpx._multipart import MultipartStream as HttpxMultipart  # the judge
from hypothesis import example, given, settings
from hypothesis import strategies as st

from invoicekit._call import Call, Multipart, MultipartStream, build_request
from invoicekit._files import File
from support import OneShot, werkzeug_multipart

PDF = b"%PDF-1.4\n" + b"p" * 500 + b"\n%%EOF\n"
LARGE = b"%PDF-1.4\n" + bytes(range(256)) * 700  # ~179 KB: over one 64 KiB chunk, so it streams
BOUNDARY = "b0und"
TIMEOUT = httpx.Timeout(5)

Fields = list[tuple[str, str]]


def _request(fields: Fields, files: list[tuple[str, File, str]], stack: ExitStack) -> httpx.Request:
    call: Call[Any] = Call("POST", "/up", parse=lambda data: data, body=Multipart(fields, files))
    return build_request(
        call, base_url="https://api.test", headers={}, boundary=BOUNDARY, stack=stack, timeout=TIMEOUT
    )


def _httpx_bytes(fields: Fields, files: Iterable[tuple[str, str, str, bytes]]) -> bytes:
    """What httpx's encoder writes for the same fields (as data=, a list per name) and files."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    parts = [(name, (filename, io.BytesIO(content), ctype)) for name, filename, ctype, content in files]
    return b"".join(HttpxMultipart(data=data, files=parts, boundary=BOUNDARY.encode()))


def _sent(request: httpx.Request) -> bytes:
    return b"".join(cast(Iterable[bytes], request.stream))


def _asent(request: httpx.Request) -> bytes:
    async def read() -> bytes:
        return b"".join([chunk async for chunk in cast(httpx.AsyncByteStream, request.stream)])

    return asyncio.run(read())


_TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=10)


@settings(max_examples=25, deadline=None)
@given(
    fields=st.lists(st.tuples(st.sampled_from(["a", "b", 'q"x', "c\\d"]), _TEXT), max_size=4),
    filename=_TEXT,
)
@example(fields=[], filename="")  # no filename of its own: the default's
@example(fields=[("a", "1"), ("b", "2"), ("a", "3")], filename="x.pdf")  # a repeated name: grouped, as httpx
@example(fields=[('q"x', 'v"\\\r\n\x00é')], filename='a"b\\c é.pdf')  # a value as it is; names escaped
def test_fields_and_a_small_file_are_httpx_bytes_in_one_body_read_when_built(
    fields: Fields, filename: str
) -> None:
    file = File(PDF, filename=filename or None)
    with ExitStack() as stack:
        request = _request(fields, [("file", file, "default.pdf")], stack)
    assert isinstance(request.stream, httpx.ByteStream)
    body = request.content  # read when built: no stream left to drive, sync or async
    assert body == _httpx_bytes(fields, [("file", filename or "default.pdf", "application/pdf", PDF)])
    assert request.headers["content-length"] == str(len(body))
    assert request.headers["content-type"] == f"multipart/form-data; boundary={BOUNDARY}"
    assert request.headers["host"] == "api.test"
    got_fields, got_files = werkzeug_multipart(request.headers["content-type"], body)
    assert sorted(got_fields) == sorted(fields)
    assert got_files == [("file", filename or "default.pdf", "application/pdf", PDF)]


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("a\x01b\x1bc\x1fd\x7f.pdf", b'filename="a%01b\x1bc%1Fd\x7f.pdf"'),
        ('quote"and\\back.pdf', b'filename="quote%22and\\\\back.pdf"'),
        ("ünï cödé.pdf", 'filename="ünï cödé.pdf"'.encode()),
    ],
)
def test_a_path_s_own_name_is_escaped_as_httpx_escapes_it(tmp_path: Path, name: str, written: bytes) -> None:
    """A path's base name is announced as it is, and may hold what File(filename=) refuses: control
    characters are written %XX (ESC and DEL as they are), as httpx writes them."""
    path = tmp_path / name
    path.write_bytes(PDF)
    with ExitStack() as stack:
        request = _request([("k", "v")], [("file", File(path), "default.pdf")], stack)
    assert request.content == _httpx_bytes([("k", "v")], [("file", name, "application/pdf", PDF)])
    assert written in request.content


def test_a_large_file_streams_the_same_bytes_sync_and_async(tmp_path: Path) -> None:
    path = tmp_path / "large.pdf"
    path.write_bytes(LARGE)
    octets = "application/octet-stream"
    files = [("small", File(PDF, content_type=octets), "s.bin"), ("file", File(path), "d")]
    expected = _httpx_bytes(
        [("memo", "Net 30")],
        [("small", "s.bin", octets, PDF), ("file", "large.pdf", "application/pdf", LARGE)],
    )
    for read in (_sent, _asent):
        with ExitStack() as stack:
            request = _request([("memo", "Net 30")], files, stack)
            assert isinstance(request.stream, MultipartStream)  # not read whole: streamed from the file
            assert request.headers["content-length"] == str(len(expected))
            assert read(request) == expected


def test_a_file_object_is_sent_from_its_start_position() -> None:
    handle = io.BytesIO(b"junk before" + LARGE)
    handle.seek(len(b"junk before"))
    with ExitStack() as stack:
        request = _request([], [("file", File(handle), "doc.pdf")], stack)
        body = _sent(request)
    assert body == _httpx_bytes([], [("file", "doc.pdf", "application/pdf", LARGE)])
    assert request.headers["content-length"] == str(len(body))


def test_a_one_shot_stream_is_sent_chunked_with_httpx_bytes() -> None:
    with ExitStack() as stack:
        request = _request(
            [("k", "v")], [("file", File(cast(BinaryIO, OneShot(LARGE, chunk=1000))), "pipe.pdf")], stack
        )
        body = _sent(request)
    assert request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in request.headers
    assert body == _httpx_bytes([("k", "v")], [("file", "pipe.pdf", "application/pdf", LARGE)])


def test_text_fields_alone_are_httpx_bytes() -> None:
    fields = [("a", "1"), ("b", "é"), ("a", "")]
    with ExitStack() as stack:
        request = _request(fields, [], stack)
    assert request.content == _httpx_bytes(fields, [])
    assert request.headers["content-length"] == str(len(request.content))


class _Sly(str):
    """A str subclass that lies everywhere but in the text it holds."""

    def __format__(self, spec: str) -> str:
        return "x\r\nX-Injected: 1"

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash("cached.pdf")

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"x\r\nX-Injected: 1"


def test_a_str_subclass_filename_and_type_are_written_as_the_text_they_hold() -> None:
    """The part header's cache and format never ask a subclass: what is written is what was checked."""
    with ExitStack() as stack:
        _request([], [("file", File(PDF, filename="cached.pdf"), "d")], stack)  # a cache entry to match
        request = _request([], [("file", File(PDF, _Sly("real.pdf"), _Sly("application/pdf")), "d")], stack)
    assert request.content == _httpx_bytes([], [("file", "real.pdf", "application/pdf", PDF)])
    assert b"X-Injected" not in request.content
