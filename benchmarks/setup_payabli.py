"""Make the throwaway venv that holds the official Payabli SDK, for the side-by-side Payabli figures.

  python benchmarks/setup_payabli.py            # -> $TMPDIR/ik-payabli-venv (payabli==1.0.19)
  python benchmarks/setup_payabli.py /some/dir

The project never depends on it: percall.py and upload_rss.py run the SDK's cases in that venv's own
interpreter (found by _common.payabli_python, or set INVOICEKIT_BENCH_PAYABLI_PYTHON).
"""

import os
import subprocess
import sys
import tempfile

VERSION = "payabli==1.0.19"


def main() -> None:
    where = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "ik-payabli-venv")
    subprocess.run([sys.executable, "-m", "venv", where], check=True)
    py = os.path.join(where, "bin", "python")
    subprocess.run([py, "-m", "pip", "install", "-q", VERSION], check=True)
    print(py)


if __name__ == "__main__":
    main()
