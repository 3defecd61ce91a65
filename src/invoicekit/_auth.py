"""Credentials: a masked type, where they come from, how they reach the request, and how to scrub them."""

from __future__ import annotations

import base64
import json
import os
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
        self.param = param

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
    """Replaces every credential, in every encoding it may travel in, with ``***``.

    The forms covered: raw, URL-quoted (path and form style), JSON-escaped, and base64 (as a whole, as
    HTTP Basic does with ``user:secret``, is out of scope: no provider here uses Basic).
    """

    __slots__ = ("_needles", "_raw_needles")

    def __init__(self, secrets: Iterable[Secret]) -> None:
        needles: set[str] = set()
        for secret in secrets:
            raw = secret.reveal()
            if len(raw) < 4:  # too short to scrub without mangling ordinary text; still never logged raw
                continue
            needles.update(
                {
                    raw,
                    quote(raw, safe=""),
                    quote_plus(raw, safe=""),
                    json.dumps(raw)[1:-1],
                    json.dumps(raw, ensure_ascii=False)[1:-1],
                    base64.b64encode(raw.encode()).decode(),
                }
            )
        # Longest first, so a secret that contains another is scrubbed whole.
        self._needles = tuple(sorted(needles, key=len, reverse=True))
        self._raw_needles = tuple(n.encode() for n in self._needles)

    def found_in(self, content: bytes) -> bool:
        """Whether an answer's raw bytes carry a credential in any covered form (a cheap byte search, so
        a clean answer is not walked).
        """
        return any(needle in content for needle in self._raw_needles)

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
