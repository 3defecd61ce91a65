"""Adversary (hot2): each per-call fast path gives exactly what its full path gives, or falls back to it.

The full paths are called here directly (``_checks.text``, ``money`` + ``scaleb``, ``form_scalar``, the
Decimal round trip, the key-by-key answer checks, ``httpx.URL(..., params=None)``, ``write(cls(**kw))``,
placeholder-written Decimals) and compared with what the fast path returns, under hypothesis with the
edge cases pinned as explicit examples. Wire forms are judged by the parse_str-faithful tests/phpform.py.
One defect found on the way: a WHMCS ``call()`` int too long for ``str()`` raised ValueError.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import ExitStack
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from invoicekit import UNSET, DecodeError, ValidationError, Whmcs, _checks, _fields, _money
from invoicekit._call import Call, JsonStream, build_request
from invoicekit._convert import whole
from invoicekit._forms import form_scalar, php_form, urlencoded
from invoicekit.payabli._answers import _REQUIRED_ANSWER, parse_update
from invoicekit.salesbricks import _models as sb_models
from invoicekit.whmcs import ItemChange, NewItem
from invoicekit.whmcs import _models as wh_models
from phpform import parse_str


class EvilInt(int):
    def __str__(self) -> str:
        return "evil"

    __repr__ = __str__

    def __index__(self) -> int:
        return 7


class EvilStr(str):
    def __str__(self) -> str:
        return "evil"


def _whmcs(sent: list[httpx.Request]) -> Whmcs:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"result": "success"})

    transport = httpx.MockTransport(handle)
    return Whmcs(
        "https://billing.example.com",
        "identifier-123",
        "secret-456",
        http_client=httpx.Client(transport=transport),
    )


# -- a WHMCS call() int too long for str() -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [10**4300, -(10**5000), [1, 10**4400], {"a": {"b": 10**4300}}],
    ids=["4301", "-5001", "list", "dict"],
)
def test_a_whmcs_parameter_int_too_long_to_write_is_a_validation_error(value: object) -> None:
    sent: list[httpx.Request] = []
    client = _whmcs(sent)
    with client, pytest.raises(ValidationError) as caught:
        client.call("GetInvoice", idempotent=True, invoiceid=value)
    assert caught.value.field.startswith("invoiceid")
    assert sent == []


def test_a_whmcs_parameter_int_of_4300_digits_is_sent_exactly() -> None:
    sent: list[httpx.Request] = []
    client = _whmcs(sent)
    big = -(10**4300 - 1)
    with client:
        client.call("GetInvoice", idempotent=True, invoiceid=big, flag=True, n=EvilInt(3))
    form = parse_str(sent[0].content)
    assert form["invoiceid"] == str(big)
    assert form["flag"] == "1"
    assert form["n"] == "3"


# -- _forms._flatten: a plain int written in place ---------------------------------------------------------

scalars = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
    st.integers(min_value=-5, max_value=5).map(EvilInt),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**6, min_value=-(10**6)),
    st.text(max_size=5),
)


@given(
    st.dictionaries(st.text("abc", min_size=1, max_size=3), st.one_of(scalars, st.lists(scalars, max_size=3)))
)
@example({"a": True, "b": False, "c": 0, "d": -0, "e": EvilInt(1), "f": [True, 1, EvilInt(2)]})
@settings(max_examples=200, deadline=None)
def test_a_form_writes_each_int_as_form_scalar_does_and_php_reads_it(fields: dict[str, Any]) -> None:
    pairs = php_form(fields)
    expected: list[tuple[str, str]] = []
    for key, value in fields.items():
        for index, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
            expected.append((key if index is None else f"{key}[{index}]", form_scalar(item)))
    assert pairs == expected
    parsed = parse_str(urlencoded(pairs))
    for key, value in fields.items():
        if isinstance(value, list):
            assert parsed.get(key, {}) == {i: form_scalar(v) for i, v in enumerate(value)} or value == []
        else:
            assert parsed[key] == form_scalar(value)
            if type(value) is int or isinstance(value, EvilInt):
                assert parsed[key] == int.__repr__(value)


# -- the text rule ------------------------------------------------------------------------------------------

_RULES = [(None, True), (5, True), (5, False), (None, False), (0, True), (0, False)]
_CHARS = st.sampled_from(["", " ", "\t", "\x1c", "\x1f", "\x85", "\xa0", "a", "\0", "é", "\ud800", "\u2028"])


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args, **kwargs))
    except ValidationError as exc:
        return ("refused", (exc.field, exc.rule))
    except DecodeError as exc:
        return ("undecodable", exc.reason)
    except (TypeError, ValueError, ArithmeticError) as exc:
        return ("raised", type(exc).__name__)


@given(st.lists(_CHARS, max_size=7).map("".join), st.sampled_from(_RULES))
@example("\x1c\x1d\x1e\x1f", (None, False))  # ASCII separators: whitespace to str.strip and isspace alike
@example("     ", (5, False))
@example("      ", (5, True))
@example("a\0", (None, True))
@settings(max_examples=400)
def test_the_text_rule_in_place_gives_what_the_full_check_gives(
    value: str, rule: tuple[int | None, bool]
) -> None:
    max_len, allow_empty = rule
    fast = _fields.text(max_len, allow_empty=allow_empty)
    assert _outcome(fast, value, "f") == _outcome(
        _checks.text, value, "f", max_len=max_len, allow_empty=allow_empty
    )
    sub = EvilStr(value)
    assert _outcome(fast, sub, "f") == _outcome(
        _checks.text, sub, "f", max_len=max_len, allow_empty=allow_empty
    )


# -- to_cents in place -------------------------------------------------------------------------------------


def _full_cents(value: object, allow_negative: bool) -> int:
    amount = _money.money(value, "f", allow_negative=allow_negative)
    cents = amount.scaleb(2, _money.EXACT)
    if cents != cents.to_integral_value(context=_money.EXACT):
        raise ValidationError("f", f"{amount} has a fraction of a cent; round it before sending")
    return int(cents)


amounts = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**16), max_value=10**16),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.builds(lambda d, e: Decimal(d).scaleb(e), st.integers(-(10**6), 10**6), st.integers(-20, 20)),
)


@given(amounts, st.booleans())
@example(True, True)
@example(EvilInt(5), True)
@example(10**15, False)
@example(10**15 + 1, True)
@example(-(10**15), True)
@example(-1, False)
@example(Decimal("-0"), False)
@example(Decimal("-0.00"), False)
@example(Decimal("0E-5"), True)
@example(Decimal("1.10"), True)
@example(Decimal("1.001"), True)
@example(Decimal("1E+15"), True)
@example(Decimal("1E+16"), True)
@example(Decimal("0E+16"), True)
@example(Decimal("1000000000000000.01"), True)
@example(Decimal("sNaN"), True)
@example(Decimal("-Infinity"), True)
@example(1.0, True)
@settings(max_examples=400)
def test_to_cents_in_place_gives_what_the_full_checks_give(value: Any, allow_negative: bool) -> None:
    assert _outcome(_money.to_cents, value, "f", allow_negative=allow_negative) == _outcome(
        _full_cents, value, allow_negative
    )


# -- whole() of an answer's int -----------------------------------------------------------------------------


@given(st.one_of(st.integers(), st.integers(min_value=-(10**41), max_value=10**41)))
@example(10**40 - 1)
@example(10**40)
@example(-(10**40) + 1)
@example(-(10**40))
@example(0)
@example(True)
@example(EvilInt(3))
def test_whole_of_an_int_gives_what_the_decimal_round_trip_gives(value: int) -> None:
    def round_trip(v: Any) -> int:
        if isinstance(v, bool):
            raise TypeError("a bool")
        number = Decimal(str(v).strip())  # what whole() did for every int before hot2
        if number and number.adjusted() >= 40:
            raise ValueError("too long")
        return int(number)

    assert _outcome(whole, value) == _outcome(round_trip, value)


# -- Payabli's update answer -------------------------------------------------------------------------------

_JSONISH = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.text(max_size=3),
    st.decimals(allow_nan=False, places=1, min_value=-3, max_value=3),
    st.lists(st.integers(), max_size=1),
    st.just(UNSET),  # stands for "missing"
)


@given(
    st.fixed_dictionaries({k: _JSONISH for k in ("responseCode", "responseData", "responseText", "roomId")})
)
@example({"responseCode": 1, "responseData": True, "responseText": "ok", "roomId": 0})
@example({"responseCode": 1, "responseData": "x", "responseText": "ok", "roomId": UNSET})
@example({"responseCode": True, "responseData": 1, "responseText": "ok", "roomId": 0})
@settings(max_examples=300)
def test_payabli_update_answer_in_place_gives_what_the_key_by_key_checks_give(keys: dict[str, Any]) -> None:
    answer = {"isSuccess": True, **{k: v for k, v in keys.items() if v is not UNSET}, "extra": 1}
    bad = [k for k, (_, fits) in _REQUIRED_ANSWER.items() if not fits(answer.get(k))]
    outcome = _outcome(parse_update, answer)
    if bad:
        assert outcome[0] == "undecodable"
        assert outcome[1].startswith("the answer does not fit") or bad[0] in outcome[1]
    else:
        assert outcome[0] == "ok"
        assert outcome[1].response_code == answer["responseCode"]
        assert outcome[1].room_id == answer["roomId"]


@pytest.mark.parametrize("flag", [1, "true", None, False, 1.0])
def test_payabli_success_is_json_true_only_even_with_every_key_of_the_right_type(flag: object) -> None:
    answer = {"isSuccess": flag, "responseCode": 1, "responseData": "x", "responseText": "ok", "roomId": 0}
    with pytest.raises(DecodeError):
        parse_update(answer)


# -- URLs from their text ---------------------------------------------------------------------------------

_BASES = [
    "https://api.test",
    "https://api.test/v1",
    "https://api.test/v%201/a%2Fb",
    "https://bücher.example:8443/p",
    "http://127.0.0.1:1",
    "https://[::1]:8080/a",
    "https://API.Test/A%2f",
]
_TEMPLATES = ["/invoices/{id}/pdf", "/Invoice/{id}", "/invoices/{id}", "/includes/api.php"]
ids = st.one_of(
    st.text(min_size=1, max_size=8),
    st.sampled_from(
        ["a b", "%", "%2F", "/", "?", "#", "...", "é", "e\u0301", "ﬁ", "a?b#c", "@:", "[]", "\\"]
    ),
    st.integers(1, 10**6),
)


@given(ids, st.sampled_from(_BASES), st.sampled_from(_TEMPLATES))
@example("a?b#c", "https://api.test/v%201/a%2Fb", "/invoices/{id}/pdf")
@settings(max_examples=300, deadline=None)
def test_a_url_without_a_query_is_what_the_keyword_path_made(id_: object, base: str, template: str) -> None:
    try:
        call: Call[Any] = Call("GET", template, parse=lambda d: d, ids={"id": id_})
    except ValidationError:
        return  # refused before any URL is made, on both paths
    with ExitStack() as stack:
        request = build_request(
            call, base_url=base, headers={}, boundary="b", stack=stack, timeout=httpx.Timeout(1)
        )
    keyword_path = httpx.URL(base.rstrip("/") + call.path, params=None)
    for part in ("scheme", "raw_host", "port", "raw_path"):
        assert getattr(request.url, part) == getattr(keyword_path, part)
    assert str(request.url) == str(keyword_path)
    assert b"?" not in request.url.raw_path
    assert request.url.fragment == ""
    if "{id}" in template:
        assert request.url.raw_path.endswith(
            quote(str(id_), safe="!$&'()*+,;=:@").encode() + template.split("}")[1].encode()
        )


# -- write_values: the update keywords without the frozen model --------------------------------------------

_ODD: list[object] = [
    None, UNSET, "", " ", "x", "a\0b", "é", "\ud800", EvilStr("abc"), 1, True, Decimal("1.5"), 1.5, [],
    ["a@b.co"], ["bad"], {}, {"a": "b"}, {"": "b"}, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2), "x" * 300,
    b"x", Decimal("10.005"), 10**20, {1: ItemChange(description="d", amount=1, taxed=False)},
    [NewItem(description="d", amount=2, taxed=True)], [1, 1], [True], "Paid",
]  # fmt: skip


@pytest.mark.parametrize("model", [sb_models._Update, wh_models._Update], ids=["salesbricks", "whmcs"])
def test_write_values_gives_what_the_frozen_model_gives_for_every_keyword(model: type) -> None:
    names = [a for a in _fields._names(model)]
    for name in names:
        for value in _ODD:
            values: dict[str, object] = {**dict.fromkeys(names, UNSET), name: value}
            fast = _outcome(_fields.write_values, model, values)
            full = _outcome(lambda v: _fields.write(model(**v)), values)
            assert fast == full, (name, value)


@pytest.mark.parametrize("model", [sb_models._Update, wh_models._Update], ids=["salesbricks", "whmcs"])
def test_write_values_with_a_misspelt_or_missing_keyword_is_what_the_model_says(model: type) -> None:
    names = list(_fields._names(model))
    with pytest.raises(TypeError):
        _fields.write_values(model, {**dict.fromkeys(names, UNSET), "misspelt": 1})
    missing = dict.fromkeys(names[1:], UNSET)
    assert _fields.write_values(model, missing) == _fields.write(model(**missing)) == {}


# -- some_change without probes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "changed"),
    [
        ([], False),
        ([UNSET], False),
        ([UNSET, UNSET], False),
        ([""], True),
        ([()], True),
        ([[]], True),
        ([{}], True),
        ([None], True),
        ([False], True),
        ([0], True),
        ([Decimal(0)], True),
        ([EvilStr("")], True),
        ([UNSET, ("name", "")], True),
        ([wh_models._Update()], False),
        ([sb_models._Update(company_name="x")], True),
    ],
)
def test_some_change_reads_plain_data_as_a_change(changes: list[object], changed: bool) -> None:
    if changed:
        _checks.some_change(changes)
    else:
        with pytest.raises(ValidationError) as caught:
            _checks.some_change(changes)
        assert caught.value.field == "update"


# -- whole Decimals in JSON --------------------------------------------------------------------------------


class OddDecimal(Decimal):
    def __str__(self) -> str:
        return "evil"

    def __format__(self, spec: str, context: Any = None, /) -> str:
        return "evil"


@pytest.mark.parametrize(
    "text",
    ["1", "-1", "0", "-0", "0E-5", "-0E-5", "1.000", "1E+2", "-1E+2", "1E+30", "1E+308", "9.99E+308",
     "0E+999999999", "-0E+3", "100E-2", "1E+19", "-1E+19", "18446744073709551616",
     "123456789012345678901234567890E+5"],
)  # fmt: skip
def test_a_whole_decimal_is_written_as_its_exact_digits_on_both_paths(text: str, json_path: str) -> None:
    for number in (Decimal(text), OddDecimal(text)):
        for doc in ({"a": number}, [number, {"b": [number]}], {"a": number, "big": 2**70}, [number, 1e-7]):
            with ExitStack() as stack:
                stream = JsonStream(doc, stack)
                data = b"".join(stream)
            assert stream.length == len(data)
            digits = format(Decimal(text), "f")
            digits = "0" if digits in {"-0", "0"} else digits
            assert digits.encode() in data
            assert json.loads(data, parse_float=Decimal) == json.loads(
                json.dumps(doc, default=lambda d: "§", separators=(",", ":"), ensure_ascii=False).replace(
                    '"§"', digits
                ),
                parse_float=Decimal,
            )


@pytest.mark.parametrize("text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+309", "1E+999999"])
def test_a_decimal_that_is_not_a_json_number_is_refused_on_both_paths(text: str, json_path: str) -> None:
    for number in (Decimal(text), OddDecimal(text)):
        with ExitStack() as stack, pytest.raises(ValidationError) as caught:
            JsonStream({"a": [number]}, stack)
        assert caught.value.field == "body"
