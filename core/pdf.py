"""PDF helpers on reportlab, shared by the plugins that print documents (fatura, carnê, recibo,
boleto). Small on purpose: a page is drawn on a reportlab `Canvas` in points (1 mm = `mm`), origin
at the bottom-left; these helpers only cover what every Brazilian document repeats.

- `document_bytes(build, title=…)` — run `build(canvas)` on a new A4 canvas and return the PDF
  bytes (compressed, deterministic: same input ⇒ same bytes);
- `Box(x, y, width, height)` — a rectangle (y = bottom), with `top`, `right`, `inset`, `split_*`;
- `draw_text` / `fit_text` / `wrap_text` — text in the standard Helvetica fonts (WinAnsi: every
  pt-BR accent; a character outside it becomes "?" instead of breaking the PDF), truncated with
  "…" or wrapped to a width;
- `company_header(c, company, box)` — name (nome fantasia and razão social), CNPJ formatted by
  `core.br`, address, phone/e-mail/site; works with any object with those attributes
  (`core.models.company.Company`, `core.parties.models.Party`);
- `draw_table(c, box_top_left…, columns, rows)` — a simple table with a header row, right-aligned
  money columns and page breaks through a callback;
- `format_date`, `format_brl` (re-exported from `core.money`), `format_document`, `address_lines`;
- `cut_line(c, y, x0, x1)` — the dashed "corte aqui" line of carnês and slips.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.br.cep import format_cep
from core.br.documents import format_cnpj, format_document
from core.money import format_brl

__all__ = ["A4", "mm", "PAGE_WIDTH", "PAGE_HEIGHT", "MARGIN", "FONT", "FONT_BOLD", "Box", "Column",
           "document_bytes", "draw_text", "fit_text", "wrap_text", "company_header", "draw_table", "cut_line",
           "label_value", "format_date", "format_brl", "format_document", "format_cnpj", "address_lines"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 12 * mm
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
GREY = 0.45
LOCAL_TZ = ZoneInfo("America/Sao_Paulo")


@dataclass(frozen=True)
class Box:
    """A rectangle in points; `y` is the bottom edge (reportlab's origin is bottom-left)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width

    def inset(self, d: float) -> "Box":
        return Box(self.x + d, self.y + d, self.width - 2 * d, self.height - 2 * d)

    def split_left(self, width: float, gap: float = 0) -> tuple["Box", "Box"]:
        """(left part of `width`, the rest after `gap`)."""
        return (Box(self.x, self.y, width, self.height),
                Box(self.x + width + gap, self.y, self.width - width - gap, self.height))

    def split_top(self, height: float, gap: float = 0) -> tuple["Box", "Box"]:
        """(top part of `height`, the rest below it after `gap`)."""
        return (Box(self.x, self.top - height, self.width, height),
                Box(self.x, self.y, self.width, self.height - height - gap))


@dataclass(frozen=True)
class Column:
    """A table column: header title, width in points, alignment ("left" | "right" | "center")."""

    title: str
    width: float
    align: str = "left"


# --- text ---------------------------------------------------------------------------------------

def format_date(value) -> str:
    """date ⇒ 'dd/mm/aaaa' ('' for None); an aware datetime gives its date in São Paulo (a UTC
    timestamp after 21:00 is still the same day for the customer)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value.astimezone(LOCAL_TZ) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _safe(text) -> str:
    """The text in the standard fonts' encoding (WinAnsi/cp1252): accents stay, anything else is '?'."""
    return ("" if text is None else str(text)).encode("cp1252", "replace").decode("cp1252")


def fit_text(text, width: float, *, size: float = 9, bold: bool = False) -> str:
    """`text` cut with '…' so it fits in `width` points."""
    text = _safe(text)
    font = FONT_BOLD if bold else FONT
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_text(text, width: float, *, size: float = 9, bold: bool = False, max_lines: int | None = None) -> list[str]:
    """`text` broken into lines of at most `width` points (the last one cut with '…' past `max_lines`)."""
    lines: list[str] = []
    for paragraph in _safe(text).splitlines() or [""]:
        lines.extend(simpleSplit(paragraph, FONT_BOLD if bold else FONT, size, width) or [""])
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = fit_text(lines[-1] + " …", width, size=size, bold=bold)
    return lines


def draw_text(c: Canvas, x: float, y: float, text, *, size: float = 9, bold: bool = False,
              align: str = "left", width: float | None = None, grey: bool = False) -> None:
    """One line at baseline `y`; `width` truncates it (and is the span for right/center alignment)."""
    text = fit_text(text, width, size=size, bold=bold) if width else _safe(text)
    c.setFont(FONT_BOLD if bold else FONT, size)
    c.setFillGray(GREY if grey else 0)
    if align == "right":
        c.drawRightString(x + (width or 0), y, text)
    elif align == "center":
        c.drawCentredString(x + (width or 0) / 2, y, text)
    else:
        c.drawString(x, y, text)
    c.setFillGray(0)


def label_value(c: Canvas, x: float, top: float, label: str, value, *, width: float, size: float = 9,
                bold: bool = False) -> float:
    """A small grey label above its value (the boxes of fichas and slips); returns the next top."""
    draw_text(c, x, top - 6.5, label, size=6.5, grey=True, width=width)
    draw_text(c, x, top - 6.5 - size - 1.5, value, size=size, bold=bold, width=width)
    return top - 6.5 - size - 5


# --- addresses and company header ----------------------------------------------------------------

def address_lines(obj) -> list[str]:
    """Address of a company or party as up to two lines: 'Rua X, 10 - compl. - Bairro' and
    'Cidade/UF - CEP 00000-000'. Missing attributes are skipped (any object works)."""
    get = lambda name: (getattr(obj, name, None) or "").strip()  # noqa: E731
    first = get("street")
    if first and get("number"):
        first += f", {get('number')}"
    first = " - ".join(p for p in (first, get("complement"), get("district")) if p)
    city = get("city")
    if city and get("uf"):
        city += f"/{get('uf')}"
    cep = get("cep")
    second = " - ".join(p for p in (city, f"CEP {format_cep(cep)}" if cep else "") if p)
    return [line for line in (first, second) if line]


def company_header(c: Canvas, company, box: Box, *, title: str | None = None, subtitle: str | None = None) -> float:
    """The company block at the top of `box` (name, razão social, CNPJ, address, contacts) and an
    optional document title on the right; returns the y below the block (a rule is drawn there)."""
    title_width = 70 * mm if title else 0
    width = box.width - title_width - (4 * mm if title else 0)
    name = getattr(company, "trade_name", None) or company.name
    y = box.top - 12
    draw_text(c, box.x, y, name, size=13, bold=True, width=width)
    lines = []
    if name != company.name:
        lines.append(company.name)
    cnpj = getattr(company, "cnpj", None) or getattr(company, "document", None)
    if cnpj:
        lines.append(f"CNPJ {format_document(cnpj)}")
    lines.extend(address_lines(company))
    contacts = [v for v in (getattr(company, "phone", None), getattr(company, "email", None),
                            getattr(company, "site", None)) if v]
    if contacts:
        lines.append(" · ".join(contacts))
    for line in lines:
        y -= 10.5
        draw_text(c, box.x, y, line, size=8.5, width=width)
    if title:
        tx = box.right - title_width
        draw_text(c, tx, box.top - 14, title, size=15, bold=True, align="right", width=title_width)
        if subtitle:
            draw_text(c, tx, box.top - 28, subtitle, size=10, align="right", width=title_width)
    y -= 6
    c.setLineWidth(0.8)
    c.line(box.x, y, box.right, y)
    return y


# --- tables and lines ----------------------------------------------------------------------------

def draw_table(c: Canvas, x: float, top: float, columns: Sequence[Column], rows: Sequence[Sequence], *,
               size: float = 8.5, bottom: float = MARGIN, new_page: Callable[[], float] | None = None) -> float:
    """A table whose header row starts at `top`; each cell is truncated to its column. When the next
    row would go below `bottom`, `new_page()` is called (it must `showPage()` and return the new top)
    and the header is repeated; without `new_page` the rows that do not fit are left out and a
    line "… mais N linha(s)" is written. Returns the y below the last row."""
    row_h = size + 5
    width = sum(col.width for col in columns)

    def header(y: float) -> float:
        c.setFillGray(0.9)
        c.rect(x, y - row_h, width, row_h, stroke=0, fill=1)
        c.setFillGray(0)
        cx = x
        for col in columns:
            draw_text(c, cx + 2, y - row_h + 4, col.title, size=size, bold=True, align=col.align,
                      width=col.width - 4)
            cx += col.width
        return y - row_h

    y = header(top)
    for i, row in enumerate(rows):
        if y - row_h < bottom:
            if new_page is None:
                draw_text(c, x + 2, y - row_h + 4, f"… mais {len(rows) - i} linha(s)", size=size, grey=True)
                return y - row_h
            y = header(new_page())
        cx = x
        for col, value in zip(columns, row):
            draw_text(c, cx + 2, y - row_h + 4, value, size=size, align=col.align, width=col.width - 4)
            cx += col.width
        c.setStrokeGray(0.8)
        c.setLineWidth(0.3)
        c.line(x, y - row_h, x + width, y - row_h)
        c.setStrokeGray(0)
        y -= row_h
    return y


def cut_line(c: Canvas, y: float, x0: float = MARGIN, x1: float = PAGE_WIDTH - MARGIN, *,
             label: str = "corte aqui", vertical: bool = False) -> None:
    """A dashed cut line (horizontal at `y` from x0 to x1; `vertical=True`: at x = `y`, from x0 to x1
    as y coordinates) with a small grey label."""
    c.saveState()
    c.setDash(3, 2)
    c.setLineWidth(0.5)
    c.setStrokeGray(GREY)
    if vertical:
        c.line(y, x0, y, x1)
    else:
        c.line(x0, y, x1, y)
        if label:  # under the line, at its right end
            draw_text(c, x1 - stringWidth(label, FONT, 6), y - 6.5, label, size=6, grey=True)
    c.restoreState()


# --- document -------------------------------------------------------------------------------------

def document_bytes(build: Callable[[Canvas], None], *, title: str, subject: str | None = None,
                   author: str | None = None) -> bytes:
    """A4 PDF: `build(canvas)` draws the pages (call `canvas.showPage()` between pages; the last page
    is closed here). Deterministic (`invariant`): the same drawing gives the same bytes."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(_safe(title))
    c.setCreator("Quita")
    if subject:
        c.setSubject(_safe(subject))
    if author:
        c.setAuthor(_safe(author))
    build(c)
    c.showPage()
    c.save()
    return buffer.getvalue()
