"""PHP-style forms: ``php_form`` + ``urlencoded`` read back by a PHP-faithful parser (tests/phpform.py)."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from invoicekit import UNSET, ValidationError
from invoicekit._forms import check_form_size, form_scalar, php_form, urlencoded
from phpform import parse_str, php_key

_MISSING = object()


def test_flattening_matches_http_build_query() -> None:
    """Mappings nest as a[k], lists as a[0]..., bools 1/0; None and UNSET dropped, "" kept."""
    pairs = php_form(
        {
            "action": "UpdateInvoice",
            "itemdescription": {13: "Hosting"},
            "itemtaxed": {13: False},
            "deletelineids": [4, 5],
            "notes": "",
            "status": None,
            "duedate": UNSET,
            "deep": {"a": [{"b": True}]},
        }
    )
    assert pairs == [
        ("action", "UpdateInvoice"),
        ("itemdescription[13]", "Hosting"),
        ("itemtaxed[13]", "0"),
        ("deletelineids[0]", "4"),
        ("deletelineids[1]", "5"),
        ("notes", ""),
        ("deep[a][0][b]", "1"),
    ]


def test_body_is_the_whmcs_documented_wire_form() -> None:
    """The UpdateInvoice example goes on the wire as PHP's http_build_query writes it (%5B, %5D, +)."""
    body = urlencoded(
        php_form(
            {
                "itemdescription": {13: "Sample Updated Invoice Item"},
                "itemamount": {13: Decimal("16.95")},
                "itemtaxed": {13: False},
                "newitemtaxed": [True, False],
            }
        )
    )
    assert body == (
        b"itemdescription%5B13%5D=Sample+Updated+Invoice+Item&itemamount%5B13%5D=16.95&itemtaxed%5B13%5D=0"
        b"&newitemtaxed%5B0%5D=1&newitemtaxed%5B1%5D=0"
    )


def test_scalars() -> None:
    """Decimal in plain notation (never 1E+2), dates ISO, floats refused."""
    assert form_scalar(Decimal("1E+2")) == "100"
    assert form_scalar(Decimal("0.000001")) == "0.000001"
    assert form_scalar(dt.date(2024, 2, 29)) == "2024-02-29"
    assert form_scalar(True) == "1"
    with pytest.raises(TypeError):
        form_scalar(0.1)


def test_the_parser_reads_as_php_does() -> None:
    """The test parser itself: PHP's name mangling, appends, canonical int keys, scalars replaced."""
    parsed = parse_str("a.b=1&c[d=2&e[]=x&e[]=y&f=1&f[g]=2&h[i][j=3&k[013]=4&k[13]=5&+l=6")
    assert parsed == {
        "a_b": "1",
        "c_d": "2",
        "e": {0: "x", 1: "y"},
        "f": {"g": "2"},
        "h": {"i": "3"},
        "k": {"013": "4", 13: "5"},
        "l": "6",
    }
    assert parse_str("a=1&b=2&c=3", max_input_vars=2) == {"a": "1", "b": "2"}


_SCALAR = st.one_of(
    st.text(),
    st.integers(),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.dates(),
    st.none(),
    st.just(UNSET),
)
# Nested keys: ints, or strings PHP keeps as strings (no brackets, no NUL, not a canonical int).
_KEYS = st.one_of(
    st.integers(min_value=-(2**62), max_value=2**62),
    st.text(min_size=1, max_size=8).filter(
        lambda s: not any(c in s for c in "[]\0") and isinstance(php_key(s), str)
    ),
)
_VALUES = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)
_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


def _expected(value: Any) -> Any:
    """What PHP should hold for *value*: arrays as dicts, empty arrays and None/UNSET absent."""
    if value is None or value is UNSET:
        return _MISSING
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        out = {k: e for k, e in ((k, _expected(v)) for k, v in value.items()) if e is not _MISSING}
        return out or _MISSING
    return value


def _same(parsed: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        if not isinstance(parsed, dict) or list(parsed) != list(expected):
            return False
        return all(_same(parsed[k], expected[k]) for k in expected)
    if isinstance(expected, bool):
        return bool(parsed == ("1" if expected else "0"))
    if isinstance(expected, Decimal):  # same value, plain notation
        return bool(re.fullmatch(r"-?\d+(\.\d+)?", parsed)) and Decimal(parsed) == expected
    if isinstance(expected, dt.date):
        return bool(parsed == expected.isoformat())
    return bool(parsed == str(expected))


@given(st.dictionaries(_NAMES, _VALUES, max_size=6))
def test_php_form_round_trips_through_php_parse_str(fields: dict[str, Any]) -> None:
    """Any nested dict/list of str/int/bool/Decimal/date reads back in PHP as the same nested arrays."""
    parsed = parse_str(urlencoded(php_form(fields)))
    expected = _expected(fields)
    assert _same(parsed, {} if expected is _MISSING else expected), (parsed, expected)


def test_ints_are_written_as_their_digits() -> None:
    """A plain int (in place) and an int subclass (through form_scalar) are both written as the digits
    they hold, never a subclass's own text; a bool stays 1/0."""

    class Loud(int):
        def __repr__(self) -> str:
            return "evil"

        __str__ = __repr__

    assert php_form({"a": 42, "b": -(10**20), "c": Loud(7), "d": True, "e": [0]}) == [
        ("a", "42"),
        ("b", "-100000000000000000000"),
        ("c", "7"),
        ("d", "1"),
        ("e[0]", "0"),
    ]


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


@given(st.lists(st.tuples(_TEXT, _TEXT), max_size=6))
@example([("a b", "x+y&z=1/2"), ("k[0]", "~.-_"), ("", ""), ("é", "\U0001f600 €")])
@example([("all", "".join(chr(c) for c in range(1, 128)))])
def test_urlencoded_writes_what_urllib_urlencode_writes(pairs: list[tuple[str, str]]) -> None:
    """The encoder's own quoting (a translate for ASCII) is urllib's quote_plus, byte for byte."""
    from urllib.parse import urlencode

    assert urlencoded(pairs) == urlencode(pairs).encode("ascii")


@given(_TEXT.filter(lambda s: s.strip() and not any(c in s for c in "\r\n\0")))
@example("s3cr+t/wh=9")
@example("pässwörd €")
def test_a_secret_in_a_form_is_written_as_its_text_and_shown_masked(value: str) -> None:
    from urllib.parse import urlencode

    from invoicekit._auth import Secret

    pairs = php_form({"a": "1", "secret": Secret(value)})
    assert pairs == [("a", "1"), ("secret", Secret(value))]
    assert repr(pairs[1]) == "('secret', Secret('***'))"  # masked until the encoder writes it
    assert urlencoded(pairs) == urlencode([("a", "1"), ("secret", value)]).encode("ascii")
    assert parse_str(urlencoded(pairs))["secret"] == value  # PHP reads the credential back


def test_check_form_size_refuses_past_the_limit_naming_field_and_limit() -> None:
    """A form at the limit passes; one pair more is refused, naming the field, the count and the limit."""
    check_form_size(7, 7, "items")
    with pytest.raises(ValidationError) as caught:
        check_form_size(8, 7, "items")
    assert caught.value.field == "items"
    assert "needs 8 form fields (9 with an access key)" in str(caught.value)
    assert "max_input_vars (7 by default)" in str(caught.value)
    with pytest.raises(ValidationError) as counted:
        check_form_size(8, 7, "body", keyed=False)  # counted whole, access key included
    assert counted.value.field == "body"
    assert "needs 8 form fields, and PHP drops" in str(counted.value)
