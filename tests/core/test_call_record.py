"""``Call`` as a plain record (it was an attrs class): what provider authors and the client rely on stays."""

import copy
import pickle
from contextlib import ExitStack
from typing import Any

import attrs
import httpx
import pytest

from invoicekit import ValidationError
from invoicekit._call import Call, Form, Json, Multipart, Safety, build_request, with_extra_headers


def none(_: Any) -> None:
    return None


def _call(**kw: Any) -> Call[None]:
    return Call("PUT", "/invoices/{id}/lines", parse=none, ids={"id": "a b"}, body=Json({"x": 1}), **kw)


def test_it_is_built_with_keywords_and_its_defaults_are_those_attrs_gave() -> None:
    call = Call(method="GET", template="/invoices", parse=none)
    assert (call.method, call.template, call.parse, call.path) == ("GET", "/invoices", none, "/invoices")
    assert (call.ids, call.query, call.headers, call.body, call.extra_headers) == ({}, {}, {}, None, None)
    assert (call.safety, call.ignore_answer, call.idempotency_key, call.once_only) == (
        Safety.IDEMPOTENT,
        False,
        None,
        False,
    )
    # a fresh mapping per call, as attrs' factory=dict gave: one call's defaults are never another's
    assert Call("GET", "/x", parse=none).query is not call.query
    assert not attrs.has(Call)


def test_the_path_is_rendered_and_checked_when_the_call_is_built() -> None:
    assert _call().path == "/invoices/a%20b/lines"
    with pytest.raises(ValidationError) as caught:
        Call("GET", "/invoices/{id}", parse=none, ids={"id": ".."})
    assert caught.value.field == "id"


def test_equality_and_hash_go_by_the_fields() -> None:
    assert _call() == _call()
    assert _call() != _call(safety=Safety.UNSAFE)
    assert _call() != Call(
        "PUT", "/invoices/{id}/lines", parse=none, ids={"id": "a%20b"}, body=Json({"x": 1})
    )
    assert _call().__eq__(object()) is NotImplemented
    with pytest.raises(TypeError):  # its ids are a dict, as with attrs' frozen hash
        hash(_call())
    assert hash(Call("GET", "/x", parse=none, ids=(), query=(), headers=())) == hash(  # type: ignore[arg-type]
        Call("GET", "/x", parse=none, ids=(), query=(), headers=())  # type: ignore[arg-type]
    )


def test_the_repr_names_every_field_in_order() -> None:
    shown = repr(Call("GET", "/x", parse=none, idempotency_key="k1"))
    assert shown == (
        f"Call(method='GET', template='/x', parse={none!r}, ids={{}}, query={{}}, headers={{}}, body=None, "
        "safety=<Safety.IDEMPOTENT: 'idempotent'>, ignore_answer=False, idempotency_key='k1', "
        "once_only=False, extra_headers=None, path='/x')"
    )


def test_it_is_immutable() -> None:
    call = _call()
    with pytest.raises(AttributeError, match="immutable"):
        call.method = "GET"
    with pytest.raises(AttributeError, match="immutable"):
        call.path = "/elsewhere"
    with pytest.raises(AttributeError, match="immutable"):
        del call.body
    assert (call.method, call.path) == ("PUT", "/invoices/a%20b/lines")


def test_it_pickles_and_copies() -> None:
    call = _call(idempotency_key="k", once_only=True, headers={"Idempotency-Key": "k"})
    again = pickle.loads(pickle.dumps(call))  # noqa: S301 (our own bytes)
    assert again == call
    assert again is not call
    assert again.path == call.path
    assert copy.copy(call) == call
    assert copy.deepcopy(call) == call


def test_replace_does_what_attrs_evolve_did() -> None:
    call = _call(headers={"A": "1"})
    changed = call.replace(safety=Safety.UNSAFE)
    assert changed.safety is Safety.UNSAFE
    assert call.safety is Safety.IDEMPOTENT
    assert changed == _call(headers={"A": "1"}, safety=Safety.UNSAFE)
    moved = call.replace(ids={"id": "7"})
    assert moved.path == "/invoices/7/lines"  # rendered again, as attrs.evolve re-ran the default
    with pytest.raises(ValidationError):
        call.replace(ids={"id": "."})
    with pytest.raises(TypeError):
        call.replace(path="/x")  # not an argument, as with attrs (init=False)


def test_extra_headers_give_a_new_call_with_them_added() -> None:
    call = _call(headers={"Idempotency-Key": "k"})
    added = with_extra_headers(call, {"X-Trace": "t"})
    assert added.headers == {"Idempotency-Key": "k", "X-Trace": "t"}
    assert call.headers == {"Idempotency-Key": "k"}
    assert added == call.replace(headers={"Idempotency-Key": "k", "X-Trace": "t"})


@pytest.mark.parametrize(
    ("body", "wire"),
    [
        (Json({"a": [1, "é"]}), '{"a":[1,"é"]}'.encode()),
        (Form({"a": {"0": "x y"}}), b"a%5B0%5D=x+y"),
        (
            Multipart([("memo", "hi")]),
            b'--b0undary\r\nContent-Disposition: form-data; name="memo"\r\n\r\nhi\r\n',
        ),
    ],
)
def test_a_body_in_memory_is_read_into_the_request_as_httpx_does_for_content(body: Any, wire: bytes) -> None:
    """As httpx's own ``content=`` requests are: a transport reading the whole request (MockTransport, the
    fakes) finds it read, with no async generator run per async call."""
    with ExitStack() as stack:
        request = build_request(
            Call("PUT", "/x", parse=none, body=body),
            base_url="https://api.test",
            headers={},
            boundary="b0undary",
            stack=stack,
            timeout=httpx.Timeout(5.0),
        )
    assert request.content.startswith(wire)  # no RequestNotRead: read when built
    assert request.headers["Content-Length"] == str(len(request.content))
    assert isinstance(request.stream, httpx.SyncByteStream)
    assert b"".join(request.stream) == request.content  # a transport streaming it sends the same bytes
