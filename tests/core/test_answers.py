"""What an answer means (invoicekit._answers): the one status rule, the declared message -> status hints."""

import re
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit._auth import HeaderAuth, Secret
from invoicekit._call import Call, Json, Safety
from invoicekit._client import AsyncClient, Provider, SyncClient

DEMO = Provider("demo", "https://api.demo.test/v1")
#: Statuses that leave a call possibly applied: the classic 5xx and the gateway ones (Cloudflare 520-527)
#: that the retry policy once knew nothing about.
MAY_HAVE_RUN = [408, 500, 502, 503, 504, 507, 520, 522, 524, 599]


class Script:
    """A MockTransport handler answering from a list, counting requests."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def client(script: Script) -> SyncClient:
    return SyncClient(
        DEMO,
        HeaderAuth({"X-Key": Secret("key-0123456789")}),
        retry=ik.RetryPolicy(initial=0),
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
    )


def aclient(script: Script) -> AsyncClient:
    return AsyncClient(
        DEMO,
        HeaderAuth({"X-Key": Secret("key-0123456789")}),
        retry=ik.RetryPolicy(initial=0),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(script)),
    )


def call(safety: Safety, **kw: Any) -> Call[Any]:
    return Call(
        "PUT", "/things/{id}", parse=lambda d: d, ids={"id": "A-1"}, body=Json({"a": 1}), safety=safety, **kw
    )


@pytest.mark.parametrize("status", MAY_HAVE_RUN)
def test_an_unsafe_call_answered_a_may_have_run_status_is_outcome_unknown(status: int) -> None:
    """One rule for the retry policy and the conclusion: an unsafe call answered 524 (or any status that
    may have run) is OutcomeUnknownError after one request, never a ServerError that reads as a refusal.
    """
    script = Script(httpx.Response(status, json={"message": "gateway"}), httpx.Response(200, json={}))
    with pytest.raises(ik.OutcomeUnknownError) as info:
        client(script)._send(call(Safety.UNSAFE))
    assert info.value.status_code == status
    assert len(script.requests) == 1


@pytest.mark.parametrize("status", MAY_HAVE_RUN)
def test_a_safe_call_answered_a_may_have_run_status_is_retried(status: int) -> None:
    script = Script(httpx.Response(status), httpx.Response(200, json={"v": 2}))
    assert client(script)._send(call(Safety.IDEMPOTENT)) == {"v": 2}
    assert len(script.requests) == 2


@pytest.mark.parametrize("status", [520, 524])
def test_a_once_only_call_ends_outcome_unknown_after_its_retries(status: int) -> None:
    script = Script(httpx.Response(status))
    once = call(Safety.IDEMPOTENT_WITH_KEY, idempotency_key="k-1", once_only=True, headers={"Idem": "k-1"})
    with pytest.raises(ik.OutcomeUnknownError) as info:
        client(script)._send(once)
    assert (info.value.status_code, info.value.idempotency_key, len(script.requests)) == (status, "k-1", 3)


@pytest.mark.parametrize("status", [501, 505])
@pytest.mark.parametrize("safety", [Safety.UNSAFE, Safety.IDEMPOTENT])
def test_501_and_505_say_nothing_ran_so_they_are_final_server_errors(status: int, safety: Safety) -> None:
    script = Script(httpx.Response(status, json={"message": "no such method"}))
    with pytest.raises(ik.ServerError) as info:
        client(script)._send(call(safety))
    assert type(info.value) is ik.ServerError
    assert (info.value.status_code, len(script.requests)) == (status, 1)


@pytest.mark.anyio
async def test_the_async_loop_applies_the_same_rule() -> None:
    script = Script(httpx.Response(524))
    with pytest.raises(ik.OutcomeUnknownError) as info:
        await aclient(script)._send(call(Safety.UNSAFE))
    assert (info.value.status_code, len(script.requests)) == (524, 1)
    retried = Script(httpx.Response(524), httpx.Response(200, json={"v": 1}))
    assert await aclient(retried)._send(call(Safety.IDEMPOTENT)) == {"v": 1}
    assert len(retried.requests) == 2


def test_may_have_run_is_the_documented_rule() -> None:
    from invoicekit._answers import may_have_run

    assert [s for s in range(100, 600) if may_have_run(s)] == [408, 500, *range(502, 505), *range(506, 600)]


def test_hints_first_rule_wins_case_insensitive_phrases_and_patterns() -> None:
    from invoicekit._answers import Hints

    hints = Hints(("not found", 404), (re.compile(r"\bdraft\b"), 409), ("found", 400))
    assert hints("Invoice ID Not Found") == 404  # the first rule, though "found" matches too
    assert hints("must be a DRAFT") == 409  # a pattern without IGNORECASE still ignores case
    assert hints("a drafted line") is None  # the pattern's word boundaries hold
    assert hints("nothing known", default=400) == 400
    assert hints("a.b") is None
    assert Hints(("a.b", 1))("axb") is None
    assert repr(Hints(("x", 1))) == "Hints(('x', 1),)"


@pytest.mark.parametrize(
    ("module", "message", "status"),
    [
        ("invoicekit.whmcs._answers", "Invoice ID Not Found", 404),
        ("invoicekit.whmcs._answers", "Invalid IP 1.2.3.4", 403),
        ("invoicekit.payabli._answers", "Invoice is paid", 409),
        ("invoicekit.invoro._answers", "Invoice is not a draft", 409),
    ],
)
def test_each_providers_table_is_a_hints(module: str, message: str, status: int) -> None:
    """The three message tables are one declared mechanism: each provider's table is a Hints."""
    import importlib

    from invoicekit._answers import Hints

    mod = importlib.import_module(module)
    tables = [v for v in vars(mod).values() if isinstance(v, Hints)]
    assert len(tables) == 1
    assert tables[0](message) == status
