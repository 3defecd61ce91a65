"""Helpers shared by tests (importable by name: pytest and mypy put tests/ on the path)."""

import io


class OneShot(io.RawIOBase):
    """A pipe-like stream: readable once, not seekable."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)
