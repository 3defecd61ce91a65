"""Adversary tests for fast4's per-call work (``git log 55630fa..fast4``): the form encoder quoting text
itself (one ``str.translate`` for ASCII), WHMCS' form credentials kept as :class:`Secret` until that encoder,
the access key's ``_KeyedAuth``, the update builder reading its ``locals()``, the success answer read
without ``outcome()``'s walk, and ``_json``'s cheaper checks for orjson.

WHMCS calls go to a real loopback server (127.0.0.1); what PHP reads of the body is judged by the
parse_str-faithful ``tests/phpform.py``, never by the encoder run backwards. Calls that read an answer run on
both JSON paths (the ``json_path`` fixture).
"""

from __future__ import annotations

import datetime as dt
import pickle
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from invoicekit import UNSET, DecodeError, InvoiceKitError, NotFoundError, ValidationError, whmcs
from invoicekit import _json as ikjson
from invoicekit._auth import Secret
from invoicekit._forms import urlencoded
from invoicekit.whmcs._client import _auth
from phpform import parse_str

from .test_adv_hot3 import _Server

IDENT = "wh-ident-f4"
SECRET = "s3cr+t/wh=9&x"
ACCESS = "ak-[1]*%~"


# -- a loopback WHMCS that records every body whole (test_adv_hot3's server) -------------------------------


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    srv.answer = (200, b'{"result":"success","invoiceid":"42"}')
    thread = threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _bodies(server: _Server) -> list[bytes]:
    return [body for _, _, body in server.bodies]


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHMCS_ACCESS_KEY", raising=False)


# -- the encoder's text: a str subclass or a non-str value never steers the quoting ------------------------


class _Sneaky(str):
    """Text whose own str methods lie: the quoting must not ask them (it would write ``&`` raw)."""

    __slots__ = ()

    def translate(self, table: Any) -> str:
        return "x&secret=evil"

    def rstrip(self, chars: str | None = None) -> str:
        return "not empty"

    def isascii(self) -> bool:
        return True


class _SneakyDate(dt.date):
    """A date (call() accepts any) whose isoformat gives a _Sneaky text."""

    def isoformat(self) -> str:
        return _Sneaky("2025-01-02 & more")


class _NumberDate(dt.date):
    """A date whose isoformat gives an int (urllib wrote it as str(5))."""

    def isoformat(self) -> Any:
        return 5


def test_urlencoded_quotes_the_text_a_str_subclass_holds_never_its_own_methods() -> None:
    """fast4's encoder asks the value itself (``rstrip``, ``isascii``, ``translate``): a str subclass with
    its own methods writes ``&`` and ``=`` unquoted, adding form fields PHP reads (urllib quoted them)."""
    pairs: list[tuple[str, Any]] = [(_Sneaky("k y"), _Sneaky("a&b=c d")), ("plain", "1")]
    assert urlencoded(pairs) == urlencode([("k y", "a&b=c d"), ("plain", "1")]).encode("ascii")
    assert parse_str(urlencoded(pairs)) == {"k_y": "a&b=c d", "plain": "1"}


def test_urlencoded_writes_a_value_that_is_not_text_as_its_text_not_an_attribute_error() -> None:
    """Any value neither str nor Secret was taken for a Secret: ``AttributeError: 'int' object has no
    attribute 'reveal'`` (urllib wrote ``str(value)``)."""
    pairs: list[tuple[str, Any]] = [("n", 5), ("d", Decimal("1.50"))]
    assert urlencoded(pairs) == b"n=5&d=1.50"


