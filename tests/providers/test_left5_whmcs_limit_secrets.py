"""WHMCS's ``max_input_vars`` refusal when only the access key pushes the form over the limit: it names
``body`` (deliberately: the caller's own fields fit), and holds none of the three credentials in its
message, args, repr, pickle, formatted traceback or the locals of the frames it passed through, in any
encoding a credential can take (raw, URL-encoded, base64, JSON-escaped).
"""

from __future__ import annotations

import base64
import json
import pickle
import traceback
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

import invoicekit as ik
from invoicekit.whmcs._client import MAX_INPUT_VARS

IDENT = "ident-Lq7/+&=x"
SECRET = "secr+t/Wv9&key=é"
ACCESS = "acc€ss-Kz4 /+%"
CREDENTIALS = (IDENT, SECRET, ACCESS)


def _forms(value: str) -> set[str]:
    data = value.encode()
    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        quote(value, safe="").lower(),
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode(),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(data)[2:-1],
    }


NEEDLES = {form for value in CREDENTIALS for form in _forms(value) if len(form) >= 4}


def _clean(text: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, needle


def test_a_form_the_access_key_pushes_over_max_input_vars_is_refused_naming_body_with_no_credential() -> None:
    sent: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    client = ik.Whmcs("http://127.0.0.1:1", IDENT, SECRET, access_key=ACCESS, http_client=http)
    # action + params + responsetype + identifier + secret: exactly the limit; the access key is one more
    params: dict[str, Any] = {f"p{i}": "v" for i in range(MAX_INPUT_VARS - 4)}
    with pytest.raises(ik.ValidationError) as caught:
        client.call("GetX", **params)
    error = caught.value
    assert sent == []  # before any request
    assert error.field == "body"
    assert f"{MAX_INPUT_VARS + 1} form fields" in error.rule
    _clean(str(error))
    _clean(repr(error))
    _clean(repr(error.args))
    _clean("".join(traceback.format_exception(error)))
    _clean(repr(pickle.loads(pickle.dumps(error)).__dict__))  # noqa: S301 - our own bytes
    assert error.__cause__ is None
    assert error.__context__ is None
    frames = traceback.walk_tb(error.__traceback__)
    for frame, _ in frames:
        for name, value in frame.f_locals.items():
            if isinstance(value, str | bytes):
                text = value.decode("latin-1") if isinstance(value, bytes) else value
                _clean(text)
            _clean(f"{name}={value!r}")


def test_the_same_form_without_an_access_key_is_sent() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(200, json={"result": "success"})

    client = ik.Whmcs(
        "http://127.0.0.1:1", IDENT, SECRET, http_client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    params: dict[str, Any] = {f"p{i}": "v" for i in range(MAX_INPUT_VARS - 4)}
    assert client.call("GetX", **params) == {"result": "success"}
    assert sent[0].content.count(b"&") + 1 == MAX_INPUT_VARS
