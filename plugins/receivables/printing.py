"""Printing: "Imprimir Fatura" (one invoice per A4 page, or a carnê) and "Imprimir recibo de
liquidação", as PDF bytes drawn with `core.pdf` (reportlab).

Manual (Painel do Cliente → Faturas a Receber → "Imprimir Fatura"): select an invoice and print
it; to print a carnê "selecionar todas as faturas que farão parte do carnê … será gerado um único
PDF com todas as faturas selecionadas".

- `print_invoices(session, ids, …) -> PdfFile` (and `invoice_pdf(...) -> bytes`): ONE invoice ⇒ an
  A4 "fatura": company header, customer (name, CPF/CNPJ, code, address), number, issue and due
  dates, competence, status, wallet; the invoice's charges (description, reference period, due
  date, value); totals (charges, discounts, interest/penalty, surcharges, total); observations
  (description, instruction, early-payment discount, the deployment's interest rule, settlement);
  and the payment slip area at the bottom. SEVERAL invoices ⇒ ONE carnê PDF: three slips per A4
  page with cut lines, ordered by due date, each "Parcela N de M" with a stub (canhoto) on the left.
  Refused (pt-BR, nothing printed): no invoice selected, an invoice that does not exist, one of
  another company (when `company_id` is given), a removed invoice ("A fatura X está com status
  de excluída"), invoices of different customers in one carnê.
- The payment slip is delegable: the `draw_invoice_payment_slip` hook (firstresult,
  `hooks/receivables.py`) — `bank_profiles` draws the boleto there; nobody answering ⇒ the plain
  "carteira" slip drawn here (beneficiary, customer, number, due date, value).
- `print_settlement_receipts(session, invoice_ids)` / `settlement_receipt_pdf(session,
  settlement_id)`: "Recibo de liquidação" from `settlement.settlement_receipt` — two copies (via
  do cliente / via da empresa) on one A4 page: payer, invoice, payment date, method, amounts
  (invoice value, interest, penalty, discount, surcharge, received), value in words, signature
  line. Refused when the invoice has no settlement that was not reversed ("A fatura X não possui
  liquidação para emitir recibo.") or the settlement was reversed.

Read only: runs in the caller's unit of work and never writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.br.documents import document_kind, format_document
from core.br.extenso import money_in_words
from core.errors import NotFound, ValidationError
from core.i18n import _
from core.money import ZERO, format_brl
from core.pdf import (MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Box, Column, address_lines, company_header, cut_line,
                      document_bytes, draw_table, draw_text, label_value, mm, format_date, wrap_text)
from plugins.receivables.models import (INVOICE_REMOVED, INVOICE_STATUSES, PAYMENT_FORM_CREDIARIO, PAYMENT_FORMS,
                                        Charge, Invoice)

PERM_PRINT = "receivables.invoice.print"
PERMISSIONS = {PERM_PRINT: ("Imprimir faturas, carnês e recibos de liquidação", "Faturas a receber")}

LAYOUT_INVOICE = "fatura"
LAYOUT_CARNE = "carne"
SLIP_HEIGHT = 95 * mm  # the invoice page's payment slip area (a ficha de compensação is ~ 95 mm)
SLIPS_PER_PAGE = 3
STUB_WIDTH = 50 * mm
_STATUS_LABELS = dict(INVOICE_STATUSES)
_PAYMENT_FORM_LABELS = dict(PAYMENT_FORMS)
# Kinds of settlement charges (settlement.KIND_*) shown as interest/penalty in the totals.
_INTEREST_KINDS = {"juros", "multa", "juros_saldo"}


class PdfFile(NamedTuple):
    filename: str
    content: bytes


@dataclass
class _Printable:
    """One invoice with what its page needs (read once)."""

    invoice: Invoice
    party: object
    company: object
    charges: list[Charge] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)  # charge id ⇒ settlement charge kind
    settlement: object | None = None
    parcel: tuple[int, int] | None = None  # (N, M) in a carnê


# --- ids, loading, refusals ------------------------------------------------------------------------

def parse_ids(raw) -> list[int]:
    """'1,2, 3' or [1, '2'] or ['1,2', '3'] ⇒ [1, 2, 3] (order kept, repeats dropped); a bad id ⇒
    ValidationError naming it."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, (str, int)) else list(raw)
    out: dict[int, None] = {}
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(_("Identificador de fatura inválido: {v}").format(v=part), field="ids")
            out[int(part)] = None
    return list(out)


