"""Borderô de pagamento: the list of faturas a pagar selected for payment (or paid in a batch),
with the payment data and the totals — printed as PDF (`printing.bordero_pdf`) and exported to
Excel (`bordero_xlsx`; manual: "O borderô é utilizado como uma forma de consulta dos dados de
pagamento das faturas baixadas, ao acessá-lo será possível gerar um arquivo em Excel").

    b = bordero(session, company_id=1, codes=[1, 2, 3])          # chosen installments
    b = bordero(session, company_id=1, paid_on=date(2026, 12, 5))  # the write-offs of a day
    b.rows, b.totals; bordero_xlsx(b) -> bytes

Each row is one installment: an open one is "a pagar" (its value is what is due); a paid one shows
its active (not reversed) write-off: paid on, juros + taxa, desconto + abatimento, retenções,
valor pago, conta crédito, cheque and nosso número. Excluded installments are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.ledger.models import Account
from core.money import ZERO
from core.parties.models import Party
from plugins.payables.models import STATUS_DELETED, STATUS_LABELS, Carrier, PayableInstallment, PayableWriteOff


@dataclass(frozen=True)
class BorderoRow:
    code: int
    number: str
    supplier: str
    supplier_document: str | None
    document: str | None
    due_date: date
    amount: Decimal          # value of the installment (paid: the part the write-off settled)
    status: str
    carrier: str | None
    paid_on: date | None = None
    additions: Decimal = ZERO     # juros + taxa financeira
    deductions: Decimal = ZERO    # desconto + abatimento
    retentions: Decimal = ZERO    # IRRF + PIS + COFINS + CSLL
    paid: Decimal | None = None   # valor pago (R$); None = still to pay
    cash_account: str | None = None
    cheque: str | None = None
    our_number: str | None = None

    @property
    def to_pay(self) -> Decimal:
        """What leaves the bank for this row: the paid value, or the installment's value when open."""
        return self.paid if self.paid is not None else self.amount


@dataclass
class Bordero:
    company_id: int
    rows: list[BorderoRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Decimal]:
        keys = ("amount", "additions", "deductions", "retentions", "to_pay")
        return {k: sum((getattr(r, k) for r in self.rows), ZERO) for k in keys}

    @property
    def paid_count(self) -> int:
        return sum(1 for r in self.rows if r.paid is not None)


def _active_writeoffs(session: Session, ids: list[int]) -> dict[int, PayableWriteOff]:
    rows = session.scalars(select(PayableWriteOff).where(PayableWriteOff.installment_id.in_(ids),
                                                         PayableWriteOff.reversed.is_(False))
                           .order_by(PayableWriteOff.id))
    return {wo.installment_id: wo for wo in rows}


def _row(session: Session, inst: PayableInstallment, wo: PayableWriteOff | None) -> BorderoRow:
    invoice = inst.invoice
    supplier = session.get(Party, invoice.supplier_id)
    carrier = session.get(Carrier, inst.carrier_id) if inst.carrier_id else None
    base = dict(code=inst.code, number=inst.number, supplier=supplier.name, supplier_document=supplier.document,
                document="/".join(p for p in (invoice.document, invoice.series) if p) or None,
                due_date=inst.due_date, amount=inst.amount, status=STATUS_LABELS[inst.status],
                carrier=f"{carrier.code} - {carrier.name}" if carrier else None)
    if wo is None:
        return BorderoRow(**base)
    cash = session.get(Account, wo.cash_account_id)
    return BorderoRow(  # the value is the part of the installment this write-off settled
        **{**base, "amount": wo.principal}, paid_on=wo.paid_on, additions=wo.interest + wo.fee,
        deductions=wo.discount + wo.abatement, retentions=wo.irrf + wo.pis + wo.cofins + wo.csll, paid=wo.paid,
        cash_account=f"{cash.code} - {cash.name}", cheque=wo.cheque_number, our_number=wo.our_number)


def bordero(session: Session, *, company_id: int, codes: list[int] | None = None,
            paid_on: date | None = None) -> Bordero:
    """The borderô of the given installment codes, or of the write-offs dated `paid_on`."""
    q = select(PayableInstallment).where(PayableInstallment.company_id == company_id)
    if codes:
        q = q.where(PayableInstallment.code.in_([int(c) for c in codes]))
    elif paid_on is not None:
        q = q.where(PayableInstallment.id.in_(select(PayableWriteOff.installment_id).where(
            PayableWriteOff.company_id == company_id, PayableWriteOff.paid_on == paid_on,
            PayableWriteOff.reversed.is_(False))))
    else:
        raise ValidationError("Informe as faturas do borderô ou a data da baixa.", field="installments")
    found = list(session.scalars(q.order_by(PayableInstallment.due_date, PayableInstallment.code)))
    missing = sorted(set(int(c) for c in codes or []) - {p.code for p in found})
    if missing:
        raise ValidationError("Fatura(s) a pagar não encontrada(s) nesta empresa: "
                              + ", ".join(map(str, missing)) + ".", field="installments")
    if not found:
        raise ValidationError(f"Nenhuma baixa em {paid_on:%d/%m/%Y} para o borderô.", field="paid_on")
    deleted = [p.code for p in found if p.status == STATUS_DELETED]
    if deleted:
        raise ValidationError("Faturas excluídas não entram no borderô: " + ", ".join(map(str, deleted)) + ".",
                              field="installments")
    paid = _active_writeoffs(session, [p.id for p in found])
    return Bordero(company_id, [_row(session, p, paid.get(p.id)) for p in found])


HEADER = ("Fatura", "Número", "Fornecedor", "CPF/CNPJ", "Documento/Série", "Vencimento", "Valor (R$)",
          "Juros + taxa (R$)", "Desconto + abatimento (R$)", "Retenções (R$)", "Valor pago (R$)", "Data da baixa",
          "Situação", "Conta crédito", "Cheque", "Nosso número", "Portador")


def bordero_xlsx(b: Bordero, *, title: str = "Borderô de pagamento") -> bytes:
    """The borderô as an Excel workbook (the cash flow's writer: numbers as numbers in R$ format,
    dates as dates, header and totals row in bold)."""
    from core.br.documents import format_document
    from plugins.payables.cashflow_export import Row, Table, to_xlsx

    table = Table(list(HEADER), [Row([r.code, r.number, r.supplier,
                                      format_document(r.supplier_document) if r.supplier_document else None,
                                      r.document, r.due_date, r.amount, r.additions, r.deductions, r.retentions,
                                      r.to_pay, r.paid_on, r.status, r.cash_account, r.cheque, r.our_number, r.carrier])
                                 for r in b.rows])
    t = b.totals
    table.rows.append(Row(["Total", f"{len(b.rows)} fatura(s)", None, None, None, None, t["amount"], t["additions"],
                           t["deductions"], t["retentions"], t["to_pay"]], style="total"))
    return to_xlsx(table, title=title)
