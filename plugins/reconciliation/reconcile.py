"""Reconcile one statement line with one invoice (suggestion accepted or chosen by hand) and undo a
reconciliation (desconciliar), with the manual's effects. Services take the caller's session, never
commit, raise `ValidationError` in pt-BR.

`reconcile_line(session, line_id, invoice_id, *, origin, runtime, user)`:
- the line must be a free credit line of the invoice's company, outside the protected period
  (the manual's alert: "gere uma nova fatura ou altere a data de proteção");
- open invoice ⇒ settled through `receivables.settlement.settle_invoice` (so `before_settle` runs) at
  the line's date and value, into the line's bank account; a value different from the invoice's
  becomes the settlement's discount/surcharge ("essa diferença é apresentada … como juros ou
  desconto, mas o lançamento contábil realizado é com o valor do extrato");
- settled invoice whose settlement has the line's date, value and bank account ⇒ just reconciled;
  divergent (date, value or account) ⇒ the settlement is reversed (`reverse_settlement`, dated the
  later of its payment date and the line's date) and the invoice settled again at the statement's
  date and value ("será realizado o estorno da baixa e baixada novamente").

`unreconcile(session, line_id, *, disable_auto, runtime, user)` ("Impactos da Desconciliação"):
refused inside the protected period; settlements the reconciler made are reversed (the invoice
returns to open with a reversal entry dated the reconciliation's date, so the account's balance on
that day is what it was); a settlement it replaced is made again as it was (paid date, value,
account: "retornam ao status inicial"); invoices settled outside the reconciler are untouched; the
line is free again and, with `disable_auto`, the automatic pass skips it from then on
("Não permitir mais conciliação automática para este lançamento"). What the reconciler created from
the line (`from_line.py`: "Nova fatura a receber / a pagar", "Nova transferência") is deleted — the
receivable removed ("Faturas que foram excluídas", reason "Desconciliação"), the payable's write-off
reversed and its launch deleted, the transfer deleted — and listed in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationError
from core.ledger.models import Account
from core.ledger.services import protected_until
from core.model import utcnow
from core.money import format_brl
from plugins.receivables.models import INVOICE_OPEN, INVOICE_SETTLED, Invoice
from plugins.receivables.settlement import active_settlement, reverse_settlement, settle_invoice
from plugins.receivables.settlement_models import METHOD_PROFILE, Settlement
from plugins.reconciliation.matching import Candidate, FreeLine, record_reconciliations
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import (ORIGIN_MANUAL, ORIGIN_SUGGESTION, Reconciliation,
                                                     ReconciliationItem, Suggestion)

AUDIT_KIND = "reconciliation_statement_line"


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def protection_alert(limit: date, count: int = 1, on: date | None = None) -> str:
    """The manual's alert for statement lines inside the protected period."""
    which = f"O lançamento de {_fmt(on)} está" if on is not None else (
        "1 lançamento do extrato está" if count == 1 else f"{count} lançamentos do extrato estão")
    return (f"{which} dentro do período de proteção contábil (lançamentos até {_fmt(limit)} protegidos) e não "
            "será conciliado, mesmo que exista uma fatura correspondente. Gere uma nova fatura ou altere a data de "
            "proteção.")


def line_label(line: StatementLine) -> str:
    return f"{_fmt(line.posted_on)} {format_brl(line.amount)} ({line.memo or line.payee or line.fitid})"


def _locked_line(session: Session, line_id: int) -> StatementLine:
    line = session.get(StatementLine, int(line_id))
    if line is None or line.deleted:
        raise ValidationError(f"Lançamento do extrato {line_id} não encontrado.", field="line_id")
    session.flush()
    session.refresh(line, with_for_update=True)  # two operators on the same line: the second waits, then sees it
    return line


def free_line(session: Session, line_id: int) -> StatementLine:
    """The statement line, locked, refused when it is already reconciled."""
    line = _locked_line(session, line_id)
    if line.reconciliation_id is not None:
        raise ValidationError(f"O lançamento do extrato {line_label(line)} já está conciliado.", field="line_id")
    return line


def _check_protection(session: Session, company_id: int, on: date) -> None:
    limit = protected_until(session, company_id)
    if limit is not None and on <= limit:
        raise ValidationError(protection_alert(limit, on=on), field="line_id")


