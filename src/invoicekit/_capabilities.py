"""What each provider can do with each field of an :class:`~invoicekit.InvoiceChange`: data, not code.

One :class:`Cell` per provider and field says which native argument the field becomes (``target``), the
exact wire effect of a value (``set``) and of ``None`` (``clear``), and whether ``None`` is allowed.
``invoices.apply`` and ``invoices.plan`` read these tables and nothing else to decide what is supported;
``docs/capabilities.md`` is generated from them::

    python -m invoicekit._capabilities          # print the page
    python -m invoicekit._capabilities docs     # write docs/capabilities.md and the grid in docs/unified.md

Markers as in the provider pages: [DOC] documented by the provider, [INF] inferred by invoicekit.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final, Literal, TypeAlias

import attrs

from . import _registry

__all__ = ["FIELDS", "PROVIDERS", "TABLES", "Capabilities", "Cell", "ProviderTable", "capabilities"]

#: How a unified value becomes the native argument: as is, as a one-item list, or (from a list) its one item.
Shape: TypeAlias = Literal["value", "list", "one"]

#: The fields of InvoiceChange, in order.
FIELDS: Final = ("due_date", "issue_date", "memo", "po_number", "pdf", "customer_emails")
#: The providers with a table below, in the registry's order (their ``capabilities`` key).
PROVIDERS: Final = tuple(s.capabilities for s in _registry.providers(builtin_only=True) if s.capabilities)


@attrs.frozen(kw_only=True)
class Cell:
    """One provider x field: where a value goes and what it does on the wire."""

    #: The native method's keyword argument the value becomes (``a.b`` = field *b* of the model passed as
    #: *a*); None when the provider cannot set the field.
    target: str | None
    #: The wire effect of a value; when *target* is None, why the field cannot be set.
    set: str
    #: The wire effect of ``None``; when not *clearable*, why it cannot be cleared.
    clear: str
    clearable: bool = False
    shape: Shape = "value"
    note: str = ""
    #: *target* split once at its first dot: ("invoice_data", "notes"), ("due_at", "").
    path: tuple[str, str] = attrs.field(init=False, repr=False, eq=False)

    @path.default
    def _split(self) -> tuple[str, str]:
        head, _, rest = (self.target or "").partition(".")
        return head, rest

    @property
    def settable(self) -> bool:
        return self.target is not None

    @property
    def support(self) -> str:
        """``"set + clear"``, ``"set"`` or ``"not supported"``."""
        if not self.settable:
            return "not supported"
        return "set + clear" if self.clearable else "set"


def _no(why: str) -> Cell:
    return Cell(target=None, set=why, clear=why)


@attrs.frozen
class ProviderTable:
    """A provider's mapping: a :class:`Cell` per field, and the native keyword arguments ``extra=`` takes."""

    name: str
    title: str
    native: str  # the native method the change becomes
    cells: Mapping[str, Cell]
    extra: tuple[str, ...]


_SB_NO_CLEAR_PDF = (
    "not supported: multipart cannot send an empty pdf_attachments list, and attachments=[] would also "
    "delete subscription-level files; use the native update(attachments=[salesbricks.Keep(...)])"
)

