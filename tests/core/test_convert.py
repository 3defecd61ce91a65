"""Wire names, the ``extra`` bag and the readers' shared helpers; answers are read by ``_read.reader``.

(The cattrs converter this file once tested is gone: requests are written by the field layer, answers
read by generated readers; tests/core/test_read.py compares those with the cattrs reading they replaced.)
"""

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import attrs
import pytest

from invoicekit import DecodeError
from invoicekit._convert import amount, camel, extra, iso_datetime, whole, wire
from invoicekit._read import reader


@attrs.frozen
class Answer:
    invoice_id: int
    created_at: dt.datetime | None = None
    total: Decimal | None = None
    additional_data: dict[str, Any] | None = attrs.field(default=None, metadata=wire("AdditionalData"))
    rest: dict[str, Any] = extra()


READ = reader(Answer, wire_name=camel)


def test_reading_answers_keeps_unknown_keys() -> None:
    """Dates with Z, Decimal numbers, wire names and unknown keys are read; unknown keys land in extra."""
    data = {
        "invoiceId": 4,
        "createdAt": "2026-01-02T03:04:05Z",
        "total": Decimal("1.10"),
        "AdditionalData": {"k": 1},
        "newThing": [1],
    }
    answer = READ(data)
    assert answer.invoice_id == 4
    assert answer.created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert answer.total == Decimal("1.10")
    assert answer.additional_data == {"k": 1}
    assert answer.rest == {"newThing": [1]}


def test_a_mismatch_is_a_decode_error() -> None:
    """A missing or wrongly typed key is a DecodeError that says where, never a library traceback."""
    with pytest.raises(DecodeError, match="Answer") as info:
        READ({"createdAt": "x"})
    assert "invoiceId" in str(info.value)
    with pytest.raises(DecodeError, match=r"ISO 8601 date-time, got a string @ \$\.createdAt"):
        READ({"invoiceId": 1, "createdAt": "x"})


def test_camel() -> None:
    """snake_case to camelCase."""
    assert camel("invoice_number") == "invoiceNumber"
    assert camel("id") == "id"
    assert camel("f_content") == "fContent"


def test_readers_are_independent() -> None:
    """Each reader has its own naming rule; nothing is global."""
    assert reader(Answer)({"invoice_id": 1}).invoice_id == 1
    with pytest.raises(DecodeError, match=r"missing @ \$\.invoiceId"):
        READ({"invoice_id": 1})


def test_small_readers() -> None:
    assert whole("12.0") == 12
    assert whole(7) == 7
    assert amount("1.50") == Decimal("1.50")
    for bad in (True, "NaN", "1e999", 1.5):
        with pytest.raises((TypeError, ValueError, ArithmeticError)):
            amount(bad)
    assert iso_datetime("2026-01-02T03:04:05Z").tzinfo == dt.timezone.utc


@pytest.mark.parametrize(
    "value", [0, 7, -7, 10**40 - 1, -(10**40) + 1, 10**40, -(10**40), 10**41, True, False]
)
def test_whole_reads_a_plain_int_as_the_decimal_round_trip_does(value: int) -> None:
    """A plain int within MAX_DIGITS digits is read in place; what it gives (or refuses) is what the
    round trip through Decimal text gives: 40 digits and more, and bools, are refused."""
    expected: object
    try:
        number = Decimal(str(value))
        ok = not isinstance(value, bool) and (not number or number.adjusted() < 40)
        expected = int(number) if ok else ValueError
    except ArithmeticError:
        expected = ValueError
    if expected is ValueError:
        with pytest.raises((TypeError, ValueError)):
            whole(value)
    else:
        got = whole(value)
        assert got == expected
        assert type(got) is int


class Freq(str, enum.Enum):
    WEEKLY = "weekly"


class Level(enum.Enum):
    HIGH = 2


def test_enums_reach_the_form_as_their_values() -> None:
    """Enum members are written as their values in forms."""
    from invoicekit._forms import php_form

    assert php_form({"freq": Freq.WEEKLY, "level": Level.HIGH}) == [("freq", "weekly"), ("level", "2")]
