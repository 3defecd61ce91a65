"""Every ```python block in README.md and docs/ runs, so a snippet can never drift from the code.

How a page runs:

- its blocks run in order in one namespace (a later block may use what an earlier one defined), in a
  temporary directory holding a small PDF for every ``"*.pdf"`` name the page mentions;
- the production clients a snippet makes (``invoicekit.Upflow()``, ``invoicekit.Whmcs("https://...")``) get
  their credentials from the environment, as in real use, and their requests reach the fakes of
  :mod:`invoicekit.testing`, seeded with the invoices the pages name (see :func:`docs_world`); a request to
  any other host fails, and loopback (``FakeServer``) is left alone;
- a block that defines ``test_*`` functions is also run by pytest with the invoicekit plugin, as a reader
  would run it.

A block that cannot run (it needs a live account, or it is a fragment shown for its shape) is marked with
the HTML comment ``<!-- snippet: skip -->`` on the line just before its opening fence. GitHub and the
site do not show it. Use it sparingly: a block that runs is a block that stays true.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicekit._client import SyncClient
from invoicekit.testing import (
    FakeInvoro,
    FakePayabli,
    FakeProvider,
    FakeSalesbricks,
    FakeUpflow,
    FakeWhmcs,
    SalesbricksAttachment,
)

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [ROOT / "README.md", *(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)],
)
SKIP = "<!-- snippet: skip -->"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
WHMCS_URL = "https://billing.example.com"  # the WHMCS installation the docs use

# Context a block assumes but does not show: (page, text in the block) -> code run just before it, in the
# page's namespace. Keep it tiny, and bind only the names the block uses (no imports that would hide a
# missing one).
CONTEXT = {
    ("docs/retries.md", "late_fee"): (
        "from decimal import Decimal as _Decimal\n"
        "from invoicekit import Whmcs as _Whmcs, whmcs as _whmcs\n"
        "client = _Whmcs()\n"
        'late_fee = _whmcs.NewItem("Late fee", _Decimal("15.00"), taxed=False)\n'
    ),
}


@dataclass
class Block:
    page: Path
    line: int  # of the first line of code
    code: str
    skip: bool


def blocks(page: Path) -> list[Block]:
    """The ```python blocks of *page*, with the line each starts on and whether it is marked to skip."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        line = text.count("\n", 0, match.start(1)) + 1
        found.append(Block(page, line, match.group(1), skip=before == SKIP))
    return found


def test_the_runner_finds_the_blocks() -> None:
    """The extraction itself: the pages hold the blocks it is meant to run (a broken regex finds none)."""
    counted = {p.relative_to(ROOT).as_posix(): len(blocks(p)) for p in PAGES}
    assert counted["README.md"] >= 1
    assert counted["docs/testing.md"] >= 8
    assert sum(counted.values()) >= 20
    skipped = [f"{b.page.name}:{b.line}" for p in PAGES for b in blocks(p) if b.skip]
    assert len(skipped) <= 3, f"skip sparingly: {skipped}"


def test_skip_marker_and_line_numbers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```python\nx = 1\n```\n\n<!-- snippet: skip -->\n```python\nlive()\n```\n")
    assert [(b.line, b.code, b.skip) for b in blocks(page)] == [(4, "x = 1\n", False), (9, "live()\n", True)]


@dataclass
class World:
    fakes: dict[str, FakeProvider]
    by_host: dict[str, FakeProvider]
    env: dict[str, str]


def docs_world() -> World:
    """The five fakes, seeded with every invoice the docs' production snippets name."""
    upflow = FakeUpflow()
    upflow.add_invoice("inv_demo_1", external_id="ERP-42")
    upflow.add_invoice("inv_demo_2", external_id="ERP-43")
    upflow.add_invoice("3f0c9a1e-7b2d-4c8e-9f10-2a6b5c4d3e21")
    salesbricks = FakeSalesbricks()
    salesbricks.add_invoice(
        "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        attachments=[
            SalesbricksAttachment(
                "msa.pdf", target="subscription", attachment_id="9d1e5b2a-4c3f-4e8d-a6b7-0f1e2d3c4b5a"
            )
        ],
    )
    payabli = FakePayabli()
    for invoice_id in (332, 1001):
        payabli.add_invoice(invoice_id, invoice_status=1)
    invoro = FakeInvoro()
    invoro.add_invoice("7d3f2a9e-5a0b-4c1e-9a3b-2f6c1d0e8b77")
    whmcs = FakeWhmcs()
    whmcs.add_invoice(41, lines=[(f"Old line {n}", 1, False) for n in range(1, 11)])  # line ids 1-10
    whmcs.add_invoice(
        42,
        status="Draft",
        lines=[("Setup", 25, False), ("Support", 30, True), ("Hosting", Decimal("99.00"), True)],
    )  # line ids 11, 12, 13, as whmcs.md edits them
    whmcs.add_invoice(1001, lines=[("Hosting", Decimal("10.00"), True)])
    fakes: dict[str, FakeProvider] = {
        "upflow": upflow,
        "salesbricks": salesbricks,
        "payabli": payabli,
        "invoro": invoro,
        "whmcs": whmcs,
    }
    # Each client's own production URL names the host its fake stands for (WHMCS has none: it is yours).
    clients: tuple[SyncClient, ...] = (
        upflow.client(),
        salesbricks.client(),
        payabli.client(),
        invoro.client(),
    )
    by_host: dict[str, FakeProvider] = {}
    for fake, client in zip((upflow, salesbricks, payabli, invoro), clients, strict=True):
        with client:
            by_host[httpx.URL(client.base_url).host] = fake
    by_host[httpx.URL(WHMCS_URL).host] = whmcs
    env = {
        "UPFLOW_API_KEY": upflow.api_key,
        "UPFLOW_API_SECRET": upflow.api_secret,
        "SALESBRICKS_API_KEY": salesbricks.api_key,
        "PAYABLI_API_KEY": payabli.api_key,
        "INVORO_API_KEY": invoro.api_key,
        "WHMCS_URL": WHMCS_URL,
        "WHMCS_IDENTIFIER": whmcs.identifier,
        "WHMCS_SECRET": whmcs.secret,
    }
    return World(fakes, by_host, env)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> World:
    """Route every client's real transport to the fakes by host; fail on any other non-loopback host."""
    built = docs_world()
    for key, value in built.env.items():
        monkeypatch.setenv(key, value)
    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def off_network(request: httpx.Request) -> None:
        msg = f"a docs snippet tried to reach {request.url.host}: only the fakes and loopback are allowed"
        raise httpx.ConnectError(msg, request=request)

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        fake = built.by_host.get(request.url.host)
        if fake is not None:
            return fake.handle_request(request)
        if request.url.host not in {"127.0.0.1", "localhost", "::1"}:
            off_network(request)
        return sync_send(self, request)

    async def handle_async(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        fake = built.by_host.get(request.url.host)
        if fake is not None:
            return await fake.handle_async_request(request)
        if request.url.host not in {"127.0.0.1", "localhost", "::1"}:
            off_network(request)
        return await async_send(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async)
    monkeypatch.chdir(tmp_path)
    return built


def _run_page(page: Path, tmp_path: Path) -> None:
    rel = page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else page.name
    found = blocks(page)
    for name in set(re.findall(r"""["']([\w.-]+\.pdf)["']""", page.read_text(encoding="utf-8"))):
        (tmp_path / name).write_bytes(b"%PDF-1.7\n% a docs snippet's file: " + name.encode() + b"\n")
    namespace: dict[str, Any] = {"__name__": f"docs_snippet_{page.stem}"}
    for block in found:
        if block.skip:
            continue
        for (context_page, marker), code in CONTEXT.items():
            if context_page == rel and marker in block.code:
                exec(compile(code, f"<context of {rel}:{block.line}>", "exec"), namespace)  # noqa: S102
        # Padded so that a traceback's line number is the line in the page.
        source = "\n" * (block.line - 1) + block.code
        try:
            exec(compile(source, str(page), "exec"), namespace)  # noqa: S102
        except Exception as exc:
            pytest.fail(f"{rel}:{block.line}: the block raised {exc!r}")
        if re.search(r"^(async )?def test_", block.code, re.MULTILINE):
            _run_as_pytest(block, tmp_path)


def _run_as_pytest(block: Block, tmp_path: Path) -> None:
    test_file = tmp_path / f"test_snippet_{block.page.stem}_{block.line}.py"
    test_file.write_text(block.code, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "invoicekit.testing.pytest_plugin", "--rootdir", str(tmp_path), "-W", "error", str(test_file)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert out.returncode == 0, f"{block.page.name}:{block.line} under pytest:\n{out.stdout}{out.stderr}"
    assert re.search(r"\b[1-9]\d* passed\b", out.stdout), out.stdout


@pytest.mark.parametrize(
    "page", [p for p in PAGES if blocks(p)], ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_page_snippets_run(page: Path, world: World, tmp_path: Path) -> None:
    """Each page's ```python blocks run, in order, against the seeded fakes."""
    _run_page(page, tmp_path)


def test_runner_catches_a_wrong_snippet(world: World, tmp_path: Path) -> None:
    """The runner fails on a snippet that is wrong (the Invoro KeyError, a missing import)."""
    page = tmp_path / "wrong.md"
    page.write_text("```python\nclient = invoicekit.Payabli()\n```\n")
    with pytest.raises(pytest.fail.Exception, match=r"wrong\.md:2: .*NameError.*invoicekit"):
        _run_page(page, tmp_path)


def test_runner_stays_off_the_network(world: World, tmp_path: Path) -> None:
    page = tmp_path / "net.md"
    page.write_text(
        '```python\nimport invoicekit\ninvoicekit.Whmcs("https://example.org").call("GetInvoice")\n```\n'
    )
    with pytest.raises(pytest.fail.Exception, match=r"net\.md:2: .*example\.org"):
        _run_page(page, tmp_path)


def test_runner_reaches_the_seeded_fakes(world: World, tmp_path: Path) -> None:
    """A production client in a snippet changes the seeded fake, with the environment's credentials."""
    page = tmp_path / "ok.md"
    code = 'import invoicekit\nwith invoicekit.Whmcs() as c:\n    c.invoices.update(42, notes="hi")\n'
    page.write_text(f"```python\n{code}```\n")
    _run_page(page, tmp_path)
    whmcs = world.fakes["whmcs"]
    assert isinstance(whmcs, FakeWhmcs)
    assert whmcs.invoices[42].notes == "hi"


def test_readme_links_survive_on_pypi() -> None:
    """PyPI shows README.md without the repository around it: every link in it is absolute."""
    links = re.findall(r"\]\(([^)]+)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert links
    relative = [link for link in links if not link.startswith(("https://", "http://"))]
    assert relative == []


def test_readme_makes_a_venv_before_pip_install() -> None:
    """Debian's Python refuses `pip install` outside a virtual environment; testers need only `.[test]`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.index("python3 -m venv") < text.index("python -m pip install")
    assert 'pip install -e ".[test]"' in text
    assert '".[dev]"' not in text
