"""Debit lines × contas a pagar (`payables`, optional plugin) and stored transfer suggestions.

Everything here runs only when the runtime has `payables` enabled (`payables_enabled`); the payables
modules are imported lazily inside the functions, so the reconciliation keeps working without them
(debit lines are then simply left unmatched, counted as "débitos").

Automatic rules for a free DEBIT line of a bank account (the manual's "Conciliação Automática",
with the installments of contas a pagar as the invoices) — `payable_candidates_on`, called by
`matching.find_automatic` with the transfers of rule 3:

1. open installment ("em aberto", of a launch not excluded) of the account's company with
   amount = |line amount| and due date = line date, whose launch's cash-flow account ("conta
   crédito" of the write-off) is empty or is the line's bank account ⇒ written off in full at the
   line's date from the line's bank account (`payables.writeoff.write_off`, the payables' own
   checks: approval, blocked carrier, category…) and reconciled, in the caller's unit of work
   (`write_off_matches`: each write-off in a savepoint; a refusal is reported, nothing of it kept);
2. write-off (not reversed) from the line's bank account (`cash_account_id`) with paid value =
   |line amount| and write-off date = line date, not reconciled yet ⇒ reconciled.

Only with exactly one candidate (installment, write-off, transfer or receivable) for the line's
(date, amount) — two ⇒ suggestions, never a guess. Lookups per day: installments by
`ix_payables_installment_status_due (status, due_date)` with the amounts in chunks of 500;
write-offs by `paid_on` (payables has no `(paid_on, paid)` index yet: README TODO).

Suggestions (`debit_suggestions`, stored as `Suggestion` rows with `payable_installment_id`
[+ `payable_writeoff_id`] or `transfer_id`): the windows of the receivables' suggestions (pass
"exata" ± R$ 0,10, "aproximada" ± 10 %, ± 3 days) over open installments (due date) and write-offs
(write-off date) of the line's bank account; reasons: value, days, the supplier's CPF/CNPJ in the
memo, the document / installment number / nosso número in the memo, and a different cash-flow
account of the launch. Transfers (`transfer_suggestions`, for credit and debit lines): the line's
amount on its side of the account, issued within ± 3 days, not reconciled on it yet — so a line
with two transfers of the same day gets both stored, to be accepted (`reconcile.accept_suggestion`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.br.documents import only_digits
from core.errors import ValidationError
from core.ledger.models import Account
from core.money import format_brl
from core.parties.models import Party
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import PASS_APPROX, PASS_EXACT, Reconciliation, ReconciliationItem, \
    Suggestion

CHUNK = 500
KIND_PAYABLE = "pagar"
KIND_TRANSFER = "transferencia"
KIND_RECEIVABLE = "receber"
HISTORY_NOTE = "Conciliador Bancário"


def payables_enabled(runtime) -> bool:
    """The payables plugin is enabled in this runtime (its tables and services may be used)."""
    if runtime is None:
        return False
    plugins = getattr(runtime, "plugins", None)
    if plugins is not None and hasattr(plugins, "is_enabled"):
        return bool(plugins.is_enabled("payables"))
    return "payables" in (getattr(getattr(runtime, "config", None), "enabled_plugins", None) or ())


def reconciled_writeoffs(writeoff_id_column, installment_id_column):
    """`EXISTS`: the payables write-off is an item of a reconciliation not undone (probed by the indexed
    `reconciliation_item.payable_installment_id`)."""
    return exists().where(ReconciliationItem.payable_installment_id == installment_id_column,
                          ReconciliationItem.payable_writeoff_id == writeoff_id_column,
                          ReconciliationItem.reconciliation_id == Reconciliation.id,
                          Reconciliation.undone_at.is_(None))


def writeoff_reconciled_on(session: Session, writeoff_id: int) -> int | None:
    """The line id whose current reconciliation holds this write-off, if any."""
    return session.scalar(select(StatementLine.id)
                          .join(Reconciliation, Reconciliation.id == StatementLine.reconciliation_id)
                          .join(ReconciliationItem, ReconciliationItem.reconciliation_id == Reconciliation.id)
                          .where(ReconciliationItem.payable_writeoff_id == writeoff_id,
                                 Reconciliation.undone_at.is_(None)).limit(1))


def payable_candidates_on(session: Session, company_id: int, bank_account_id: int, day: date,
                          amounts: list[Decimal]) -> dict[Decimal, list]:
    """{line amount (negative): [Candidate]} of the automatic rules 1-2 for debit lines of `day`
    (module docstring). `amounts`: the debit lines' amounts (negative)."""
    from plugins.payables.models import STATUS_DELETED, STATUS_OPEN, PayableInstallment, PayableInvoice, \
        PayableWriteOff
    from plugins.reconciliation.matching import Candidate

    found: dict[Decimal, list] = defaultdict(list)
    wanted = sorted({-a for a in amounts if a < 0})
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i:i + CHUNK]
        for inst_id, amount, cash_id, inv_status in session.execute(
                select(PayableInstallment.id, PayableInstallment.amount, PayableInvoice.cash_flow_account_id,
                       PayableInvoice.status)
                .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
                .where(PayableInstallment.status == STATUS_OPEN, PayableInstallment.due_date == day,
                       PayableInstallment.amount.in_(chunk), PayableInstallment.company_id == company_id)):
            if inv_status != STATUS_DELETED and cash_id in (None, bank_account_id):
                found[-amount].append(Candidate(None, payable_installment_id=inst_id))
        for wo_id, inst_id, paid, entry_id in session.execute(
                select(PayableWriteOff.id, PayableWriteOff.installment_id, PayableWriteOff.paid,
                       PayableWriteOff.entry_id)
                .where(PayableWriteOff.paid_on == day, PayableWriteOff.paid.in_(chunk),
                       PayableWriteOff.reversed.is_(False), PayableWriteOff.company_id == company_id,
                       PayableWriteOff.cash_account_id == bank_account_id,
                       ~reconciled_writeoffs(PayableWriteOff.id, PayableWriteOff.installment_id))):
            found[-paid].append(Candidate(None, None, entry_id, payable_installment_id=inst_id,
                                          payable_writeoff_id=wo_id))
    return found


