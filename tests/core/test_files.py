"""File: checked before any request, re-readable for retries."""

import io
import os
from pathlib import Path

import pytest

from invoicekit import File, ValidationError
from support import OneShot

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def read_all(f: File) -> bytes:
    with f.open() as handle:
        return handle.read()


def test_sources_read_back(tmp_path: Path) -> None:
    """Bytes, a path, a pathlib.Path and a file object all read back the same content, twice."""
    p = tmp_path / "inv.pdf"
    p.write_bytes(PDF)
    with open(p, "rb") as handle:
        for source in (PDF, str(p), p, handle):
            f = File.coerce(source, "pdf")
            assert f.check("pdf") == len(PDF)
            assert read_all(f) == PDF
            assert read_all(f) == PDF, "a retry reads the same bytes again"
            assert f.replayable


def test_seekable_file_keeps_its_start_position() -> None:
    """A file object is read from where it stood when the call started, on every attempt."""
    buf = io.BytesIO(b"junk" + PDF)
    buf.seek(4)
    f = File(buf)
    assert f.check("pdf") == len(PDF)
    assert read_all(f) == PDF
    assert read_all(f) == PDF


def test_one_shot_stream_is_not_replayable() -> None:
    """A non-seekable stream is checked without losing its head, and marked not replayable."""
    f = File(OneShot(PDF))  # type: ignore[arg-type]
    assert f.check("pdf") == -1
    assert not f.replayable
    assert read_all(f) == PDF


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "empty"),
        (b"<html>oops</html>", "not a PDF"),
        (b"PK\x03\x04zip", "not a PDF"),
        (b"%PDF", "not a PDF"),
    ],
)
def test_bad_content_is_refused(content: bytes, rule: str) -> None:
    """Empty files and files that do not start with %PDF- are refused before any request."""
    with pytest.raises(ValidationError, match=rule) as info:
        File(content).check("invoice.pdf")
    assert info.value.field == "invoice.pdf"


def test_missing_path_and_size_limit(tmp_path: Path) -> None:
    """A missing path names the file; an oversize file names the limit."""
    with pytest.raises(ValidationError, match="cannot read"):
        File(str(tmp_path / "nope.pdf")).check("pdf")
    with pytest.raises(ValidationError, match="over the provider's limit of 10 bytes"):
        File(PDF).check("pdf", max_size=10)


def test_non_pdf_allowed_when_asked() -> None:
    """pdf=False skips the magic check (for providers that take other attachments)."""
    assert File(b"hello", content_type="text/plain").check("att", pdf=False) == 5


def test_coerce_refuses_other_types() -> None:
    """Anything that is not a path, bytes or a binary reader is a ValidationError."""
    with pytest.raises(ValidationError, match="expected a path"):
        File.coerce(42, "pdf")  # type: ignore[arg-type]


def test_filename_and_repr(tmp_path: Path) -> None:
    """The filename comes from the File, then the path; repr never dumps content."""
    p = tmp_path / "INV-7.pdf"
    p.write_bytes(PDF)
    assert File(p).name_or("invoice.pdf") == "INV-7.pdf"
    assert File(PDF).name_or("invoice.pdf") == "invoice.pdf"
    assert File(PDF, filename="x.pdf").name_or("invoice.pdf") == "x.pdf"
    assert "obj" not in repr(File(PDF))
    assert os.fspath(p) in repr(File(p))


def test_sized_refuses_one_shot_streams() -> None:
    """sized=True (base64 inside JSON needs a length) refuses a one-shot stream, naming the field."""
    with pytest.raises(ValidationError, match="one-shot stream") as info:
        File(OneShot(PDF)).check("attachments[0].content", sized=True)  # type: ignore[arg-type]
    assert info.value.field == "attachments[0].content"
    assert File(PDF).check("pdf", sized=True) == len(PDF)
