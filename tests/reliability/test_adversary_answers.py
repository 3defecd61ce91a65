"""Adversary tests for the answers/registry/auth work (_answers.py, _registry.py, _auth.py, logging).

Each test failed on the code as merged (e6bed5f): a hostile server's deeply nested JSON or an IDNA-invalid
redirect escaped as a raw RecursionError / idna error; a stale Registration undid a later registration;
register() let a provider shadow a private name of ``invoicekit`` (or a core name of ``invoicekit.testing``
not yet imported) and its undo then deleted it; the registry's lookups raised RuntimeError while another
thread registered; a form credential UTF-8 cannot carry was accepted and every call then failed naming
``body`` with the credential in its ``__context__``; two first clients made at once in two threads
installed the INVOICEKIT_LOG stderr handler twice; an HTML error page's title was cut at the wrong place.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

import invoicekit as ik
from invoicekit import File, _registry
from invoicekit._answers import excerpt
from invoicekit._auth import FormAuth, Secret
from invoicekit._call import Call, Form, Multipart
from invoicekit._client import Provider, SyncClient
from invoicekit._registry import ProviderSpec

from . import _hostile as h
from ._scenarios import FAST, PROVIDERS, SCENARIOS

KINDS = ("sync", "async")


@pytest.fixture
def server() -> Iterator[h.Hostile]:
    with h.Hostile() as served:
        yield served


async def _call(server: h.Hostile, provider: str, kind: str, unsafe: bool = False) -> Any:
    """One call of *provider*'s real client against *server*: its result, or the error it raised."""
    spec = _registry.by_name(provider)
    scenario = SCENARIOS[provider]
    invoice = scenario.seed(scenario.fake(), 1)
    options: dict[str, Any] = {
        **scenario.credentials("adv-secret-4242"),
        spec.url_param: server.url,
        "retry": FAST,
        "timeout": httpx.Timeout(5.0),
    }
    try:
        if kind == "sync":
            with spec.load_client()(**options) as client:
                return scenario.call(client, invoice, 1, unsafe)
        async with spec.load_client(asynchronous=True)(**options) as aclient:
            return await scenario.call(aclient, invoice, 1, unsafe)
    except ik.InvoiceKitError as exc:
        return exc


def _nested(depth: int) -> bytes:
    """A JSON list nested *depth* deep: json.loads reads it, a Python walker one frame a level cannot."""
    return b"[" * depth + b"]" * depth