def statement_writeoff(session: Session, inst, line: StatementLine, bank: Account, *, runtime, user=None):
    """Write the installment off at the statement's date from its bank account, paying |line amount|:
    more than the installment ⇒ the difference is juros; less ⇒ desconto (as the receivables' settlement
    at the statement's value: the entry has the statement's value)."""
    from plugins.payables.writeoff import WriteOffRequest, write_off

    paid = -line.amount
    diff = paid - inst.amount
    req = WriteOffRequest(paid_on=line.posted_on, paid=paid, cash_account_id=bank.id, history_note=HISTORY_NOTE,
                          interest=diff if diff > 0 else None, discount=-diff if diff < 0 else None)
    return write_off(session, inst, req, runtime=runtime, user=user)


def write_off_matches(session: Session, bank: Account, matches: list, *, runtime, user=None):
    """Automatic rule 1 applied: each (FreeLine, Candidate of an open installment) written off in a
    savepoint. Returns ([(line, Candidate with the write-off, True)], [(line id, why refused)])."""
    from plugins.payables.models import PayableInstallment
    from plugins.reconciliation.matching import Candidate

    done, refused = [], []
    for line, c in matches:
        try:
            with session.begin_nested():
                inst = session.get(PayableInstallment, c.payable_installment_id)
                stmt_line = session.get(StatementLine, line.id)
                wo = statement_writeoff(session, inst, stmt_line, bank, runtime=runtime, user=user)
        except ValidationError as exc:
            refused.append((line.id, f"fatura a pagar: {exc}"))
            continue
        done.append((line, Candidate(None, None, wo.entry_id, payable_installment_id=inst.id,
                                     payable_writeoff_id=wo.id), True))
    return done, refused


# --- suggestions -----------------------------------------------------------------------------------

@dataclass
class _Target:
    kind: str
    when: date
    amount: Decimal                      # positive (what the candidate moves)
    label: str                           # "fatura a pagar 12 (4512-1)" / "transferência 3"
    party: str | None = None
    installment_id: int | None = None
    writeoff_id: int | None = None
    transfer_id: int | None = None
    number: int = 0                      # tie-break (installment code / transfer id)
    extra: tuple = ()                    # reasons found
    evidence: int = 0
    doc: str | None = None               # installment number ("4512-1")


def _days_text(days: int, kind: str) -> str:
    if days == 0:
        return f"mesma data ({kind})"
    return f"{abs(days)} dia(s) {'depois' if days > 0 else 'antes'} d{kind}"


def _in_memo(text: str | None, memo: str) -> bool:
    """`text` (a document / installment number / nosso número) appears in the memo as a whole token."""
    import re

    t = (text or "").strip()
    if not t:
        return False
    if t.isdigit():
        return re.search(rf"(?<!\d)0*{int(t)}(?!\d)", memo) is not None
    return re.search(rf"(?<![\w]){re.escape(t.upper())}(?![\w])", memo.upper()) is not None


