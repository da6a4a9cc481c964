"""Ledger rules, callable without the web. Services receive a Session and never commit.

Posting::

    from core.ledger.services import LineSpec, post_entry, reverse_entry

    entry = post_entry(session, company_id=1, date=date(2026, 11, 5), description="Venda à vista",
                       lines=[LineSpec.dr(cash.id, "150.00"), LineSpec.cr(revenue.id, "150.00")])
    reversal = reverse_entry(session, entry, on=date(2026, 11, 20), reason="Lançado em duplicidade")

Rules enforced on every posting: the date is not protected (`Company.protect_before`), at least two
lines, each line debits or credits a positive amount (never both), debits = credits, accounts are
active analytic accounts of the entry's company, cost centres are active and of the same company.
The entry number is drawn from the gapless counter (kind "journal_entry", per company) when the
entry is posted. Entries are never changed or deleted: a reversal (estorno) is a new entry with the
sides swapped, dated on the reversal date; an entry can be reversed once.

Balances are signed debit − credit (a debit balance is positive).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Sequence

from sqlalchemy import BigInteger, case, func, select, type_coerce
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.i18n import _
from core.ledger.models import AccountingTemplate, Account, CostCentre, JournalEntry, JournalLine
from core.models.company import Company
from core.money import ZERO, format_brl, from_cents, parse_money
from core.db import get_or_not_found

NUMBER_KIND = "journal_entry"
AUDIT_KIND = "ledger_entry"
REVERSE_ACTION = "ledger.entry.reverse"  # audit action of a reversal (also the bulk action's name)
DESCRIPTION_MAX = 255


def _fmt(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _user_id(user) -> int | None:
    return getattr(user, "id", None) if user is not None else None


# --- Protection date ----------------------------------------------------------------------------

def protected_until(session: Session, company_id: int) -> dt.date | None:
    """The company's "proteger lançamentos anteriores a" date (None: nothing protected)."""
    return session.execute(select(Company.protect_before).where(Company.id == company_id)).scalar_one_or_none()


def is_protected(session: Session, company_id: int, on: dt.date) -> bool:
    limit = protected_until(session, company_id)
    return limit is not None and on <= limit


def protection_message(limit: dt.date, on: dt.date) -> str:
    return _("Lançamentos anteriores ou iguais a {limit} estão protegidos (Proteger lançamentos anteriores a). "
             "Data informada: {on}.").format(limit=_fmt(limit), on=_fmt(on))


def check_protection(session: Session, company_id: int, on: dt.date, *, field: str = "date") -> None:
    """Raise ValidationError (naming `field`) when `on` is on or before the company's protection date.

    Plugins call it before creating, changing or removing anything that is (or will be) posted
    to the ledger on date `on` — e.g. an invoice whose accounting date is `on`.
    """
    limit = protected_until(session, company_id)
    if limit is not None and on <= limit:
        raise ValidationError(protection_message(limit, on), field=field)


# --- Posting ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineSpec:
    """One line to post: an account debited or credited (amount as Decimal, int or pt-BR text)."""

    account_id: int
    debit: Decimal | int | str | None = None
    credit: Decimal | int | str | None = None
    cost_centre_id: int | None = None
    party_id: int | None = None
    memo: str | None = None

    @classmethod
    def dr(cls, account_id: int, amount, **kw) -> "LineSpec":
        return cls(account_id, debit=amount, **kw)

    @classmethod
    def cr(cls, account_id: int, amount, **kw) -> "LineSpec":
        return cls(account_id, credit=amount, **kw)


def _amount(value: Any, *, index: int, side: str) -> Decimal:
    label = _("linha {n}, {side}").format(n=index + 1, side=_("débito") if side == "debit" else _("crédito"))
    field_name = f"lines.{index}.{side}"
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        raise ValidationError(_("{label}: valor monetário não pode ser float; use Decimal ou texto.")
                              .format(label=label), field=field_name)
    try:
        amount = parse_money(value, field=label)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc), field=field_name) from exc
    if amount < 0:
        raise ValidationError(_("{label}: o valor não pode ser negativo ({value}).")
                              .format(label=label, value=format_brl(amount)), field=field_name)
    return amount


