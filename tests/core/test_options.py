"""Client options (API.md, second wave): deadline, max_response_bytes, max_retries, default_headers, app_info,
the headers of a caller's http_client, and with_options; checked at construction on all ten clients.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit._auth import HeaderAuth, Secret
from invoicekit._call import Call, Json, Safety
from invoicekit._client import Provider, SyncClient

KEY = "key-0123456789"
DEMO = Provider("demo", "https://api.demo.test/v1")


class Server:
    """A MockTransport handler that answers from a script and keeps every request."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def call(safety: Safety = Safety.IDEMPOTENT) -> Call[Any]:
    return Call(
        "PUT", "/invoices/{id}", parse=lambda d: d, ids={"id": "A-1"}, body=Json({"a": 1}), safety=safety
    )


def ok() -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


CREDENTIALS: dict[str, dict[str, str]] = {
    "Upflow": {"api_key": "uk-0123", "api_secret": "us-0123"},
    "Salesbricks": {"api_key": "sb-0123"},
    "Payabli": {"api_key": "pk-0123"},
    "Invoro": {"api_key": "ak_test_0123"},
    "Whmcs": {"url": "https://billing.example.test", "identifier": "id-0123", "secret": "se-0123"},
}
CLIENTS = [getattr(ik, prefix + name) for name in CREDENTIALS for prefix in ("", "Async")]
#: The new options and their defaults: the contract in API.md.
DEFAULTS = {
    "deadline": 300.0,
    "max_response_bytes": 16 << 20,
    "max_retries": None,
    "default_headers": None,
    "app_info": None,
}


def make(cls: type[Any], **options: Any) -> Any:
    return cls(**CREDENTIALS[cls.__name__.removeprefix("Async")], **options)


_BUILT: dict[type[Any], Any] = {}


def built(cls: type[Any]) -> Any:
    """One default client per class, made once (each opens a connection pool with its TLS context)."""
    if cls not in _BUILT:
        _BUILT[cls] = make(cls)
    return _BUILT[cls]


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda c: c.__name__)
def test_every_client_takes_every_option(cls: type[Any]) -> None:
    """All ten constructors take the options, with API.md's defaults, and hand them to the core."""
    parameters = inspect.signature(cls).parameters
    assert {name: parameters[name].default for name in DEFAULTS} == DEFAULTS
    assert all(parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in DEFAULTS)
    client = make(
        cls,
        deadline=12.5,
        max_response_bytes=4096,
        max_retries=0,
        default_headers={"X-Team": "billing"},
        app_info="myapp/1.2",
    )
    assert (client._deadline, client._max_response_bytes) == (12.5, 4096)
    assert client._retry == ik.RetryPolicy(attempts=1, rate_limit_attempts=1)
    assert client._headers["X-Team"] == "billing"
    assert client._headers["User-Agent"].endswith(" myapp/1.2")
    default = make(cls)
    assert (default._deadline, default._max_response_bytes, default._retry) == (
        300.0,
        16 << 20,
        ik.RetryPolicy(),
    )


BAD_OPTIONS: list[tuple[str, Any, str]] = [
    # (option, value, the field the ValidationError names)
    ("timeout", -1, "timeout"),
    ("timeout", 0, "timeout"),
    ("timeout", "5", "timeout"),
    ("timeout", True, "timeout"),
    ("timeout", math.nan, "timeout"),
    ("timeout", math.inf, "timeout"),
    ("timeout", httpx.Timeout(5.0, read=-1), "timeout.read"),
    ("timeout", httpx.Timeout(5.0, connect=0), "timeout.connect"),
    ("deadline", 0, "deadline"),
    ("deadline", -1.0, "deadline"),
    ("deadline", math.nan, "deadline"),
    ("deadline", math.inf, "deadline"),
    ("deadline", True, "deadline"),
    ("deadline", "300", "deadline"),
    ("max_response_bytes", 0, "max_response_bytes"),
    ("max_response_bytes", -5, "max_response_bytes"),
    ("max_response_bytes", True, "max_response_bytes"),
    ("max_response_bytes", 1.5, "max_response_bytes"),
    ("max_response_bytes", "16M", "max_response_bytes"),
    ("max_retries", -1, "max_retries"),
    ("max_retries", 101, "max_retries"),
    ("max_retries", True, "max_retries"),
    ("max_retries", "2", "max_retries"),
    ("default_headers", {"X-A": "line\r\nInjected: 1"}, "default_headers['X-A']"),
    ("default_headers", {"X-A": "caf\u00e9"}, "default_headers['X-A']"),
    ("default_headers", {"X-A": 5}, "default_headers['X-A']"),
    ("default_headers", {"Bad Name": "x"}, "default_headers"),
    ("default_headers", {"X\r\nY": "x"}, "default_headers"),
    ("default_headers", [("X-A", "1")], "default_headers"),
    ("default_headers", {"Authorization": "Bearer x"}, "default_headers['Authorization']"),
    ("default_headers", {"content-type": "text/plain"}, "default_headers['content-type']"),
    ("default_headers", {"Content-Length": "1"}, "default_headers['Content-Length']"),
    ("default_headers", {"Host": "evil.test"}, "default_headers['Host']"),
    ("default_headers", {"User-Agent": "x"}, "default_headers['User-Agent']"),
    ("default_headers", {"Idempotency-Key": "k"}, "default_headers['Idempotency-Key']"),
    ("app_info", "myapp//1.2", "app_info"),
    ("app_info", "myapp/1.2 (\u00e9)", "app_info"),
    ("app_info", "myapp/1.2\r\nX: 1", "app_info"),
    ("app_info", "", "app_info"),
    ("app_info", "a" * 201, "app_info"),
    ("app_info", 12, "app_info"),
    ("app_info", "myapp/1.2 (unclosed", "app_info"),
]


