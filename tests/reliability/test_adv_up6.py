"""Adversary tests for up6: invoicekit's own multipart encoder (``_call._multipart_request``,
``MultipartStream``, ``_FILE_HEADS``) and the shorter ``File`` path.

Judges no one here wrote: httpx's own multipart encoder (``httpx._multipart``) for the exact bytes,
Werkzeug's parser for what a server reads, and a raw loopback server that reads each request by its own
framing (Content-Length or chunked) and records the bytes that actually arrived.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO, cast

import httpx
import pytest
from httpx._multipart import MultipartStream as HttpxMultipart  # the judge
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.formparser import parse_form_data

import invoicekit._call as call_module
from invoicekit import DecodeError, File, RetryPolicy, TransportError, ValidationError
from invoicekit._call import Call, Json, Multipart, build_request
from invoicekit._files import FileReadError
from invoicekit.salesbricks import Add, Keep, Salesbricks
from invoicekit.upflow import AsyncUpflow, Upflow
from support import OneShot, werkzeug_multipart

FAST = RetryPolicy(initial=0, jitter=False)
BOUNDARY = "adv6b0und"
TIMEOUT = httpx.Timeout(5)


def _pdf(size: int, seed: int = 1) -> bytes:
    head = b"%PDF-1.7\n"
    return head + bytes((i * seed) % 251 for i in range(size - len(head)))


class Wire:
    """A loopback HTTP/1.1 server: each request read by its own framing; answers from *statuses* (the last
    repeats). *digest* answers the first request with a Digest challenge (what httpx.DigestAuth resends on).
    """

    def __init__(self, statuses: Iterable[int] = (204,), *, digest: bool = False) -> None:
        self.statuses = list(statuses)
        self.digest = digest
        self.heads: list[dict[str, str]] = []
        self.bodies: list[bytes] = []
        self.complete: list[bool] = []  # whether the whole declared body arrived
        self.on_request: Any = None  # called with the request number after each request is read
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        reader = conn.makefile("rb")
        with conn, reader:
            while True:
                lines = []
                while (line := reader.readline()) not in (b"\r\n", b""):
                    lines.append(line.decode("latin-1").rstrip("\r\n"))
                if not lines:
                    return
                head = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
                body, complete = b"", True
                if head.get("transfer-encoding", "").lower() == "chunked":
                    while True:
                        size_line = reader.readline()
                        if not size_line:
                            complete = False
                            break
                        size = int(size_line.split(b";")[0], 16)
                        if size == 0:
                            reader.readline()
                            break
                        body += reader.read(size)
                        reader.readline()
                else:
                    want = int(head.get("content-length", "0"))
                    body = reader.read(want)
                    complete = len(body) == want
                with self._lock:
                    number = len(self.bodies)
                    self.heads.append(head)
                    self.bodies.append(body)
                    self.complete.append(complete)
                    status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
                if not complete:
                    return
                if self.on_request is not None:
                    self.on_request(number)
                if self.digest and number == 0:
                    conn.sendall(
                        b"HTTP/1.1 401 Unauthorized\r\n"
                        b'WWW-Authenticate: Digest realm="r", nonce="n0", qop="auth"\r\n'
                        b"Content-Length: 0\r\n\r\n"
                    )
                else:
                    conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n" % status)

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def wire() -> Iterator[Wire]:
    served = Wire()
    yield served
    served.close()


def _werkzeug_files(content_type: str, body: bytes) -> list[tuple[str, str, bytes]]:
    return [(name, filename, data) for name, filename, _, data in werkzeug_multipart(content_type, body)[1]]


def _httpx_bytes(fields: list[tuple[str, str]], files: Iterable[tuple[str, str, str, bytes]]) -> bytes:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    parts = [(name, (filename, io.BytesIO(content), ctype)) for name, filename, ctype, content in files]
    return b"".join(HttpxMultipart(data=data, files=parts, boundary=BOUNDARY.encode()))


def _build(
    fields: list[tuple[str, str]], files: list[tuple[str, File, str]], stack: ExitStack
) -> httpx.Request:
    call: Call[Any] = Call("POST", "/up", parse=lambda data: data, body=Multipart(fields, files))
    return build_request(
        call, base_url="http://api.test", headers={}, boundary=BOUNDARY, stack=stack, timeout=TIMEOUT
    )


def _sync_body(request: httpx.Request) -> bytes:
    return b"".join(cast(Iterable[bytes], request.stream))


def _async_body(request: httpx.Request) -> bytes:
    async def read() -> bytes:
        return b"".join([chunk async for chunk in cast(httpx.AsyncByteStream, request.stream)])

    return asyncio.run(read())


# -- a streamed body sent twice in one attempt (httpx's own DigestAuth, a caller's transport) ------------


@pytest.mark.parametrize("size", [64 * 1024 + 1, 200_000])
def test_digest_auth_resends_a_streamed_upload_whole_sync(tmp_path: Path, size: int) -> None:
    """httpx.DigestAuth on the caller's http_client answers a 401 challenge by sending the same request
    again. httpx's encoder rewound each file (seek(0)) for that; up6's MultipartStream read its readers
    from where the first send left them, so the resend carried 178 bytes under a Content-Length of 200178
    (a TransportError; before up6 the upload went through)."""
    content = _pdf(size)
    path = tmp_path / "big.pdf"
    path.write_bytes(content)
    server = Wire(digest=True)
    try:
        with (
            httpx.Client(auth=httpx.DigestAuth("user", "pass")) as http,
            Upflow(api_key="k", api_secret="s", base_url=server.url, retry=FAST, http_client=http) as client,
        ):
            client.invoices.upload_pdf("inv_1", path)
    finally:
        server.close()
    assert server.complete == [True, True]
    assert server.bodies[0] == server.bodies[1]
    assert int(server.heads[1]["content-length"]) == len(server.bodies[1])
    assert _werkzeug_files(server.heads[1]["content-type"], server.bodies[1]) == [
        ("file", "big.pdf", content)
    ]


@pytest.mark.anyio
async def test_digest_auth_resends_a_streamed_upload_whole_async(tmp_path: Path) -> None:
    content = _pdf(150_000)
    path = tmp_path / "big.pdf"
    path.write_bytes(content)
    server = Wire(digest=True)
    try:
        async with (
            httpx.AsyncClient(auth=httpx.DigestAuth("user", "pass")) as http,
            AsyncUpflow(
                api_key="k", api_secret="s", base_url=server.url, retry=FAST, http_client=http
            ) as client,
        ):
            await client.invoices.upload_pdf("inv_1", path)
    finally:
        server.close()
    assert server.complete == [True, True]
    assert server.bodies[0] == server.bodies[1]
    assert _werkzeug_files(server.heads[1]["content-type"], server.bodies[1]) == [
        ("file", "big.pdf", content)
    ]


def test_a_streamed_body_iterated_twice_gives_the_same_bytes_sync_and_async(tmp_path: Path) -> None:
    """A caller's transport may send a request's stream more than once (a mirror, a retry on a dropped
    connection): httpx's streams give the same bytes each time; so must the core's."""
    path = tmp_path / "big.pdf"
    content = _pdf(100_000)
    path.write_bytes(content)
    expected = _httpx_bytes(
        [("memo", "x")],
        [("a", "big.pdf", "application/pdf", content), ("b", "h.pdf", "application/pdf", content)],
    )
    for read in (_sync_body, _async_body):
        handle = io.BytesIO(b"junk" + content)
        handle.seek(4)
        with ExitStack() as stack:
            request = _build([("memo", "x")], [("a", File(path), "d"), ("b", File(handle), "h.pdf")], stack)
            assert read(request) == expected
            assert read(request) == expected  # the second pass: every file from its start again
            assert request.headers["content-length"] == str(len(expected))


def test_a_one_shot_stream_sent_twice_in_one_attempt_is_an_error_not_an_empty_part() -> None:
    """The second pass over a chunked body whose file is a one-shot stream cannot have the file: it must
    fail (FileReadError: the core makes it a typed error), never end a well-formed body with the file's
    part empty (what httpx's encoder did too: its seek(0) failed quietly)."""
    content = _pdf(100_000)
    with ExitStack() as stack:
        request = _build(
            [], [("file", File(cast(BinaryIO, OneShot(content, chunk=1000))), "pipe.pdf")], stack
        )
        assert _sync_body(request) == _httpx_bytes([], [("file", "pipe.pdf", "application/pdf", content)])
        with pytest.raises(FileReadError, match="one-shot"):
            _sync_body(request)


def test_a_one_shot_upload_resent_by_digest_auth_is_a_transport_error_not_an_empty_pdf() -> None:
    server = Wire(digest=True)
    content = _pdf(100_000)
    try:
        with (
            httpx.Client(auth=httpx.DigestAuth("user", "pass")) as http,
            Upflow(api_key="k", api_secret="s", base_url=server.url, retry=FAST, http_client=http) as client,
            pytest.raises(TransportError, match="one-shot"),
        ):
            client.invoices.upload_pdf("inv_1", cast(BinaryIO, OneShot(content, chunk=1000)))
    finally:
        server.close()
    # whatever reached the server after the challenge never carried an empty file part as a whole body
    for head, body, complete in zip(server.heads[1:], server.bodies[1:], server.complete[1:], strict=True):
        assert not complete or _werkzeug_files(head["content-type"], body) == [("file", "", content)]


# -- the part-header cache ---------------------------------------------------------------------------------


def test_long_filenames_are_not_kept_for_the_life_of_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """_FILE_HEADS keeps up to 256 part headers for good. With a caller's long filenames (1 MB each) that
    was 512 MB held after 256 uploads; a header cache should keep only what is small."""
    monkeypatch.setattr(call_module, "_FILE_HEADS", {})
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    with Upflow(api_key="k", api_secret="s", http_client=httpx.Client(transport=transport)) as client:
        for i in range(300):
            name = f"{i}-" + "n" * 20_000 + ".pdf"
            client.invoices.upload_pdf("inv_1", File(b"%PDF-1.4 x", filename=name))
    kept = sum(len(k[0]) + len(k[1]) + len(k[2]) + len(v) for k, v in call_module._FILE_HEADS.items())
    assert kept < 300_000  # (was ~10 MB here: 256 x 2 x 20 KB)


def test_a_full_cache_and_racing_threads_still_write_each_call_s_own_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(call_module, "_FILE_HEADS", {})
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(120):
                name = f"f{offset}-{i}.pdf"
                with ExitStack() as stack:
                    request = _build([], [("file", File(b"%PDF-1", filename=name), "d")], stack)
                assert request.content == _httpx_bytes([], [("file", name, "application/pdf", b"%PDF-1")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert 256 <= len(call_module._FILE_HEADS) <= 260  # bounded (a race may add one per thread)


# -- what held: the exact bytes, Content-Length, retries, Salesbricks' order -------------------------------

_NAME = st.text(st.characters(blacklist_categories=["Cs"]), max_size=8)
_FILENAME = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=8)
_SIZES = st.sampled_from([1, 5, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 140_000])
_KINDS = st.sampled_from(["bytes", "file object", "at an offset", "path"])
_TYPES = st.sampled_from(["application/pdf", 'text/plain; charset="a\\"b"', "image/png;x=y"])


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    fields=st.lists(st.tuples(_NAME, _NAME), max_size=4),
    files=st.lists(st.tuples(_NAME, st.none() | _FILENAME, _TYPES, _SIZES, _KINDS), max_size=3),
    default=_NAME,
)
@example(
    fields=[("a", "1"), ('q"\r\n%\x00é', "v"), ("a", "2")],
    files=[
        ("file", None, "application/pdf", 64 * 1024, "path"),
        ("f\\x", 'a"b\\c%22 é.pdf', "application/pdf", 64 * 1024 + 1, "at an offset"),
        ("file", "", "image/png;x=y", 1, "bytes"),
    ],
    default="",
)
def test_bytes_equal_httpx_s_and_content_length_equals_them_sync_and_async(
    tmp_path_factory: pytest.TempPathFactory,
    fields: list[tuple[str, str]],
    files: list[tuple[str, str | None, str, int, str]],
    default: str,
) -> None:
    folder = tmp_path_factory.mktemp("up6")
    built, judged = [], []
    for i, (name, filename, ctype, size, kind) in enumerate(files):
        content = bytes([i + 1]) * size
        source: Any = content
        if kind == "file object":
            source = io.BytesIO(content)
        elif kind == "at an offset":
            source = io.BytesIO(b"junk" + content)
            source.seek(4)
        elif kind == "path":
            source = folder / f"f{i}.pdf"
            source.write_bytes(content)
        file = File(source, filename=filename, content_type=ctype)
        built.append((name, file, default))
        judged.append((name, file.name_or(default), ctype, content))
    expected = _httpx_bytes(fields, judged)
    for read in (_sync_body, _async_body):
        with ExitStack() as stack:
            request = _build(fields, built, stack)
            assert read(request) == expected
        assert request.headers["content-length"] == str(len(expected))


@pytest.mark.parametrize("size", [100, 64 * 1024, 64 * 1024 + 1, 200_000])
def test_a_503_then_204_re_reads_the_file_with_the_same_boundary(tmp_path: Path, size: int) -> None:
    """The file changes (same size) while the 503 is answered: the retry sends the file as it is now,
    under the same boundary, every byte counted by the server equal to the Content-Length."""
    path = tmp_path / "doc.pdf"
    first, second = _pdf(size, 1), _pdf(size, 3)
    path.write_bytes(first)
    server = Wire([503, 204])
    server.on_request = lambda number: path.write_bytes(second) if number == 0 else None
    try:
        with Upflow(api_key="k", api_secret="s", base_url=server.url, retry=FAST) as client:
            client.invoices.upload_pdf("inv_1", path)
    finally:
        server.close()
    assert server.complete == [True, True]
    assert server.heads[0]["content-type"] == server.heads[1]["content-type"]
    for head, body, content in zip(server.heads, server.bodies, (first, second), strict=True):
        assert int(head["content-length"]) == len(body)
        assert _werkzeug_files(head["content-type"], body) == [("file", "doc.pdf", content)]


def test_salesbricks_new_file_index_counts_the_pdf_attachments_parts_in_order(tmp_path: Path) -> None:
    """[INF] new_file_index is the 0-based position among the pdf_attachments parts: mixed small, large
    and file-object attachments keep their order on the wire."""
    small, large = _pdf(300, 1), _pdf(150_000, 5)
    path = tmp_path / "large.pdf"
    path.write_bytes(large)
    server = Wire([200])
    try:
        with (
            Salesbricks(api_key="k", base_url=server.url, retry=FAST) as client,
            pytest.raises(DecodeError),  # (the server's empty answer: what was sent is what is checked)
        ):
            client.invoices.update(
                "inv_1",
                attachments=[Add(path), Keep("att_1"), Add(small), Add(io.BytesIO(large))],
            )
    finally:
        server.close()
    body = server.bodies[0]
    assert int(server.heads[0]["content-length"]) == len(body)
    files = _werkzeug_files(server.heads[0]["content-type"], body)
    assert [(name, content) for name, _, content in files] == [
        ("pdf_attachments", large),
        ("pdf_attachments", small),
        ("pdf_attachments", large),
    ]
    environ = {
        "REQUEST_METHOD": "PATCH",
        "CONTENT_TYPE": server.heads[0]["content-type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, form, uploads = parse_form_data(environ)
    for _, storage in uploads.items(multi=True):
        storage.close()
    assert json.loads(form["pdf_attachments_config"]) == [
        {"new_file_index": 0, "target": "invoice"},
        {"attachment_id": "att_1", "target": "invoice"},
        {"new_file_index": 1, "target": "invoice"},
        {"new_file_index": 2, "target": "invoice"},
    ]


def test_a_file_object_with_short_reads_is_sent_whole(tmp_path: Path) -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            super().__init__()
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def seek(self, offset: int, whence: int = 0) -> int:
            return self._data.seek(offset, whence)

        def tell(self) -> int:
            return self._data.tell()

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(min(len(buffer), 777))
            buffer[: len(chunk)] = chunk
            return len(chunk)

        def read(self, size: int = -1) -> bytes:
            return self._data.read(777 if size < 0 else min(size, 777))

    for size in (64 * 1024, 64 * 1024 + 1, 140_000):
        content = _pdf(size)
        for read in (_sync_body, _async_body):
            with ExitStack() as stack:
                request = _build([], [("file", File(cast(BinaryIO, Trickle(content))), "t.pdf")], stack)
                assert read(request) == _httpx_bytes([], [("file", "t.pdf", "application/pdf", content)])


def _replace_in_place(path: Path, content: bytes) -> None:
    info = path.stat()
    with path.open("r+b") as handle:
        handle.truncate(0)
        handle.write(content)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same mtime as when checked


def _rename_over(path: Path, content: bytes) -> None:
    info = path.stat()
    fresh = path.with_name("fresh.tmp")
    fresh.write_bytes(content)
    os.utime(fresh, ns=(info.st_atime_ns, info.st_mtime_ns))
    fresh.replace(path)


@pytest.mark.parametrize("change", ["in place, same size and mtime", "renamed over", "symlink retargeted"])
def test_a_small_file_changed_after_its_check_is_sent_as_it_is_now(tmp_path: Path, change: str) -> None:
    """What check() read is kept (up to 64 KiB) only while the path names that same unmodified file."""
    before, after = _pdf(5000, 1), _pdf(5000, 7)
    target = tmp_path / "a.pdf"
    target.write_bytes(before)
    path = target
    if change == "symlink retargeted":
        other = tmp_path / "b.pdf"
        other.write_bytes(after)
        os.utime(other, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns))
        path = tmp_path / "link.pdf"
        path.symlink_to(target)
    file = File(path)
    file.check("pdf")
    if change == "in place, same size and mtime":
        _replace_in_place(target, after)
    elif change == "renamed over":
        _rename_over(target, after)
    else:
        path.unlink()
        path.symlink_to(tmp_path / "b.pdf")
    with ExitStack() as stack:
        request = _build([], [("file", file, "d")], stack)
    assert request.content == _httpx_bytes([], [("file", path.name, "application/pdf", after)])
    assert request.headers["content-length"] == str(len(request.content))


def test_a_small_file_emptied_after_its_check_fails_when_built_not_sent_empty(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(_pdf(5000))
    file = File(path)
    file.check("pdf")
    path.write_bytes(b"")
    with ExitStack() as stack, pytest.raises(FileReadError, match="empty now"):
        _build([], [("file", file, "d")], stack)


def test_a_json_body_with_a_streamed_file_iterated_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    """The same resend (httpx.DigestAuth, a caller's transport) over Upflow's base64 upload: the second pass
    found each reader at its end, and _base64_chunks then yielded empty chunks forever (a busy loop until
    the call's deadline, a WriteTimeout; found while attacking up6, older than it)."""
    content = _pdf(200_000)
    path = tmp_path / "big.pdf"
    path.write_bytes(content)
    call: Call[Any] = Call("POST", "/up", parse=lambda data: data, body=Json({"data": File(path)}))
    with ExitStack() as stack:
        request = build_request(
            call, base_url="http://api.test", headers={}, boundary="", stack=stack, timeout=TIMEOUT
        )
        stream = cast(Iterable[bytes], request.stream)
        for _ in range(2):
            body = b"".join(itertools.islice(stream, 1000))  # (a pass is ~5 chunks: 1000 means endless)
            assert json.loads(body) == {"data": base64.b64encode(content).decode()}
            assert request.headers["content-length"] == str(len(body))


class _BytesPath:
    """An os.PathLike whose __fspath__ gives bytes (os.PathLike[bytes]: what open() and os.stat accept)."""

    def __init__(self, path: bytes) -> None:
        self._path = path

    def __fspath__(self) -> bytes:
        return self._path


def test_a_bytes_path_like_is_sent_under_its_decoded_name_or_refused_never_a_raw_type_error(
    tmp_path: Path,
) -> None:
    """A PathLike giving bytes passed File's checks (bytes.isascii()) and then escaped the call as a raw
    TypeError from str.__str__ when the part header was written (before up6: from the UTF-8 check)."""
    good = tmp_path / "doc.pdf"
    good.write_bytes(b"%PDF-1.4 x")
    bad = os.fsencode(tmp_path) + b"/caf\xe9.pdf"  # not UTF-8
    Path(os.fsdecode(bad)).write_bytes(b"%PDF-1.4 x")
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(204, headers={"x-ct": request.headers["content-type"]})

    transport = httpx.MockTransport(answer)
    with Upflow(api_key="k", api_secret="s", http_client=httpx.Client(transport=transport)) as client:
        client.invoices.upload_pdf("inv_1", cast(Any, _BytesPath(os.fsencode(good))))
        with pytest.raises(ValidationError, match=r"pdf\.filename"):
            client.invoices.upload_pdf("inv_1", cast(Any, _BytesPath(bad)))
    assert len(sent) == 1
    assert _werkzeug_files(f"multipart/form-data; boundary={sent[0][2:34].decode()}", sent[0]) == [
        ("file", "doc.pdf", b"%PDF-1.4 x")
    ]


def test_one_one_shot_file_given_twice_in_one_call_is_refused_not_sent_once_and_empty() -> None:
    """Salesbricks' attachments=[Add(f), Add(f)] with f a one-shot stream: both parts read the one stream,
    so the first carried the file and the second went out as an empty PDF (chunked, so nothing noticed)."""
    content = _pdf(100_000)
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(500)

    transport = httpx.MockTransport(answer)
    file = File(cast(BinaryIO, OneShot(content, chunk=1000)))
    with (
        Salesbricks(api_key="k", retry=FAST, http_client=httpx.Client(transport=transport)) as client,
        pytest.raises(ValidationError, match=r"attachments\[1\]\.file: .*one-shot"),
    ):
        client.invoices.update("inv_1", attachments=[Add(file), Add(file)])
    assert sent == []
