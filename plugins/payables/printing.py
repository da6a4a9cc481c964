"""PDFs of contas a pagar (reportlab through `core.pdf`):

- `writeoff_receipt_pdf(session, writeoff_id)` — recibo da baixa (manual: "imprimir o recibo da
  baixa"): two copies on an A4 (via do fornecedor, via da empresa) with the amount in words, the
  composition (valor baixado, juros, taxa, desconto, abatimento, retenções, valor pago) and the
  supplier's signature line. A reversed write-off has no receipt.
  `installment_receipt_pdf(session, installment)`: the one of its active write-off.
- `payment_authorisation_pdf(session, invoice_id)` — autorização de pagamento (after the launch
  and after an alteration): supplier, document, dates, values, installments, accounting (debit
  split, credit account, cost centres) and three signatures. Not for an excluded invoice.
- `bordero_pdf(b)` — borderô de pagamento (`bordero.Bordero`): one line per fatura, totals; page
  breaks repeat the header.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from core.br.extenso import money_in_words
from core.errors import NotFound, ValidationError
from core.ledger.models import Account, AccountingTemplate, CostCentre
from core.models.company import Company
from core.parties.models import Party
from core.pdf import (MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Box, Column, address_lines, company_header, cut_line,
                      document_bytes, draw_table, draw_text, format_brl, format_date, format_document, label_value,
                      mm, wrap_text)
from plugins.payables.bordero import Bordero
from plugins.payables.models import (PAYMENT_FORM_LABELS, STATUS_DELETED, STATUS_LABELS, WRITEOFF_KINDS, Carrier,
                                     FinancialCategory, PayableInstallment, PayableInvoice, PayableWriteOff)

FRAME = Box(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
KIND_LABELS = dict(WRITEOFF_KINDS)


def _account(session: Session, account_id: int | None) -> str:
    account = session.get(Account, account_id) if account_id else None
    return f"{account.code} - {account.name}" if account else ""


def _document_label(party: Party) -> str:
    return "CPF" if len(party.document or "") == 11 else "CNPJ"


def _supplier_line(party: Party) -> str:
    doc = f" · {_document_label(party)} {format_document(party.document)}" if party.document else ""
    return f"{party.name} (código {party.code}){doc}"


def _title(c, y: float, title: str, subtitle: str) -> float:
    """The document's title centred under the company header (long titles do not fit beside it)."""
    draw_text(c, FRAME.x, y - 18, title, size=14, bold=True, align="center", width=FRAME.width)
    draw_text(c, FRAME.x, y - 31, subtitle, size=9.5, align="center", width=FRAME.width)
    return y - 38


def _signature(c, x: float, y: float, width: float, label: str, name: str = "") -> None:
    c.setLineWidth(0.5)
    c.line(x, y, x + width, y)
    draw_text(c, x, y - 10, name or label, size=8, align="center", width=width)
    if name:
        draw_text(c, x, y - 19, label, size=7, grey=True, align="center", width=width)


# --- recibo da baixa ------------------------------------------------------------------------------

def _receipt_data(session: Session, writeoff_id: int) -> dict:
    wo = session.get(PayableWriteOff, writeoff_id)
    if wo is None:
        raise NotFound(f"Baixa {writeoff_id} não encontrada.")
    inst = session.get(PayableInstallment, wo.installment_id)
    if wo.reversed:
        raise ValidationError(f"A baixa da fatura {inst.code} foi estornada em {format_date(wo.reversed_on)}: não há "
                              "recibo a imprimir.", field="writeoff")
    invoice = inst.invoice
    rest = session.get(PayableInstallment, wo.remainder_installment_id) if wo.remainder_installment_id else None
    return {"wo": wo, "inst": inst, "invoice": invoice, "rest": rest,
            "company": session.get(Company, wo.company_id), "supplier": session.get(Party, invoice.supplier_id),
            "cash": _account(session, wo.cash_account_id)}


