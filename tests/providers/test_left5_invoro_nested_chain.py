"""A nested Invoro ValidationError (``invoice.lines[1].quantity``) is raised ``from None`` while its inner
errors (the same rule under the shorter paths ``lines[1].quantity`` and ``quantity``) are handled: they stay
as its suppressed ``__context__``. Checked to be harmless (left5; docs/reliability.md): never shown in a
traceback, the same field and rule as the error itself (nothing new, no credential: the caller's model is
checked before the client's auth is read), and each link pickles.
"""

from __future__ import annotations

import pickle
import traceback
from decimal import Decimal

import httpx
import pytest

import invoicekit as ik
from invoicekit import invoro

SECRET = "inv-Secret-key-42xyz"
DRAFT_ID = "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77"


def _refused() -> tuple[ik.ValidationError, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    client = ik.Invoro(SECRET, http_client=http)
    draft = invoro.DraftInvoice(lines=[invoro.Line(quantity=Decimal(1)), invoro.Line(quantity=1.5)])  # type: ignore[arg-type]
    with pytest.raises(ik.ValidationError) as caught:
        client.invoices.update_draft(DRAFT_ID, draft)
    return caught.value, sent


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def test_the_inner_errors_are_the_same_rule_under_shorter_paths_and_suppressed() -> None:
    error, sent = _refused()
    assert sent == []
    assert error.field == "invoice.lines[1].quantity"
    assert error.__cause__ is None
    assert error.__suppress_context__
    inner = _chain(error)[1:]
    assert [e.field for e in inner] == ["lines[1].quantity", "quantity"]  # type: ignore[attr-defined]
    assert all(type(e) is ik.ValidationError and e.rule == error.rule for e in inner)
    shown = "".join(traceback.format_exception(error))
    assert "During handling" not in shown
    assert shown.count("ValidationError:") == 1


def test_no_link_of_the_chain_holds_the_credential() -> None:
    error, _ = _refused()
    for link in _chain(error):
        assert SECRET not in str(link)
        assert SECRET not in repr(link)
        for frame, _ in traceback.walk_tb(link.__traceback__):
            for name, value in frame.f_locals.items():
                assert value != SECRET, name
                assert SECRET not in repr(value), name


def test_the_error_and_every_link_pickle() -> None:
    """Plain pickle drops the chain; tblib's pickling support (which Dask and Celery install, and which
    this suite's Dask tests leave installed) carries it along: either way each link pickles, and what
    arrives is the same harmless chain."""
    error, _ = _refused()
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copy), copy.field, copy.rule, str(copy)) == (
        type(error),
        error.field,
        error.rule,
        str(error),
    )
    assert copy.__cause__ is None
    for link in _chain(copy)[1:]:
        assert type(link) is ik.ValidationError
        assert link.rule == error.rule
        assert SECRET not in repr(link)
    for link in _chain(error):
        assert str(pickle.loads(pickle.dumps(link))) == str(link)  # noqa: S301 - our own bytes
