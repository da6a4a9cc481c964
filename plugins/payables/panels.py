"""Payables tabs of the customer financial panel (`/pessoas/{id}/painel`), the party as SUPPLIER.

- "Faturas a Pagar" — the party's installments, open first, then the paid ones (partially or in
  full: the reversal is one of the tools), with the kernel actions "Baixar fatura a pagar" /
  "Estornar baixa" (`installment_actions.py`);
- "Contas a pagar" — the launches (control number, emissão, documento/série, valor, parcelas,
  forma de pagamento, situação) with their installments;
- "Contas a Pagar Liquidadas" — installments with a write-off not reversed (data da baixa, valor
  pago, tipo). Read only, as the manual says.

Rows are dicts built here (also used by the list page `/pagar/faturas`); rendering runs in the
panel's read-only unit of work.
"""

from __future__ import annotations

from sqlalchemy import select

from core.web.registry import PanelTab
from core.web.templating import render_string
from plugins.payables.installment_actions import installment_action_names
from plugins.payables.models import (PAYMENT_FORM_LABELS, STATUS_DELETED, STATUS_LABELS, STATUS_OPEN, STATUS_PARTIAL,
                                     STATUS_SETTLED, WRITEOFF_KINDS, PayableInstallment, PayableInvoice,
                                     PayableWriteOff)

_KIND_LABELS = dict(WRITEOFF_KINDS)


def register_tabs(register) -> None:
    register(PanelTab(key="pagar_faturas", label="Faturas a Pagar", order=25, render=render_payable))
    register(PanelTab(key="pagar_contas", label="Contas a pagar", order=35, render=render_launches))
    register(PanelTab(key="pagar_liquidadas", label="Contas a Pagar Liquidadas", order=55, render=render_paid))


def installment_rows(session, installments) -> list[dict]:
    """One row per installment: code, número, parcela, emissão, vencimento, valor, fornecedor,
    documento/série, situação, status livre, nosso número, observação, aprovação and the
    write-off in force (`writeoff_id`, for the receipt's link)."""
    from core.parties.models import Party

    installments = list(installments)
    active = {}  # installment id ⇒ its write-off in force (the receipt's link)
    cheques = set()  # installment ids whose write-off in force was paid by cheque (the cheque's link)
    ids = [p.id for p in installments]
    for start in range(0, len(ids), 500):
        for iid, wid, cheque in session.execute(select(
                PayableWriteOff.installment_id, PayableWriteOff.id, PayableWriteOff.cheque_number).where(
                PayableWriteOff.installment_id.in_(ids[start:start + 500]), PayableWriteOff.reversed.is_(False))):
            active[iid] = wid
            if (cheque or "").strip():
                cheques.add(iid)
    invoices = {}
    parties = {}
    rows = []
    for p in installments:
        inv = invoices.setdefault(p.invoice_id, p.invoice)
        if inv.supplier_id not in parties:
            parties[inv.supplier_id] = session.get(Party, inv.supplier_id)
        supplier = parties[inv.supplier_id]
        rows.append({"id": p.id, "code": p.code, "number": p.number, "sequence": p.sequence,
                     "installments": inv.installments, "emission_date": inv.emission_date, "due_date": p.due_date,
                     "amount": p.amount, "supplier": supplier.name if supplier else "", "invoice_number": inv.number,
                     "document": "/".join(x for x in (inv.document, inv.series) if x), "status": p.status,
                     "status_label": STATUS_LABELS[p.status], "situation": p.situation or "",
                     "our_number": p.our_number or "", "note": p.note or "",
                     "open": p.status == STATUS_OPEN, "remainder_of_id": p.remainder_of_id,
                     "invoice_id": inv.id, "company_id": p.company_id, "approved": inv.approved_at is not None, "approved_at": inv.approved_at,
                     "writeoff_id": active.get(p.id), "cheque": p.id in cheques})
    return rows


def payable_installments(session, party_id: int) -> list[PayableInstallment]:
    stmt = (select(PayableInstallment).join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
            .where(PayableInvoice.supplier_id == party_id, PayableInvoice.status != STATUS_DELETED,
                   PayableInstallment.status.in_((STATUS_OPEN, STATUS_PARTIAL, STATUS_SETTLED)))
            .order_by(PayableInstallment.due_date, PayableInstallment.code))
    return sorted(session.scalars(stmt), key=lambda p: p.status != STATUS_OPEN)  # stable: open first


def launch_rows(session, party_id: int) -> list[dict]:
    invoices = session.scalars(select(PayableInvoice).where(PayableInvoice.supplier_id == party_id)
                               .order_by(PayableInvoice.emission_date.desc(), PayableInvoice.number.desc()))
    return [{"id": inv.id, "number": inv.number, "emission_date": inv.emission_date, "launch_date": inv.launch_date,
             "document": "/".join(x for x in (inv.document, inv.series) if x), "total": inv.total,
             "discount": inv.discount, "net": inv.net, "installments": inv.installments,
             "payment_form": PAYMENT_FORM_LABELS.get(inv.payment_form, inv.payment_form),
             "status_label": STATUS_LABELS[inv.status], "status": inv.status,
             "parcels": [(p.code, p.due_date, p.amount, STATUS_LABELS[p.status]) for p in inv.parcels]}
            for inv in invoices]


def paid_rows(session, party_id: int) -> list[dict]:
    stmt = (select(PayableWriteOff, PayableInstallment)
            .join(PayableInstallment, PayableInstallment.id == PayableWriteOff.installment_id)
            .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
            .where(PayableInvoice.supplier_id == party_id, PayableWriteOff.reversed.is_(False),
                   PayableInstallment.status.in_((STATUS_SETTLED, STATUS_PARTIAL)))
            .order_by(PayableWriteOff.paid_on.desc(), PayableWriteOff.id.desc()))
    return [{"code": p.code, "number": p.number, "due_date": p.due_date, "amount": p.amount, "paid_on": wo.paid_on,
             "paid": wo.paid, "principal": wo.principal, "interest": wo.interest, "discount": wo.discount,
             "kind": _KIND_LABELS.get(wo.kind, wo.kind), "our_number": wo.our_number or "",
             "cheque": wo.cheque_number or ""} for wo, p in session.execute(stmt)]


def _render(ctx, name: str, **values) -> str:
    return render_string(name, runtime=ctx.runtime, user=ctx.user, party=ctx.party, **values)


def render_payable(ctx) -> str:
    rows = installment_rows(ctx.session, payable_installments(ctx.session, ctx.party.id))
    return _render(ctx, "payables/payable_tab.html", rows=rows, actions=installment_action_names(ctx.runtime),
                   show_documents=True)


def render_launches(ctx) -> str:
    return _render(ctx, "payables/launches_tab.html", rows=launch_rows(ctx.session, ctx.party.id))


def render_paid(ctx) -> str:
    return _render(ctx, "payables/paid_tab.html", rows=paid_rows(ctx.session, ctx.party.id))
