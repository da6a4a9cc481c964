"""Fluxo de Caixa (manual "Fluxo de Caixa"): the money expected (previsto) and moved (realizado) in
the flow accounts, per account and day or month, with opening and closing balances.

    report = cash_flow(session, runtime=rt, companies=[1], date_from=date(2026, 1, 1),
                       date_to=date(2026, 12, 31), period="mensal", kind="previsto_x_realizado",
                       include_forecasts=True, include_transfers=True, projection_percent="10")

Definitions (each one tested, README "Fluxo de caixa"):

- **Conta fluxo**: analytic bank (Banco) or cash (Caixa) account of the selected companies. Default:
  all of them, plus a row "Sem conta de fluxo definida" for expected money whose account is unknown.
- **Previsto** — "valores de faturas em aberto com vencimento no período":
  payables installments "em aberto" (invoice not excluded) by due date ⇒ saída, in the invoice's
  cash-flow account (else `[plugins.payables] cash_flow_account_code`); receivables invoices
  "aberta" by due date ⇒ entrada, in `[plugins.receivables] bank_account_code` — only when the
  receivables plugin is enabled (payables requires nothing). Plus, when asked:
  "Previsões de despesas não compensadas" (cashflow_models.ExpenseForecast occurrences) ⇒ saída;
  "Utilizar previsão para dinheiro e débito": the cash (settled into a Caixa account) and debit-card
  (invoice paid by "Cartão") receipts of the same period of the previous year, × (1 + % / 100)
  ⇒ entradas "Dinheiro" and "Cartão", in the account they were received in.
- **Realizado** — "valores de faturas baixadas no período": payables write-offs not reversed, by
  payment date (valor pago, from its bank/cash account) ⇒ saída; receivables settlements not
  reversed, by payment date (amount received, into its bank account; settlements with an
  unidentified deposit moved no money then) ⇒ entrada. Plus, when asked, "Transferências": journal
  entries of the period whose lines are all on flow accounts (debit ⇒ entrada, credit ⇒ saída).
  And every other ledger line on a flow account (`_other_entries`): "Depósitos não identificados"
  (the deposit's entry, when the money arrived; its cancellation) and "Outros lançamentos" (bank
  fees, launches credited to the bank, opening balances, manual entries). With "Transferências"
  the realizado's closing balance is the ledger balance of each flow account.
- **Saldo**: the opening balance is the ledger balance (debit − credit) of each account the day
  before `date_from`; each period's closing = opening + entradas − saídas, and opens the next one.
  Both sides of "Previsto x Realizado" start from the same opening.

The forecasts option exists only for Previsto and Previsto x Realizado, transfers only for
Realizado and Previsto x Realizado (manual); the projection only where there is a Previsto side.
Vertical or horizontal view is a presentation of the same report (cashflow_export.py).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.ledger.models import Account, JournalLine
from core.ledger.services import account_balance
from core.models.company import Company
from core.money import ZERO, round_money
from plugins.payables.cashflow_models import FLOW_ACCOUNT_KINDS, ExpenseForecast
from plugins.payables.models import STATUS_DELETED, STATUS_OPEN, PayableInstallment, PayableInvoice, PayableWriteOff

PERM_CASHFLOW = "payables.cashflow.view"

PLANNED, ACTUAL, BOTH = "previsto", "realizado", "previsto_x_realizado"
KINDS = ((PLANNED, "Previsto"), (ACTUAL, "Realizado"), (BOTH, "Previsto x Realizado"))
KIND_LABELS = dict(KINDS)
SIDE_LABELS = {PLANNED: "Previsto", ACTUAL: "Realizado"}

DAILY, MONTHLY = "diario", "mensal"
PERIODS = ((DAILY, "Diário"), (MONTHLY, "Mensal"))
PERIOD_ALIASES = {"daily": DAILY, "monthly": MONTHLY, "diario": DAILY, "mensal": MONTHLY, "diário": DAILY}
MAX_DAYS, MAX_MONTHS = 366, 120

SRC_RECEIVABLES, SRC_PAYABLES, SRC_FORECAST = "receber", "pagar", "previsao"
SRC_CASH, SRC_CARD, SRC_TRANSFER = "dinheiro", "cartao", "transferencia"
SRC_DEPOSIT, SRC_OTHER = "deposito_nao_identificado", "outros"
SOURCES = ((SRC_RECEIVABLES, "Contas a receber"), (SRC_CASH, "Dinheiro"), (SRC_CARD, "Cartão"),
           (SRC_DEPOSIT, "Depósitos não identificados"), (SRC_PAYABLES, "Contas a pagar"),
           (SRC_FORECAST, "Previsões de despesas"), (SRC_TRANSFER, "Transferências"),
           (SRC_OTHER, "Outros lançamentos"))
# Ledger entries whose money the realizado already counts from their own table (write-offs and
# settlements not reversed, by payment date); their entries and reversals are left out of "outros".
COUNTED_ORIGINS = ("payables.writeoff", "receivables_settlement", "receivables_settlement_lote")
DEPOSIT_ORIGIN = "receivables_unidentified_deposit"
SOURCE_LABELS = dict(SOURCES)
NO_ACCOUNT_LABEL = "Sem conta de fluxo definida"
MONTHS = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")


@dataclass(frozen=True)
class Movement:
    side: str                 # PLANNED or ACTUAL
    source: str               # SOURCES
    account_id: int | None    # None: no flow account known
    on: date
    inflow: Decimal = ZERO
    outflow: Decimal = ZERO


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str


@dataclass(frozen=True)
class FlowAccount:
    id: int | None
    company_id: int | None
    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.code} - {self.name}" if self.id is not None else NO_ACCOUNT_LABEL


@dataclass
class Cell:
    """One account (or the total) in one period on one side: opening, entradas, saídas, closing, and
    entradas/saídas per source."""

    opening: Decimal = ZERO
    inflow: Decimal = ZERO
    outflow: Decimal = ZERO
    by_source: dict[str, list[Decimal]] = field(default_factory=dict)

    @property
    def net(self) -> Decimal:
        return self.inflow - self.outflow

    @property
    def closing(self) -> Decimal:
        return self.opening + self.net

    def add(self, source: str, inflow: Decimal, outflow: Decimal) -> None:
        self.inflow += inflow
        self.outflow += outflow
        pair = self.by_source.setdefault(source, [ZERO, ZERO])
        pair[0] += inflow
        pair[1] += outflow

    def source(self, key: str) -> tuple[Decimal, Decimal]:
        pair = self.by_source.get(key, (ZERO, ZERO))
        return pair[0], pair[1]


@dataclass(frozen=True)
class Filters:
    companies: tuple[int, ...]
    date_from: date
    date_to: date
    period: str
    kind: str
    accounts: tuple[int, ...] | None   # None: every flow account (+ "sem conta")
    include_forecasts: bool
    include_transfers: bool
    projection_percent: Decimal | None

    @property
    def sides(self) -> tuple[str, ...]:
        return (PLANNED, ACTUAL) if self.kind == BOTH else (self.kind,)


@dataclass
class CashFlow:
    filters: Filters
    periods: list[Period]
    accounts: list[FlowAccount]
    cells: dict[tuple[str, int | None, int], Cell]   # (side, account id, period index)
    totals: dict[tuple[str, int], Cell]              # (side, period index): every account

    @property
    def sides(self) -> tuple[str, ...]:
        return self.filters.sides

    def cell(self, side: str, account_id: int | None, index: int) -> Cell:
        return self.cells[(side, account_id, index)]

    def summary(self, side: str) -> Cell:
        """The whole range on one side: first opening, all entradas/saídas, last closing."""
        out = Cell(opening=self.totals[(side, 0)].opening)
        for i in range(len(self.periods)):
            for key, (inflow, outflow) in self.totals[(side, i)].by_source.items():
                out.add(key, inflow, outflow)
        return out

    def sources(self) -> list[str]:
        """The sources with any movement, in the report's order."""
        used = {k for c in self.totals.values() for k in c.by_source}
        return [k for k, _label in SOURCES if k in used]

    def as_dict(self) -> dict:
        f = self.filters

        def cell_dict(c: Cell) -> dict:
            return {"opening": str(c.opening), "inflow": str(c.inflow), "outflow": str(c.outflow),
                    "net": str(c.net), "closing": str(c.closing),
                    "by_source": {k: {"inflow": str(v[0]), "outflow": str(v[1])} for k, v in c.by_source.items()}}

        return {
            "filters": {"companies": list(f.companies), "date_from": f.date_from.isoformat(),
                        "date_to": f.date_to.isoformat(), "period": f.period, "kind": f.kind,
                        "accounts": list(f.accounts) if f.accounts is not None else None,
                        "include_forecasts": f.include_forecasts, "include_transfers": f.include_transfers,
                        "projection_percent": str(f.projection_percent) if f.projection_percent is not None else None},
            "periods": [{"start": p.start.isoformat(), "end": p.end.isoformat(), "label": p.label} for p in self.periods],
            "accounts": [{"id": a.id, "company_id": a.company_id, "code": a.code, "name": a.name, "label": a.label}
                         for a in self.accounts],
            "sides": {side: {
                "summary": cell_dict(self.summary(side)),
                "periods": [{"period": p.start.isoformat(), "total": cell_dict(self.totals[(side, i)]),
                             "accounts": [{"account_id": a.id, **cell_dict(self.cells[(side, a.id, i)])}
                                          for a in self.accounts]}
                            for i, p in enumerate(self.periods)]} for side in self.sides},
        }


