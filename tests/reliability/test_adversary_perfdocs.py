"""Adversary tests for issue 19 (the ``fast`` extra's JSON paths) and issue 18 (docs and typing).

What a careless caller or a hostile server can put through the JSON core: non-finite numbers, lone
surrogates, nesting deeper than the interpreter's stack. Each must be refused with an InvoiceKitError
(a ValidationError before any request when the caller wrote it, a DecodeError when the server did), on
the standard library path and on the orjson path alike; never written to the wire, never escaping as a
bare ValueError / UnicodeEncodeError / RecursionError.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import invoicekit as ik
from invoicekit import _json as ikjson
from invoicekit import invoro
from invoicekit._call import JsonStream
from invoicekit._checks import text
from invoicekit.testing import FakeInvoro, FakeSalesbricks, FakeUpflow, FakeWhmcs

from . import _hostile as h
from ._scenarios import FAST

HAS_ORJSON = importlib.util.find_spec("orjson") is not None
PATHS = [
    pytest.param("stdlib", id="stdlib"),
    pytest.param(
        "orjson",
        id="orjson",
        marks=pytest.mark.skipif(not HAS_ORJSON, reason="orjson (the fast extra) absent"),
    ),
]
DEEP = 100_000  # far beyond the interpreter's recursion limit and orjson's own (1024)


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    module: Any = None
    if request.param == "orjson":
        module = pytest.importorskip("orjson")  # the `fast` extra; CI runs the suite with and without it
    monkeypatch.setattr(ikjson, "_orjson", module)
    return str(request.param)


def _encode(value: Any) -> bytes:
    with ExitStack() as stack:
        return b"".join(JsonStream(value, stack))


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


# -- encoding: what the core writes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN")],
    ids=["nan", "inf", "-inf", "Decimal-NaN", "Decimal--Infinity", "Decimal-sNaN"],
)
def test_a_non_finite_number_is_never_written(path: str, value: Any) -> None:
    # json.dumps writes NaN / Infinity by default and decimal_text writes "NaN": neither is JSON.
    with pytest.raises(ik.ValidationError) as caught:
        _encode({"amount": [value]})
    assert caught.value.field == "body"


@pytest.mark.all_examples  # its orjson path runs only in the orjson pass
@settings(max_examples=60, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True) | st.floats(allow_nan=True, allow_infinity=True))
@example(Decimal("NaN"))
@example(Decimal("Infinity"))
@example(float("nan"))
def test_whatever_the_core_writes_is_strict_json(value: Any) -> None:
    for module in (None, *((__import__("orjson"),) if HAS_ORJSON else ())):
        saved = ikjson._orjson
        ikjson._orjson = module
        try:
            try:
                out = _encode([value])
            except ik.ValidationError:
                continue

            def refuse(constant: str) -> Any:
                raise AssertionError(f"{constant} written")

            json.loads(out, parse_constant=refuse)  # strict: NaN / Infinity are not JSON
        finally:
            ikjson._orjson = saved


@pytest.mark.parametrize(
    "bad", [chr(0xD800), "a" + chr(0xDFFF) + "b", chr(0xDC80) * 3], ids=["high", "low", "run"]
)
def test_a_lone_surrogate_in_a_body_is_a_validation_error(path: str, bad: str) -> None:
    with pytest.raises(ik.ValidationError) as caught:
        _encode({"note": bad})
    assert caught.value.field == "body"


def test_a_body_nested_too_deeply_is_a_validation_error(path: str) -> None:
    with pytest.raises(ik.ValidationError) as caught:
        _encode({"x": _nested(DEEP)})
    assert caught.value.field == "body"


def test_text_refuses_a_lone_surrogate() -> None:
    # It cannot be written as UTF-8 (JSON, form or multipart): refused by the field's own check.
    with pytest.raises(ik.ValidationError) as caught:
        text("INV-\ud800", "invoice.number")
    assert caught.value.field == "invoice.number"
    assert "surrogate" in str(caught.value)
    assert text("INV-\u2028\U0001f600", "invoice.number") == "INV-\u2028\U0001f600"


# -- through a public call ---------------------------------------------------------------------------------


def _header(number: str = "INV-2025-0042") -> invoro.Header:
    return invoro.Header(
        invoice_number=number,
        invoice_type_code="380",
        currency="EUR",
        issue_date=dt.date(2025, 10, 19),
        due_date=dt.date(2025, 11, 18),
    )


def _draft(header: invoro.Header | None = None, **extra: Any) -> invoro.DraftInvoice:
    return invoro.DraftInvoice(
        header=header or _header(),
        seller=invoro.Party(endpoint_id=invoro.Identifier("0208", "0123456789"), name="Acme BV"),
        buyer=invoro.Party(endpoint_id=invoro.Identifier("0106", "12345678"), name="Buyer NV"),
        lines=[
            invoro.Line(
                name="Support", quantity=Decimal(3), price=Decimal("49.50"), line_total=Decimal("148.50")
            )
        ],
        totals=invoro.Totals(line_total=Decimal("148.50")),
        extra_fields=extra,
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"rate": Decimal("NaN")}, "invoice.extra_fields['rate']"),
        ({"rate": Decimal("-Infinity")}, "invoice.extra_fields['rate']"),
        ({"rate": [Decimal("sNaN")]}, "invoice.extra_fields['rate'][0]"),
        ({"note": "\ud800"}, "invoice.extra_fields['note']"),
        ({"n\udc00": 1}, "invoice.extra_fields"),
        ({"deep": _nested(DEEP)}, "invoice.extra_fields['deep']"),
    ],
    ids=["NaN", "-Infinity", "sNaN", "surrogate-value", "surrogate-key", "deep"],
)
def test_invoro_extra_fields_are_checked_before_any_request(
    path: str, extra: dict[str, Any], field: str
) -> None:
    fake = FakeInvoro()
    draft_id = fake.add_invoice().id
    with fake.client() as client, pytest.raises(ik.ValidationError) as caught:
        client.invoices.update_draft(draft_id, _draft(**extra))
    assert caught.value.field.startswith(field), caught.value.field
    assert fake.requests == []


def test_a_surrogate_in_a_modelled_field_is_a_validation_error(path: str) -> None:
    fake = FakeInvoro()
    draft_id = fake.add_invoice().id
    draft = _draft(_header("INV-\ud800"))
    with fake.client() as client, pytest.raises(ik.ValidationError) as caught:
        client.invoices.update_draft(draft_id, draft)
    assert caught.value.field == "invoice.header.invoice_number"
    assert fake.requests == []


# -- decoding: what a hostile server answers ---------------------------------------------------------------


@pytest.mark.parametrize("doc", [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b'{"responseData": NaN}'])
def test_loads_refuses_nan_and_infinity(path: str, doc: bytes) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        ikjson.loads(doc)


def test_loads_refuses_nesting_beyond_the_stack_with_a_value_error(path: str) -> None:
    with pytest.raises(ValueError, match="nested"):
        ikjson.loads(b"[" * DEEP + b"]" * DEEP)


@pytest.fixture
def server() -> Iterator[h.Hostile]:
    with h.Hostile() as served:
        yield served


@pytest.mark.parametrize(
    "answer",
    [
        b'{"isSuccess": true, "responseCode": 1, "responseData": NaN, "responseText": "Success"}',
        b'{"isSuccess": true, "responseCode": 1, "responseData": Infinity, "responseText": "Success"}',
        b'{"isSuccess": true, "responseData": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    ],
    ids=["NaN", "Infinity", "deep"],
)
def test_a_hostile_answer_is_a_decode_error(path: str, server: h.Hostile, answer: bytes) -> None:
    server.script = h.answer(200, answer, {"Content-Type": "application/json"})
    data = ik.payabli.BillData(invoice_number="N-1", invoice_amount=Decimal("10.50"))
    with (
        ik.Payabli(
            api_key="pk-test-0123", base_url=server.url + "/api", retry=FAST, timeout=httpx.Timeout(5.0)
        ) as c,
        pytest.raises(ik.DecodeError),
    ):
        c.invoices.update(1001, invoice_data=data)


# -- the documentation site --------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TOCTREE = re.compile(r"^```\{toctree\}\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_every_docs_page_is_in_a_toctree() -> None:
    # Sphinx warns "document isn't included in any toctree" (and -W fails the build); a reader of the
    # site never finds such a page from the navigation.
    pages = {
        p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.md") if "_build" not in p.parts
    }
    listed = {"index"}
    for page in DOCS.rglob("*.md"):
        folder = page.parent.relative_to(DOCS).as_posix()
        for block in TOCTREE.findall(page.read_text(encoding="utf-8")):
            for entry in block.splitlines():
                entry = entry.strip()
                if entry and not entry.startswith(":"):
                    listed.add(entry if folder == "." else f"{folder}/{entry}")
    assert sorted(pages - listed) == []


def test_no_code_block_escapes_the_snippet_runner() -> None:
    # The runner runs ```python fences at column 0 only: a ```py, ```python3, ```pycon, ~~~ or indented
    # fence of Python would be shown on the site and never run.
    pages = [ROOT / "README.md", *(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)]
    unrun = re.compile(
        r"^(?:[ \t]+(?:```|~~~)\s*py\w*|(?:```|~~~)\s*(?:py|python3|pycon|ipython|{code-block})\b|~~~)"
    )
    hidden = [
        f"{page.relative_to(ROOT)}:{number}: {line}"
        for page in pages
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if unrun.match(line)
    ]
    assert hidden == []


@pytest.mark.slow  # a whole Sphinx build (~25 s): neither the JSON library nor the lowest versions change it
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    # What CI runs: warnings (pages outside every toctree, broken cross-references) fail the build. This
    # test is CI's documentation build (its first pass, which has the docs extra): there it never skips.
    if importlib.util.find_spec("sphinx") is None:
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail("Sphinx is missing: .ci/run installs the docs extra and builds the site here")
        pytest.skip("the docs extra is not installed")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]


# -- WHMCS call(): the form path ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"notes": "\ud800"}, "notes"),
        ({"itemdescription": {13: "Hosting \udfff"}}, "itemdescription[13]"),
        ({"itemdescription": {"k\ud800": "x"}}, "itemdescription"),
        ({"x": _nested(DEEP, "leaf")}, "x"),
    ],
    ids=["surrogate", "nested-surrogate", "surrogate-key", "deep"],
)
def test_whmcs_call_params_are_checked_before_any_request(params: dict[str, Any], field: str) -> None:
    fake = FakeWhmcs()
    fake.add_invoice(42)
    with fake.client() as client, pytest.raises(ik.ValidationError) as caught:
        client.call("UpdateInvoice", invoiceid=42, **params)
    assert caught.value.field.startswith(field), caught.value.field
    assert fake.requests == []


def test_a_form_body_that_utf8_cannot_carry_is_a_validation_error() -> None:
    from invoicekit._call import Call, Form, Safety, build_request

    call: Call[Any] = Call("POST", "/x", lambda r: r, body=Form({"a": "\ud800"}), safety=Safety.UNSAFE)
    with ExitStack() as stack, pytest.raises(ik.ValidationError) as caught:
        build_request(
            call,
            base_url="http://127.0.0.1",
            headers={},
            boundary="b",
            stack=stack,
            timeout=httpx.Timeout(1.0),
        )
    assert caught.value.field == "body"


# -- file names a multipart body cannot carry --------------------------------------------------------------


def _named(tmp_path: Path, how: str) -> ik.File:
    if how == "filename":
        return ik.File(b"%PDF-1.7 x", filename="inv-\ud800.pdf")
    # A Linux file name that is not UTF-8 (Latin-1 bytes): Python spells it with surrogate escapes.
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.pdf")
    with open(raw, "wb") as handle:
        handle.write(b"%PDF-1.7 x")
    return ik.File(os.fsdecode(raw))


@pytest.mark.skipif(sys.platform != "linux", reason="undecodable file names are a POSIX byte-name matter")
@pytest.mark.parametrize("how", ["filename", "path"])
def test_a_file_name_utf8_cannot_carry_is_a_validation_error(tmp_path: Path, how: str) -> None:
    if how == "filename":  # an explicit name is checked where the File is made, before any call
        with pytest.raises(ik.ValidationError) as made:
            _named(tmp_path, how)
        assert made.value.field == "filename"
        return
    upflow = FakeUpflow()
    upflow.add_invoice("inv_1")
    with upflow.client() as client, pytest.raises(ik.ValidationError) as caught:
        client.invoices.upload_pdf("inv_1", _named(tmp_path, how))
    assert caught.value.field.startswith("pdf"), caught.value.field
    assert upflow.requests == []

    salesbricks = FakeSalesbricks()
    invoice = salesbricks.add_invoice()
    with salesbricks.client() as sb, pytest.raises(ik.ValidationError) as caught:
        sb.invoices.update(invoice.invoice_id, pdf_attachments=[_named(tmp_path, how)])
    assert caught.value.field.startswith("pdf_attachments"), caught.value.field
    assert salesbricks.requests == []
