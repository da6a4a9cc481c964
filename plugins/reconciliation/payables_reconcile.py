"""Reconcile one DEBIT statement line with one fatura a pagar (installment) or payables write-off, and
undo it — the payables side of `reconcile.py` (only with the `payables` plugin enabled; its modules are
imported lazily). Services take the caller's session, never commit, raise `ValidationError` in pt-BR.

`reconcile_payable(session, line_id, installment_id, *, writeoff_id=None, origin, runtime, user)`:
- the line must be a free debit line of the installment's company, outside the protected period
  (the manual's alert, `reconcile.protection_alert`);
- open installment ⇒ written off in full at the line's date from the line's bank account, paying
  |line amount| (`payables_match.statement_writeoff`: a greater value is juros, a smaller one desconto —
  the entry has the statement's value); `created_settlement` marks the write-off as the reconciler's;
- installment with an active write-off (or the write-off given) with the line's date, value and bank
  account ⇒ just reconciled; divergent ⇒ the write-off is reversed (`payables.reversal.reverse_writeoff`,
  dated the later of its date and the line's) and the installment written off again at the statement's
  date and value ("será realizado o estorno da baixa e baixada novamente"); the replaced write-off is
  kept in `ReconciliationItem.replaced_payable_writeoff_id`. A divergent PARTIAL write-off is refused
  (reversing it would re-open the whole installment): reverse it in Contas a Pagar first.

`undo_payable_item(session, item, rec, *, runtime, user, why)` (called by `reconcile.unreconcile` for
items with a payable that the reconciler did not create from the line): a write-off the reconciler
made is reversed (reason "Desconciliação: …", the installment returns to "em aberto"); a replaced one
is made again as it was (date, value, juros/desconto/taxa/abatimento, accounts, cheque, nosso número);
a write-off made outside the reconciler is left as it was (just free to be reconciled again).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationError
from core.ledger.models import Account
from core.money import format_brl
from plugins.reconciliation.reconcile_models import ORIGIN_MANUAL, Reconciliation, ReconciliationItem

UNRECONCILE_REASON = "Desconciliação"


def _require_payables(runtime) -> None:
    from plugins.reconciliation.payables_match import payables_enabled

    if not payables_enabled(runtime):
        raise ValidationError("O módulo Contas a Pagar não está habilitado: lançamentos a débito só podem ser "
                              "conciliados com transferências.", field="installment")


def installment_by_code(session: Session, company_id: int, code: int):
    """The fatura a pagar by its code in the company (the payables' refusal if absent)."""
    from plugins.payables.writeoff import installment_by_code as by_code

    return by_code(session, company_id, code)


def reconcile_payable(session: Session, line_id: int, installment_id: int, *, writeoff_id: int | None = None,
                      origin: str = ORIGIN_MANUAL, runtime, user=None) -> Reconciliation:
    """Reconcile a free debit line with one fatura a pagar (module docstring). Never commits."""
    _require_payables(runtime)
    from plugins.payables.models import STATUS_OPEN, WRITEOFF_PARTIAL, PayableInstallment, PayableWriteOff
    from plugins.payables.reversal import active_writeoff, reverse_writeoff
    from plugins.reconciliation.matching import Candidate
    from plugins.reconciliation.payables_match import statement_writeoff, writeoff_reconciled_on
    from plugins.reconciliation.reconcile import AUDIT_KIND, _check_protection, free_line, line_label, \
        record_line

    line = free_line(session, line_id)
    if line.amount >= 0:
        raise ValidationError("Faturas a pagar só podem ser conciliadas com lançamentos a débito do extrato.",
                              field="line_id")
    bank = session.get(Account, line.bank_account_id)
    inst = session.get(PayableInstallment, int(installment_id))
    if inst is None or inst.company_id != bank.company_id:
        raise ValidationError("Fatura a pagar não encontrada na empresa da conta bancária.", field="installment")
    _check_protection(session, bank.company_id, line.posted_on)
    why = f"Conciliação bancária: lançamento do extrato {line_label(line)}"
    if writeoff_id is not None:
        current = session.get(PayableWriteOff, int(writeoff_id))
        if current is None or current.installment_id != inst.id or current.reversed:
            raise ValidationError(f"A baixa {writeoff_id} não é uma baixa ativa da fatura a pagar {inst.code}.",
                                  field="writeoff")
    else:
        current = None if inst.status == STATUS_OPEN else active_writeoff(session, inst)
    replaced = None
    if current is None:
        if inst.status != STATUS_OPEN:
            raise ValidationError(f"A fatura a pagar {inst.code} não pode ser conciliada (situação: {inst.status}).",
                                  field="installment")
        wo, created = statement_writeoff(session, inst, line, bank, runtime=runtime, user=user), True
    else:
        other = writeoff_reconciled_on(session, current.id)
        if other is not None:
            raise ValidationError(f"A baixa da fatura a pagar {inst.code} já está conciliada com o lançamento do "
                                  f"extrato {other}.", field="installment")
        if (current.paid_on, current.paid, current.cash_account_id) == (line.posted_on, -line.amount, bank.id):
            wo, created = current, False
        elif current.kind == WRITEOFF_PARTIAL:
            raise ValidationError(
                f"A baixa da fatura a pagar {inst.code} é parcial ({format_brl(current.paid)} em "
                f"{current.paid_on:%d/%m/%Y}) e difere do extrato ({format_brl(-line.amount)} em "
                f"{line.posted_on:%d/%m/%Y}): estorne-a pelo Contas a Pagar antes de conciliar.", field="installment")
        else:  # divergent date / value / account: reverse, write off again as the statement says
            inst = session.get(PayableInstallment, current.installment_id)
            reverse_writeoff(session, inst, reason=why[:250], on=max(current.paid_on, line.posted_on), user=user,
                             runtime=runtime)  # not reconciled (checked above): the hook lets it through
            wo, created, replaced = statement_writeoff(session, inst, line, bank, runtime=runtime, user=user), True, \
                current
    rec = record_line(session, bank, line, Candidate(None, None, wo.entry_id, payable_installment_id=inst.id,
                                                     payable_writeoff_id=wo.id), created, origin=origin, user=user,
                      **({"replaced_payable_writeoff_id": replaced.id} if replaced is not None else {}))
    audit.record(session, action="reconciliation.reconcile", target_kind=AUDIT_KIND, target_id=line.id, user=user,
                 after={"reconciliation_id": rec.id, "origin": origin, "payable_installment": inst.code,
                        "payable_writeoff_id": wo.id, "created_writeoff": created,
                        "replaced_payable_writeoff_id": replaced.id if replaced else None},
                 company_id=bank.company_id)
    session.flush()
    return rec


def undo_payable_item(session: Session, item: ReconciliationItem, rec: Reconciliation, *, runtime, user=None,
                      why: str) -> tuple[str, int]:
    """Undo what the reconciler did to a payable (module docstring): ("reopened" | "restored" |
    "untouched", installment code)."""
    from plugins.payables.models import PayableInstallment, PayableWriteOff
    from plugins.payables.reversal import reverse_writeoff
    from plugins.payables.writeoff import WriteOffRequest, write_off

    inst = session.get(PayableInstallment, item.payable_installment_id)
    if not item.created_settlement:
        return "untouched", inst.code
    wo = session.get(PayableWriteOff, item.payable_writeoff_id)
    if not wo.reversed:
        reverse_writeoff(session, inst, reason=f"{UNRECONCILE_REASON}: {why}"[:250],
                         on=max(wo.paid_on, rec.posted_on), user=user,
                         runtime=runtime)  # `rec` is already undone (`unreconcile`): the hook lets it through
    if item.replaced_payable_writeoff_id is None:
        return "reopened", inst.code
    old = session.get(PayableWriteOff, item.replaced_payable_writeoff_id)
    write_off(session, inst, WriteOffRequest(
        paid_on=old.paid_on, paid=old.paid, interest=old.interest or None, discount=old.discount or None,
        fee=old.fee or None, abatement=old.abatement or None, cash_account_id=old.cash_account_id,
        debit_account_id=old.debit_account_id, cost_centre_id=old.cost_centre_id, account_date=old.account_date,
        cheque_number=old.cheque_number, cheque_cleared=old.cheque_cleared, our_number=old.our_number,
        history_note=old.history_note, email_supplier=False), runtime=runtime, user=user)
    return "restored", inst.code