@pytest.mark.parametrize(("option", "value", "field"), BAD_OPTIONS, ids=lambda v: repr(v)[:30])
def test_bad_option_is_refused_at_construction_and_in_with_options(
    option: str, value: Any, field: str
) -> None:
    """A bad option is a ValidationError naming it, on every client, before any request; with_options
    checks the same way (except timeout=None-like 'keep' values, which with_options reads as not given).
    """
    for cls in CLIENTS:
        with pytest.raises(ik.ValidationError) as caught:
            make(cls, **{option: value})
        assert caught.value.field == field, (cls.__name__, caught.value)
        with pytest.raises(ik.ValidationError) as caught:
            built(cls).with_options(**{option: value})
        assert caught.value.field == field, (cls.__name__, caught.value)


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda c: c.__name__)
def test_each_clients_own_credential_headers_are_refused(cls: type[Any]) -> None:
    """A default header may not replace the client's credential header, whatever its case."""
    for name in built(cls)._credential_headers:
        with pytest.raises(ik.ValidationError, match="written by the client"):
            make(cls, default_headers={name.upper(): "x"})


def test_max_retries_and_retry_together_are_refused() -> None:
    for cls in CLIENTS:
        with pytest.raises(ik.ValidationError, match="max_retries or retry, not both") as caught:
            make(cls, max_retries=1, retry=ik.RetryPolicy())
        assert caught.value.field == "max_retries"
        with pytest.raises(ik.ValidationError, match="not both"):
            built(cls).with_options(max_retries=1, retry=ik.RetryPolicy())


def test_timeout_none_is_still_refused() -> None:
    with pytest.raises(ik.ValidationError, match="no timeout is not offered"):
        make(ik.Payabli, timeout=None)


# -- on the wire --------------------------------------------------------------------------------------


def client(server: Server, http: httpx.Client | None = None, **options: Any) -> SyncClient:
    options.setdefault("retry", ik.RetryPolicy(initial=0))
    return SyncClient(
        DEMO,
        HeaderAuth({"X-API-KEY": Secret(KEY)}),
        http_client=http or httpx.Client(transport=httpx.MockTransport(server)),
        **options,
    )


def test_default_headers_app_info_and_passed_headers_reach_the_wire() -> None:
    """Exact headers: the caller's http_client headers (not httpx's own four), default_headers (which win
    over them), the User-Agent with app_info, the credential; a call's own headers win over defaults.
    """
    server = Server(ok())
    http = httpx.Client(
        transport=httpx.MockTransport(server), headers={"X-Trace": "from-client", "X-Team": "client"}
    )
    c = client(server, http, default_headers={"X-Team": "billing"}, app_info="myapp/1.2 (+https://x.example)")
    c._send(Call("GET", "/x", parse=lambda d: d, headers={"x-team": "call"}))
    c._send(Call("GET", "/x", parse=lambda d: d))
    agent = f"invoicekit/{ik.__version__} httpx/{httpx.__version__} myapp/1.2 (+https://x.example)"
    assert [(k.lower(), v) for k, v in server.requests[1].headers.items()] == [
        ("host", "api.demo.test"),
        ("accept", "application/json"),
        ("x-trace", "from-client"),
        ("x-team", "billing"),
        ("user-agent", agent),
        ("x-api-key", KEY),
    ]
    assert server.requests[0].headers.get_list("X-Team") == ["call"]


def test_httpx_own_client_headers_are_not_sent() -> None:
    """httpx puts Accept: */*, Accept-Encoding, Connection and its User-Agent on every client it makes;
    those are not the caller's choice and are not sent (the wire stays what invoicekit declares).
    """
    server = Server(ok())
    client(server)._send(call())
    headers = server.requests[0].headers
    assert "accept-encoding" not in headers
    assert "connection" not in headers
    assert headers["accept"] == "application/json"
    assert "python-httpx" not in headers["user-agent"]