TABLES: Final[Mapping[str, ProviderTable]] = {
    "upflow": ProviderTable(
        "upflow",
        "Upflow",
        "invoices.upload_pdf",
        {
            "due_date": _no("Upflow's API here only uploads the invoice PDF"),
            "issue_date": _no("Upflow's API here only uploads the invoice PDF"),
            "memo": _no("Upflow's API here only uploads the invoice PDF"),
            "po_number": _no("Upflow's API here only uploads the invoice PDF"),
            "pdf": Cell(
                target="pdf",
                set='POST /invoices/{id}/pdf, one multipart part `file` (or JSON `{"data": base64}` with '
                "extra={'encoding': 'base64'}): replaces the invoice's PDF [DOC]",
                clear="not supported: Upflow has no call that removes an invoice's PDF",
            ),
            "customer_emails": _no("Upflow's API here only uploads the invoice PDF"),
        },
        extra=("encoding",),
    ),
    "salesbricks": ProviderTable(
        "salesbricks",
        "Salesbricks",
        "invoices.update",
        {
            "due_date": Cell(
                target="due_at",
                set="part `due_at=YYYY-MM-DD` [DOC]",
                clear="not supported: Salesbricks reads a missing or null due_at as no change [DOC]",
            ),
            "issue_date": _no("PATCH /invoices/{id} has no issue date field"),
            "memo": Cell(
                target="invoice_memo",
                set="part `invoice_memo` (at most 2,000 characters) [DOC]",
                clear='part `invoice_memo=""` [DOC]',
                clearable=True,
                note="this invoice only; extra={'persist_memo': True} also sets it on future invoices",
            ),
            "po_number": Cell(
                target="purchase_order",
                set='part `purchase_order={"code": "..."}` (JSON in the part) [DOC code, INF encoding]',
                clear="part `purchase_order={}` [DOC: an empty object clears]",
                clearable=True,
                note="extra={'persist_purchase_order': True} also sets it on future invoices",
            ),
            "pdf": Cell(
                target="pdf_attachments",
                set="one `pdf_attachments` file part and no `pdf_attachments_config`: the PDF REPLACES all "
                "invoice-level attachments; subscription-level ones stay [DOC]",
                clear=_SB_NO_CLEAR_PDF,
                shape="list",
            ),
            "customer_emails": Cell(
                target="accounts_payable_emails",
                set="one `accounts_payable_emails` part per address [INF: DRF getlist]",
                clear="one part `accounts_payable_emails=[]` [INF]",
                clearable=True,
                note="also changes the subscription, so every future invoice [DOC]",
            ),
        },
        extra=(
            "due_at",
            "purchase_order",
            "persist_purchase_order",
            "billing_address",
            "company_name",
            "accounts_payable_emails",
            "invoice_memo",
            "persist_memo",
            "line_item_overrides",
            "show_brick_descriptions",
            "tax_id",
            "reason_for_updating",
            "send_invoice",
            "pdf_attachments",
            "attachments",
            "idempotency_key",
        ),
    ),
    "payabli": ProviderTable(
        "payabli",
        "Payabli",
        "invoices.update",
        {
            "due_date": Cell(
                target="invoice_data.invoice_due_date",
                set='`invoiceData.invoiceDueDate: "YYYY-MM-DD"` [DOC]',
                clear="`invoiceData.invoiceDueDate: null` [INF: Payabli documents no clearing rule]",
                clearable=True,
            ),
            "issue_date": Cell(
                target="invoice_data.invoice_date",
                set='`invoiceData.invoiceDate: "YYYY-MM-DD"` [DOC]',
                clear="`invoiceData.invoiceDate: null` [INF]",
                clearable=True,
            ),
            "memo": Cell(
                target="invoice_data.notes",
                set="`invoiceData.notes` [DOC]",
                clear="`invoiceData.notes: null` [INF]",
                clearable=True,
            ),
            "po_number": Cell(
                target="invoice_data.purchase_order",
                set="`invoiceData.purchaseOrder` [DOC]",
                clear="`invoiceData.purchaseOrder: null` [INF]",
                clearable=True,
            ),
            "pdf": Cell(
                target="invoice_data.attachments",
                set='`invoiceData.attachments: [{fContent: base64, filename, ftype: "pdf"}]` in the same '
                "PUT: ADDS the file [INF], so the call is never resent after it may have run",
                clear="not supported: Payabli removes files with DELETE /Invoice/attachedFileFromInvoice/"
                "{id}/{filename}, which invoicekit does not wrap",
                shape="list",
            ),
            "customer_emails": Cell(
                target="customer_data.billing_email",
                set="`customerData.billingEmail` (exactly one address: Payabli holds one) [DOC]",
                clear="`customerData.billingEmail: null` [INF]",
                clearable=True,
                shape="one",
                note="changes the customer record; where email identifies customers, Payabli may match "
                "another customer [UNK]",
            ),
        },
        extra=("invoice_data", "customer_data", "scheduled_options", "force_customer_creation"),
    ),
    "invoro": ProviderTable(
        "invoro",
        "Invoro",
        "invoices.update_draft",
        {
            "due_date": Cell(
                target="header.due_date",
                set='`header.due_date: "YYYY-MM-DDT00:00:00Z"` in the full draft PUT [DOC]',
                clear="`header.due_date: null` [DOC nullable]",
                clearable=True,
                note="needs base= (the PUT replaces the whole draft)",
            ),
            "issue_date": Cell(
                target="header.issue_date",
                set='`header.issue_date: "YYYY-MM-DDT00:00:00Z"` in the full draft PUT [DOC]',
                clear="`header.issue_date: null` [DOC nullable]",
                clearable=True,
                note="needs base=",
            ),
            "memo": Cell(
                target="header.notes",
                set="`header.notes: [memo]`: replaces every note of base [DOC array, INF one note]",
                clear="`header.notes: null` [DOC nullable]",
                clearable=True,
                shape="list",
                note="needs base=",
            ),
            "po_number": _no(
                "Invoro documents no purchase-order reference (UBL OrderReference, BT-13); "
                "header.buyer_reference (BT-10) is another field: set it on base="
            ),
            "pdf": Cell(
                target="attachments",
                set="`attachments`: base's PDF attachments (mime application/pdf) are replaced by this one "
                "(`{content: base64, filename, mime_type}`), others kept [INF names]",
                clear="`attachments` without base's PDF attachments (the PUT replaces the draft) [INF]",
                clearable=True,
                note="needs base=",
            ),
            "customer_emails": _no("Invoro's draft has no documented buyer email: it delivers over Peppol"),
        },
        extra=("calculate_totals",),
    ),
    "whmcs": ProviderTable(
        "whmcs",
        "WHMCS",
        "invoices.update",
        {
            "due_date": Cell(
                target="due_date",
                set="form field `duedate=YYYY-MM-DD` [DOC]",
                clear="not supported: a WHMCS invoice always has a due date",
            ),
            "issue_date": Cell(
                target="date",
                set="form field `date=YYYY-MM-DD` [DOC]",
                clear="not supported: a WHMCS invoice always has a date",
            ),
            "memo": Cell(
                target="notes",
                set="form field `notes` (shown on the invoice) [DOC]",
                clear="form field `notes=` (empty) [INF]",
                clearable=True,
            ),
            "po_number": _no("UpdateInvoice has no purchase-order field"),
            "pdf": _no("WHMCS renders its own PDFs; UpdateInvoice takes no file"),
            "customer_emails": _no("the email belongs to the WHMCS client (UpdateClient), not the invoice"),
        },
        extra=(
            "status",
            "payment_method",
            "tax_rate",
            "tax_rate2",
            "credit",
            "date",
            "due_date",
            "date_paid",
            "notes",
            "items",
            "new_items",
            "delete_line_ids",
            "publish",
            "publish_and_send_email",
        ),
    ),
}


