"""Adversary tests for the request-side helpers moved out of ``<provider>/_client.py`` (branch slim).

Each test failed on the code as it was merged: Invoro's attachment check compared the MIME type exactly
(``Application/PDF`` skipped the PDF check the unified apply's merge already applied case-insensitively),
and WHMCS ``call()`` wrote array keys by their formatting and let two keys PHP reads as one both be sent.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from invoicekit import File, InvoiceChange, ValidationError, invoro
from invoicekit._call import Form
from invoicekit._change import describe_send
from invoicekit._forms import php_form, urlencoded
from invoicekit.testing import FakeInvoro, FakeWhmcs
from invoicekit.whmcs._client import action_call
from phpform import parse_str

INVORO_ID = "7d0c1b1e-9a43-4e0e-9a9a-3f1f0f2c0a11"
NOT_PDF = b"hello, not a PDF"

# -- Invoro: a PDF attachment is a PDF whatever the case or parameters of its MIME type -----------------

#: MIME types are case-insensitive and may carry parameters (RFC 2045 5.1): each of these says "PDF".
PDF_MIMES = ["Application/PDF", "APPLICATION/pdf", "application/pdf; charset=binary", " application/pdf"]


def _attachment(how: str, mime: str) -> invoro.Attachment:
    if how == "mime_type":
        return invoro.Attachment(content=NOT_PDF, mime_type=mime)
    return invoro.Attachment(content=File(NOT_PDF, content_type=mime.strip()))


def _update_draft(fake: FakeInvoro, draft: invoro.DraftInvoice, kind: str) -> None:
    if kind == "async":

        async def run() -> None:
            async with fake.async_client() as client:
                await client.invoices.update_draft(INVORO_ID, draft)

        asyncio.run(run())
        return
    with fake.client() as client:
        if kind == "sync":
            client.invoices.update_draft(INVORO_ID, draft)
        else:
            describe_send(lambda: client.invoices.update_draft(INVORO_ID, draft))


@pytest.mark.parametrize("how", ["mime_type", "content_type"])
@pytest.mark.parametrize("mime", PDF_MIMES)
@pytest.mark.parametrize("kind", ["sync", "async", "dry-run"])
def test_invoro_pdf_attachment_checked_whatever_the_mime_case(how: str, mime: str, kind: str) -> None:
    """A non-PDF attachment declared ``Application/PDF`` was sent: only the exact ``application/pdf``
    was checked, while ``draft_with`` (the same module) counts it as a PDF.
    """
    fake = FakeInvoro()
    fake.add_invoice(INVORO_ID)
    draft = invoro.DraftInvoice(attachments=[_attachment(how, mime)])
    with pytest.raises(ValidationError) as info:
        _update_draft(fake, draft, kind)
    assert info.value.field == "invoice.attachments[0].content"
    assert str(info.value) == "invoice.attachments[0].content: not a PDF (a PDF file starts with '%PDF-')"
    assert fake.requests == []


@pytest.mark.parametrize("method", ["apply", "plan"])
def test_invoro_unified_pdf_checked_whatever_the_mime_case(method: str) -> None:
    """The unified change's PDF, given as a File typed ``Application/PDF``, was sent unchecked."""
    fake = FakeInvoro()
    fake.add_invoice(INVORO_ID)
    change = InvoiceChange(pdf=File(NOT_PDF, content_type="Application/PDF"))
    with fake.client() as client, pytest.raises(ValidationError) as info:
        getattr(client.invoices, method)(INVORO_ID, change, base=invoro.DraftInvoice())
    assert info.value.field == "pdf"
    assert str(info.value) == (
        "pdf: not a PDF (a PDF file starts with '%PDF-') (Invoro's invoice.attachments[0].content)"
    )
    assert fake.requests == []


def test_invoro_non_pdf_mime_is_not_checked_as_pdf() -> None:
    """The other side: a text attachment is not held to the PDF rule (sent as given)."""
    fake = FakeInvoro()
    fake.add_invoice(INVORO_ID)
    draft = invoro.DraftInvoice(attachments=[invoro.Attachment(content=NOT_PDF, mime_type="Text/Plain")])
    with fake.client() as client:
        client.invoices.update_draft(INVORO_ID, draft)
    assert len(fake.requests) == 1


# -- WHMCS call(): array keys as PHP reads them --------------------------------------------------------


class _Int(int):
    def __str__(self) -> str:
        return "evil"

    def __format__(self, spec: str) -> str:
        return "evil"


class _Str(str):
    def __str__(self) -> str:
        return "evil"

    def __format__(self, spec: str) -> str:
        return "evil"


class _Code(enum.IntEnum):
    HOSTING = 13


def _php(params: dict[str, Any]) -> dict[Any, Any]:
    body = action_call("GetThing", **params).body
    assert isinstance(body, Form)
    return parse_str(urlencoded(php_form(body.fields)))


@pytest.mark.parametrize(("key", "php_key"), [(_Int(5), 5), (_Str("desc"), "desc"), (_Code.HOSTING, 13)])
def test_whmcs_call_array_key_is_written_by_its_value(key: Any, php_key: Any) -> None:
    """An int or str subclass as an array key was written by its own __format__ (``p[evil]``), not its
    value: the value is what PHP must key the array by.
    """
    form = _php({"p": {key: "x"}})
    assert form["p"] == {php_key: "x"}


@pytest.mark.parametrize(
    "keys",
    [(1, "1"), ("1", 1), (0, "0"), (-3, "-3"), (2**63, str(2**63))],
)
def test_whmcs_call_refuses_keys_php_reads_as_one(keys: tuple[Any, Any]) -> None:
    """``{1: "a", "1": "b"}`` was sent as ``p[1]=a&p[1]=b``: PHP keeps the last, so "a" was lost without
    a word. Two keys that PHP reads as one are refused, naming the parameter, before any request.
    """
    fake = FakeWhmcs()
    first, second = keys
    with fake.client() as client, pytest.raises(ValidationError) as info:
        client.call("GetThing", p={first: "a", second: "b"})
    assert info.value.field == f"p[{second}]"
    assert "PHP reads it as the same key as" in str(info.value)
    assert fake.requests == []


_KEYS = st.one_of(
    st.integers(min_value=-(10**3), max_value=10**3),
    st.integers(min_value=-(10**3), max_value=10**3).map(str),
    st.sampled_from(["01", "+1", "-0", " 1", "1 ", "a", "b"]),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, st.text(alphabet="xyz", min_size=1, max_size=3), min_size=1, max_size=6))
@example({1: "a", "1": "b"})
@example({"01": "a", 1: "b", "1 ": "c"})
def test_whmcs_call_array_reaches_php_whole_or_is_refused(array: dict[Any, str]) -> None:
    """Whatever array call() accepts, PHP reads back with every value in it: nothing is dropped."""
    texts = [str(int(k)) if isinstance(k, int) else k for k in array]
    if len(set(texts)) < len(texts):  # two keys PHP reads as one: refused, naming one of them
        with pytest.raises(ValidationError, match=r"^p\["):
            _php({"p": array})
        return
    form = _php({"p": array})
    assert sorted(form["p"].values()) == sorted(array.values())