def _load(session: Session, ids, *, company_id: int | None) -> list[Invoice]:
    ids = parse_ids(ids)
    if not ids:
        raise ValidationError(_("Selecione ao menos uma fatura."), field="ids")
    found = {inv.id: inv for inv in session.scalars(select(Invoice).where(Invoice.id.in_(ids)))}
    for i in ids:
        if i not in found:
            raise NotFound(_("Fatura {id} não encontrada.").format(id=i))
    invoices = [found[i] for i in ids]
    for inv in invoices:
        if company_id is not None and inv.company_id != company_id:
            raise ValidationError(_("A fatura {n} pertence a outra empresa.").format(n=inv.number), field="ids")
    return invoices


def _refuse_removed(invoices: Iterable[Invoice]) -> None:
    for inv in invoices:
        if inv.status == INVOICE_REMOVED:
            raise ValidationError(_("A fatura {n} está com status de excluída").format(n=inv.number), field="ids")


def _printables(session: Session, invoices: list[Invoice]) -> list[_Printable]:
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.receivables.settlement import active_settlements
    from plugins.receivables.settlement_models import SettlementCharge

    ids = [inv.id for inv in invoices]
    settlements = active_settlements(session, ids)
    charges: dict[int, list[Charge]] = {i: [] for i in ids}
    for ch in session.scalars(select(Charge).where(Charge.invoice_id.in_(ids)).order_by(Charge.due_date, Charge.id)):
        charges[ch.invoice_id].append(ch)
    charge_ids = [ch.id for chs in charges.values() for ch in chs]
    kinds = dict(session.execute(select(SettlementCharge.charge_id, SettlementCharge.kind)
                                 .where(SettlementCharge.charge_id.in_(charge_ids))).all()) if charge_ids else {}
    out = []
    for inv in invoices:
        out.append(_Printable(invoice=inv, party=session.get(Party, inv.party_id),
                              company=session.get(Company, inv.company_id), charges=charges[inv.id],
                              kinds={c.id: kinds[c.id] for c in charges[inv.id] if c.id in kinds},
                              settlement=settlements.get(inv.id)))
    return out


