"""Read-only queries of the reconciler pages ("Conciliador Bancário"): the bank accounts list, the
reconciler's header and imported lines for a period, the reconciled items of a line and the
"Buscar Lançamento" search of invoices with its totals. No writes; the services that change things
are `matching.py`, `suggestions.py`, `reconcile.py` and `statement_import.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from core.ledger.models import Account
from core.ledger.services import account_balance, protected_until
from core.parties.models import Party
from plugins.receivables.models import INVOICE_OPEN, INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.matching import reconciled_settlements
from plugins.reconciliation.models import AccountLink, StatementFile, StatementImport, StatementLine
from plugins.reconciliation.reconcile_models import ORIGINS, Reconciliation, ReconciliationItem, Suggestion

ZERO = Decimal("0.00")
SEARCH_LIMIT = 200
LINES_LIMIT = 2000  # the reconciler's page size (lines per page of a period)


def percent(part: int, whole: int) -> Decimal:
    """`part` of `whole` in %, one decimal place (0 when there is nothing)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _live_lines(bank_account_ids):
    return (StatementLine.bank_account_id.in_(list(bank_account_ids)), StatementLine.deleted.is_(False))


def ofx_accounts(session: Session, bank_account_ids) -> dict[int, list[str]]:
    """Ledger bank account id ⇒ the statement accounts linked to it ("banco 341 ag. 1234 c/c 12345-6")."""
    out: dict[int, list[str]] = {}
    for link in session.scalars(select(AccountLink).where(AccountLink.bank_account_id.in_(list(bank_account_ids)))
                                .order_by(AccountLink.id)):
        text = f"banco {link.bank_id}" + (f" ag. {link.branch_id}" if link.branch_id else "") + f" c/c {link.account_id}"
        out.setdefault(link.bank_account_id, []).append(text)
    return out


@dataclass
class AccountRow:
    """One line of the "Contas bancárias" list."""

    id: int
    code: str
    name: str
    company_id: int
    ofx_accounts: list[str] = field(default_factory=list)
    lines: int = 0
    reconciled: int = 0
    last_line_on: date | None = None
    last_import_at: object = None

    @property
    def percent(self) -> Decimal:
        return percent(self.reconciled, self.lines)


def bank_account_rows(session: Session, accounts: list[Account]) -> list[AccountRow]:
    """The accounts with their statement figures: lines (not deleted), reconciled lines, date of the
    last imported line and when the last file was imported. Three grouped queries, whatever the size."""
    rows = {a.id: AccountRow(a.id, a.code, a.name, a.company_id) for a in accounts}
    if not rows:
        return []
    for acc_id, lines, reconciled, last in session.execute(
            select(StatementLine.bank_account_id, func.count(),
                   func.sum(case((StatementLine.reconciliation_id.is_not(None), 1), else_=0)),
                   func.max(StatementLine.posted_on))
            .where(*_live_lines(rows)).group_by(StatementLine.bank_account_id)):
        row = rows[acc_id]
        row.lines, row.reconciled, row.last_line_on = lines, int(reconciled or 0), last
    for acc_id, when in session.execute(
            select(StatementImport.bank_account_id, func.max(StatementFile.imported_at))
            .join(StatementFile, StatementFile.id == StatementImport.file_id)
            .where(StatementImport.bank_account_id.in_(list(rows))).group_by(StatementImport.bank_account_id)):
        rows[acc_id].last_import_at = when
    for acc_id, texts in ofx_accounts(session, rows).items():
        rows[acc_id].ofx_accounts = texts
    return list(rows.values())


def default_period(session: Session, bank_account_id: int, today: date) -> tuple[date, date]:
    """The period of the account's last import ("a data que consta no extrato importado"); without
    imports, the current month up to `today`."""
    last = session.execute(select(StatementImport.first_date, StatementImport.last_date)
                           .where(StatementImport.bank_account_id == bank_account_id,
                                  StatementImport.first_date.is_not(None))
                           .order_by(StatementImport.id.desc()).limit(1)).first()
    if last is not None:
        return last[0], last[1]
    return today.replace(day=1), today


@dataclass
class Header:
    """The reconciler's header for one bank account and period."""

    account: Account
    first: date
    last: date
    ofx_accounts: list[str]
    ledger_balance: Decimal
    statement_balance: Decimal | None
    statement_balance_on: date | None
    last_line_on: date | None
    lines: int
    reconciled: int
    protected_until: date | None
    protected_free: int  # free lines of the period inside the protected period

    @property
    def percent(self) -> Decimal:
        return percent(self.reconciled, self.lines)


