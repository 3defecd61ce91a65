"""The client core, sync and async: retries, safety, error mapping, redirects, logging, lifecycle."""

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit._answers import Failure
from invoicekit._auth import FormAuth, HeaderAuth, Secret
from invoicekit._call import Call, Form, Json, Safety
from invoicekit._client import AsyncClient, Provider, SyncClient

KEY = "key-0123456789"


def envelope(data: Any) -> Failure | None:
    if isinstance(data, dict) and data.get("ok") is False:
        return Failure(data.get("why", "failed"), hint=data.get("hint"))
    return None


DEMO = Provider(
    "demo", "https://api.demo.test/v1", sandbox_url="https://sandbox.demo.test/v1", check_envelope=envelope
)
Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """A MockTransport that answers from a script and counts requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def sync_client(server: Server, **kw: Any) -> SyncClient:
    return SyncClient(
        DEMO,
        HeaderAuth({"X-API-KEY": Secret(KEY)}),
        retry=kw.pop("retry", ik.RetryPolicy(initial=0)),
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
        **kw,
    )


def call(safety: Safety = Safety.IDEMPOTENT) -> Call[Any]:
    return Call(
        "PUT", "/invoices/{id}", parse=lambda d: d, ids={"id": "A-1"}, body=Json({"a": 1}), safety=safety
    )


def ok(data: Any = None) -> httpx.Response:
    return httpx.Response(200, json=data if data is not None else {"ok": True})


class TestRetries:
    def test_safe_call_retried_after_503_then_succeeds(self) -> None:
        """A safe call that gets a 503 is resent and returns the second answer."""
        server = Server(httpx.Response(503), ok({"v": 2}))
        assert sync_client(server)._send(call()) == {"v": 2}
        assert len(server.requests) == 2
        assert server.requests[0].content == server.requests[1].content

    def test_safe_call_gives_up_after_attempts(self) -> None:
        """After *attempts* 503s the ServerError is raised."""
        server = Server(httpx.Response(503, json={"message": "down"}))
        with pytest.raises(ik.ServerError, match="down") as info:
            sync_client(server)._send(call())
        assert info.value.status_code == 503
        assert len(server.requests) == 3

    def test_unsafe_call_not_resent_after_503(self) -> None:
        """An unsafe call that may have run raises OutcomeUnknownError after exactly one request."""
        server = Server(httpx.Response(503), ok())
        with pytest.raises(ik.OutcomeUnknownError) as info:
            sync_client(server)._send(call(Safety.UNSAFE))
        assert info.value.status_code == 503
        assert isinstance(info.value, ik.TransportError)
        assert len(server.requests) == 1

    def test_unsafe_call_not_resent_after_dropped_connection(self) -> None:
        """A dropped connection on an unsafe call is OutcomeUnknownError, chained to the httpx error."""
        server = Server(httpx.RemoteProtocolError("gone"), ok())
        with pytest.raises(ik.OutcomeUnknownError) as info:
            sync_client(server)._send(call(Safety.UNSAFE))
        assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)
        assert len(server.requests) == 1

    def test_unsafe_call_retried_when_not_sent(self) -> None:
        """A connect error means nothing was sent, so even an unsafe call is retried."""
        server = Server(httpx.ConnectError("refused"), ok({"v": 1}))
        assert sync_client(server)._send(call(Safety.UNSAFE)) == {"v": 1}
        assert len(server.requests) == 2

    def test_connect_errors_exhausted_are_transport_errors(self) -> None:
        """When every attempt is refused, a plain TransportError says how many were tried."""
        server = Server(httpx.ConnectError("refused"))
        with pytest.raises(ik.TransportError) as info:
            sync_client(server)._send(call(Safety.UNSAFE))
        assert type(info.value) is ik.TransportError
        assert info.value.attempts == 3

    def test_key_call_is_retried(self) -> None:
        """An idempotent-with-key call is resent with the same headers and bytes."""
        server = Server(httpx.ReadTimeout("slow"), ok())
        c = Call(
            "POST",
            "/x",
            parse=lambda d: d,
            headers={"Idem": "k1"},
            body=Json({"a": 1}),
            safety=Safety.IDEMPOTENT_WITH_KEY,
        )
        sync_client(server)._send(c)
        assert [r.headers["Idem"] for r in server.requests] == ["k1", "k1"]

    def test_rate_limit_waits_as_asked(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A 429 with Retry-After sleeps that long and tries again, for an unsafe call too."""
        slept: list[float] = []
        monkeypatch.setattr("invoicekit._client.time.sleep", slept.append)
        server = Server(httpx.Response(429, headers={"Retry-After": "2"}), ok())
        sync_client(server)._send(call(Safety.UNSAFE))
        assert slept == [2.0]
        assert len(server.requests) == 2

    def test_rate_limit_error_carries_retry_after(self) -> None:
        """A wait beyond the cap is not waited for: RateLimitError carries it."""
        server = Server(httpx.Response(429, headers={"Retry-After": "600"}, json={"message": "slow down"}))
        with pytest.raises(ik.RateLimitError) as info:
            sync_client(server)._send(call())
        assert info.value.retry_after == 600
        assert len(server.requests) == 1


