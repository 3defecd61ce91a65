"""Cold start (issue 19): checks that compile no pattern at import agree with the patterns they replaced.

``_checks.header_value`` checks with str methods, ``_checks.uuid_text`` compiles its pattern on first use,
``File``'s default content type skips the media-type pattern (compiled on first use of another type), and
an operation's method reads its builder's signature once.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import uuid
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from invoicekit import File, ValidationError, _checks, _operations

_HEADER = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@given(st.text(max_size=12) | st.text(st.characters(max_codepoint=0x100), max_size=12))
@example("")
@example(" ")
@example("a")
@example(" a")
@example("a ")
@example("a b")
@example("a\tb")
@example("\ta")
@example("a\x7f")
@example("a\x85")
@example("a\u00e9")
@example("\uff21")
@example("~!")
@example("a\nb")
def test_header_value_agrees_with_the_pattern_it_replaced(value: str) -> None:
    if _HEADER.fullmatch(value):
        assert _checks.header_value(value, "api_key", "X-Key") == value
    else:
        with pytest.raises(ValidationError, match="api_key"):
            _checks.header_value(value, "api_key", "X-Key")


@given(st.uuids().map(str) | st.text("0123456789abcdefABCDEF-\u0661 ", min_size=30, max_size=40))
@example("3c90c3cc-0d44-4b50-8888-8dd25736052a")
@example("3C90C3CC-0D44-4B50-8888-8DD25736052A")
@example("3c90c3cc0d444b5088888dd25736052a")
@example("3c90c3cc-0d44-4b50-8888-8dd25736052a\n")
@example("{3c90c3cc-0d44-4b50-8888-8dd25736052a}")
def test_uuid_text_agrees_with_the_canonical_pattern(value: str) -> None:
    """What the pattern takes as sent is sent as given; anything else is parsed by uuid.UUID or refused."""
    if _UUID.fullmatch(value):
        assert _checks.uuid_text(value, "id") is value
        return
    try:
        expected = str(uuid.UUID(value))
    except ValueError:
        with pytest.raises(ValidationError, match="id"):
            _checks.uuid_text(value, "id")
    else:
        assert _checks.uuid_text(value, "id") == expected


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("application/pdf", True),
        ("application/pdf; q=1", True),
        ('text/plain; charset="utf-8"', True),
        ("application/pdf\r\nX-Evil: 1", False),
        ("application", False),
        ("", False),
    ],
)
def test_a_content_type_other_than_the_default_is_still_checked(content_type: str, ok: bool) -> None:
    if ok:
        assert File(b"%PDF-1.4", content_type=content_type).content_type == content_type
    else:
        with pytest.raises(ValidationError, match="content_type"):
            File(b"%PDF-1.4", content_type=content_type)


_SCRIPT = r"""
import json, sys
import httpx
from invoicekit import _checks, _files

answers = {"payabli": {"isSuccess": True, "responseCode": 1, "responseData": 3625, "responseText": "ok",
                       "roomId": 0},
           "whmcs": {"result": "success", "invoiceid": 42}}
provider = sys.argv[1]
http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answers[provider])))
if provider == "payabli":
    from invoicekit import payabli
    client = payabli.Payabli(api_key="k", base_url="https://p.test", http_client=http)
    client.invoices.update(3625, invoice_data=payabli.BillData(notes="Q3"))
else:
    from invoicekit import whmcs
    client = whmcs.Whmcs(url="https://w.test", identifier="i", secret="s", http_client=http)
    client.invoices.update(42, notes="Q3")
before = _checks._CANONICAL_UUID
_checks.uuid_text("3c90c3cc-0d44-4b50-8888-8dd25736052a", "id")
cache = {key[1] for key in getattr(__import__("re"), "_cache", {})}
print(json.dumps([before is None, _checks._CANONICAL_UUID is not None, _files._MEDIA_TYPE in cache]))
"""


@pytest.mark.parametrize("provider", ["payabli", "whmcs"])
def test_a_call_that_checks_no_uuid_compiles_no_uuid_pattern(provider: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, provider], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [True, True, False]


def test_an_operations_method_reads_its_builders_signature_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The method, its forwarding parameters and its public signature all come from one read."""
    read: list[Any] = []
    real = inspect.signature

    def counting(fn: Any, *args: Any, **kwargs: Any) -> inspect.Signature:
        read.append(fn)
        return real(fn, *args, **kwargs)

    def builder(invoice_id: int, /, notes: str = "", *, extra_headers: Any = None) -> Any:
        """Doc."""
        raise AssertionError("not called")

    monkeypatch.setattr(inspect, "signature", counting)
    owner = type("Ops", (), {"_async": False, "__module__": __name__, "__qualname__": "Ops"})
    method = _operations.operation(builder).method(owner, "update")
    assert read == [builder]
    monkeypatch.setattr(inspect, "signature", real)
    expected = "(self, invoice_id: int, /, notes: str = '', *, extra_headers: Any = None)"
    assert str(inspect.signature(method)) == expected