def header(session: Session, account: Account, first: date, last: date) -> Header:
    limit = protected_until(session, account.company_id)
    free_protected = (StatementLine.reconciliation_id.is_(None)) & (StatementLine.posted_on <= (limit or date.min))
    lines, reconciled, protected_free = session.execute(
        select(func.count(), func.sum(case((StatementLine.reconciliation_id.is_not(None), 1), else_=0)),
               func.sum(case((free_protected, 1), else_=0)))
        .where(*_live_lines([account.id]), StatementLine.posted_on.between(first, last))).one()
    last_line_on = session.scalar(select(func.max(StatementLine.posted_on)).where(*_live_lines([account.id])))
    balance = session.execute(select(StatementImport.balance, StatementImport.balance_date)
                              .where(StatementImport.bank_account_id == account.id,
                                     StatementImport.balance.is_not(None))
                              .order_by(StatementImport.balance_date.desc(), StatementImport.id.desc())
                              .limit(1)).first()
    return Header(account, first, last, ofx_accounts(session, [account.id]).get(account.id, []),
                  account_balance(session, account.id), balance[0] if balance else None,
                  balance[1] if balance else None, last_line_on, lines, int(reconciled or 0), limit,
                  int(protected_free or 0) if limit is not None else 0)


@dataclass
class LineRow:
    """An imported line as the reconciler lists it."""

    id: int
    posted_on: date
    amount: Decimal
    memo: str
    payee: str
    checknum: str
    reconciliation_id: int | None
    origin: str | None
    auto_disabled: bool
    suggestions: int

    @property
    def reconciled(self) -> bool:
        return self.reconciliation_id is not None

    @property
    def description(self) -> str:
        return " — ".join(t for t in (self.memo, self.payee) if t) or "(sem histórico)"


def line_position(session: Session, bank_account_id: int, first: date, last: date, line_id: int) -> int | None:
    """0-based position of a line among the period's lines in `period_lines` order (None: not there)."""
    line = session.get(StatementLine, int(line_id))
    if line is None or line.bank_account_id != bank_account_id or line.deleted or not (first <= line.posted_on <= last):
        return None
    return session.scalar(select(func.count()).select_from(StatementLine).where(
        *_live_lines([bank_account_id]), StatementLine.posted_on.between(first, last),
        (StatementLine.posted_on < line.posted_on)
        | ((StatementLine.posted_on == line.posted_on) & (StatementLine.id < line.id))))


def period_lines(session: Session, bank_account_id: int, first: date, last: date,
                 limit: int = LINES_LIMIT, offset: int = 0) -> list[LineRow]:
    """The account's lines of the period (not deleted), by date, with their reconciliation origin and
    how many suggestions are stored for each; `limit`/`offset`: one page of the reconciler."""
    counts = (select(Suggestion.line_id, func.count().label("n")).group_by(Suggestion.line_id).subquery())
    rows = session.execute(
        select(StatementLine.id, StatementLine.posted_on, StatementLine.amount, StatementLine.memo,
               StatementLine.payee, StatementLine.checknum, StatementLine.reconciliation_id, Reconciliation.origin,
               StatementLine.auto_disabled, func.coalesce(counts.c.n, 0))
        .outerjoin(Reconciliation, Reconciliation.id == StatementLine.reconciliation_id)
        .outerjoin(counts, counts.c.line_id == StatementLine.id)
        .where(*_live_lines([bank_account_id]), StatementLine.posted_on.between(first, last))
        .order_by(StatementLine.posted_on, StatementLine.id).limit(limit).offset(offset))
    return [LineRow(*row) for row in rows]


def origin_label(origin: str | None) -> str:
    return dict(ORIGINS).get(origin or "", "")


@dataclass
class ReconciledItem:
    invoice_id: int | None
    number: int | None
    customer: str
    status: str
    paid_on: date | None
    amount: Decimal
    created_settlement: bool
    replaced: bool
    other: str = ""               # a transfer / fatura a pagar instead of an invoice (what it is)
    created_object: bool = False  # created by the reconciler from the line (from_line.py): deleted on unreconcile
    rule_entry: bool = False      # an entry posted by a user rule (rules.py): reversed on unreconcile


