"""Upflow's value types."""

from __future__ import annotations

import attrs

from .._checks import text
from .._repr import set_fields_repr

__all__ = ["EXTERNAL_PREFIX", "ExternalId"]

#: How Upflow addresses a record by the id it has in your own system: ``/invoices/external:<id>/pdf``.
EXTERNAL_PREFIX = "external:"


def _check_value(instance: ExternalId, attribute: attrs.Attribute[str], value: object) -> None:
    text(value, "external_id", allow_empty=False)


@set_fields_repr
@attrs.frozen(repr=False)
class ExternalId:
    """An invoice addressed by the id it has in your own system (ERP, accounting tool), not Upflow's id.

    ``str(ExternalId("ERP-42"))`` is ``"external:ERP-42"``, the form Upflow reads in a URL. The value is
    sent as typed, escaped inside its one path segment: ``ExternalId("A/B")`` addresses
    ``/invoices/external:A%2FB/pdf``, never another route. An empty or blank value raises
    :class:`invoicekit.ValidationError`.
    """

    value: str = attrs.field(validator=_check_value)

    def __str__(self) -> str:
        return EXTERNAL_PREFIX + self.value