def _receipt(c, box: Box, d: dict, via: str) -> None:
    wo, inst, invoice, supplier, company = d["wo"], d["inst"], d["invoice"], d["supplier"], d["company"]
    y = company_header(c, company, box, title="RECIBO DE PAGAMENTO", subtitle=f"Fatura a pagar {inst.code} · {via}")
    y -= 18
    draw_text(c, box.x, y, f"Valor: {format_brl(wo.paid)}", size=13, bold=True)
    y -= 16
    doc = f", {format_document(company.cnpj)}," if company.cnpj else ""
    parcel = f"parcela {inst.sequence}/{invoice.installments}"
    document = f", documento {invoice.document}" + (f" série {invoice.series}" if invoice.series else "") \
        if invoice.document else ""
    text = (f"Recebi(emos) de {company.name}{doc} a importância de {format_brl(wo.paid)} ({money_in_words(wo.paid)}), "
            f"referente ao pagamento{' parcial' if d['rest'] else ''} da fatura {inst.code} ({inst.number}, {parcel}"
            f"{document}), vencimento em {format_date(inst.due_date)}, paga em {format_date(wo.paid_on)}.")
    for line in wrap_text(text, box.width, size=10, max_lines=4):
        draw_text(c, box.x, y, line, size=10)
        y -= 13
    y -= 4
    rows = [("Valor da fatura", format_brl(inst.amount))]
    if wo.principal != inst.amount:
        rows.append(("Parte da fatura baixada", format_brl(wo.principal)))
    for label, value in (("(+) Juros", wo.interest), ("(+) Taxa financeira", wo.fee), ("(-) Desconto", wo.discount),
                         ("(-) Abatimento", wo.abatement)):
        if value:
            rows.append((label, format_brl(value)))
    rows.append(("(=) Valor pago", format_brl(wo.paid)))
    retained = [(n, v) for n, v in (("IRRF", wo.irrf), ("PIS", wo.pis), ("COFINS", wo.cofins), ("CSLL", wo.csll)) if v]
    if retained:
        rows.append(("Retenções: " + ", ".join(f"{n} {format_brl(v)}" for n, v in retained), ""))
    table_w = 95 * mm
    draw_table(c, box.x, y, [Column("Composição", table_w - 35 * mm), Column("Valor", 35 * mm, "right")], rows)
    dx, dw = box.x + table_w + 8 * mm, box.width - table_w - 8 * mm
    top = y
    details = [("Fornecedor", f"{supplier.name} (código {supplier.code})"),
               (_document_label(supplier), format_document(supplier.document) if supplier.document else "—"), ("Baixa", f"{KIND_LABELS[wo.kind]} em {format_date(wo.paid_on)}"),
               ("Conta crédito", d["cash"])]
    if wo.cheque_number:
        details.append(("Documento/Cheque", wo.cheque_number + (" (compensado)" if wo.cheque_cleared else "")))
    if d["rest"]:
        rest = d["rest"]
        details.append(("Saldo", f"{format_brl(rest.amount)} na fatura {rest.code}, venc. {format_date(rest.due_date)}"))
    for label, value in details:
        top = label_value(c, dx, top, label, value, width=dw)
    sy = box.y + 16
    sx = box.right - 85 * mm
    place = ", ".join(p for p in (company.city, format_date(wo.paid_on)) if p)
    draw_text(c, sx, sy + 34, place, size=9, align="center", width=85 * mm)
    _signature(c, sx, sy + 10, 85 * mm, "Assinatura do fornecedor", supplier.name)
    draw_text(c, box.x, sy, f"Baixa {wo.id} · lançamento contábil {wo.entry_id} · emitido pelo Quita", size=7,
              grey=True, width=box.width - 90 * mm)


def writeoff_receipt_pdf(session: Session, writeoff_id: int) -> bytes:
    """Recibo of an active write-off, two copies on one page (module docstring)."""
    d = _receipt_data(session, writeoff_id)

    def build(c):
        half = FRAME.height / 2
        for n, via in enumerate(("Via do fornecedor", "Via da empresa")):
            top = FRAME.top - n * half
            _receipt(c, Box(FRAME.x, top - half + (6 * mm if n == 0 else 0), FRAME.width, half - 6 * mm), d, via)
            if n == 0:
                cut_line(c, top - half + 3 * mm)

    return document_bytes(build, title=f"Recibo da fatura a pagar {d['inst'].code}", subject="Recibo de pagamento")


def installment_receipt_pdf(session: Session, inst: PayableInstallment) -> bytes:
    """Recibo of the installment's active write-off."""
    from plugins.payables.reversal import active_writeoff

    wo = active_writeoff(session, inst)
    if wo is None:
        raise ValidationError(f"A fatura {inst.code} não tem baixa: não há recibo.", field="installment")
    return writeoff_receipt_pdf(session, wo.id)


# --- autorização de pagamento --------------------------------------------------------------------