@pytest.mark.parametrize("access_key", [None, ACCESS], ids=["no-key", "key"])
def test_a_call_param_whose_text_is_a_lying_str_adds_no_field_php_reads(
    server: _Server, json_path: str, access_key: str | None
) -> None:
    """``call()`` accepts any ``datetime.date``: a subclass whose ``isoformat()`` lies about itself must not
    add a field PHP reads. (left5: the date's own ``date.isoformat`` is sent, never the subclass's, whose
    text is not called at all; PHP reads one ``when`` and the client's own credentials.)"""
    with whmcs.Whmcs(server.url, IDENT, SECRET, access_key=access_key) as client:
        answer = client.call("GetInvoice", invoiceid=42, when=_SneakyDate(2025, 1, 2), idempotent=True)
    assert answer == {"result": "success", "invoiceid": "42"}
    (body,) = _bodies(server)
    form = parse_str(body)
    expected = {
        "action": "GetInvoice",
        "invoiceid": "42",
        "when": "2025-01-02",
        "responsetype": "json",
        "identifier": IDENT,
        "secret": SECRET,
    }
    if access_key is not None:
        expected["accesskey"] = access_key
    assert form == expected
    assert list(form) == list(expected)  # the wire order, nothing added between


def test_a_call_param_whose_text_is_not_a_str_is_sent_not_an_attribute_error(
    server: _Server, json_path: str
) -> None:
    """Nothing but an InvoiceKitError escapes a public call: a value the encoder took for a Secret raised
    AttributeError from inside the SDK."""
    with whmcs.Whmcs(server.url, IDENT, SECRET) as client:
        try:
            client.call("GetInvoice", invoiceid=42, when=_NumberDate(2025, 1, 2), idempotent=True)
        except InvoiceKitError:
            assert not server.bodies  # refused before any request: acceptable too
            return
    (body,) = _bodies(server)
    assert parse_str(body)["when"] == "2025-01-02"  # the date it holds (left5: its isoformat is not called)


# -- the access key's auth: still a Record of its fields -------------------------------------------------


def test_two_keyed_auths_with_other_credentials_are_not_equal_and_do_not_pickle() -> None:
    """``_KeyedAuth`` declared ``__slots__ = ()``, so Record read its fields as none: every keyed auth was
    equal to every other (and hashable, where a FormAuth's dict of fields is not), its repr named no
    field, and it pickled silently (as an empty auth that cannot be loaded) where a FormAuth refuses, a
    Secret never being written out."""
    one, other = _auth("id-1", "sec-1", "key-1"), _auth("id-2", "sec-2", "key-2")
    assert one != other
    assert one == _auth("id-1", "sec-1", "key-1")
    shown = repr(one)
    assert "identifier" in shown
    assert "accesskey" in shown
    assert "sec-1" not in shown
    assert "key-1" not in shown
    for auth in (one, _auth("id-1", "sec-1", None)):
        with pytest.raises(TypeError, match="Secret cannot be pickled"):
            pickle.dumps(auth)


# -- what held (kept as regressions) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        b'{"result":"Success","invoiceid":"42"}',
        b'{"result":"success ","invoiceid":"42"}',
        b'{"invoiceid":"42","message":"ok"}',
        b'["result","success"]',
        b'"success"',
        b'{"result":true}',
    ],
    ids=["casing", "padded", "missing", "list", "string", "bool"],
)
def test_an_answer_that_is_not_exactly_success_is_never_read_as_one(
    server: _Server, json_path: str, answer: bytes
) -> None:
    server.answer = (200, answer)
    with whmcs.Whmcs(server.url, IDENT, SECRET) as client:
        with pytest.raises(DecodeError):
            client.invoices.update(42, notes="x")
        with pytest.raises(DecodeError):
            client.call("GetInvoice", invoiceid=42, idempotent=True)


def test_an_error_on_http_200_is_an_error_even_with_a_success_status(server: _Server, json_path: str) -> None:
    server.answer = 200, b'{"result":"error","status":"success","message":"Invoice ID Not Found"}'
    with whmcs.Whmcs(server.url, IDENT, SECRET) as client, pytest.raises(NotFoundError):
        client.invoices.update(42, notes="x")


