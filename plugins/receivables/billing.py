"""The monthly billing run: recurring charges with pro-rata, then invoices.

For a competence (the month of use, `date(2026, 12, 1)`), every contract that was in service
during that month gets ONE recurring charge ("mensalidade"), then the parties' open charges are
invoiced (`plugins.receivables.invoicing`).

Pro-rata formula (days of the competence month, calendar days):

    billable_days = days in [max(activated_on, first day), min(cancelled_on - 1 day, last day)]
                    minus the days inside suspension periods [starts_on, ends_on)
    amount        = round_money(price × billable_days / days_in_month)      (rounded ONCE)

`price` is the contract's `price_override` or the plan's price. A full month is exactly the
price. Examples: R$ 99,90 activated on 16/11 (30 days) ⇒ 15/30 × 99,90 = R$ 49,95; cancelled on
11/12 (31 days) ⇒ 10 days ⇒ 10/31 × 99,90 = R$ 32,23. The cancellation date is not billed; the
day a suspension is cancelled is billed again.

Skipped: contracts awaiting activation, activated after the month, cancelled before it, and
contracts suspended the whole month (0 billable days).

Due date: `DueRule.due_day` of the competence month ("mesmo_mes") or of the next month
("mes_seguinte"), clamped to the month's last day. Invoicing window: charges due up to the last
day of the month after the competence.

Idempotency: the unique constraint (contract_id, competence, recurring_kind) plus
INSERT … ON CONFLICT DO NOTHING — running twice, or two runs at once, never duplicates a charge.
A chunk computes the new charges, groups them with the parties' older open charges (locked FOR
UPDATE on PostgreSQL), issues the invoices and then inserts the new charges already linked; when
the insert finds rows a concurrent run wrote meanwhile, or an old charge was invoiced meanwhile,
the chunk raises and is rolled back and retried by `core.jobs` — never a duplicate invoice.

Set-based: per chunk a handful of SELECTs and one executemany per table on the DBAPI cursor
(`invoicing.bulk_write`), money handled as integer centavos on the hot path.

The run is a `core.jobs` job (kind "receivables.billing"): chunks of parties (all contracts of a
party in the same chunk, so its charges can share an invoice); each chunk is one transaction, so
a crash rolls back the current chunk only and running again reaches the same final state.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from decimal import Decimal
from typing import Callable

from sqlalchemy import Integer, bindparam, func, or_, select, type_coerce, union
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.jobs import JobSpec, submit, work_until_finished
from core.model import utcnow
from core.models.jobs import Job, JobChunk
from core.money import from_cents, round_money, to_cents
from plugins.receivables.models import (CHARGE_INVOICED, CHARGE_OPEN, CONTRACT_ACTIVE, CONTRACT_CANCELLED,
                                        CONTRACT_SUSPENDED, MODE_SAME_MONTH, ORIGIN_CONTRACT, RECURRING_MONTHLY,
                                        Charge, Contract, ContractSuspension, DueRule, Plan)

JOB_KIND = "receivables.billing"
BILLED_STATUSES = (CONTRACT_ACTIVE, CONTRACT_SUSPENDED, CONTRACT_CANCELLED)
CHARGE_COLUMNS = ("party_id", "company_id", "contract_id", "description", "amount", "due_date", "competence",
                  "period_start", "period_end", "installment", "installments", "revenue_account_id", "status",
                  "invoice_id", "origin", "recurring_kind", "created_at")
SUMMARY_KEYS = ("contracts_billed", "charges_created", "already_billed", "skipped", "invoices_created",
                "charges_invoiced", "rolled_over", "invoiced_cents")


# --- dates --------------------------------------------------------------------------------------

def parse_competence(value: str | date) -> date:
    """'2026-12', '12/2026' or a date ⇒ the first day of that month (ValidationError otherwise)."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", text) or None
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
        if not m:
            raise ValidationError(f"Competência inválida: {value!r} (use AAAA-MM, ex.: 2026-12)", field="competence")
        month, year = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValidationError(f"Competência inválida: {value!r} (mês deve ser de 1 a 12)", field="competence")
    return date(year, month, 1)


