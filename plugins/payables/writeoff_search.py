"""The write-off's search ("Caso não saiba o número da fatura, utilize a pesquisa abaixo") — also
the batch write-off's selection — and the reversal's search (fornecedor / nosso número).

    rows = search_installments(session, InstallmentFilter(company_id=1, due_from=date(2026, 12, 1),
                                                          due_to=date(2026, 12, 31), supplier_id=7))

Filters of the manual: Faixa de Faturas (first/last code), Vencimento entre, Empresa,
Cliente/Fornecedor, Portador(es), Status, Conta Fluxo de Caixa, Forma de pagamento, Série,
Nosso número/cheque (the installment's nosso número or the cheque of one of its write-offs),
Documento (NF). Ordered by due date, then code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.parties.models import Party
from plugins.payables.models import (STATUS_LABELS, STATUS_OPEN, STATUS_PARTIAL, STATUS_SETTLED, PayableInstallment,
                                     PayableInvoice, PayableWriteOff)


@dataclass
class InstallmentFilter:
    company_id: int | None = None
    code_from: int | None = None          # Faixa de Faturas
    code_to: int | None = None
    due_from: date | None = None          # Vencimento entre
    due_to: date | None = None
    supplier_id: int | None = None
    carrier_ids: list[int] = field(default_factory=list)
    status: str | None = STATUS_OPEN
    cash_flow_account_id: int | None = None
    payment_form: str | None = None
    series: str | None = None
    our_number: str | None = None         # Nosso número/cheque
    document: str | None = None           # Documento (NF)
    supplier_name: str | None = None      # part of the supplier's name / trade name (accents ignored)
    approved: bool | None = None          # True: aprovadas; False: aguardando aprovação
    situation: str | None = None          # "Status" of the installment (launch statuses, write-off)
    limit: int = 1000


def supplier_ids_by_name(term: str):
    """SELECT of the parties with `term` in the name or trade name, compared on the normalized
    search columns (uppercase, no accents) — trigram-indexed on PostgreSQL."""
    from core.parties.rules import fold

    pattern = "%" + fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return select(Party.id).where(or_(Party.name_search.like(pattern, escape="\\"),
                                      Party.trade_name_search.like(pattern, escape="\\")))


def supplier_name_condition(term: str):
    """Installments whose launch's supplier has `term` in the name or trade name: the parties'
    subquery (`supplier_ids_by_name`), then the installments through `ix_payables_invoice_supplier`.
    Benchmark: `quita bench pagar-fornecedor`."""
    return PayableInvoice.supplier_id.in_(supplier_ids_by_name(term))


def search_installments(session: Session, f: InstallmentFilter) -> list[PayableInstallment]:
    q = (select(PayableInstallment).join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
         .order_by(PayableInstallment.due_date, PayableInstallment.code).limit(f.limit))
    conditions = [
        (f.company_id, lambda v: PayableInstallment.company_id == v),
        (f.code_from, lambda v: PayableInstallment.code >= int(v)),
        (f.code_to, lambda v: PayableInstallment.code <= int(v)),
        (f.due_from, lambda v: PayableInstallment.due_date >= v),
        (f.due_to, lambda v: PayableInstallment.due_date <= v),
        (f.supplier_id, lambda v: PayableInvoice.supplier_id == v),
        (f.carrier_ids or None, lambda v: PayableInstallment.carrier_id.in_(v)),
        (f.status, lambda v: PayableInstallment.status == v),
        (f.cash_flow_account_id, lambda v: PayableInvoice.cash_flow_account_id == v),
        (f.payment_form, lambda v: PayableInvoice.payment_form == v),
        (f.series, lambda v: PayableInvoice.series == v.strip()),
        (f.document, lambda v: PayableInvoice.document == v.strip()),
        (f.supplier_name, lambda v: supplier_name_condition(v)),
        (f.situation, lambda v: PayableInstallment.situation == v.strip()),
        (f.approved, lambda v: PayableInvoice.approved_at.isnot(None) if v else PayableInvoice.approved_at.is_(None)),
        (f.our_number, lambda v: or_(
            PayableInstallment.our_number == v.strip(),
            PayableInstallment.id.in_(select(PayableWriteOff.installment_id)
                                      .where(PayableWriteOff.cheque_number == v.strip())))),
    ]
    for value, condition in conditions:
        if value is not None and value != "":
            q = q.where(condition(value))
    return list(session.scalars(q))


def search_reversible(session: Session, *, company_id: int | None = None, supplier_id: int | None = None,
                      our_number: str | None = None) -> list[PayableInstallment]:
    """"Recurso de pesquisa" of the reversal: written-off installments by supplier / nosso número."""
    rows = []
    for status in (STATUS_SETTLED, STATUS_PARTIAL):
        rows += search_installments(session, InstallmentFilter(company_id=company_id, supplier_id=supplier_id,
                                                               our_number=our_number, status=status))
    return sorted(rows, key=lambda p: (p.due_date, p.code))


def installment_row(session: Session, p: PayableInstallment) -> dict:
    """The search's columns: Emissão, Fatura/Emp, NF/Série, Parcela, Vencimento, Valor Fatura,
    Cliente/Fornecedor, Plano de Pagamento (JSON-safe)."""
    inv = p.invoice
    supplier = session.get(Party, inv.supplier_id)
    return {"code": p.code, "company_id": p.company_id, "emission_date": inv.emission_date.isoformat(),
            "document": inv.document, "series": inv.series, "sequence": p.sequence, "installments": inv.installments,
            "number": p.number, "due_date": p.due_date.isoformat(), "amount": str(p.amount),
            "supplier": supplier.name if supplier else None, "payment_form": inv.payment_form,
            "status": p.status, "status_label": STATUS_LABELS[p.status], "our_number": p.our_number,
            "situation": p.situation, "carrier_id": p.carrier_id}
