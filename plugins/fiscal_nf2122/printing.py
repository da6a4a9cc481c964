"""Printing the NF modelo 21/22 "via única" (manual "Painel do Cliente" → "Documentos fiscais
gerados" → "Imprimir documento fiscal"), as PDF bytes drawn with `core.pdf` (reportlab).

One A4 page per document (an item list that does not fit continues on the next page, header
repeated): emitente (name, CNPJ, IE, address), the title "NOTA FISCAL DE SERVIÇO DE COMUNICAÇÃO –
MODELO 21" (or "… DE TELECOMUNICAÇÕES – MODELO 22") with "VIA ÚNICA", série, número (9 digits),
data de emissão and período de apuração; destinatário (name, CPF/CNPJ, address, código do
assinante, fatura); the items (descrição, classificação, CFOP, valor, desconto, base de cálculo,
alíquota, ICMS); totals (valor total, base de cálculo, ICMS, isentas/não tributadas, outros);
observações 1–4; the "RESERVADO AO FISCO" box with the document MD5 (mestre campo 13) in four
groups of eight characters; a cancelled document gets a "CANCELADA" stamp and a substitute one
the reference of the cancelled note (campo 34). Several documents ⇒ one PDF.

`print_documents(session, ids, …)` also marks the printed documents as delivered
(`documents.mark_delivered`, with an audit entry the first time): from then on "Anular
documento" is refused ("… já foi entregue ao cliente; cancele o documento em vez de anular.").
Refused (pt-BR, nothing printed or marked): nothing selected, unknown id, a document of another
company (when `company_id` is given), a document awaiting efetivação or annulled. A modelo 62
(NFCom) document is printed as its DANFE-COM (`danfe_com.py`) from the kept XML, in the same PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.i18n import _
from core.pdf import (MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Box, Column, address_lines, company_header, document_bytes,
                      draw_table, draw_text, format_brl, format_date, format_document, label_value, mm)
from plugins.fiscal_nf2122.models import ANULADO, CANCELADO, GERADO, PENDENTE, FiscalDocument, FiscalDocumentItem
from plugins.fiscal_nf2122.pdf_boxes import frame, text_box

PERM_PRINT = "fiscal_nf2122.document.print"
PERMISSIONS = {PERM_PRINT: ("Imprimir e enviar documentos fiscais (NF 21/22)", "Documentos fiscais")}

TITLES = {21: "NOTA FISCAL DE SERVIÇO DE COMUNICAÇÃO – MODELO 21",
          22: "NOTA FISCAL DE SERVIÇO DE TELECOMUNICAÇÕES – MODELO 22"}


class PdfFile(NamedTuple):
    filename: str
    content: bytes


@dataclass
class Printable:
    """One document with what its page needs (read once)."""

    doc: FiscalDocument
    company: object
    party: object
    items: list[FiscalDocumentItem] = field(default_factory=list)
    invoice_number: int | None = None
    invoice_due: object = None
    replaced: FiscalDocument | None = None
    nfcom: object | None = None  # modelo 62: its `FiscalNFCom` row (the DANFE-COM is printed from its XML)


# --- formatting -----------------------------------------------------------------------------------

def format_md5(md5: str | None) -> str:
    """The document MD5 as printed in "Reservado ao Fisco": four groups of eight, upper case."""
    text = (md5 or "").strip().upper()
    if len(text) != 32:
        return text
    return ".".join(text[i:i + 8] for i in range(0, 32, 8))


def format_number(number: int | None) -> str:
    """Número da nota with its 9 digits: 000.000.123."""
    if number is None:
        return "—"
    digits = f"{number:09d}"
    return ".".join(digits[i:i + 3] for i in range(0, 9, 3))


def _rate(value) -> str:
    return f"{value:.2f}".replace(".", ",") + "%"


def file_name(p: Printable) -> str:
    return f"nf{p.doc.model}-{p.doc.serie.strip() or 'U'}-{p.doc.number or 0:09d}.pdf"


# --- loading --------------------------------------------------------------------------------------

def _parse_ids(ids) -> list[int]:
    found: list[int] = []
    for raw in ids or []:
        for part in str(raw).replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(_("Documento fiscal inválido: {v}").format(v=part), field="ids")
            if int(part) not in found:
                found.append(int(part))
    if not found:
        raise ValidationError(_("Selecione ao menos um documento fiscal."), field="ids")
    return found


def load_printables(session: Session, ids, *, company_id: int | None = None) -> list[Printable]:
    """The documents `ids` ready to print, in the order given; refusals as described above."""
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.receivables.models import Invoice

    result: list[Printable] = []
    for doc_id in _parse_ids(ids):
        doc = session.get(FiscalDocument, doc_id)
        if doc is None or (company_id is not None and doc.company_id != company_id):
            raise NotFound(_("Documento fiscal {id} não encontrado.").format(id=doc_id))
        if doc.status == PENDENTE:
            raise ValidationError(_("{doc} aguarda efetivação: ainda não pode ser impresso.").format(doc=doc.title),
                                  field="ids")
        if doc.status == ANULADO:
            raise ValidationError(_("{doc} está anulado: não pode ser impresso.").format(doc=doc.title), field="ids")
        nfcom = _nfcom_of(session, doc) if doc.model == 62 else None
        items = list(session.scalars(select(FiscalDocumentItem).where(FiscalDocumentItem.document_id == doc.id)
                                     .order_by(FiscalDocumentItem.position)))
        invoice = session.get(Invoice, doc.invoice_id)
        result.append(Printable(doc=doc, company=session.get(Company, doc.company_id),
                                party=session.get(Party, doc.party_id), items=items,
                                invoice_number=invoice.number if invoice else None,
                                invoice_due=invoice.due_date if invoice else None,
                                replaced=session.get(FiscalDocument, doc.replaces_id) if doc.replaces_id else None,
                                nfcom=nfcom))
    return result


def _nfcom_of(session: Session, doc: FiscalDocument):
    """The NFCom part of a modelo 62 document; refused when there is no XML to print."""
    from plugins.fiscal_nf2122 import models

    table = getattr(models, "FiscalNFCom", None)
    row = session.get(table, doc.id) if table is not None else None
    if row is None or not (getattr(row, "nfcom_proc", None) or getattr(row, "xml_assinado", None)):
        raise ValidationError(_("{doc} não tem o XML da NFCom para imprimir o DANFE-COM.").format(doc=doc.title),
                              field="ids")
    return row


# --- drawing --------------------------------------------------------------------------------------

ITEM_COLUMNS = (Column("Descrição do serviço", 58 * mm), Column("Classif.", 14 * mm), Column("CFOP", 12 * mm),
                Column("Valor", 22 * mm, "right"), Column("Desconto", 18 * mm, "right"),
                Column("Base ICMS", 22 * mm, "right"), Column("Alíq.", 14 * mm, "right"),
                Column("ICMS", 26 * mm, "right"))


def _item_rows(items: list[FiscalDocumentItem]) -> list[tuple]:
    return [(i.descricao, i.classificacao, i.cfop, format_brl(i.valor_total),
             format_brl(i.desconto) if i.desconto else "",
             format_brl(i.bc_icms), _rate(i.aliquota_icms), format_brl(i.icms)) for i in items]


def _header(c, p: Printable, page: int) -> float:
    """Emitente on the left, the document's identification on the right; returns the y below."""
    doc, company = p.doc, p.company
    top = PAGE_HEIGHT - MARGIN
    full = Box(MARGIN, top - 40 * mm, PAGE_WIDTH - 2 * MARGIN, 40 * mm)
    left, right = full.split_left(88 * mm, 3 * mm)
    y = company_header(c, company, left)
    ie = getattr(company, "state_registration", None)
    draw_text(c, left.x, y - 10, _("Inscrição estadual: {ie}").format(ie=ie or "—"), size=8.5, width=left.width)
    frame(c, right)
    draw_text(c, right.x + 3, right.top - 11, TITLES.get(doc.model, f"NOTA FISCAL MODELO {doc.model}"), size=7.5,
              bold=True, width=right.width - 6, align="center")
    draw_text(c, right.x + 3, right.top - 21, _("VIA ÚNICA"), size=9, bold=True, width=right.width - 6,
              align="center")
    half = (right.width - 6) / 2
    row = right.top - 27
    label_value(c, right.x + 3, row, _("Série"), doc.serie.strip(), width=half, size=10, bold=True)
    label_value(c, right.x + 3 + half, row, _("Número"), format_number(doc.number), width=half, size=10, bold=True)
    row -= 22
    label_value(c, right.x + 3, row, _("Data de emissão"), format_date(doc.issue_date), width=half)
    period = doc.period or ""
    label_value(c, right.x + 3 + half, row, _("Período de apuração"),
                f"{period[2:]}/20{period[:2]}" if len(period) == 4 else "—", width=half)
    row -= 19
    label_value(c, right.x + 3, row, _("Situação"), _situacao_label(doc), width=half * 2 - 20, size=8)
    draw_text(c, right.x + 3, right.y + 3, _("Folha {n}").format(n=page), size=6.5, grey=True, width=right.width - 6,
              align="right")
    return full.y - 3 * mm


