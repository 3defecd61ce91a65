"""``File``: a PDF (or other upload) from a path, bytes or a binary file object, checked before sending."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, TypeAlias, Union, cast

import attrs

from ._errors import ValidationError

__all__ = ["File", "FileInput", "FileReadError"]

_PDF_MAGIC = b"%PDF-"
ONE_SHOT_IN_JSON = (
    "a one-shot stream cannot be sent as base64 inside JSON (its length is unknown); "
    "pass a path, bytes or a seekable file"
)
ONE_SHOT_SENT = (
    "this one-shot stream (not seekable) was already sent, so it cannot be read again; "
    "pass a path, bytes or a seekable file to send one file more than once"
)
# RFC 9110 media type: type "/" subtype *( OWS ";" OWS parameter ), parameter = token "=" (token / quoted)
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
#: Compiled on first use (a content type other than the default), by re's cache: ~1.7M instructions, the
#: costliest pattern at import, which the default ``application/pdf`` never needs.
_MEDIA_TYPE = rf"{_TCHARS}/{_TCHARS}(?:[ \t]*;[ \t]*{_TCHARS}=(?:{_TCHARS}|{_QUOTED}))*"
_DEFAULT_TYPE = "application/pdf"
_PATHS = (str, os.PathLike)
_SOURCES = (str, os.PathLike, bytes, bytearray, memoryview)
#: Whether a path's base name is what follows its last "/" (posixpath.basename, not ntpath's rules).
_POSIX = os.sep == "/" and os.altsep is None
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A caller's file object may be read by several uploads at once (one File to many invoices, from threads
# or tasks): every seek-and-read on it happens under this lock, from the reader's own position.
_HANDLE_LOCK = threading.Lock()
#: What a caller's file or path object may raise that still goes on as it is. Anything else it raises (any
#: Exception, and any other BaseException: GeneratorExit, a CancelledError no cancel made, a class of its
#: own) is a failure to read the file, reported as invoicekit's error: nothing else escapes a call.
_INTERRUPTS = (KeyboardInterrupt, SystemExit)
#: The longest text of a caller's exception (or path) an error quotes: a longer one is described, never
#: quoted in part. Errors are scrubbed of the client's credentials where they leave a call (see
#: ``_client.scrub_error``), which finds a credential only whole: a ValidationError shows a long rule by
#: its two ends (past 500 characters), and a quote cut there could keep half of one. Quoted whole, a
#: message stays under that length even with two quotes (a path and what opening it raised) and what the
#: client adds ("(nothing was sent)", apply's field).
_QUOTE = 200


class FileReadError(OSError):
    """Strictly private: a file could not be read for an attempt, or changed while it was being sent.

    The client core turns it into a typed error: ``ValidationError`` when nothing was sent yet, else
    ``TransportError`` (safe call) or ``OutcomeUnknownError`` (unsafe call). *field* names the file.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type[FileReadError], tuple[str, str]]:
        return type(self), (self.field, str(self))


