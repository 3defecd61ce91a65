"""Money is Decimal in the public API; these turn it into what each wire wants, refusing floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ._errors import ValidationError

__all__ = ["decimal_text", "money", "to_cents"]


def money(value: object, field: str, *, allow_negative: bool = True) -> Decimal:
    """Check *value* is money (Decimal or int, finite) and return it as a Decimal.

    Floats are refused: ``0.1 + 0.2`` is not ``0.3``, and an invoice must add up exactly.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        kind = type(value).__name__
        raise ValidationError(field, f"money must be a decimal.Decimal or an int, not {kind}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValidationError(field, "money must be a finite number")
    if not allow_negative and amount < 0:
        raise ValidationError(field, "must not be negative")
    return amount


def to_cents(value: object, field: str, *, allow_negative: bool = True) -> int:
    """Money as integer cents; an amount with a fraction of a cent is refused, not rounded."""
    amount = money(value, field, allow_negative=allow_negative)
    try:
        cents = amount.scaleb(2)
        if cents != cents.to_integral_value():
            raise ValidationError(field, f"{amount} has a fraction of a cent; round it before sending")
        return int(cents)
    except InvalidOperation as exc:  # pragma: no cover - scaleb on a finite Decimal does not fail
        raise ValidationError(field, "not a representable amount") from exc


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation (``1E+2`` becomes ``100``), exactly the digits given."""
    text = format(value, "f")
    return "0" if text in {"-0", "+0"} else text