def _authorisation_rows(session: Session, invoice: PayableInvoice) -> dict:
    template = session.get(AccountingTemplate, invoice.template_id) if invoice.template_id else None
    category = session.get(FinancialCategory, invoice.category_id) if invoice.category_id else None
    buyer = session.get(Party, invoice.buyer_id) if invoice.buyer_id else None
    return {
        "facts": [("Documento / série", "/".join(p for p in (invoice.document, invoice.series) if p) or "—"),
                  ("Emissão", format_date(invoice.emission_date)), ("Lançamento", format_date(invoice.launch_date)),
                  ("Forma de pagamento", PAYMENT_FORM_LABELS[invoice.payment_form]),
                  ("Categoria financeira", category.name if category else "—"),
                  ("Comprador", buyer.name if buyer else "—"), ("Situação", STATUS_LABELS[invoice.status]),
                  ("Nº do pedido", invoice.order_number or "—")],
        "template": f"{template.code} - {template.description}" if template else "—",
        "values": [("Valor total", invoice.total), ("(-) Desconto", invoice.discount), ("(=) Valor a pagar", invoice.net)]
        + [(f"Retenção {n}", v) for n, v in (("IRRF", invoice.irrf), ("PIS", invoice.pis), ("COFINS", invoice.cofins),
                                              ("CSLL", invoice.csll)) if v],
        "parcels": [(str(p.code), p.number, format_date(p.due_date), format_brl(p.amount), "",
                     _carrier(session, p.carrier_id), STATUS_LABELS[p.status])
                    for p in invoice.parcels if p.status != STATUS_DELETED],
        "accounting": [(f"D {_account(session, s.account_id)}", format_brl(s.amount)) for s in invoice.debit_splits]
        + [(f"C {_account(session, invoice.credit_account_id)}", format_brl(invoice.net))]
        + [(f"Centro de custo {_centre(session, a.cost_centre_id)} ({a.percent.normalize():f} %)", format_brl(a.amount))
           for a in invoice.apportionment],
    }


def _carrier(session: Session, carrier_id: int | None) -> str:
    carrier = session.get(Carrier, carrier_id) if carrier_id else None
    return f"{carrier.code} - {carrier.name}" if carrier else ""


def _centre(session: Session, centre_id: int) -> str:
    centre = session.get(CostCentre, centre_id)
    return f"{centre.code} - {centre.name}"


