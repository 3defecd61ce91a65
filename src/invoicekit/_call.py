"""A request described as data, and the body encoders. Pure: nothing here touches the network.

A provider's operation builder returns a :class:`Call`: method, path template and IDs, query, headers,
body kind, safety class and how to read the answer. The client core turns it into an ``httpx.Request``
for each attempt with :func:`build_request`.
"""

from __future__ import annotations

import base64
import enum
import os
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from decimal import Decimal
from typing import Any, BinaryIO, Generic, Protocol, TypeVar, cast

import httpx

from ._checks import json_number
from ._errors import ValidationError
from ._files import ONE_SHOT_IN_JSON, File, reader_size, rewind
from ._forms import php_form, urlencoded
from ._json import dumps
from ._money import decimal_text
from ._paths import render_path
from ._record import Record, _set
from ._unset import UNSET, Unset

__all__ = ["Call", "Form", "Json", "Multipart", "Safety", "build_request", "files_in", "with_extra_headers"]

R = TypeVar("R")
T = TypeVar("T")


class Safety(enum.Enum):
    """Whether a call may be sent again after it may have reached the provider."""

    IDEMPOTENT = "idempotent"  # sending twice has the effect of sending once
    IDEMPOTENT_WITH_KEY = "idempotent-with-key"  # the provider deduplicates by the key the call carries
    UNSAFE = "unsafe"  # emails a customer, appends lines, creates records: never resent blindly

    @property
    def retryable(self) -> bool:
        return self is not Safety.UNSAFE


class Json(Record):
    """A JSON body. *value* is plain JSON data, which may also hold ``Decimal`` (written as a JSON number,
    digit for digit) and :class:`File` (written as a base64 string, streamed in chunks from its source).
    """

    __slots__ = ("value",)
    value: Any

    def __init__(self, value: Any) -> None:
        _set(self, "value", value)


class Form(Record):
    """An ``application/x-www-form-urlencoded`` body, flattened PHP-style (``a[13]=…``, ``a[0]=…``)."""

    __slots__ = ("fields",)
    fields: Mapping[str, Any]

    def __init__(self, fields: Mapping[str, Any]) -> None:
        _set(self, "fields", fields)


class Multipart(Record):
    """A ``multipart/form-data`` body: text *fields* (a key may repeat) then *files* (name, File, default
    filename). Files are streamed from their source.
    """

    __slots__ = ("fields", "files")
    fields: Sequence[tuple[str, str]]
    files: Sequence[tuple[str, File, str]]

    def __init__(
        self, fields: Sequence[tuple[str, str]] = (), files: Sequence[tuple[str, File, str]] = ()
    ) -> None:
        _set(self, "fields", fields)
        _set(self, "files", files)


Body = Json | Form | Multipart


#: The fields of a :class:`Call`, in its constructor's order (``path`` last: rendered, not given).
_CALL_FIELDS = (
    "method", "template", "parse", "ids", "query", "headers", "body", "safety", "ignore_answer",
    "idempotency_key", "once_only", "extra_headers", "path",
)  # fmt: skip


