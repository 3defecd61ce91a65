"""The hot3 per-call fast paths give exactly what their full paths give, or fall back to them.

Each fast path is compared with the full path it skips, called here directly, under hypothesis (fixed seed
in CI, as every hypothesis test here) with the edge cases pinned as explicit examples: Invoro's quantities
written in place (as the int of the same digits) against the full checks (``bounded(Decimal(value))``)
written by the JSON encoder, on both JSON paths; and the line-total check that skips lines without a
``line_total`` against the rule written out from its documentation.
"""

from __future__ import annotations

from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import invoicekit._json as ikjson
from invoicekit import ValidationError, invoro
from invoicekit._call import Form, JsonStream
from invoicekit._money import bounded
from invoicekit.invoro import _models as iv_models
from invoicekit.invoro._rules import check_line_totals


class OddDecimal(Decimal):
    def __str__(self) -> str:
        return "evil"


class OddInt(int):
    def __str__(self) -> str:
        return "evil"


def _wire(value: object) -> bytes:
    with ExitStack() as stack:
        return b"".join(JsonStream({"quantity": value, "after": [value]}, stack))


def _full_quantity(value: object, field: str) -> Decimal:
    """Invoro's quantity rule as it was before the in-place path: every value through the full checks."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(field, f"must be a decimal.Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValidationError(field, "must be a finite number")
    return bounded(number, field)


def _outcome(rule: Any, value: object) -> tuple[str, object]:
    try:
        written = rule(value, "invoice.lines[0].quantity")
    except ValidationError as exc:
        return "refused", (exc.field, str(exc))
    return "sent", _wire(written)


quantities = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.decimals(allow_nan=False, allow_infinity=False, places=0),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(Decimal, st.from_regex(r"-?[0-9]{1,3}E\+[0-9]{1,2}", fullmatch=True)),
)


@given(quantities)
@example(1)
@example(0)
@example(-1)
@example(10**15)
@example(10**15 + 1)
@example(-(10**15))
@example(-(10**15) - 1)
@example(True)
@example(False)
@example(OddInt(3))
@example(Decimal(1))
@example(Decimal("-0"))
@example(Decimal("0E+3"))
@example(Decimal("1E+2"))
@example(Decimal("1E+15"))
@example(Decimal("1E+16"))
@example(Decimal("0E+16"))
@example(Decimal("1000000000000000"))
@example(Decimal("1000000000000001"))
@example(Decimal("1.0"))
@example(Decimal("1.5"))
@example(Decimal("0E-5"))
@example(Decimal("1E-13"))
@example(Decimal("NaN"))
@example(Decimal("sNaN"))
@example(Decimal("-Infinity"))
@example(OddDecimal("2"))
@example(1.0)
@example("1")
@settings(max_examples=60, deadline=None)
def test_an_invoro_quantity_in_place_is_sent_as_the_full_checks_send_it(value: Any) -> None:
    for path in ("stdlib", "orjson"):
        module = None if path == "stdlib" else pytest.importorskip("orjson")
        saved, ikjson._orjson = ikjson._orjson, module
        try:
            for rule, full in (
                (iv_models._quantity, _full_quantity),
                (iv_models._positive_quantity, _full_positive),
            ):
                assert _outcome(rule, value) == _outcome(full, value), (path, rule.__name__)
        finally:
            ikjson._orjson = saved


def _full_positive(value: object, field: str) -> Decimal:
    number = _full_quantity(value, field)
    if not number > 0:
        raise ValidationError(field, "must be greater than zero")
    return number


def test_a_draft_with_a_whole_quantity_sends_the_same_bytes_as_one_with_the_decimal(json_path: str) -> None:
    from invoicekit._fields import write

    sent = []
    for quantity in (Decimal(3), 3, Decimal("3E+0")):
        draft = invoro.DraftInvoice(
            lines=[invoro.Line(name="x", quantity=quantity, price=Decimal("1.50"), base_quantity=quantity)]
        )
        sent.append(_wire(write(draft, "invoice")))
    assert sent[0] == sent[1] == sent[2]
    assert b'"quantity":3' in sent[0]
    assert b'"base_quantity":3' in sent[0]


# -- line totals: a line without a line_total is not computed ----------------------------------------------


def _documented(invoice: invoro.DraftInvoice) -> tuple[str, str] | None:
    """check_line_totals' rule, from its docstring: each line *with* a line_total equals
    expected_line_total; a totals.line_total needs every line's and equals their sum."""
    lines = list(invoice.lines) if isinstance(invoice.lines, list) else []
    for i, line in enumerate(lines):
        if isinstance(line.line_total, Decimal | int):
            expected = invoro.expected_line_total(line)
            if expected is not None and Decimal(line.line_total) != expected:
                return (f"invoice.lines[{i}].line_total", "off")
    return None


