"""Upflow's value types."""

from __future__ import annotations

import attrs

from .._checks import text
from .._errors import ValidationError
from .._repr import set_fields_repr

__all__ = ["EXTERNAL_PREFIX", "ExternalId", "invoice_segment"]

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


def invoice_segment(invoice: str | ExternalId) -> str:
    """The ``{invoiceId}`` path value: Upflow's id as given, or ``external:<id>`` for an external id.

    A plain string that already starts with ``external:`` is how Upflow's own docs address an external
    id, and Upflow reads it that way whatever we do, so it is accepted as one: ``"external:A/B"`` sends
    exactly what ``ExternalId("A/B")`` sends. Escaping is the core's job: the whole value becomes one
    percent-encoded segment with ``:`` kept literal.
    """
    if (  # the usual id, in place: what text() accepts as it is, not an external id
        type(invoice) is str
        and invoice.isascii()
        and "\0" not in invoice
        and not invoice.isspace()
        and invoice
        and not invoice.startswith(EXTERNAL_PREFIX)
    ):
        return invoice
    if isinstance(invoice, ExternalId):
        return str(invoice)
    value = text(invoice, "invoice", allow_empty=False)
    if value.startswith(EXTERNAL_PREFIX) and not value[len(EXTERNAL_PREFIX) :].strip():
        raise ValidationError("invoice", f"{value!r} names no external id after {EXTERNAL_PREFIX!r}")
    return value