def payment_authorisation_pdf(session: Session, invoice_id: int) -> bytes:
    """Autorização de pagamento of a launch (module docstring)."""
    invoice = session.get(PayableInvoice, invoice_id)
    if invoice is None:
        raise NotFound(f"Fatura a pagar {invoice_id} não encontrada.")
    if invoice.status == STATUS_DELETED:
        raise ValidationError(f"A fatura a pagar {invoice.number} foi excluída: não há pagamento a autorizar.",
                              field="invoice")
    company, supplier = session.get(Company, invoice.company_id), session.get(Party, invoice.supplier_id)
    data = _authorisation_rows(session, invoice)

    def new_page() -> float:
        c.showPage()
        return FRAME.top

    def build(canvas):
        nonlocal c
        c = canvas
        y = _title(c, company_header(c, company, FRAME), "AUTORIZAÇÃO DE PAGAMENTO",
                   f"Lançamento nº {invoice.number}")
        draw_text(c, FRAME.x, y - 10, "Fornecedor", size=7, grey=True)
        draw_text(c, FRAME.x, y - 22, _supplier_line(supplier), size=11, bold=True, width=FRAME.width)
        y -= 24
        for line in address_lines(supplier):
            y -= 10
            draw_text(c, FRAME.x, y, line, size=8.5, width=FRAME.width)
        y -= 8
        col_w = FRAME.width / 4
        for i, (label, value) in enumerate(data["facts"]):
            label_value(c, FRAME.x + (i % 4) * col_w, y - (i // 4) * 24, label, value, width=col_w - 4 * mm)
        y = label_value(c, FRAME.x, y - 48, "Histórico", data["template"], width=FRAME.width) - 6
        half = (FRAME.width - 8 * mm) / 2
        values = [(label, format_brl(v)) for label, v in data["values"]]
        bottom_values = draw_table(c, FRAME.x, y, [Column("Valores", half - 35 * mm), Column("R$", 35 * mm, "right")],
                                   values)
        bottom_acc = draw_table(c, FRAME.x + half + 8 * mm, y,
                                [Column("Contabilidade", half - 30 * mm), Column("Valor", 30 * mm, "right")],
                                data["accounting"], new_page=new_page)
        y = min(bottom_values, bottom_acc) - 14
        draw_text(c, FRAME.x, y, f"Parcelas ({len(data['parcels'])})", size=10, bold=True)
        columns = [Column("Fatura", 18 * mm), Column("Número", 30 * mm), Column("Vencimento", 24 * mm),
                   Column("Valor", 30 * mm, "right"), Column("", 8 * mm), Column("Portador", 50 * mm),
                   Column("Situação", FRAME.width - 160 * mm)]
        y = draw_table(c, FRAME.x, y - 4, columns, data["parcels"], bottom=FRAME.y + 40 * mm, new_page=new_page)
        if invoice.standard_note:
            y -= 14
            for line in wrap_text(f"Observação: {invoice.standard_note}", FRAME.width, size=9, max_lines=4):
                draw_text(c, FRAME.x, y, line, size=9)
                y -= 11
        if y < FRAME.y + 40 * mm:
            y = new_page()
        sig_w = (FRAME.width - 2 * 10 * mm) / 3
        for i, label in enumerate(("Solicitado por", "Autorizado por", "Financeiro")):
            _signature(c, FRAME.x + i * (sig_w + 10 * mm), FRAME.y + 22 * mm, sig_w, label)
        draw_text(c, FRAME.x, FRAME.y, f"Fatura a pagar {invoice.number} · lançamento contábil {invoice.entry_id} · "
                                       "emitido pelo Quita", size=7, grey=True)

    c = None
    return document_bytes(build, title=f"Autorização de pagamento {invoice.number}", subject="Autorização de pagamento")


# --- borderô --------------------------------------------------------------------------------------

BORDERO_COLUMNS = (Column("Fatura", 12 * mm), Column("Fornecedor", 36 * mm), Column("Documento", 18 * mm),
                   Column("Vencto.", 20 * mm, "center"), Column("Valor", 22 * mm, "right"),
                   Column("Acrésc.", 17 * mm, "right"), Column("Desc.", 17 * mm, "right"),
                   Column("A pagar/pago", 24 * mm, "right"), Column("Baixa", 20 * mm, "center"))


def _money_or_blank(v: Decimal) -> str:
    return format_brl(v, symbol=False) if v else ""


def _totals_row(c, x: float, top: float, columns, values) -> float:
    """A bold row under a table, with a rule above it; returns the y below it."""
    c.setLineWidth(0.8)
    c.line(x, top, x + sum(col.width for col in columns), top)
    for col, value in zip(columns, values):
        draw_text(c, x + 2, top - 10, value, size=8.5, bold=True, align=col.align, width=col.width - 4)
        x += col.width
    return top - 14


def bordero_pdf(session: Session, b: Bordero) -> bytes:
    """Borderô de pagamento (module docstring)."""
    company = session.get(Company, b.company_id)
    rows = [(str(r.code), r.supplier, r.document or "", format_date(r.due_date), format_brl(r.amount, symbol=False),
             _money_or_blank(r.additions), _money_or_blank(r.deductions), format_brl(r.to_pay, symbol=False),
             format_date(r.paid_on) if r.paid_on else "a pagar") for r in b.rows]
    t = b.totals

    def build(c):
        def new_page() -> float:
            c.showPage()
            return FRAME.top

        y = _title(c, company_header(c, company, FRAME), "BORDERÔ DE PAGAMENTO",
                   f"{len(b.rows)} fatura(s) · {b.paid_count} baixada(s)")
        y = draw_table(c, FRAME.x, y - 10, BORDERO_COLUMNS, rows, bottom=FRAME.y + 20 * mm, new_page=new_page)
        if y < FRAME.y + 30 * mm:
            y = new_page()
        totals = ("Total", "", "", "", format_brl(t["amount"], symbol=False), _money_or_blank(t["additions"]),
                  _money_or_blank(t["deductions"]), format_brl(t["to_pay"], symbol=False), "")
        y = _totals_row(c, FRAME.x, y, BORDERO_COLUMNS, totals)
        y -= 14
        draw_text(c, FRAME.x, y, f"Total a pagar/pago: {format_brl(t['to_pay'])} ({money_in_words(t['to_pay'])})",
                  size=10, bold=True, width=FRAME.width)
        if t["retentions"]:
            draw_text(c, FRAME.x, y - 13, f"Retenções (IRRF, PIS, COFINS, CSLL) das baixas: {format_brl(t['retentions'])}",
                      size=9, width=FRAME.width)
        _signature(c, FRAME.right - 80 * mm, FRAME.y + 10 * mm, 80 * mm, "Responsável pelo pagamento")

    return document_bytes(build, title="Borderô de pagamento", subject="Borderô de pagamento")