@lru_cache(maxsize=4096)
def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def month_end(month: date) -> date:
    return month.replace(day=days_in_month(month))


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@lru_cache(maxsize=4096)
def due_date_for(competence: date, due_day: int, mode: str) -> date:
    month = competence if mode == MODE_SAME_MONTH else add_months(competence, 1)
    return month.replace(day=min(int(due_day), days_in_month(month)))


def invoicing_window(competence: date) -> tuple[date, date]:
    """(first day of the competence, last day of the following month)."""
    return competence, month_end(add_months(competence, 1))


# --- pro-rata -----------------------------------------------------------------------------------

def billable_days(competence: date, activated_on: date | None, cancelled_on: date | None,
                  suspensions: list[tuple[date, date | None]] = ()) -> int:
    """Days of the competence month the contract was in service (see the module docstring)."""
    if activated_on is None:
        return 0
    first = max(competence, activated_on)
    last = month_end(competence)
    if cancelled_on is not None:
        last = min(last, cancelled_on - timedelta(days=1))
    if last < first:
        return 0
    days = (last - first).days + 1
    covered: set[int] = set()
    for start, end in suspensions:
        s = max(start, first)
        e = min(end - timedelta(days=1), last) if end is not None else last
        if e >= s:
            covered.update(range(s.toordinal(), e.toordinal() + 1))
    return days - len(covered)


def prorata_amount(price: Decimal, days: int, month_days: int) -> Decimal:
    """price × days / month_days rounded once to centavos (a full month is the price itself)."""
    if days >= month_days:
        return round_money(price)
    return round_money(Decimal(price) * days / month_days)


# --- one chunk: charges then invoices -----------------------------------------------------------

@dataclass
class ChunkResult:
    contracts_billed: int = 0
    charges_created: int = 0
    already_billed: int = 0
    skipped: int = 0
    invoices_created: int = 0
    charges_invoiced: int = 0
    rolled_over: int = 0
    invoiced_cents: int = 0  # sum of the totals of the invoices created (centavos)
    extra: dict | None = None  # summary lines of the plugins (hook `on_invoices_issued`): label ⇒ count

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in SUMMARY_KEYS}
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


@dataclass(slots=True)
class NewCharge:
    """A recurring charge computed for a contract, not yet written (amount in centavos)."""

    contract_id: int
    party_id: int
    company_id: int
    description: str
    cents: int
    due_date: date
    period_start: date
    revenue_account_id: int | None
    grouping: str
    wallet: str | None
    issue_days_before: int
    fixed_installments: int | None = None  # Contract.installments (None: monthly with no term)
    generated: int = 0                     # Contract.installments_generated
    installment: int = 1
    installments: int = 1


def number_installments(charges: list[NewCharge], result: ChunkResult | None = None) -> list[NewCharge]:
    """Fixed-installment contracts (`Contract.installments`): drop the charge of a contract whose
    last installment was generated (counted in `result.skipped`) and number the others "parcela
    N/M" like "Renovar parcelas manualmente" (N = installments_generated + 1). In memory; the
    caller advances `installments_generated` (`advance_installments`) for what it wrote."""
    out = []
    for ch in charges:
        if ch.fixed_installments is not None:
            number = ch.generated + 1
            if number > ch.fixed_installments:
                if result is not None:
                    result.skipped += 1
                continue
            ch.installment, ch.installments = number, ch.fixed_installments
            ch.description = f"{ch.description} — parcela {number}/{ch.fixed_installments}"[:200]
        out.append(ch)
    return out


def lock_fixed_contracts(session: Session, charges: list[NewCharge]) -> None:
    """PostgreSQL: lock the fixed-installment contracts (id order) before their charges are
    written — the lock order of "Renovar parcelas" (contract, then charges), so a concurrent
    renewal waits instead of deadlocking; its charge then conflicts and the chunk is redone."""
    ids = sorted({ch.contract_id for ch in charges if ch.fixed_installments is not None})
    if ids and session.get_bind().dialect.name == "postgresql":
        k = Contract.__table__
        session.execute(select(k.c.id).where(k.c.id.in_(ids)).order_by(k.c.id).with_for_update())