def _situacao_label(doc: FiscalDocument) -> str:
    labels = {"N": _("Normal"), "S": _("Cancelado"), "R": _("Substituto de documento cancelado"),
              "C": _("Complementar")}
    return labels.get(doc.situacao, doc.situacao)


def _recipient(c, p: Printable, top: float) -> float:
    doc, party = p.doc, p.party
    box = Box(MARGIN, top - 30 * mm, PAGE_WIDTH - 2 * MARGIN, 30 * mm)
    frame(c, box, _("DESTINATÁRIO / TOMADOR DO SERVIÇO"))
    inner = box.width - 6
    col = inner / 4
    row = box.top - 8
    label_value(c, box.x + 3, row, _("Nome / razão social"), doc.dest_name, width=col * 2.6, bold=True)
    label_value(c, box.x + 3 + col * 2.7, row, _("CPF / CNPJ"), format_document(doc.dest_document) or "—",
                width=col * 1.3)
    row -= 20
    lines = address_lines(party) if party is not None else []
    label_value(c, box.x + 3, row, _("Endereço"), " — ".join(lines) or "—", width=col * 2.6)
    label_value(c, box.x + 3 + col * 2.7, row, _("UF"), doc.dest_uf or "—", width=col * 0.4)
    label_value(c, box.x + 3 + col * 3.15, row, _("Código do assinante"), str(getattr(party, "code", "") or "—"),
                width=col * 0.85)
    row -= 20
    label_value(c, box.x + 3, row, _("Fatura"), str(p.invoice_number or "—"), width=col)
    label_value(c, box.x + 3 + col, row, _("Vencimento da fatura"), format_date(p.invoice_due) or "—", width=col)
    label_value(c, box.x + 3 + col * 2, row, _("Valor da fatura"), format_brl(doc.valor_fatura), width=col)
    label_value(c, box.x + 3 + col * 3, row, _("Tipo de utilização"), str(doc.tipo_utilizacao), width=col)
    return box.y - 3 * mm


