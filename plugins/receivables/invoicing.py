"""Invoices (faturas) from open charges: grouping, the minimum amount, gapless numbers, issue.

Set-based: one query for the open charges of a set of parties, grouping in Python, one
multi-row INSERT … RETURNING for the invoices and one executemany UPDATE linking the charges.

Grouping rule (used by the billing run): a party's open, uninvoiced charges due up to the end of
the invoicing window are grouped by (party, company, contract grouping, due date). The contract
grouping is the contract's `grouping_key` (empty = together with the party's other charges);
charges without a contract (avulsas) use the empty grouping.

Minimum amount (`[plugins.receivables] minimum_amount`): a group whose total is below it is
merged into the next later group of the same (party, company, grouping), which takes its due
date; if there is none, it is not invoiced — its charges stay open ("aberta") and roll over to
the next month's run, where they join that month's invoice (e.g. R$ 19,90 below a R$ 30,00
minimum in December, then R$ 19,90 + R$ 19,90 = R$ 39,80 invoiced in January).

Numbers: `core.numbering` counter of kind "receivables.invoice" per company, drawn when the
invoice is issued, in the caller's transaction (gapless: a rollback gives them back). A batch of
n invoices draws n consecutive numbers with one counter update (`draw_numbers`), same row lock
and same semantics as `core.numbering.next_number`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Integer, select, type_coerce
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.money import ZERO, Money, from_cents, to_cents
from core.numbering import _key, _upsert, next_number
from core.models.numbering import NumberCounter
from plugins.receivables.models import (CHARGE_INVOICED, CHARGE_OPEN, INVOICE_OPEN, Charge, Contract, DueRule,
                                        Invoice)

INVOICE_NUMBER_KIND = "receivables.invoice"
INVOICE_COLUMNS = ("party_id", "company_id", "number", "issue_date", "due_date", "total", "status", "description",
                   "wallet", "competence", "remessa_transmitted", "remessa_write_off_pending", "created_at")


@dataclass(slots=True)
class OpenCharge:
    """A charge to invoice: an open one from the database (`id`) or a new recurring one the
    billing run is about to insert (`id` None, `contract_id` set). Amount in centavos."""

    id: int | None
    party_id: int
    company_id: int
    cents: int
    due_date: date
    grouping: str
    wallet: str | None
    issue_days_before: int
    contract_id: int | None = None

    @property
    def amount(self) -> Decimal:
        return from_cents(self.cents)


@dataclass
class InvoiceGroup:
    party_id: int
    company_id: int
    due_date: date
    charges: list[OpenCharge] = field(default_factory=list)
    number: int | None = None
    invoice_id: int | None = None

    @property
    def total_cents(self) -> int:
        return sum(c.cents for c in self.charges)

    @property
    def total(self) -> Decimal:
        return from_cents(self.total_cents)

    @property
    def issue_date(self) -> date:
        return self.due_date - timedelta(days=max(c.issue_days_before for c in self.charges))

    @property
    def wallet(self) -> str | None:
        return next((c.wallet for c in self.charges if c.wallet), None)


def draw_numbers(session: Session, company_id: int | None, count: int) -> int:
    """Draw `count` consecutive invoice numbers for `company_id`; return the first one."""
    if count <= 0:
        raise ValueError("quantidade de números deve ser positiva")
    if count == 1:
        return next_number(session, kind=INVOICE_NUMBER_KIND, company_id=company_id)
    company, kind, series = _key(INVOICE_NUMBER_KIND, company_id, "")
    table = NumberCounter.__table__
    insert = _upsert(session.get_bind().dialect.name)
    stmt = insert(table).values(company_id=company, kind=kind, series=series, last_value=count)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.company_id, table.c.kind, table.c.series],
        set_={"last_value": table.c.last_value + count},
    ).returning(table.c.last_value)
    last = int(session.execute(stmt).scalar_one())
    return last - count + 1


def open_charges(session: Session, *, party_from: int, party_to: int, due_until: date,
                 party_ids: list[int] | None = None) -> list[OpenCharge]:
    """Open, uninvoiced charges of the parties in [party_from, party_to] due up to `due_until`,
    locked for update on PostgreSQL (a concurrent run waits, then sees them invoiced)."""
    c = Charge.__table__
    k = Contract.__table__
    r = DueRule.__table__
    stmt = (select(c.c.id, c.c.party_id, c.c.company_id, type_coerce(c.c.amount, Integer), c.c.due_date,
                   k.c.grouping_key,
                   k.c.wallet, r.c.issue_days_before)
            .select_from(c.outerjoin(k, k.c.id == c.c.contract_id).outerjoin(r, r.c.id == k.c.due_rule_id))
            .where(c.c.status == CHARGE_OPEN, c.c.invoice_id.is_(None), c.c.due_date <= due_until,
                   c.c.party_id.between(party_from, party_to))
            .order_by(c.c.id))
    if party_ids is not None:
        stmt = stmt.where(c.c.party_id.in_(party_ids))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=c)
    return [OpenCharge(row[0], row[1], row[2], row[3], row[4], row[5] or "", row[6], row[7] or 0)
            for row in session.execute(stmt)]


def group_charges(charges: list[OpenCharge], minimum: Decimal = ZERO) -> list[InvoiceGroup]:
    """Group charges per the module's rule; deterministic order (party, company, due date).

    Groups of one (party, company, grouping) are taken by due date; a group whose total is
    below `minimum` is merged into the next later group of the same key (small amounts roll
    into the next invoice). What is still below `minimum` at the end is returned too — the
    caller leaves it uninvoiced.
    """
    minimum_cents = to_cents(minimum)
    by_key: dict[tuple, dict[date, InvoiceGroup]] = defaultdict(dict)
    for ch in charges:
        per_due = by_key[(ch.party_id, ch.company_id, ch.grouping)]
        per_due.setdefault(ch.due_date, InvoiceGroup(ch.party_id, ch.company_id, ch.due_date)).charges.append(ch)
    groups: list[InvoiceGroup] = []
    for key in sorted(by_key):
        pending: list[OpenCharge] = []
        per_due = by_key[key]
        for due in sorted(per_due):
            g = per_due[due]
            g.charges[:0] = pending
            pending = []
            if g.total_cents < minimum_cents:
                pending = g.charges
                continue
            groups.append(g)
        if pending:
            groups.append(InvoiceGroup(key[0], key[1], max(c.due_date for c in pending), pending))
    return groups


def issue_invoices(session: Session, groups: list[InvoiceGroup], *, competence: date | None = None,
                   description: str | None = None) -> list[int]:
    """Insert one invoice per group (numbers drawn now, per company) and link its charges.

    Raises RuntimeError when a charge was invoiced meanwhile (the caller's transaction must then
    roll back; the billing job retries the chunk).
    """
    if not groups:
        return []
    by_company: dict[int, list[InvoiceGroup]] = defaultdict(list)
    for g in groups:
        by_company[g.company_id].append(g)
    rows = []
    now = _now()
    ranges: list[tuple[int, int, int]] = []  # (company, first number, last number)
    for company_id in sorted(by_company):
        items = by_company[company_id]
        first = draw_numbers(session, company_id, len(items))
        ranges.append((company_id, first, first + len(items) - 1))
        for offset, g in enumerate(items):
            g.number = first + offset
            rows.append((g.party_id, company_id, g.number, g.issue_date, g.due_date, g.total_cents,
                         INVOICE_OPEN, description or _default_description(g, competence), g.wallet, competence,
                         False, False, now))
    inv = Invoice.__table__
    conn = session.connection()
    bulk_write(conn, inv, INVOICE_COLUMNS, rows, money_in_cents=True)  # ids found by (company, number) below
    id_of: dict[tuple[int, int], int] = {}
    for company_id, first, last in ranges:
        for inv_id, number in conn.execute(select(inv.c.id, inv.c.number).where(
                inv.c.company_id == company_id, inv.c.number.between(first, last))):
            id_of[(company_id, number)] = inv_id
    ordered = [g for company_id in sorted(by_company) for g in by_company[company_id]]
    ids = []
    for g in ordered:
        g.invoice_id = id_of[(g.company_id, g.number)]
        ids.append(g.invoice_id)
    # Charges already in the database are linked here; new ones (id None) are inserted linked
    # by the caller (`plugins.receivables.billing.bill_chunk`).
    links = [(g.invoice_id, CHARGE_INVOICED, ch.id, CHARGE_OPEN) for g in ordered for ch in g.charges
             if ch.id is not None]
    c = Charge.__table__
    changed = bulk_write(conn, c, ("invoice_id", "status", "id", "status"), links,
                         update_set=("invoice_id", "status"), where="id = ? AND status = ? AND invoice_id IS NULL")
    if changed != len(links):
        raise RuntimeError("contas faturadas por outra execução simultânea; a parte será refeita")
    return ids


def bulk_write(conn, table, columns: tuple[str, ...], rows: list[tuple], *, suffix: str = "",
               where: str = "", update_set: tuple[str, ...] = (), money_in_cents: bool = False) -> int:
    """executemany straight on the DBAPI cursor, with each column's own bind processor (Money ⇒
    centavos, dates and aware datetimes as SQLAlchemy stores them) applied once per value —
    the set-based write path of the billing run. INSERT by default; with `update_set`,
    "UPDATE table SET <update_set> WHERE <where>" where `columns` = update_set + where params.
    `money_in_cents`: Money columns already hold integer centavos (written as they are).
    Returns the DBAPI rowcount (rows inserted or changed)."""
    if not rows:
        return 0
    dialect = conn.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    procs = [None if money_in_cents and isinstance(table.c[name].type, Money)
             else table.c[name].type._cached_bind_processor(dialect) for name in columns]
    if any(procs):  # column by column; dates and statuses repeat, so their results are memoised
        cols = list(zip(*rows))
        for i, proc in enumerate(procs):
            if proc is None:
                continue
            if isinstance(table.c[columns[i]].type, Money):
                cols[i] = [None if v is None else proc(v) for v in cols[i]]
            else:
                memo: dict = {}
                cols[i] = [None if v is None else (memo[v] if v in memo else memo.setdefault(v, proc(v)))
                           for v in cols[i]]
        rows = list(zip(*cols))
    if update_set:
        sets = ", ".join(f"{name} = {mark}" for name in update_set)
        sql = f"UPDATE {table.name} SET {sets} WHERE {where.replace('?', mark)}"
    else:
        sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
               f"{suffix}")
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(sql, rows)
        return cursor.rowcount
    finally:
        cursor.close()


def _now():
    from core.model import utcnow

    return utcnow()


def _default_description(g: InvoiceGroup, competence: date | None) -> str:
    if competence is not None:
        return f"Fatura competência {competence:%m/%Y}"
    return f"Fatura vencimento {g.due_date:%d/%m/%Y}"


def list_invoices(session: Session, party_id: int, *, status: str | None = None) -> list[Invoice]:
    """A party's invoices, latest due date first (the "Faturas a Receber" panel query)."""
    stmt = select(Invoice).where(Invoice.party_id == party_id)
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    return list(session.scalars(stmt.order_by(Invoice.due_date.desc(), Invoice.id.desc())))


def invoice_charges(session: Session, invoice_id: int) -> list[Charge]:
    if session.get(Invoice, invoice_id) is None:
        raise NotFound(f"Fatura {invoice_id} não encontrada")
    return list(session.scalars(select(Charge).where(Charge.invoice_id == invoice_id).order_by(Charge.id)))


def invoice_as_dict(inv: Invoice) -> dict:
    return {"id": inv.id, "number": inv.number, "party_id": inv.party_id, "company_id": inv.company_id,
            "issue_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
            "total": str(inv.total), "status": inv.status, "description": inv.description,
            "competence": inv.competence.isoformat() if inv.competence else None}
