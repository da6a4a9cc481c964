"""Excluir Pagamento - Contas a Pagar: exclusion of a fatura a pagar, as a service.

    delete_invoice(session, installment, reason="Lançada em duplicidade", reason_code="DUP",
                   runtime=rt, user=u, on=date(2026, 12, 1))

Manual: "Para apagar uma fatura, é necessário selecionar a opção Excluir e inserir o motivo da
exclusão. Faturas integradas somente poderão ser excluídas por usuários habilitados para esta
operação." Rules (each one tested):

- a reason is required (text ≤ 250; optionally a registered motivo of kind `REASON_KIND`
  "Exclusão de fatura a pagar", whose code and description go before the text);
- the same guards as the alteration (`alter.check_changeable`): only "em aberto" (no write-off —
  a reversed one is fine), integrated invoices only with the permission, approved invoices when
  they are blocked, blocked carriers;
- the launch has ONE journal entry, so the whole launch is excluded (every installment): the entry
  is reversed (`core.ledger.reverse_entry`) on the launch date when it is not protected, else on
  `on` (default today) — after it the supplier account no longer holds the invoice;
- invoice and installments become "excluída"; who, when, why and the reversal are kept on the
  invoice and in the audit trail ("delete").
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action, Blocker
from core.audit import record
from core.errors import ValidationError
from core.ledger.services import reverse_entry
from core.model import utcnow
from core.models.reasons import Reason
from plugins.payables.alter import PERM_ALTER, check_changeable, relaunch_date
from plugins.payables.launch import ORIGIN_KIND, invoice_snapshot, text_field
from plugins.payables.models import STATUS_DELETED, PayableInstallment, PayableInvoice
from plugins.payables.settings import settings_of

DELETE = "payables.installment.delete"
REASON_KIND = "exclusao_fatura_pagar"
REASON_KIND_LABEL = "Exclusão de fatura a pagar"


def _reason(session: Session, reason: str | None, reason_code: str | None) -> tuple[str, Reason | None]:
    found = None
    if reason_code:
        found = session.scalar(select(Reason).where(Reason.kind == REASON_KIND, Reason.code == reason_code.strip()))
        if found is None or not found.active:
            raise ValidationError(f"Motivo {reason_code} não encontrado (ou inativo) entre os motivos de "
                                  f"\"{REASON_KIND_LABEL}\".", field="reason_code")
    text = text_field(reason, "reason", "Motivo da exclusão", 250)
    if found is not None:
        if found.requires_justification and not text:
            raise ValidationError(f"O motivo {found.code} exige uma justificativa.", field="reason")
        text = f"{found.code} — {found.description}" + (f": {text}" if text else "")
    if not text:
        raise ValidationError("Informe o motivo da exclusão.", field="reason")
    return text[:250], found


def delete_invoice(session: Session, inst: PayableInstallment, *, reason: str | None, reason_code: str | None = None,
                   runtime=None, user=None, on: date | None = None) -> PayableInvoice:
    """Exclude the installment's launch (module docstring). Never commits; checks everything first."""
    cfg = settings_of(runtime)
    session.flush()
    session.refresh(inst, with_for_update=True)
    invoice = check_changeable(session, cfg, user, inst, verb="excluídas")
    why, found = _reason(session, reason, reason_code)
    when = relaunch_date(session, invoice, on)
    before = invoice_snapshot(invoice)
    if invoice.entry_id is not None:
        invoice.deletion_entry_id = reverse_entry(session, invoice.entry_id, on=when, user=user,
                                                  reason=f"Exclusão da fatura a pagar {invoice.number}: {why}"[:250]).id
    for p in invoice.parcels:
        p.status = STATUS_DELETED
    invoice.status = STATUS_DELETED
    invoice.deleted_at, invoice.deleted_by = utcnow(), getattr(user, "id", None)
    invoice.deletion_reason, invoice.deletion_reason_id = why, getattr(found, "id", None)
    session.flush()
    session.expire(invoice, ["parcels"])
    record(session, action="delete", target_kind=ORIGIN_KIND, target_id=invoice.id, user=user, before=before,
           after=invoice_snapshot(invoice), reason=why, company_id=invoice.company_id)
    return invoice


# --- the kernel action (bulk dialog of the pages) ---------------------------------------------------

class DeleteParams(BaseModel):
    """The "Excluir" option of Alterar/Excluir Pagamento."""

    model_config = ConfigDict(extra="ignore")
    deletion_reason: str = Field(title="Motivo da exclusão", min_length=1, max_length=250,
                                 json_schema_extra={"widget": "textarea"})
    on: Optional[date] = Field(default=None, title="Data do estorno (lançamento protegido)",
                               description="Só quando a data de lançamento está protegida. Vazio: hoje.")


def _check_delete(ctx, records, params):
    cfg = settings_of(ctx.runtime)
    out = []
    for inst in records:
        try:
            check_changeable(ctx.session, cfg, ctx.user, inst, verb="excluídas")
        except ValidationError as exc:
            out.append(Blocker(inst.id, "exclusao.recusada", str(exc)))
    return out


def _run_delete(ctx, records, params):
    done: set[int] = set()
    for inst in records:
        if inst.invoice_id not in done:  # the whole launch goes at once
            delete_invoice(ctx.session, inst, reason=params.deletion_reason, runtime=ctx.runtime, user=ctx.user,
                           on=params.on)
            done.add(inst.invoice_id)


ACTIONS = (
    Action(DELETE, "Excluir fatura a pagar", PayableInstallment, PERM_ALTER, _run_delete, DeleteParams,
           check=_check_delete, confirm="Excluir o lançamento inteiro (todas as parcelas) e estornar o lançamento "
                                        "contábil?",
           description="Somente faturas em aberto. Exclui o lançamento (todas as parcelas) e estorna o lançamento "
                       "contábil."),
)