class Call(Generic[R]):
    """One HTTP operation as data. *parse* turns the decoded answer (``None`` when empty) into the result.

    A plain immutable record, built once per call: not an attrs class (one costs its module's import a
    ``compile()`` of generated methods, ~8.6M instructions) and not slotted (one ``object.__setattr__`` per
    field would cost twice what setting the instance dict's items does, which is how ``__init__`` writes
    them, as attrs did for a frozen dict class). Equality, hash, repr and pickling go by its fields;
    :meth:`replace` is what ``attrs.evolve`` gave.

    Immutable against mistakes, not a boundary: its ``__dict__`` (or ``object.__setattr__``) still writes
    a field, as with attrs' frozen classes. No check relies on more: a caller never holds the Call a
    send uses (each operation builds it in the method and sends it at once; no public result holds one),
    and what the client checks of a caller's input while sending (``extra_headers``) it copies into a new
    Call (:func:`with_extra_headers`), never reading the caller's mapping again
    (tests/core/test_leak7_call_trust.py). A Call is written by trusted code (a provider's builder).
    """

    method: str
    template: str
    parse: Callable[[Any], R]
    ids: Mapping[str, object]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Body | None
    safety: Safety
    #: True when the operation returns nothing (e.g. 204): a 2xx answer's body is then not read at all,
    #: so a 200 with a text body is a success, not a DecodeError; *parse* gets ``None``.
    ignore_answer: bool
    #: The idempotency key the call carries in its headers (so errors and raw responses can show it).
    idempotency_key: str | None
    #: True when the change must happen at most once (it emails a customer): even when a key makes the
    #: retries safe, a 5xx to the last attempt ends as OutcomeUnknownError (with the key), never as a
    #: ServerError that reads as a refusal (after which a caller would resend under a new key).
    once_only: bool
    #: The caller's ``extra_headers=`` as given to the operation: checked by the client (against its
    #: credential headers) before the first attempt, then added to every attempt.
    extra_headers: Mapping[str, str] | None
    #: The template filled with *ids*: rendered (and so validated) when the call is built, long before any
    #: request.
    path: str

    def __init__(
        self,
        method: str,
        template: str,
        parse: Callable[[Any], R],
        ids: Mapping[str, object] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Body | None = None,
        safety: Safety = Safety.IDEMPOTENT,
        ignore_answer: bool = False,
        idempotency_key: str | None = None,
        once_only: bool = False,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        if ids is None:
            ids = {}
        fields = self.__dict__  # set as items: __setattr__ refuses (the record is immutable)
        fields["method"] = method
        fields["template"] = template
        fields["parse"] = parse
        fields["ids"] = ids
        fields["query"] = {} if query is None else query
        fields["headers"] = {} if headers is None else headers
        fields["body"] = body
        fields["safety"] = safety
        fields["ignore_answer"] = ignore_answer
        fields["idempotency_key"] = idempotency_key
        fields["once_only"] = once_only
        fields["extra_headers"] = extra_headers
        fields["path"] = render_path(template, ids)

    def _values(self) -> tuple[Any, ...]:
        fields = self.__dict__
        return tuple([fields[name] for name in _CALL_FIELDS])

    #: What attrs gave: ``case Call("PUT", template)`` matches by position (the constructor's fields).
    __match_args__ = (
        "method", "template", "parse", "ids", "query", "headers", "body", "safety", "ignore_answer",
        "idempotency_key", "once_only", "extra_headers",
    )  # fmt: skip

    def replace(self, **changes: Any) -> Call[R]:
        """A copy with *changes* (constructor arguments): ``path`` is rendered again, as for a new call.
        The copy is of the call's own class, as ``attrs.evolve`` made it."""
        given = {name: value for name, value in self.__dict__.items() if name != "path"}
        return self.__class__(**{**given, **changes})

    __replace__ = replace  # copy.replace(call, ...) (Python 3.13+), as attrs wrote it there

    @property
    def replayable(self) -> bool:
        """Whether the body can be produced again for a retry."""
        return all(f.replayable for f in files_in(self.body))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == cast("Call[Any]", other)._values()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self.__class__, *self._values()))  # a TypeError while ids, query or headers is a dict

    def __repr__(self) -> str:
        values = self._values()
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(_CALL_FIELDS, values, strict=True))
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self.__class__.__qualname__} is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__class__.__qualname__} is immutable (cannot delete {name!r})")


#: Headers ``extra_headers=`` may never set: the body's framing and encoding, the connection (hop-by-hop
#: headers the transport owns), the target, and credentials in any form.
PROTECTED_HEADERS: frozenset[str] = frozenset(
    {"content-type", "content-length", "transfer-encoding", "content-encoding", "host", "authorization",
     "proxy-authorization", "cookie", "connection", "keep-alive", "upgrade", "te", "trailer", "expect",
     "proxy-connection"}
)  # fmt: skip
#: Header patterns, compiled (and cached by ``re``) on the first call given extra headers: a cold start that
#: gives none does not compile them.
HEADER_NAME = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # RFC 9110 field-name
#: visible ASCII, space and tab inside (no CR, LF or NUL), none at either end (h11 refuses it when writing)
HEADER_VALUE = r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?"


