"""<PROVIDER>_BASE_URL (API.md, second wave): every client reads it when no base_url= is passed, so a whole
program can be pointed at ``invoicekit fakes serve``; and describe_send, the dry run of any operation.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit._change import describe_send

CLIENTS: dict[str, tuple[str, dict[str, str], str, str]] = {
    # name: (env var, credentials, production URL, sandbox URL or "")
    "Upflow": ("UPFLOW_BASE_URL", {"api_key": "uk-0123", "api_secret": "us-0123"},
               "https://api.upflow.io/v1", "https://api.sandbox.upflow.io/v1"),
    "Salesbricks": ("SALESBRICKS_BASE_URL", {"api_key": "sb-0123"},
                    "https://api.salesbricks.com/api/v2", "https://api.staging.salesbricks.com/api/v2"),
    "Payabli": ("PAYABLI_BASE_URL", {"api_key": "pk-0123"},
                "https://api.payabli.com/api", "https://api-sandbox.payabli.com/api"),
    "Invoro": ("INVORO_BASE_URL", {"api_key": "ak_test_0123"}, "https://api.invoro.eu/invoice-api", ""),
}  # fmt: skip
ALL = [(prefix + name, *spec) for name, spec in CLIENTS.items() for prefix in ("", "Async")]


@pytest.fixture(autouse=True)
def no_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, *_ in CLIENTS.values():
        monkeypatch.delenv(env, raising=False)


@pytest.mark.parametrize(("name", "env", "credentials", "production", "sandbox"), ALL)
def test_the_env_var_is_read_when_no_base_url_is_passed(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    env: str,
    credentials: dict[str, str],
    production: str,
    sandbox: str,
) -> None:
    cls = getattr(ik, name)
    assert cls(**credentials).base_url == production  # unset: production, as before
    monkeypatch.setenv(env, "")
    assert cls(**credentials).base_url == production  # empty counts as unset
    monkeypatch.setenv(env, " http://127.0.0.1:8123/fake/ ")
    assert cls(**credentials).base_url == "http://127.0.0.1:8123/fake"
    if (
        sandbox
    ):  # the variable is a base_url from the environment: it wins over sandbox=True, as base_url= does
        assert cls(**credentials, sandbox=True).base_url == "http://127.0.0.1:8123/fake"
    assert cls(**credentials, base_url="https://other.test/v9").base_url == "https://other.test/v9"


@pytest.mark.parametrize(("name", "env", "credentials", "production", "sandbox"), ALL)
@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("ftp://files.test", r"http\(s\) URL"),
        ("https://user:pw@api.test", "user name or password"),
        ("https://api.test/v1?x=1", "query"),
        ("http://api.example.com", "cleartext"),
    ],
)
def test_a_bad_env_url_is_refused_by_the_same_check_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    env: str,
    credentials: dict[str, str],
    production: str,
    sandbox: str,
    value: str,
    rule: str,
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ik.ValidationError, match=rule) as info:
        getattr(ik, name)(**credentials)
    assert info.value.field == env
    assert "pw" not in str(info.value)


def test_a_call_goes_to_the_env_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the attribute: the request itself goes there."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    monkeypatch.setenv("UPFLOW_BASE_URL", "http://localhost:9/upflow/v1")
    with ik.Upflow(
        "uk-0123", "us-0123", http_client=httpx.Client(transport=httpx.MockTransport(answer))
    ) as c:
        c.invoices.upload_pdf("inv_1", b"%PDF-1.7 x")
    assert [str(r.url) for r in seen] == ["http://localhost:9/upflow/v1/invoices/inv_1/pdf"]


def test_whmcs_keeps_whmcs_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHMCS_URL", "http://127.0.0.1:9/whmcs")
    assert ik.Whmcs(identifier="i", secret="s").base_url == "http://127.0.0.1:9/whmcs"


# -- describe_send: a dry run of any operation ----------------------------------------------------------


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a dry run sent {request.method} {request.url}")


def offline(cls: Any, **credentials: Any) -> Any:
    return cls(**credentials, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))


def test_describe_send_builds_the_request_and_sends_nothing() -> None:
    client = offline(ik.Salesbricks, api_key="sb-secret-0123", base_url="https://api.test/v2")
    planned, call = describe_send(
        lambda: client.invoices.update("inv-1", invoice_memo="hi", send_invoice=True)
    )
    assert (planned.method, planned.url) == ("PATCH", "https://api.test/v2/invoices/inv-1")
    headers = dict(planned.headers)
    assert headers["x-salesbricks-key"] == "***"
    assert headers["x-salesbricks-idempotent-operation-key"] == "<new for each call>"
    assert planned.fields == ("invoice_memo", "send_invoice")
    assert planned.safety == "idempotent-with-key"
    assert call.once_only is True  # it emails the customer: the command line asks for --yes
    assert "sb-secret-0123" not in repr(planned)
    # the context is reset: the next call really sends (the transport's AssertionError, typed as a broken
    # send since left5: nothing but an InvoiceKitError leaves a call)
    with pytest.raises(ik.TransportError, match="a dry run sent") as caught:
        client.invoices.update("inv-1", invoice_memo="hi")
    assert type(caught.value.__cause__) is AssertionError


def test_describe_send_names_a_chosen_key_and_masks_form_credentials() -> None:
    sb = offline(ik.Salesbricks, api_key="sb-0123", base_url="https://api.test/v2")
    planned, _ = describe_send(
        lambda: sb.invoices.update("i", tax_id="1", idempotency_key="k-1"), key_given=True
    )
    assert dict(planned.headers)["x-salesbricks-idempotent-operation-key"] == "k-1"
    whmcs = offline(ik.Whmcs, url="https://billing.test", identifier="id-0123", secret="se-0123")
    planned, _ = describe_send(lambda: whmcs.call("AddInvoicePayment", invoiceid=3))
    assert planned.safety == "unsafe"
    assert "se-0123" not in repr(planned)
    assert planned.fields == ("action", "invoiceid", "responsetype", "identifier", "secret")


def test_describe_send_raises_what_the_operation_raises_before_sending() -> None:
    payabli = offline(ik.Payabli, api_key="pk-0123")
    with pytest.raises(ik.ValidationError, match="id_invoice"):
        describe_send(lambda: payabli.invoices.get("not-an-int"))
    planned, _ = describe_send(lambda: payabli.invoices.get(1001))  # and the next one still works
    assert (planned.method, planned.url) == ("GET", "https://api.payabli.com/api/Invoice/1001")


def test_describe_send_of_something_that_sends_nothing() -> None:
    with pytest.raises(RuntimeError, match="no request"):
        describe_send(lambda: None)


def test_the_registry_the_client_and_the_command_name_the_same_variables() -> None:
    """One name per provider in three places that must agree: the core's Provider (which reads it), the
    registry (the fake server prints it) and the command line's table (its help and credential check).
    """
    from invoicekit import _registry
    from invoicekit._cli import ENV

    for spec in _registry.providers(builtin_only=True):
        credentials = {"url": "https://billing.test"} if spec.url_param == "url" else {}
        credentials.update({param: "x-0123" for _, param in spec.env if param != spec.url_param})
        client = spec.load_client()(**credentials)
        assert client._provider.base_url_env == spec.url_env
        required, _, url_env = ENV[spec.name]
        assert url_env == (spec.url_env or next(v for v, p in spec.env if p == spec.url_param))
        assert set(required) == {v for v, p in spec.env if p != spec.url_param}
