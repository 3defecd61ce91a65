"""Money and the shared input checks."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from invoicekit import ValidationError
from invoicekit import _checks as checks
from invoicekit._money import decimal_text, money, to_cents


@pytest.mark.parametrize(
    "bad", [1.5, True, "1.00", None, Decimal("NaN"), Decimal("Infinity"), Decimal("sNaN")]
)
def test_money_refuses_non_decimals(bad: object) -> None:
    """Floats, bools, strings and non-finite Decimals are refused, naming the field."""
    with pytest.raises(ValidationError, match=r"^price: "):
        money(bad, "price")


def test_money_accepts_int_and_decimal() -> None:
    """An int or a Decimal comes back as the same Decimal."""
    assert money(3, "x") == Decimal(3)
    assert money(Decimal("2.50"), "x") == Decimal("2.50")


def test_negative_money_can_be_refused() -> None:
    """allow_negative=False refuses a negative amount."""
    with pytest.raises(ValidationError, match="negative"):
        money(Decimal("-1"), "x", allow_negative=False)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**13), max_value=10**13))
def test_cents_round_trip(amount: Decimal) -> None:
    """Any amount with at most two places becomes integer cents exactly."""
    assert Decimal(to_cents(amount, "x")) / 100 == amount


def test_sub_cent_amounts_are_refused() -> None:
    """A fraction of a cent is an error, never silently rounded."""
    with pytest.raises(ValidationError, match="fraction of a cent"):
        to_cents(Decimal("1.005"), "total")
    assert to_cents(Decimal("1.500"), "total") == 150


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1E+2"), "100"), (Decimal("0.10"), "0.10"), (Decimal("-0"), "0"), (Decimal("-2.5"), "-2.5")],
)
def test_decimal_text_is_plain(value: Decimal, text: str) -> None:
    """No exponent notation; the digits given are kept."""
    assert decimal_text(value) == text


def test_int_id() -> None:
    """Positive ints pass; bools, strings, zero and huge values are refused."""
    assert checks.int_id(42, "id") == 42
    for bad in (True, "42", 0, -1, 2**63, 4.0):
        with pytest.raises(ValidationError, match=r"^id: "):
            checks.int_id(bad, "id")


def test_text_limits() -> None:
    """Length, emptiness, NUL and type are checked."""
    assert checks.text("abc", "name", max_len=3) == "abc"
    with pytest.raises(ValidationError, match="at most 3"):
        checks.text("abcd", "name", max_len=3)
    with pytest.raises(ValidationError, match="empty"):
        checks.text(" ", "name", allow_empty=False)
    with pytest.raises(ValidationError, match="NUL"):
        checks.text("a\0", "name")
    with pytest.raises(ValidationError, match="must be a str"):
        checks.text(5, "name")


@pytest.mark.parametrize("bad", ["a", "a@b", "a b@c.io", "@c.io", "a@b@c.io", "a@c.io, b@c.io", "a@c.i"])
def test_email_refuses(bad: str) -> None:
    """Things that are not one address are refused."""
    with pytest.raises(ValidationError, match="not an email"):
        checks.email(bad, "emails[0]")


def test_email_accepts() -> None:
    """Ordinary addresses pass."""
    assert checks.email("ap+inv@acme-corp.co.uk", "e") == "ap+inv@acme-corp.co.uk"


def test_date_refuses_datetime() -> None:
    """A datetime would lose its time silently, so it is refused; a date passes."""
    assert checks.date(dt.date(2026, 1, 2), "due") == dt.date(2026, 1, 2)
    with pytest.raises(ValidationError, match=r"datetime\.date"):
        checks.date(dt.datetime(2026, 1, 2), "due")
    with pytest.raises(ValidationError):
        checks.date("2026-01-02", "due")


def test_boolean_choice_uuid() -> None:
    """Strict bools, closed choices and UUIDs."""
    assert checks.boolean(False, "b") is False
    with pytest.raises(ValidationError):
        checks.boolean("false", "b")
    assert checks.choice("Paid", "status", ("Paid", "Unpaid")) == "Paid"
    with pytest.raises(ValidationError, match="not one of"):
        checks.choice("paid", "status", ("Paid", "Unpaid"))
    u = uuid.uuid4()
    assert checks.uuid_text(str(u).upper(), "id") == str(u)
    assert checks.uuid_text(u, "id") == str(u)
    with pytest.raises(ValidationError, match="not a UUID"):
        checks.uuid_text("nope", "id")


@pytest.mark.parametrize("bad", ["a\r\nX-Evil: 1", "clé", " padded", "padded ", "", "tab\there\x00"])
def test_header_value_refuses_what_http_cannot_carry(bad: str) -> None:
    """CR/LF, non-ASCII and edge spaces are refused, naming the field and the header, never the value."""
    with pytest.raises(ValidationError, match="X-Key header") as info:
        checks.header_value(bad, "api_key", "X-Key")
    assert info.value.field == "api_key"
    assert bad.strip() == "" or bad not in str(info.value)


def test_header_value_accepts_printable_ascii() -> None:
    """Printable ASCII with inner spaces passes unchanged."""
    assert checks.header_value("k3y with inner space!", "api_key", "X-Key") == "k3y with inner space!"


def _cents_as_documented(value: object, allow_negative: bool) -> int | str:
    """The cents rule written out from its documentation, as the judge of to_cents' fast paths: the
    cents, or the refusal (``"refused"``)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return "refused"
    amount = Decimal(value)
    if not amount.is_finite():
        return "refused"
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent > 15 or abs(amount) > Decimal(10) ** 15 or exponent < -12:
        return "refused"
    if not allow_negative and amount < 0:
        return "refused"
    cents = amount * 100
    if cents != cents.to_integral_value():
        return "refused"
    return int(cents)


@given(
    st.integers(min_value=-(10**17), max_value=10**17)
    | st.decimals(allow_nan=True, allow_infinity=True, places=None)
    | st.decimals(min_value=-(10**16), max_value=10**16, places=2)
    | st.sampled_from(
        [
            Decimal("-0"),
            Decimal("-0.00"),
            Decimal("1E+15"),
            Decimal("1E+16"),
            Decimal("1.000"),
            Decimal("0E+20"),
            Decimal("-1E+15"),
            10**15,
            -(10**15),
            10**15 + 1,
            True,
        ]
    ),
    st.booleans(),
)
@example(10**15, True)
@example(10**15 + 1, True)
@example(-1, False)
@example(Decimal("-0"), False)
@example(Decimal("-0.01"), False)
@example(Decimal("1E+15"), True)
@example(Decimal("1.005"), True)
@example(Decimal("1.000"), True)
def test_to_cents_fast_paths_agree_with_the_rule(value: object, allow_negative: bool) -> None:
    """Plain ints and Decimals of at most two places are converted in place; every value gets the cents
    (or the refusal, naming the field) the documented rule gives."""
    expected = _cents_as_documented(value, allow_negative)
    if expected == "refused":
        with pytest.raises(ValidationError, match=r"^amount: "):
            to_cents(value, "amount", allow_negative=allow_negative)
    else:
        got = to_cents(value, "amount", allow_negative=allow_negative)
        assert got == expected
        assert type(got) is int
