"""The cash-flow report as a table (layout as data), for the page, CSV and xlsx.

- **Vertical** ("apresenta o relatório na vertical"): one row per period and account, then the
  period's total; columns Período, Conta and, per side (Previsto / Realizado), Saldo inicial,
  Entradas, Saídas, Saldo final (+ "Diferença" of the closing balances in Previsto x Realizado).
- **Horizontal**: the periods are the columns (+ "Total"); per side, the block "Todas as contas"
  with the entradas and saídas of each origin (Contas a receber, Dinheiro, Cartão, Contas a pagar,
  Previsões de despesas, Transferências), then each account's Saldo inicial, Entradas, Saídas and
  Saldo final. In "Total" a balance row shows the first opening / the last closing.

CSV: `;`-separated, UTF-8 with BOM, decimal comma (what a Brazilian spreadsheet opens directly).
xlsx: numbers as numbers (format `#,##0.00`), the header in bold.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from plugins.payables.cashflow import BOTH, SIDE_LABELS, SOURCE_LABELS, CashFlow, Cell

VERTICAL, HORIZONTAL = "vertical", "horizontal"
VIEWS = ((VERTICAL, "Vertical"), (HORIZONTAL, "Horizontal"))
ALL_ACCOUNTS = "Todas as contas"


@dataclass
class Row:
    cells: list
    style: str = ""          # "", "total", "section", "balance"


@dataclass
class Table:
    header: list[str]
    rows: list[Row] = field(default_factory=list)


def _side_values(c: Cell) -> list[Decimal]:
    return [c.opening, c.inflow, c.outflow, c.closing]


def vertical(report: CashFlow) -> Table:
    sides = report.sides
    header = ["Período", "Conta"]
    for side in sides:
        prefix = f"{SIDE_LABELS[side]} — " if len(sides) > 1 else ""
        header += [f"{prefix}{h}" for h in ("Saldo inicial", "Entradas", "Saídas", "Saldo final")]
    if report.filters.kind == BOTH:
        header.append("Diferença (realizado − previsto)")
    table = Table(header)

    def values(cell_of) -> list:
        out = []
        for side in sides:
            out += _side_values(cell_of(side))
        if report.filters.kind == BOTH:
            out.append(cell_of(sides[1]).closing - cell_of(sides[0]).closing)
        return out

    for i, p in enumerate(report.periods):
        for a in report.accounts:
            table.rows.append(Row([p.label, a.label, *values(lambda side: report.cell(side, a.id, i))]))
        table.rows.append(Row([p.label, "Total", *values(lambda side: report.totals[(side, i)])], "total"))
    return table


def horizontal(report: CashFlow) -> Table:
    n = len(report.periods)
    table = Table(["Conta", "Linha", *[p.label for p in report.periods], "Total"])

    def flow_row(account: str, label: str, values: list[Decimal], style: str = "") -> Row:
        return Row([account, label, *values, sum(values, Decimal("0.00"))], style)

    def balance_rows(account: str, cells: list[Cell]) -> tuple[Row, Row]:
        return (Row([account, "Saldo inicial", *[c.opening for c in cells], cells[0].opening], "balance"),
                Row([account, "Saldo final", *[c.closing for c in cells], cells[-1].closing], "balance"))

    for side in report.sides:
        if len(report.sides) > 1:
            table.rows.append(Row([SIDE_LABELS[side], "", *[""] * (n + 1)], "section"))
        totals = [report.totals[(side, i)] for i in range(n)]
        opening, closing = balance_rows(ALL_ACCOUNTS, totals)
        table.rows.append(opening)
        sources = report.sources()
        for src in sources:
            if any(c.source(src)[0] for c in totals):
                table.rows.append(flow_row(ALL_ACCOUNTS, f"Entradas — {SOURCE_LABELS[src]}",
                                           [c.source(src)[0] for c in totals]))
        table.rows.append(flow_row(ALL_ACCOUNTS, "Total de entradas", [c.inflow for c in totals], "total"))
        for src in sources:
            if any(c.source(src)[1] for c in totals):
                table.rows.append(flow_row(ALL_ACCOUNTS, f"Saídas — {SOURCE_LABELS[src]}",
                                           [c.source(src)[1] for c in totals]))
        table.rows.append(flow_row(ALL_ACCOUNTS, "Total de saídas", [c.outflow for c in totals], "total"))
        table.rows.append(closing)
        for a in report.accounts:
            cells = [report.cell(side, a.id, i) for i in range(n)]
            opening, closing = balance_rows(a.label, cells)
            table.rows += [opening, flow_row(a.label, "Entradas", [c.inflow for c in cells]),
                           flow_row(a.label, "Saídas", [c.outflow for c in cells]), closing]
    return table


def table_of(report: CashFlow, view: str) -> Table:
    return horizontal(report) if view == HORIZONTAL else vertical(report)


def _csv_value(v) -> str:
    return f"{v:.2f}".replace(".", ",") if isinstance(v, Decimal) else str(v)


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(table.header)
    for r in table.rows:
        w.writerow([_csv_value(v) for v in r.cells])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table, *, title: str = "Fluxo de caixa") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(table.header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in table.rows:
        ws.append(r.cells)
        if r.style in ("total", "section"):
            for c in ws[ws.max_row]:
                c.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, Decimal):
                c.number_format = "#,##0.00"
            elif isinstance(c.value, (date, datetime)):  # openpyxl reads dates back as datetime
                c.number_format = "DD/MM/YYYY"
    for i, col in enumerate(ws.columns, start=1):
        width = max(len(str(c.value or "")) for c in col)
        ws.column_dimensions[col[0].column_letter].width = min(max(12, width + 2), 50)
    ws.freeze_panes = "C2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