def with_extra_headers(
    call: Call[R], extra: Mapping[str, str] | None, *, protected: Iterable[str] = ()
) -> Call[R]:
    """*call* with the caller's *extra* headers added, each checked (``ValidationError`` naming it).

    A header may not carry CR, LF or NUL (no header injection), and may not replace a header in
    :data:`PROTECTED_HEADERS`, one in *protected* (the client's credential headers) or one the call sets
    itself (an idempotency key has its own argument). Names compare case-insensitively.
    """
    if extra is None:
        return call
    if not isinstance(extra, Mapping):
        raise ValidationError("extra_headers", f"must be a mapping of str to str, not {type(extra).__name__}")
    if not extra:
        return call
    refused = PROTECTED_HEADERS | {h.lower() for h in protected} | {h.lower() for h in call.headers}
    added: dict[str, str] = {}
    given: list[tuple[object, object]] = list(extra.items())  # checked as untyped input
    for name, value in given:
        field = f"extra_headers[{name!r}]"
        if not isinstance(name, str) or re.fullmatch(HEADER_NAME, name) is None:
            raise ValidationError(field, "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)")
        if not isinstance(value, str):
            raise ValidationError(field, f"must be a str, not {type(value).__name__}")
        if re.fullmatch(HEADER_VALUE, value) is None:
            raise ValidationError(
                field, "must be printable ASCII without CR, LF or NUL, and no space or tab at either end"
            )
        if name.lower() in refused:
            raise ValidationError(
                field,
                "is set by invoicekit (credentials, body framing and encoding, connection headers, Host or "
                "the call's own headers such as the idempotency key) and cannot be overridden",
            )
        if name.lower() in {a.lower() for a in added}:
            raise ValidationError(field, "is given twice (header names are case-insensitive)")
        added[name] = value
    return call.replace(headers={**call.headers, **added})


def files_in(body: Body | None) -> list[File]:
    """Every file a body will stream."""
    if isinstance(body, Multipart):
        return [f for _, f, _ in body.files]
    if isinstance(body, Json):
        found: list[File] = []
        _walk_files(body.value, found)
        return found
    return []


