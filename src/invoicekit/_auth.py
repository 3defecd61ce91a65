"""Credentials: a masked type, where they come from, how they reach the request, and how to scrub them.

Each auth applies itself to a request, as an ``httpx.Auth`` does: :meth:`apply_body` gives the body to
encode (form credentials join a form or multipart body; a JSON body cannot carry them and is refused), and
:meth:`apply` writes header credentials into the finished request. The encoder never asks which auth it has.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._checks import header_value
from ._errors import ValidationError
from ._record import Record, _set

if TYPE_CHECKING:
    import httpx

    from ._call import Body, Form, Multipart

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
    if value is not None and not isinstance(value, str):
        raise ValidationError(param, f"must be a str, not {type(value).__name__}")
    if value is not None and type(value) is not str:
        # A subclass, made the plain str it holds: its own __repr__/__format__/encode/strip (which may
        # leak the value or raise) are never called, here or in any later repr, header or form.
        value = str.__str__(value)
    if value is None or not value.strip():
        where = f"pass {param}= or set the environment variable {env}" if env else f"pass {param}="
        raise ValidationError(param, f"missing credential: {where}")
    if any(c in value for c in "\r\n\0"):
        raise ValidationError(param, "must not contain CR, LF or NUL")
    if not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value):
        # Checked here, for every kind of auth: a form credential would otherwise fail each call while its
        # body is encoded, naming "body", with the credential in the UnicodeEncodeError chained to it.
        raise ValidationError(param, "holds a lone surrogate, which UTF-8 cannot carry")
    return Secret(value, param)


class HeaderAuth(Record):
    """Credentials sent as request headers (Upflow's two, Salesbricks', Payabli's ``requestToken``)."""

    __slots__ = ("headers",)
    headers: Mapping[str, Secret]

    def __init__(self, headers: Mapping[str, Secret]) -> None:
        _set(self, "headers", headers)

    def apply_headers(self) -> dict[str, str]:
        return {name: secret.reveal() for name, secret in self.headers.items()}

    def apply_body(self, body: Body | None) -> Body | None:
        return body

    def apply(self, request: httpx.Request) -> None:
        """Write the credential headers into the finished request (the only frame that holds them)."""
        for name, secret in self.headers.items():
            request.headers[name] = secret.reveal()  # (Headers.update costs 5x as much)

    def secrets(self) -> Iterable[Secret]:
        return self.headers.values()


class BearerAuth(Record):
    """``Authorization: Bearer <token>``, or the token in another header when *header* is given."""

    __slots__ = ("token", "header")  # noqa: RUF023 (__init__ order)
    token: Secret
    header: str

    def __init__(self, token: Secret, header: str = "Authorization") -> None:
        _set(self, "token", token)
        _set(self, "header", header)

    def apply_headers(self) -> dict[str, str]:
        if self.header.lower() == "authorization":
            return {"Authorization": f"Bearer {self.token.reveal()}"}
        return {self.header: self.token.reveal()}

    def apply_body(self, body: Body | None) -> Body | None:
        return body

    def apply(self, request: httpx.Request) -> None:
        """Write the token header into the finished request (the only frame that holds it)."""
        if self.header.lower() == "authorization":
            request.headers["Authorization"] = f"Bearer {self.token.reveal()}"
        else:
            request.headers[self.header] = self.token.reveal()

    def secrets(self) -> Iterable[Secret]:
        return (self.token,)


class FormAuth(Record):
    """Credentials sent as form-body fields (WHMCS ``identifier``, ``secret``, ``accesskey``)."""

    __slots__ = ("fields",)
    fields: Mapping[str, Secret]

    def __init__(self, fields: Mapping[str, Secret]) -> None:
        _set(self, "fields", fields)

    def apply_headers(self) -> dict[str, str]:
        return {}

    def form_fields(self) -> dict[str, str]:
        return {name: secret.reveal() for name, secret in self.fields.items()}

    def apply_body(self, body: Body | None) -> Body | None:
        """The body with the credentials as more fields: appended to a form (or a form of them alone when
        the call has no body), or as more text fields of a multipart body. A JSON body cannot carry form
        fields: ValidationError, before anything is sent (never a form of credentials without the JSON).

        In a form the credentials stay :class:`Secret`\\ s (masked in every repr) until the encoder's last
        step (``_forms.urlencoded``), so no frame between here and the encoded bytes holds one in the clear.
        """
        Form, Multipart = _BODIES or _load_bodies()
        own = self.fields
        names: Iterable[str] = ()
        if isinstance(body, Form):
            names = body.fields
        elif isinstance(body, Multipart):
            names = [name for name, _ in body.fields]
        for name in names:
            # PHP reads "secret[0]" into $_POST["secret"]
            if name in own or ("[" in name and name.partition("[")[0] in own):
                raise ValidationError(
                    name, "is a credential field of this provider (the auth writes it); pass another name"
                )
        if body is None:
            return Form(dict(own))
        if isinstance(body, Form):
            return Form({**body.fields, **own})
        if isinstance(body, Multipart):
            return Multipart([*body.fields, *self.form_fields().items()], body.files)
        raise ValidationError(
            "body",
            f"a JSON body cannot carry form credentials ({', '.join(self.fields)}): this provider's calls "
            "must send a form or multipart body",
        )

    def apply(self, request: httpx.Request) -> None:
        """Nothing to write: the credentials travel in the body (see :meth:`apply_body`)."""

    def secrets(self) -> Iterable[Secret]:
        return self.fields.values()


Auth = HeaderAuth | BearerAuth | FormAuth

#: _call's Form and Multipart, loaded on first use (_call imports this module's users; a function-level
#: import costs ~1 µs a call).
_BODIES: tuple[type[Form], type[Multipart]] | None = None


def _load_bodies() -> tuple[type[Form], type[Multipart]]:
    global _BODIES
    from ._call import Form, Multipart

    _BODIES = bodies = (Form, Multipart)
    return bodies


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

    Each character of a credential may be written raw or in any of the forms an answer can carry, mixed
    freely: URL-encoded (``%XX`` bytes in upper- or lower-case hex, ``+`` for a space); JSON- or
    JavaScript-escaped (``\\uXXXX`` in either case, surrogate pairs, ``\\/`` as PHP's ``json_encode``
    writes, ``\\"``, ``\\\\``); a Python bytes repr (``\\xHH``, as httpx and h11 quote a server's bytes);
    HTML (``&#NN;``, ``&#xHH;``, named entities such as ``&amp;``, ``&quot;``, ``&apos;``, any case).
    Control, zero-width and bidirectional characters (and ANSI escape sequences) inserted between its
    characters do not hide it. Base64 (standard or URL-safe, padded or not) of the credential alone or
    inside a longer text (HTTP Basic's ``user:secret``) is scrubbed too: the part of the base64 text
    that only the credential's bytes determine, at each of the three alignments.

    A credential shorter than 4 characters is masked only where it stands alone (not inside a word):
    masking it everywhere would mangle ordinary text. Text with no ``%``, ``&``, ``\\``, ``+`` or hidden
    character (most text) is scrubbed by plain substring replacement; the pattern for the rest is
    compiled on first use, so making a client costs no regex compilation.
    """

    __slots__ = (
        "_always",
        "_needles",
        "_numeric",
        "_pattern",
        "_probe_pattern",
        "_probes",
        "_raws",
        "_short",
        "_text_probes",
    )

    def __init__(self, secrets: Iterable[Secret]) -> None:
        raws = {secret.reveal() for secret in secrets}
        raws.discard("")
        # Longest first, so a secret that contains another is scrubbed whole.
        self._raws = tuple(sorted(raws, key=len, reverse=True))
        self._short = any(len(raw) < 4 for raw in raws)
        #: A credential of digits may be echoed as a JSON number, which data() then masks as "***".
        self._numeric = any(raw.isascii() and raw.isdigit() for raw in raws)
        self._pattern: re.Pattern[str] | None = None
        b64 = {needle for raw in self._raws for needle in _base64_needles(raw)}
        #: What the fast path of text() replaces: the credentials as they are, and their base64 forms.
        self._needles = tuple(sorted({raw for raw in raws if len(raw) >= 4} | b64, key=len, reverse=True))
        # Every base64 form holds the part of one alignment that only the credential determines.
        probes = {needle.encode() for raw in self._raws for needle in _base64_needles(raw, cores=True)}
        always = False
        for raw in self._raws:
            run = max(_ALNUM.findall(raw), key=len, default="")
            if len(run) < 4:  # no run of 4 letters/digits that every form keeps: walk every answer
                always = True
            probes.add(run.encode())
        # PHP's json_encode writes "/" as "\\/": a base64 form holding "/" is probed as written so too.
        probes |= {probe.replace(b"/", b"\\/") for probe in probes if b"/" in probe}
        self._probes = tuple(probe for probe in probes if probe)
        self._text_probes = tuple(probe.decode("latin-1") for probe in self._probes)
        self._always = always
        self._probe_pattern: re.Pattern[bytes] | None = None  # compiled on the first answer

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            parts: list[str] = []
            for raw in self._raws:
                body = "".join(_char(c) for c in raw)
                if len(raw) < 4:
                    body = f"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"
                parts.append(body)
            parts += [re.escape(needle) for needle in self._needles if needle not in self._raws]
            self._pattern = re.compile("|".join(parts) if parts else "(?!)")
        return self._pattern

    def text(self, value: str) -> str:
        if not self._raws:
            return value
        if not self._short and not re.search(_ESCAPE_HINT, value):
            # Nothing escaped, nothing hidden: only the credentials as they are (or in base64) can be here.
            for needle in self._needles:
                if needle in value:
                    value = value.replace(needle, "***")
            return value
        pattern = self._compiled()
        if not re.search(_HIDDEN, value):
            return pattern.sub("***", value)
        # Characters that do not show (controls, zero-width and bidirectional marks, ANSI sequences) may
        # be slipped into a credential: match on the text without them, and mask the original span.
        visible, index = _visible(value)
        out: list[str] = []
        pos = 0
        for match in pattern.finditer(visible):
            if match.end() == match.start():
                continue
            start, end = index[match.start()], index[match.end() - 1] + 1
            out += [value[pos:start], "***"]
            pos = end
        out.append(value[pos:])
        return pattern.sub("***", "".join(out))  # and what the hidden characters were part of

    def data(self, value: Any) -> Any:
        """Scrub a decoded JSON value (or text) recursively."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if self._numeric and isinstance(value, int | Decimal) and not isinstance(value, bool):
            return "***" if self.text(str(value)) != str(value) else value
        return value

    def may_hold(self, raw: bytes) -> bool:
        """Whether an answer's raw bytes may hold a credential in some form (a cheap test: when False,
        its decoded value holds none and need not be walked).
        """
        if not self._raws:
            return False
        if self._always:
            return True
        if raw[:1] == b"\x00" or raw[1:2] == b"\x00" or raw[:2] in _UTF16_BOMS:
            return True  # UTF-16 or UTF-32 JSON (json.loads reads it): the probes are UTF-8 bytes
        if raw.isascii() and 0x5C not in raw and 0x25 not in raw and 0x26 not in raw and 0x7F not in raw:
            # No escape (each needs a backslash, % or &), no invisible character (each needs a byte of
            # 0x80 or more), no DEL: only a probe as it is can be here. Most answers; a few substring
            # tests instead of the search below, whose first step matches at almost every byte. (Bytes
            # searched for an int, text for text: ``bytes in bytes`` raises and clears a TypeError first.)
            text = raw.decode("latin-1")  # byte for character: a probe is in it iff its bytes are in raw
            for probe in self._text_probes:  # noqa: SIM110 - a loop: any() of a generator costs more
                if probe in text:
                    return True
            return False
        # One search for any of: an escape that may spell a character (or an invisible one inserted)
        # anywhere, a hidden character (zero-width, bidirectional, C1, soft hyphen) splitting a
        # credential, or a probe (a run of letters and digits, or a base64 core, every form keeps).
        pattern = self._probe_pattern
        if pattern is None:
            alternatives = [re.escape(m) for m in _MARKERS] + [b"(?:" + _INVISIBLE_UTF8 + b")"]
            alternatives.append(_SPLIT_BY_ESCAPE)
            alternatives += [re.escape(p) for p in self._probes if p]
            pattern = self._probe_pattern = re.compile(b"|".join(alternatives))
        return pattern.search(raw) is not None


def _visible(value: str) -> tuple[str, list[int]]:
    """*value* without the characters that do not show, and for each character kept its index in *value*."""
    pieces: list[str] = []
    index: list[int] = []
    pos = 0
    for match in re.finditer(_HIDDEN, value):
        pieces.append(value[pos : match.start()])
        index.extend(range(pos, match.start()))
        pos = match.end()
    pieces.append(value[pos:])
    index.extend(range(pos, len(value)))
    return "".join(pieces), index


def _hex(value: int, width: int) -> str:
    """*value* in hexadecimal, any case (``2[fF]``)."""
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in f"{value:0{width}x}")


def _char(c: str) -> str:
    """A pattern for one character of a credential, in every form an answer may write it."""
    import html.entities  # only when a pattern is first compiled: a 2,000-name table, not import time

    code = ord(c)
    data = c.encode("utf-8", "surrogatepass")
    alts = {re.escape(c), "".join(f"%{_hex(b, 2)}" for b in data)}
    if c == " ":
        alts.add(r"\+")
    units = (
        [code] if code < 0x10000 else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)]
    )
    alts.add("".join(rf"\\u{_hex(u, 4)}" for u in units))
    if not c.isascii():
        alts.add("".join(rf"\\x{_hex(b, 2)}" for b in data))  # a bytes repr
    alts.update(_SHORT_ESCAPES.get(c, ()))
    alts.add(rf"&#0*{code};")
    alts.add(rf"&#[xX]0*{_hex(code, 1)};")
    name = html.entities.codepoint2name.get(code)
    if name is not None:
        alts.add(rf"&(?i:{name});")
    if c == "'":
        alts.add(r"&(?i:apos);")
    return "(?:" + "|".join(sorted(alts, key=len, reverse=True)) + ")"


def _base64_needles(raw: str, *, cores: bool = False) -> set[str]:
    """The base64 text (standard and URL-safe, padded or not) of *raw*, and the part that only *raw*'s
    bytes determine when *raw* starts at each of the three byte alignments of a longer text (whole forms
    only for a short credential).
    """
    data = raw.encode("utf-8", "surrogatepass")
    needles: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        if not cores or len(raw) < 8:
            needles.update({encode(data).decode(), encode(data).decode().rstrip("=")})
        if len(raw) < 8:  # a core of a few characters would match ordinary words
            continue
        for offset in (1, 2):
            text = encode(b"\0" * offset + data).decode().rstrip("=")
            start = -(-offset * 8 // 6)  # the first character made of the credential's bits only
            end = (offset + len(data)) * 8 // 6  # the last whole one
            needles.add(text[start:end])
        needles.add(encode(data).decode()[: len(data) * 8 // 6])
    return {n for n in needles if len(n) >= 4}


#: Characters that may be slipped into a credential without showing: C0 and C1 controls, DEL, the soft
#: hyphen, zero-width and bidirectional marks, the line/paragraph separators, word joiners, the byte-order
#: mark, and ANSI CSI sequences.
_HIDDEN_CHARS = "\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
#: Compiled on first use (an answer with an escape or a hidden character), by re's cache.
_HIDDEN = f"\x1b\\[[0-?]*[ -/]*[@-~]|[{_HIDDEN_CHARS}]+"
#: What any escaped or hidden form of a credential contains (``%``, ``&``, ``\\``, ``+``, a hidden character).
#: (Compiled on first use, by re's cache: ~2.5M instructions that a call which redacts nothing never needs.)
_ESCAPE_HINT = f"[%&\\\\+{_HIDDEN_CHARS}]"
_INVISIBLE_UTF8 = (  # a pattern's text: compiled into the probe pattern, never alone
    b"\xc2[\x80-\x9f\xad]|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]|\xef\xbb\xbf"
)
#: Escapes that may spell a letter or digit: when present, the letters-and-digits probe cannot tell.
_MARKERS = (b"\\u", b"%", b"&#")
#: A control JSON writes as a short escape (``\\n``, ``\\t``...), or DEL (which JSON leaves raw), between two
#: characters of a probe (letters, digits, base64's): text() scrubs a credential split so, and no probe
#: survives it.
_SPLIT_BY_ESCAPE = rb"[A-Za-z0-9+/_-](?:\\[nrtbf]|\x7f)+(?:[A-Za-z0-9+/_-]|\\/)"  # a pattern's text, as above
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SHORT_ESCAPES: dict[str, tuple[str, ...]] = {
    "/": (r"\\/",),
    '"': (r'\\"',),
    "\\": (r"\\\\",),
    "'": (r"\\'",),
    "\t": (r"\\t",),
    "\b": (r"\\b",),
    "\f": (r"\\f",),
}
_ALNUM = re.compile(r"[A-Za-z0-9]+")