def _totals(c, doc: FiscalDocument, top: float) -> float:
    box = Box(MARGIN, top - 15 * mm, PAGE_WIDTH - 2 * MARGIN, 15 * mm)
    frame(c, box, _("CÁLCULO DO IMPOSTO"))
    values = ((_("Base de cálculo do ICMS"), doc.bc_icms), (_("Valor do ICMS"), doc.icms),
              (_("Isentas / não tributadas"), doc.isentas), (_("Outros valores"), doc.outros),
              (_("VALOR TOTAL DA NOTA"), doc.valor_total))
    col = (box.width - 6) / len(values)
    for n, (label, value) in enumerate(values):
        label_value(c, box.x + 3 + n * col, box.top - 8, label, format_brl(value), width=col - 3,
                    bold=n == len(values) - 1, size=10 if n == len(values) - 1 else 9)
    return box.y - 3 * mm


def _observations(c, p: Printable, top: float) -> float:
    doc = p.doc
    lines = [f"{n}. {text}" for n, text in enumerate((doc.observation_1, doc.observation_2, doc.observation_3,
                                                      doc.observation_4), start=1) if text]
    if doc.situacao == "R" and doc.reference:
        ref = p.replaced.title if p.replaced is not None else ""
        lines.append(_("Documento emitido em substituição ao documento cancelado {doc} (referência {ref}).").format(
            doc=ref, ref=doc.reference))
    if doc.status == CANCELADO:
        lines.append(_("Documento cancelado em {d}. Motivo: {m}").format(d=format_date(doc.closed_at),
                                                                      m=doc.closed_reason or "—"))
    box = text_box(c, top, _("INFORMAÇÕES COMPLEMENTARES / OBSERVAÇÕES"), lines or [_("Sem observações.")],
                   size=8, line_height=10, max_lines=10)
    return box.y - 3 * mm