def _walk_files(value: Any, found: list[File]) -> None:
    if isinstance(value, File):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_files(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk_files(item, found)


def build_request(
    call: Call[Any],
    *,
    base_url: str,
    headers: Mapping[str, str],
    boundary: str,
    stack: ExitStack,
    timeout: httpx.Timeout,
    body: Body | None | Unset = UNSET,
) -> httpx.Request:
    """The ``httpx.Request`` for one attempt. Files are opened on *stack*, which the caller closes.

    *body* is the one to encode when not the call's own: the client passes what its auth made of it
    (``Auth.apply_body``); credential headers are the auth's to write into the result (``Auth.apply``).
    """
    return encode(
        call,
        base_url.rstrip("/"),
        _merged(ACCEPT, headers),
        "",
        timeout.as_dict(),
        stack,
        call.body if body is UNSET else body,
        boundary,
    )


class Opener(Protocol):
    """Where a request's files are opened (an ExitStack, or a client's lazily made one)."""

    def enter_context(self, cm: AbstractContextManager[T]) -> T: ...


#: The first header of every request (a call's or the caller's own may replace it, in any case).
ACCEPT: Mapping[str, str] = {"Accept": "application/json"}


def encode(
    call: Call[Any],
    base_url: str,
    headers: dict[str, str],
    host: str,
    timeout: dict[str, float | None],
    stack: Opener,
    body: Body | None,
    boundary: str,
) -> httpx.Request:
    """:func:`build_request` with what a client computes once: *base_url* without its trailing slash,
    *headers* already merged with :data:`ACCEPT` (copied here, never changed), *host* its ``Host`` (""
    when not known), *timeout* as a dict (copied). *stack* has ``enter_context`` (an ExitStack or the
    client's lazy one).
    """
    target = base_url + call.path
    # No query: the URL from its text alone (params= of None still takes httpx's keyword path).
    query = call.query
    url = httpx.URL(target, params=dict(query)) if query else httpx.URL(target)
    own = call.headers
    all_headers = _merged(headers, own) if own else headers.copy()
    stream: httpx.SyncByteStream | httpx.AsyncByteStream | None = None
    if isinstance(body, Json):
        json_stream = JsonStream(body.value, stack)  # serves httpx.Client and httpx.AsyncClient alike
        all_headers["Content-Type"] = "application/json"
        all_headers["Content-Length"] = str(json_stream.length)
        whole = json_stream.whole()
        # no file to stream: the bytes as they are (no generator per chunk)
        stream = json_stream if whole is None else httpx.ByteStream(whole)
    elif isinstance(body, Form):
        try:
            payload = urlencoded(php_form(body.fields))
        except UnicodeEncodeError as exc:  # a lone surrogate; the message names the code point, not the text
            code = ord(exc.object[exc.start])
            raise ValidationError(
                "body", f"holds a lone surrogate (U+{code:04X}), which UTF-8 cannot carry"
            ) from None
        stream = httpx.ByteStream(payload)
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers["Content-Length"] = str(len(payload))
    elif isinstance(body, Multipart):
        return _multipart_request(call, url, all_headers, body, boundary, stack, timeout, host)
    if stream is not None:
        # httpx fills in Host only for content=/data=/files=, never for stream=; a real connection
        # (unlike MockTransport) refuses to send a request without it.
        all_headers.setdefault("Host", host or url.netloc.decode("ascii"))
    request = httpx.Request(
        call.method, url, headers=all_headers, stream=stream, extensions={"timeout": timeout.copy()}
    )
    if stream.__class__ is httpx.ByteStream:
        # A body in memory is read into the request now, as httpx does for content= (raw httpx's own
        # requests): a transport that reads the request whole (MockTransport, the bundled fakes) finds it
        # read, where an async one would otherwise run ByteStream's async generator (event-loop hooks, a
        # WeakSet entry) on every call. (A sync generator's one chunk here; nothing is copied.)
        request.read()
    return request


def _merged(*layers: Mapping[str, str]) -> dict[str, str]:
    """Later layers win, whatever the case of the name: ``accept`` replaces ``Accept``, never doubles it."""
    merged: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for layer in layers:
        for name, value in layer.items():
            low = name.lower()
            old = spelling.get(low)
            if old is not None and old != name:
                del merged[old]
            spelling[low] = name
            merged[name] = value
    return merged


def _multipart_request(
    call: Call[Any],
    url: httpx.URL,
    headers: dict[str, str],
    body: Multipart,
    boundary: str,
    stack: Opener,
    timeout: dict[str, float | None],
    host: str = "",
) -> httpx.Request:
    # One boundary per logical call, so every retry sends the same bytes.
    boundary = boundary or new_boundary()  # (the client always gives one; a caller may not)
    headers["Content-Type"] = "multipart/form-data; boundary=" + boundary
    dash = "--" + boundary
    text = ""  # what is written before the next file that streams (parts in memory join it)
    fields = body.fields
    if fields:
        # The fields in httpx's order for data=: grouped by name, in the order each name first appears.
        grouped: dict[str, list[str]] = {}
        for name, value in fields:
            grouped.setdefault(name, []).append(value)
        for name, values in grouped.items():
            head = f'{dash}\r\nContent-Disposition: form-data; name="{name.translate(_FORM_PARAM)}"\r\n\r\n'
            for value in values:
                text += f"{head}{value}\r\n"
    parts: list[bytes | BinaryIO] = []
    one_shots: list[File] = []
    data = b""
    for name, file, default in body.files:
        # What the File's checks read: the text a str subclass holds, never its own __format__ or __eq__.
        key = (name, str.__str__(file.name_or(default)), str.__str__(file.content_type))
        lines = _FILE_HEADS.get(key) or _file_head(*key)
        content = _content(file, stack)
        if isinstance(content, bytes):
            data += f"{text}{dash}".encode() + lines + content
        else:
            if reader_size(content) < 0:  # one one-shot File listed twice: the second part would be empty
                if file in one_shots:
                    raise ValidationError(
                        file._field or name,
                        "the same one-shot stream is given twice in one call, and it can be read only "
                        "once; pass a path, bytes or a seekable file",
                    )
                one_shots.append(file)
            parts += [data + f"{text}{dash}".encode() + lines, content]
            data = b""
        text = "\r\n"
    data += f"{text}{dash}--\r\n".encode()
    # httpx fills in Host only for content=/data=/files=, never for stream= (see encode).
    headers.setdefault("Host", host or url.netloc.decode("ascii"))
    if not parts:  # every part in memory (the usual upload: a small file): one bytes body, read now
        headers["Content-Length"] = str(len(data))
        request = httpx.Request(
            call.method,
            url,
            headers=headers,
            stream=httpx.ByteStream(data),  # (content= would parse the boundary back out of the header)
            extensions={"timeout": timeout.copy()},
        )
        request.read()  # in memory: read now, as for JSON and form bodies (see encode)
        return request
    parts.append(data)
    stream = MultipartStream(parts)
    if stream.length < 0:  # a one-shot stream: its length is unknown
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(stream.length)
    return httpx.Request(
        call.method, url, headers=headers, stream=stream, extensions={"timeout": timeout.copy()}
    )


#: How a name or filename is written inside a part header's quotes: the HTML5 form rules, as httpx's own
#: multipart encoder writes them (``"`` as ``%22``, ``\`` doubled, control characters but ESC as ``%XX``).
_FORM_PARAM = str.maketrans(
    {'"': "%22", "\\": "\\\\", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}
)


#: A file part's header lines after its boundary line, by (field name, filename, content type): the same
#: few for every upload of a provider (Upflow's ``file``, ``invoice.pdf`` or a path's name, the PDF type).
_FILE_HEADS: dict[tuple[str, str, str], bytes] = {}


def _file_head(name: str, filename: str, content_type: str) -> bytes:
    disposition = f'form-data; name="{str.translate(name, _FORM_PARAM)}"'
    if filename:  # (none: httpx writes no filename parameter either)
        disposition += f'; filename="{str.translate(filename, _FORM_PARAM)}"'
    head = f"\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
    # names come from callers' paths and filenames: a bound all the same, in count and in size (a caller's
    # long filenames would otherwise stay in memory for the life of the process)
    if len(_FILE_HEADS) < 256 and len(head) <= 1024:
        _FILE_HEADS[(name, filename, content_type)] = head
    return head


class MultipartStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A ``multipart/form-data`` body whose files stream: text in memory, then each large file from the
    reader :meth:`File.open` gave (exactly the bytes from its start position, or ``FileReadError``), in
    chunks of :data:`_ONE_CHUNK`. *length* is ``-1`` when a one-shot stream's length is unknown.
    """

    #: How often the body was iterated: an httpx auth flow (DigestAuth) or a caller's transport may send
    #: it again within one attempt (a class default: nothing to set per request)
    _passes = 0

    def __init__(self, parts: list[bytes | BinaryIO]) -> None:
        self._parts = parts
        length = 0
        for part in parts:
            size = len(part) if isinstance(part, bytes) else reader_size(part)
            if size < 0:
                length = -1
                break
            length += size
        self.length = length

    def __iter__(self) -> Iterator[bytes]:
        again = self._passes > 0
        self._passes += 1
        for part in self._parts:
            if isinstance(part, bytes):
                if part:
                    yield part
                continue
            if again:  # each file from its start again (a one-shot stream's cannot be: FileReadError)
                rewind(part)
            chunk = part.read(_ONE_CHUNK)
            while chunk:
                yield chunk
                chunk = part.read(_ONE_CHUNK)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def new_idempotency_key() -> str:
    """A fresh idempotency key for one logical call: a random UUID, as providers recommend.

    What ``str(uuid.uuid4())`` gives (16 random bytes, version 4, RFC 4122 variant), written directly:
    ``uuid.UUID`` checks its arguments in Python, several microseconds a call.
    """
    h = os.urandom(16).hex()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def _content(file: File, stack: Opener) -> bytes | BinaryIO:
    # bytes cannot change under us and httpx sends them as they are; anything else is read through
    # File.open's reader: exactly the bytes from the start position, or FileReadError. A file that
    # fits in one chunk is read now, whole (one read, no seeks), and sent as those bytes.
    small = file.snapshot(_ONE_CHUNK)
    return small if small is not None else stack.enter_context(file.open())


def new_boundary() -> str:
    return os.urandom(16).hex()  # as random as uuid4().hex, a third of the cost (one per call)


_ONE_CHUNK = 64 * 1024  # httpx's multipart chunk: a file this small is read in one go either way
_CHUNK = 3 * 21_846  # a multiple of 3, so base64 pieces join without padding in between (~64 KiB)


class JsonStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A JSON document whose ``File`` values are written as base64 strings, chunk by chunk.

    The document is serialised once with a placeholder for each file and each Decimal; Decimals become
    their exact digits, files are streamed, so a 30 MB PDF never sits in memory whole, in bytes or in
    base64. The length is known up front (base64 of n bytes is 4·ceil(n/3) characters), so the request
    carries a Content-Length rather than chunked encoding.
    """

    _passes = 0  #: how often the body was iterated (see MultipartStream)

    def __init__(self, value: Any, stack: Opener) -> None:
        self._files: list[File] = []
        self._decimals: list[Decimal] = []
        self._tag = ""  # made when a placeholder is first needed (orjson writes plain Decimals itself)
        # json's C encoder (or orjson's, with the `fast` extra) walks the document and calls back only
        # for Decimal and File values.
        try:
            data = dumps(value, self._mark)
        except ValidationError:
            raise
        except ValueError as exc:  # a float NaN/Infinity, or an int too long for str(): not JSON
            reason = str(exc)
        else:
            reason = ""
        if reason:  # raised outside the handler: nothing chained
            raise ValidationError("body", f"not JSON data ({reason})")
        if not self._tag:  # no file and no Decimal (most bodies): the document as written, nothing to open
            self._parts: list[bytes | int] = [data]  # text, or the index of a file
            self._readers: dict[int, tuple[bytes | BinaryIO, int]] = {}
            self.length = len(data)
            return
        self._parts = []
        self._split(data)
        # Each file is opened and measured once per attempt, here, before anything is sent: the
        # Content-Length and the bytes streamed come from the same reader (see File.open).
        # Only the files the document holds: with the `fast` extra, a document orjson could not write is
        # written again by the standard library, which calls _mark again for each file (a second entry
        # in _files, the first never used), so an unused entry is not opened.
        used = [p for p in self._parts if not isinstance(p, bytes)]
        self._readers = {i: _json_reader(self._files[i], stack) for i in used}
        self.length = sum(
            len(p) if isinstance(p, bytes) else 4 * -(-self._readers[p][1] // 3) for p in self._parts
        )

    def _mark(self, value: Any) -> Any:
        if type(value) is Decimal and _whole(value):
            # A whole number written without a fraction (Decimal(1), Decimal("1E+2")): its plain int
            # is the same digits (decimal_text writes -0 as 0, as int does), so JSON writes it in
            # place: no placeholder to split out, no random tag drawn.
            json_number(value, "body")
            return int(value)
        if not self._tag:
            self._tag = os.urandom(16).hex()
        if isinstance(value, File):
            self._files.append(value)
            return f"\0{self._tag}f{len(self._files) - 1}\0"
        if isinstance(value, Decimal):
            json_number(value, "body")  # the models check first, naming the field; this is the backstop
            self._decimals.append(value)
            return f"\0{self._tag}d{len(self._decimals) - 1}\0"
        raise TypeError(f"{type(value).__name__} cannot be written as JSON")

    def _split(self, data: bytes) -> None:
        if not self._files and not self._decimals:
            self._parts.append(data)
            return
        marker = f'"\\u0000{self._tag}'.encode()
        pieces = data.split(marker)
        self._parts.append(pieces[0])
        for piece in pieces[1:]:
            kind, rest = piece[:1], piece[1:]
            index, rest = rest.split(b'\\u0000"', 1)
            if kind == b"f":
                self._parts += [b'"', int(index), b'"']
            else:
                self._parts.append(decimal_text(self._decimals[int(index)]).encode())
            self._parts.append(rest)

    def whole(self) -> bytes | None:
        """The whole document when it holds no file (nothing to stream), else None."""
        if self._files:
            return None
        parts = cast("list[bytes]", self._parts)  # no file: every part is text
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def __iter__(self) -> Iterator[bytes]:
        again = self._passes > 0  # sent again within one attempt (see MultipartStream): files from the start
        self._passes += 1
        for part in self._parts:
            if isinstance(part, bytes):
                if part:
                    yield part
            else:
                reader, size = self._readers[part]
                if again and not isinstance(reader, bytes):
                    rewind(reader)
                yield from _base64_chunks(reader, size)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def _whole(value: Decimal) -> bool:
    """Whether a plain Decimal has no digits after the point (exponent >= 0: ``1``, ``1E+2``, not ``1.0``)."""
    exponent = value.as_tuple().exponent  # "n", "N" or "F" for the non-finite
    return isinstance(exponent, int) and exponent >= 0


def _json_reader(file: File, stack: Opener) -> tuple[bytes | BinaryIO, int]:
    small = file.snapshot(_CHUNK)
    if small is not None:
        return small, len(small)
    reader = stack.enter_context(file.open())
    size = reader_size(reader)
    if size < 0:
        raise ValidationError("file", ONE_SHOT_IN_JSON)
    return reader, size


def _base64_chunks(reader: bytes | BinaryIO, size: int) -> Iterator[bytes]:
    if isinstance(reader, bytes):
        if reader:
            yield base64.b64encode(reader)
        return
    remaining = size
    while remaining > 0:
        chunk = reader.read(min(_CHUNK, remaining))  # File.open's reader: full chunks, or FileReadError
        remaining -= len(chunk)
        yield base64.b64encode(chunk)