# --- filters ------------------------------------------------------------------------------------

def _percent(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"Porcentagem de projeção inválida: {raw}.", field="projection_percent") from None
    if not value.is_finite() or value < -100 or value > 1000:
        raise ValidationError("A porcentagem de projeção deve estar entre -100 e 1000.", field="projection_percent")
    return value


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def check_filters(session: Session, *, companies, date_from: date | None, date_to: date | None, period: str = MONTHLY,
                  kind: str = PLANNED, accounts=None, include_forecasts: bool = False, include_transfers: bool = False,
                  projection_percent=None) -> Filters:
    """The manual's filters, checked (pt-BR refusals naming the field)."""
    ids = tuple(sorted({int(c) for c in companies or ()}))
    if not ids:
        raise ValidationError("Selecione ao menos uma empresa.", field="companies")
    found = set(session.scalars(select(Company.id).where(Company.id.in_(ids))))
    if missing := [c for c in ids if c not in found]:
        raise ValidationError(f"Empresa {missing[0]} não encontrada.", field="companies")
    if date_from is None:
        raise ValidationError("Informe a data inicial.", field="date_from")
    if date_to is None:
        raise ValidationError("Informe a data final.", field="date_to")
    if date_to < date_from:
        raise ValidationError("A data final não pode ser anterior à data inicial.", field="date_to")
    period = PERIOD_ALIASES.get((period or "").strip().lower(), period)
    if period not in dict(PERIODS):
        raise ValidationError(f"Período inválido: {period} (diário ou mensal).", field="period")
    if period == DAILY and (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationError(f"No período diário o relatório abrange no máximo {MAX_DAYS} dias; use o mensal.",
                              field="date_to")
    if period == MONTHLY and _months_between(date_from, date_to) > MAX_MONTHS:
        raise ValidationError(f"O relatório mensal abrange no máximo {MAX_MONTHS} meses.", field="date_to")
    if kind not in KIND_LABELS:
        raise ValidationError(f"Tipo de fluxo inválido: {kind} (previsto, realizado ou previsto_x_realizado).",
                              field="kind")
    if include_forecasts and kind == ACTUAL:
        raise ValidationError("A opção «Previsões de despesas não compensadas» só está disponível para os tipos "
                              "Previsto e Previsto x Realizado.", field="include_forecasts")
    if include_transfers and kind == PLANNED:
        raise ValidationError("A opção «Transferências» só está disponível para os tipos Realizado e "
                              "Previsto x Realizado.", field="include_transfers")
    percent = _percent(projection_percent)
    if percent is not None and kind == ACTUAL:
        raise ValidationError("A previsão para dinheiro e débito só está disponível para os tipos Previsto e "
                              "Previsto x Realizado.", field="projection_percent")
    chosen = None
    if accounts:
        chosen = tuple(dict.fromkeys(int(a) for a in accounts))
        flow = {a.id: a for a in flow_accounts(session, ids)}
        if bad := [a for a in chosen if a not in flow]:
            account = session.get(Account, bad[0])
            name = f"{account.code} - {account.name}" if account else str(bad[0])
            raise ValidationError(f"A conta {name} não é uma conta fluxo (banco ou caixa, analítica) das empresas "
                                  "selecionadas.", field="accounts")
    return Filters(ids, date_from, date_to, period, kind, chosen, bool(include_forecasts), bool(include_transfers),
                   percent)


def flow_accounts(session: Session, companies) -> list[Account]:
    """"Contas analíticas classificadas como Conta Fluxo" (bank or cash) of the companies."""
    return list(session.scalars(select(Account).where(
        Account.company_id.in_(tuple(companies)), Account.is_synthetic.is_(False),
        Account.kind.in_(FLOW_ACCOUNT_KINDS)).order_by(Account.company_id, Account.code)))


def periods_of(date_from: date, date_to: date, period: str) -> list[Period]:
    """Days, or months clipped to the range (the first and last months may be partial)."""
    if period == DAILY:
        days = (date_to - date_from).days + 1
        return [Period(d, d, d.strftime("%d/%m/%Y")) for d in (date_from + timedelta(days=k) for k in range(days))]
    out, start = [], date_from
    while start <= date_to:
        last = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        end = min(last, date_to)
        out.append(Period(start, end, f"{MONTHS[start.month - 1]}/{start.year}"))
        start = end + timedelta(days=1)
    return out


# --- movements ----------------------------------------------------------------------------------

def _default_account(session: Session, company_id: int, code: str | None) -> int | None:
    if not code:
        return None
    return session.scalar(select(Account.id).where(
        Account.company_id == company_id, Account.code == code, Account.is_synthetic.is_(False),
        Account.kind.in_(FLOW_ACCOUNT_KINDS)))


def _defaults(session: Session, code: str | None, companies) -> dict[int, int | None]:
    """The flow account a setting's code names in each company (None where it does not exist)."""
    return {c: _default_account(session, c, code) for c in companies}


def receivables_enabled(runtime) -> bool:
    return runtime is not None and runtime.plugins.is_enabled("receivables")


def _payables_planned(session: Session, f: Filters, runtime) -> list[Movement]:
    from plugins.payables.settings import settings_of

    defaults = _defaults(session, settings_of(runtime).cash_flow_account_code, f.companies)
    rows = session.execute(
        select(PayableInstallment.due_date, PayableInstallment.amount, PayableInstallment.company_id,
               PayableInvoice.cash_flow_account_id)
        .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
        .where(PayableInstallment.company_id.in_(f.companies), PayableInstallment.status == STATUS_OPEN,
               PayableInvoice.status != STATUS_DELETED,
               PayableInstallment.due_date.between(f.date_from, f.date_to)))
    return [Movement(PLANNED, SRC_PAYABLES, account or defaults[company], due, outflow=amount)
            for due, amount, company, account in rows]


def _receivables_planned(session: Session, f: Filters, runtime) -> list[Movement]:
    from plugins.receivables.models import INVOICE_OPEN, Invoice

    defaults = _defaults(session, getattr(runtime.settings("receivables"), "bank_account_code", None), f.companies)
    rows = session.execute(select(Invoice.due_date, Invoice.total, Invoice.company_id).where(
        Invoice.company_id.in_(f.companies), Invoice.status == INVOICE_OPEN,
        Invoice.due_date.between(f.date_from, f.date_to)))
    return [Movement(PLANNED, SRC_RECEIVABLES, defaults[company], due, inflow=total) for due, total, company in rows]


def _forecasts(session: Session, f: Filters) -> list[Movement]:
    found = session.scalars(select(ExpenseForecast).where(
        ExpenseForecast.company_id.in_(f.companies), ExpenseForecast.active.is_(True),
        ExpenseForecast.due_date <= f.date_to))
    return [Movement(PLANNED, SRC_FORECAST, fc.account_id, on, outflow=fc.amount)
            for fc in found for on in fc.occurrences(f.date_from, f.date_to)]


def shift_year(day: date, years: int) -> date:
    """The same day `years` years later (29/02 ⇒ 28/02 in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _settlements(session: Session, companies, start: date, end: date):
    """(paid_on, amount, bank account id, bank account kind, invoice payment form) of the receivables
    settlements in [start, end] that moved money: not reversed, not paid with an unidentified deposit."""
    from plugins.receivables.models import Invoice
    from plugins.receivables.settlement_models import METHOD_DEPOSIT, Settlement

    return session.execute(
        select(Settlement.paid_on, Settlement.amount, Settlement.bank_account_id, Account.kind, Invoice.payment_form)
        .join(Invoice, Invoice.id == Settlement.invoice_id)
        .outerjoin(Account, Account.id == Settlement.bank_account_id)
        .where(Settlement.company_id.in_(tuple(companies)), Settlement.reversed.is_(False),
               Settlement.method != METHOD_DEPOSIT, Settlement.paid_on.between(start, end))).all()


def _projection(session: Session, f: Filters) -> list[Movement]:
    """Cash and debit-card receipts of the same period a year before, × (1 + % / 100), per day and
    account (rounded to centavos once per day and account)."""
    sums: dict[tuple[str, int | None, date], Decimal] = defaultdict(lambda: ZERO)
    for paid_on, amount, account_id, account_kind, form in _settlements(
            session, f.companies, shift_year(f.date_from, -1), shift_year(f.date_to, -1)):
        source = SRC_CARD if form == "cartao" else SRC_CASH if account_kind == "cash" else None
        on = shift_year(paid_on, 1)
        if source and f.date_from <= on <= f.date_to:
            sums[(source, account_id, on)] += amount
    factor = 1 + f.projection_percent / 100
    return [Movement(PLANNED, source, account, on, inflow=round_money(total * factor))
            for (source, account, on), total in sorted(sums.items(), key=lambda kv: (kv[0][2], kv[0][0]))]


def _payables_actual(session: Session, f: Filters) -> list[Movement]:
    rows = session.execute(select(PayableWriteOff.paid_on, PayableWriteOff.paid, PayableWriteOff.cash_account_id).where(
        PayableWriteOff.company_id.in_(f.companies), PayableWriteOff.reversed.is_(False),
        PayableWriteOff.paid > 0, PayableWriteOff.paid_on.between(f.date_from, f.date_to)))
    return [Movement(ACTUAL, SRC_PAYABLES, account, on, outflow=paid) for on, paid, account in rows]


def _receivables_actual(session: Session, f: Filters) -> list[Movement]:
    return [Movement(ACTUAL, SRC_RECEIVABLES, account, on, inflow=amount)
            for on, amount, account, _kind, _form in _settlements(session, f.companies, f.date_from, f.date_to)]


def _transfers(session: Session, f: Filters, flow_ids: list[int]) -> list[Movement]:
    """Lines of the entries whose lines are ALL on flow accounts (money moved between bank/cash)."""
    other = JournalLine.__table__.alias("other_line")
    only_flow = ~exists(select(other.c.id).where(and_(other.c.entry_id == JournalLine.entry_id,
                                                      other.c.account_id.not_in(flow_ids))))
    rows = session.execute(select(JournalLine.date, JournalLine.account_id, JournalLine.debit, JournalLine.credit)
                           .where(JournalLine.company_id.in_(f.companies), JournalLine.account_id.in_(flow_ids),
                                  JournalLine.date.between(f.date_from, f.date_to), only_flow))
    return [Movement(ACTUAL, SRC_TRANSFER, account, on, inflow=debit, outflow=credit)
            for on, account, debit, credit in rows]


def _other_entries(session: Session, f: Filters, flow_ids: list[int]) -> list[Movement]:
    """The rest of the money moved in flow accounts, read from the ledger: lines on flow accounts of
    entries that are neither a write-off / settlement (counted above) nor a transfer (all lines on
    flow accounts: only with "Transferências"). Unidentified deposits (and their cancellation) are
    "Depósitos não identificados"; anything else — bank fees of a return file or of a statement
    rule, a launch credited straight to the bank, an opening balance, a manual entry — "Outros
    lançamentos". Debit ⇒ entrada, credit ⇒ saída."""
    from core.ledger.models import JournalEntry

    other = JournalLine.__table__.alias("other_line")
    only_flow = ~exists(select(other.c.id).where(and_(other.c.entry_id == JournalLine.entry_id,
                                                      other.c.account_id.not_in(flow_ids))))
    rows = session.execute(
        select(JournalLine.date, JournalLine.account_id, JournalLine.debit, JournalLine.credit, JournalEntry.origin_kind)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.company_id.in_(f.companies), JournalLine.account_id.in_(flow_ids),
               JournalLine.date.between(f.date_from, f.date_to), ~only_flow,
               or_(JournalEntry.origin_kind.is_(None), JournalEntry.origin_kind.not_in(COUNTED_ORIGINS))))
    return [Movement(ACTUAL, SRC_DEPOSIT if kind == DEPOSIT_ORIGIN else SRC_OTHER, account, on, inflow=debit,
                     outflow=credit) for on, account, debit, credit, kind in rows]


