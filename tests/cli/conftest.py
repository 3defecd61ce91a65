"""The fake server every command-line test talks to: started once per session, on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import PDF, SCRIPT, Served, serve


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here runs the console script in subprocesses (~50 s in all): CI runs them once, in its
    first pass, not again under orjson and the lowest versions (the library's JSON paths and dependency
    floors are what those passes check, and the rest of the suite checks them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.slow)


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