money = st.decimals(min_value=0, max_value=1000, places=2)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 5), st.decimals(min_value=1, max_value=9, places=1)),
            st.one_of(st.none(), money),
            st.one_of(st.none(), money),
        ),
        min_size=1,
        max_size=4,
    )
)
@example([(None, None, Decimal("1.00"))])
@example([(2, Decimal("1.50"), None), (2, Decimal("1.50"), Decimal("3.00"))])
@example([(2, Decimal("1.50"), Decimal("3.01"))])
@example([(Decimal("1E+15"), Decimal("10000000000000.00"), None)])
@settings(max_examples=60, deadline=None)
def test_line_totals_are_checked_only_where_given_as_documented(
    rows: list[tuple[int | Decimal | None, Decimal | None, Decimal | None]],
) -> None:
    from invoicekit._unset import UNSET

    lines = [
        invoro.Line(
            name="x",
            quantity=UNSET if q is None else q,
            price=UNSET if p is None else p,
            line_total=UNSET if t is None else t,
        )
        for q, p, t in rows
    ]
    invoice = invoro.DraftInvoice(lines=lines)
    try:
        check_line_totals(invoice, "invoice")
        got = None
    except ValidationError as exc:
        got = (exc.field, "off")
    assert got == _documented(invoice)


# -- Invoro's answer: the plain one read in place ----------------------------------------------------------


def _full_parse(data: dict[str, Any]) -> object:
    """parse_invoice's long way, for every answer: rename the keys, then the cents through ``_cents``."""
    from invoicekit._money import EXACT
    from invoicekit.invoro import _answers as iv_answers

    fields = iv_answers._rename(data["data"])
    total = fields.get("total")
    if total is not None:
        cents = iv_answers._cents(total)
        if cents is None:
            return ("refused", "total")
        fields["total"] = Decimal(cents).scaleb(-2, EXACT)
    return iv_answers._READ(fields)


def _outcome_of_parse(data: dict[str, Any]) -> object:
    from invoicekit import DecodeError
    from invoicekit.invoro._answers import parse_invoice

    try:
        return parse_invoice(data)
    except DecodeError as exc:
        return ("refused", "total" if "total" in str(exc) else str(exc))


totals = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=10**39, max_value=10**41),
    st.integers(min_value=-(10**41), max_value=-(10**39)),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
)


@given(totals, st.sampled_from(["total", "total_amount", "amount"]), st.booleans())
@example(12100, "total", False)
@example(10**40 - 1, "total", False)
@example(10**40, "total", False)
@example(-(10**40) + 1, "total", False)
@example(-(10**40), "total", False)
@example(True, "total", False)
@example(OddInt(5), "total", False)
@example(12100, "total_amount", True)
@example(Decimal("121.00"), "total", False)
@settings(max_examples=60, deadline=None)
def test_a_plain_invoro_answer_read_in_place_is_what_the_long_way_reads(
    total: object, key: str, alias_state: bool
) -> None:
    payload: dict[str, Any] = {"id": "7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77", "currency": "EUR", key: total}
    if alias_state:
        payload["status"] = "draft"  # an alias: the long way
    data = {"success": True, "data": payload}
    assert _outcome_of_parse(data) == _full_parse(data)


# -- WHMCS: the update's form counted once ----------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "Unpaid", "notes": "Q3 services"},
        {"notes": None},
        {
            "new_items": [{"description": "a", "amount": Decimal("1.50"), "taxed": False}] * 3,
            "delete_line_ids": [1, 2],
        },
        {"items": {7: {"description": "b", "amount": 2, "taxed": True}}, "publish": True},
    ],
)
def test_a_whmcs_update_counts_the_form_fields_it_sends(
    changes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from invoicekit._forms import form_size
    from invoicekit.whmcs import ItemChange, NewItem
    from invoicekit.whmcs import _client as wh_client

    if "new_items" in changes:
        changes["new_items"] = [NewItem(**item) for item in changes["new_items"]]
    if "items" in changes:
        changes["items"] = {k: ItemChange(**v) for k, v in changes["items"].items()}
    call = wh_client.update_invoice_call(42, **changes)
    assert call.body is not None
    assert isinstance(call.body, Form)
    sent = form_size(call.body.fields) + wh_client._AUTH_FIELDS
    monkeypatch.setattr(wh_client, "MAX_INPUT_VARS", sent)
    wh_client.update_invoice_call(42, **changes)  # exactly at the limit: sent
    monkeypatch.setattr(wh_client, "MAX_INPUT_VARS", sent - 1)
    with pytest.raises(ValidationError, match=f"needs {sent} form fields"):
        wh_client.update_invoice_call(42, **changes)