def movements(session: Session, f: Filters, *, runtime, flow_ids: list[int]) -> list[Movement]:
    """Every movement of the report (both sides as the filters ask)."""
    out: list[Movement] = []
    with_receivables = receivables_enabled(runtime)
    if PLANNED in f.sides:
        out += _payables_planned(session, f, runtime)
        if with_receivables:
            out += _receivables_planned(session, f, runtime)
            if f.projection_percent is not None:
                out += _projection(session, f)
        if f.include_forecasts:
            out += _forecasts(session, f)
    if ACTUAL in f.sides:
        out += _payables_actual(session, f)
        if with_receivables:
            out += _receivables_actual(session, f)
        if f.include_transfers and flow_ids:
            out += _transfers(session, f, flow_ids)
        if flow_ids:
            out += _other_entries(session, f, flow_ids)
    return out


# --- the report -----------------------------------------------------------------------------------

def _period_index(periods: list[Period]):
    starts = [p.start for p in periods]

    def index(on: date) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:  # last period starting on or before `on`
            mid = (lo + hi + 1) // 2
            if starts[mid] <= on:
                lo = mid
            else:
                hi = mid - 1
        return lo

    return index


def _chain(cells: dict, side: str, keys: list, opening: dict, i: int) -> Cell:
    """Period `i` of one side: each account opens with the previous period's closing (the first with
    its ledger balance); returns the period's total over the accounts."""
    total = Cell()
    for k in keys:
        c = cells[(side, k, i)]
        c.opening = cells[(side, k, i - 1)].closing if i else opening[k]
        total.opening += c.opening
        for src, (inflow, outflow) in c.by_source.items():
            total.add(src, inflow, outflow)
    return total