def _is_reconciled(session: Session, settlement_id: int) -> int | None:
    """The line id whose current reconciliation holds this settlement, if any."""
    return session.scalar(select(StatementLine.id)
                          .join(Reconciliation, Reconciliation.id == StatementLine.reconciliation_id)
                          .join(ReconciliationItem, ReconciliationItem.reconciliation_id == Reconciliation.id)
                          .where(ReconciliationItem.settlement_id == settlement_id,
                                 Reconciliation.undone_at.is_(None)).limit(1))


def invoice_by_number(session: Session, company_id: int, number: int) -> Invoice:
    inv = session.scalar(select(Invoice).where(Invoice.company_id == company_id, Invoice.number == int(number)))
    if inv is None:
        raise ValidationError(f"Fatura {number} não encontrada na empresa da conta bancária.", field="invoice")
    return inv


def settle_at_statement(session: Session, invoice: Invoice, *, paid_on: date, amount, bank_account_id: int, why: str,
                        user=None, runtime, interest=None, discount=None):
    """Make `invoice` settled at the statement's date and value into the bank account (the path of
    `reconcile_line`, also used by `reconcile_many`): open ⇒ `settle_invoice`; settled with that date,
    value and account ⇒ as is; divergent ⇒ reversed and settled again. `interest` / `discount`: typed
    by the operator ("Buscar lançamento"), they become the settlement's juros / desconto.
    Returns (settlement, created_now, replaced settlement or None)."""
    reported = {} if interest is None and discount is None else {"reported_interest": interest,
                                                                 "reported_discount": discount}
    if invoice.status == INVOICE_OPEN:
        return settle_invoice(session, invoice, paid_on=paid_on, amount=amount, method=METHOD_PROFILE,
                              bank_account_id=bank_account_id, justification=why, user=user, runtime=runtime,
                              **reported).settlement, True, None
    if invoice.status != INVOICE_SETTLED:
        raise ValidationError(f"A fatura {invoice.number} não pode ser conciliada (situação: {invoice.status}).",
                              field="invoice")
    current = active_settlement(session, invoice.id)
    if current is None or current.partial:
        raise ValidationError(f"A fatura {invoice.number} não tem uma liquidação integral para conciliar.",
                              field="invoice")
    other = _is_reconciled(session, current.id)
    if other is not None:
        raise ValidationError(f"A fatura {invoice.number} já está conciliada com o lançamento do extrato {other}.",
                              field="invoice")
    if (current.paid_on, current.amount, current.bank_account_id) == (paid_on, amount, bank_account_id):
        return current, False, None
    # divergent date / value / account: reverse, settle again as the statement says
    reverse_settlement(session, current, on=max(current.paid_on, paid_on), justification=why, user=user,
                       runtime=runtime)
    return settle_invoice(session, invoice, paid_on=paid_on, amount=amount, method=METHOD_PROFILE,
                          bank_account_id=bank_account_id, justification=why, user=user, runtime=runtime,
                          **reported).settlement, True, current


def record_line(session: Session, bank: Account, line: StatementLine, candidate: Candidate, created: bool, *,
                origin: str, user, **item_values) -> Reconciliation:
    """Record the reconciliation of one line with one candidate (`matching.record_reconciliations`) and
    return it; `item_values` (e.g. the replaced settlement) are set on its item."""
    record_reconciliations(session, bank, [(FreeLine(line.id, line.posted_on, line.amount), candidate, created)],
                           origin=origin, user=user)
    session.refresh(line)
    rec = session.get(Reconciliation, line.reconciliation_id)
    if item_values:
        item = session.scalar(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec.id))
        for key, value in item_values.items():
            setattr(item, key, value)
    return rec