def advance_installments(session: Session, charges: list[NewCharge]) -> None:
    """installments_generated := the number just written, for the fixed-installment contracts
    among `charges` (one executemany; nothing for monthly contracts — the benchmark path)."""
    rows = [{"cid": ch.contract_id, "n": ch.installment} for ch in charges if ch.fixed_installments is not None]
    if rows:
        k = Contract.__table__
        session.execute(k.update().where(k.c.id == bindparam("cid"))
                        .values(installments_generated=bindparam("n")), rows)


def recurring_charges(session: Session, competence: date, *, party_from: int, party_to: int,
                      contract_ids: list[int] | None = None, result: ChunkResult | None = None) -> list[NewCharge]:
    """The competence's recurring charge of every billable contract of the parties in
    [party_from, party_to] (or only `contract_ids`), computed with pro-rata — nothing written.
    Contracts with no billable day are counted in `result.skipped`."""
    result = result if result is not None else ChunkResult()
    first, last = competence, month_end(competence)
    k, p, r = Contract.__table__, Plan.__table__, DueRule.__table__
    cond = [k.c.status.in_(BILLED_STATUSES), k.c.activated_on <= last,
            or_(k.c.cancelled_on.is_(None), k.c.cancelled_on > first),
            k.c.party_id.between(party_from, party_to)]
    if contract_ids is not None:
        cond.append(k.c.id.in_(contract_ids))
    # Money read as raw centavos (type_coerce): no Decimal per row on the hot path.
    stmt = (select(k.c.id, k.c.party_id, k.c.company_id, type_coerce(k.c.price_override, Integer),
                   k.c.activated_on, k.c.cancelled_on, type_coerce(p.c.price, Integer), p.c.name,
                   p.c.service_description, p.c.revenue_account_id, r.c.due_day, r.c.competence_mode,
                   k.c.grouping_key, k.c.wallet, r.c.issue_days_before, k.c.installments,
                   k.c.installments_generated)
            .select_from(k.join(p, p.c.id == k.c.plan_id).join(r, r.c.id == k.c.due_rule_id))
            .where(*cond).order_by(k.c.id))
    contracts = session.execute(stmt).all()
    if not contracts:
        return []
    s = ContractSuspension.__table__
    susp_stmt = (select(s.c.contract_id, s.c.starts_on, s.c.ends_on)
                 .select_from(s.join(k, k.c.id == s.c.contract_id))
                 .where(*cond, s.c.starts_on <= last, or_(s.c.ends_on.is_(None), s.c.ends_on > first)))
    suspensions: dict[int, list] = defaultdict(list)
    for cid, start, end in session.execute(susp_stmt):
        suspensions[cid].append((start, end))

    month_days = days_in_month(competence)
    label = f"{competence:%m/%Y}"
    out = []
    for (cid, party_id, company_id, override, activated_on, cancelled_on, price, plan_name, service,
         revenue_account, due_day, mode, grouping, wallet, issue_days, fixed, generated) in contracts:
        days = billable_days(competence, activated_on, cancelled_on, suspensions.get(cid, ()))
        if days <= 0:
            result.skipped += 1
            continue
        cents = override if override is not None else price
        description = f"{service or plan_name} — {label}"
        if days < month_days:
            cents = to_cents(prorata_amount(from_cents(cents), days, month_days))
            description += f" (proporcional {days}/{month_days} dias)"
        out.append(NewCharge(cid, party_id, company_id, description[:200], cents,
                             due_date_for(competence, due_day, mode), max(first, activated_on), revenue_account,
                             grouping or "", wallet, issue_days or 0, fixed, generated or 0))
    return out