@dataclass(frozen=True)
class _CheckedLine:
    account: Account
    debit: Decimal
    credit: Decimal
    cost_centre_id: int | None
    party_id: int | None
    memo: str | None


def _check_company(session: Session, company_id: Any) -> Company:
    if not isinstance(company_id, int) or isinstance(company_id, bool):
        raise ValidationError(_("Informe a empresa do lançamento."), field="company_id")
    company = session.get(Company, company_id)
    if company is None:
        raise ValidationError(_("Empresa {id} não encontrada.").format(id=company_id), field="company_id")
    return company


def _check_date(on: Any, field_name: str = "date") -> dt.date:
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise ValidationError(_("Data do lançamento inválida: informe uma data (sem hora)."), field=field_name)
    return on


def _check_lines(session: Session, company_id: int, lines: Sequence[LineSpec]) -> list[_CheckedLine]:
    if lines is None or len(lines) < 2:
        raise ValidationError(_("Um lançamento precisa de pelo menos duas linhas (débito e crédito)."), field="lines")
    account_ids = {ln.account_id for ln in lines}
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}
    centre_ids = {ln.cost_centre_id for ln in lines if ln.cost_centre_id is not None}
    centres = ({c.id: c for c in session.scalars(select(CostCentre).where(CostCentre.id.in_(centre_ids)))}
               if centre_ids else {})
    party_ids = {ln.party_id for ln in lines if ln.party_id is not None}
    known_parties = set()
    if party_ids:
        from core.parties.models import Party

        known_parties = set(session.scalars(select(Party.id).where(Party.id.in_(party_ids))))
    checked: list[_CheckedLine] = []
    for i, ln in enumerate(lines):
        where = _("Linha {n}").format(n=i + 1)
        debit = _amount(ln.debit, index=i, side="debit")
        credit = _amount(ln.credit, index=i, side="credit")
        if debit and credit:
            raise ValidationError(_("{where}: informe débito ou crédito, não ambos.").format(where=where),
                                  field=f"lines.{i}.credit")
        if not debit and not credit:
            raise ValidationError(_("{where}: informe um valor de débito ou de crédito maior que zero.")
                                  .format(where=where), field=f"lines.{i}.debit")
        if not ln.account_id:
            raise ValidationError(_("{where}: informe a conta contábil.").format(where=where),
                                  field=f"lines.{i}.account_id")
        account = accounts.get(ln.account_id)
        if account is None:
            raise ValidationError(_("{where}: conta contábil {id} não encontrada.").format(where=where, id=ln.account_id),
                                  field=f"lines.{i}.account_id")
        if account.company_id != company_id:
            raise ValidationError(_("{where}: a conta {code} pertence a outra empresa.")
                                  .format(where=where, code=account.code), field=f"lines.{i}.account_id")
        if account.is_synthetic:
            raise ValidationError(
                _("{where}: a conta {code} - {name} é sintética e não recebe lançamentos; "
                  "escolha uma conta analítica.").format(where=where, code=account.code, name=account.name),
                field=f"lines.{i}.account_id")
        if not account.active:
            raise ValidationError(_("{where}: a conta {code} - {name} está inativa.")
                                  .format(where=where, code=account.code, name=account.name),
                                  field=f"lines.{i}.account_id")
        if ln.cost_centre_id is not None:
            centre = centres.get(ln.cost_centre_id)
            if centre is None or centre.company_id != company_id:
                raise ValidationError(_("{where}: centro de custo {id} não encontrado nesta empresa.")
                                      .format(where=where, id=ln.cost_centre_id), field=f"lines.{i}.cost_centre_id")
            if not centre.active:
                raise ValidationError(_("{where}: o centro de custo {code} está inativo.")
                                      .format(where=where, code=centre.code), field=f"lines.{i}.cost_centre_id")
        if ln.party_id is not None and ln.party_id not in known_parties:
            raise ValidationError(_("{where}: pessoa {id} não encontrada.").format(where=where, id=ln.party_id),
                                  field=f"lines.{i}.party_id")
        memo = (ln.memo or "").strip() or None
        if memo is not None and len(memo) > 255:
            raise ValidationError(_("{where}: complemento com mais de 255 caracteres.").format(where=where),
                                  field=f"lines.{i}.memo")
        checked.append(_CheckedLine(account, debit, credit, ln.cost_centre_id, ln.party_id, memo))
    total_debit = sum((c.debit for c in checked), ZERO)
    total_credit = sum((c.credit for c in checked), ZERO)
    if total_debit != total_credit:
        raise ValidationError(
            _("Lançamento desbalanceado: a soma dos débitos ({debit}) difere da soma dos créditos ({credit}).")
            .format(debit=format_brl(total_debit), credit=format_brl(total_credit)), field="lines")
    return checked