def _other_label(session: Session, item: ReconciliationItem) -> str:
    """"Transferência 7: 1.1.1.01 → 1.1.1.02 (histórico)" / "Fatura a pagar 12 — Fornecedor" of a non-invoice item."""
    if item.transfer_id is not None:
        from core.ledger.models import Account
        from plugins.reconciliation.transfers_models import Transfer

        t = session.get(Transfer, item.transfer_id)
        src, dst = session.get(Account, t.from_account_id), session.get(Account, t.to_account_id)
        return f"Transferência {t.id}: {src.code} - {src.name} → {dst.code} - {dst.name} ({t.description})"
    if getattr(item, "payable_installment_id", None) is not None:
        from plugins.reconciliation.from_line import created_payable_label

        return created_payable_label(session, item)
    if getattr(item, "rule_id", None) is not None and item.entry_id is not None:
        from plugins.reconciliation.rules import rule_item_label

        return rule_item_label(session, item)
    return ""


@dataclass
class ReconciledView:
    """The current reconciliation of a line: who/when/origin, what it matched, its other lines."""

    id: int
    origin: str
    posted_on: date
    amount: Decimal
    user: str
    created_at: object
    items: list[ReconciledItem]
    line_ids: list[int]
    batch_label: str | None = None   # batch credit (batch_credit.py): the retorno credited as this line


def reconciled_view(session: Session, line: StatementLine) -> ReconciledView | None:
    from core.models.users import User

    if line.reconciliation_id is None:
        return None
    rec = session.get(Reconciliation, line.reconciliation_id)
    user = session.get(User, rec.user_id) if rec.user_id else None
    items = [ReconciledItem(inv_id, number, name or "", status or "", paid_on, item.amount, item.created_settlement,
                            item.replaced_settlement_id is not None,
                            other=_other_label(session, item) if inv_id is None else "",
                            created_object=item.created_object,
                            rule_entry=inv_id is None and item.rule_id is not None and item.transfer_id is None)
             for item, inv_id, number, name, status, paid_on in session.execute(
                 select(ReconciliationItem, Invoice.id, Invoice.number, Party.name, Invoice.status, Settlement.paid_on)
                 .outerjoin(Invoice, Invoice.id == ReconciliationItem.invoice_id)
                 .outerjoin(Party, Party.id == Invoice.party_id)
                 .outerjoin(Settlement, Settlement.id == ReconciliationItem.settlement_id)
                 .where(ReconciliationItem.reconciliation_id == rec.id).order_by(ReconciliationItem.id))]
    line_ids = list(session.scalars(select(StatementLine.id).where(StatementLine.reconciliation_id == rec.id)
                                    .order_by(StatementLine.id)))
    who = (user.full_name or user.username) if user else "sistema"
    return ReconciledView(rec.id, origin_label(rec.origin), rec.posted_on, rec.amount, who, rec.created_at, items,
                          line_ids, rec.batch_label)


@dataclass
class SearchFilters:
    """The manual's "Buscar Lançamento" filters for faturas a receber (a credit line)."""

    first: date | None = None
    last: date | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    customer: str = ""
    payment_forms: tuple[str, ...] = ()
    number: int | None = None

    @classmethod
    def around(cls, line: StatementLine, days: int = 30) -> "SearchFilters":
        """Defaults for a line: a month either side of its date, any value."""
        return cls(first=line.posted_on - timedelta(days=days), last=line.posted_on + timedelta(days=days))


def net_value(gross: Decimal, discount: Decimal, interest: Decimal) -> Decimal:
    """The manual's "((valor bruto - desconto) + juros)": an invoice's net value, the totals' subtotal."""
    return gross - discount + interest


@dataclass
class FoundInvoice:
    """A row of the search: "Aberto" (open: due date) or "Pago" (settled: payment date)."""

    invoice_id: int
    number: int
    status: str
    when: date
    gross: Decimal
    discount: Decimal
    interest: Decimal
    customer: str
    payment_form: str

    @property
    def net(self) -> Decimal:
        return net_value(self.gross, self.discount, self.interest)

    @property
    def status_label(self) -> str:
        return "Aberto" if self.status == INVOICE_OPEN else "Pago"


def party_clause(text: str):
    """The customer/supplier typed in a search: name contains, CPF/CNPJ digits (3 or more) or code."""
    from core.br.documents import only_digits

    digits = only_digits(text)
    clauses = [Party.name.ilike(f"%{text}%")]
    if digits and len(digits) >= 3:
        clauses.append(Party.document.like(f"%{digits}%"))
    if text.isdigit():
        clauses.append(Party.code == int(text))
    return or_(*clauses)