def _payable_targets(session: Session, line: StatementLine, bank: Account) -> list[_Target]:
    from plugins.payables.models import STATUS_DELETED, STATUS_OPEN, PayableInstallment, PayableInvoice, \
        PayableWriteOff
    from plugins.reconciliation.suggestions import DAYS, document_reason, value_window

    low, high = value_window(-line.amount)
    first, last = line.posted_on - timedelta(days=DAYS), line.posted_on + timedelta(days=DAYS)
    memo = f"{line.memo or ''} {line.payee or ''}"
    digits = only_digits(memo)
    out: list[_Target] = []
    rows = [(*row, None) for row in session.execute(
        select(PayableInstallment, PayableInvoice, Party.name, Party.document)
        .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
        .join(Party, Party.id == PayableInvoice.supplier_id)
        .where(PayableInstallment.status == STATUS_OPEN, PayableInstallment.due_date.between(first, last),
               PayableInstallment.amount.between(low, high), PayableInstallment.company_id == bank.company_id,
               PayableInvoice.status != STATUS_DELETED))]
    rows += session.execute(
        select(PayableInstallment, PayableInvoice, Party.name, Party.document, PayableWriteOff)
        .join(PayableInstallment, PayableInstallment.id == PayableWriteOff.installment_id)
        .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
        .join(Party, Party.id == PayableInvoice.supplier_id)
        .where(PayableWriteOff.paid_on.between(first, last), PayableWriteOff.paid.between(low, high),
               PayableWriteOff.reversed.is_(False), PayableWriteOff.company_id == bank.company_id,
               PayableWriteOff.cash_account_id == bank.id,
               ~reconciled_writeoffs(PayableWriteOff.id, PayableWriteOff.installment_id))).all()
    for inst, inv, name, document, wo in rows:
        reasons, evidence = [], 0
        doc_reason = document_reason(document, digits, "do fornecedor")
        if doc_reason:
            reasons.append(doc_reason)
            evidence += 1
        if _in_memo(inv.document, memo):
            reasons.append(f"documento {inv.document} no histórico")
            evidence += 1
        elif _in_memo(inst.number, memo):
            reasons.append(f"número da fatura {inst.number} no histórico")
            evidence += 1
        our = (wo.our_number if wo is not None else None) or inst.our_number
        if our and _in_memo(our, memo):
            reasons.append(f"nosso número {our} no histórico")
            evidence += 1
        if wo is None and inv.cash_flow_account_id not in (None, bank.id):
            other = session.get(Account, inv.cash_flow_account_id)
            reasons.append(f"a fatura prevê o pagamento pela conta {other.code} - {other.name}")
        out.append(_Target(KIND_PAYABLE, wo.paid_on if wo else inst.due_date, wo.paid if wo else inst.amount,
                           f"fatura a pagar {inst.code} ({inst.number})", name, inst.id, wo.id if wo else None,
                           number=inst.code, extra=tuple(reasons), evidence=evidence, doc=inst.number))
    return out


def _transfer_targets(session: Session, line: StatementLine) -> list[_Target]:
    from plugins.reconciliation.suggestions import DAYS
    from plugins.reconciliation.transfers import _reconciled_on
    from plugins.reconciliation.transfers_models import Transfer

    first, last = line.posted_on - timedelta(days=DAYS), line.posted_on + timedelta(days=DAYS)
    side = Transfer.from_account_id if line.amount < 0 else Transfer.to_account_id
    out = []
    for t in session.scalars(select(Transfer).where(
            Transfer.issued_on.between(first, last), Transfer.amount == abs(line.amount), side == line.bank_account_id,
            Transfer.deleted_at.is_(None), Transfer.id.not_in(_reconciled_on(line.bank_account_id)))):
        other = session.get(Account, t.to_account_id if line.amount < 0 else t.from_account_id)
        out.append(_Target(KIND_TRANSFER, t.issued_on, t.amount, f"transferência {t.id}",
                           f"{'para' if line.amount < 0 else 'de'} {other.code} - {other.name}", transfer_id=t.id,
                           number=t.id))
    return out


