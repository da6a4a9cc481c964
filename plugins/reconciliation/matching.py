"""Automatic reconciliation ("Conciliação Automática" of the manual), indexed and in batches.

The manual's rules, for a free CREDIT line (not deleted, not reconciled, automatic reconciliation
not disabled) of a ledger bank account:

1. open invoice ("aberta") of the account's company with total = line amount and due date = line
   date ⇒ settled at the line's date and value into the line's bank account
   (`receivables.settlement_batch.settle_invoices`: the rules of `settle_invoice`, `before_settle` per
   invoice) and reconciled;
2. settled invoice whose active, full settlement into that bank account has amount = line amount and
   payment date = line date (and is not reconciled yet) ⇒ reconciled;
3. transfer between accounts (`transfers.py`) emitted on the line's date with its amount, leaving the
   account (debit line, −amount) or entering it (credit line, +amount), not reconciled on that
   account yet ⇒ reconciled (`transfers.transfer_candidates_on`);
4. debit lines, with `payables` enabled: open fatura a pagar (installment) with amount and due date
   equal ⇒ written off from the line's bank account and reconciled; payables write-off from that
   account with paid value and date equal ⇒ reconciled (`payables_match.py`). Debit lines without
   candidate are left for the manual work and counted.

Applied ONLY when exactly one candidate (open or settled invoice, or transfer) exists for the line's (date,
amount) and only one free line has that (date, amount): anything else is never guessed — the lines
are "ambíguos" and get their suggestions stored (`suggestions.suggest`). Lines inside the company's
protected period are not reconciled (the manual's alert, `reconcile.protection_alert`).

Lookup: free lines grouped by date; per date one query per 500 amounts on
`receivables_invoice (due_date, total)` and one on `receivables_settlement (paid_on, amount)`
(indexes `ix_receivables_invoice_due_total`, `ix_receivables_settlement_paid_on_amount`) — never
every line against every invoice. `find_automatic` only looks (the benchmark times it);
`reconcile_automatic` looks and applies, in the caller's unit of work (never commits).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from core.ledger.models import Account
from core.ledger.services import protected_until
from core.model import utcnow
from plugins.receivables.models import INVOICE_OPEN, INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import ORIGIN_AUTO, Reconciliation, ReconciliationItem, Suggestion

CHUNK = 500


@dataclass(frozen=True)
class Candidate:
    """An invoice that matches a line: open (`settlement_id` None) or settled by `settlement_id`; or a
    transfer (`transfer_id`, `invoice_id` None, `entry_id` its entry)."""

    invoice_id: int | None
    settlement_id: int | None = None
    entry_id: int | None = None
    transfer_id: int | None = None
    rule_id: int | None = None           # the user rule that made it (rules.py)
    # a fatura a pagar (payables_match.py): open installment, or with the write-off that paid it
    payable_installment_id: int | None = None
    payable_writeoff_id: int | None = None


@dataclass(frozen=True)
class FreeLine:
    id: int
    posted_on: date
    amount: Decimal


@dataclass
class AutoPlan:
    matches: list[tuple[FreeLine, Candidate]] = field(default_factory=list)
    ambiguous: list[FreeLine] = field(default_factory=list)   # 2+ candidates, or 2+ lines with the same key
    unmatched: int = 0
    unmatched_debits: int = 0
    unmatched_lines: list[FreeLine] = field(default_factory=list)  # credit lines without candidate (batch credit)


@dataclass
class AutoReport:
    bank_account: Account
    lines: int = 0                       # free credit lines looked at
    settled: int = 0                     # open invoices settled and reconciled
    already_settled: int = 0             # settled invoices reconciled
    transfers: int = 0                   # lines reconciled with a transfer between accounts
    ambiguous: list[int] = field(default_factory=list)
    unmatched: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)      # (line id, why settle_invoices refused)
    protected: list[int] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    debits: int = 0                      # debit lines without a transfer candidate (no payables matching yet)
    batches: int = 0                     # lines reconciled with a batch credit (batch_credit.py)
    rules: dict = field(default_factory=dict)   # user rules (rules.py): RulesReport.as_dict()
    payables: int = 0                    # debit lines: open payables installments written off and reconciled
    payables_already: int = 0            # debit lines reconciled with an existing payables write-off

    def as_dict(self) -> dict:
        acc = self.bank_account
        return {"bank_account": f"{acc.code} - {acc.name}", "lines": self.lines,
                "reconciled": self.settled + self.already_settled + self.transfers + self.batches + self.payables
                              + self.payables_already, "settled_now": self.settled,
                "already_settled": self.already_settled, "transfers": self.transfers, "ambiguous_line_ids": self.ambiguous,
                "unmatched": self.unmatched, "refused": [{"line_id": i, "message": m} for i, m in self.refused],
                "protected_line_ids": self.protected, "alerts": self.alerts, "debits_skipped": self.debits,
                "batch_credits": self.batches, "rules": self.rules,
                "payables_written_off": self.payables, "payables_already_written_off": self.payables_already}


def free_lines(session: Session, bank_account_id: int, *, date_from: date | None = None,
               date_to: date | None = None, credits_only: bool = False, auto: bool = False) -> list[FreeLine]:
    """Lines of the account that may still be reconciled (not deleted, not reconciled); `auto`: also
    without "não permitir mais conciliação automática"."""
    stmt = select(StatementLine.id, StatementLine.posted_on, StatementLine.amount).where(
        StatementLine.bank_account_id == bank_account_id, StatementLine.deleted.is_(False),
        StatementLine.reconciliation_id.is_(None))
    if auto:
        stmt = stmt.where(StatementLine.auto_disabled.is_(False))
    if credits_only:
        stmt = stmt.where(StatementLine.amount > 0)
    if date_from is not None:
        stmt = stmt.where(StatementLine.posted_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(StatementLine.posted_on <= date_to)
    return [FreeLine(*row) for row in session.execute(stmt.order_by(StatementLine.posted_on, StatementLine.id))]


def reconciled_settlements():
    """`EXISTS` clause: the settlement is an item of a reconciliation not undone."""
    return exists().where(ReconciliationItem.settlement_id == Settlement.id,
                          ReconciliationItem.reconciliation_id == Reconciliation.id,
                          Reconciliation.undone_at.is_(None))


def _candidates_on(session: Session, company_id: int, bank_account_id: int, day: date,
                   amounts: list[Decimal]) -> dict[Decimal, list[Candidate]]:
    found: dict[Decimal, list[Candidate]] = defaultdict(list)
    for i in range(0, len(amounts), CHUNK):
        chunk = amounts[i:i + CHUNK]
        # status and company are checked here, not in SQL: SQLite (no ANALYZE) would otherwise pick
        # (status, due_date) and read every open invoice of the day instead of probing (due_date, total)
        for inv_id, total, status, cid in session.execute(
                select(Invoice.id, Invoice.total, Invoice.status, Invoice.company_id)
                .where(Invoice.due_date == day, Invoice.total.in_(chunk))):
            if status == INVOICE_OPEN and cid == company_id:
                found[total].append(Candidate(inv_id))
        for s_id, inv_id, amount, entry_id in session.execute(
                select(Settlement.id, Settlement.invoice_id, Settlement.amount, Settlement.entry_id)
                .join(Invoice, Invoice.id == Settlement.invoice_id)
                .where(Settlement.paid_on == day, Settlement.amount.in_(chunk), Settlement.reversed.is_(False),
                       Settlement.partial.is_(False), Settlement.company_id == company_id,
                       Settlement.bank_account_id == bank_account_id, Invoice.status == INVOICE_SETTLED,
                       ~reconciled_settlements())):
            found[amount].append(Candidate(inv_id, s_id, entry_id))
    return found


def find_automatic(session: Session, bank_account: Account, lines: list[FreeLine], *, runtime=None) -> AutoPlan:
    """The manual's automatic matches of `lines` (credit lines; debit lines match transfers and — with
    `runtime` having payables enabled — payables installments / write-offs, `payables_match.py`), without
    writing anything."""
    from plugins.reconciliation.payables_match import payable_candidates_on, payables_enabled
    from plugins.reconciliation.transfers import transfer_candidates_on

    with_payables = payables_enabled(runtime)

    plan = AutoPlan()
    by_day: dict[date, list[FreeLine]] = defaultdict(list)
    for line in lines:
        by_day[line.posted_on].append(line)
    for day, day_lines in sorted(by_day.items()):
        per_amount = Counter(line.amount for line in day_lines)
        found = _candidates_on(session, bank_account.company_id, bank_account.id, day,
                               sorted(a for a in per_amount if a > 0))
        for amount, transfers in transfer_candidates_on(session, bank_account.id, day, list(per_amount)).items():
            found[amount].extend(Candidate(None, None, entry_id, t_id) for t_id, entry_id in transfers)
        debits = [a for a in per_amount if a < 0]
        if with_payables and debits:
            for amount, payables in payable_candidates_on(session, bank_account.company_id, bank_account.id, day,
                                                          debits).items():
                found[amount].extend(payables)
        for line in day_lines:
            candidates = found.get(line.amount, [])
            if not candidates and line.amount < 0:
                plan.unmatched_debits += 1
            elif not candidates:
                plan.unmatched += 1
                plan.unmatched_lines.append(line)
            elif len(candidates) == 1 and per_amount[line.amount] == 1:
                plan.matches.append((line, candidates[0]))
            else:
                plan.ambiguous.append(line)
    return plan


def reconcile_automatic(session: Session, bank_account: Account, *, runtime, user=None, date_from: date | None = None,
                        date_to: date | None = None, suggest: bool = True) -> AutoReport:
    """Run the automatic reconciliation over the account's free lines (see the module docstring).
    `suggest`: store the suggestions of the ambiguous lines. Never commits."""
    from plugins.reconciliation.reconcile import protection_alert

    report = AutoReport(bank_account)
    lines = free_lines(session, bank_account.id, date_from=date_from, date_to=date_to, auto=True)
    limit = protected_until(session, bank_account.company_id)
    if limit is not None:
        inside = [line for line in lines if line.posted_on <= limit]
        if inside:
            report.protected = [line.id for line in inside]
            report.alerts.append(protection_alert(limit, len(inside)))
            lines = [line for line in lines if line.posted_on > limit]
    report.lines = sum(1 for line in lines if line.amount > 0)
    plan = find_automatic(session, bank_account, lines, runtime=runtime)
    report.ambiguous, report.unmatched = [line.id for line in plan.ambiguous], plan.unmatched
    report.debits = plan.unmatched_debits
    done: list[tuple[FreeLine, Candidate, bool]] = []  # (line, candidate, settled now)
    to_settle = [(line, c) for line, c in plan.matches if c.settlement_id is None and c.transfer_id is None
                 and c.payable_installment_id is None]
    if to_settle:
        from plugins.receivables.settlement_batch import SettleRequest, settle_invoices

        results = settle_invoices(session, [SettleRequest(c.invoice_id, line.posted_on, line.amount)
                                            for line, c in to_settle],
                                  bank_account_id=bank_account.id, user=user, runtime=runtime,
                                  description=f"Conciliação automática — {bank_account.code} - {bank_account.name}")
        for (line, c), result in zip(to_settle, results):
            if isinstance(result, Exception):
                report.refused.append((line.id, str(result)))
            else:
                done.append((line, Candidate(c.invoice_id, result.settlement_id, result.entry_id), True))
    to_write_off = [(line, c) for line, c in plan.matches if c.payable_installment_id and not c.payable_writeoff_id]
    if to_write_off:  # open payables installments (payables_match.py)
        from plugins.reconciliation.payables_match import write_off_matches

        written, refused = write_off_matches(session, bank_account, to_write_off, runtime=runtime, user=user)
        done.extend(written)
        report.refused += refused
    done.extend((line, c, False) for line, c in plan.matches
                if c.settlement_id is not None or c.transfer_id or c.payable_writeoff_id)
    record_reconciliations(session, bank_account, done, origin=ORIGIN_AUTO, user=user)
    report.payables = sum(1 for _l, c, now in done if now and c.payable_installment_id)
    report.payables_already = sum(1 for _l, c, now in done if not now and c.payable_installment_id)
    report.settled = sum(1 for _l, _c, now in done if now) - report.payables
    report.transfers = sum(1 for _l, c, _n in done if c.transfer_id is not None)
    report.already_settled = len(done) - report.settled - report.transfers - report.payables - report.payables_already
    if plan.unmatched_lines:  # batch credit (retorno credited as one line), after the manual's rules
        from plugins.reconciliation.batch_credit import reconcile_batch_lines

        batch = reconcile_batch_lines(session, bank_account, plan.unmatched_lines, runtime=runtime, user=user)
        report.batches = len(batch.matches)
        report.unmatched -= len(batch.matches) + len(batch.ambiguous)
        report.ambiguous += [line.id for line in batch.ambiguous]
    rest = _not_taken(lines, done, report)
    if rest:  # the user rules ("Cadastro de Regras"), after the manual's rule 1, before the suggestions
        from plugins.reconciliation.rules import apply_rules

        by_rules = apply_rules(session, bank_account, rest, runtime, user)
        report.rules = by_rules.as_dict()
        taken = set(by_rules.reconciled_line_ids) | set(by_rules.suggested)
        report.refused += by_rules.refused
        ambiguous = set(report.ambiguous)
        for line in rest:
            if line.id in taken and line.id not in ambiguous:
                if line.amount < 0:
                    report.debits -= 1
                else:
                    report.unmatched -= 1
        report.ambiguous = [i for i in report.ambiguous if i not in taken]
    if suggest and report.ambiguous:
        from plugins.reconciliation.suggestions import suggest as suggest_line

        for line_id in report.ambiguous:
            suggest_line(session, line_id, runtime)
    return report


def _not_taken(lines: list[FreeLine], done, report: AutoReport) -> list[FreeLine]:
    """The free lines the manual's rules left: not reconciled, not refused (`rules.apply_rules` reads
    them again and skips any another step reconciled meanwhile, e.g. the batch credit)."""
    taken = {line.id for line, _c, _n in done} | {i for i, _m in report.refused}
    return [line for line in lines if line.id not in taken]


def record_reconciliations(session: Session, bank_account: Account, done: list[tuple[FreeLine, Candidate, bool]], *,
                           origin: str, user=None) -> None:
    """One reconciliation (and item) per (line, candidate, created_settlement), written in bulk."""
    now, uid = utcnow(), getattr(user, "id", None)
    for i in range(0, len(done), CHUNK):
        chunk = done[i:i + CHUNK]
        ids = session.execute(insert(Reconciliation).returning(Reconciliation.id, sort_by_parameter_order=True), [
            {"bank_account_id": bank_account.id, "company_id": bank_account.company_id, "origin": origin,
             "posted_on": line.posted_on, "amount": line.amount, "user_id": uid, "created_at": now}
            for line, _c, _n in chunk]).scalars().all()
        session.execute(insert(ReconciliationItem), [
            {"reconciliation_id": rid, "invoice_id": c.invoice_id, "settlement_id": c.settlement_id,
             "entry_id": c.entry_id, "amount": line.amount, "created_settlement": created,
             "transfer_id": c.transfer_id, "rule_id": c.rule_id,
             "payable_installment_id": c.payable_installment_id, "payable_writeoff_id": c.payable_writeoff_id}
            for rid, (line, c, created) in zip(ids, chunk)])
        session.execute(update(StatementLine.__table__).where(StatementLine.__table__.c.id == bindparam("lid"))
                        .values(reconciliation_id=bindparam("rid")),
                        [{"lid": line.id, "rid": rid} for rid, (line, _c, _n) in zip(ids, chunk)])
    if done:
        line_ids = [line.id for line, _c, _n in done]
        for i in range(0, len(line_ids), CHUNK):
            session.execute(delete(Suggestion).where(Suggestion.line_id.in_(line_ids[i:i + CHUNK])))