def _check_description(description: Any) -> str:
    text = (description or "").strip() if isinstance(description, str) or description is None else None
    if not text:
        raise ValidationError(_("Informe o histórico (descrição) do lançamento."), field="description")
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(_("A descrição do lançamento tem mais de {n} caracteres.").format(n=DESCRIPTION_MAX),
                              field="description")
    return text


def entry_snapshot(entry: JournalEntry) -> dict:
    """JSON-safe picture of an entry and its lines (for the audit trail)."""
    from core.audit import snapshot

    data = snapshot(entry)
    data["lines"] = [snapshot(ln) for ln in entry.lines]
    return data


def post_entry(session: Session, *, company_id: int, date: dt.date, description: str,
               lines: Sequence[LineSpec], user=None, origin_kind: str | None = None,
               origin_id: int | None = None, origin: str | None = None,
               template_id: int | None = None) -> JournalEntry:
    """Validate and post a balanced journal entry; draw its number; audit it. Returns the entry.

    Raises ValidationError (pt-BR, naming the field: "date", "description", "lines",
    "lines.<i>.debit"…) and writes nothing when any rule fails.
    """
    return _post(session, company_id=company_id, date=date, description=description, lines=lines, user=user,
                 origin_kind=origin_kind, origin_id=origin_id, origin=origin, template_id=template_id)


def _post(session: Session, *, company_id, date, description, lines, user, origin_kind, origin_id, origin,
          template_id, reversal_of: JournalEntry | None = None, reversal_reason: str | None = None) -> JournalEntry:
    from core.audit import record
    from core.numbering import next_number

    company = _check_company(session, company_id)
    date = _check_date(date)
    description = _check_description(description)
    if company.protect_before is not None and date <= company.protect_before:
        raise ValidationError(protection_message(company.protect_before, date), field="date")
    checked = _check_lines(session, company_id, list(lines or ()))
    if origin is not None and len(origin) > 120:
        raise ValidationError(_("A origem do lançamento tem mais de 120 caracteres."), field="origin")

    number = next_number(session, kind=NUMBER_KIND, company_id=company_id)
    entry = JournalEntry(
        company_id=company_id, number=number, date=date, description=description,
        origin=origin, origin_kind=origin_kind, origin_id=origin_id, template_id=template_id,
        reversal_of_id=reversal_of.id if reversal_of is not None else None, reversal_reason=reversal_reason,
        total=sum((c.debit for c in checked), ZERO), created_by=_user_id(user),
    )
    for n, c in enumerate(checked, start=1):
        entry.lines.append(JournalLine(
            line_no=n, company_id=company_id, date=date, account_id=c.account.id, debit=c.debit, credit=c.credit,
            cost_centre_id=c.cost_centre_id, party_id=c.party_id, memo=c.memo))
    session.add(entry)
    session.flush()
    record(session, action="create", target_kind=AUDIT_KIND, target_id=entry.id, user=user,
           after=entry_snapshot(entry), company_id=company_id,
           reason=reversal_reason if reversal_of is not None else None)
    return entry