def write_charges(session: Session, competence: date, charges: list, *, invoice_of: dict | None = None) -> int:
    """INSERT … ON CONFLICT DO NOTHING the recurring charges (status "faturada" with its invoice
    when `invoice_of[contract_id]` is given, else "aberta"); return how many were inserted."""
    from plugins.receivables.invoicing import bulk_write

    if not charges:
        return 0
    last = month_end(competence)
    now = utcnow()
    invoice_of = invoice_of or {}
    rows = []
    for ch in charges:
        inv = invoice_of.get(ch.contract_id)
        rows.append((ch.party_id, ch.company_id, ch.contract_id, ch.description, ch.cents, ch.due_date, competence,
                     ch.period_start, last, ch.installment, ch.installments, ch.revenue_account_id,
                     CHARGE_OPEN if inv is None else CHARGE_INVOICED, inv, ORIGIN_CONTRACT, RECURRING_MONTHLY, now))
    return bulk_write(session.connection(), Charge.__table__, CHARGE_COLUMNS, rows, money_in_cents=True,
                      suffix=" ON CONFLICT (contract_id, competence, recurring_kind) DO NOTHING")


def create_recurring_charges(session: Session, competence: date, *, party_from: int, party_to: int,
                             contract_ids: list[int] | None = None, result: ChunkResult | None = None) -> ChunkResult:
    """Create (open, uninvoiced) the competence's recurring charges of the selected contracts;
    existing ones are left as they are."""
    result = result if result is not None else ChunkResult()
    charges = recurring_charges(session, competence, party_from=party_from, party_to=party_to,
                                contract_ids=contract_ids, result=result)
    fixed = [ch.contract_id for ch in charges if ch.fixed_installments is not None]
    if fixed:  # a fixed-installment contract's existing charge keeps its number (no advance)
        c = Charge.__table__
        have = set(session.scalars(select(c.c.contract_id).where(
            c.c.competence == competence, c.c.recurring_kind == RECURRING_MONTHLY, c.c.contract_id.in_(fixed))))
        result.already_billed += sum(1 for ch in charges if ch.contract_id in have)
        charges = number_installments([ch for ch in charges if ch.contract_id not in have], result)
    created = write_charges(session, competence, charges)
    if fixed:
        advance_installments(session, charges)
    result.charges_created += created
    result.contracts_billed += created
    result.already_billed += len(charges) - created
    return result


class ConcurrentBilling(RuntimeError):
    """Another run wrote the same charges meanwhile; the chunk is rolled back and retried."""


def bill_chunk(session: Session, competence: date, *, party_from: int, party_to: int,
               minimum: Decimal = Decimal("0.00"), runtime=None) -> ChunkResult:
    """One chunk of the run, in the caller's transaction, set-based:

    1. compute the recurring charges of the parties' contracts, minus those already written;
    2. lock the parties' open uninvoiced charges in the window (earlier months, avulsas);
    3. group old and new together, issue the invoices (numbers drawn now);
    4. insert the new charges already linked to their invoice (or open when rolled over) and
       link the old ones. A conflict with a concurrent run raises `ConcurrentBilling`;
    5. with `runtime`, tell the plugins implementing `on_invoice_created` (one call per invoice,
       inside this transaction; skipped entirely when no plugin implements it).
    """
    from plugins.receivables.invoicing import OpenCharge, group_charges, issue_invoices, open_charges

    result = ChunkResult()
    computed = recurring_charges(session, competence, party_from=party_from, party_to=party_to, result=result)
    c = Charge.__table__
    existing = set(session.scalars(select(c.c.contract_id).where(
        c.c.competence == competence, c.c.recurring_kind == RECURRING_MONTHLY,
        c.c.party_id.between(party_from, party_to))))
    new = [ch for ch in computed if ch.contract_id not in existing]
    result.already_billed += len(computed) - len(new)
    new = number_installments(new, result)  # fixed-installment contracts: stop after the last, "parcela N/M"
    lock_fixed_contracts(session, new)

    _start, window_end = invoicing_window(competence)
    old = open_charges(session, party_from=party_from, party_to=party_to, due_until=window_end)
    candidates = old + [OpenCharge(None, ch.party_id, ch.company_id, ch.cents, ch.due_date, ch.grouping,
                                   ch.wallet, ch.issue_days_before, contract_id=ch.contract_id)
                        for ch in new if ch.due_date <= window_end]
    minimum_cents = to_cents(minimum)
    to_issue = []
    for g in group_charges(candidates, minimum):
        if g.total_cents < minimum_cents or g.total_cents <= 0:
            result.rolled_over += len(g.charges)
        else:
            to_issue.append(g)
    ids = issue_invoices(session, to_issue, competence=competence)
    invoice_of = {ch.contract_id: g.invoice_id for g in to_issue for ch in g.charges if ch.id is None}
    created = write_charges(session, competence, new, invoice_of=invoice_of)
    if created != len(new):
        raise ConcurrentBilling("contas criadas por outra execução simultânea; a parte será refeita")
    advance_installments(session, new)
    result.charges_created += created
    result.contracts_billed += created
    from plugins.receivables.accrual import post_billing  # D clientes / C receita, one entry per issue date

    post_billing(session, runtime, to_issue, competence=competence,
                 revenue_of_contract={ch.contract_id: ch.revenue_account_id for ch in new},
                 origin=f"Faturamento {competence:%m/%Y} — clientes {party_from} a {party_to}")
    notify_invoices_created(session, runtime, ids)
    result.extra = notify_invoices_issued(session, runtime, ids)
    result.invoices_created += len(ids)
    result.charges_invoiced += sum(len(g.charges) for g in to_issue)
    result.invoiced_cents += sum(g.total_cents for g in to_issue)
    return result