# -- answers: a hostile server's JSON nested deeper than the stack ---------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_an_error_answer_nested_too_deep_is_still_its_typed_error(
    server: h.Hostile, provider: str, kind: str
) -> None:
    """A 404 whose JSON is nested ~600 deep (the standard library reads it) raised a bare RecursionError
    from the credential scrubber's walk; it is the NotFoundError its status says.
    """
    server.script = h.answer(404, _nested(sys.getrecursionlimit() * 6 // 10))
    outcome = await _call(server, provider, kind)
    assert type(outcome) is ik.NotFoundError, outcome
    assert outcome.status_code == 404
    assert "nested too deeply" in str(outcome)
    assert type(pickle.loads(pickle.dumps(outcome))) is ik.NotFoundError  # noqa: S301 - our own bytes


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_success_answer_nested_too_deep_is_a_decode_error(
    server: h.Hostile, provider: str, kind: str
) -> None:
    """A 200 nested ~600 deep, holding a ``%`` (the scrubber walks it), raised a bare RecursionError."""
    depth = sys.getrecursionlimit() * 6 // 10
    server.script = h.answer(200, b'{"note": "100%", "x": ' + _nested(depth) + b"}")
    outcome = await _call(server, provider, kind)
    if provider == "upflow":  # upload_pdf ignores its answer (ignore_answer): nothing is read or walked
        assert outcome is None
        return
    assert type(outcome) is ik.DecodeError, outcome
    assert outcome.status_code == 200
    assert "nested too deeply" in str(outcome)
    assert pickle.loads(pickle.dumps(outcome)).status_code == 200  # noqa: S301 - our own bytes


# -- answers: a redirect whose Location host IDNA refuses --------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("location", ["http://xn--a.example/", "http://[::1/"])
async def test_a_redirect_to_a_location_httpx_cannot_parse_is_a_typed_error(
    server: h.Hostile, kind: str, unsafe: bool, location: str
) -> None:
    """httpx builds the redirect request even when redirects are not followed; an ``xn--`` host IDNA
    refuses raised idna's InvalidCodepoint (a UnicodeError) raw out of the call. It now ends like the
    ``[::1`` location httpx reports itself: a TransportError (the IDNA one is not retried), and an unsafe
    call is never resent.
    """
    server.script = h.answer(302, b"", {"Location": location})
    outcome = await _call(server, "salesbricks", kind, unsafe)
    if unsafe:
        assert type(outcome) is ik.OutcomeUnknownError, outcome
        assert len(server.requests) == 1
    else:
        assert type(outcome) is ik.TransportError, outcome
        assert 1 <= outcome.attempts <= FAST.attempts


# -- answers: excerpt ----------------------------------------------------------------------------------


def test_an_html_pages_title_is_found_whatever_comes_before_it() -> None:
    """``str.lower()`` makes "İ" two characters: indexes found in the lowered text cut the original text
    at the wrong place ("ateway</tit" instead of "Bad Gateway").
    """
    page = "<html><body>İİİİİ</body><TITLE>Bad Gateway</Title></html>"
    assert excerpt(page) == "an HTML page (Bad Gateway) instead of JSON"


# -- registry ------------------------------------------------------------------------------------------


def _spec(name: str = "advtally", *, client: str = "AdvTally", **more: Any) -> ProviderSpec:
    return ProviderSpec(
        name, "Adv", "json", client, f"Async{client.lstrip('_')}", fake=f"adv_fakes:Fake{name}", **more
    )


def test_a_stale_registration_does_not_undo_a_later_one() -> None:
    """The docs promise undo() "again: nothing". The same spec registered, undone, registered again: the
    first handle's second undo removed the second registration.
    """
    spec = _spec()
    first = _registry.register(spec)
    first.undo()
    second = _registry.register(spec)
    try:
        first.undo()
        assert _registry.by_name("advtally") is spec
    finally:
        second.undo()
    assert "advtally" not in {s.name for s in _registry.providers()}


@pytest.mark.parametrize("name", ["_registry", "_LAZY", "annotations", "__getattr__", "__version__"])
def test_register_refuses_a_name_of_the_package_even_a_private_one(name: str) -> None:
    """register() checked ``dir(invoicekit)``, which lists only the public names: a provider exporting
    ``_registry`` was registered, and its undo() deleted ``invoicekit._registry`` (every later unknown
    attribute of invoicekit then raised NameError, not AttributeError).
    """
    before = dict(vars(ik))
    registered: list[_registry.Registration] = []
    try:
        with pytest.raises(ik.ValidationError) as info:
            registered.append(_registry.register(_spec(client=name)))
    finally:
        for registration in registered:
            registration.undo()
        for key, value in before.items():  # repair whatever a wrong undo removed, for the other tests
            vars(ik).setdefault(key, value)
    assert info.value.field == "spec"
    assert name in info.value.rule
    assert vars(ik).get(name) is before.get(name)
    with pytest.raises(AttributeError):
        getattr(ik, "NoSuchName")  # noqa: B009


def test_register_refuses_a_core_name_of_invoicekit_testing_before_it_is_imported(tmp_path: Any) -> None:
    """With invoicekit.testing not imported yet, a fake export named ``FakeServer`` was accepted; the
    import then bound the provider's object over the real FakeServer, and undo() deleted it.
    """
    (tmp_path / "adv_fakes.py").write_text("class FakeAdv: pass\nFakeServer = 'shadow'\n")
    code = (
        "import sys, invoicekit\n"
        "from invoicekit import _registry\n"
        "assert 'invoicekit.testing' not in sys.modules\n"
        "spec = _registry.ProviderSpec('adv', 'Adv', 'json', 'Adv', 'AsyncAdv', fake='adv_fakes:FakeAdv',\n"
        "                              fake_exports=('FakeServer',))\n"
        "try:\n"
        "    _registry.register(spec).undo()\n"
        "    print('registered')\n"
        "except invoicekit.ValidationError as exc:\n"
        "    print('refused', exc.field, 'FakeServer' in exc.rule)\n"
        "import invoicekit.testing as t\n"
        "print(t.FakeServer.__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["refused spec True", "FakeServer"]


class _Interleaved(ProviderSpec):
    """A spec whose exports are read while another thread registers: the interleaving a thread switch in
    the middle of the registry's loop over its table makes (reproduced deterministically).
    """

    #: Armed once the spec is registered: the next read of its exports lets the other thread in, once.
    armed: ClassVar[list[bool]] = []

    @property
    def package_exports(self) -> tuple[str, ...]:
        if self.armed:
            self.armed.clear()
            other = threading.Thread(target=lambda: _registry.register(_spec("advother", client="AdvOther")))
            other.start()
            other.join()
        return ()

    @property
    def testing_exports(self) -> tuple[str, ...]:
        return self.package_exports


@pytest.mark.parametrize("lookup", ["export_module", "fake_export", "getattr"])
def test_registry_lookups_survive_a_registration_from_another_thread(lookup: str) -> None:
    """export_module/fake_export looped over the live table: a registration from another thread in the
    meantime raised ``RuntimeError: dictionary changed size during iteration`` out of ``invoicekit.X``.
    """
    registration = _registry.register(_Interleaved("advinter", "Adv", "json", "AdvI", "AsyncAdvI", "m:F"))
    _Interleaved.armed.append(True)
    try:
        if lookup == "getattr":
            with pytest.raises(AttributeError):
                getattr(ik, "NoSuchName")  # noqa: B009
        else:
            assert getattr(_registry, lookup)("NoSuchName") is None
    finally:
        registration.undo()
        _Interleaved.armed.clear()
        if "advother" in {s.name for s in _registry.providers()}:
            _registry._PROVIDERS.pop("advother")


# -- auth ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["identifier", "secret", "access_key"])
def test_a_form_credential_utf8_cannot_carry_is_refused_when_the_client_is_made(param: str) -> None:
    """Header credentials are checked when the client is made; WHMCS's form credentials were not: a lone
    surrogate passed, and every call then failed with ``body: holds a lone surrogate`` whose __context__
    (a UnicodeEncodeError) held the credential itself in ``.object``.
    """
    credentials: dict[str, Any] = {
        "identifier": "ident-4242",
        "secret": "secret-4242",
        "access_key": "access-4242",
    }
    credentials[param] = "sec\ud800ret-4242"
    with pytest.raises(ik.ValidationError) as info:
        ik.Whmcs(url="https://whmcs.example", **credentials)
    assert info.value.field == param
    assert "surrogate" in info.value.rule
    assert "ret-4242" not in str(info.value)
    assert info.value.__context__ is None
    assert info.value.__cause__ is None


# -- logging -------------------------------------------------------------------------------------------


def test_two_first_clients_made_at_once_install_one_handler() -> None:
    """``functools.cache`` does not make the first call run once: two threads making their first client
    at the same moment both added the INVOICEKIT_LOG stderr handler, and every line printed twice.
    (The handler's construction waits, up to a second, for the other thread to arrive too.)
    """
    code = (
        "import logging, threading, invoicekit\n"
        "from invoicekit.testing import FakeUpflow\n"
        "barrier = threading.Barrier(2, timeout=1.0)\n"
        "class Slow(logging.StreamHandler):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        try:\n"
        "            barrier.wait()\n"
        "        except threading.BrokenBarrierError:\n"
        "            pass\n"
        "        super().__init__(*args, **kwargs)\n"
        "logging.StreamHandler = Slow\n"
        "threads = [threading.Thread(target=lambda: FakeUpflow().client().close()) for _ in range(2)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(sum(isinstance(h, Slow) for h in logging.getLogger('invoicekit').handlers))\n"
    )
    env = {**os.environ, "INVOICEKIT_LOG": "debug"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    assert done.stdout.strip() == "1"


class _Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json={"ok": True})


@pytest.mark.parametrize(
    "body",
    [
        Form({"action": "Upload", "secret": "mine"}),
        Form({"secret": ["a", "b"]}),
        Form({"secret[0]": "mine"}),
        Multipart(fields=[("secret", "mine")], files=[("file", File(b"%PDF-1.7 x"), "a.pdf")]),
        Multipart(fields=[("identifier[]", "mine")], files=[]),
    ],
    ids=["form", "form-array", "form-bracketed", "multipart", "multipart-bracketed"],
)
def test_a_body_field_named_like_a_form_credential_is_refused(body: Any) -> None:
    """A field of the call's own body named like a credential field was silently replaced by the
    credential in a form (the caller's value lost), and sent twice in a multipart body (which one a server
    reads depends on it: PHP the last, Werkzeug the first). Refused, naming the field, before any request.
    """
    recorder = _Recorder()
    auth = FormAuth({"identifier": Secret("ident-4242"), "secret": Secret("secret-4242")})
    provider = Provider("demo", "https://api.demo.test")
    with (
        SyncClient(
            provider, auth, http_client=httpx.Client(transport=httpx.MockTransport(recorder))
        ) as client,
        pytest.raises(ik.ValidationError) as info,
    ):
        client._send(Call("POST", "/api.php", parse=lambda d: d, body=body))
    assert info.value.field in {"secret", "secret[0]", "identifier[]"}
    assert "credential" in info.value.rule
    assert "4242" not in str(info.value)
    assert recorder.requests == []


@pytest.mark.parametrize("name", ["", "_faults", "my-provider", "a/b", "x:y", "tally\n", "tally co", "é"])
def test_register_refuses_a_provider_name_that_cannot_key_everything(name: str) -> None:
    """A provider's name keys the fake server's path (``_faults`` and the empty name are the server's
    own; ``/`` splits it), the CLI's ``NAME:KIND`` faults and the fixtures ``fake_<name>``: such names
    were registered, and broke them later (a fake named ``_faults`` took over the fault-injection path).
    """
    registered: list[_registry.Registration] = []
    try:
        with pytest.raises(ik.ValidationError) as info:
            registered.append(_registry.register(_spec(name, client="AdvOdd")))
    finally:
        for registration in registered:
            registration.undo()
    assert info.value.field == "spec.name"


# -- answers: a charset that is no text encoding ----------------------------------------------------------

HOSTILE_CHARSETS = ["base64", "zlib", "bz2", "rot13", "hex", "uu", "quopri", "idna", "punycode", "utf-16"]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [200, 404])
@pytest.mark.parametrize("charset", HOSTILE_CHARSETS)
async def test_a_non_json_answer_in_a_hostile_charset_is_a_typed_error(
    server: h.Hostile, charset: str, status: int, kind: str
) -> None:
    """httpx decodes ``response.text`` with whatever codec the Content-Type names: ``base64``, ``zlib``,
    ``rot13`` … are bytes codecs (AssertionError, TypeError), ``idna`` refuses the ``replace`` handler, and
    UTF-16 without a BOM raises too. A non-JSON answer so labelled escaped raw; it is now read as UTF-8.
    """
    body = b"<html><title>Oops \xc3\x28</title>not json</html>"
    server.script = h.answer(status, body, {"Content-Type": f"text/html; charset={charset}"})
    outcome = await _call(server, "salesbricks", kind)
    assert type(outcome) is (ik.NotFoundError if status == 404 else ik.DecodeError), outcome
    assert outcome.status_code == status


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [300, 304, 305, 399])
@pytest.mark.parametrize("location", ["http://xn--a.example/", "http://[::1/", "http://exa\tmple/"])
async def test_a_3xx_httpx_does_not_follow_with_an_unparsable_location_is_an_api_error(
    server: h.Hostile, location: str, status: int, kind: str
) -> None:
    """httpx builds no redirect for 300, 304, 305 or 399, so the answer reaches _answers.conclude, which
    parsed the Location to name its host: httpx.InvalidURL or idna's InvalidCodepoint escaped raw. It is
    the APIError any other 3xx is, naming no host.
    """
    server.script = h.answer(status, b"", {"Location": location})
    outcome = await _call(server, "salesbricks", kind)
    assert type(outcome) is ik.APIError, outcome
    assert outcome.status_code == status
    assert "redirect to another location not followed" in str(outcome)
    assert outcome.__cause__ is None
    assert outcome.__context__ is None


# -- answers: a wait no clock can hold --------------------------------------------------------------------

EXPECTED: dict[int, type[ik.APIError]] = {429: ik.RateLimitError, 503: ik.ServerError, 404: ik.NotFoundError}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", sorted(EXPECTED))
@pytest.mark.parametrize("header", ["Retry-After", "X-RateLimit-Reset"])
@pytest.mark.parametrize(
    "value",
    ["Mon, 01 Jan 99999999999999999999 00:00:00 GMT", "Mon, 01 Jan 2020 00:00:00 +99999999999999999999"],
    ids=["huge-year", "huge-offset"],
)
async def test_an_http_date_no_clock_can_hold_is_an_unreadable_wait(
    server: h.Hostile, value: str, header: str, status: int, kind: str
) -> None:
    """``email.utils.parsedate_to_datetime`` raises OverflowError (not ValueError) for a year or an offset
    beyond a C long: _answers.retry_after let it out of every 429, 5xx and error answer carrying one. An
    unreadable wait is no wait (None), as for any other unreadable value.
    """
    server.script = h.answer(status, b'{"message": "m"}', {header: value})
    outcome = await _call(server, "salesbricks", kind)
    assert type(outcome) is EXPECTED[status], outcome
    assert outcome.status_code == status
    if isinstance(outcome, ik.RateLimitError):
        assert outcome.retry_after is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_base_url_whose_host_idna_refuses_is_a_validation_error(provider: str) -> None:
    """``httpx.URL`` decodes an ``xn--`` host lazily: check_base_url read ``.host`` outside its try, and
    idna's InvalidCodepoint (a UnicodeError) escaped from every constructor. A ValidationError naming the
    parameter, as for any URL that is not one.
    """
    spec = _registry.by_name(provider)
    options = {
        **SCENARIOS[provider].credentials("adv-secret-4242"),
        spec.url_param: "https://xn--a.example/v1",
    }
    with pytest.raises(ik.ValidationError) as info:
        spec.load_client()(**options)
    assert info.value.field == spec.url_param
    assert info.value.__cause__ is None