def _store(session: Session, line: StatementLine, targets: list[_Target], first_rank: int) -> list[dict]:
    from plugins.reconciliation.suggestions import EXACT_TOLERANCE

    scored = []
    for t in targets:
        diff = abs(line.amount) - t.amount
        days = (line.posted_on - t.when).days
        match_pass = PASS_EXACT if abs(diff) <= EXACT_TOLERANCE else PASS_APPROX
        kind = ("a emissão" if t.kind == KIND_TRANSFER else "a baixa" if t.writeoff_id else "o vencimento")
        reasons = ["valor igual" if not diff else
                   f"diferença de {format_brl(abs(diff))} (extrato {'maior' if diff > 0 else 'menor'})",
                   _days_text(days, kind), *t.extra]
        scored.append(((match_pass != PASS_EXACT, -t.evidence, abs(diff), abs(days), t.number), t, match_pass,
                       diff, days, reasons))
    scored.sort(key=lambda item: item[0])
    out = []
    for rank, (_k, t, match_pass, diff, days, reasons) in enumerate(scored, start=first_rank):
        row = Suggestion(line_id=line.id, payable_installment_id=t.installment_id, payable_writeoff_id=t.writeoff_id,
                         transfer_id=t.transfer_id, rank=rank, match_pass=match_pass, candidate_date=t.when,
                         candidate_amount=t.amount, amount_diff=diff, days=days,
                         reasons=json.dumps(reasons, ensure_ascii=False))
        session.add(row)
        out.append((row, t))
    session.flush()
    return [target_dict(row, t.kind, t.label, t.party, t.number, t.doc) for row, t in out]


def target_dict(row: Suggestion, kind: str, label: str, party: str | None, code: int | None = None,
                number: str | None = None) -> dict:
    """A stored payables / transfer suggestion as `suggestions.suggestion_dict` shows a receivable one
    (`kind` says which; `invoice_*` stay empty)."""
    return {"id": row.id, "rank": row.rank, "pass": row.match_pass, "kind": kind, "label": label,
            "invoice_id": None, "invoice_number": None,
            "status": ("baixada" if row.payable_writeoff_id else "aberta") if kind == KIND_PAYABLE else kind,
            "settlement_id": None, "payable_installment_id": row.payable_installment_id,
            "payable_writeoff_id": row.payable_writeoff_id, "transfer_id": row.transfer_id, "code": code,
            "number": number,
            "customer": party, "date": row.candidate_date.isoformat(), "amount": str(row.candidate_amount),
            "amount_diff": str(row.amount_diff), "days": row.days, "reasons": json.loads(row.reasons)}


def debit_suggestions(session: Session, line: StatementLine, runtime, *, first_rank: int = 1) -> list[dict]:
    """Store and return the ranked suggestions of a free debit line: installments and write-offs
    (payables enabled) and transfers. The caller has deleted the line's previous suggestions."""
    bank = session.get(Account, line.bank_account_id)
    targets = _payable_targets(session, line, bank) if payables_enabled(runtime) else []
    return _store(session, line, targets + _transfer_targets(session, line), first_rank)


def transfer_suggestions(session: Session, line: StatementLine, *, first_rank: int = 1) -> list[dict]:
    """Store and return the transfers suggested for a (credit) line, ranked from `first_rank`."""
    return _store(session, line, _transfer_targets(session, line), first_rank)


def stored_other_suggestions(session: Session, line_id: int) -> list[dict]:
    """The stored payables / transfer suggestions of a line (receivables ones: `suggestions.stored_suggestions`)."""
    out = []
    for row in session.scalars(select(Suggestion).where(Suggestion.line_id == int(line_id),
                                                        Suggestion.invoice_id.is_(None)).order_by(Suggestion.rank)):
        if row.transfer_id is not None:
            from plugins.reconciliation.transfers_models import Transfer

            t = session.get(Transfer, row.transfer_id)
            line = session.get(StatementLine, row.line_id)
            other = session.get(Account, t.to_account_id if line.amount < 0 else t.from_account_id)
            out.append(target_dict(row, KIND_TRANSFER, f"transferência {t.id}",
                                   f"{'para' if line.amount < 0 else 'de'} {other.code} - {other.name}", t.id))
        else:
            from plugins.payables.models import PayableInstallment, PayableInvoice

            inst = session.get(PayableInstallment, row.payable_installment_id)
            inv = session.get(PayableInvoice, inst.invoice_id)
            party = session.get(Party, inv.supplier_id)
            out.append(target_dict(row, KIND_PAYABLE, f"fatura a pagar {inst.code} ({inst.number})",
                                   party.name if party else None, inst.code, inst.number))
    return out