def notify_invoices_created(session: Session, runtime, invoice_ids: list[int]) -> None:
    """Call the `on_invoice_created` hook for each invoice (inside the creating transaction)."""
    if runtime is None or not invoice_ids or not runtime.hook.on_invoice_created.get_hookimpls():
        return
    from core.actions import ActionContext
    from plugins.receivables.models import Invoice

    ctx = ActionContext(session=session, user=None, runtime=runtime)
    session.flush()
    for start in range(0, len(invoice_ids), 500):
        for invoice in session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids[start:start + 500]))
                                       .order_by(Invoice.id)):
            runtime.hook.on_invoice_created(invoice=invoice, ctx=ctx)
    session.flush()


def notify_invoices_issued(session: Session, runtime, invoice_ids: list[int]) -> dict | None:
    """Call the `on_invoices_issued` hook once for the chunk's invoices (inside its transaction);
    the summary lines the plugins return, summed (label ⇒ count), or None."""
    if runtime is None or not invoice_ids or not runtime.hook.on_invoices_issued.get_hookimpls():
        return None
    from core.actions import ActionContext

    session.flush()
    ctx = ActionContext(session=session, user=None, runtime=runtime)
    lines: dict[str, int] = {}
    for answer in runtime.hook.on_invoices_issued(invoice_ids=sorted(invoice_ids), ctx=ctx):
        for label, count in (answer or {}).items():
            lines[str(label)] = lines.get(str(label), 0) + int(count)
    session.flush()
    return lines or None


# --- the job ------------------------------------------------------------------------------------

def plan_billing(session: Session, params: dict) -> list[dict]:
    """Chunks of parties that have a billable contract or open charges in the window."""
    competence = parse_competence(params["competence"])
    size = int(params.get("chunk_size") or 500)
    first, last = competence, month_end(competence)
    _start, window_end = invoicing_window(competence)
    k, c = Contract.__table__, Charge.__table__
    with_contract = select(k.c.party_id).where(
        k.c.status.in_(BILLED_STATUSES), k.c.activated_on <= last,
        or_(k.c.cancelled_on.is_(None), k.c.cancelled_on > first))
    with_charges = select(c.c.party_id).where(c.c.status == CHARGE_OPEN, c.c.invoice_id.is_(None),
                                              c.c.due_date <= window_end)
    both = union(with_contract, with_charges).subquery()
    party_ids = [row[0] for row in session.execute(select(both.c.party_id).order_by(both.c.party_id))]
    return [{"party_from": party_ids[i], "party_to": party_ids[min(i + size, len(party_ids)) - 1]}
            for i in range(0, len(party_ids), size)]


def run_billing_chunk(session: Session, params: dict, payload: dict) -> dict:
    competence = parse_competence(params["competence"])
    minimum = Decimal(str(params.get("minimum_amount") or "0.00"))
    return bill_chunk(session, competence, party_from=int(payload["party_from"]),
                      party_to=int(payload["party_to"]), minimum=minimum, runtime=_current_runtime()).as_dict()


_RUNNING: ContextVar = ContextVar("receivables_billing_runtime", default=None)