def user_companies(session: Session, user) -> list[int]:
    """The companies `user` may see ("apenas as que o usuário tem permissão"): the kernel binds a user
    to one company with `app_user.company_id`; unbound (or no user: CLI/system) ⇒ every company."""
    bound = getattr(user, "company_id", None) if user is not None else None
    if bound is not None:
        return [bound]
    return list(session.scalars(select(Company.id).order_by(Company.id)))


def check_user_companies(session: Session, user, companies) -> None:
    """Refuses a company the user may not see (field `companies`)."""
    if user is None:
        return
    allowed = set(user_companies(session, user))
    for cid in companies or ():
        if int(cid) not in allowed:
            company = session.get(Company, int(cid))
            name = f"{company.code} - {company.trade_name or company.name}" if company else str(cid)
            who = f"usuário {user.username}" if getattr(user, "username", None) else "usuário"
            raise ValidationError(f"Empresa {name}: o fluxo de caixa mostra apenas as empresas que o {who} tem "
                                  "permissão.", field="companies")


def cash_flow(session: Session, *, runtime, companies, date_from: date | None, date_to: date | None,
              period: str = MONTHLY, kind: str = PLANNED, accounts=None, include_forecasts: bool = False,
              include_transfers: bool = False, projection_percent=None, user=None) -> CashFlow:
    """The cash-flow report (module docstring). Reads only; `runtime` says which plugins are enabled
    and holds their settings; with `user`, only the companies the user may see (`user_companies`)."""
    check_user_companies(session, user, companies)
    f = check_filters(session, companies=companies, date_from=date_from, date_to=date_to, period=period, kind=kind,
                      accounts=accounts, include_forecasts=include_forecasts, include_transfers=include_transfers,
                      projection_percent=projection_percent)
    every = flow_accounts(session, f.companies)
    chosen = [a for a in every if f.accounts is None or a.id in f.accounts]
    shown = [FlowAccount(a.id, a.company_id, a.code, a.name) for a in chosen]
    periods = periods_of(f.date_from, f.date_to, f.period)
    index = _period_index(periods)
    flow_ids = [a.id for a in every]
    moves = movements(session, f, runtime=runtime, flow_ids=flow_ids)
    if f.accounts is None:  # money in an account that is no flow account: shown without account
        moves = [m if m.account_id in flow_ids else replace(m, account_id=None) for m in moves]
    else:
        moves = [m for m in moves if m.account_id in f.accounts]
    if f.accounts is None and any(m.account_id is None for m in moves):
        shown.append(FlowAccount(None, None, "", NO_ACCOUNT_LABEL))
    keys = [a.id for a in shown]
    day_before = f.date_from - timedelta(days=1)
    opening = {a.id: (account_balance(session, a.id, until=day_before) if a.id is not None else ZERO) for a in shown}
    cells = {(side, k, i): Cell() for side in f.sides for k in keys for i in range(len(periods))}
    for m in moves:
        cells[(m.side, m.account_id, index(m.on))].add(m.source, m.inflow, m.outflow)
    totals = {(side, i): _chain(cells, side, keys, opening, i) for side in f.sides for i in range(len(periods))}
    return CashFlow(f, periods, shown, cells, totals)
