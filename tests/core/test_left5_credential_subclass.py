"""A credential given as a ``str`` subclass is kept as the plain ``str`` it holds: the subclass's own
``__repr__``/``__str__``/``__format__``/``encode``/``strip``/``__contains__`` may leak the value or raise,
and are never called, when the client is made or on any later call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import invoicekit as ik
from invoicekit._auth import Secret, credential
from phpform import parse_str

VALUE = "k3y-Vq8-credential"
CALLED: list[str] = []


def _spy(name: str) -> Callable[..., Any]:
    def method(self: str, *args: Any, **kwargs: Any) -> Any:
        CALLED.append(name)
        if name in {"__repr__", "__str__", "__format__"}:
            return f"LEAKED:{str.__str__(self)}"
        raise RuntimeError(f"the caller's own {name}")

    return method


_NAMES = ["__repr__", "__str__", "__format__", "encode", "strip", "__contains__", "__len__", "isascii"]
_NAMES += ["__iter__", "__getitem__", "translate", "__add__", "__mod__", "startswith", "endswith", "lower"]
Hostile = type("Hostile", (str,), {name: _spy(name) for name in _NAMES})


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLED.clear()


def test_credential_keeps_the_plain_str_a_subclass_holds() -> None:
    secret = credential(Hostile(VALUE), param="api_key", env=None)  # was: the caller's strip() raised
    assert type(secret.reveal()) is str
    assert secret.reveal() == VALUE
    assert CALLED == []


def test_a_secret_wrapping_a_subclass_is_unwrapped_to_a_plain_str_too() -> None:
    secret = credential(Secret(Hostile(VALUE)), param="p", env=None)
    assert type(secret.reveal()) is str
    assert CALLED == []


def _recorded(answer: Any) -> tuple[list[httpx.Request], httpx.Client]:
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        requests.append(request)
        return httpx.Response(200, json=answer)

    return requests, httpx.Client(transport=httpx.MockTransport(handle))


def test_a_header_credential_given_as_a_subclass_is_sent_and_shown_as_the_plain_value() -> None:
    requests, http = _recorded(
        {"isSuccess": True, "responseCode": 1, "responseData": 1, "responseText": "Success", "roomId": 0}
    )
    client = ik.Payabli(Hostile(VALUE), http_client=http)
    assert "LEAKED" not in repr(client)
    assert VALUE not in repr(vars(client))
    client.invoices.apply(5, ik.InvoiceChange(memo="m"), on_unsupported="skip")
    assert requests[0].headers["requestToken"] == VALUE
    assert CALLED == []


def test_form_credentials_given_as_subclasses_are_sent_as_the_plain_values() -> None:
    requests, http = _recorded({"result": "success"})
    client = ik.Whmcs(
        "http://127.0.0.1:1",
        Hostile("ident-1"),
        Hostile(VALUE),
        access_key=Hostile("acc-2"),
        http_client=http,
    )
    client.call("GetX", idempotent=True)
    form = parse_str(requests[0].content)
    assert (form["identifier"], form["secret"], form["accesskey"]) == ("ident-1", VALUE, "acc-2")
    assert CALLED == []
    # A refusal quoting a credential would go through the redactor: the plain value is what it masks.
    assert VALUE not in json.dumps(str(client.__dict__))
