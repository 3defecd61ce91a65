"""Salesbricks' answers: Django REST Framework errors and the update's result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from .._answers import Failure, excerpt
from .._read import reader
from ._models import InvoiceUpdateResult

__all__ = ["keyed_result", "parse_result", "read_error"]

_READ: Final = reader(InvoiceUpdateResult)


def read_error(status: int, data: Any) -> Failure:
    """Read a Django REST Framework error answer: ``{"detail": "..."}`` (a ``code`` beside it is not a
    field), ``{"field": ["msg", ...]}`` (nested for list items and objects), ``{"non_field_errors": [...]}``
    or a bare list of messages. Field messages land in ``errors`` under dotted paths.
    """
    if isinstance(data, str) and data.strip():
        return Failure(excerpt(data))
    if not isinstance(data, dict | list):
        return Failure(f"HTTP {status} with no message")
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str) and isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "detail" and isinstance(v, list | dict)}
    errors: dict[str, list[str]] = {}
    _flatten_errors(data, "", errors)
    parts = [f"{k}: {'; '.join(v)}" if k != "non_field_errors" else "; ".join(v) for k, v in errors.items()]
    message = "; ".join(([detail] if isinstance(detail, str) else []) + parts)
    return Failure(excerpt(message, 500) if message else f"HTTP {status} with no message", errors=errors)


def _flatten_errors(value: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_errors(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        out.setdefault(path or "non_field_errors", []).extend(value)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item:  # DRF puts {} for the list items that were fine
                _flatten_errors(item, f"{path}[{index}]", out)
    elif value is not None:
        out.setdefault(path or "non_field_errors", []).append(str(value))


def parse_result(data: Any) -> InvoiceUpdateResult:
    return _READ(data)


def keyed_result(key: str) -> Callable[[Any], InvoiceUpdateResult]:
    def parse(data: Any) -> InvoiceUpdateResult:
        result = _READ(data)
        # The result was made just now and no one else holds it: the key is set in place (what
        # attrs.evolve would copy the whole result for, ~10x the cost).
        object.__setattr__(result, "idempotency_key", key)
        return result

    return parse
