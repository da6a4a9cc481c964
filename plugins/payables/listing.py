"""Queries of launched supplier invoices: `list_invoices`, `get_invoice`, `invoice_as_dict`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.parties.models import Party
from plugins.payables.models import PAYMENT_FORM_LABELS, STATUS_LABELS, PayableInvoice


def get_invoice(session: Session, company_id: int, number: int) -> PayableInvoice:
    """A launch by its control number in the company."""
    found = session.scalar(select(PayableInvoice).where(PayableInvoice.company_id == company_id,
                                                        PayableInvoice.number == int(number)))
    if found is None:
        raise NotFound(f"Fatura a pagar {number} não encontrada nesta empresa.")
    return found


def list_invoices(session: Session, *, company_id: int | None = None, supplier_id: int | None = None,
                  status: str | None = None, limit: int = 500) -> list[PayableInvoice]:
    """Newest first; filters by company, supplier and status."""
    q = select(PayableInvoice).order_by(PayableInvoice.id.desc()).limit(limit)
    if company_id is not None:
        q = q.where(PayableInvoice.company_id == company_id)
    if supplier_id is not None:
        q = q.where(PayableInvoice.supplier_id == supplier_id)
    if status:
        q = q.where(PayableInvoice.status == status)
    return list(session.scalars(q))


def invoice_as_dict(session: Session, invoice: PayableInvoice) -> dict:
    """JSON-safe picture (money as "1234.56", dates ISO) with the installments."""
    supplier = session.get(Party, invoice.supplier_id)
    return {
        "id": invoice.id, "company_id": invoice.company_id, "number": invoice.number,
        "supplier_id": invoice.supplier_id, "supplier": supplier.name if supplier else None,
        "supplier_document": supplier.document if supplier else None,
        "emission_date": invoice.emission_date.isoformat(), "launch_date": invoice.launch_date.isoformat(),
        "document": invoice.document, "series": invoice.series,
        "total": str(invoice.total), "discount": str(invoice.discount), "net": str(invoice.net),
        "payment_form": invoice.payment_form, "payment_form_label": PAYMENT_FORM_LABELS[invoice.payment_form],
        "status": invoice.status, "status_label": STATUS_LABELS[invoice.status],
        "advance": invoice.advance, "order_number": invoice.order_number, "entry_id": invoice.entry_id,
        "debit_splits": [{"account_id": s.account_id, "amount": str(s.amount)} for s in invoice.debit_splits],
        "apportionment": [{"cost_centre_id": a.cost_centre_id, "percent": str(a.percent), "amount": str(a.amount)}
                          for a in invoice.apportionment],
        "installments": [{"code": p.code, "sequence": p.sequence, "number": p.number,
                          "due_date": p.due_date.isoformat(), "amount": str(p.amount), "note": p.note,
                          "carrier_id": p.carrier_id, "status": p.status} for p in invoice.parcels],
    }
