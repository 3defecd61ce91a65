"""Running the ``invoicekit`` console script in tests: the fake server (``invoicekit fakes serve``, started
once per session by tests/cli/conftest.py) and ``cli()``, which runs the installed entry point with the
fake's environment and checks that no credential reaches stdout or stderr.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

SCRIPT = Path(sys.executable).parent / "invoicekit"
PDF = b"%PDF-1.7 command line\n"
CREDENTIAL_VARS = ("KEY", "SECRET", "TOKEN", "IDENTIFIER")


class Served:
    """The fake server: its URL, the environment it printed, and how many requests each fake received."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env

    def requests(self) -> dict[str, int]:
        fakes = httpx.get(self.url + "/", timeout=5).json()["fakes"]
        return {name: fake["requests"] for name, fake in fakes.items()}

    def fault(self, name: str, spec: Mapping[str, Any]) -> None:
        httpx.post(f"{self.url}/_faults/{name}", json=dict(spec), timeout=5).raise_for_status()

    @property
    def secrets(self) -> list[str]:
        return [v for k, v in self.env.items() if any(part in k for part in CREDENTIAL_VARS)]


def serve() -> Iterator[Served]:
    """Start ``invoicekit fakes serve`` on a free loopback port, yield it, stop it with Ctrl-C."""
    process = subprocess.Popen(
        [str(SCRIPT), "fakes", "serve", "--port", "0", "--stall", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    env: dict[str, str] = {}
    url = ""
    try:
        for line in process.stdout:
            if line.startswith("invoicekit fakes on "):
                url = line.split()[3]
            name, sep, value = line.strip().partition("=")
            if sep and name.isupper():
                env[name] = value
            if "WHMCS_SECRET" in env:
                break
        assert url.startswith("http://127.0.0.1:"), url
        yield Served(url, env)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)


def base_env() -> dict[str, str]:
    """The process environment without any provider variable or colour switch."""
    drop = ("UPFLOW_", "SALESBRICKS_", "PAYABLI_", "INVORO_", "WHMCS_", "INVOICEKIT_", "NO_COLOR")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def cli(
    served: Served,
    *args: str,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    drop: tuple[str, ...] = (),
) -> Result:
    """Run ``invoicekit ARGS`` with the fake's environment (less *drop*, plus *env*), stdin not a TTY."""
    environment = {**base_env(), **served.env, **(env or {})}
    for name in drop:
        environment.pop(name, None)
    done = subprocess.run(
        [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, env=environment, timeout=60
    )
    for secret in served.secrets:  # no credential is ever printed, whatever happened
        assert secret not in done.stdout
        assert secret not in done.stderr
    assert "Traceback" not in done.stderr
    return Result(done.returncode, done.stdout, done.stderr)
