"""A rule's usual case written into the generated writer (``rule.inline``, inv7; ``rule.fast`` for text)
gives exactly what the rule gives: whenever the inline test holds, the rule accepts the value and returns
the inline value; every other value goes to the rule (its checks, its messages). And the writer uses it:
the rule itself is not called for the usual case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from invoicekit import ValidationError, _money, invoro
from invoicekit._fields import Inline, Rule, money, text, write
from invoicekit.invoro import _models

_NUMBERS = st.one_of(
    st.integers(-(10**17), 10**17),
    st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(places=2, min_value=-(10**16), max_value=10**16),
    st.sampled_from(
        [
            Decimal("1E+2"),
            Decimal("1E+16"),
            Decimal("-0"),
            Decimal("0.001"),
            Decimal("sNaN"),
            10**15,
            -(10**15),
        ]
    ),
    st.floats(),
    st.text(max_size=3),
)
_MOMENTS = st.one_of(
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)),
    st.text(max_size=3),
    st.none(),
)
_TEXTS = st.one_of(
    st.text(max_size=12), st.sampled_from(["", " ", "a\0b", "\ud800", "é", "x" * 11]), st.integers()
)

_INLINED: list[tuple[str, Rule]] = [
    ("cents", money("cents")),
    ("non-negative cents", money("cents", allow_negative=False)),
    ("invoro quantity", _models._quantity),
    ("invoro price", _models._non_negative_money),
]


def _outcome(rule: Rule, value: Any) -> Any:
    try:
        return ("ok", rule(value, "f"))
    except ValidationError as exc:
        return ("refused", exc.field, exc.rule)


def _inline(rule: Rule, value: Any) -> Any:
    """What the generated writer's inline code gives for *value*: ("ok", wire value) or None (the rule)."""
    inline: Inline = rule.inline  # type: ignore[attr-defined]
    scope = {**inline.names, "v": value}
    if not eval(inline.test.format(v="v"), scope):  # noqa: S307 (the core's own template)
        return None
    return ("ok", eval(inline.value.format(v="v"), scope))  # noqa: S307


def _agrees(rule: Rule, value: Any) -> None:
    fast = _inline(rule, value)
    if fast is not None:
        got = _outcome(rule, value)
        assert fast == got
        assert type(fast[1]) is type(got[1])


@pytest.mark.parametrize(("name", "rule"), _INLINED)
@given(value=_NUMBERS)
@example(value=Decimal("100.00"))
@example(value=Decimal(1))
@example(value=-1)
def test_an_inlined_amount_gives_what_its_rule_gives(name: str, rule: Rule, value: Any) -> None:
    _agrees(rule, value)


@given(value=_MOMENTS)
@example(value=dt.date(2025, 9, 30))
def test_an_inlined_date_gives_what_its_rule_gives(value: Any) -> None:
    _agrees(_models._moment, value)


@pytest.mark.parametrize("max_len", [None, 10])
@pytest.mark.parametrize("allow_empty", [True, False])
@given(value=_TEXTS)
def test_a_texts_quick_test_holds_only_where_the_rule_returns_the_value(
    max_len: int | None, allow_empty: bool, value: Any
) -> None:
    rule = text(max_len, allow_empty=allow_empty)
    quick = rule.fast.format(v="v")  # type: ignore[attr-defined]
    if eval(quick, {"v": value}):  # noqa: S307 (the core's own template)
        assert _outcome(rule, value) == ("ok", value)


def test_the_writer_does_not_call_an_inlined_rule_for_its_usual_case(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = _money.to_cents

    def counted(*args: Any, **kwargs: Any) -> int:
        calls.append("to_cents")
        return real(*args, **kwargs)

    monkeypatch.setattr(_money, "to_cents", counted)
    line = invoro.Line(name="Q3", quantity=Decimal(2), price=Decimal("1.50"), line_total=3)
    draft = invoro.DraftInvoice(
        header=invoro.Header(issue_date=dt.date(2025, 1, 2), currency="EUR"), lines=[line]
    )
    assert write(draft, "invoice") == {
        "header": {"issue_date": "2025-01-02T00:00:00Z", "currency": "EUR"},
        "items": [{"name": "Q3", "quantity": 2, "price": 150, "line_total": 300}],
    }
    assert calls == []  # every amount took the inline code
    with pytest.raises(ValidationError) as info:  # anything else: the rule, its message, the path
        write(invoro.DraftInvoice(lines=[invoro.Line(price=Decimal("1.001"))]), "invoice")
    assert info.value.field == "invoice.lines[0].price"
    assert calls == ["to_cents"]