_WHAT_LOADS = r"""
import json, os, sys, tempfile
import attrs, httpx

def handler(request):
    request.read()
    return httpx.Response(200, json={"isSuccess": True, "responseCode": 1, "responseData": 3625,
                                     "responseText": "ok", "roomId": 0, "result": "success", "invoiceid": 42})

http = httpx.Client(transport=httpx.MockTransport(handler))
http.put("https://p.test/Invoice/3625", json={"invoiceData": {"notes": "Q3"}}).json()  # raw httpx's own call
baseline = set(sys.modules)
from invoicekit import payabli, upflow, whmcs
payabli.Payabli(api_key="k", base_url="https://p.test", http_client=http).invoices.update(
    3625, invoice_data=payabli.BillData(notes="Q3"))
whmcs.Whmcs(url="https://w.test", identifier="i", secret="s", http_client=http).invoices.update(
    42, notes="Q3")
fd, pdf = tempfile.mkstemp(suffix=".pdf")
os.write(fd, b"%PDF-1.4\n%%EOF\n")
os.close(fd)
try:
    http_204 = httpx.Client(transport=httpx.MockTransport(lambda r: (r.read(), httpx.Response(204))[1]))
    upflow.Upflow(api_key="k", api_secret="s", base_url="https://u.test/v1", http_client=http_204
                  ).invoices.upload_pdf("inv_1", pdf)
finally:
    os.remove(pdf)
print(json.dumps(sorted(m for m in set(sys.modules) - baseline if m.partition(".")[0] != "invoicekit")))
"""


def test_a_cold_call_loads_nothing_beyond_httpx_and_attrs_but_decimal_and_contextvars() -> None:
    """What ``import invoicekit`` and a first call add to what raw httpx (and attrs) load: every module more
    is cold-start time each program pays (``-X importtime``: typing_extensions ~3 ms, dataclasses...).
    """
    env = {**os.environ, "INVOICEKIT_NO_ORJSON": "1"}  # the `fast` extra loads orjson on purpose
    out = subprocess.run(
        [sys.executable, "-c", _WHAT_LOADS], capture_output=True, text=True, check=True, env=env
    )
    # html.entities: the redactor's first pattern (scrubbing an answer); httpx >= 0.28 loads it itself
    allowed = {"decimal", "_decimal", "numbers", "contextvars", "_contextvars", "html", "html.entities"}
    assert set(json.loads(out.stdout)) <= allowed


_HEADER_SCRIPT = r"""
import json, re
import httpx
from invoicekit import _call, _convert, _limits, whmcs

http = httpx.Client(
    transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"result": "success", "invoiceid": 42}))
)
client = whmcs.Whmcs(url="https://w.test", identifier="i", secret="s", http_client=http)
client.invoices.update(42, notes="Q3")
patterns = [_call.HEADER_NAME, _call.HEADER_VALUE, _limits._HEADER_NAME, _convert._YYYY_MM_DD]
cache = {key[1] for key in getattr(re, "_cache", {})}
print(json.dumps([p in cache for p in patterns]))
"""


def test_a_plain_call_compiles_no_header_name_value_or_date_pattern() -> None:
    """The header checks (extra_headers=, a client's default headers) and the date reader compile their
    patterns when first used, not at import (cold start, issue 19)."""
    out = subprocess.run([sys.executable, "-c", _HEADER_SCRIPT], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False] * 4


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"X Bad": "v"}, "X Bad"),
        ({"X-Ok": " padded"}, "X-Ok"),
        ({"X-Ok": "a\r\nb"}, "X-Ok"),
    ],
)
def test_extra_headers_are_still_checked_by_their_patterns(headers: dict[str, str], field: str) -> None:
    import httpx

    from invoicekit import whmcs

    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"result": "success"}))
    )
    client = whmcs.Whmcs(url="https://w.test", identifier="i", secret="s", http_client=http)
    with pytest.raises(ValidationError, match=re.escape(f"extra_headers[{field!r}]")):
        client.invoices.update(42, notes="Q3", extra_headers=headers)
    with pytest.raises(ValidationError, match=re.escape(field)):
        whmcs.Whmcs(
            url="https://w.test", identifier="i", secret="s", http_client=http, default_headers=headers
        )


def test_the_apply_and_plan_signature_protocols_are_for_type_checkers_only() -> None:
    """``_Unified``/``_Onto`` type the overloads of ``applies``/``plans``; a Protocol class costs ~0.2M
    instructions to make, so they exist only under TYPE_CHECKING (cold start, issue 19)."""
    assert not hasattr(_operations, "_Unified")
    assert not hasattr(_operations, "_Onto")
