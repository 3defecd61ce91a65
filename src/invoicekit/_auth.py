"""Credentials: a masked type, where they come from, how they reach the request, and how to scrub them."""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import attrs

from ._checks import header_value
from ._errors import ValidationError

__all__ = [
    "Auth",
    "BearerAuth",
    "FormAuth",
    "HeaderAuth",
    "Redactor",
    "Secret",
    "check_sendable",
    "credential",
]


class Secret:
    """A credential. Its repr and str are masked; only :meth:`reveal` gives the value.

    *param* is the constructor parameter it came from, so a later check can name it.
    """

    __slots__ = ("_value", "param")

    def __init__(self, value: str, param: str | None = None) -> None:
        self._value = value
        self.param: str | None = param

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


def credential(value: str | Secret | None, *, param: str, env: str | None) -> Secret:
    """Take a credential given to a constructor, or read it from *env*; refuse a missing or blank one."""
    if isinstance(value, Secret):
        value = value.reveal()
    if value is None and env is not None:
        value = os.environ.get(env)
    if value is None or not value.strip():
        where = f"pass {param}= or set the environment variable {env}" if env else f"pass {param}="
        raise ValidationError(param, f"missing credential: {where}")
    if any(c in value for c in "\r\n\0"):
        raise ValidationError(param, "must not contain CR, LF or NUL")
    return Secret(value, param)


@attrs.frozen
class HeaderAuth:
    """Credentials sent as request headers (Upflow's two, Salesbricks', Payabli's ``requestToken``)."""

    headers: Mapping[str, Secret]

    def apply_headers(self) -> dict[str, str]:
        return {name: secret.reveal() for name, secret in self.headers.items()}

    def form_fields(self) -> dict[str, str]:
        return {}

    def secrets(self) -> Iterable[Secret]:
        return self.headers.values()


@attrs.frozen
class BearerAuth:
    """``Authorization: Bearer <token>``, or the token in another header when *header* is given."""

    token: Secret
    header: str = "Authorization"

    def apply_headers(self) -> dict[str, str]:
        if self.header.lower() == "authorization":
            return {"Authorization": f"Bearer {self.token.reveal()}"}
        return {self.header: self.token.reveal()}

    def form_fields(self) -> dict[str, str]:
        return {}

    def secrets(self) -> Iterable[Secret]:
        return (self.token,)


@attrs.frozen
class FormAuth:
    """Credentials sent as form-body fields (WHMCS ``identifier``, ``secret``, ``accesskey``)."""

    fields: Mapping[str, Secret]

    def apply_headers(self) -> dict[str, str]:
        return {}

    def form_fields(self) -> dict[str, str]:
        return {name: secret.reveal() for name, secret in self.fields.items()}

    def secrets(self) -> Iterable[Secret]:
        return self.fields.values()


Auth = HeaderAuth | BearerAuth | FormAuth


def check_sendable(auth: Auth) -> None:
    """Refuse, when a client is made, a credential that cannot travel in its HTTP header (httpx would fail
    at send time, with a raw UnicodeEncodeError holding the whole credential).
    """
    pairs: list[tuple[str, Secret]] = []
    if isinstance(auth, HeaderAuth):
        pairs = list(auth.headers.items())
    elif isinstance(auth, BearerAuth):
        pairs = [(auth.header, auth.token)]
    for header, secret in pairs:
        header_value(secret.reveal(), secret.param or header, header)


class Redactor:
    """Replaces every credential, in every encoding it may travel or be echoed in, with ``***``.

    The forms covered: raw; URL-encoded (``%20`` and ``+`` styles, ``/`` kept or encoded, upper- or
    lower-case hex, ``~`` kept or encoded); JSON-escaped (non-ASCII kept or ``\\uXXXX`` in either case,
    ``/`` kept or escaped as ``\\/`` as PHP's ``json_encode`` does); HTML-escaped (``&amp;``, ``&quot;``,
    ``&#x27;``/``&#39;``/``&#039;``/``&apos;``); base64 of the credential alone (standard and URL-safe,
    padded or not). Base64 of a credential inside a longer text (HTTP Basic's ``user:secret``) is out of
    scope: no provider here uses Basic.
    """

    __slots__ = ("_needles", "_probes")

    def __init__(self, secrets: Iterable[Secret]) -> None:
        needles: set[str] = set()
        probes: set[bytes] = set()
        for secret in secrets:
            raw = secret.reveal()
            if len(raw) < 4:  # too short to scrub without mangling ordinary text; still never logged raw
                continue
            forms = _forms(raw)
            needles.update(forms)
            probes.update(_probes(raw, forms))
        # Longest first, so a secret that contains another is scrubbed whole.
        self._needles = tuple(sorted(needles, key=len, reverse=True))
        self._probes = tuple(probes)

    def text(self, value: str) -> str:
        for needle in self._needles:
            if needle in value:
                value = value.replace(needle, "***")
        return value

    def data(self, value: Any) -> Any:
        """Scrub a decoded JSON value (or text) recursively."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value

    def may_hold(self, raw: bytes) -> bool:
        """Whether an answer's raw bytes may hold a credential in some form (a cheap test: when False,
        its decoded value holds none and need not be walked).
        """
        if not self._probes:
            return False
        if b"\\u" in raw:  # JSON may spell any character as \uXXXX: only the decoded value can tell
            return True
        for probe in self._probes:  # noqa: SIM110 - a loop, not any(<generator>): runs on every answer
            if probe in raw:
                return True
        return False


def _forms(raw: str) -> set[str]:
    forms = {raw}
    for safe in ("", "/"):
        for encoded in (quote(raw, safe=safe), quote_plus(raw, safe=safe)):
            for variant in (encoded, encoded.replace("~", "%7E")):
                forms.add(variant)
                forms.add(_PERCENT.sub(lambda m: m.group(0).lower(), variant))
    for ascii_only in (True, False):
        escaped = json.dumps(raw, ensure_ascii=ascii_only)[1:-1]
        for variant in (
            escaped,
            _UNICODE_ESCAPE.sub(lambda m: m.group(0).upper().replace("\\U", "\\u"), escaped),
        ):
            forms.add(variant)
            forms.add(variant.replace("/", "\\/"))
    for quoted in (True, False):
        page = html.escape(raw, quote=quoted)
        forms.update({page, page.replace("&#x27;", "&#39;"), page.replace("&#x27;", "&#039;")})
        forms.add(page.replace("&#x27;", "&apos;"))
    for b64 in (base64.b64encode(raw.encode()), base64.urlsafe_b64encode(raw.encode())):
        forms.update({b64.decode(), b64.decode().rstrip("=")})
    return forms


def _probes(raw: str, forms: set[str]) -> set[bytes]:
    """Short byte strings, at least one of which is in every form of *raw*: the longest run of ASCII
    letters and digits (which no encoding above changes) and the base64 forms; all forms when the
    credential has no such run of 4.
    """
    run = max(_ALNUM.findall(raw), key=len, default="")
    if len(run) < 4:
        return {form.encode() for form in forms}
    b64 = {form.encode() for form in forms if form.rstrip("=") in _b64_forms(raw)}
    return {run.encode(), *b64}


def _b64_forms(raw: str) -> set[str]:
    data = raw.encode()
    return {base64.b64encode(data).decode().rstrip("="), base64.urlsafe_b64encode(data).decode().rstrip("=")}


_PERCENT = re.compile(r"%[0-9A-F]{2}")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