def post_from_template(session: Session, *, template: AccountingTemplate | int, date: dt.date, amount,
                       description: str | None = None, debit_account_id: int | None = None,
                       credit_account_id: int | None = None, cost_centre_id: int | None = None,
                       party_id: int | None = None, user=None, origin_kind: str | None = None,
                       origin_id: int | None = None, origin: str | None = None) -> JournalEntry:
    """Post `amount` from the template's debit account to its credit account (histórico).

    `debit_account_id` / `credit_account_id` fill (or override) the template's sides; the template's
    cost centre applies unless `cost_centre_id` is given. The description defaults to the template's.
    """
    tpl = session.get(AccountingTemplate, template) if isinstance(template, int) else template
    if tpl is None:
        raise ValidationError(_("Histórico contábil não encontrado."), field="template")
    if not tpl.active:
        raise ValidationError(_("O histórico {code} - {desc} está inativo.").format(code=tpl.code, desc=tpl.description),
                              field="template")
    debit = debit_account_id or tpl.debit_account_id
    credit = credit_account_id or tpl.credit_account_id
    if debit is None:
        raise ValidationError(_("O histórico {code} não define a conta débito; informe-a.").format(code=tpl.code),
                              field="debit_account_id")
    if credit is None:
        raise ValidationError(_("O histórico {code} não define a conta crédito; informe-a.").format(code=tpl.code),
                              field="credit_account_id")
    centre = cost_centre_id if cost_centre_id is not None else tpl.cost_centre_id
    lines = [LineSpec.dr(debit, amount, cost_centre_id=centre, party_id=party_id),
             LineSpec.cr(credit, amount, cost_centre_id=centre, party_id=party_id)]
    return _post(session, company_id=tpl.company_id, date=date, description=description or tpl.description,
                 lines=lines, user=user, origin_kind=origin_kind, origin_id=origin_id, origin=origin,
                 template_id=tpl.id)


# --- Reversal -----------------------------------------------------------------------------------

def reversal_of(session: Session, entry_id: int) -> JournalEntry | None:
    """The entry that reversed `entry_id`, if any."""
    return session.scalars(select(JournalEntry).where(JournalEntry.reversal_of_id == entry_id)).first()


def reversal_problems(session: Session, entry: JournalEntry, on: dt.date | None) -> list[tuple[str, str]]:
    """Why `entry` cannot be reversed on `on`: a list of (code, pt-BR message); empty ⇒ allowed.

    With `on=None` only the checks that do not depend on the date are made (previews)."""
    problems: list[tuple[str, str]] = []
    done = reversal_of(session, entry.id)
    if done is not None:
        problems.append(("already_reversed", _("O lançamento {n} já foi estornado pelo lançamento {r}.")
                         .format(n=entry.number, r=done.number)))
    if entry.reversal_of_id is not None:
        original = session.get(JournalEntry, entry.reversal_of_id)
        problems.append(("is_reversal", _("O lançamento {n} é o estorno do lançamento {o} e não pode ser estornado.")
                         .format(n=entry.number, o=original.number if original else entry.reversal_of_id)))
    if on is None:
        return problems
    if on < entry.date:
        problems.append(("before_entry_date",
                         _("A data do estorno ({on}) não pode ser anterior à data do lançamento {n} ({d}).")
                         .format(on=_fmt(on), n=entry.number, d=_fmt(entry.date))))
    limit = protected_until(session, entry.company_id)
    if limit is not None and on <= limit:
        problems.append(("protected", protection_message(limit, on)))
    return problems


