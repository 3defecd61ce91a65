"""Adversary (hotpath): a small path's content, read by the pre-send check and kept for the first attempt,
must not outlive a call that never sends it. A caller holding its ``File`` objects (a list of changes
planned, then applied; calls refused before sending) would otherwise hold every file's whole content.
Measured with tracemalloc: what stays allocated after the calls, with every ``File`` still referenced.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicekit import File, InvoiceChange, InvoiceKitError, payabli, upflow

COUNT = 120
BODY = 48 * 1024  # under the 64 KiB kept by check(): 120 of them is 5.9 MB if kept
LIMIT = 1_500_000  # what the calls may leave allocated (caches, the client): far below COUNT * BODY


@pytest.fixture
def paths(tmp_path: Path) -> list[Path]:
    made = []
    for i in range(COUNT):
        path = tmp_path / f"doc{i}.pdf"
        path.write_bytes(b"%PDF-1.4\n" + bytes([65 + i % 26]) * (BODY - 9))
        made.append(path)
    return made


def _client(**options: Any) -> upflow.Upflow:
    return upflow.Upflow(
        api_key="k-123456",
        api_secret="s-123456",
        base_url="https://api.test",
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204))),
        **options,
    )


@pytest.fixture
def traced() -> Iterator[Callable[[], int]]:
    """A function returning the bytes allocated since the fixture started (after a collection)."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]

    def grown() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - start

    yield grown
    tracemalloc.stop()


def _refused(run: Callable[[], object]) -> None:
    with pytest.raises(InvoiceKitError):
        run()


def test_planned_files_keep_no_content(paths: list[Path], traced: Callable[[], int]) -> None:
    """Changes planned for review, then applied later: the plan sends nothing, so it keeps nothing."""
    client = _client()
    changes = [InvoiceChange(pdf=File(path)) for path in paths]
    for change in changes:
        client.invoices.plan("inv_1", change)
    assert traced() < LIMIT
    assert len(changes) == COUNT


def test_file_size_keeps_no_content(paths: list[Path], traced: Callable[[], int]) -> None:
    files = [File(path) for path in paths]
    assert [file.size() for file in files] == [BODY] * COUNT
    assert traced() < LIMIT


def test_a_file_that_fails_its_check_keeps_no_content(tmp_path: Path, traced: Callable[[], int]) -> None:
    client = _client()
    files = []
    for i in range(COUNT):
        path = tmp_path / f"not{i}.pdf"
        path.write_bytes(b"GIF89a" + b"x" * BODY)  # not a PDF: refused by the check
        file = File(path)
        files.append(file)
        _refused(lambda file=file: client.invoices.upload_pdf("inv_1", file))  # type: ignore[misc]
    assert traced() < LIMIT


REFUSALS: dict[str, Callable[[upflow.Upflow, File], object]] = {
    "bad-extra-header": lambda c, f: c.invoices.upload_pdf("inv_1", f, extra_headers={"X-A": "a\nb"}),
    "bad-invoice-id": lambda c, f: c.invoices.upload_pdf("inv\n1", f),
}


@pytest.mark.parametrize("how", sorted(REFUSALS))
def test_a_call_refused_after_the_check_keeps_no_content(
    how: str, paths: list[Path], traced: Callable[[], int]
) -> None:
    client = _client()
    files = [File(path) for path in paths]
    for file in files:
        _refused(lambda file=file: REFUSALS[how](client, file))  # type: ignore[misc]
    assert traced() < LIMIT


def test_an_attachment_checked_before_another_is_refused_keeps_no_content(
    paths: list[Path], tmp_path: Path, traced: Callable[[], int]
) -> None:
    """Payabli checks attachments in order: the first (a PDF) passes and is kept, the second is not a
    PDF, so nothing is sent; the first's content must not stay on its File (nested in the caller's
    BillData, several levels down)."""
    bad = tmp_path / "not.pdf"
    bad.write_bytes(b"GIF89a" + b"x" * 100)
    client = payabli.Payabli(
        api_key="k-123456",
        base_url="https://api.test",
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))),
    )
    bills = [
        payabli.BillData(
            attachments=[
                payabli.FileContent(f_content=File(path), filename="a.pdf"),
                payabli.FileContent(f_content=File(bad), filename="b.pdf"),
            ]
        )
        for path in paths
    ]
    for bill in bills:
        _refused(lambda bill=bill: client.invoices.update(1, invoice_data=bill))  # type: ignore[misc]
    assert traced() < LIMIT


def test_a_closed_client_keeps_no_content(paths: list[Path], traced: Callable[[], int]) -> None:
    client = upflow.Upflow(api_key="k-123456", api_secret="s-123456", base_url="https://api.test")
    client.close()
    files = [File(path) for path in paths]
    for file in files:
        _refused(lambda file=file: client.invoices.upload_pdf("inv_1", file))  # type: ignore[misc]
    assert traced() < LIMIT


def test_a_closed_async_client_keeps_no_content(paths: list[Path], traced: Callable[[], int]) -> None:
    files = [File(path) for path in paths]

    async def main() -> None:
        client = upflow.AsyncUpflow(api_key="k-123456", api_secret="s-123456", base_url="https://api.test")
        await client.aclose()
        for file in files:
            with pytest.raises(InvoiceKitError):
                await client.invoices.upload_pdf("inv_1", file)

    asyncio.run(main())
    assert traced() < LIMIT


def test_sent_files_keep_no_content(paths: list[Path], traced: Callable[[], int]) -> None:
    """The case that held: each call sends (and so releases) what its check kept."""
    client = _client()
    files = [File(path) for path in paths]
    for file in files:
        client.invoices.upload_pdf("inv_1", file)
    assert traced() < LIMIT
