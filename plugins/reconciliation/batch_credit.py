"""Batch credit ("crédito em lote"): banks credit the day's boleto payments of a retorno as ONE
statement line; a credit line whose amount equals the total of a group — Σ valor líquido of the
títulos a retorno liquidated with that credit date, into the line's bank account — is reconciled with
all of them at once (one reconciliation, one item per settlement).

The groups come from the `reconciliation_batch_credits` hook (`hooks/reconciliation.py`), implemented
by `bank_profiles` (`retorno_credits.py`): without that plugin enabled there are no groups and nothing
here does anything — this plugin never imports `bank_profiles`. A group holding a settlement that is
already reconciled (alone or in another group) is dropped whole: part of it is already accounted for.

- `find_batch_credits(session, bank_account, lines, runtime)` — automatic pass (`matching.reconcile_automatic`,
  for the credit lines left without a candidate by the manual's rules): a line with exactly one group
  of its (date, amount) and alone with that (date, amount) ⇒ match; 2+ groups ⇒ ambiguous (the pane
  shows the groups as suggestions, `groups_for_line`).
- `reconcile_batch(session, line_id, key, *, origin, runtime, user)` — one line with one group
  (suggestion accepted): refused when the line is not a free credit line, inside the protected period,
  or when the group's total is not the line's amount.
- The settlements were made by the retorno, not by the reconciler: items keep `created_settlement`
  False, so `reconcile.unreconcile` frees the line and every título of the group without reversing
  anything. The reconciliation keeps the group (`batch_key`, `batch_label`) for the pane.

Services take the caller's session and never commit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationError
from core.ledger.models import Account
from core.model import utcnow
from core.money import format_brl
from plugins.receivables.models import Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.matching import FreeLine, reconciled_settlements
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import (ORIGIN_AUTO, ORIGIN_SUGGESTION, Reconciliation,
                                                     ReconciliationItem, Suggestion)

AUDIT_KIND = "reconciliation_statement_line"
CHUNK = 5000  # settlement ids per query (a retorno of 20,000 títulos: 4 queries)


@dataclass(frozen=True)
class BatchSettlement:
    settlement_id: int
    invoice_id: int
    invoice_number: int
    entry_id: int | None
    amount: Decimal


@dataclass
class BatchGroup:
    """A group credited as one line, with its settlements (only groups none of which is reconciled)."""

    key: str
    label: str
    credited_on: date
    total: Decimal
    settlements: list[BatchSettlement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.settlements)

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "credited_on": self.credited_on.isoformat(),
                "total": str(self.total), "count": self.count,
                "invoices": [s.invoice_number for s in self.settlements]}


def batch_credits(session: Session, runtime, bank_account_id: int, date_from: date, date_to: date) -> list[BatchGroup]:
    """Every plugin's groups of the period (hook), with their settlements; groups with a settlement
    already reconciled, reversed or paid into another account are dropped."""
    if runtime is None:
        return []
    answers = runtime.hook.reconciliation_batch_credits(session=session, bank_account_id=bank_account_id,
                                                        date_from=date_from, date_to=date_to)
    credits = [c for answer in answers if answer for c in answer]
    if not credits:
        return []
    ids = sorted({sid for c in credits for sid in c.settlement_ids})
    rows: dict[int, BatchSettlement] = {}
    blocked: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        for sid, inv_id, number, entry_id, amount, reversed_, bank, taken in session.execute(
                select(Settlement.id, Settlement.invoice_id, Invoice.number, Settlement.entry_id, Settlement.amount,
                       Settlement.reversed, Settlement.bank_account_id, reconciled_settlements())
                .join(Invoice, Invoice.id == Settlement.invoice_id).where(Settlement.id.in_(chunk))):
            if reversed_ or bank != bank_account_id or taken:
                blocked.add(sid)
            else:
                rows[sid] = BatchSettlement(sid, inv_id, number, entry_id, amount)
    out = []
    for c in credits:
        if any(sid in blocked or sid not in rows for sid in c.settlement_ids):
            continue
        out.append(BatchGroup(c.key, c.label, c.credited_on, c.total, [rows[sid] for sid in c.settlement_ids]))
    return out


def groups_for_line(session: Session, runtime, line: StatementLine) -> list[BatchGroup]:
    """The groups a free credit line may be reconciled with: its date, total = its amount."""
    if line.amount <= 0:
        return []
    return [g for g in batch_credits(session, runtime, line.bank_account_id, line.posted_on, line.posted_on)
            if g.total == line.amount and g.credited_on == line.posted_on]


@dataclass
class BatchPlan:
    matches: list[tuple[FreeLine, BatchGroup]] = field(default_factory=list)
    ambiguous: list[FreeLine] = field(default_factory=list)
    unmatched: list[FreeLine] = field(default_factory=list)


def find_batch_credits(session: Session, bank_account: Account, lines: list[FreeLine], runtime) -> BatchPlan:
    """The automatic batch matches of free credit `lines` (module docstring), without writing: one hook
    call for the lines' whole period."""
    plan = BatchPlan()
    credit = [ln for ln in lines if ln.amount > 0]
    if not credit:
        return plan
    groups = batch_credits(session, runtime, bank_account.id, min(ln.posted_on for ln in credit),
                           max(ln.posted_on for ln in credit))
    by_key: dict[tuple[date, Decimal], list[BatchGroup]] = defaultdict(list)
    for g in groups:
        by_key[(g.credited_on, g.total)].append(g)
    per_key = Counter((ln.posted_on, ln.amount) for ln in credit)
    for ln in credit:
        found = by_key.get((ln.posted_on, ln.amount), [])
        if not found:
            plan.unmatched.append(ln)
        elif len(found) == 1 and per_key[(ln.posted_on, ln.amount)] == 1:
            plan.matches.append((ln, found[0]))
        else:
            plan.ambiguous.append(ln)
    return plan