def reverse_entry(session: Session, entry: JournalEntry | int, *, on: dt.date, user=None,
                  reason: str | None = None, audit_original: bool = True) -> JournalEntry:
    """Reverse `entry` with a new entry dated `on` whose lines swap debit and credit.

    The original is never changed or deleted; an audit entry `REVERSE_ACTION` is written on it (unless
    `audit_original=False`, used by the bulk action, which audits the original itself). Refused (ValidationError) when the entry was already
    reversed, is itself a reversal, `on` is before the entry's date or inside the protected period.
    """
    from core.audit import record

    entry_id = entry if isinstance(entry, int) else entry.id
    # Lock the original so two concurrent reversals queue (PostgreSQL); the unique
    # reversal_of_id column is the last line of defence.
    original = session.scalars(select(JournalEntry).where(JournalEntry.id == entry_id).with_for_update()).first()
    if original is None:
        raise NotFound(_("Lançamento contábil {id} não encontrado.").format(id=entry_id))
    on = _check_date(on, "on")
    problems = reversal_problems(session, original, on)
    if problems:
        code, message = problems[0]
        raise ValidationError(message, field="on" if code in ("protected", "before_entry_date") else None)
    reason = (reason or "").strip() or None
    lines = [LineSpec(ln.account_id, debit=ln.credit or None, credit=ln.debit or None,
                      cost_centre_id=ln.cost_centre_id, party_id=ln.party_id, memo=ln.memo)
             for ln in original.lines]
    description = _("Estorno do lançamento {n}: {desc}").format(n=original.number, desc=original.description)
    reversal = _post(session, company_id=original.company_id, date=on, description=description[:DESCRIPTION_MAX],
                     lines=lines, user=user, origin_kind=original.origin_kind, origin_id=original.origin_id,
                     origin=original.origin, template_id=original.template_id, reversal_of=original,
                     reversal_reason=reason)
    if audit_original:  # the action framework writes its own entry for the original
        record(session, action=REVERSE_ACTION, target_kind=AUDIT_KIND, target_id=original.id, user=user,
               reason=reason, company_id=original.company_id,
               after={"reversal_id": reversal.id, "reversal_number": reversal.number, "on": on.isoformat()})
    return reversal


# --- Queries and balances -----------------------------------------------------------------------

def get_entry(session: Session, entry_id: int) -> JournalEntry:
    return get_or_not_found(session, JournalEntry, entry_id,
                            _("Lançamento contábil {id} não encontrado.").format(id=entry_id))


def entries_for_origin(session: Session, origin_kind: str, origin_id: int) -> list[JournalEntry]:
    """Entries a plugin linked to one of its records (and their reversals), oldest first."""
    return list(session.scalars(select(JournalEntry)
                                .where(JournalEntry.origin_kind == origin_kind, JournalEntry.origin_id == origin_id)
                                .order_by(JournalEntry.date, JournalEntry.number)))


def list_entries(session: Session, company_id: int, *, start: dt.date | None = None, end: dt.date | None = None,
                 account_id: int | None = None, limit: int = 100, offset: int = 0) -> tuple[list[JournalEntry], int]:
    """Entries of a company (newest first), optionally in a date range or touching one account."""
    q = select(JournalEntry).where(JournalEntry.company_id == company_id)
    if start is not None:
        q = q.where(JournalEntry.date >= start)
    if end is not None:
        q = q.where(JournalEntry.date <= end)
    if account_id is not None:
        q = q.where(JournalEntry.id.in_(select(JournalLine.entry_id).where(JournalLine.account_id == account_id)))
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.scalars(q.order_by(JournalEntry.date.desc(), JournalEntry.number.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), int(total)


def _cents(expr):
    return type_coerce(expr, BigInteger)


def _money(value) -> Decimal:
    return from_cents(int(value or 0))


def _children_map(session: Session, company_id: int) -> tuple[dict[int, Account], dict[int | None, list[int]]]:
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.company_id == company_id))}
    children: dict[int | None, list[int]] = {}
    for a in accounts.values():
        children.setdefault(a.parent_id, []).append(a.id)
    return accounts, children


def _descendants(children: dict[int | None, list[int]], root: int) -> list[int]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(children.get(node, ()))
    return out


