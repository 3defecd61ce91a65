"""Helpers shared by tests (importable by name: pytest and mypy put tests/ on the path)."""

import io
import json
import subprocess
import sys
from typing import Any

import httpx

from invoicekit import _registry
from invoicekit.testing import FakeProvider

#: The providers that ship with invoicekit, from the registry: the parametrisation of provider-wide tests.
PROVIDERS: tuple[str, ...] = tuple(spec.name for spec in _registry.providers(builtin_only=True))


class OneShot(io.RawIOBase):
    """A pipe-like stream: readable once, not seekable; *chunk*: at most that many bytes per read (short
    reads, as a pipe gives), else as many as asked."""

    def __init__(self, data: bytes, chunk: int | None = None) -> None:
        self._data = io.BytesIO(data)
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(b) if self._chunk is None else min(len(b), self._chunk))
        b[: len(chunk)] = chunk
        return len(chunk)


def script_out(source: str) -> dict[str, Any]:
    """Run *source* in a fresh interpreter; it fills a dict named ``out``, printed as JSON and returned (the
    interpreter must exit cleanly: a crash, SIGSEGV included, fails the test with its stderr)."""
    done = subprocess.run(
        [sys.executable, "-c", source + "\nprint(json.dumps(out))"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def werkzeug_multipart(
    content_type: str, body: bytes
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, bytes]]]:
    """A multipart body as Werkzeug (an independent parser) reads it: its text fields (name, value) and its
    files (name, filename, type, bytes), in order."""
    from werkzeug.formparser import parse_form_data

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, form, uploads = parse_form_data(environ)
    files = []
    for name, storage in uploads.items(multi=True):
        files.append((name, storage.filename or "", storage.mimetype, storage.read()))
        storage.close()
    return list(form.items(multi=True)), files


class Echo(FakeProvider):
    """A tiny fake: PUT /v1/things/{id} stores the body; applied counts every applied request."""

    prefix = "/v1"

    def __init__(self) -> None:
        super().__init__()
        self.applied: list[str] = []
        self.route("PUT", r"/things/(?P<id>[^/]+)", self._put)

    def _put(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        self.applied.append(params["id"])
        return self.json(200, {"id": params["id"], "body": request.content.decode()})

    def authenticate(self, request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("X-Key") != "good":
            return self.json(401, {"message": "bad key"})
        return None