def reconcile_line(session: Session, line_id: int, invoice_id: int, *, origin: str = ORIGIN_MANUAL, runtime,
                   user=None) -> Reconciliation:
    """Reconcile a free credit line with one invoice (module docstring). Never commits."""
    line = free_line(session, line_id)
    if line.amount <= 0:
        raise ValidationError("Lançamentos a débito (contas a pagar, transferências) ainda não podem ser conciliados "
                              "com faturas a receber.", field="line_id")
    bank = session.get(Account, line.bank_account_id)
    invoice = session.get(Invoice, int(invoice_id))
    if invoice is None or invoice.company_id != bank.company_id:
        raise ValidationError("Fatura não encontrada na empresa da conta bancária.", field="invoice")
    _check_protection(session, bank.company_id, line.posted_on)
    why = f"Conciliação bancária: lançamento do extrato {line_label(line)}"
    settlement, created, replaced = settle_at_statement(session, invoice, paid_on=line.posted_on, amount=line.amount,
                                                        bank_account_id=bank.id, why=why, user=user,
                                                        runtime=runtime)
    rec = record_line(session, bank, line, Candidate(invoice.id, settlement.id, settlement.entry_id), created,
                      origin=origin, user=user,
                      **({"replaced_settlement_id": replaced.id} if replaced is not None else {}))
    audit.record(session, action="reconciliation.reconcile", target_kind=AUDIT_KIND, target_id=line.id, user=user,
                 after={"reconciliation_id": rec.id, "origin": origin, "invoice": invoice.number,
                        "settlement_id": settlement.id, "replaced_settlement_id": replaced.id if replaced else None},
                 company_id=bank.company_id)
    session.flush()
    return rec


def accept_suggestion(session: Session, suggestion_id: int, *, runtime, user=None) -> Reconciliation:
    """Reconcile a line with one of its stored suggestions (origin "sugestao")."""
    s = session.get(Suggestion, int(suggestion_id))
    if s is None:
        raise ValidationError(f"Sugestão {suggestion_id} não encontrada (as sugestões são refeitas a cada consulta).",
                              field="suggestion_id")
    if s.payable_installment_id is not None:  # debit line × fatura a pagar (payables_reconcile.py)
        from plugins.reconciliation.payables_reconcile import reconcile_payable

        return reconcile_payable(session, s.line_id, s.payable_installment_id, writeoff_id=s.payable_writeoff_id,
                                 origin=ORIGIN_SUGGESTION, runtime=runtime, user=user)
    if s.transfer_id is not None:  # stored transfer suggestion (payables_match.transfer_suggestions)
        from plugins.reconciliation.transfers import reconcile_transfer

        return reconcile_transfer(session, s.line_id, s.transfer_id, origin=ORIGIN_SUGGESTION, user=user)
    return reconcile_line(session, s.line_id, s.invoice_id, origin=ORIGIN_SUGGESTION, runtime=runtime, user=user)


@dataclass
class UnreconcileReport:
    line_ids: list[int]
    reopened_invoices: list[int] = field(default_factory=list)      # numbers returned to open
    restored_invoices: list[int] = field(default_factory=list)      # numbers settled again as they were
    untouched_invoices: list[int] = field(default_factory=list)     # settled outside the reconciler
    # created by the reconciler from the line (from_line.py) and deleted now ("faturas excluídas")
    deleted_invoices: list[int] = field(default_factory=list)       # receivables numbers
    deleted_payables: list[int] = field(default_factory=list)       # payables installment codes
    deleted_transfers: list[int] = field(default_factory=list)      # transfer ids
    reversed_entries: list[int] = field(default_factory=list)       # reversal entry numbers (user rules, rules.py)
    # faturas a pagar reconciled with debit lines (payables_reconcile.py), by installment code
    reopened_payables: list[int] = field(default_factory=list)      # the reconciler's write-off reversed
    restored_payables: list[int] = field(default_factory=list)      # written off again as they were
    untouched_payables: list[int] = field(default_factory=list)     # written off outside the reconciler

    def as_dict(self) -> dict:
        return {"line_ids": self.line_ids, "reopened_invoices": self.reopened_invoices,
                "restored_invoices": self.restored_invoices, "untouched_invoices": self.untouched_invoices,
                "deleted_invoices": self.deleted_invoices, "deleted_payables": self.deleted_payables,
                "deleted_transfers": self.deleted_transfers, "reversed_entries": self.reversed_entries,
                "reopened_payables": self.reopened_payables, "restored_payables": self.restored_payables,
                "untouched_payables": self.untouched_payables}


