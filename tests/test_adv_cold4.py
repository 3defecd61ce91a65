"""Adversary (cold4): the checks that stopped compiling patterns at import, attacked.

``_checks.header_value`` (str methods instead of a pattern), ``_checks.uuid_text`` (pattern compiled on first
use), ``File``'s content type (the default skips the media-type pattern) and the redactor's escape hint
(compiled on first use). Each must answer as the pattern it replaced did, for every str a caller can pass,
str subclasses included (the project's rule, as in ``_checks.text``: check what a subclass holds, not what
its own methods say), from any thread, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import invoicekit
from invoicekit import File, ValidationError
from invoicekit.testing import FakeServer, FakeUpflow
from invoicekit.testing._upflow import TEST_API_KEY, TEST_API_SECRET


class _MediaType(str):
    """A caller's media-type string that compares by essence (type/subtype, any case, parameters ignored),
    as RFC 9110 says media types compare: equal to ``application/pdf`` whatever parameters it holds."""

    def __eq__(self, other: object) -> bool:
        return str.lower(str.split(self, ";")[0].strip()) == str(other).lower()

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


class _Indexed(str):
    """A str subclass whose indexing says something else than what it holds."""

    def __getitem__(self, index: Any) -> str:
        return "x"


class _Sized(str):
    """A str subclass whose len() says something else than what it holds."""

    def __len__(self) -> int:
        return 1


_INJECTED = "application/pdf;\r\nX-Evil: 1"


# -- File's content type: the default skips the media-type pattern ------------------------------------------


@pytest.mark.parametrize(
    "value", [_INJECTED, "application/pdf; x=1\r\n", "APPLICATION/PDF;\nX: y", "application/pdf "]
)
def test_a_content_type_that_compares_equal_to_the_default_is_still_checked(value: str) -> None:
    with pytest.raises(ValidationError, match="content_type"):
        File(b"%PDF-1.4", content_type=_MediaType(value))
    file = File(b"%PDF-1.4")
    with pytest.raises(ValidationError, match="content_type"):
        file.content_type = _MediaType(value)
    assert file.content_type == "application/pdf"


@contextmanager
def _upflow_on(fake: FakeUpflow) -> Iterator[invoicekit.Upflow]:
    """An Upflow client on *fake*, served on a real loopback server."""
    with (
        FakeServer({"upflow": fake}) as server,
        invoicekit.Upflow(
            api_key=TEST_API_KEY, api_secret=TEST_API_SECRET, base_url=server.base_url("upflow")
        ) as client,
    ):
        yield client


def test_a_content_type_subclass_cannot_inject_a_part_header_on_the_wire() -> None:
    """Through a real loopback server: refused before any request, nothing reaches the provider."""
    fake = FakeUpflow()
    fake.add_invoice("inv_1")
    with _upflow_on(fake) as client:
        with pytest.raises(ValidationError, match="content_type"):
            client.invoices.upload_pdf("inv_1", File(b"%PDF-1.4", content_type=_MediaType(_INJECTED)))
        assert fake.requests == []
        client.invoices.upload_pdf("inv_1", File(b"%PDF-1.4", content_type=_MediaType("application/pdf")))
    assert len(fake.requests) == 1
    assert b"X-Evil" not in fake.requests[0].content
    assert (
        b'filename="invoice.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4' in fake.requests[0].content
    )


# -- header_value: str methods instead of [\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])? ---------------------------


@pytest.mark.parametrize("value", [_Indexed(" key"), _Indexed("key "), _Indexed(" "), _Sized("")])
def test_a_credential_or_default_header_subclass_is_checked_for_what_it_holds(value: str) -> None:
    """The pattern read what the str holds; ``value[0]``/``value[-1]``/``bool(value)`` ask the subclass
    (an IndexError escaped for an empty one that says it has a length)."""
    with pytest.raises(ValidationError, match=r"default_headers\['X-T'\]"):
        invoicekit.Upflow(api_key="k", api_secret="s", default_headers={"X-T": value})
    if value:  # a blank credential is refused earlier, as missing
        with pytest.raises(ValidationError, match="api_key"):
            invoicekit.Upflow(api_key=value, api_secret="s")


def test_header_value_still_takes_what_the_pattern_took_from_a_subclass() -> None:
    client = invoicekit.Upflow(
        api_key=_Indexed("k e y"), api_secret="s", default_headers={"X-T": _Sized("a b")}
    )
    client.close()


# -- first use, in a fresh interpreter, from racing threads (held: kept as guards) ---------------------------

_FIRST_USE = r"""
import base64, json, re, threading, urllib.parse, uuid
from invoicekit import _auth, _checks
from invoicekit._auth import Redactor, Secret

