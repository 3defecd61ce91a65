"""The one sentinel: a field left `UNSET` is not sent, so the provider leaves it alone."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias, TypeGuard, TypeVar

__all__ = ["UNSET", "Unset", "is_set"]

T = TypeVar("T")


class _UnsetType(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _UnsetType.UNSET
"""Default of every optional update field: the key is not sent and the provider keeps its value.

``None`` is different: it asks the provider to *clear* the field (see each provider's page).
"""

Unset: TypeAlias = Literal[_UnsetType.UNSET]
"""The type of :data:`UNSET`, for annotations: ``due_at: date | Unset = UNSET``."""


def is_set(value: T | Unset) -> TypeGuard[T]:
    """Tell whether *value* was given (anything but :data:`UNSET`, ``None`` included)."""
    return value is not UNSET