def test_credential_header_on_a_passed_client_is_refused() -> None:
    """A caller's http_client carrying a credential or body header is refused when the client is made."""
    for header in ("X-API-KEY", "Authorization", "Content-Type"):
        http = httpx.Client(headers={header: "x"})
        with pytest.raises(ik.ValidationError, match="written by the client") as caught:
            client(Server(ok()), http)
        assert caught.value.field == f"http_client.headers[{header!r}]"


def test_with_options_takes_every_option_and_keeps_the_rest() -> None:
    server = Server(ok())
    base = client(server, default_headers={"X-A": "1"}, app_info="app/1")
    copy = base.with_options(
        timeout=3,
        max_retries=4,
        deadline=9,
        max_response_bytes=100,
        default_headers={"X-B": "2", "X-A": "3"},
        app_info="other/2",
    )
    assert (copy._timeout, copy._deadline, copy._max_response_bytes) == (httpx.Timeout(3), 9.0, 100)
    assert copy._retry == ik.RetryPolicy(attempts=5, rate_limit_attempts=5)
    assert copy._default_headers == {"X-A": "3", "X-B": "2"}
    assert copy._headers["User-Agent"].endswith(" other/2")
    # the original is untouched
    assert (base._deadline, base._max_response_bytes, base._default_headers) == (
        300.0,
        16 << 20,
        {"X-A": "1"},
    )
    assert base._headers["User-Agent"].endswith(" app/1")
    keep = base.with_options()
    assert keep._headers == base._headers
    assert keep._retry == base._retry


@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (1, 2), (4, 5)])
def test_max_retries_counts_retries(max_retries: int, attempts: int) -> None:
    """max_retries=n: at most n retries of a 503, and of a 429 too (max_retries=0 turns retries off)."""
    for status in (503, 429):
        server = Server(httpx.Response(status, headers={"Retry-After": "0"}))
        c = client(server, retry=None, max_retries=max_retries)
        with pytest.raises(ik.APIError):
            c._send(call())
        assert len(server.requests) == attempts


def test_deadline_clips_each_attempts_timeouts() -> None:
    """Each attempt's httpx timeouts are at most the time left (a part left None becomes that too)."""
    server = Server(ok())
    client(server, deadline=2.0, timeout=httpx.Timeout(60.0, pool=None))._send(call())
    sent = server.requests[0].extensions["timeout"]
    assert set(sent) == {"connect", "read", "write", "pool"}
    assert all(1.0 < v <= 2.0 for v in sent.values()), sent
    server = Server(ok())
    client(server, deadline=300.0, timeout=7.5)._send(call())
    assert server.requests[0].extensions["timeout"] == httpx.Timeout(7.5).as_dict()


@pytest.mark.parametrize("status", [200, 404])
def test_answer_in_memory_over_the_limit_is_a_decode_error(status: int) -> None:
    """An answer a transport hands over already read (MockTransport) is still held to the limit."""
    server = Server(httpx.Response(status, content=b'{"message": "' + b"x" * 2000 + b'"}'))
    with pytest.raises(ik.DecodeError) as caught:
        client(server, max_response_bytes=1000)._send(call())
    assert (caught.value.status_code, caught.value.provider) == (status, "demo")
    assert "max_response_bytes (1000 bytes" in str(caught.value)


def test_ignored_answer_in_memory_is_a_success_whatever_its_size() -> None:
    server = Server(httpx.Response(200, content=b"x" * (1 << 20)))
    ignored = Call(
        "PUT", "/x", parse=lambda d: d, body=Json({}), ignore_answer=True, safety=Safety.IDEMPOTENT
    )
    assert client(server, max_response_bytes=10)._send(ignored) is None


@pytest.mark.parametrize("value", ["yes", "False", 1, 0, None], ids=repr)
def test_sandbox_takes_a_bool_only_at_construction(value: Any) -> None:
    """``sandbox="yes"`` (or 0, or None) is refused naming ``sandbox``, not read by its truthiness: it
    chooses the URL every call goes to, and WHMCS's ``url=`` or another ``base_url=`` does not excuse it.
    """
    for cls in CLIENTS:
        with pytest.raises(ik.ValidationError) as caught:
            make(cls, sandbox=value)
        assert caught.value.field == "sandbox", (cls.__name__, caught.value)
        if "Whmcs" not in cls.__name__:
            with pytest.raises(ik.ValidationError) as caught:
                make(cls, sandbox=value, base_url="https://api.example.test")
            assert caught.value.field == "sandbox", (cls.__name__, caught.value)
            assert "True or False" in caught.value.rule
    assert make(ik.Upflow, sandbox=True).base_url != make(ik.Upflow, sandbox=False).base_url