secret = "sk_live+Ab/9z%Q&x\\y"
forms = {
    "raw": f"key={secret}",
    "json": json.dumps({"k": secret}),
    "url": urllib.parse.quote(secret, safe=""),
    "url_plus": urllib.parse.quote_plus(secret),
    "b64": base64.b64encode(secret.encode()).decode(),
    "b64url": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
    "repr": repr(secret.encode()),
    "php": json.dumps(secret).replace("/", "\\/"),
    "hidden": secret[:3] + "\u200b" + secret[3:],
}
ids = ["3c90c3cc-0d44-4b50-8888-8dd25736052a", "3C90C3CC-0D44-4B50-8888-8DD25736052A",
       "{3c90c3cc-0d44-4b50-8888-8dd25736052a}", "3c90c3cc0d444b5088888dd25736052a"]
cold = [_checks._CANONICAL_UUID is None, _auth._ESCAPE_HINT not in {key[1] for key in re._cache}]
redactor = Redactor([Secret(secret)])
jobs = [(k, lambda v=v: redactor.text(v)) for k, v in forms.items()]
jobs += [(f"uuid{i}", lambda v=v: _checks.uuid_text(v, "id")) for i, v in enumerate(ids * 2)]
barrier = threading.Barrier(len(jobs))
out = {}
def run(name, job):
    barrier.wait()
    out[name] = job()
threads = [threading.Thread(target=run, args=job) for job in jobs]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"cold": cold, "out": out, "forms": forms}))
"""


def test_first_redaction_and_first_uuid_in_a_fresh_process_from_racing_threads() -> None:
    done = subprocess.run([sys.executable, "-c", _FIRST_USE], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["cold"] == [True, True]
    canonical = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    for name, value in got["out"].items():
        if name.startswith("uuid"):
            assert value == canonical
        else:
            assert "***" in value, name
            assert "sk_live" not in value, name
            assert got["forms"][name] not in value, name


# -- found on the way (older than cold4): careless callers of a credential and of a per-call header ---------


@pytest.mark.parametrize("value", [b"abcd", 1234, ["k"], 12.5])
def test_a_credential_that_is_not_a_str_is_a_validation_error_naming_it(value: Any) -> None:
    """Not a TypeError/AttributeError from ``value.strip()`` or ``"\\r" in value``."""
    with pytest.raises(ValidationError, match="api_key: must be a str, not "):
        invoicekit.Upflow(api_key=value, api_secret="s")
    with pytest.raises(ValidationError, match="api_secret: must be a str, not "):
        invoicekit.Upflow(api_key="k", api_secret=value)


@pytest.mark.parametrize("value", [" abc", "abc ", "\tabc", "abc\t", " "])
def test_a_per_call_header_with_outer_whitespace_is_refused_before_any_request(value: str) -> None:
    """h11 refuses such a value when the request is written: a TransportError after three attempts, not
    the ValidationError before any request that every other bad header gets."""
    fake = FakeUpflow()
    fake.add_invoice("inv_1")
    with _upflow_on(fake) as client:
        with pytest.raises(ValidationError, match=r"extra_headers\['X-T'\]"):
            client.invoices.upload_pdf("inv_1", b"%PDF-1.4", extra_headers={"X-T": value})
        assert fake.requests == []
        client.invoices.upload_pdf("inv_1", b"%PDF-1.4", extra_headers={"X-T": "a \tb", "X-E": ""})
    assert fake.requests[0].headers["X-T"] == "a \tb"
    assert fake.requests[0].headers["X-E"] == ""
