"""Aprovação de faturas a pagar: approve / remove the approval of the invoice of an installment.

    approve_invoice(session, installment, user=u)
    remove_approval(session, installment, reason="Valor a conferir", user=u)

Manual ("Baixar Pagamento"): "Somente faturas aprovadas poderão receber baixa" when the parameters
"Usa aprovação de faturas" + "Bloqueia faturas aprovadas" are on (`[plugins.payables]
require_approval`; the write-off refuses unapproved invoices — `writeoff.check_payable` — and the
alteration/exclusion refuses approved ones — `alter.check_changeable`). The approval belongs to
the launch (`PayableInvoice.approved_at/by`): approving one installment approves all of them.

Rules (each one tested):

- approve: not an excluded invoice, not already approved (the refusal says by whom and when);
  who (`approved_by`) and when (`approved_at`) are kept; audit `approve`;
- remove: the invoice must be approved and must have no write-off in force (reverse it first: the
  payment relied on the approval); the reason (optional) goes to the audit `unapprove` with the
  former approver and date.

Kernel actions (bulk dialog of "Faturas a pagar" and of the panel tab "Faturas a Pagar"), permission
`payables.invoice.approve` ("Aprovação de faturas"): "Aprovar fatura" and "Remover aprovação";
several installments of the same launch are handled once.
"""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action, Blocker
from core.audit import record
from core.errors import ValidationError
from core.model import utcnow
from plugins.payables.launch import ORIGIN_KIND
from plugins.payables.models import STATUS_DELETED, PayableInstallment, PayableInvoice, PayableWriteOff

PERM_APPROVE = "payables.invoice.approve"
APPROVE = "payables.installment.approve"
UNAPPROVE = "payables.installment.unapprove"


def _approval(invoice: PayableInvoice) -> dict:
    return {"approved_at": invoice.approved_at.isoformat() if invoice.approved_at else None,
            "approved_by": invoice.approved_by}


def _approver(session: Session, invoice: PayableInvoice) -> str:
    from core.models.users import User

    who = session.get(User, invoice.approved_by) if invoice.approved_by else None
    when = invoice.approved_at.strftime("%d/%m/%Y %H:%M") if invoice.approved_at else "?"
    return f"em {when}" + (f" por {who.username}" if who is not None else "")


def check_approvable(session: Session, inst: PayableInstallment) -> PayableInvoice:
    """Refuses an excluded or already approved invoice."""
    invoice = inst.invoice
    if invoice.status == STATUS_DELETED:
        raise ValidationError(f"A fatura {inst.code} foi excluída: não pode ser aprovada.", field="installment")
    if invoice.approved_at is not None:
        raise ValidationError(f"A fatura {inst.code} (lançamento {invoice.number}) já foi aprovada "
                              f"{_approver(session, invoice)}.", field="installment")
    return invoice


def check_removable(session: Session, inst: PayableInstallment) -> PayableInvoice:
    """Refuses an unapproved invoice or one with a write-off in force."""
    invoice = inst.invoice
    if invoice.approved_at is None:
        raise ValidationError(f"A fatura {inst.code} (lançamento {invoice.number}) não está aprovada.",
                              field="installment")
    paid = session.scalar(select(PayableInstallment.code).join(PayableWriteOff,
                                                               PayableWriteOff.installment_id == PayableInstallment.id)
                          .where(PayableInstallment.invoice_id == invoice.id, PayableWriteOff.reversed.is_(False))
                          .order_by(PayableInstallment.code).limit(1))
    if paid is not None:
        raise ValidationError(f"A fatura {paid} do lançamento {invoice.number} tem baixa: estorne a baixa antes de "
                              "remover a aprovação.", field="installment")
    return invoice


def _locked(session: Session, inst: PayableInstallment) -> PayableInstallment:
    session.flush()
    session.refresh(inst.invoice, with_for_update=True)
    return inst


def approve_invoice(session: Session, inst: PayableInstallment, *, user=None) -> PayableInvoice:
    """Approve the installment's invoice (who and when kept, audited). Never commits."""
    invoice = check_approvable(session, _locked(session, inst))
    before = _approval(invoice)
    invoice.approved_at, invoice.approved_by = utcnow(), getattr(user, "id", None)
    session.flush()
    record(session, action="approve", target_kind=ORIGIN_KIND, target_id=invoice.id, user=user, before=before,
           after={**_approval(invoice), "installment": inst.code}, company_id=invoice.company_id)
    return invoice


def remove_approval(session: Session, inst: PayableInstallment, *, reason: str | None = None,
                    user=None) -> PayableInvoice:
    """Remove the approval of the installment's invoice (audited with the reason). Never commits."""
    invoice = check_removable(session, _locked(session, inst))
    before = _approval(invoice)
    invoice.approved_at = invoice.approved_by = None
    session.flush()
    record(session, action="unapprove", target_kind=ORIGIN_KIND, target_id=invoice.id, user=user, before=before,
           after={**_approval(invoice), "installment": inst.code}, reason=(reason or "").strip()[:250] or None,
           company_id=invoice.company_id)
    return invoice


# --- the kernel actions ---------------------------------------------------------------------------

class RemoveApprovalParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    removal_reason: Optional[str] = Field(default=None, title="Motivo da remoção", max_length=250,
                                          json_schema_extra={"widget": "textarea"})


def _blockers(check, code: str):
    def run(ctx, records, params):
        seen: set[int] = set()
        out = []
        for inst in records:
            if inst.invoice_id in seen:
                continue  # the same launch: checked once
            seen.add(inst.invoice_id)
            try:
                check(ctx.session, inst)
            except ValidationError as exc:
                out += [Blocker(p.id, code, str(exc)) for p in records if p.invoice_id == inst.invoice_id]
        return out
    return run


def _once_per_invoice(work):
    def run(ctx, records, params):
        done: set[int] = set()
        for inst in records:
            if inst.invoice_id not in done:
                work(ctx, inst, params)
                done.add(inst.invoice_id)
    return run


ACTIONS = (
    Action(APPROVE, "Aprovar fatura", PayableInstallment, PERM_APPROVE,
           _once_per_invoice(lambda ctx, inst, p: approve_invoice(ctx.session, inst, user=ctx.user)),
           check=_blockers(check_approvable, "aprovacao.recusada"),
           description="Aprova o lançamento da fatura (todas as parcelas): com \"Usa aprovação de faturas\", só "
                       "faturas aprovadas podem ser baixadas."),
    Action(UNAPPROVE, "Remover aprovação", PayableInstallment, PERM_APPROVE,
           _once_per_invoice(lambda ctx, inst, p: remove_approval(ctx.session, inst, reason=p.removal_reason,
                                                                  user=ctx.user)),
           RemoveApprovalParams, check=_blockers(check_removable, "aprovacao.remocao_recusada"),
           description="Remove a aprovação do lançamento (faturas sem baixa em vigor)."),
)
