"""Adversary (hot5): ``Call`` as a plain record (it was an attrs frozen class), bodies in memory read into
their request when built, and ``render_path``'s one-ID fast path.

What the attrs class gave a provider author that the plain record must still give: ``match`` by position
(``__match_args__``), ``copy.replace`` (attrs writes ``__replace__`` on Python 3.13+), and an evolved copy of
the same class. The fast path must render or refuse exactly as the general one does, reading each ID once.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

import invoicekit as ik
from invoicekit import ValidationError, payabli
from invoicekit._call import Call, Json, Safety
from invoicekit._paths import render_path

from . import _hostile as h
from ._scenarios import FAST


def none(_: Any) -> None:
    return None


def _call() -> Call[None]:
    return Call("PUT", "/invoices/{id}", none, {"id": "inv_1"}, body=Json({"x": 1}), safety=Safety.UNSAFE)


def test_a_call_matches_by_position_as_the_attrs_record_did() -> None:
    # attrs gave __match_args__ (its init fields, in order); a provider author's `case Call("PUT", t)` then
    # matched. Without it Python raises TypeError ("accepts 0 positional sub-patterns").
    assert Call.__match_args__ == (
        "method", "template", "parse", "ids", "query", "headers", "body", "safety", "ignore_answer",
        "idempotency_key", "once_only", "extra_headers",
    )  # fmt: skip
    match _call():
        case Call("PUT", template, _, {"id": invoice}, safety=Safety.UNSAFE):
            assert (template, invoice) == ("/invoices/{id}", "inv_1")
        case _:
            pytest.fail("the call did not match")


def test_copy_replace_gives_a_new_call_as_attrs_did_on_python_3_13() -> None:
    # attrs writes __replace__ on 3.13+ (copy.replace(call, ...)); the record's replace() is the same thing.
    call = _call()
    replace = getattr(copy, "replace", None)
    changed = replace(call, ids={"id": "a b"}) if replace else call.__replace__(ids={"id": "a b"})
    assert changed.path == "/invoices/a%20b"
    assert changed == Call(
        "PUT", "/invoices/{id}", none, {"id": "a b"}, body=Json({"x": 1}), safety=Safety.UNSAFE
    )
    with pytest.raises(TypeError):
        call.__replace__(path="/elsewhere")


class _Traced(Call[Any]):
    """A provider author's own Call (say, one that logs): attrs.evolve kept its class."""


def test_replace_keeps_the_calls_own_class() -> None:
    call = _Traced("GET", "/invoices/{id}", none, {"id": "inv_1"})
    changed = call.replace(headers={"X-Trace": "1"})
    assert type(changed) is _Traced
    assert changed.headers == {"X-Trace": "1"}
    assert changed.path == "/invoices/inv_1"