class File:
    """A file to upload: *source* is a path, ``bytes``, or a binary file object opened for reading.

    *filename* is what the provider is told (default: the path's name, else the provider's default).
    *content_type* defaults to ``application/pdf``.

    A path is opened for each attempt and closed after it, so a retry re-reads it; it must name a regular
    file (a FIFO, device or directory is refused). A seekable file object is read from the position it had
    when the call started, again on each retry, also when several calls upload it at once. A one-shot
    stream (a pipe, a socket) is sent once and its call is never retried; sending it again is a
    ValidationError. A file object must be opened in binary mode.
    """

    __slots__ = ("_content_type", "_field", "_filename", "_kept", "_start", "source")

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes | BinaryIO,
        filename: str | None = None,
        content_type: str = _DEFAULT_TYPE,
    ) -> None:
        if isinstance(source, (bytearray, memoryview)):
            source = bytes(source)
        self.source: str | os.PathLike[str] | bytes | BinaryIO = source
        # What the setters check, without their calls for the defaults (every File coerce() makes).
        self._filename = None if filename is None else _filename(filename)
        self._content_type = content_type if content_type is _DEFAULT_TYPE else _content_type(content_type)
        self._start: int | None = None
        self._field: str | None = None  # set by check(); a checked file that is empty later has changed
        #: A small path's content as check() read it, and what os.stat said then: the next snapshot()
        #: sends it (one open per call, not two) if the file is still the one that was read.
        self._kept: tuple[tuple[int, ...], bytes] | None = None

    @property
    def filename(self) -> str | None:
        """The filename the provider is told (checked whenever it is set: no control characters)."""
        return self._filename

    @filename.setter
    def filename(self, value: str | None) -> None:
        self._filename = _filename(value)

    @property
    def content_type(self) -> str:
        """The media type of the part (checked whenever it is set: it cannot add a header)."""
        return self._content_type

    @content_type.setter
    def content_type(self, value: str) -> None:
        self._content_type = _content_type(value)

    def __repr__(self) -> str:
        if isinstance(self.source, bytes):
            what = f"<{len(self.source)} bytes>"
        elif isinstance(self.source, str | os.PathLike):
            what = _path_repr(self.source)
        else:
            what = f"<{type(self.source).__name__}>"
        return f"File({what}, filename={self.filename!r}, content_type={self.content_type!r})"

    @classmethod
    def coerce(cls, value: FileInput, field: str) -> File:
        """Accept any :data:`FileInput` and return a :class:`File`; anything else is a ValidationError."""
        if isinstance(value, File):
            return value
        if isinstance(value, _SOURCES):
            return cls(value)
        try:
            readable = hasattr(value, "read")
        except _INTERRUPTS:
            raise
        except BaseException:  # a caller's __getattr__ raising something other than AttributeError
            readable = False
        if readable:
            return cls(value)
        raise ValidationError(field, f"expected a path, bytes or a binary file, not {type(value).__name__}")

    def name_or(self, default: str) -> str:
        """The filename to announce: the explicit one, the path's base name, or *default*."""
        if self._filename:
            return self._filename
        source = self.source
        if source.__class__ is str and _POSIX:  # what posixpath.basename does, without its two calls
            return source[source.rfind("/") + 1 :] or default
        if isinstance(source, _PATHS):  # (os.fsdecode: a PathLike may give bytes; text, as a str path's)
            try:
                path = os.fspath(source)
            except _INTERRUPTS:
                raise
            except BaseException:  # its own __fspath__ raised: opening it (check, send) reports that
                return default
            return os.fsdecode(os.path.basename(path)) or default
        return default

    @property
    def replayable(self) -> bool:
        """Whether the content can be read again for a retry."""
        if isinstance(self.source, bytes | str | os.PathLike):
            return True
        try:
            return _seekable(self.source)
        except _INTERRUPTS:
            raise
        except BaseException:  # its own seekable() raised: not read again (reading it reports that)
            return False

    def check(self, field: str, *, max_size: int | None = None, pdf: bool = True, sized: bool = False) -> int:
        """Check the file before any request: it exists, is not empty, starts with ``%PDF-`` (when *pdf*)
        and fits *max_size* bytes. Returns its size in bytes (``-1`` for a one-shot stream).

        *sized* demands a known length, as base64 inside JSON does: a one-shot stream is then refused.
        The name announced (``filename``, else the path's, which may hold surrogate escapes for a name that
        is not UTF-8) must be one UTF-8 can carry.
        """
        self._field = field  # what a read failure while sending is reported under
        name = self.name_or("")
        if not name.isascii():  # (ASCII: what UTF-8 carries, surely)
            (_utf8 or _load_utf8())(name, f"{field}.filename")
        head, size = self._peek(field, keep=True)
        try:
            if sized and size < 0:
                raise ValidationError(field, ONE_SHOT_IN_JSON)
            if size == 0 or head == b"":
                raise ValidationError(field, "the file is empty")
            if pdf and not head.startswith(_PDF_MAGIC):
                raise ValidationError(field, "not a PDF (a PDF file starts with '%PDF-')")
            if max_size is not None and size > max_size:
                raise ValidationError(field, f"{size} bytes is over the provider's limit of {max_size} bytes")
        except ValidationError:
            self._kept = None  # refused: nothing will send it
            raise
        return size

    def _peek(self, field: str, *, keep: bool = False) -> tuple[bytes, int]:
        # What a caller's object raised becomes an error raised outside the handler (nothing chained: no
        # __context__ quoting the caller's text), kept in a local as the error itself (the frame, in its
        # traceback, then shows the error as scrubbed where it leaves the call, never its text unscrubbed).
        source = self.source
        if isinstance(source, _PATHS):  # the usual upload: opened once, and a small file read whole
            try:
                handle, info = _open_path_info(source)
                size = info.st_size
                with handle:
                    data = handle.read(_KEEP + 1 if keep and size <= _KEEP else 5)
            except _INTERRUPTS:
                raise
            except BaseException as exc:  # the OS's error, or the path object's own __fspath__'s
                error = ValidationError(field, _path_failure(source, exc))
            else:
                if keep and size and len(data) == size:  # (else it changed while read: read again when sent)
                    self._kept = (_identity(info), data)
                return data[:5], size
            raise error
        if isinstance(source, bytes):
            return source[:5], len(source)
        try:
            if not _seekable(source):
                head, size = self._peek_stream(source, field)
            else:
                with _HANDLE_LOCK:
                    if self._start is None:
                        self._start = source.tell()
                    source.seek(self._start)
                    head = source.read(5)
                    end = source.seek(0, io.SEEK_END)
                    source.seek(self._start)
                size = end - self._start
        except (ValidationError, *_INTERRUPTS):
            raise
        except BaseException as exc:  # a closed, write-only or broken file object of the caller's
            error = ValidationError(field, f"cannot read the file object: {_detail(exc)}")
        else:
            if not isinstance(head, bytes):
                raise ValidationError(field, _TEXT_MODE)
            return head, size
        raise error

    def _peek_stream(self, source: BinaryIO, field: str) -> tuple[bytes, int]:
        # A one-shot stream: read the head once and put it back in front of the rest.
        if isinstance(source, _Prefixed):
            if source.started:  # sent once already: what is left is not the file
                raise ValidationError(field, ONE_SHOT_SENT)
            return source.prefix[:5], -1
        head = source.read(5)
        self.source = _Prefixed(head, source)  # type: ignore[assignment]  # a BinaryIO in practice
        return head, -1

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """Yield a reader of exactly the content, from the start position, for one attempt.

        The size is measured once, here; the reader never returns more or less than that: a file that
        shrinks, grows or cannot be read while it is sent raises ``FileReadError`` (so does one that
        cannot be opened, or is empty now). ``seek(0)`` goes back to the start position, not to byte 0.
        Closes what it opened.
        """
        source, field, checked = self.source, self._field or "file", self._field is not None
        if isinstance(source, bytes):
            yield _window(io.BytesIO(source), 0, len(source), field, checked)
            return
        if isinstance(source, str | os.PathLike):
            try:
                handle, size = _open_path(source)  # closed below, after the attempt
            except _INTERRUPTS:
                raise
            except BaseException as exc:  # raised outside the handler, kept as the error (see _peek)
                error = FileReadError(field, _path_failure(source, exc))
            else:
                with handle:
                    yield _window(handle, 0, size, field, checked)
                return
            raise error
        measured = self._measure(source, field)
        if measured is None:
            yield _window(source, 0, -1, field, checked)
            return
        start, end = measured
        if end < start:
            raise FileReadError(field, f"the file is now shorter ({end} bytes) than its start position")
        yield _window(source, start, end - start, field, checked, shared=True)

    def snapshot(self, limit: int) -> bytes | None:
        """The whole content from the start position when it is at most *limit* bytes (read now, in one
        go: what is sent is exactly what was there), else None (stream it with :meth:`open`). Raises
        ``FileReadError`` as :meth:`open` does.
        """
        kept = self._kept
        if kept is not None:
            self._kept = None  # taken once: a retry reads the file again
            if len(kept[1]) <= limit and _unchanged(self.source, kept[0]):
                return kept[1]  # what check() read (not empty), and the file is still that one, unmodified
        source, field = self.source, self._field or "file"
        if isinstance(source, bytes):
            data = source
        else:
            read = self._read_whole(source, field, limit + 1)
            if read is None:
                return None
            data = read
        if len(data) > limit:
            return None
        if not data and self._field is not None:
            raise FileReadError(field, "the file is empty now (it was changed after it was checked)")
        return data

    def _measure(self, source: BinaryIO, field: str) -> tuple[int, int] | None:
        """The start position and the end of the file object *source*; None for a one-shot stream. A
        failure, whatever the caller's object raised, is ``FileReadError``."""
        try:
            if not _seekable(source):
                return None
            with _HANDLE_LOCK:
                if self._start is None:
                    self._start = source.tell()
                start = self._start
                end = source.seek(0, io.SEEK_END)
                source.seek(start)
            return start, end
        except _INTERRUPTS:
            raise
        except BaseException as exc:  # raised outside the handler, kept as the error (see _peek)
            error = FileReadError(field, f"cannot read the file object: {_detail(exc)}")
        raise error

    def _read_whole(self, source: Any, field: str, size: int) -> bytes | None:
        """Up to *size* bytes of the path or seekable file object *source* from the start position; None
        for a one-shot stream. A failure, whatever the caller's object raised, is ``FileReadError``."""
        try:
            if isinstance(source, _PATHS):
                handle, _ = _open_path(source)
                with handle:
                    return handle.read(size)
            if not _seekable(source):
                return None
            with _HANDLE_LOCK:
                if self._start is None:
                    self._start = source.tell()
                source.seek(self._start)
                return _read_exact(source, size)
        except _INTERRUPTS:
            raise
        except BaseException as exc:  # raised outside the handler, kept as the error (see _peek)
            if isinstance(source, _PATHS):
                error = FileReadError(field, _path_failure(source, exc))
            else:
                error = FileReadError(field, f"cannot read the file object: {_detail(exc)}")
        raise error

    def size(self) -> int:
        """Bytes from the start position to the end (``-1`` for a one-shot stream)."""
        return self._peek("file")[1]