def record_batches(session: Session, bank_account: Account, matches: list[tuple[FreeLine, BatchGroup]], *,
                   origin: str, user=None) -> list[int]:
    """One reconciliation per (line, group) with one item per settlement (nothing settled: the retorno
    did it). The reconciliation ids."""
    now, uid = utcnow(), getattr(user, "id", None)
    rec_ids = []
    for line, group in matches:
        rid = session.execute(insert(Reconciliation).returning(Reconciliation.id), [
            {"bank_account_id": bank_account.id, "company_id": bank_account.company_id, "origin": origin,
             "posted_on": line.posted_on, "amount": line.amount, "user_id": uid, "created_at": now,
             "batch_key": group.key, "batch_label": group.label}]).scalar_one()
        session.execute(insert(ReconciliationItem), [
            {"reconciliation_id": rid, "invoice_id": s.invoice_id, "settlement_id": s.settlement_id,
             "entry_id": s.entry_id, "amount": s.amount, "created_settlement": False}
            for s in group.settlements])
        rec_ids.append(rid)
    if matches:
        table = StatementLine.__table__
        session.execute(update(table).where(table.c.id == bindparam("lid")).values(reconciliation_id=bindparam("rid")),
                        [{"lid": line.id, "rid": rid} for rid, (line, _g) in zip(rec_ids, matches)])
        session.execute(delete(Suggestion).where(Suggestion.line_id.in_([line.id for line, _g in matches])))
        for line, _g in matches:  # ORM copies already in the session see their new reconciliation
            obj = session.identity_map.get(session.identity_key(StatementLine, line.id))
            if obj is not None:
                session.expire(obj, ["reconciliation_id"])
    return rec_ids


def reconcile_batch(session: Session, line_id: int, key: str, *, origin: str = ORIGIN_SUGGESTION, runtime,
                    user=None) -> Reconciliation:
    """Reconcile a free credit line with the batch credit `key` (a group of its date and amount)."""
    from plugins.reconciliation.reconcile import _check_protection, free_line

    line = free_line(session, line_id)
    if line.amount <= 0:
        raise ValidationError("Crédito em lote só concilia lançamentos a crédito.", field="line_id")
    bank = session.get(Account, line.bank_account_id)
    _check_protection(session, bank.company_id, line.posted_on)
    group = next((g for g in batch_credits(session, runtime, bank.id, line.posted_on, line.posted_on)
                  if g.key == key), None)
    if group is None:
        raise ValidationError("Crédito em lote não encontrado para a data do lançamento (ou algum título dele já está "
                              "conciliado).", field="batch")
    if group.total != line.amount:
        raise ValidationError(f"O crédito em lote {group.label} soma {format_brl(group.total)} e o lançamento do extrato "
                              f"é de {format_brl(line.amount)}: só é possível conciliar com diferença zero.",
                              field="batch")
    (rid,) = record_batches(session, bank, [(FreeLine(line.id, line.posted_on, line.amount), group)], origin=origin,
                            user=user)
    audit.record(session, action="reconciliation.reconcile", target_kind=AUDIT_KIND, target_id=line.id, user=user,
                 after={"reconciliation_id": rid, "origin": origin, "batch": group.as_dict()},
                 company_id=bank.company_id)
    session.flush()
    return session.get(Reconciliation, rid)


def reconcile_batch_lines(session: Session, bank_account: Account, lines: list[FreeLine], *, runtime,
                          user=None) -> BatchPlan:
    """The automatic pass's batch step: reconcile the unique matches (origin automática); the plan says
    what was matched, ambiguous and left."""
    plan = find_batch_credits(session, bank_account, lines, runtime)
    record_batches(session, bank_account, plan.matches, origin=ORIGIN_AUTO, user=user)
    return plan