def search_invoices(session: Session, company_id: int, f: SearchFilters, *, limit: int = SEARCH_LIMIT) -> list[FoundInvoice]:
    """Invoices a credit line may be reconciled with: open ones (by due date) and settled ones whose
    active full settlement is not reconciled yet (by payment date), with the filters; by date."""
    found: list[FoundInvoice] = []
    open_q = (select(Invoice.id, Invoice.number, Invoice.due_date, Invoice.total, Party.name, Invoice.payment_form)
              .join(Party, Party.id == Invoice.party_id)
              .where(Invoice.company_id == company_id, Invoice.status == INVOICE_OPEN))
    paid_q = (select(Invoice.id, Invoice.number, Settlement.paid_on, Settlement.invoice_amount, Party.name,
                     Invoice.payment_form,
                     Settlement.discount, Settlement.interest + Settlement.penalty + Settlement.surcharge)
              .join(Invoice, Invoice.id == Settlement.invoice_id).join(Party, Party.id == Invoice.party_id)
              .where(Settlement.company_id == company_id, Settlement.reversed.is_(False),
                     Settlement.partial.is_(False), Invoice.status == INVOICE_SETTLED, ~reconciled_settlements()))
    if f.first is not None:
        open_q, paid_q = open_q.where(Invoice.due_date >= f.first), paid_q.where(Settlement.paid_on >= f.first)
    if f.last is not None:
        open_q, paid_q = open_q.where(Invoice.due_date <= f.last), paid_q.where(Settlement.paid_on <= f.last)
    if f.min_value is not None:
        open_q, paid_q = open_q.where(Invoice.total >= f.min_value), paid_q.where(Settlement.amount >= f.min_value)
    if f.max_value is not None:
        open_q, paid_q = open_q.where(Invoice.total <= f.max_value), paid_q.where(Settlement.amount <= f.max_value)
    if f.customer.strip():
        clause = party_clause(f.customer.strip())
        open_q, paid_q = open_q.where(clause), paid_q.where(clause)
    if f.payment_forms:
        open_q = open_q.where(Invoice.payment_form.in_(f.payment_forms))
        paid_q = paid_q.where(Invoice.payment_form.in_(f.payment_forms))
    if f.number is not None:
        open_q, paid_q = open_q.where(Invoice.number == f.number), paid_q.where(Invoice.number == f.number)
    for inv_id, number, due, total, name, form in session.execute(open_q.order_by(Invoice.due_date).limit(limit)):
        found.append(FoundInvoice(inv_id, number, INVOICE_OPEN, due, total, ZERO, ZERO, name, form))
    for inv_id, number, paid_on, total, name, form, discount, interest in session.execute(
            paid_q.order_by(Settlement.paid_on).limit(limit)):
        found.append(FoundInvoice(inv_id, number, INVOICE_SETTLED, paid_on, total, discount, interest, name, form))
    found.sort(key=lambda r: (r.when, r.number))
    return found[:limit]


def gross_of(session: Session, invoice: Invoice) -> Decimal:
    """"Valor bruto" of an invoice: its total when open; the face value its active settlement paid
    when settled (the settlement's discount/surcharge already changed the invoice's total)."""
    if invoice.status == INVOICE_SETTLED:
        from plugins.receivables.settlement import active_settlement

        current = active_settlement(session, invoice.id)
        if current is not None:
            return current.invoice_amount
    return invoice.total


@dataclass(frozen=True)
class Totals:
    """The totals of the search pane: gross, discount, interest, subtotal ((gross − discount) +
    interest), the statement's value and the difference (statement − subtotal)."""

    count: int
    gross: Decimal
    discount: Decimal
    interest: Decimal
    statement: Decimal
    # "Taxa Adm. Cartão": invoices have no card fee field (no "Tipo Cartão" in receivables): always zero,
    # shown because the manual lists it; the manual's subtotal ((bruto − desconto) + juros) leaves it out
    card_fee: Decimal = ZERO

    @property
    def subtotal(self) -> Decimal:
        return net_value(self.gross, self.discount, self.interest)

    @property
    def difference(self) -> Decimal:
        return self.statement - self.subtotal


def totals(rows: list[tuple[Decimal, Decimal, Decimal]], statement: Decimal) -> Totals:
    """Totals of the selected invoices, each (gross, discount, interest)."""
    return Totals(len(rows), sum((g for g, _d, _i in rows), ZERO), sum((d for _g, d, _i in rows), ZERO),
                  sum((i for _g, _d, i in rows), ZERO), statement)