def _current_runtime():
    """The runtime running the job: the one given to `run_billing`, else the process's current
    one (a `quita jobs worker`)."""
    from core.runtime import current

    if _RUNNING.get() is not None:
        return _RUNNING.get()
    try:
        return current()
    except RuntimeError:
        return None


BILLING_JOB = JobSpec(kind=JOB_KIND, label="Faturamento mensal (contas e faturas)", plan=plan_billing,
                      run_chunk=run_billing_chunk)


def submit_billing(session: Session, runtime, competence: str | date, *, chunk_size: int | None = None,
                   user_id: int | None = None, key: str | None = None) -> Job:
    """Plan a billing run for `competence` in the caller's unit of work (nothing is billed yet);
    `key` is the job's idempotency key (`core.jobs.submit`)."""
    from plugins.receivables.settings import settings_of

    settings = settings_of(runtime)
    comp = parse_competence(competence)
    params = {"competence": comp.isoformat(), "minimum_amount": str(settings.minimum_amount),
              "chunk_size": int(chunk_size or settings.billing_chunk_size)}
    return submit(session, runtime, JOB_KIND, params, user_id=user_id, key=key)


def job_summary(session: Session, job_id: int) -> dict:
    """Totals of the chunks done so far (the run's summary)."""
    totals = dict.fromkeys(SUMMARY_KEYS, 0)
    extra: dict[str, int] = {}  # the plugins' lines (`on_invoices_issued`), label ⇒ count
    for (result,) in session.execute(select(JobChunk.result).where(JobChunk.job_id == job_id,
                                                                   JobChunk.status == "done")):
        for key in SUMMARY_KEYS:
            totals[key] += int((result or {}).get(key, 0))
        for label, count in ((result or {}).get("extra") or {}).items():
            extra[label] = extra.get(label, 0) + int(count)
    totals["extra"] = extra
    job = session.get(Job, job_id)
    totals.update(job_id=job_id, status=job.status, chunks=job.total_chunks, chunks_done=job.done_chunks,
                  competence=job.params.get("competence"), error=job.error)
    return totals


def unfinished_jobs(session: Session, competence: str | date) -> list[int]:
    """Ids of billing jobs of `competence` interrupted before the end (queued or running)."""
    comp = parse_competence(competence).isoformat()
    jobs = session.execute(select(Job.id, Job.params).where(Job.kind == JOB_KIND, Job.status.in_(("queued", "running")))
                           .order_by(Job.id)).all()
    return [job_id for job_id, params in jobs if (params or {}).get("competence") == comp]


def work_job(runtime, job_id: int, progress: Callable[[int], None] | None = None) -> None:
    """Run a billing job's queued chunks in this process until the job is finished (a chunk run by
    another worker at the same time is waited for); the run's runtime is passed on to the chunks
    for the `on_invoice_created` hook."""
    token = _RUNNING.set(runtime)
    try:
        work_until_finished(runtime, job_id, progress=progress)
    finally:
        _RUNNING.reset(token)


def run_billing(runtime, competence: str | date, *, chunk_size: int | None = None,
                progress: Callable[[int], None] | None = None, job_id: int | None = None) -> dict:
    """Run a billing job in-process and return its summary.

    With `job_id`, only that job is resumed. Otherwise the competence's interrupted jobs are
    finished first (their chunks are still queued after a crash), then a new job is planned and
    run — it bills what appeared since and finds the rest already done.
    """
    from core.db import unit_of_work

    if job_id is None:
        with unit_of_work(runtime.engine, readonly=True) as s:
            interrupted = unfinished_jobs(s, competence)
        for old in interrupted:
            work_job(runtime, old)
        with unit_of_work(runtime.engine) as s:
            job_id = submit_billing(s, runtime, competence, chunk_size=chunk_size).id
    work_job(runtime, job_id, progress)
    with unit_of_work(runtime.engine, readonly=True) as s:
        return job_summary(s, job_id)


def count_recurring(session: Session, competence: date) -> int:
    return session.scalar(select(func.count()).select_from(Charge).where(
        Charge.competence == competence, Charge.recurring_kind == RECURRING_MONTHLY))