class TestAnswers:
    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, ik.BadRequestError),
            (401, ik.AuthenticationError),
            (403, ik.PermissionDeniedError),
            (404, ik.NotFoundError),
            (409, ik.ConflictError),
            (422, ik.BadRequestError),
            (418, ik.BadRequestError),
            (501, ik.ServerError),
        ],
    )
    def test_status_maps_to_class(self, status: int, cls: type[ik.APIError]) -> None:
        """Each status raises its class with the provider's message and the request id."""
        server = Server(httpx.Response(status, json={"message": "nope"}, headers={"X-Request-Id": "r-9"}))
        with pytest.raises(cls) as info:
            sync_client(server)._send(call())
        err = info.value
        assert (err.provider, err.status_code, err.message, err.request_id) == ("demo", status, "nope", "r-9")
        assert err.body == {"message": "nope"}
        assert "r-9" in str(err)

    def test_html_error_page_is_named_not_dumped(self) -> None:
        """An HTML error page becomes a short message with its title."""
        page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>" + "x" * 5000
        server = Server(httpx.Response(400, text=page))
        with pytest.raises(ik.BadRequestError, match=r"an HTML page \(502 Bad Gateway\)") as info:
            sync_client(server)._send(call())
        assert len(str(info.value)) < 200

    def test_empty_error_body(self) -> None:
        """An error with no body still says what happened."""
        server = Server(httpx.Response(404))
        with pytest.raises(ik.NotFoundError, match="no message"):
            sync_client(server)._send(call())

    def test_bad_json_on_success_is_decode_error(self) -> None:
        """A 2xx that is not JSON is a DecodeError and is not retried."""
        server = Server(httpx.Response(200, text="{trunc"))
        with pytest.raises(ik.DecodeError, match="not JSON"):
            sync_client(server)._send(call())
        assert len(server.requests) == 1

    def test_empty_success_parses_none(self) -> None:
        """A 204 gives the parser None."""
        server = Server(httpx.Response(204))
        assert sync_client(server)._send(call()) is None

    def test_envelope_failure_goes_through_the_table(self) -> None:
        """An HTTP-200 envelope failure raises the class of its hint, with status_code 200."""
        server = Server(httpx.Response(200, json={"ok": False, "why": "no such invoice", "hint": 404}))
        with pytest.raises(ik.NotFoundError, match="no such invoice") as info:
            sync_client(server)._send(call())
        assert info.value.status_code == 200

    def test_envelope_failure_defaults_to_bad_request(self) -> None:
        """An envelope failure with no hint is a BadRequestError."""
        server = Server(httpx.Response(200, json={"ok": False}))
        with pytest.raises(ik.BadRequestError):
            sync_client(server)._send(call())

    @pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
    def test_redirects_are_never_followed(self, status: int) -> None:
        """A redirect is an APIError naming only the host; the credentials go nowhere else."""
        server = Server(httpx.Response(status, headers={"Location": f"https://evil.test/steal?k={KEY}"}))
        with pytest.raises(ik.APIError, match=r"evil\.test") as info:
            sync_client(server)._send(call())
        assert KEY not in str(info.value)
        assert len(server.requests) == 1


class TestSecrets:
    def test_echoed_secret_is_redacted_from_errors(self) -> None:
        """A provider that echoes the key in an error body does not leak it through the exception."""
        server = Server(httpx.Response(401, json={"message": f"bad key {KEY}", "key": KEY}))
        with pytest.raises(ik.AuthenticationError) as info:
            sync_client(server)._send(call())
        assert KEY not in str(info.value)
        assert KEY not in repr(info.value.body)
        assert KEY not in info.value.message

    def test_debug_log_has_metadata_not_secrets(self, caplog: pytest.LogCaptureFixture) -> None:
        """At DEBUG the log shows method, URL, status, attempt, and never the credential."""
        server = Server(httpx.Response(503), ok())
        with caplog.at_level(logging.DEBUG, logger="invoicekit"):
            SyncClient(
                DEMO,
                FormAuth({"secret": Secret(KEY)}),
                retry=ik.RetryPolicy(initial=0),
                http_client=httpx.Client(transport=httpx.MockTransport(server)),
            )._send(Call("POST", "/api", parse=lambda d: d, body=Form({"a": "b"})))
        text = "\n".join(r.getMessage() for r in caplog.records)
        assert "POST https://api.demo.test/v1/api -> HTTP 503" in text
        assert "(attempt 2)" in text
        assert "retrying" in text
        assert KEY not in text
        assert server.requests[0].content == f"a=b&secret={KEY}".encode()

    def test_client_repr_has_no_secret(self) -> None:
        """The client's repr names the URL only."""
        c = sync_client(Server(ok()))
        assert repr(c) == "SyncClient(base_url='https://api.demo.test/v1')"
        assert KEY not in repr(vars(c))


