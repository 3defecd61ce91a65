"""The fake server every command-line test talks to: started once per session, on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import PDF, SCRIPT, Served, serve


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    if not SCRIPT.exists():
        pytest.skip("the invoicekit console script is not installed (pip install -e .)")
    yield from serve()


@pytest.fixture(scope="session")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "invoice.pdf"
    path.write_bytes(PDF)
    return path
