"""Auth applies itself to a request (as httpx auth does); importing invoicekit installs no log handler."""

import io
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from werkzeug.formparser import parse_form_data

import invoicekit as ik
from invoicekit import File
from invoicekit._auth import BearerAuth, FormAuth, HeaderAuth, Secret
from invoicekit._call import Call, Form, Json, Multipart
from invoicekit._client import AsyncClient, Provider, SyncClient
from phpform import parse_str

FORM_AUTH = FormAuth({"identifier": Secret("ident-1234"), "secret": Secret("s3cr3t-5678")})
DEMO = Provider("demo", "https://api.demo.test")


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json={"ok": True})


def client(recorder: Recorder, auth: Any = FORM_AUTH) -> SyncClient:
    return SyncClient(DEMO, auth, http_client=httpx.Client(transport=httpx.MockTransport(recorder)))


def post(body: Any) -> Call[Any]:
    return Call("POST", "/api.php", parse=lambda d: d, body=body)


def test_a_json_call_under_form_auth_is_refused_before_anything_is_sent() -> None:
    """A JSON body cannot carry form credentials: never a form of credentials alone (the JSON dropped)."""
    recorder = Recorder()
    with pytest.raises(ik.ValidationError) as info:
        client(recorder)._send(post(Json({"invoice": 7})))
    assert info.value.field == "body"
    assert "form" in info.value.rule
    assert "JSON" in info.value.rule
    assert "s3cr3t" not in str(info.value)
    assert recorder.requests == []


@pytest.mark.anyio
async def test_the_async_client_refuses_it_too() -> None:
    recorder = Recorder()
    c = AsyncClient(DEMO, FORM_AUTH, http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder)))
    with pytest.raises(ik.ValidationError, match=r"^body: "):
        await c._send(post(Json({"invoice": 7})))
    assert recorder.requests == []


def test_a_multipart_call_under_form_auth_carries_its_fields_files_and_the_credentials() -> None:
    """Built right: the credentials are more text fields of the same multipart body (PHP reads them into
    $_POST as it does form fields). Parsed by Werkzeug, not by our encoder run backwards.
    """
    recorder = Recorder()
    body = Multipart(
        fields=[("action", "Upload")],
        files=[("file", File(b"%PDF-1.7 x", content_type="application/pdf"), "a.pdf")],
    )
    client(recorder)._send(post(body))
    (request,) = recorder.requests
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": request.headers["content-type"],
        "CONTENT_LENGTH": request.headers["content-length"],
        "wsgi.input": io.BytesIO(request.content),
    }
    assert int(request.headers["content-length"]) == len(request.content)
    _, form, files = parse_form_data(environ)
    assert list(form.items(multi=True)) == [
        ("action", "Upload"),
        ("identifier", "ident-1234"),
        ("secret", "s3cr3t-5678"),
    ]
    upload = files["file"]
    content, name = upload.read(), upload.filename
    upload.close()
    assert (content, name) == (b"%PDF-1.7 x", "a.pdf")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (Form({"action": "GetInvoice", "ids": [1, 2]}), {"action": "GetInvoice", "ids": {0: "1", 1: "2"}}),
        (None, {}),
    ],
)
def test_a_form_call_or_no_body_under_form_auth_is_a_form_with_the_credentials(
    body: Any, expected: Any
) -> None:
    recorder = Recorder()
    client(recorder)._send(post(body))
    (request,) = recorder.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_str(request.content) == {**expected, "identifier": "ident-1234", "secret": "s3cr3t-5678"}


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        (HeaderAuth({"X-Key": Secret("k-0123456789")}), "X-Key", "k-0123456789"),
        (BearerAuth(Secret("t-0123456789")), "Authorization", "Bearer t-0123456789"),
    ],
)
def test_header_auth_writes_its_header_and_leaves_a_json_body_alone(
    auth: Any, header: str, value: str
) -> None:
    recorder = Recorder()
    client(recorder, auth)._send(post(Json({"invoice": 7})))
    (request,) = recorder.requests
    assert request.headers[header] == value
    assert (request.headers["content-type"], json.loads(request.content)) == (
        "application/json",
        {"invoice": 7},
    )


def test_importing_invoicekit_installs_no_handler_that_prints() -> None:
    """The stdlib library convention: a NullHandler at most, even with INVOICEKIT_LOG set. The documented
    stderr handler comes with the first client, not with the import.
    """
    code = (
        "import logging, invoicekit, invoicekit.upflow, invoicekit.whmcs, invoicekit.testing\n"
        "import invoicekit._client\n"
        "handlers = logging.getLogger('invoicekit').handlers + logging.getLogger().handlers\n"
        "found = [type(h).__name__ for h in handlers]\n"
        "print(','.join(found))\n"
        "invoicekit.testing.FakeUpflow().client()\n"
        "print(','.join(type(h).__name__ for h in logging.getLogger('invoicekit').handlers))\n"
    )
    env = {**os.environ, "INVOICEKIT_LOG": "debug"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    at_import, after_client = done.stdout.splitlines()
    assert at_import == "NullHandler"
    assert after_client == "NullHandler,StreamHandler"  # INVOICEKIT_LOG, as docs/logging.md says
