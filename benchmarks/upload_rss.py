"""Memory: what uploading a 30,000,000-byte PDF adds to the process's peak RSS.

  python benchmarks/upload_rss.py                       # every case, each in a fresh process
  python benchmarks/upload_rss.py ik_upflow_base64_path # one case

Each case runs in a fresh process that builds its client against loopback_server.py (a separate
process on 127.0.0.1 that drains the body), makes one 1 KB upload through the same path (lazy imports
and one-time set-up paid), then measures the big upload:

* baseline = the current RSS just before it (VmRSS), after resetting the peak (``/proc/self/clear_refs``);
* peak = the peak RSS during it (VmHWM), so an earlier, higher peak (imports) cannot hide the upload;
* added = peak - baseline: the memory the upload itself took. ``ru_maxrss`` before/after is kept too.

Targets: <= 1 MiB added for multipart from a path or file object, <= 2 MiB for base64 in JSON.
Payabli caps one update at 30,000,000 characters of base64 (22,500,000 bytes of file, per
invoicekit.payabli.MAX_UPLOAD_BASE64): its 30 MB case lifts that cap inside the benchmark process
(the encoder is what is measured), and an at-the-limit 22.5 MB case runs unpatched.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SIZE = 30_000_000
MIB = 1024 * 1024

# name -> (target MiB or None for a reference case, file size)
CASES: dict[str, tuple[float | None, int]] = {
    "raw_httpx_multipart_fileobj": (None, SIZE),
    "raw_httpx_base64_in_memory": (None, SIZE),
    "ik_upflow_multipart_path": (1.0, SIZE),
    "ik_upflow_multipart_fileobj": (1.0, SIZE),
    "ik_upflow_base64_path": (2.0, SIZE),
    "ik_upflow_base64_fileobj": (2.0, SIZE),
    "ik_payabli_attachment_path": (2.0, SIZE),
    "ik_payabli_attachment_at_limit": (2.0, 22_500_000),
    "sdk_payabli_base64_attachment": (None, SIZE),
}


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB


# -- cases: setup(base_url) -> upload(path) returning the bytes the server received ----------------------


def raw_httpx_multipart_fileobj(base):
    import httpx

    client = httpx.Client(timeout=60)

    def up(path):
        with open(path, "rb") as f:
            r = client.post(base + "/raw/upload", files={"file": ("invoice.pdf", f, "application/pdf")})
        r.raise_for_status()
        return int(r.headers["x-received-bytes"])

    return up


def raw_httpx_base64_in_memory(base):
    """Reference: what base64-in-JSON costs when built the obvious way (read, encode, json.dumps)."""
    import httpx

    client = httpx.Client(timeout=60)

    def up(path):
        with open(path, "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        r = client.post(base + "/raw/upload", json={"data": data})
        r.raise_for_status()
        return int(r.headers["x-received-bytes"])

    return up


def _upflow(base):
    import invoicekit

    return invoicekit.Upflow(api_key="k-test", api_secret="s-test", base_url=base + "/upflow/v1")


def _received(client):
    """Wrap the client's httpx.Client so the last answer's X-Received-Bytes can be read."""
    seen = {}
    http = client._http
    send = http.send

    def spy(request, **kw):
        response = send(request, **kw)
        seen["n"] = int(response.headers.get("x-received-bytes", -1))
        return response

    http.send = spy
    return seen


def _ik_upflow(base, encoding, fileobj):
    client = _upflow(base)
    seen = _received(client)

    def up(path):
        if fileobj:
            with open(path, "rb") as f:
                client.invoices.upload_pdf("inv_123", f, encoding=encoding)
        else:
            client.invoices.upload_pdf("inv_123", path, encoding=encoding)
        return seen["n"]

    return up


def ik_upflow_multipart_path(base):
    return _ik_upflow(base, "multipart", fileobj=False)


def ik_upflow_multipart_fileobj(base):
    return _ik_upflow(base, "multipart", fileobj=True)


def ik_upflow_base64_path(base):
    return _ik_upflow(base, "base64", fileobj=False)


def ik_upflow_base64_fileobj(base):
    return _ik_upflow(base, "base64", fileobj=True)


def _ik_payabli(base, lift_limit):
    from invoicekit import payabli
    from invoicekit.payabli import Payabli
    from invoicekit.payabli import _client as payabli_client

    if lift_limit:  # the encoder is what is measured; see the module docstring
        payabli_client.MAX_UPLOAD_BASE64 = 10**9
        payabli_client.MAX_ATTACHMENT_BYTES = 10**9
    client = Payabli(api_key="pk-test", base_url=base + "/payabli")
    seen = _received(client)

    def up(path):
        client.invoices.update(3625, invoice_data=payabli.BillData(attachments=(payabli.FileContent(path),)))
        return seen["n"]

    return up


def ik_payabli_attachment_path(base):
    return _ik_payabli(base, lift_limit=True)


def ik_payabli_attachment_at_limit(base):
    return _ik_payabli(base, lift_limit=False)


def sdk_payabli_base64_attachment(base):
    """The official SDK (its venv only): the caller reads and base64-encodes the file, as its API wants."""
    from payabli import payabli as PayabliSDK
    from payabli.types import BillData, FileContent

    client = PayabliSDK(api_key="pk-test", base_url=base + "/payabli", max_retries=0)

    def up(path):
        with open(path, "rb") as f:
            b64 = base64.b64encode(f.read()).decode("ascii")
        data = BillData(attachments=[FileContent(f_content=b64, filename="invoice.pdf", ftype="pdf")])
        r = client.invoice.with_raw_response.edit_invoice(3625, invoice_data=data)
        return int(r.headers["x-received-bytes"])

    return up


def _write_pdf(path: str, size: int) -> None:
    head = b"%PDF-1.4\n%bench\n"
    with open(path, "wb") as f:
        f.write(head)
        left = size - len(head)
        while left:
            piece = os.urandom(min(1_000_000, left))
            f.write(piece)
            left -= len(piece)


def run_case(case: str, base: str) -> dict:
    size = CASES[case][1]
    tmp = tempfile.mkdtemp(prefix="ik-upload-rss-")
    try:
        small, big = os.path.join(tmp, "small.pdf"), os.path.join(tmp, "big.pdf")
        _write_pdf(small, 1024)
        _write_pdf(big, size)
        up = globals()[case](base)
        up(small)  # warm-up through the same path
        maxrss_before = _maxrss_kib()
        reset = _reset_peak()
        rss_before = _status_kib("VmRSS")
        received = up(big)
        hwm = _status_kib("VmHWM")
        maxrss_after = _maxrss_kib()
        if reset and hwm is not None and rss_before is not None:
            baseline, peak, how = rss_before, hwm, "VmHWM after clear_refs - VmRSS before"
        else:
            baseline, peak, how = maxrss_before, maxrss_after, "ru_maxrss after - before"
        return {
            "case": case,
            "file_bytes": size,
            "server_received_bytes": received,
            "baseline_mib": round(baseline / 1024, 2),
            "peak_mib": round(peak / 1024, 2),
            "added_mib": round((peak - baseline) / 1024, 2),
            "maxrss_added_mib": round((maxrss_after - maxrss_before) / 1024, 2),
            "method": how,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def start_server() -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "loopback_server.py")], stdout=subprocess.PIPE, text=True
    )
    port = int(p.stdout.readline().split()[1])
    return p, f"http://127.0.0.1:{port}"


def measure(cases: list[str]) -> dict:
    from _common import payabli_python

    sdk_py = payabli_python()
    server, base = start_server()
    out: dict[str, dict] = {}
    try:
        for case in cases:
            if case.startswith("sdk_") and not sdk_py:
                out[case] = {
                    "skipped": "official payabli SDK venv not found (python benchmarks/setup_payabli.py)"
                }
                continue
            py = sdk_py if case.startswith("sdk_") else sys.executable
            p = subprocess.run(
                [py, os.path.abspath(__file__), "--child", case, "--url", base],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if p.returncode:
                out[case] = {"skipped": (p.stderr.strip().splitlines() or ["failed"])[-1]}
                continue
            row = json.loads(p.stdout.strip().splitlines()[-1])
            target = CASES[case][0]
            row["target_mib"] = target
            if target is not None:
                ok = row["added_mib"] <= target and row["server_received_bytes"] > row["file_bytes"]
                row["verdict"] = "met" if ok else "MISSED"
            out[case] = row
    finally:
        server.terminate()
        server.wait()
    return {"cases": out}


def report(res: dict) -> None:
    print("memory: peak RSS added by one upload (fresh process per case, loopback server on 127.0.0.1)")
    print(f"{'case':34s} {'file MB':>8s} {'baseline':>9s} {'peak':>8s} {'added':>8s}  target   received")
    for case, row in res["cases"].items():
        if "skipped" in row:
            print(f"{case:34s} skipped: {row['skipped'][:80]}")
            continue
        target = "-" if row["target_mib"] is None else f"<={row['target_mib']:.0f} {row['verdict']}"
        print(
            f"{case:34s} {row['file_bytes'] / 1e6:8.1f} {row['baseline_mib']:9.1f} {row['peak_mib']:8.1f} "
            f"{row['added_mib']:8.2f}  {target:9s} {row['server_received_bytes']}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*", default=list(CASES))
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_case(args.cases[0], args.url)))
        return
    from _common import write_result

    res = measure(args.cases)
    report(res)
    print("wrote", write_result("upload_rss", res))


if __name__ == "__main__":
    main()
