"""Paths from templates: every ID is exactly one percent-encoded segment. Never ``urljoin``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from ._errors import ValidationError
from ._money import scalar_text

__all__ = ["render_path"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# RFC 3986 pchar minus what quote() keeps anyway. ":" and "@" stay literal (Upflow's "external:" ids);
# "/", "?", "#", "%" and spaces are escaped, so an ID can never add a segment, a query or a fragment.
_SEGMENT_SAFE = "!$&'()*+,;=:@"
_MAX_SEGMENT = 2048


#: What ``quote(raw, safe=_SEGMENT_SAFE)`` leaves as it is (unreserved characters and the safe ones): a
#: value made only of these is its own segment, with nothing to check but its length and ``.``/``..``.
_AS_IS = re.compile(r"[A-Za-z0-9_.\-~!$&'()*+,;=:@]+")
#: Each template split once: literal text at even indexes, ID names at odd ones.
_SPLIT: dict[str, list[str]] = {}


def render_path(template: str, ids: Mapping[str, object]) -> str:
    """Fill *template* (``/invoices/{invoice}/pdf``) with *ids*, each escaped as one path segment.

    Refuses an empty segment, ``.`` and ``..`` (which would change the route), control characters and
    overlong values, with a :class:`ValidationError` naming the ID.
    """
    parts = _SPLIT.get(template)
    if parts is None:
        parts = _PLACEHOLDER.split(template)
        if len(_SPLIT) < 512:  # templates are the providers' constants; a bound all the same
            _SPLIT[template] = parts
    if len(parts) == 1:
        return template
    if len(parts) == 3:  # one ID, as most templates have: no list to join, no call for a plain segment
        name = parts[1]
        value = ids[name]
        raw = value if value.__class__ is str else scalar_text(value)  # (what _segment starts with)
        if _AS_IS.fullmatch(raw) and raw != "." and raw != ".." and len(raw) <= _MAX_SEGMENT:
            return parts[0] + raw + parts[2]
        return parts[0] + _segment(name, value) + parts[2]
    out = [parts[0]]
    for at in range(1, len(parts), 2):
        out += (_segment(parts[at], ids[parts[at]]), parts[at + 1])
    return "".join(out)


def _segment(name: str, value: object) -> str:
    raw = scalar_text(value)
    if _AS_IS.fullmatch(raw) and raw != "." and raw != ".." and len(raw) <= _MAX_SEGMENT:
        return raw  # what quote() would return
    if raw in {"", ".", ".."} or raw.strip() == "":
        raise ValidationError(name, f"{raw!r} is not a usable ID (empty, '.' or '..')")
    if _CONTROL.search(raw):
        raise ValidationError(name, "must not contain control characters")
    if len(raw) > _MAX_SEGMENT:
        raise ValidationError(name, f"longer than {_MAX_SEGMENT} characters")
    try:
        return quote(raw, safe=_SEGMENT_SAFE)
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a file name decoded with surrogateescape
        raise ValidationError(name, "must be valid Unicode text (it holds a lone surrogate)") from None