@attrs.frozen
class Capabilities(Mapping[str, Mapping[str, Cell]]):
    """Provider x field -> :class:`Cell`. ``caps["payabli"]["pdf"].support`` is ``"set"``.

    In a notebook it renders as a table; :meth:`to_markdown` gives the docs page.
    """

    tables: Mapping[str, ProviderTable] = TABLES

    def __getitem__(self, provider: str) -> Mapping[str, Cell]:
        return self.tables[provider].cells

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def __repr__(self) -> str:
        return grid()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(t.title)}</th>" for t in self.tables.values())
        rows = []
        for field in FIELDS:
            cells = "".join(
                f'<td title="{html.escape(_cell_text(c))}">{html.escape(c.support)}</td>'
                for c in (t.cells[field] for t in self.tables.values())
            )
            rows.append(f"<tr><th><code>{field}</code></th>{cells}</tr>")
        return f"<table><tr><th>field</th>{head}</tr>{''.join(rows)}</table>"

    def to_markdown(self) -> str:
        return page()


def capabilities() -> Capabilities:
    """What each provider can do with each field of an :class:`~invoicekit.InvoiceChange`."""
    return Capabilities()


def _cell_text(cell: Cell) -> str:
    if not cell.settable:
        return f"not supported: {cell.set}"
    text = f"value: {cell.set}; None: {cell.clear}"
    return f"{text}; {cell.note}" if cell.note else text


def grid() -> str:
    """The support grid as a Markdown table (fields down, providers across)."""
    titles = [t.title for t in TABLES.values()]
    lines = [
        "| field | " + " | ".join(titles) + " |",
        "|---|" + "---|" * len(titles),
    ]
    for field in FIELDS:
        lines.append(f"| `{field}` | " + " | ".join(TABLES[p].cells[field].support for p in TABLES) + " |")
    return "\n".join(lines)


def page() -> str:
    """docs/capabilities.md, whole."""
    out = [
        "# Capabilities: what each provider does with each field of an InvoiceChange",
        "",
        "<!-- Generated by `python -m invoicekit._capabilities docs` from src/invoicekit/_capabilities.py;",
        "     do not edit by hand (a test fails when this page and the data disagree). -->",
        "",
        "`set` = a value is applied; `clear` = `None` is applied too; `not supported` = the field raises",
        'ValidationError before any request (or, with `on_unsupported="skip"`, is skipped and reported).',
        "See [one change, any provider](unified.md).",
        "",
        grid(),
        "",
    ]
    for table in TABLES.values():
        out += [f"## {table.title} (`{table.native}`)", ""]
        out += [
            "| field | support | native argument | value on the wire | None on the wire |",
            "|---|---|---|---|---|",
        ]
        for field in FIELDS:
            cell = table.cells[field]
            if not cell.settable:
                out.append(f"| `{field}` | not supported | — | {_md(cell.set)} | — |")
                continue
            value = _md(cell.set + (f". Note: {cell.note}" if cell.note else ""))
            out.append(f"| `{field}` | {cell.support} | `{cell.target}` | {value} | {_md(cell.clear)} |")
        out += ["", f"`extra=` takes: {', '.join(f'`{e}`' for e in table.extra)}.", ""]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


GRID_START = "<!-- capabilities grid: generated, do not edit -->"
GRID_END = "<!-- end of capabilities grid -->"


def with_grid(text: str) -> str:
    """*text* (docs/unified.md) with the block between the grid markers replaced by the current grid."""
    start, end = text.index(GRID_START) + len(GRID_START), text.index(GRID_END)
    return f"{text[:start]}\n{grid()}\n{text[end:]}"


def main(argv: list[str]) -> int:
    if not argv:
        sys.stdout.write(page())
        return 0
    docs = Path(argv[0])
    (docs / "capabilities.md").write_text(page(), encoding="utf-8")
    unified = docs / "unified.md"
    unified.write_text(with_grid(unified.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
