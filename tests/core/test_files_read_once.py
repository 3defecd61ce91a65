"""A small path is opened once per call: check() reads it whole and the first attempt sends those bytes,
if the path still names that file, unmodified (one ``os.stat``). A file replaced or written after the
check is read again when sent; a retry always reads it again. The bytes are read back by Werkzeug's
multipart parser and the standard library's base64, never by our encoder.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.formparser import parse_form_data

from invoicekit import File, RetryPolicy, ValidationError, upflow
from invoicekit import _files as files_module
from invoicekit.upflow._client import upload_pdf_call

SMALL = b"%PDF-1.4\n" + b"a" * 3000 + b"\n%%EOF\n"
OTHER = b"%PDF-1.4\n" + b"b" * 3000 + b"\n%%EOF\n"  # the same size
ENCODINGS = ("multipart", "base64")


def _sent_file(request: httpx.Request) -> bytes:
    """The file's bytes as an independent reader finds them in the request."""
    body = request.content
    assert request.headers["content-length"] == str(len(body))
    if request.headers["content-type"].startswith("application/json"):
        return base64.b64decode(json.loads(body)["data"], validate=True)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": request.headers["content-type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, _, uploads = parse_form_data(environ)
    storage = uploads["file"]
    data: bytes = storage.read()
    storage.close()
    return data


class Recorder:
    """A transport answering 204 (or first *fail* x 503) and keeping each request, its body read."""

    def __init__(self, fail: int = 0) -> None:
        self.requests: list[httpx.Request] = []
        self.fail = fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if len(self.requests) <= self.fail:
            return httpx.Response(503)
        return httpx.Response(204)


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path the files module opens, in order."""
    seen: list[str] = []
    real = files_module._open_path_info

    def counting(path: Any) -> Any:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(files_module, "_open_path_info", counting)
    return seen


def _client(recorder: Recorder, **options: Any) -> upflow.Upflow:
    return upflow.Upflow(
        api_key="k-123456",
        api_secret="s-123456",
        base_url="https://api.test",
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
        **options,
    )


def _send(client: upflow.Upflow, path: Path, encoding: str, between: Callable[[], object]) -> None:
    """Build the call (which checks the file), run *between*, then send the call."""
    call = upload_pdf_call("inv_1", File(path), encoding=encoding)  # type: ignore[arg-type]
    between()
    client.invoices._send(call)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_small_path_is_opened_once_per_call(encoding: str, tmp_path: Path, opens: list[str]) -> None:
    path = tmp_path / "small.pdf"
    path.write_bytes(SMALL)
    recorder = Recorder()
    with _client(recorder) as client:
        client.invoices.upload_pdf("inv_1", path, encoding=encoding)  # type: ignore[arg-type]
        client.invoices.upload_pdf("inv_1", path, encoding=encoding)  # type: ignore[arg-type]
    assert opens == [str(path), str(path)]  # one open per call (it was two: the check, then the send)
    assert [_sent_file(r) for r in recorder.requests] == [SMALL, SMALL]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_large_path_is_not_kept_in_memory(encoding: str, tmp_path: Path, opens: list[str]) -> None:
    path = tmp_path / "large.pdf"
    large = b"%PDF-1.4\n" + b"z" * (files_module._KEEP + 1)
    path.write_bytes(large)
    recorder = Recorder()
    file = File(path)
    with _client(recorder) as client:
        client.invoices.upload_pdf("inv_1", file, encoding=encoding)  # type: ignore[arg-type]
    assert file._kept is None  # nothing held: the check read 5 bytes, the upload streams it
    assert len(opens) >= 2
    assert _sent_file(recorder.requests[0]) == large


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_path_written_after_the_check_sends_the_new_bytes(encoding: str, tmp_path: Path) -> None:
    """Same size, other bytes: the modification time (set apart explicitly, whatever the clock's
    granularity) tells the file changed, so it is read again."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(SMALL)

    def rewrite() -> None:
        before = os.stat(path)
        path.write_bytes(OTHER)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))

    recorder = Recorder()
    with _client(recorder) as client:
        _send(client, path, encoding, rewrite)
    assert _sent_file(recorder.requests[0]) == OTHER


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_path_replaced_after_the_check_sends_the_new_file(encoding: str, tmp_path: Path) -> None:
    """Another file renamed over the path, with the same size and modification time: its inode differs,
    so it is read again."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(SMALL)
    other = tmp_path / "other.pdf"
    other.write_bytes(OTHER)

    def replace() -> None:
        before = os.stat(path)
        os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(other, path)

    recorder = Recorder()
    with _client(recorder) as client:
        _send(client, path, encoding, replace)
    assert _sent_file(recorder.requests[0]) == OTHER


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_small_path_emptied_after_the_check_is_refused(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(SMALL)
    recorder = Recorder()
    with _client(recorder) as client, pytest.raises(ValidationError, match="empty now") as caught:
        _send(client, path, encoding, lambda: path.write_bytes(b""))
    assert caught.value.field == "pdf"
    assert recorder.requests == []


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_small_path_removed_after_the_check_is_refused(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(SMALL)
    recorder = Recorder()
    with _client(recorder) as client, pytest.raises(ValidationError, match="No such file") as caught:
        _send(client, path, encoding, path.unlink)
    assert caught.value.field == "pdf"
    assert recorder.requests == []


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_retry_reads_a_small_path_again(encoding: str, tmp_path: Path, opens: list[str]) -> None:
    """The kept bytes serve the first attempt only: the retry opens the file (and sends what it holds
    then, here the same bytes)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(SMALL)
    recorder = Recorder(fail=1)
    fast = RetryPolicy(attempts=2, initial=0, jitter=False)
    with _client(recorder, retry=fast) as client:
        client.invoices.upload_pdf("inv_1", path, encoding=encoding)  # type: ignore[arg-type]
    assert opens == [str(path), str(path)]  # the check (kept for attempt 1), then attempt 2
    assert [_sent_file(r) for r in recorder.requests] == [SMALL, SMALL]
