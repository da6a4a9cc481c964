"""Estornar Pagamento - Contas a Pagar: reversal of a write-off, as a service.

    wo = reverse_writeoff(session, installment, reason="Pago em duplicidade", on=date(2026, 12, 10),
                          situation="Aguardando", user=u)

Fields of the manual: Número da fatura (the installment), Motivo do estorno (required, ≤ 250),
Data do Estorno para lançamento na contabilidade (default today; the reversal entry is dated then,
never before the write-off, never in the protected period), Mudar status para (the free "Status"
of the installment, `situation`). The write-off's entry is reversed with `core.ledger.reverse_entry`
(debit and credit swapped, `reversal_of_id` set) — so the value paid, juros, desconto, taxa,
abatimento, CSRF/IRRF and the remainder's "Juros em R$" are all corrected together.

The installment returns to "em aberto" and the invoice's status is recomputed.

Partial write-off: its remainder installment (the "nova fatura") is excluded (status "excluida")
while still open — the debt is whole again in the original installment; when the remainder was
already paid, the reversal is refused until the remainder's own write-off is reversed
(`REMAINDER_PAID`). The search of the manual (fornecedor / nosso número) is
`plugins.payables.writeoff_search.search_reversible`.

Other plugins are asked before anything is written: hook `before_payable_reverse(session, installment,
writeoff, ctx)` (`hooks/payables.py`; e.g. the reconciler refuses a write-off reconciled in a batch or
for a user without "Conciliação Bancária", otherwise frees the statement line), with the caller's
`runtime` / `ctx` or else the process's current runtime.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record, snapshot
from core.errors import ValidationError
from core.ledger.services import reverse_entry
from core.runtime import current_or_none
from plugins.payables.launch import text_field
from plugins.payables.models import STATUS_DELETED, STATUS_OPEN, PayableInstallment, PayableWriteOff
from plugins.payables.writeoff import posting_date, refresh_invoice_status

REMAINDER_PAID = ("A baixa parcial da fatura {code} gerou a fatura {rest}, que já foi baixada: estorne antes a baixa "
                  "da fatura {rest}.")


def active_writeoff(session: Session, inst: PayableInstallment) -> PayableWriteOff | None:
    return session.scalar(select(PayableWriteOff).where(PayableWriteOff.installment_id == inst.id,
                                                        PayableWriteOff.reversed.is_(False))
                          .order_by(PayableWriteOff.id.desc()).limit(1))


def _checked(session: Session, inst: PayableInstallment, reason, on, situation) -> tuple[PayableWriteOff, str, date]:
    wo = active_writeoff(session, inst)
    if wo is None:
        raise ValidationError(f"A fatura {inst.code} não tem baixa a estornar.", field="installment")
    why = text_field(reason, "reason", "Motivo do estorno", 250)
    if why is None:
        raise ValidationError("Informe o motivo do estorno.", field="reason")
    on = posting_date(session, inst.company_id, on, not_before=wo.paid_on, field="on", label="Data do estorno",
                      earlier="data da baixa")
    text_field(situation, "situation", "Status", 30)
    if wo.remainder_installment_id is not None:
        rest = session.get(PayableInstallment, wo.remainder_installment_id)
        if rest.status != STATUS_OPEN:
            raise ValidationError(REMAINDER_PAID.format(code=inst.code, rest=rest.code), field="installment")
    return wo, why, on


def reverse_writeoff(session: Session, inst: PayableInstallment, *, reason: str, on: date | None = None,
                     situation: str | None = None, user=None, runtime=None, ctx=None) -> PayableWriteOff:
    """Reverse the installment's active write-off (module docstring). Never commits; checks
    everything before writing. `runtime` / `ctx` (`core.actions.ActionContext`; default: the process's
    current runtime): the other plugins' `before_payable_reverse` runs (may refuse)."""
    session.flush()
    session.refresh(inst, with_for_update=True)
    wo, why, on = _checked(session, inst, reason, on, situation)
    runtime = runtime if runtime is not None else getattr(ctx, "runtime", None) or current_or_none()
    if runtime is not None:
        from core.actions import ActionContext

        ctx = ctx or ActionContext(session=session, user=user, runtime=runtime, company_id=inst.company_id,
                                   justification=why)
        runtime.hook.before_payable_reverse(session=session, installment=inst, writeoff=wo, ctx=ctx)  # may refuse
    before = {**snapshot(inst), "writeoff": snapshot(wo)}
    if wo.remainder_installment_id is not None:
        rest = session.get(PayableInstallment, wo.remainder_installment_id)
        rest.status = STATUS_DELETED
        record(session, action="delete_remainder", target_kind="payables.installment", target_id=rest.id, user=user,
               reason=why, company_id=rest.company_id)
    if wo.entry_id is not None:
        wo.reversal_entry_id = reverse_entry(session, wo.entry_id, on=on, user=user, reason=why).id
    wo.reversed, wo.reversed_on, wo.reversal_reason = True, on, why
    wo.reversed_by = getattr(user, "id", None)
    inst.status = STATUS_OPEN
    if situation is not None:
        inst.situation = text_field(situation, "situation", "Status", 30)
    session.flush()
    session.expire(inst.invoice, ["parcels"])
    refresh_invoice_status(inst.invoice)
    session.flush()
    record(session, action="reverse_write_off", target_kind="payables.installment", target_id=inst.id, user=user,
           before=before, after={**snapshot(inst), "writeoff": snapshot(wo)}, reason=why,
           company_id=inst.company_id)
    return wo
