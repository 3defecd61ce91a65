"""A loopback HTTP server (127.0.0.1 only) that drains request bodies and throws them away.

Reads each body in 64 KiB pieces (Content-Length or chunked), counts the bytes, and answers with the
provider's success shape, chosen by the first path segment: ``/upflow`` -> 204, ``/payabli`` -> the
Payabli envelope, anything else -> ``{"ok": true, "received": n}``. Every answer carries
``X-Received-Bytes``. It runs in its own process, so its memory is never counted against a client.

  python benchmarks/loopback_server.py     # prints "PORT <n>" on its first line, serves until killed
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


def answer(path: str, received: int) -> tuple[int, bytes]:
    if path.startswith("/upflow"):
        return 204, b""
    if path.startswith("/payabli"):
        body = {
            "isSuccess": True,
            "responseCode": 1,
            "responseData": 3625,
            "responseText": "Success",
            "roomId": 0,
        }
        return 200, json.dumps(body).encode()
    return 200, json.dumps({"ok": True, "received": received}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _drain(self) -> int:
        received = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return received
                received += self._skip(size)
                self.rfile.readline()
        return self._skip(int(self.headers.get("Content-Length") or 0))

    def _skip(self, left: int) -> int:
        done = 0
        while left:
            piece = self.rfile.read(min(CHUNK, left))
            if not piece:
                break
            left -= len(piece)
            done += len(piece)
        return done

    def _reply(self) -> None:
        received = self._drain()
        status, body = answer(self.path, received)
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Received-Bytes", str(received))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_PATCH = do_GET = _reply


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"PORT {srv.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