def release(value: object, depth: int = 0) -> None:
    """Drop what :meth:`File.check` kept of each file in *value* (a ``File``, or one inside lists, tuples,
    dict values or an attrs instance's fields, a few levels deep), for a call that will not send it: a
    caller may hold its files long after (changes planned, calls refused before sending).
    """
    if isinstance(value, File):
        value._kept = None
        return
    if depth >= 4:
        return
    try:  # a caller's odd container (a dict whose values() raises) never replaces the error under way
        if isinstance(value, dict):
            value = list(dict.values(value))
        elif attrs.has(type(value)):
            value = [getattr(value, f.name, None) for f in attrs.fields(cast(Any, type(value)))]
        if isinstance(value, list | tuple):
            for item in tuple(value):
                release(item, depth + 1)
    except Exception:  # noqa: S110 - nothing kept is then only memory, freed with the file
        pass


_utf8: Any = None  # _checks.utf8, loaded on the first check (a function-level import costs ~1 µs a call)


def _load_utf8() -> Any:
    global _utf8
    from ._checks import utf8  # loaded by then (every provider checks with it); keeps import light

    _utf8 = utf8
    return utf8


def _filename(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("filename", f"must be a str, not {type(value).__name__}")
    if _CONTROL.search(value):
        raise ValidationError("filename", "must not contain control characters (CR, LF, NUL, ESC, ...)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("filename", "must be valid Unicode text (it holds a lone surrogate)") from None
    return value


def _content_type(value: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("content_type", f"must be a str, not {type(value).__name__}")
    # str.__eq__: what the str holds (a subclass's own == may call "application/pdf;\r\nX: 1" the default)
    if not str.__eq__(value, _DEFAULT_TYPE) and not re.fullmatch(_MEDIA_TYPE, value):
        raise ValidationError(
            "content_type",
            f"{value[:80]!r} is not a media type (type/subtype, optional ;name=value parameters, "
            "ASCII, no CR or LF)",
        )
    return value


def reader_size(reader: BinaryIO) -> int:
    """The size :meth:`File.open` measured for its reader (``-1`` for a one-shot stream)."""
    return cast(_Window, reader).size


def rewind(reader: BinaryIO) -> None:
    """Put a reader :meth:`File.open` gave back at its start position, for a body sent again within one
    attempt; a one-shot stream's cannot be (``FileReadError``: never a part sent empty)."""
    window = cast(_Window, reader)
    if window.size < 0:
        raise FileReadError(window._field, ONE_SHOT_SENT)
    window.seek(0)


def _window(
    handle: BinaryIO, start: int, size: int, field: str, checked: bool, *, shared: bool = False
) -> BinaryIO:
    if size == 0 and checked:
        raise FileReadError(field, "the file is empty now (it was changed after it was checked)")
    return cast(BinaryIO, _Window(handle, start, size, field, shared))


class _Window(io.RawIOBase):
    """Exactly *size* bytes of *handle* from *start* (``size < 0``: a one-shot stream, read as it comes).

    Positions are relative to *start*, so an encoder that rewinds to 0 rewinds to the start position.
    A read that comes up short, a file longer than *size* at the end, or a failing read raise
    ``FileReadError`` before the bytes concerned are handed out, so a body is never completed with
    content the file did not have from one end to the other.
    """

    def __init__(self, handle: BinaryIO, start: int, size: int, field: str, shared: bool = False) -> None:
        super().__init__()
        self._handle = handle
        self._start = start
        self._size = self.size = size
        self._field = field
        self._shared = shared  # the caller's file object: other uploads may move its position
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._size >= 0

    def tell(self) -> int:
        if self._size < 0:
            raise io.UnsupportedOperation("a one-shot stream has no position")
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self._size < 0:
            raise io.UnsupportedOperation("a one-shot stream cannot seek")
        base = 0 if whence == io.SEEK_SET else self._pos if whence == io.SEEK_CUR else self._size
        target = min(max(base + offset, 0), self._size)
        self._guarded(self._handle.seek, self._start + target)
        self._pos = target
        return target

    def read(self, size: int | None = -1) -> bytes:
        if self._size < 0:
            data = self._guarded(self._handle.read, -1 if size is None else size)
            if data is None:  # a non-blocking stream with nothing ready: not the end, and no retry
                raise FileReadError(self._field, "the stream had no data ready (a non-blocking stream?)")
            return bytes(data)
        remaining = self._size - self._pos
        want = remaining if size is None or size < 0 else min(size, remaining)
        if want <= 0:
            return b""
        if self._shared:
            with _HANDLE_LOCK:  # from this reader's own position, whatever other readers did
                self._guarded(self._handle.seek, self._start + self._pos)
                return self._checked(self._guarded(_read_exact, self._handle, want), want)
        return self._checked(self._guarded(_read_exact, self._handle, want), want)

    def _checked(self, data: bytes, want: int) -> bytes:
        if len(data) > want:  # a reader that hands out more than asked: the body would overrun its length
            raise FileReadError(
                self._field, f"the file object returned {len(data)} bytes when {want} were asked for"
            )
        if len(data) < want:
            raise FileReadError(
                self._field,
                f"the file shrank while it was being sent (it ended after {self._pos + len(data)} of the "
                f"{self._size} bytes it had when the attempt started)",
            )
        self._pos += len(data)
        if self._pos == self._size and self._guarded(self._handle.read, 1):
            raise FileReadError(
                self._field, f"the file grew while it was being sent (past {self._size} bytes)"
            )
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _guarded(self, step: Any, *args: Any) -> Any:
        try:
            result = step(*args)
        except _INTERRUPTS:
            raise
        except (
            BaseException
        ) as exc:  # OSError; ValueError: closed under us; anything a caller's object raises
            error = FileReadError(
                self._field, f"the file could not be read while it was sent: {_detail(exc)}"
            )
        else:
            if isinstance(result, str):
                raise FileReadError(self._field, _TEXT_MODE)
            return result
        raise error  # outside the handler, kept as the error (see File._peek)


_TEXT_MODE = "the file object is open in text mode; open it in binary mode ('rb')"


def _detail(exc: BaseException) -> str:
    """What *exc* (a caller's object raised it) says, quoted whole or not at all (see :data:`_QUOTE`).
    Never raises: its ``__str__`` may raise, or hand back something other than a str."""
    kind = type(exc).__name__
    try:
        strerror = exc.strerror if isinstance(exc, OSError) else None
        if isinstance(strerror, str) and strerror:  # the OS's words ("No such file or directory")
            strerror = str.__str__(strerror)
            return strerror if len(strerror) <= _QUOTE else _quoted(kind, strerror)
        text = str(exc)
        text = text if type(text) is str else str.__str__(text)
    except _INTERRUPTS:
        raise
    except BaseException:
        return _quoted(kind, "its text cannot be shown: its __str__ raised")
    if isinstance(exc, TypeError) and "str" in text:  # a text-mode object read into bytes
        return _TEXT_MODE
    return _quoted(kind, text)


def _quoted(kind: str, text: str) -> str:
    """``kind: text``, or a description of it when longer than :data:`_QUOTE` (never a part of it)."""
    whole = f"{kind}: {text}" if kind and text else kind or text
    if len(whole) <= _QUOTE:
        return whole
    if len(kind) <= 100:
        return f"{kind} (its text, {len(text):,} characters, is not shown)"
    return f"an exception of the caller's (its text, {len(whole):,} characters, is not shown)"


def _path_repr(source: str | os.PathLike[str]) -> str:
    """The path *source* gives, quoted (as ``repr`` quotes it); its type's name when it gives none."""
    try:
        path: Any = os.fspath(source)
        return repr(str.__str__(path) if isinstance(path, str) else bytes(path))
    except _INTERRUPTS:
        raise
    except BaseException:  # its own __fspath__ raised
        return f"<{type(source).__name__}>"


def _path_failure(source: str | os.PathLike[str], exc: BaseException) -> str:
    """What an error says when the path *source* could not be opened or read: *exc* is the OS's error, or
    what the path object's own ``__fspath__`` raised."""
    if not isinstance(exc, OSError):
        return f"cannot read the path object: {_detail(exc)}"
    shown = _path_repr(source)
    where = shown if len(shown) <= _QUOTE else f"a path of {len(shown) - 2:,} characters"
    return f"cannot read {where}: {_detail(exc)}"


#: A path this small is read whole by check() and kept for the upload (httpx's multipart chunk).
_KEEP = 64 * 1024


def _identity(info: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is replaced (device, inode) or written (size, modification and change
    times in nanoseconds)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _unchanged(source: object, identity: tuple[int, ...]) -> bool:
    """Whether the path *source* still names the file check() read, unmodified (one stat, no open)."""
    if not isinstance(source, _PATHS):
        return False
    try:
        return _identity(os.stat(source)) == identity
    except _INTERRUPTS:
        raise
    except BaseException:  # gone or unusable now, or its own __fspath__ raised: read again, which reports it
        return False


def _open_path(path: str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    """Open a regular file for reading, never waiting: a FIFO with no writer would block ``open()``
    forever, and a device or directory is no document. Anything else raises OSError. Returns the reader
    and the file's size when opened."""
    handle, info = _open_path_info(path)
    return handle, info.st_size


def _open_path_info(path: str | os.PathLike[str]) -> tuple[BinaryIO, os.stat_result]:
    """:func:`_open_path`, with the file's ``os.fstat`` when opened."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except ValueError:  # a NUL byte, a lone surrogate: no file has that name
        raise OSError(errno.EINVAL, "not a usable file name (a NUL byte or a lone surrogate)") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or directory)")
        if _SET_BLOCKING:
            os.set_blocking(fd, True)
        # The buffer size given: open() would otherwise ask the file whether it is a terminal and
        # stat it again for its block size, two system calls per open on every upload.
        return open(fd, "rb", buffering=_BUFFER), info  # the caller closes it
    except BaseException:
        os.close(fd)
        raise


_BUFFER = 64 * 1024
#: Never wait in open(): a FIFO with no writer would block it (see _open_path_info).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_SET_BLOCKING = hasattr(os, "set_blocking")


def _read_exact(reader: Any, size: int) -> bytes:
    data = reader.read(size)
    if data is None:  # a non-blocking stream with nothing ready
        data = b""
    while len(data) < size:
        more = reader.read(size - len(data))
        if not more:
            break
        data += more
    return bytes(data)


def _seekable(source: BinaryIO) -> bool:
    try:
        return bool(source.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class _Prefixed(io.RawIOBase):
    """A one-shot stream with bytes already read from it put back in front."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self.prefix = prefix
        self._pending = prefix
        self._rest = rest
        self.started = False  # whether a send has begun reading it

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.started = True
        if self._pending:
            if size < 0:
                out, self._pending = self._pending + self._rest.read(), b""
                return out
            out, self._pending = self._pending[:size], self._pending[size:]
            return out
        return self._rest.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


FileInput: TypeAlias = Union[File, str, os.PathLike[str], bytes, BinaryIO]  # noqa: UP007 - a runtime alias
"""What every PDF parameter accepts: a :class:`File`, a path, bytes, or a binary file object."""


# Public classes present themselves as invoicekit.X (in reprs, tracebacks and docs), as httpx's do; the
# package exports them lazily, so `import invoicekit` (and `invoicekit --help`) does not load this module.
for _name in ("File",):
    globals()[_name].__module__ = "invoicekit"
del _name