def account_balance(session: Session, account_id: int, *, until: dt.date | None = None) -> Decimal:
    """Debit − credit of the account up to `until` (inclusive; None ⇒ everything).

    For a synthetic account, the sum of its analytic descendants.
    """
    account = get_or_not_found(session, Account, account_id,
                               _("Conta contábil {id} não encontrada.").format(id=account_id))
    ids = [account_id]
    if account.is_synthetic:
        _accounts, children = _children_map(session, account.company_id)
        ids = _descendants(children, account_id)
    q = select(func.sum(_cents(JournalLine.debit)) - func.sum(_cents(JournalLine.credit))) \
        .where(JournalLine.account_id.in_(ids))
    if until is not None:
        q = q.where(JournalLine.date <= until)
    return _money(session.execute(q).scalar())


@dataclass
class TrialBalanceRow:
    account_id: int
    code: str
    name: str
    is_synthetic: bool
    level: int
    opening: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


@dataclass
class TrialBalance:
    """Balancete: per account, the balance before `start`, debits and credits in the period and the
    closing balance. Synthetic accounts carry the sum of their descendants; totals count analytic
    accounts only (so every amount is counted once)."""

    company_id: int
    start: dt.date
    end: dt.date
    rows: list[TrialBalanceRow] = field(default_factory=list)

    def _analytic(self) -> Iterable[TrialBalanceRow]:
        return (r for r in self.rows if not r.is_synthetic)

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self._analytic()), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self._analytic()), ZERO)

    @property
    def total_opening(self) -> Decimal:
        return sum((r.opening for r in self._analytic()), ZERO)

    @property
    def total_closing(self) -> Decimal:
        return sum((r.closing for r in self._analytic()), ZERO)

    def row(self, code: str) -> TrialBalanceRow | None:
        return next((r for r in self.rows if r.code == code), None)


def trial_balance(session: Session, company_id: int, *, start: dt.date, end: dt.date) -> TrialBalance:
    """The company's balancete from `start` to `end` (inclusive), accounts ordered by code.

    Lists every account with an opening balance or a movement in the period, plus its synthetic
    ancestors (which sum their descendants).
    """
    start = _check_date(start, "start")
    end = _check_date(end, "end")
    if end < start:
        raise ValidationError(_("A data final ({end}) é anterior à data inicial ({start}).")
                              .format(end=_fmt(end), start=_fmt(start)), field="end")
    debit, credit = _cents(JournalLine.debit), _cents(JournalLine.credit)
    before = JournalLine.date < start
    q = (select(JournalLine.account_id,
                func.sum(case((before, debit - credit), else_=0)),
                func.sum(case((before, 0), else_=debit)),
                func.sum(case((before, 0), else_=credit)))
         .where(JournalLine.company_id == company_id, JournalLine.date <= end)
         .group_by(JournalLine.account_id))
    sums = {acc: (_money(o), _money(d), _money(c)) for acc, o, d, c in session.execute(q)}
    accounts, _children = _children_map(session, company_id)

    def level(acc: Account) -> int:
        n, node = 0, acc
        while node.parent_id is not None and node.parent_id in accounts:
            n, node = n + 1, accounts[node.parent_id]
        return n

    rows: dict[int, TrialBalanceRow] = {}
    for acc_id, (opening, dr, cr) in sums.items():
        if not (opening or dr or cr):
            continue
        node = accounts[acc_id]
        while node is not None:
            row = rows.get(node.id)
            if row is None:
                row = rows[node.id] = TrialBalanceRow(node.id, node.code, node.name, node.is_synthetic, level(node))
            row.opening += opening
            row.debit += dr
            row.credit += cr
            node = accounts.get(node.parent_id) if node.parent_id is not None else None
    ordered = sorted(rows.values(), key=lambda r: _code_key(r.code))
    return TrialBalance(company_id, start, end, ordered)


def _code_key(code: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.replace("-", ".").split("."))
