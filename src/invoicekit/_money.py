"""Money is Decimal in the public API; these turn it into what each wire wants, refusing floats."""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation
from typing import cast

from ._errors import ValidationError

__all__ = [
    "EXACT",
    "MAX_AMOUNT",
    "MAX_DIGITS",
    "MAX_PLACES",
    "bounded",
    "decimal_text",
    "money",
    "scalar_text",
    "to_cents",
]

#: Every amount (and quantity) is at most this in magnitude: no invoice needs more, and a number beyond
#: it is a mistake, not money (``10**5000`` would be 5,001 digits on the wire, ``Decimal("1E+999999999")``
#: a billion). Providers may hold less; this is the core's outer bound, checked before any request.
MAX_AMOUNT = Decimal(10) ** 15
_MAX_INT = 10**15  # MAX_AMOUNT as an int
#: The most decimal places an amount (or quantity) may carry.
MAX_PLACES = 12
#: The most digits a number that need not be money is written with (Python's own int/str limit).
MAX_DIGITS = 4300
#: The context of every computation on an amount (cents from units and back): never the caller's, whose
#: precision (``getcontext().prec = 2``) would round 12.50 to 12 and whose traps (``Inexact``) would
#: raise a decimal signal from a call. 64 digits hold any bounded amount, or any cents read (40 digits).
EXACT = Context(prec=64, traps=[InvalidOperation])


def money(value: object, field: str, *, allow_negative: bool = True, generic: bool = False) -> Decimal:
    """Check *value* is money (Decimal or int, finite, within :func:`bounded`) and return it as a Decimal.

    Floats are refused: ``0.1 + 0.2`` is not ``0.3``, and an invoice must add up exactly. *generic* is
    for a number that need not be money (a pass-through parameter): only its written length is bounded,
    to :data:`MAX_DIGITS` digits.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        kind = type(value).__name__
        raise ValidationError(field, f"money must be a decimal.Decimal or an int, not {kind}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValidationError(field, "money must be a finite number")
    if generic:
        exponent = cast(int, amount.as_tuple().exponent)
        if len(amount.as_tuple().digits) + abs(exponent) > MAX_DIGITS:
            raise ValidationError(field, f"a number written with more than {MAX_DIGITS} digits")
    else:
        bounded(amount, field)
    if not allow_negative and amount < 0:
        raise ValidationError(field, "must not be negative")
    return amount


def bounded(number: Decimal, field: str) -> Decimal:
    """Refuse a finite number outside the core's bounds (:data:`MAX_AMOUNT`, :data:`MAX_PLACES`)."""
    exponent = cast(int, number.as_tuple().exponent)  # an int for every finite number
    if exponent > 15 or number.copy_abs() > MAX_AMOUNT:  # copy_abs: no context, no Overflow
        digits = number.adjusted() + 1
        raise ValidationError(field, f"must be at most 10**15 in magnitude ({digits} digits given)")
    if exponent < -MAX_PLACES:
        raise ValidationError(field, f"at most {MAX_PLACES} decimal places ({-exponent} given)")
    return number


def to_cents(value: object, field: str, *, allow_negative: bool = True) -> int:
    """Money as integer cents; an amount with a fraction of a cent is refused, not rounded."""
    # The usual amounts, in place: a plain int, or a plain Decimal of at most two places, within the
    # bounds (what the full checks below would accept, as the same cents). Anything else takes them.
    if type(value) is int:
        if -_MAX_INT <= value <= _MAX_INT and (allow_negative or value >= 0):
            return value * 100
    elif type(value) is Decimal:
        exponent = value.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and -2 <= exponent <= 15
            and value.copy_abs() <= MAX_AMOUNT
            and (allow_negative or not value < 0)
        ):
            return int(value.scaleb(2, EXACT))
    amount = money(value, field, allow_negative=allow_negative)
    try:
        cents = amount.scaleb(2, EXACT)
        if cents != cents.to_integral_value(context=EXACT):
            raise ValidationError(field, f"{amount} has a fraction of a cent; round it before sending")
        return int(cents)
    except InvalidOperation as exc:  # pragma: no cover - scaleb on a finite Decimal does not fail
        raise ValidationError(field, "not a representable amount") from exc


def cents_inline(allow_negative: bool = True) -> tuple[str, str, dict[str, object]]:
    """:func:`to_cents`' usual amounts (its first two tests) as code for a generated writer: the test of
    ``{v}``, the cents it gives, and the names they use (see ``_fields.Inline``)."""
    int_sign = "" if allow_negative else " and {v} >= 0"
    dec_sign = "" if allow_negative else " and not {v} < 0"
    test = (
        f"((type({{v}}) is int and -{_MAX_INT} <= {{v}} <= {_MAX_INT}{int_sign})"
        " or (type({v}) is _ik_Decimal and {v}.is_finite() and -2 <= {v}.as_tuple().exponent <= 15"
        f" and {{v}}.copy_abs() <= _ik_MAX_AMOUNT{dec_sign}))"
    )
    value = "({v} * 100 if type({v}) is int else int({v}.scaleb(2, _ik_EXACT)))"
    return test, value, {"_ik_Decimal": Decimal, "_ik_EXACT": EXACT, "_ik_MAX_AMOUNT": MAX_AMOUNT}


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation (``1E+2`` becomes ``100``), exactly the digits given."""
    text = Decimal.__format__(value, "f")  # not format(): a Decimal subclass may write something else
    return "0" if text in {"-0", "+0"} else text


def scalar_text(value: object) -> str:
    """*value* as text; an ``int`` or ``str`` (subclass) as what it holds, never its own ``__str__``
    (a subclass that writes ``"evil"`` for 42 was checked as 42 and is sent as 42)."""
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)