@pytest.mark.parametrize(
    "data",
    [
        b"-0",
        b'{"n":-0,"s":"1.5e3"}',
        b'{"big":123456789012345678901234567890}',
        b"[1E400, -0.0, 1e-400]",
        b'{"s":"\\u0031.5","n":1}',
        b'{"s":"\\"1.5","n":2.5}',
        b'\xef\xbb\xbf{"a":1.5}',
        b' \t\r\n{"a":18446744073709551615}\n',
        b'"\\ud800"',
        "[1.5]".encode("utf-16"),
    ],
)
def test_loads_gives_the_same_values_on_both_paths(data: bytes, json_path: str) -> None:
    got = ikjson.loads(data)
    saved, ikjson._orjson = ikjson._orjson, None
    try:
        want = ikjson.loads(data)
    finally:
        ikjson._orjson = saved
    assert repr(got) == repr(want)


@pytest.mark.parametrize(
    "data", [b"NaN", b"[Infinity]", b'{"a":-Infinity}', b"\xff", b"[1,]", b"\xef\xbb\xbf"]
)
def test_loads_refuses_what_is_not_json_with_a_value_error_on_both_paths(data: bytes, json_path: str) -> None:
    with pytest.raises(ValueError, match=r"not JSON|Expecting|Illegal trailing|codec can't decode") as info:
        ikjson.loads(data)
    assert type(info.value).__module__ in {"json.decoder", "builtins"}  # the standard library's error


def test_the_update_reads_none_and_unset_from_its_locals_as_before() -> None:
    from invoicekit.whmcs._client import update_invoice_call

    assert dict(update_invoice_call(42, notes=None).body.fields) == {  # type: ignore[union-attr]
        "action": "UpdateInvoice",
        "invoiceid": 42,
        "notes": "",
        "responsetype": "json",
    }
    with pytest.raises(ValidationError) as info:
        update_invoice_call(42, status=None)  # type: ignore[arg-type]
    assert info.value.field == "status"
    with pytest.raises(ValidationError):
        update_invoice_call(42, notes=UNSET)
    secret = Secret("x")
    assert repr(secret) == "Secret('***')"


def test_a_record_subclass_with_an_empty_slots_keeps_its_parents_fields() -> None:
    """The root of _KeyedAuth's case: Record read ``self.__slots__``, which a subclass adding no field
    (``__slots__ = ()``, kept so it has no ``__dict__``) made empty."""
    from invoicekit._call import Form

    class _Named(Form):
        __slots__ = ()

    assert _Named({"a": "1"}) != _Named({"a": "2"})
    assert _Named({"a": "1"}) == _Named({"a": "1"})
    assert repr(_Named({"a": "1"})).endswith("._Named(fields={'a': '1'})")
    assert not hasattr(_Named({}), "__dict__")


# -- a credential beyond ASCII: still in no frame ----------------------------------------------------------


def test_a_credential_beyond_ascii_is_in_no_frame_of_the_standard_library_either(server: _Server) -> None:
    """fast4's encoder quotes an ASCII credential inside one C call, but hands one beyond ASCII to
    ``quote_plus``, whose frames (``quote_plus``, ``quote``, ``quote_from_bytes``) then hold it in the clear
    as a local: what a profiler or crash reporter capturing locals records. Every frame of the call is
    watched here (the standard library's and httpx's included), for the credential as given and as its
    UTF-8 text; only the encoded body (which must carry it, %-escaped) is not looked at."""
    import sys
    from types import FrameType

    secret = "pässwörd-€-f4"
    raw = secret.encode()
    found: list[str] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == __file__:
            return None
        if type(frame.f_locals.get("self")).__name__ == "Redactor":
            return None  # the scrubber holds the credentials to find them in answers (as test_form_secrets)
        for name, value in frame.f_locals.items():
            if (isinstance(value, str) and secret in value) or (isinstance(value, bytes) and raw in value):
                found.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}: {name}")
        return tracer

    with whmcs.Whmcs(server.url, IDENT, secret) as client:
        client.invoices.update(42, notes="warm")  # one-time loads, untraced
        sys.settrace(tracer)
        try:
            client.invoices.update(42, notes="x")
        finally:
            sys.settrace(None)
    assert parse_str(_bodies(server)[-1])["secret"] == secret  # PHP reads the credential back
    assert found == []