class TestLifecycle:
    def test_sandbox_and_base_url(self) -> None:
        """sandbox=True picks the sandbox URL; base_url wins; a non-http URL is refused."""
        auth = HeaderAuth({"k": Secret(KEY)})
        assert SyncClient(DEMO, auth, sandbox=True).base_url == "https://sandbox.demo.test/v1"
        assert SyncClient(DEMO, auth, base_url="http://127.0.0.1:9/x/").base_url == "http://127.0.0.1:9/x"
        with pytest.raises(ik.ValidationError, match="base_url"):
            SyncClient(DEMO, auth, base_url="ftp://x")
        with pytest.raises(ik.ValidationError, match="sandbox"):
            SyncClient(Provider("bare", "https://x.test"), auth, sandbox=True)
        with pytest.raises(ik.ValidationError, match="timeout"):
            SyncClient(DEMO, auth, timeout=None)

    def test_timeout_reaches_the_request(self) -> None:
        """The client's timeout is set on every request, including with a user's http_client."""
        server = Server(ok())
        sync_client(server, timeout=7.5)._send(call())
        assert server.requests[0].extensions["timeout"] == httpx.Timeout(7.5).as_dict()

    def test_with_options_shares_the_pool(self) -> None:
        """with_options changes retry/timeout on a copy; closing the copy leaves the pool open."""
        server = Server(httpx.Response(503), ok())
        c = sync_client(server)
        once = c.with_options(retry=ik.RetryPolicy(attempts=1))
        with pytest.raises(ik.ServerError):
            once._send(call())
        once.close()
        assert c._send(call()) == {"ok": True}

    def test_context_manager_closes_own_client_only(self) -> None:
        """A client closes the pool it opened, never one it was given."""
        given = httpx.Client(transport=httpx.MockTransport(Server(ok())))
        with SyncClient(DEMO, HeaderAuth({"k": Secret(KEY)}), http_client=given):
            pass
        assert not given.is_closed
        with SyncClient(DEMO, HeaderAuth({"k": Secret(KEY)})) as own:
            pass
        assert own._http.is_closed

    def test_user_agent(self) -> None:
        """Requests say who sent them."""
        server = Server(ok())
        sync_client(server)._send(call())
        assert server.requests[0].headers["User-Agent"].startswith("invoicekit/")


class TestAsync:
    @pytest.mark.anyio
    async def test_async_retry_and_unsafe(self) -> None:
        """The async loop makes the same decisions as the sync one."""
        server = Server(httpx.Response(503), ok({"v": 1}))
        c = AsyncClient(
            DEMO,
            HeaderAuth({"k": Secret(KEY)}),
            retry=ik.RetryPolicy(initial=0),
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
        )
        assert await c._send(call()) == {"v": 1}
        server2 = Server(httpx.Response(503), ok())
        c2 = AsyncClient(
            DEMO,
            HeaderAuth({"k": Secret(KEY)}),
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(server2)),
        )
        with pytest.raises(ik.OutcomeUnknownError):
            await c2._send(call(Safety.UNSAFE))
        assert len(server2.requests) == 1
        async with c:
            pass
        assert not c._http.is_closed  # given by the caller

    @pytest.mark.anyio
    async def test_async_sleeps_on_rate_limit(self) -> None:
        """The async loop waits (without blocking) as the provider asks."""
        server = Server(httpx.Response(429, headers={"Retry-After": "0.01"}), ok())
        async with AsyncClient(DEMO, HeaderAuth({"k": Secret(KEY)})) as c:
            c._http = httpx.AsyncClient(transport=httpx.MockTransport(server))
            assert await c._send(call()) == {"ok": True}
        assert len(server.requests) == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_each_attempt_ends_alike_in_both_loops(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """Both send loops end an attempt with the one shared step: at DEBUG each attempt, the last (a success)
    included, is logged once with its status, time and number; the retry is counted and the result read."""
    server = Server(httpx.Response(503), ok())
    auth = HeaderAuth({"X-API-KEY": Secret(KEY)})
    with caplog.at_level(logging.DEBUG, logger="invoicekit"):
        if mode == "sync":
            result = sync_client(server)._send(call())
        else:
            transport = httpx.MockTransport(server)
            client = AsyncClient(
                DEMO,
                auth,
                retry=ik.RetryPolicy(initial=0),
                http_client=httpx.AsyncClient(transport=transport),
            )
            result = asyncio.run(client._send(call()))
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(lines) == 2, lines
    assert re.fullmatch(
        r"PUT https://api\.demo\.test/v1/invoices/A-1 -> HTTP 503 in \d+\.\d ms \(attempt 1\)", lines[0]
    )
    assert re.fullmatch(
        r"PUT https://api\.demo\.test/v1/invoices/A-1 -> HTTP 200 in \d+\.\d ms \(attempt 2\)", lines[1]
    )
    assert result == {"ok": True}
    assert len(server.requests) == 2