class _Flipping:
    """An ID object whose text changes each time it is read: it must be read once, as before."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.reads = 0

    def __str__(self) -> str:
        self.reads += 1
        return self.texts.pop(0)


@pytest.mark.parametrize(
    ("texts", "wire"),
    [
        (("a/b", ".."), "/x/a%2Fb"),  # checked as "a/b" (escaped), sent as ".." unchecked: not any more
        (("a b", "ok"), "/x/a%20b"),
    ],
)
def test_the_one_id_fast_path_reads_an_id_once_as_the_general_path_does(
    texts: tuple[str, ...], wire: str
) -> None:
    one = _Flipping(*texts)
    assert render_path("/x/{id}", {"id": one}) == wire
    assert one.reads == 1
    both = _Flipping(*texts)  # the general path (two IDs): the same text, read once
    assert render_path("/x/{id}/{id2}", {"id": both, "id2": "y"}) == wire + "/y"
    assert both.reads == 1


@pytest.mark.parametrize(
    "value",
    ["", ".", "..", " ", "a\x00", "\ud800", "x" * 2049, True, -5, 10**30, "é", "%", "?#/", "external:E-1"],
)
def test_the_one_id_fast_path_renders_or_refuses_as_the_general_path(value: object) -> None:
    def outcome(template: str, ids: dict[str, object]) -> str:
        try:
            return render_path(template, ids).split("/")[2]
        except ValidationError as exc:
            return f"refused {exc.field}: {exc}"

    assert outcome("/x/{id}", {"id": value}) == outcome("/x/{id}/{other}", {"id": value, "other": "y"})


# -- the request a chained httpx error keeps ----------------------------------------------------------------
#
# hot5 reads a body in memory into its request when built (request.read()). httpx pickles a request without
# its stream but with its read content, so a TransportError's chained httpx cause (``.request``) now pickled
# WHMCS' form credentials (identifier, secret): with tblib's pickling support (Dask, Celery) the error itself
# did. A header credential (Payabli's requestToken) was pickled with the request's headers already.

WHMCS_SECRET = "wh-s3cr+t/9="
TOKEN = "pk-t0ken-5ee"
LEAKS = [
    v.encode() for c in ("wh-ident-7c1", WHMCS_SECRET, TOKEN) for v in {c, quote_plus(c), quote(c, safe="")}
]


def _whmcs(kind: str, url: str, **options: Any) -> Any:
    cls = ik.Whmcs if kind == "sync" else ik.AsyncWhmcs
    return cls(identifier="wh-ident-7c1", secret=WHMCS_SECRET, url=url, retry=FAST, timeout=5.0, **options)


def _payabli(kind: str, url: str, **options: Any) -> Any:
    cls = ik.Payabli if kind == "sync" else ik.AsyncPayabli
    return cls(api_key=TOKEN, base_url=url, retry=FAST, timeout=5.0, **options)


OPERATIONS: dict[str, tuple[Callable[..., Any], Callable[[Any], Any]]] = {
    "whmcs": (_whmcs, lambda c: c.invoices.update(42, notes="x")),
    "payabli": (
        _payabli,
        lambda c: c.invoices.update(7, invoice_data=payabli.BillData(invoice_number="N-1")),
    ),
}


def _chain(exc: BaseException | None) -> list[BaseException]:
    links: list[BaseException] = []
    while exc is not None and exc not in links:
        links.append(exc)
        exc = exc.__cause__ or exc.__context__
    return links


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("provider", ["whmcs", "payabli"])
def test_no_link_of_a_transport_errors_chain_pickles_a_credential(kind: str, provider: str) -> None:
    _no_credential_in_the_chain(kind, provider, lambda conn: None)  # read, then closed unanswered


def _raise_for_status(response: httpx.Response) -> None:
    response.read()
    response.raise_for_status()


async def _araise_for_status(response: httpx.Response) -> None:
    await response.aread()
    response.raise_for_status()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_callers_hook_raising_for_status_chains_no_credential(kind: str) -> None:
    # the caller's own httpx client runs raise_for_status() in a response hook: HTTPStatusError, which
    # holds the request and the response (whose pickle holds the request again)
    hooks: dict[str, list[Any]] = {"response": [_raise_for_status if kind == "sync" else _araise_for_status]}
    if kind == "sync":
        with httpx.Client(event_hooks=hooks) as http:
            _no_credential_in_the_chain(kind, "whmcs", h.answer(500, b"{}"), http_client=http)
    else:
        ahttp = httpx.AsyncClient(event_hooks=hooks)
        _no_credential_in_the_chain(kind, "whmcs", h.answer(500, b"{}"), http_client=ahttp)
        asyncio.run(ahttp.aclose())


def _no_credential_in_the_chain(kind: str, provider: str, script: h.Script, **options: Any) -> None:
    make, operation = OPERATIONS[provider]

    def sync_call(url: str) -> None:
        with make(kind, url, **options) as client:
            operation(client)

    async def async_call(url: str) -> None:
        async with make(kind, url, **options) as client:
            await operation(client)

    with h.Hostile() as server:
        server.script = script
        url = server.url
        with pytest.raises(ik.TransportError) as caught:
            sync_call(url) if kind == "sync" else asyncio.run(async_call(url))
    chain = _chain(caught.value)
    assert any(isinstance(link, httpx.RequestError | httpx.HTTPStatusError) for link in chain)
    for link in chain:
        pickled = pickle.dumps(link)
        assert not [leak for leak in LEAKS if leak in pickled], type(link).__name__
        if isinstance(link, httpx.RequestError | httpx.HTTPStatusError):  # what it was about stays
            assert link.request.method == ("POST" if provider == "whmcs" else "PUT")
            assert str(link.request.url).startswith(url)
