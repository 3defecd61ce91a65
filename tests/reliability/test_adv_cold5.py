"""Adversary tests for cold5 (57f25a4, 95a5104, ef62a7b): the default RetryPolicy made when a call first
fails, the models' shared ``fields_eq``, and Payabli's lines, files and enums made on first use.

What held (no test here, see the report): the lazy default shared by threads and tasks failing at once,
``with_options`` copies, ``max_retries=0``/``retry=None``; ``fields_eq`` against the attrs-written methods of
the old classes (NaN and Decimal NaN fields, subclasses, non-models, unhashable fields, ``__match_args__``);
Payabli's parts loaded by 24 threads at once, old pickles, converters' ValidationErrors, and the wire bytes of
an update with lines and attachments (a file object at an offset), byte for byte against the old tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing

import pytest

from invoicekit import RetryPolicy, invoro, payabli, salesbricks, upflow, whmcs

_CLIENTS = [
    payabli.Payabli,
    payabli.AsyncPayabli,
    upflow.Upflow,
    upflow.AsyncUpflow,
    invoro.Invoro,
    invoro.AsyncInvoro,
    whmcs.Whmcs,
    whmcs.AsyncWhmcs,
    salesbricks.Salesbricks,
    salesbricks.AsyncSalesbricks,
]


@pytest.mark.parametrize("cls", _CLIENTS, ids=lambda cls: cls.__name__)
def test_the_type_hints_of_every_client_class_resolve(cls: type) -> None:
    """``typing.get_type_hints(payabli.Payabli)`` resolved before cold5; the class annotation
    ``_retry: RetryPolicy`` (RetryPolicy imported for type checkers only) made it a NameError."""
    hints = typing.get_type_hints(cls)
    assert hints.get("_retry", RetryPolicy) is RetryPolicy
    assert "_provider" in hints  # the class's other annotations are still read


# -- the first failure, when the default policy's module cannot be loaded --------------------------------

_FIRST_FAILURE = r"""
import asyncio, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import invoicekit
from invoicekit import payabli

requests = []


class Handler(BaseHTTPRequestHandler):
    def do_PUT(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        requests.append(self.path)
        body = b'{"isSuccess": false, "responseText": "busy"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % server.server_address[1]
closed = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # bound, then closed: nothing listens there
dead = "http://127.0.0.1:%d" % closed.server_address[1]
closed.server_close()


class NoFiles:
    # what the import system meets in a process at its open-file limit (EMFILE), when the first failure
    # (often that very limit, refusing the connection's socket) is the first need of invoicekit._retry
    def find_spec(self, name, path=None, target=None):
        if name == "invoicekit._retry":
            raise OSError(24, "Too many open files")
        return None


hostile = NoFiles()
sys.meta_path.insert(0, hostile)


def outcome(call):
    requests.clear()
    try:
        call()
        return ["no error", len(requests)]
    except invoicekit.InvoiceKitError as exc:
        return [type(exc).__name__, getattr(exc, "status_code", None), len(requests)]
    except Exception as exc:
        return ["escaped: " + type(exc).__name__, None, len(requests)]


def sync(base):
    with payabli.Payabli(api_key="k", base_url=base) as client:
        client.invoices.update(3625, invoice_data=payabli.BillData(notes="Q3"))


def aio(base):
    async def run():
        async with payabli.AsyncPayabli(api_key="k", base_url=base) as client:
            await client.invoices.update(3625, invoice_data=payabli.BillData(notes="Q3"))

    asyncio.run(run())


out = {
    "sync 503": outcome(lambda: sync(url)),
    "async 503": outcome(lambda: aio(url)),
    "sync refused": outcome(lambda: sync(dead)),
    "async refused": outcome(lambda: aio(dead)),
}
sys.meta_path.remove(hostile)  # the files are back: the next failure loads the policy and is retried
out["later 503"] = outcome(lambda: sync(url))
sys.stdout.write(json.dumps(out))
"""


def test_a_first_failure_whose_retry_policy_cannot_be_loaded_is_still_its_typed_error() -> None:
    """The default policy is imported on the first failure. In a process at its open-file limit (found: a
    refused socket, then ``OSError: [Errno 24] Too many open files: '.../invoicekit/_retry.py'``) that import
    failed inside the call and the OSError escaped raw, in place of the typed error; before cold5 the policy
    was imported with the client. Now the failure is not retried (logged) and ends as its own error; a
    later failure loads the policy and is retried as ever. A fresh interpreter, a real loopback server."""
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_FAILURE], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sync 503"] == ["ServerError", 503, 1]
    assert out["async 503"] == ["ServerError", 503, 1]
    assert out["sync refused"] == ["TransportError", None, 0]
    assert out["async refused"] == ["TransportError", None, 0]
    assert out["later 503"] == ["ServerError", 503, 3]  # the default's 3 attempts