def slug(text: str) -> str:
    """'Maria da Conceição' ⇒ 'maria-da-conceicao' (file names)."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "cliente"


# --- public API -----------------------------------------------------------------------------------

def print_invoices(session: Session, invoice_ids, *, runtime=None, company_id: int | None = None) -> PdfFile:
    """The PDF of the selected invoices: one ⇒ the A4 invoice (`fatura-<número>.pdf`); several ⇒
    one carnê (`carne-<cliente>.pdf`), ordered by due date. See the module docstring for refusals."""
    invoices = _load(session, invoice_ids, company_id=company_id)
    _refuse_removed(invoices)
    if len({inv.party_id for inv in invoices}) > 1:
        raise ValidationError(_("As faturas de um carnê devem ser do mesmo cliente: selecione as faturas de "
                                "um cliente só."), field="ids")
    runtime = runtime if runtime is not None else _current_runtime()
    items = _printables(session, invoices)
    if len(items) == 1:
        item = items[0]
        content = document_bytes(lambda c: _draw_invoice(c, item, session, runtime),
                                 title=f"Fatura {item.invoice.number}", author=item.company.name)
        return PdfFile(f"fatura-{item.invoice.number}.pdf", content)
    items.sort(key=lambda p: (p.invoice.due_date, p.invoice.number))
    for n, item in enumerate(items, start=1):
        item.parcel = (n, len(items))
    party = items[0].party
    content = document_bytes(lambda c: _draw_carne(c, items, session, runtime),
                             title=f"Carnê — {party.name}", author=items[0].company.name)
    return PdfFile(f"carne-{slug(party.name)}.pdf", content)


def invoice_pdf(session: Session, invoice_ids, *, runtime=None, company_id: int | None = None) -> bytes:
    """`print_invoices(...).content`: the bytes of the invoice (one id) or carnê (several)."""
    return print_invoices(session, invoice_ids, runtime=runtime, company_id=company_id).content


def print_settlement_receipts(session: Session, invoice_ids, *, company_id: int | None = None) -> PdfFile:
    """One receipt page per selected invoice (its latest settlement not reversed)."""
    from plugins.receivables.settlement import active_settlements

    invoices = _load(session, invoice_ids, company_id=company_id)
    settlements = active_settlements(session, [inv.id for inv in invoices])
    settlement_ids = []
    for inv in invoices:
        st = settlements.get(inv.id)
        if st is None:
            raise ValidationError(_("A fatura {n} não possui liquidação para emitir recibo.").format(n=inv.number),
                                  field="ids")
        settlement_ids.append(st.id)
    return _receipts(session, settlement_ids)


def settlement_receipt_pdf(session: Session, settlement_id: int, *, company_id: int | None = None) -> bytes:
    """The "Recibo de liquidação" of one settlement (refused when it was reversed)."""
    return _receipts(session, [settlement_id], company_id=company_id).content


def _receipts(session: Session, settlement_ids: list[int], *, company_id: int | None = None) -> PdfFile:
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.receivables.settlement import settlement_receipt
    from plugins.receivables.settlement_models import Settlement

    pages = []
    for sid in settlement_ids:
        data = settlement_receipt(session, sid)  # NotFound (pt-BR) for an unknown id
        st = session.get(Settlement, sid)
        if company_id is not None and st.company_id != company_id:
            raise ValidationError(_("A liquidação {id} pertence a outra empresa.").format(id=sid))
        if data["reversed"]:
            raise ValidationError(_("A liquidação {id} da fatura {n} foi estornada em {d}: não há recibo a "
                                    "emitir.").format(id=sid, n=data["invoice"]["number"],
                                                      d=format_date(data["reversed_on"])))
        pages.append((data, session.get(Company, st.company_id), session.get(Party, st.party_id)))

    def build(c):
        for i, (data, company, party) in enumerate(pages):
            if i:
                c.showPage()
            _draw_receipt_page(c, data, company, party)

    first = pages[0][0]
    name = (f"recibo-fatura-{first['invoice']['number']}.pdf" if len(pages) == 1
            else f"recibos-{slug(first['customer']['name'])}.pdf")
    return PdfFile(name, document_bytes(build, title=_("Recibo de liquidação"), author=pages[0][1].name))


def _current_runtime():
    from core.runtime import current

    try:
        return current()
    except RuntimeError:
        return None


# --- shared bits ----------------------------------------------------------------------------------

def _party_document(party) -> str:
    doc = party.document
    if not doc:
        return ""
    kind = document_kind(doc)
    return f"{kind} {format_document(doc)}" if kind else str(doc)


def _payment_form(inv: Invoice) -> str:
    return _PAYMENT_FORM_LABELS.get(inv.payment_form, inv.payment_form or "")


def _competence(item: _Printable) -> str:
    comp = item.invoice.competence
    return comp.strftime("%m/%Y") if comp else ""


def _period(ch: Charge) -> str:
    if ch.period_start and ch.period_end:
        return f"{format_date(ch.period_start)} a {format_date(ch.period_end)}"
    return ch.competence.strftime("%m/%Y") if ch.competence else ""


def _percent(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",") + "%"


def _interest_note(runtime, invoice: Invoice) -> str | None:
    """The interest rule of this invoice as an instruction line ("Após o vencimento: …"): the
    deployment's policy with the invoice's own terms laid over it (`invoice_interest_terms`, e.g.
    the boleto's profile), so the note and the boleto agree; interest only for the "Crediário"
    payment form (the default `compute_interest`), the penalty for every form."""
    if runtime is None:
        return None
    from plugins.receivables.interest import apply_terms
    from plugins.receivables.interest_hooks import interest_terms_of, policy_from_settings

    policy = apply_terms(policy_from_settings(runtime.settings("receivables")), interest_terms_of(runtime, invoice))
    parts = []
    if policy.penalty_percent:
        parts.append(_("multa de {p}").format(p=_percent(policy.penalty_percent)))
    if invoice.payment_form == PAYMENT_FORM_CREDIARIO:
        if policy.monthly_rate_percent:
            parts.append(_("juros de {p} ao mês").format(p=_percent(policy.monthly_rate_percent)))
        elif policy.daily_rate_percent:
            parts.append(_("juros de {p} ao dia").format(p=_percent(policy.daily_rate_percent)))
    if not parts:
        return None
    return _("Após o vencimento: {what}.").format(what=" e ".join(parts))


def _observations(item: _Printable, runtime) -> list[str]:
    inv = item.invoice
    lines = []
    if inv.description:
        lines.append(inv.description)
    if inv.instruction:
        lines.append(inv.instruction)
    if inv.discount_amount and inv.discount_until:
        lines.append(_("Desconto de {v} para pagamento até {d}.").format(v=format_brl(inv.discount_amount),
                                                                          d=format_date(inv.discount_until)))
    note = _interest_note(runtime, inv)
    if note and item.settlement is None:
        lines.append(note)
    if item.settlement is not None:
        st = item.settlement
        lines.append(_("Liquidação em {d}: {v} recebido{p}.").format(
            d=format_date(st.paid_on), v=format_brl(st.amount), p=_(" (parcial)") if st.partial else ""))
    return lines


def _totals(item: _Printable) -> list[tuple[str, Decimal]]:
    services = discounts = interest = surcharges = ZERO
    for ch in item.charges:
        kind = item.kinds.get(ch.id)
        if ch.amount < 0:
            discounts += -ch.amount
        elif kind in _INTEREST_KINDS:
            interest += ch.amount
        elif kind is not None:
            surcharges += ch.amount
        else:
            services += ch.amount
    rows = [(_("Valor das contas"), services)]
    if discounts:
        rows.append((_("(-) Descontos e abatimentos"), -discounts))
    if interest:
        rows.append((_("(+) Juros e multa"), interest))
    if surcharges:
        rows.append((_("(+) Acréscimos"), surcharges))
    return rows


def _slip(c, box: Box, item: _Printable, session: Session, runtime, layout: str) -> None:
    """The payment slip: a plugin's (hook) or the plain carteira slip."""
    drawn = None
    if runtime is not None:
        c.saveState()
        try:
            drawn = runtime.hook.draw_invoice_payment_slip(canvas=c, box=box, invoice=item.invoice,
                                                           session=session, layout=layout)
        finally:
            c.restoreState()
    if not drawn:
        _carteira_slip(c, box, item, compact=layout == LAYOUT_CARNE)


def _cell(c, box: Box, label: str, value, *, size: float = 9, bold: bool = False, align: str = "left") -> None:
    c.setLineWidth(0.5)
    c.rect(box.x, box.y, box.width, box.height)
    draw_text(c, box.x + 2, box.top - 7, label, size=6.5, grey=True, width=box.width - 4)
    draw_text(c, box.x + 2, box.y + 4, value, size=size, bold=bold, align=align, width=box.width - 5)


def _carteira_slip(c, box: Box, item: _Printable, *, compact: bool) -> None:
    """The default slip: "Pagamento em carteira" with beneficiary, payer, number, due date, value."""
    inv, company, party = item.invoice, item.company, item.party
    head_h = 9 * mm
    title = (_("Parcela {n} de {m}").format(n=item.parcel[0], m=item.parcel[1]) if item.parcel
             else _("Pagamento em carteira"))
    draw_text(c, box.x, box.top - 12, company.trade_name or company.name, size=11, bold=True,
              width=box.width * 0.6)
    draw_text(c, box.x + box.width * 0.6, box.top - 12, title, size=10, bold=True, align="right",
              width=box.width * 0.4)
    grid = Box(box.x, box.y, box.width, box.height - head_h)
    right_w = 48 * mm if not compact else 42 * mm
    left, right = grid.split_left(grid.width - right_w)
    row_h = (grid.height - (10 * mm if not compact else 0)) / (6 if not compact else 5)
    # right column: vencimento, nº da fatura, valor, desconto, juros/multa, valor cobrado
    cells = [(_("Vencimento"), format_date(inv.due_date), True), (_("Nº da fatura"), str(inv.number), False),
             (_("(=) Valor do documento"), format_brl(inv.total), True), (_("(-) Desconto / abatimento"), "", False),
             (_("(+) Juros / multa"), "", False)]
    if not compact:
        cells.append((_("(=) Valor cobrado"), "", False))
    top = grid.top
    for label, value, bold in cells:
        _cell(c, Box(right.x, top - row_h, right.width, row_h), label, value, bold=bold, align="right")
        top -= row_h
    # left column: beneficiário, pagador, instruções
    top = grid.top
    beneficiary = f"{company.name} — CNPJ {format_document(company.cnpj)}"
    _cell(c, Box(left.x, top - row_h, left.width, row_h), _("Beneficiário"), beneficiary)
    top -= row_h
    payer = " — ".join(p for p in (party.name, _party_document(party)) if p)
    _cell(c, Box(left.x, top - row_h, left.width, row_h), _("Pagador"), payer, bold=True)
    top -= row_h
    instr_h = top - (grid.top - len(cells) * row_h)
    ibox = Box(left.x, top - instr_h, left.width, instr_h)
    c.rect(ibox.x, ibox.y, ibox.width, ibox.height)
    draw_text(c, ibox.x + 2, ibox.top - 7, _("Instruções (texto de responsabilidade do beneficiário)"), size=6.5,
              grey=True, width=ibox.width - 4)
    lines = [_("Pagamento em carteira: pague diretamente à empresa beneficiária.")]
    if item.settlement is not None and not item.settlement.partial:
        lines.insert(0, _("FATURA LIQUIDADA em {d}: não pague novamente.").format(d=format_date(item.settlement.paid_on)))
    if inv.instruction:
        lines.append(inv.instruction)
    if inv.discount_amount and inv.discount_until:
        lines.append(_("Desconto de {v} para pagamento até {d}.").format(v=format_brl(inv.discount_amount),
                                                                          d=format_date(inv.discount_until)))
    if inv.competence:
        lines.append(_("Competência {c}.").format(c=inv.competence.strftime("%m/%Y")))
    y = ibox.top - 16
    for line in lines:
        for part in wrap_text(line, ibox.width - 6, size=8):
            if y < ibox.y + 4:
                break
            draw_text(c, ibox.x + 3, y, part, size=8)
            y -= 10
    if not compact:
        bottom_top = grid.top - len(cells) * row_h
        draw_text(c, box.x, bottom_top - 10, _("Pagador: {a}").format(a=" - ".join(address_lines(party))), size=7.5,
                  width=box.width * 0.65)
        draw_text(c, box.x + box.width * 0.65, bottom_top - 10, _("Autenticação mecânica"), size=7, grey=True,
                  align="right", width=box.width * 0.35)


# --- the A4 invoice ---------------------------------------------------------------------------------

def _draw_invoice(c, item: _Printable, session: Session, runtime) -> None:
    inv, party = item.invoice, item.party
    frame = Box(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    y = company_header(c, item.company, frame, title=_("FATURA"), subtitle=_("Nº {n}").format(n=inv.number))

    # customer and invoice data, side by side
    info_h = 42 * mm
    info = Box(frame.x, y - 4 - info_h, frame.width, info_h)
    left, right = info.split_left(info.width * 0.58, gap=4 * mm)
    c.setLineWidth(0.5)
    c.rect(left.x, left.y, left.width, left.height)
    c.rect(right.x, right.y, right.width, right.height)
    draw_text(c, left.x + 4, left.top - 10, _("Cliente"), size=7, grey=True)
    draw_text(c, left.x + 4, left.top - 22, party.name, size=11, bold=True, width=left.width - 8)
    lines = [" · ".join(p for p in (_party_document(party), _("Código {c}").format(c=party.code)) if p)]
    lines.extend(address_lines(party))
    if party.email:
        lines.append(party.email)
    ly = left.top - 34
    for line in lines[:5]:
        draw_text(c, left.x + 4, ly, line, size=8.5, width=left.width - 8)
        ly -= 10.5
    half = (right.width - 8) / 2
    top = right.top - 3
    for (la, va, ba), (lb, vb, bb) in (
            ((_("Número da fatura"), str(inv.number), True), (_("Situação"), _STATUS_LABELS.get(inv.status, inv.status), True)),
            ((_("Emissão"), format_date(inv.issue_date), False), (_("Vencimento"), format_date(inv.due_date), True)),
            ((_("Competência"), _competence(item), False), (_("Carteira"), inv.wallet or "", False)),
            ((_("Forma de pagamento"), _payment_form(inv), False), ("", "", False))):
        label_value(c, right.x + 4, top, la, va, width=half - 2, bold=ba, size=10)
        top = label_value(c, right.x + 4 + half, top, lb, vb, width=half - 2, bold=bb, size=10)
    draw_text(c, right.x + 4, right.y + 6, _("Valor total"), size=8, grey=True)
    draw_text(c, right.x + 4, right.y + 5, format_brl(inv.total), size=13, bold=True, align="right",
              width=right.width - 8)

    # the payment slip at the bottom of the first page (drawn now: a PDF page cannot be revisited)
    slip_top = MARGIN + SLIP_HEIGHT
    cut_line(c, slip_top + 4 * mm)
    _slip(c, Box(frame.x, MARGIN, frame.width, SLIP_HEIGHT), item, session, runtime, LAYOUT_INVOICE)

    # the charges (contas), continued on further pages when they do not fit above the slip
    reserved = 44 * mm  # totals + observations under the table
    y = info.y - 8 * mm
    draw_text(c, frame.x, y + 3, _("Contas desta fatura"), size=10, bold=True)
    widths = (frame.width - 230, 110, 60, 60)
    columns = [Column(_("Descrição"), widths[0]), Column(_("Referência"), widths[1]),
               Column(_("Vencimento"), widths[2], "center"), Column(_("Valor"), widths[3], "right")]
    rows = [(ch.description, _period(ch), format_date(ch.due_date), format_brl(ch.amount)) for ch in item.charges]
    pages = {"n": 1}

    def new_page() -> float:
        c.showPage()
        pages["n"] += 1
        draw_text(c, frame.x, frame.top - 12, _("Fatura Nº {n} — {cliente} (continuação, página {p})").format(
            n=inv.number, cliente=party.name, p=pages["n"]), size=10, bold=True, width=frame.width)
        return frame.top - 22

    def bottom() -> float:
        return (slip_top + 8 * mm if pages["n"] == 1 else frame.y) + reserved

    y = _table_with_pages(c, frame.x, y, columns, rows, first_bottom=slip_top + 8 * mm, reserve=reserved,
                          later_bottom=frame.y + reserved, new_page=new_page)

    # totals (right) and observations (left)
    totals = _totals(item)
    tw = 80 * mm
    ty = y - 14
    for label, value in totals:
        draw_text(c, frame.right - tw, ty, label, size=9, width=tw - 30 * mm)
        draw_text(c, frame.right - 30 * mm, ty, format_brl(value), size=9, align="right", width=30 * mm)
        ty -= 12
    c.setLineWidth(0.6)
    c.line(frame.right - tw, ty + 8, frame.right, ty + 8)
    draw_text(c, frame.right - tw, ty - 4, _("Total da fatura"), size=11, bold=True)
    draw_text(c, frame.right - 40 * mm, ty - 4, format_brl(inv.total), size=11, bold=True, align="right",
              width=40 * mm)
    ow = frame.width - tw - 8 * mm
    oy = y - 14
    draw_text(c, frame.x, oy, _("Observações"), size=8, grey=True)
    oy -= 11
    for line in _observations(item, runtime):
        for part in wrap_text(line, ow, size=8.5):
            if oy < (bottom() - reserved) + 4:
                break
            draw_text(c, frame.x, oy, part, size=8.5)
            oy -= 10.5



def _table_with_pages(c, x, top, columns, rows, *, first_bottom: float, reserve: float, later_bottom: float,
                      new_page) -> float:
    """The charges table: all on the first page when they fit above `first_bottom` + `reserve` (room
    for the totals); otherwise the first page is filled down to `first_bottom` and the rest (and the
    totals) go to the next pages, whose limit is `later_bottom`."""
    row_h = 8.5 + 5  # draw_table's row height at size 8.5
    room = top - row_h  # below the header row

    def fitting(bottom: float) -> int:
        return max(int((room - bottom) // row_h), 0)

    if len(rows) <= fitting(first_bottom + reserve):
        return draw_table(c, x, top, columns, rows, bottom=first_bottom)
    n = fitting(first_bottom)
    draw_table(c, x, top, columns, rows[:n], bottom=first_bottom)
    y = new_page()
    if rows[n:]:
        y = draw_table(c, x, y, columns, rows[n:], bottom=later_bottom, new_page=new_page)
    return y


# --- the carnê ---------------------------------------------------------------------------------------

def _draw_carne(c, items: list[_Printable], session: Session, runtime) -> None:
    frame = Box(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    slot_h = frame.height / SLIPS_PER_PAGE
    gap = 5 * mm
    for i, item in enumerate(items):
        pos = i % SLIPS_PER_PAGE
        if i and pos == 0:
            c.showPage()
        top = frame.top - pos * slot_h
        slot = Box(frame.x, top - slot_h + gap, frame.width, slot_h - gap)
        if pos:  # in the gap above this slot, below the previous one
            cut_line(c, top + gap / 2)
        stub, slip = slot.split_left(STUB_WIDTH, gap=6 * mm)
        _stub(c, stub, item)
        cut_line(c, stub.right + 3 * mm, slot.y, slot.top, vertical=True)
        _slip(c, slip, item, session, runtime, LAYOUT_CARNE)


def _stub(c, box: Box, item: _Printable) -> None:
    """The carnê stub (canhoto) the customer keeps: parcel, due date, value, number, customer."""
    inv, company, party = item.invoice, item.company, item.party
    draw_text(c, box.x, box.top - 12, company.trade_name or company.name, size=9, bold=True,
              width=box.width)
    draw_text(c, box.x, box.top - 24, _("Parcela {n} de {m}").format(n=item.parcel[0], m=item.parcel[1]), size=11,
              bold=True, width=box.width)
    top = box.top - 30
    for label, value, bold in ((_("Vencimento"), format_date(inv.due_date), True),
                               (_("Valor do documento"), format_brl(inv.total), True),
                               (_("Nº da fatura"), str(inv.number), False),
                               (_("Cliente"), party.name, False),
                               (_("Competência"), _competence(item), False)):
        top = label_value(c, box.x, top, label, value, width=box.width, bold=bold, size=9)
    draw_text(c, box.x, box.y + 16, _("Recebido em ____/____/______"), size=7.5, width=box.width)
    draw_text(c, box.x, box.y + 4, _("Recibo do pagador"), size=7, grey=True, width=box.width)


# --- the settlement receipt --------------------------------------------------------------------------

def _draw_receipt_page(c, data: dict, company, party) -> None:
    frame = Box(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    half = frame.height / 2
    for n, via in enumerate((_("Via do cliente"), _("Via da empresa"))):
        top = frame.top - n * half
        box = Box(frame.x, top - half + (6 * mm if n == 0 else 0), frame.width, half - 6 * mm)
        _draw_receipt(c, box, data, company, party, via)
        if n == 0:
            cut_line(c, top - half + 3 * mm)


def _draw_receipt(c, box: Box, data: dict, company, party, via: str) -> None:
    inv = data["invoice"]
    y = company_header(c, company, box, title=_("RECIBO DE LIQUIDAÇÃO"),
                       subtitle=_("Fatura Nº {n} · {via}").format(n=inv["number"], via=via))
    amount = data["amount"]
    y -= 18
    draw_text(c, box.x, y, _("Valor recebido: {v}").format(v=format_brl(amount)), size=13, bold=True)
    y -= 16
    doc = _party_document(party)
    text = _("Recebemos de {nome}{doc} a importância de {v} ({extenso}), referente à liquidação{parcial} da fatura "
             "nº {n}, vencimento em {venc}, paga em {pago}.").format(
        nome=party.name, doc=f", {doc}," if doc else "", v=format_brl(amount), extenso=money_in_words(amount),
        parcial=_(" parcial") if data["partial"] else "", n=inv["number"], venc=format_date(inv["due_date"]),
        pago=format_date(data["paid_on"]))
    for line in wrap_text(text, box.width, size=10, max_lines=4):
        draw_text(c, box.x, y, line, size=10)
        y -= 13
    y -= 4
    rows = [(_("Valor da fatura"), format_brl(inv["total"]))]
    if data["invoice_amount"] != inv["total"]:
        rows.append((_("Parte da fatura liquidada"), format_brl(data["invoice_amount"])))
    for label, key in ((_("(+) Juros"), "interest"), (_("(+) Multa"), "penalty"), (_("(-) Desconto"), "discount"),
                       (_("(+) Acréscimo"), "surcharge")):
        rows.append((label, format_brl(data[key])))
    rows.append((_("(=) Valor recebido"), format_brl(amount)))
    table_w = 95 * mm
    draw_table(c, box.x, y, [Column(_("Composição"), table_w - 35 * mm),
                                       Column(_("Valor"), 35 * mm, "right")], rows, size=8.5)
    # details on the right of the table
    dx, dw = box.x + table_w + 8 * mm, box.width - table_w - 8 * mm
    top = y
    details = [(_("Data do pagamento"), format_date(data["paid_on"])), (_("Forma de liquidação"), data["method_label"])]
    if data["bank_account"]:
        details.append((_("Conta"), data["bank_account"]))
    if data["partial"] and data["remainder_invoice_number"]:
        details.append((_("Saldo"), _("na fatura nº {n}").format(n=data["remainder_invoice_number"])))
    if data["justification"]:
        details.append((_("Observação"), data["justification"]))
    details.append((_("Cliente"), f"{party.name} (código {party.code})"))
    for label, value in details:
        top = label_value(c, dx, top, label, value, width=dw, size=9)
    # place, date and signature
    sy = box.y + 14
    sx = box.x + box.width - 85 * mm
    place = ", ".join(p for p in (company.city, format_date(data["paid_on"])) if p)
    draw_text(c, sx, sy + 34, place, size=9, align="center", width=85 * mm)
    c.setLineWidth(0.5)
    c.line(sx, sy + 10, box.right, sy + 10)
    draw_text(c, sx, sy, company.name, size=8, align="center", width=85 * mm)
    draw_text(c, box.x, sy, _("Recibo da liquidação {id} · emitido pelo Quita").format(id=data["settlement_id"]),
              size=7, grey=True, width=box.width - 90 * mm)
