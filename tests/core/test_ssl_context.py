"""The clients invoicekit makes share one SSL context; a bad SSL_CERT_FILE is a ValidationError."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

import invoicekit
from invoicekit import _client

MAKERS: dict[str, Callable[[], Any]] = {
    "Upflow": lambda: invoicekit.Upflow(api_key="k", api_secret="s"),
    "AsyncUpflow": lambda: invoicekit.AsyncUpflow(api_key="k", api_secret="s"),
    "Salesbricks": lambda: invoicekit.Salesbricks(api_key="k"),
    "AsyncSalesbricks": lambda: invoicekit.AsyncSalesbricks(api_key="k"),
    "Payabli": lambda: invoicekit.Payabli(api_key="k"),
    "AsyncPayabli": lambda: invoicekit.AsyncPayabli(api_key="k"),
    "Invoro": lambda: invoicekit.Invoro(api_key="k"),
    "AsyncInvoro": lambda: invoicekit.AsyncInvoro(api_key="k"),
    "Whmcs": lambda: invoicekit.Whmcs("https://billing.example.com", identifier="i", secret="s"),
    "AsyncWhmcs": lambda: invoicekit.AsyncWhmcs("https://billing.example.com", identifier="i", secret="s"),
}


@pytest.fixture(autouse=True)
def fresh_contexts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no shared context made and no SSL_CERT_* set."""
    monkeypatch.setattr(_client, "_SSL_CONTEXTS", {})
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def pool_context(client: Any) -> ssl.SSLContext:
    """The SSL context the client's connection pool opens TLS connections with (httpcore's)."""
    context: ssl.SSLContext = client._http._transport._pool._ssl_context
    return context


def close(client: Any) -> None:
    if isinstance(client, _client.AsyncClient):
        asyncio.run(client.aclose())
    else:
        client.close()


def test_every_client_shares_one_context_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    real = _client._new_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(_client, "_new_ssl_context", counting)
    clients = [make() for make in MAKERS.values() for _ in range(2)]
    try:
        assert len(made) == 1
        assert all(pool_context(c) is made[0] for c in clients)
    finally:
        for c in clients:
            close(c)


def test_the_shared_context_verifies_as_httpx_would() -> None:
    client = invoicekit.Payabli(api_key="k")
    try:
        context = pool_context(client)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
        # certifi's bundle, as httpx.Client() loads it: the same number of CA certificates
        reference = ssl.create_default_context(cafile=certifi.where())
        assert context.cert_store_stats() == reference.cert_store_stats()
        assert context.cert_store_stats()["x509_ca"] > 50
    finally:
        client.close()


def test_a_callers_http_client_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    own = ssl.create_default_context()
    http = httpx.Client(verify=own)
    client = invoicekit.Payabli(api_key="k", http_client=http)
    assert pool_context(client) is own
    assert _client._SSL_CONTEXTS == {}  # nothing made for it
    http.close()


def test_ssl_cert_file_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # a bundle holding only the first certificate of certifi's
    pem = Path(certifi.where()).read_text()
    first = pem[pem.index("-----BEGIN CERTIFICATE-----") : pem.index("-----END CERTIFICATE-----") + 25]
    bundle = tmp_path / "one.pem"
    bundle.write_text(first + "\n")
    default = invoicekit.Payabli(api_key="k")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    custom = invoicekit.AsyncInvoro(api_key="k")
    try:
        assert pool_context(custom).cert_store_stats()["x509_ca"] == 1
        assert pool_context(default).cert_store_stats()["x509_ca"] > 50
    finally:
        default.close()
        close(custom)


def test_ssl_cert_dir_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default = invoicekit.Payabli(api_key="k")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    custom = invoicekit.Payabli(api_key="k")
    try:
        assert pool_context(custom) is not pool_context(default)
        assert pool_context(custom).cert_store_stats()["x509_ca"] == 0  # capath loads lazily; none there
    finally:
        default.close()
        custom.close()


@pytest.mark.parametrize("name", list(MAKERS))
@pytest.mark.parametrize("content", [None, b"not a certificate\n"], ids=["missing", "garbage"])
def test_unreadable_ssl_cert_file_is_a_validation_error_at_construction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    with pytest.raises(invoicekit.ValidationError) as caught:
        MAKERS[name]()
    assert caught.value.field == "SSL_CERT_FILE"
    assert "CA certificates could not be loaded" in caught.value.rule
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_threads_constructing_at_once_make_one_context(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    real = _client._new_ssl_context
    start = threading.Barrier(8)

    def slow(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(_client, "_new_ssl_context", slow)
    clients: list[Any] = []

    def build() -> None:
        start.wait()
        clients.append(invoicekit.Payabli(api_key="k"))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(made) == 1
        assert len(clients) == 8
        assert {id(pool_context(c)) for c in clients} == {id(made[0])}
    finally:
        for c in clients:
            c.close()


RSS = """
import gc, invoicekit

def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

clients = [invoicekit.Payabli(api_key="k"), invoicekit.AsyncInvoro(api_key="k")]
gc.collect()
before = rss_kib()
for i in range(500):
    clients.append(invoicekit.Payabli(api_key="k"))
    clients.append(invoicekit.AsyncInvoro(api_key="k"))
gc.collect()
print(rss_kib() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_thousand_clients_stay_under_50_mib() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SSL_CERT_FILE", "SSL_CERT_DIR"}}
    out = subprocess.run([sys.executable, "-c", RSS], capture_output=True, text=True, check=True, env=env)
    grown_kib = int(out.stdout)
    assert grown_kib < 50 * 1024, f"1,000 clients grew RSS by {grown_kib} KiB"
