"""Accrual accounting of receivables (contabilização por competência): the ledger entries of
issuing and removing invoices, in one place.

Issuing an invoice debits clientes and credits revenue, dated on the invoice's ISSUE date:

    D  receivable_account_code (clientes) ............ invoice total
    C  revenue account of each charge ................. sum of the charges on that account

A charge's revenue account is its own `revenue_account_id` (the plan's, or the one typed on a
manual charge) when that account belongs to the invoice's company, else
`service_revenue_account_code` (receita de serviços). Negative charges (discounts, "Desconto por
alteração do valor…") reduce the revenue of their account; a net negative account is debited.
The invoice total is always the sum of its charges, so the entry balances.

- Billing run (`post_billing`): ONE entry per (company, issue date) per billing chunk, origin
  "receivables.billing", description naming the competence and the invoice number range. The
  sums come from the chunk's invoice groups in memory (no query per invoice) and the invoices are
  linked to the entry by ONE `receivables_invoice_accrual` row (company, issue date, number range:
  a chunk's numbers of a company are one contiguous range) — see `accrual_models`.
- Manual invoicing, alteration (the recreated invoice): one entry per invoice
  (`accrue_invoices`), origin kind "receivables_invoice", the customer on the clientes line.
- Removal (`reverse_invoice`, also the removed side of an alteration): D revenue / C clientes for
  what the invoice carried, dated on the REMOVAL date (protected periods stay untouched).
- Partial settlement (`accrue_remainder`): the remainder invoice carries the SAME debt moved from
  the original (the settlement credited clientes only for the part paid), so it is not debited
  again; only its "Juros em R$" is new debt: D clientes / C revenue_account_code (juros e multa).
  `drop_remainder` reverses that when the partial settlement is reversed.

With these, the clientes balance equals what is still owed: the totals of the open and suspended
invoices (settlement credits clientes for the face value settled — `Settlement.invoice_amount` —
and posts discounts, surcharges, interest and penalty to their own accounts).

When it applies: `[plugins.receivables] accrual_accounting = true` (default) and the invoice's
company has a chart of accounts (at least one account). A company without any account keeps no
books in Quita: nothing is posted and nothing is linked. A company WITH a chart but without the
configured accounts gets a clear pt-BR refusal (naming the setting), and the operation — a whole
billing chunk, a removal — writes nothing. A protected date refuses with
`core.ledger.services.check_protection`'s message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Integer, exists, func, select, type_coerce
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.i18n import _
from core.ledger.models import Account, JournalEntry
from core.ledger.services import LineSpec, check_protection, post_entry, reverse_entry
from core.money import ZERO, from_cents, to_cents
from plugins.receivables.accrual_models import KIND_ISSUE, KIND_REMAINDER, KIND_REMOVAL, InvoiceAccrual
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.settings import settings_of

ORIGIN_BILLING = "receivables.billing"
ORIGIN_INVOICE = "receivables_invoice"


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class AccrualAccounts:
    company_id: int
    receivable_id: int
    service_revenue_id: int


def _settings(runtime):
    """The deployment's settings: the caller's runtime, else the process's current one (services
    called without a context), else the defaults."""
    if runtime is None:
        from core.runtime import current

        try:
            runtime = current()
        except RuntimeError:
            runtime = None
    return settings_of(runtime)


def _has_chart(session: Session, company_id: int) -> bool:
    return session.scalar(select(Account.id).where(Account.company_id == company_id).limit(1)) is not None


def _account_id(session: Session, company_id: int, setting: str, code: str | None, label: str) -> int:
    if not code:
        raise ValidationError(
            _("Configure a conta de {label} em [plugins.receivables] {setting} para contabilizar as faturas.")
            .format(label=label, setting=setting), field=setting)
    found = session.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == code))
    if found is None:
        raise ValidationError(
            _("A conta {code} ({label}, configuração {setting}) não existe no plano de contas da empresa {company}; "
              "as faturas não podem ser contabilizadas.")
            .format(code=code, label=label, setting=setting, company=company_id), field=setting)
    return found


def accounts_for(session: Session, runtime, company_id: int) -> AccrualAccounts | None:
    """The company's clientes and service revenue accounts; None when its invoices are not
    accounted (accrual off, or the company has no chart of accounts at all)."""
    cfg = _settings(runtime)
    if not cfg.accrual_accounting or not _has_chart(session, company_id):
        return None
    return AccrualAccounts(
        company_id,
        _account_id(session, company_id, "receivable_account_code", cfg.receivable_account_code,
                    _("clientes (contas a receber)")),
        _account_id(session, company_id, "service_revenue_account_code", cfg.service_revenue_account_code,
                    _("receita de serviços")))


def _revenue_lines(session: Session, accounts: AccrualAccounts, pairs, *, credit: bool = True) -> list[LineSpec]:
    """Revenue lines from (revenue_account_id or None, centavos) pairs, netted per account.
    `credit=True` for issuing (positive ⇒ credit), False for a removal (sides swapped)."""
    wanted = {acc for acc, _cents in pairs if acc is not None}
    own = set(session.scalars(select(Account.id).where(Account.id.in_(wanted),
                                                       Account.company_id == accounts.company_id))) if wanted else set()
    net: dict[int, int] = defaultdict(int)
    for acc, cents in pairs:
        net[acc if acc in own else accounts.service_revenue_id] += int(cents or 0)
    lines = []
    for acc in sorted(net):
        cents = net[acc]
        if cents == 0:
            continue
        amount = from_cents(abs(cents))
        lines.append(LineSpec.cr(acc, amount) if (cents > 0) == credit else LineSpec.dr(acc, amount))
    return lines


def accrual_of(session: Session, invoice: Invoice) -> InvoiceAccrual | None:
    """The "emissao"/"saldo" row that accounted `invoice` (None: never accounted)."""
    a = InvoiceAccrual
    return session.scalars(select(a).where(
        a.company_id == invoice.company_id, a.kind.in_((KIND_ISSUE, KIND_REMAINDER)),
        a.number_from <= invoice.number, a.number_to >= invoice.number, a.issue_date == invoice.issue_date)
        .order_by(a.id).limit(1)).first()


def removal_of(session: Session, invoice_id: int) -> InvoiceAccrual | None:
    """The "exclusao" row of a removed invoice (None: not taken out of clientes)."""
    return session.scalars(select(InvoiceAccrual).where(InvoiceAccrual.kind == KIND_REMOVAL,
                                                        InvoiceAccrual.invoice_id == invoice_id).limit(1)).first()


# --- billing run: one entry per (company, issue date) per chunk ---------------------------------

@dataclass
class _Batch:
    first: int
    last: int
    count: int = 0
    cents: int = 0
    revenue: dict = field(default_factory=lambda: defaultdict(int))


def post_billing(session: Session, runtime, groups, *, competence: date | None,
                 revenue_of_contract: dict | None = None, origin: str | None = None,
                 user=None) -> list[JournalEntry]:
    """Account the invoices a billing chunk just issued: `groups` are `invoicing.InvoiceGroup`s
    with `number` set; their charges are the database's open ones (`id`) or the run's new
    recurring ones (`id` None, revenue account in `revenue_of_contract[contract_id]`). Set-based:
    the sums come from the groups in memory; per (company, issue date) one entry and one link row.
    Returns the entries posted."""
    if not groups:
        return []
    revenue_of_contract = revenue_of_contract or {}
    old_ids = [ch.id for g in groups for ch in g.charges if ch.id is not None]
    old_revenue: dict[int, int] = {}
    for start in range(0, len(old_ids), 500):
        old_revenue.update(session.execute(select(Charge.id, Charge.revenue_account_id).where(
            Charge.id.in_(old_ids[start:start + 500]), Charge.revenue_account_id.is_not(None))).all())
    batches: dict[tuple[int, date], _Batch] = {}
    by_due: dict[tuple, _Batch] = {}  # (company, due date, days before) → its issue date's batch
    new_revenue, old_get = revenue_of_contract.get, old_revenue.get
    for g in groups:  # the hot loop (one group per invoice): no property, no per-row query
        charges, number = g.charges, g.number
        days = charges[0].issue_days_before if len(charges) == 1 else max(c.issue_days_before for c in charges)
        b = by_due.get((g.company_id, g.due_date, days))
        if b is None:
            key = (g.company_id, g.due_date - timedelta(days=days))  # = g.issue_date
            b = batches.get(key)
            if b is None:
                b = batches[key] = _Batch(number, number)
            by_due[(g.company_id, g.due_date, days)] = b
        if number < b.first:
            b.first = number
        elif number > b.last:
            b.last = number
        b.count += 1
        revenue = b.revenue
        for ch in charges:
            revenue[new_revenue(ch.contract_id) if ch.id is None else old_get(ch.id)] += ch.cents
    for b in batches.values():
        b.cents = sum(b.revenue.values())
    label = f"{competence:%m/%Y}" if competence is not None else None
    accounts_of: dict[int, AccrualAccounts | None] = {}
    entries = []
    for (company_id, issue_date), b in sorted(batches.items()):
        if company_id not in accounts_of:
            accounts_of[company_id] = accounts_for(session, runtime, company_id)
        accounts = accounts_of[company_id]
        if accounts is None or b.cents <= 0:
            continue
        check_protection(session, company_id, issue_date, field="issue_date")
        total = from_cents(b.cents)
        if label is not None:
            text = _("Faturamento competência {c}: {k} fatura(s) entre os números {a} e {b}, emissão {d}")
        else:
            text = _("Faturamento: {k} fatura(s) entre os números {a} e {b}, emissão {d}")
        description = text.format(c=label, k=b.count, a=b.first, b=b.last, d=_fmt(issue_date))
        lines = [LineSpec.dr(accounts.receivable_id, total, memo=_("Faturas {a} a {b}").format(a=b.first, b=b.last))]
        lines += _revenue_lines(session, accounts, list(b.revenue.items()))
        entry = post_entry(session, company_id=company_id, date=issue_date, description=description, lines=lines,
                           user=user, origin_kind=ORIGIN_BILLING, origin=(origin or description)[:120])
        session.add(InvoiceAccrual(company_id=company_id, kind=KIND_ISSUE, issue_date=issue_date,
                                   number_from=b.first, number_to=b.last, entry_id=entry.id, amount=total))
        entries.append(entry)
    session.flush()
    return entries


# --- one invoice at a time ------------------------------------------------------------------------

def _charge_pairs(session: Session, invoice_id: int) -> list[tuple[int | None, int]]:
    return [(acc, int(cents or 0)) for acc, cents in session.execute(
        select(Charge.revenue_account_id, func.sum(type_coerce(Charge.amount, Integer)))
        .where(Charge.invoice_id == invoice_id).group_by(Charge.revenue_account_id))]


def _single_row(invoice: Invoice, kind: str, entry: JournalEntry | None, amount: Decimal,
                reversed_on: date | None = None) -> InvoiceAccrual:
    return InvoiceAccrual(company_id=invoice.company_id, kind=kind, issue_date=invoice.issue_date,
                          number_from=invoice.number, number_to=invoice.number, invoice_id=invoice.id,
                          entry_id=entry.id if entry is not None else None, amount=amount, reversed_on=reversed_on)


def accrue_invoices(session: Session, runtime, invoice_ids, *, user=None) -> list[JournalEntry]:
    """Post one issuing entry per invoice (manual invoicing, recreated invoices), dated on its
    issue date; invoices already accounted, or of a company without books, are skipped."""
    session.flush()
    entries, accounts_of = [], {}
    for invoice_id in invoice_ids:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or accrual_of(session, invoice) is not None:
            continue
        if invoice.company_id not in accounts_of:
            accounts_of[invoice.company_id] = accounts_for(session, runtime, invoice.company_id)
        accounts = accounts_of[invoice.company_id]
        if accounts is None or invoice.total <= ZERO:
            continue
        check_protection(session, invoice.company_id, invoice.issue_date, field="issue_date")
        n = invoice.number
        lines = [LineSpec.dr(accounts.receivable_id, invoice.total, party_id=invoice.party_id,
                             memo=_("Fatura {n}").format(n=n))]
        lines += _revenue_lines(session, accounts, _charge_pairs(session, invoice.id))
        comp = f" — {_('competência')} {invoice.competence:%m/%Y}" if invoice.competence else ""
        entry = post_entry(session, company_id=invoice.company_id, date=invoice.issue_date,
                           description=_("Emissão da fatura {n}").format(n=n) + comp, lines=lines, user=user,
                           origin_kind=ORIGIN_INVOICE, origin_id=invoice.id, origin=_("Fatura {n}").format(n=n))
        session.add(_single_row(invoice, KIND_ISSUE, entry, invoice.total))
        entries.append(entry)
    session.flush()
    return entries


def reverse_invoice(session: Session, runtime, invoice: Invoice, *, on: date, user=None,
                    reason: str | None = None) -> JournalEntry | None:
    """Take a removed invoice out of clientes: D revenue / C clientes for what it carries (its
    total: an open invoice's total is what was accounted — settled ones cannot be removed),
    dated `on` (the removal date; the issue date when that is later, as for an invoice the
    billing run issued ahead of its issue date). Nothing when it was never accounted or was already taken out.
    Call it while the invoice's charges are still linked to it (the revenue split follows them)."""
    if accrual_of(session, invoice) is None or removal_of(session, invoice.id) is not None:
        return None
    accounts = accounts_for(session, runtime, invoice.company_id)
    if accounts is None or invoice.total <= ZERO:  # books switched off since
        return None
    on = max(on, invoice.issue_date)  # removed before its (future) issue date: both on that date
    check_protection(session, invoice.company_id, on, field="on")
    amount = invoice.total
    pairs = _charge_pairs(session, invoice.id)
    if sum(cents for _acc, cents in pairs) != to_cents(amount):
        pairs = [(None, to_cents(amount))]
    n = invoice.number
    lines = _revenue_lines(session, accounts, pairs, credit=False)
    lines.append(LineSpec.cr(accounts.receivable_id, amount, party_id=invoice.party_id,
                             memo=_("Fatura {n}").format(n=n)))
    text = _("Exclusão da fatura {n}").format(n=n) + (f": {reason}" if reason else "")
    entry = post_entry(session, company_id=invoice.company_id, date=on, description=text[:255], lines=lines,
                       user=user, origin_kind=ORIGIN_INVOICE, origin_id=invoice.id,
                       origin=_("Fatura {n}").format(n=n))
    session.add(_single_row(invoice, KIND_REMOVAL, entry, amount, reversed_on=on))
    session.flush()
    return entry


# --- partial settlement -----------------------------------------------------------------------------

def accrue_remainder(session: Session, runtime, original: Invoice, remainder: Invoice, *, extra: Decimal = ZERO,
                     user=None) -> JournalEntry | None:
    """The remainder invoice of a partial settlement carries the original's unpaid balance (moved,
    not debited again) plus `extra` ("Juros em R$"), which is debited to clientes and credited to
    `revenue_account_code` (juros e multa) on the remainder's issue date. Only when the original
    invoice was accounted."""
    if accrual_of(session, original) is None:
        return None
    session.flush()
    entry = None
    if extra and extra > ZERO:
        accounts = accounts_for(session, runtime, remainder.company_id)
        if accounts is None:
            return None
        cfg = _settings(runtime)
        interest_id = _account_id(session, remainder.company_id, "revenue_account_code", cfg.revenue_account_code,
                                  _("receita de juros e multa"))
        from plugins.receivables.settlement import KIND_REMAINDER_INTEREST
        from plugins.receivables.settlement_models import SettlementCharge

        for ch in session.scalars(select(Charge).join(SettlementCharge, SettlementCharge.charge_id == Charge.id)
                                  .where(Charge.invoice_id == remainder.id,
                                         SettlementCharge.kind == KIND_REMAINDER_INTEREST)):
            ch.revenue_account_id = interest_id  # its removal debits juros, not services
        check_protection(session, remainder.company_id, remainder.issue_date, field="paid_on")
        n = remainder.number
        entry = post_entry(
            session, company_id=remainder.company_id, date=remainder.issue_date,
            description=_("Juros na fatura {n} (saldo da fatura {o})").format(n=n, o=original.number),
            lines=[LineSpec.dr(accounts.receivable_id, extra, party_id=remainder.party_id,
                               memo=_("Fatura {n}").format(n=n)),
                   LineSpec.cr(interest_id, extra)],
            user=user, origin_kind=ORIGIN_INVOICE, origin_id=remainder.id, origin=_("Fatura {n}").format(n=n))
    session.add(_single_row(remainder, KIND_REMAINDER, entry, extra if entry is not None else ZERO))
    session.flush()
    return entry


def drop_remainder(session: Session, remainder: Invoice, *, on: date, user=None,
                   reason: str | None = None) -> JournalEntry | None:
    """The partial settlement is reversed and its open remainder invoice removed: the moved balance
    goes back to the original invoice (the settlement's reversal re-debits clientes for the part
    paid), so only the remainder's own "Juros em R$" entry is reversed, on `on`."""
    link = accrual_of(session, remainder)
    if link is None or removal_of(session, remainder.id) is not None:
        return None
    reversal = None
    if link.entry_id is not None:
        reversal = reverse_entry(session, link.entry_id, on=on, user=user, reason=reason)
    session.add(_single_row(remainder, KIND_REMOVAL, reversal, link.amount, reversed_on=on))
    session.flush()
    return reversal


# --- revenue account of a charge changed in place ---------------------------------------------------

def reclassify_revenue(session: Session, runtime, invoice: Invoice, charge: Charge, old_account_id: int | None, *,
                       on: date, user=None, reason: str | None = None) -> JournalEntry | None:
    """"Editar contas associadas a faturas" changed the chart-of-accounts reference of `charge`
    (already at its new `revenue_account_id`) of the accounted, open `invoice`: move its revenue
    from the old account to the new one (D old / C new; sides swapped for a negative charge),
    dated `on`, so the later removal of the invoice reverses the accounts that carry it. Nothing
    when the invoice was never accounted or both references resolve to the same account."""
    if accrual_of(session, invoice) is None or removal_of(session, invoice.id) is not None:
        return None
    accounts = accounts_for(session, runtime, invoice.company_id)
    cents = to_cents(charge.amount)
    if accounts is None or cents == 0:
        return None
    lines = (_revenue_lines(session, accounts, [(old_account_id, cents)], credit=False)
             + _revenue_lines(session, accounts, [(charge.revenue_account_id, cents)]))
    if len({ln.account_id for ln in lines}) < 2:
        return None  # both resolve to the same account (e.g. another company's ⇒ service revenue)
    check_protection(session, invoice.company_id, on, field="on")
    n = invoice.number
    text = _("Reclassificação da receita da conta {c} da fatura {n}").format(c=charge.id, n=n)
    text += f": {reason}" if reason else ""
    entry = post_entry(session, company_id=invoice.company_id, date=on, description=text[:255], lines=lines,
                       user=user, origin_kind=ORIGIN_INVOICE, origin_id=invoice.id,
                       origin=_("Fatura {n}").format(n=n))
    session.flush()
    return entry


# --- reading ----------------------------------------------------------------------------------------

def carried_total(session: Session, company_id: int) -> Decimal:
    """What the accounted invoices of a company still carry in clientes: the totals of its open
    and suspended invoices that an "emissao"/"saldo" row covers (for checks and tests; the
    ledger is the truth)."""
    from plugins.receivables.models import INVOICE_OPEN, INVOICE_SUSPENDED

    a = InvoiceAccrual
    covered = exists().where(a.company_id == Invoice.company_id, a.kind.in_((KIND_ISSUE, KIND_REMAINDER)),
                             a.number_from <= Invoice.number, a.number_to >= Invoice.number,
                             a.issue_date == Invoice.issue_date)
    cents = session.scalar(select(func.sum(type_coerce(Invoice.total, Integer)))
                           .where(Invoice.company_id == company_id,
                                  Invoice.status.in_((INVOICE_OPEN, INVOICE_SUSPENDED)), covered))
    return from_cents(int(cents or 0))