def unreconcile(session: Session, line_id: int, *, disable_auto: bool = False, confirm_pair: bool = False, runtime,
                user=None) -> UnreconcileReport:
    """Desconciliar (module docstring). A reconciliation with a transfer goes to
    `transfers.unreconcile_transfer_lines` (`confirm_pair`: also undo it on the other account). Never commits."""
    line = _locked_line(session, line_id)
    if line.reconciliation_id is None:
        raise ValidationError(f"O lançamento do extrato {line_label(line)} não está conciliado.", field="line_id")
    rec = session.get(Reconciliation, line.reconciliation_id)
    limit = protected_until(session, rec.company_id)
    if limit is not None and rec.posted_on <= limit:
        raise ValidationError(f"A conciliação de {_fmt(rec.posted_on)} está dentro do período de proteção contábil "
                              f"(lançamentos até {_fmt(limit)} protegidos) e não pode ser desfeita; altere a data de "
                              "proteção.", field="line_id")
    if session.scalar(select(ReconciliationItem.id).where(ReconciliationItem.reconciliation_id == rec.id,
                                                          ReconciliationItem.transfer_id.is_not(None)).limit(1)):
        from plugins.reconciliation.transfers import unreconcile_transfer_lines

        report = UnreconcileReport(unreconcile_transfer_lines(session, rec, confirm_pair=confirm_pair,
                                                              disable_auto=disable_auto, user=user))
        from plugins.reconciliation.transfers import delete_transfer

        for t_id in session.scalars(select(ReconciliationItem.transfer_id).where(  # created here: deleted
                ReconciliationItem.reconciliation_id == rec.id, ReconciliationItem.created_object.is_(True),
                ReconciliationItem.transfer_id.is_not(None))):
            delete_transfer(session, t_id, user=user)
            report.deleted_transfers.append(t_id)
        audit.record(session, action="reconciliation.unreconcile", target_kind=AUDIT_KIND, target_id=line.id,
                     user=user, before={"reconciliation_id": rec.id}, after=report.as_dict(), company_id=rec.company_id)
        session.flush()
        return report
    why = f"Desconciliação do lançamento do extrato {line_label(line)}"
    lines = list(session.scalars(select(StatementLine).where(StatementLine.reconciliation_id == rec.id)))
    report = UnreconcileReport([ln.id for ln in lines])
    rec.undone_at, rec.undone_by = utcnow(), getattr(user, "id", None)  # first: receivables' before_reverse sees it
    session.flush()
    for item in session.scalars(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec.id)):
        if item.payable_installment_id is not None and item.created_object:  # created from the line (from_line.py)
            from plugins.reconciliation.from_line import delete_created_payable

            report.deleted_payables.append(delete_created_payable(session, item, runtime=runtime, user=user, why=why))
            continue
        if item.payable_installment_id is not None:  # an existing fatura a pagar (payables_reconcile.py)
            from plugins.reconciliation.payables_reconcile import undo_payable_item

            what, code = undo_payable_item(session, item, rec, runtime=runtime, user=user, why=why)
            getattr(report, f"{what}_payables").append(code)
            continue
        if item.rule_id is not None and item.invoice_id is None:  # "classificar em conta contábil" (rules.py)
            from plugins.reconciliation.rules import reverse_rule_entry

            report.reversed_entries.append(reverse_rule_entry(session, item, user=user, why=why))
            continue
        invoice = session.get(Invoice, item.invoice_id)
        if not item.created_settlement:
            report.untouched_invoices.append(invoice.number)
            continue
        settlement = session.get(Settlement, item.settlement_id)
        if not settlement.reversed:
            reverse_settlement(session, settlement, on=max(settlement.paid_on, rec.posted_on), justification=why,
                               user=user, runtime=runtime)
        if item.replaced_settlement_id is not None:
            old = session.get(Settlement, item.replaced_settlement_id)
            settle_invoice(session, invoice, paid_on=old.paid_on, amount=old.amount, method=old.method,
                           bank_account_id=old.bank_account_id, justification=why, user=user, runtime=runtime)
            report.restored_invoices.append(invoice.number)
        elif item.created_object:  # "Nova fatura a receber" of the reconciler: removed (from_line.py)
            from plugins.reconciliation.from_line import delete_created_invoice

            delete_created_invoice(session, invoice, user=user, comments=why)
            report.deleted_invoices.append(invoice.number)
        else:
            report.reopened_invoices.append(invoice.number)
    for ln in lines:
        ln.reconciliation_id = None
        if disable_auto:
            ln.auto_disabled = True
    session.execute(delete(Suggestion).where(Suggestion.line_id.in_(report.line_ids)))
    audit.record(session, action="reconciliation.unreconcile", target_kind=AUDIT_KIND, target_id=line.id, user=user,
                 before={"reconciliation_id": rec.id}, after={**report.as_dict(), "auto_disabled": disable_auto},
                 company_id=rec.company_id)
    session.flush()
    return report
