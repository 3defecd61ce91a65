"""Salesbricks' attachment-list items (:class:`Keep`, :class:`Add`), which a common first call does not need:
loaded on first use (``salesbricks.Keep``, ``from invoicekit.salesbricks import Add``, or the call that
checks an attachment list). Declared exactly as the models of :mod:`invoicekit.salesbricks._models`.
"""

from __future__ import annotations

import attrs

from .._files import File, FileInput  # noqa: F401 (attrs' __init__ annotates file with _file's FileInput)
from .._registry import publish_parts
from .._repr import set_fields_repr
from . import _models
from ._models import Target, _attachment_id, _file, _target

__all__ = ["Add", "Keep"]


@set_fields_repr
@attrs.frozen(repr=False)
class Keep:
    """Keep an existing attachment (by its ``attachment_id``) at this place in the list.

    *target* moves it to ``"invoice"`` (this invoice only, the default) or ``"subscription"`` (every
    future invoice of the subscription).
    """

    attachment_id: str = attrs.field(validator=_attachment_id)
    target: Target = attrs.field(default="invoice", validator=_target)


@set_fields_repr
@attrs.frozen(repr=False)
class Add:
    """Upload a new PDF at this place in the list. *file* is a path, bytes, a binary file or a
    :class:`~invoicekit.File`; *target* is ``"invoice"`` (default) or ``"subscription"``.
    """

    file: File = attrs.field(converter=_file)
    target: Target = attrs.field(default="invoice", validator=_target)


# Every name here is a name of _models too, and of _client once it is loaded (their annotations name them).
publish_parts(globals(), _models)