def _fisco(c, doc: FiscalDocument, top: float) -> float:
    box = Box(MARGIN, top - 16 * mm, PAGE_WIDTH - 2 * MARGIN, 16 * mm)
    frame(c, box, _("RESERVADO AO FISCO"))
    draw_text(c, box.x + 3, box.top - 20, format_md5(doc.md5), size=12, bold=True, width=box.width - 6,
              align="center")
    draw_text(c, box.x + 3, box.y + 4, _("Código de autenticação digital do documento (MD5 — Convênio ICMS 115/03)"),
              size=6.5, grey=True, width=box.width - 6, align="center")
    return box.y - 3 * mm


def _cancel_stamp(c) -> None:
    c.saveState()
    c.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    c.rotate(35)
    c.setFillColorRGB(0.8, 0.1, 0.1, alpha=0.35)
    c.setStrokeColorRGB(0.8, 0.1, 0.1, alpha=0.5)
    c.setFont("Helvetica-Bold", 72)
    c.drawCentredString(0, -20, "CANCELADA")
    c.setLineWidth(3)
    c.rect(-215, -45, 430, 85, stroke=1, fill=0)
    c.restoreState()


def _footer(c) -> None:
    draw_text(c, MARGIN, MARGIN - 6 * mm, _("Documento emitido por processamento eletrônico de dados em via única "
                                            "(Convênio ICMS 115/03)."), size=6.5, grey=True,
              width=PAGE_WIDTH - 2 * MARGIN)


def draw_document(c, p: Printable) -> None:
    """The pages of one document on canvas `c` (no `showPage` after the last page)."""
    page = 1
    y = _recipient(c, p, _header(c, p, page))
    stamp = p.doc.status == CANCELADO
    reserved = 16 * mm + 15 * mm + 40 * mm  # totals, fisco and observations below the items

    def new_page() -> float:
        nonlocal page
        if stamp:
            _cancel_stamp(c)
        _footer(c)
        c.showPage()
        page += 1
        return _header(c, p, page)

    draw_text(c, MARGIN, y - 8, _("DISCRIMINAÇÃO DOS SERVIÇOS"), size=6.5, bold=True, grey=True)
    y = draw_table(c, MARGIN, y - 11, ITEM_COLUMNS, _item_rows(p.items), size=8, bottom=MARGIN + reserved,
                   new_page=new_page)
    y = _totals(c, p.doc, y - 3 * mm)
    y = _observations(c, p, y)
    _fisco(c, p.doc, y)
    if stamp:
        _cancel_stamp(c)
    _footer(c)


def render_pdf(printables: list[Printable]) -> bytes:
    def build(c):
        from plugins.fiscal_nf2122.danfe_com import draw_danfe, read_danfe

        for n, p in enumerate(printables):
            if n:
                c.showPage()
            if p.nfcom is not None:  # modelo 62: the DANFE-COM of the authorized XML
                draw_danfe(c, read_danfe(bytes(p.nfcom.nfcom_proc or p.nfcom.xml_assinado)))
            else:
                draw_document(c, p)

    first = printables[0].doc
    title = first.title if len(printables) == 1 else _("Documentos fiscais ({n})").format(n=len(printables))
    return document_bytes(build, title=title, subject=_("Nota fiscal via única"))


# --- service --------------------------------------------------------------------------------------

def deliver(session: Session, docs: list[FiscalDocument], *, how: str, user=None,
            now: datetime | None = None) -> list[int]:
    """Mark the generated documents of `docs` as delivered (printed / sent), with an audit entry for
    each first delivery; returns the ids newly marked. Cancelled ones are left as they are."""
    from core import audit
    from plugins.fiscal_nf2122.documents import mark_delivered

    marked: list[int] = []
    for doc in docs:
        if doc.status != GERADO or doc.delivered_at is not None:
            continue
        before = audit.snapshot(doc)
        mark_delivered(session, doc, now=now)
        audit.record(session, action="fiscal_nf2122.document.delivered", target_kind="fiscal_document",
                     target_id=doc.id, user=user, before=before, after=audit.snapshot(doc), reason=how)
        marked.append(doc.id)
    return marked


def print_documents(session: Session, ids, *, company_id: int | None = None, user=None, mark: bool = True,
                    now: datetime | None = None) -> PdfFile:
    """"Imprimir documento fiscal": one PDF with every selected document; marks them delivered
    (`mark=False`: reprint for an e-mail already marked). Runs in the caller's unit of work."""
    printables = load_printables(session, ids, company_id=company_id)
    content = render_pdf(printables)
    if mark:
        deliver(session, [p.doc for p in printables], how=_("impresso"), user=user, now=now)
    name = file_name(printables[0]) if len(printables) == 1 else "documentos-fiscais.pdf"
    return PdfFile(name, content)
