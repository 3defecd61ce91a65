"""``File``: a PDF (or other upload) from a path, bytes or a binary file object, checked before sending."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, TypeAlias, Union

from ._errors import ValidationError

__all__ = ["File", "FileInput"]

_PDF_MAGIC = b"%PDF-"
ONE_SHOT_IN_JSON = (
    "a one-shot stream cannot be sent as base64 inside JSON (its length is unknown); "
    "pass a path, bytes or a seekable file"
)


class File:
    """A file to upload: *source* is a path, ``bytes``, or a binary file object opened for reading.

    *filename* is what the provider is told (default: the path's name, else the provider's default).
    *content_type* defaults to ``application/pdf``.

    A path is opened for each attempt and closed after it, so a retry re-reads it. A seekable file object
    is read from the position it had when the call started, again on each retry. A one-shot stream (a
    pipe, a socket) is sent once and its call is never retried.
    """

    __slots__ = ("_start", "content_type", "filename", "source")

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes | BinaryIO,
        filename: str | None = None,
        content_type: str = "application/pdf",
    ) -> None:
        if isinstance(source, bytearray | memoryview):
            source = bytes(source)
        self.source: str | os.PathLike[str] | bytes | BinaryIO = source
        self.filename: str | None = filename
        self.content_type: str = content_type
        self._start: int | None = None

    def __repr__(self) -> str:
        if isinstance(self.source, bytes):
            what = f"<{len(self.source)} bytes>"
        elif isinstance(self.source, str | os.PathLike):
            what = repr(os.fspath(self.source))
        else:
            what = f"<{type(self.source).__name__}>"
        return f"File({what}, filename={self.filename!r}, content_type={self.content_type!r})"

    @classmethod
    def coerce(cls, value: FileInput, field: str) -> File:
        """Accept any :data:`FileInput` and return a :class:`File`; anything else is a ValidationError."""
        if isinstance(value, File):
            return value
        if isinstance(value, str | os.PathLike | bytes | bytearray | memoryview):
            return cls(value)
        if hasattr(value, "read"):
            return cls(value)
        raise ValidationError(field, f"expected a path, bytes or a binary file, not {type(value).__name__}")

    def name_or(self, default: str) -> str:
        """The filename to announce: the explicit one, the path's base name, or *default*."""
        if self.filename:
            return self.filename
        if isinstance(self.source, str | os.PathLike):
            return os.path.basename(os.fspath(self.source)) or default
        return default

    @property
    def replayable(self) -> bool:
        """Whether the content can be read again for a retry."""
        if isinstance(self.source, bytes | str | os.PathLike):
            return True
        return _seekable(self.source)

    def check(self, field: str, *, max_size: int | None = None, pdf: bool = True, sized: bool = False) -> int:
        """Check the file before any request: it exists, is not empty, starts with ``%PDF-`` (when *pdf*)
        and fits *max_size* bytes. Returns its size in bytes (``-1`` for a one-shot stream).

        *sized* demands a known length, as base64 inside JSON does: a one-shot stream is then refused.
        The name announced (``filename``, else the path's, which may hold surrogate escapes for a name that
        is not UTF-8) must be one UTF-8 can carry.
        """
        from ._checks import utf8  # loaded by then (every provider checks with it); keeps import light

        utf8(self.name_or(""), f"{field}.filename")
        head, size = self._peek(field)
        if sized and size < 0:
            raise ValidationError(field, ONE_SHOT_IN_JSON)
        if size == 0 or head == b"":
            raise ValidationError(field, "the file is empty")
        if pdf and not head.startswith(_PDF_MAGIC):
            raise ValidationError(field, "not a PDF (a PDF file starts with '%PDF-')")
        if max_size is not None and size > max_size:
            raise ValidationError(field, f"{size} bytes is over the provider's limit of {max_size} bytes")
        return size

    def _peek(self, field: str) -> tuple[bytes, int]:
        source = self.source
        if isinstance(source, bytes):
            return source[:5], len(source)
        if isinstance(source, str | os.PathLike):
            try:
                with open(source, "rb") as handle:
                    return handle.read(5), os.fstat(handle.fileno()).st_size
            except OSError as exc:
                raise ValidationError(field, f"cannot read {os.fspath(source)!r}: {exc.strerror}") from None
        if not _seekable(source):
            return self._peek_stream(source)
        if self._start is None:
            self._start = source.tell()
        source.seek(self._start)
        head = source.read(5)
        end = source.seek(0, io.SEEK_END)
        source.seek(self._start)
        return head, end - self._start

    def _peek_stream(self, source: BinaryIO) -> tuple[bytes, int]:
        # A one-shot stream: read the head once and put it back in front of the rest.
        if isinstance(source, _Prefixed):
            return source.prefix[:5], -1
        head = source.read(5)
        self.source = _Prefixed(head, source)  # type: ignore[assignment]  # a BinaryIO in practice
        return head, -1

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """Yield a binary reader positioned at the start of the content; closes what it opened."""
        source = self.source
        if isinstance(source, bytes):
            yield io.BytesIO(source)
        elif isinstance(source, str | os.PathLike):
            with open(source, "rb") as handle:
                yield handle
        else:
            if _seekable(source):
                if self._start is None:
                    self._start = source.tell()
                source.seek(self._start)
            yield source

    def size(self) -> int:
        """Bytes from the start position to the end (``-1`` for a one-shot stream)."""
        return self._peek("file")[1]


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

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
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
