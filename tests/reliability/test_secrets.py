"""Secrets never leak: random credentials through every provider and fault, with DEBUG logging on, are
absent (raw, URL-quoted, JSON-escaped, base64) from logs, reprs, results, errors and tracebacks.
Redirects are never followed: a 3xx to another origin gets zero bytes from us.
"""

from __future__ import annotations

import base64
import http.server
import json
import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, quote_plus

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import invoicekit
from invoicekit.testing import FakeProvider

from ._scenarios import PROVIDERS, SCENARIOS, Scenario, run

LOGGERS = ("invoicekit", "httpx", "httpcore")


def forms(secret: str) -> set[str]:
    """Every encoding a credential may travel or be echoed in."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        base64.b64encode(secret.encode()).decode(),
    }


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> Iterator[str]:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in self.records:
            yield formatter.format(record)  # message and exc_info text
            yield repr(record.args)
            yield repr(vars(record))  # extra= fields too


@contextmanager
def debug_logs() -> Iterator[Capture]:
    capture = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(capture)
    try:
        yield capture
    finally:
        for logger, level in saved:
            logger.removeHandler(capture)
            logger.setLevel(level)


def error_texts(exc: BaseException, *, with_locals: bool = True) -> Iterator[str]:
    """str/repr/attributes of an error and its whole cause/context chain, and its formatted traceback."""
    yield "".join(traceback.format_exception(exc))
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(vars(current)) if hasattr(current, "__dict__") else ""
        yield repr(getattr(current, "args", ()))
        request = getattr(current, "_request", None)
        if request is not None:
            yield repr(request)
        todo += [current.__cause__, current.__context__]
    if not with_locals:
        return
    # locals of invoicekit's own frames, as Rich or Sentry would render them (the fakes are servers)
    stack = traceback.TracebackException.from_exception(exc, capture_locals=True)
    for frame in _frames(stack):
        if "/invoicekit/" in frame.filename and "/invoicekit/testing/" not in frame.filename:
            yield repr(frame.locals)


def _frames(stack: traceback.TracebackException) -> Iterator[traceback.FrameSummary]:
    todo: list[traceback.TracebackException | None] = [stack]
    while todo:
        current = todo.pop()
        if current is None:
            continue
        yield from current.stack
        todo += [current.__cause__, current.__context__]


def assert_absent(secrets: list[str], texts: Iterator[str] | list[str], where: str) -> None:
    needles = {form for secret in secrets for form in forms(secret)}
    for text in texts:
        for needle in needles:
            assert needle not in text, f"credential (as {needle!r}) leaked in {where}: {text[:300]!r}"


def _echo(secret: str) -> dict[str, Any]:
    """An error body that echoes the credential back in every encoding, as a careless server might."""
    return {
        "message": f"invalid token {secret}",
        "detail": f"got {quote_plus(secret)} / {quote(secret, safe='')}",
        "errors": {"token": [f"b64 {base64.b64encode(secret.encode()).decode()}", json.dumps(secret)]},
        "result": "error",
        "isSuccess": False,
        "success": False,
    }


def _wrong_shape(secret: str) -> dict[str, Any]:
    """A success-looking answer whose fields have the wrong types, quoting the credential."""
    return {
        "isSuccess": True,
        "responseCode": [secret],
        "responseData": {"token": secret},
        "success": True,
        "data": [secret],
        "result": "success",
        "invoiceid": {"token": secret},
        "invoice_id": {"token": secret},
        "attachments": secret,
    }


FAULTS: dict[str, Callable[[FakeProvider, str], None]] = {
    "none": lambda f, s: None,
    "refused": lambda f, s: f.refuse_next(times=3),
    "drop": lambda f, s: f.drop_next(times=3),
    "timeout-after-apply": lambda f, s: f.timeout_next(after_apply=True, times=3),
    "500": lambda f, s: f.fail_next(500, times=3),
    "400-echo": lambda f, s: f.fail_next(400, body=_echo(s)),
    "502-html-echo": lambda f, s: f.fail_next(502, times=3, body=f"<html><title>{s}</title></html>".encode()),
    "200-echo-envelope": lambda f, s: f.fail_next(200, body=_echo(s)),
    "200-malformed-echo": lambda f, s: f.fail_next(200, body=b'{"token": "' + s.encode() + b'"'),
    "429-echo": lambda f, s: f.fail_next(429, retry_after=0, body=_echo(s)),
    "200-wrong-shape-echo": lambda f, s: f.fail_next(200, body=_wrong_shape(s)),
}

_special = st.sampled_from([*'+/=%&"\\ ', "\u00e9", "\u00fc", "\u20ac", "\u65e5", "\U0001f511"])
_chars = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])
_secret = st.text(alphabet=st.one_of(_special, _chars), min_size=8, max_size=40).filter(
    lambda s: s.strip() != ""
)


def _fresh(scenario: Scenario, secret: str) -> tuple[dict[str, str], FakeProvider | None, Any]:
    """Credentials from *secret*; the fake and its client, or the ValidationError that refused them."""
    credentials = scenario.credentials("sk_" + secret)
    fake: Any = scenario.fake(**credentials)
    try:
        return credentials, fake, scenario.client(fake, "sync")
    except invoicekit.ValidationError as exc:
        return credentials, None, exc


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    secret=_secret,
    provider=st.sampled_from(PROVIDERS),
    fault=st.sampled_from(sorted(FAULTS)),
    kind=st.sampled_from(["sync", "async"]),
    unsafe=st.booleans(),
    wrong_credentials=st.booleans(),
)
def test_credentials_never_leak(
    secret: str, provider: str, fault: str, kind: str, unsafe: bool, wrong_credentials: bool
) -> None:
    scenario = SCENARIOS[provider]
    if fault == "200-echo-envelope" and scenario.envelope is None:
        fault = "400-echo"  # no failure envelope: a 200 is the provider's success answer, returned as is
    credentials, fake, client = _fresh(scenario, secret)
    secrets = list(credentials.values())
    if fake is None:  # a header credential that HTTP cannot carry: refused when the client is made
        assert provider != "whmcs"
        assert isinstance(client, invoicekit.ValidationError)
        # (not the frame locals: the constructor's own arguments are the credentials the caller passed)
        assert_absent(secrets, error_texts(client, with_locals=False), "the ValidationError")
        return
    client.close()
    invoice = scenario.seed(fake, 1)
    FAULTS[fault](fake, "sk_" + secret)
    with debug_logs() as logs:
        client = scenario.client(fake, kind)
        texts = [repr(client), str(client), repr(vars(client))]
        if wrong_credentials:  # the provider now expects other credentials: 401/403 answers
            for name, value in credentials.items():
                setattr(fake, name, value + "-rotated")
        result: Any = None
        error: BaseException | None = None
        try:
            result = anyio.run(run, kind, client, lambda c: scenario.call(c, invoice, 1, unsafe))
        except invoicekit.InvoiceKitError as exc:
            error = exc
    texts += [repr(result), str(result)]
    if error is not None:
        # Frame locals are checked when only our side had the credential: when the server echoes it,
        # the frames that read the answer hold it, as they hold the answer.
        texts += list(error_texts(error, with_locals="echo" not in fault))
        body = getattr(error, "body", None)
        texts += [repr(body), repr(getattr(error, "errors", None)), repr(getattr(error, "message", None))]
    texts += [repr(r) for r in fake.requests]
    assert_absent(secrets, texts, f"{provider}/{fault}")
    assert_absent(secrets, logs.texts(), f"DEBUG logs of {provider}/{fault}")
    assert logs.records, "DEBUG logging produced nothing: the check would be vacuous"


def test_request_id_header_echoing_the_secret_is_redacted() -> None:
    """A provider that echoes the credential in its request-id header does not leak it into the error."""
    secret = "sk_l3ak/me+now="

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": "no"}, headers={"x-request-id": f"req-{secret}"})

    client = invoicekit.Salesbricks(
        api_key=secret, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with client, pytest.raises(invoicekit.BadRequestError) as caught:
        client.invoices.update("inv-1", invoice_memo="m")
    assert_absent([secret], error_texts(caught.value), "the request id")


# -- redirects ----------------------------------------------------------------------------------------


class _Recorder(http.server.ThreadingHTTPServer):
    """Another origin: records every byte anyone sends it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorder.received.append(bytes(str(self.headers), "latin-1") + self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = _any

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True


class _Redirector(http.server.ThreadingHTTPServer):
    """The provider's origin: answers every request with *status* and a Location on another origin."""

    def __init__(self, target: str) -> None:
        self.status = 302
        self.requests = 0
        redirector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                redirector.requests += 1
                self.send_response(redirector.status)
                self.send_header("Location", f"{target}/steal{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = _any

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True


@contextmanager
def _serving(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[_Redirector, _Recorder, str]]:
    recorder = _Recorder()
    with _serving(recorder) as other:
        redirector = _Redirector(other.replace("127.0.0.1", "localhost"))  # another origin, same machine
        with _serving(redirector) as url:
            yield redirector, recorder, url


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_redirects_are_never_followed(
    origins: tuple[_Redirector, _Recorder, str], provider: str, status: int, kind: str
) -> None:
    redirector, recorder, url = origins
    redirector.status, redirector.requests, recorder.received[:] = status, 0, []
    scenario = SCENARIOS[provider]
    secret = 'sk_r3dir+ect/"sec&ret=\u00e9'
    if provider != "whmcs":
        secret = secret[:-1]
    credentials = scenario.credentials(secret)
    fake: Any = scenario.fake(**credentials)
    invoice = scenario.seed(fake, 1)
    where = {"url": url} if provider == "whmcs" else {"base_url": url}
    if kind == "sync":
        http_client: Any = httpx.Client(follow_redirects=True)  # even a client that would follow
    else:
        http_client = httpx.AsyncClient(follow_redirects=True)
    client = scenario.client(fake, kind, http_client=http_client, **where)
    with pytest.raises(invoicekit.APIError) as caught:
        await run(kind, client, lambda c: scenario.call(c, invoice, 1, False))
    if kind == "sync":
        http_client.close()
    else:
        await http_client.aclose()
    assert caught.value.status_code == status
    assert "localhost" in str(caught.value)  # names the target host only
    assert redirector.requests == 1
    assert recorder.received == []
    assert_absent(list(credentials.values()), error_texts(caught.value), "the redirect error")
