"""Memory: what a hostile answer adds to the process's peak RSS, and that the call fails typed.

  python benchmarks/hostile_rss.py            # every case, each in a fresh process
  python benchmarks/hostile_rss.py gzip_sync  # one case

Two answers, each to a sync and an async Payabli update, on a server this script runs on 127.0.0.1 (in
this process; every measured call runs in a fresh child process):

* ``gzip``: a 200 whose gzip body (about 1 MB on the wire) inflates to 1 GiB;
* ``plain``: a 200 whose body is 1 GiB of bytes, chunked (no Content-Length to refuse it by).

The child makes one ordinary call first (imports and one-time set-up paid), resets its peak
(``/proc/self/clear_refs``), then makes the hostile call under the default ``max_response_bytes``
(16 MiB). added = peak (VmHWM) - baseline (VmRSS just before). Target: < 64 MiB added, and a
``DecodeError`` carrying the real status (200).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import run_json, verdict, write_result  # noqa: E402

GIB = 1 << 30
MIB = 1 << 20
TARGET_MIB = 64.0
CASES = ("gzip_sync", "gzip_async", "plain_sync", "plain_async")
SUCCESS = b'{"isSuccess": true, "responseCode": 1, "responseData": 3625, "responseText": "Success"}'


# -- the server (parent process) --------------------------------------------------------------------


def _gzip_gib() -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * MIB
    return b"".join([z.compress(block) for _ in range(GIB // MIB)] + [z.flush()])


class Server:
    """Answers ``/ok`` with a Payabli success, ``/gzip`` with the bomb, ``/plain`` with 1 GiB chunked."""

    def __init__(self) -> None:
        self.bomb = _gzip_gib()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                while True:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        more = conn.recv(65536)
                        if not more:
                            return
                        data += more
                    head, rest = data.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(rest) < length:
                        rest += conn.recv(65536)
                    path = head.split(b" ")[1]
                    self._answer(conn, path)
            except OSError:
                return

    def _answer(self, conn: socket.socket, path: bytes) -> None:
        if b"/gzip/" in path:
            head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(self.bomb)}\r\n\r\n"
            conn.sendall(head.encode() + self.bomb)
        elif b"/plain/" in path:
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"100000\r\n" + b" " * MIB + b"\r\n"
            for _ in range(GIB // MIB):
                conn.sendall(chunk)
            conn.sendall(b"0\r\n\r\n")
        else:
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(SUCCESS)}\r\n\r\n"
            conn.sendall(head.encode() + SUCCESS)


# -- the measured client (child process) ---------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(case: str, url: str) -> dict:
    import asyncio

    import invoicekit
    from invoicekit import payabli

    answer, kind = case.split("_")
    data = payabli.BillData(invoice_number="N-1")

    def call_sync(base: str) -> object:
        with invoicekit.Payabli(api_key="pk-test", base_url=base) as client:
            return client.invoices.update(1, invoice_data=data)

    async def call_async(base: str) -> object:
        async with invoicekit.AsyncPayabli(api_key="pk-test", base_url=base) as client:
            return await client.invoices.update(1, invoice_data=data)

    def call(base: str) -> object:
        return call_sync(base) if kind == "sync" else asyncio.run(call_async(base))

    call(url + "/ok")  # imports, TLS context, event loop: paid before the measure
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    baseline = _status_kib("VmRSS")
    started = time.perf_counter()
    outcome: dict = {}
    try:
        call(f"{url}/{answer}")
        outcome = {"error": None}
    except invoicekit.InvoiceKitError as exc:
        status = getattr(exc, "status_code", None)
        outcome = {"error": type(exc).__name__, "status_code": status, "message": str(exc)}
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    return {
        "case": case,
        **outcome,
        "seconds": round(seconds, 2),
        "baseline_mib": round(baseline / 1024, 1),
        "peak_mib": round(peak / 1024, 1),
        "added_mib": round((peak - baseline) / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*", default=list(CASES))
    ap.add_argument("--child", nargs=2, metavar=("CASE", "URL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    server = Server()
    rows = []
    print(f"hostile answers (1 GiB each), default max_response_bytes; target < {TARGET_MIB:.0f} MiB added")
    print(f"{'case':12s} {'outcome':28s} {'added MiB':>9s} {'peak MiB':>9s} {'seconds':>8s}  verdict")
    for case in args.cases:
        row = run_json([os.path.abspath(__file__), "--child", case, server.url])
        ok = row["error"] == "DecodeError" and row["status_code"] == 200
        row["verdict"] = verdict(row["added_mib"], TARGET_MIB) if ok else "MISSED (untyped or wrong class)"
        rows.append(row)
        what = f"{row['error']} ({row.get('status_code')})"
        print(
            f"{case:12s} {what:28s} {row['added_mib']:9.1f} {row['peak_mib']:9.1f} {row['seconds']:8.2f}"
            f"  {row['verdict']}"
        )
    print("wrote", write_result("hostile_rss", {"target_added_mib": TARGET_MIB, "cases": rows}))


if __name__ == "__main__":
    main()
