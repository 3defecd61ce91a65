"""``python -m invoicekit``: the ``invoicekit`` command (see docs/cli.md)."""

from ._cli import console

if __name__ == "__main__":
    console()
