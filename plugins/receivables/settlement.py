"""Settlement of invoices (liquidação avulsa / baixa), partial settlement, reversal (estorno) and
their ledger postings; the settlement receipt's data.

Services (take the caller's `Session`, never commit, raise `core.errors.ValidationError` in pt-BR):

- `settle_invoice(session, invoice, *, paid_on, amount=None, method, bank_account_id, justification,
  user, runtime)` — full settlement. Default amount: the invoice total plus interest, penalty and
  protest cost minus the early-payment discount (the `compute_interest` hook, first answer wins)
  plus the `before_settle` adjustments. A lower amount adds a DISCOUNT charge with the rest to the
  invoice, a higher one a SURCHARGE charge with the excess (manual: "Liquidação avulsa de faturas").
- `settle_partial(session, invoice, *, paid_on, amount, new_due_date, note, remainder_interest, …)` —
  baixa parcial: the paid part settles, a new invoice (gapless number) carries the remainder with
  its new due date and note, plus "Juros em R$" when `interest_on_remainder_invoice`
  ("Juros/Multa na nova fatura") is on; the original becomes "parcialmente liquidada".
- `reverse_settlement(session, settlement, *, on, justification, bank_account_id, user, runtime)` —
  estorno: the ledger entry is reversed on the reversal date (not the payment date; an entry shared
  with other settlements — `settlement_batch`, one per date — gets the counter-entry of this
  settlement's lines only), the
  charges the settlement added are removed, the invoice returns to open (a partial settlement's
  remainder invoice, still open, is removed).
- `settlement_receipt(session, settlement_id) -> dict` — data of the receipt (recibo de liquidação).

Both settle services run the `before_settle` hook (a blocker refuses: `SettlementRefused`, with
all blockers; adjustments become charges), respect the company's protection date
(`core.ledger.services.check_protection`) and refuse a settlement date before the invoice's issue
date. They return a `SettlementOutcome` whose `warnings` carry the manual's advertência when the
customer has open invoices due before this one. `after_settle` / `after_reverse` run after commit;
`before_reverse` runs inside the reversal, before it writes (a plugin may refuse it).

Ledger (method "profile_aguardando_conciliacao"; one balanced entry dated `paid_on`, accounts
resolved by code in the invoice company's chart from `[plugins.receivables]`):

    D  bank/cash account chosen by the operator ..... amount received
    D  discount_account_code ........................ discount (when any)
    C  receivable_account_code ...................... invoice part settled
    C  revenue_account_code ......................... interest + penalty (when any)
    C  surcharge_account_code ....................... surcharge (when any)

Method "outros" (sem integração): per the manual's NOTA the value is not credited to any bank,
cash or vault account and only the invoice status changes — so NO ledger entry is posted (the
settlement row and its discount/surcharge charges are still recorded).

Method "deposito_nao_identificado" (only through `plugins.receivables.deposits.settle_with_deposit`,
which passes `debit_account`): the same entry, but the first debit goes to the "conta para
depósito não identificado" — the money is already in the bank since the deposit was registered.
Its reversal reopens the deposit (`deposits.restore_after_reversal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.actions import Action, ActionContext, Advice, Blocker
from core.choices import Choices, account_label, cash_accounts, choice_provider
from core.db import after_commit
from core.errors import ValidationError
from core.i18n import _
from core.ledger.models import Account
from core.ledger.services import (LineSpec, check_protection, post_entry, protected_until, protection_message,
                                  reverse_entry)
from core.money import ZERO, format_brl, parse_money, round_money
from core.db import get_or_not_found
from hooks.receivables import SettlementReview, collect_before_settle
from plugins.receivables.interest_hooks import interest_for
from plugins.receivables.models import (CHARGE_INVOICED, CHARGE_REMOVED, CHARGE_SETTLED, INVOICE_OPEN,
                                        INVOICE_PARTIAL, INVOICE_REMOVED, INVOICE_SETTLED, INVOICE_SUSPENDED, Charge,
                                        Invoice)
from plugins.receivables.settlement_models import (METHOD_DEPOSIT, METHOD_PROFILE, SETTLEMENT_METHODS, Settlement,
                                                   SettlementCharge)
from plugins.receivables.settings import settings_of

ORIGIN_SETTLEMENT = "liquidacao"
AUDIT_KIND = "receivables_settlement"
AUDIT_SETTLE = "receivables.settlement.create"
AUDIT_REVERSE = "receivables.settlement.reverse"
METHOD_LABELS = dict(SETTLEMENT_METHODS)

PERM_SETTLE = "receivables.invoice.settle"
PERM_REVERSE = "receivables.invoice.reverse"
PERMISSIONS = {
    PERM_SETTLE: ("Baixa de faturas", "Faturas a receber"),
    PERM_REVERSE: ("Estorno de Faturas", "Faturas a receber"),
}

# Kinds of the charges a settlement adds to its invoice (SettlementCharge.kind).
KIND_INTEREST = "juros"
KIND_PENALTY = "multa"
KIND_PROTEST = "protesto"
KIND_EARLY_DISCOUNT = "desconto_antecipacao"
KIND_ADJUSTMENT = "ajuste"
KIND_DISCOUNT = "desconto"
KIND_SURCHARGE = "acrescimo"
KIND_REMAINDER = "saldo"
KIND_REMAINDER_INTEREST = "juros_saldo"


class SettlementRefused(ValidationError):
    """A settlement or reversal refused for one invoice; `blockers` lists every reason."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = list(blockers)
        super().__init__(" ".join(b.message for b in self.blockers))


@dataclass
class SettlementOutcome:
    settlement: Settlement
    warnings: list[str] = field(default_factory=list)
    remainder_invoice: Invoice | None = None


@dataclass(frozen=True)
class ProposedSettlement:
    """What `before_settle` receives as `settlement` (nothing written yet)."""

    paid_on: date
    amount: Decimal | None
    method: str
    charges: object | None
    partial: bool = False


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _ctx(session: Session, user, runtime, company_id: int | None, justification: str | None = None) -> ActionContext:
    return ActionContext(session=session, user=user, runtime=runtime, company_id=company_id,
                         justification=justification)


def _event_ctx(ctx: ActionContext) -> ActionContext:
    """The context after commit: same user/company/now, no session."""
    return ActionContext(session=None, user=ctx.user, runtime=ctx.runtime, company_id=ctx.company_id, now=ctx.now,
                         reason=ctx.reason, justification=ctx.justification)


# --- blockers of the manual ----------------------------------------------------------------------

def _has_partial(session: Session, invoice: Invoice) -> bool:
    if invoice.status == INVOICE_PARTIAL:
        return True
    found = session.scalar(select(Settlement.id).where(Settlement.invoice_id == invoice.id,
                                                       Settlement.partial.is_(True),
                                                       Settlement.reversed.is_(False)).limit(1))
    return found is not None


def settle_blockers(session: Session, invoice: Invoice, *, partial: bool | None = None) -> list[Blocker]:
    """The manual's refusals of "Liquidação avulsa de faturas" for one invoice (X = its number).
    `partial`: whether it has partial settlements, when the caller already knows (batch)."""
    found: list[Blocker] = []
    n = invoice.number
    if invoice.status == INVOICE_SETTLED:
        found.append(Blocker(invoice.id, "fatura.ja_liquidada", _("A Fatura {n} já está liquidada").format(n=n)))
    elif invoice.status == INVOICE_REMOVED:
        found.append(Blocker(invoice.id, "fatura.excluida", _("A fatura {n} está com status de excluída").format(n=n)))
    elif invoice.status == INVOICE_SUSPENDED:
        found.append(Blocker(invoice.id, "fatura.suspensa",
                             _("A fatura {n} já está com o status de suspenso.").format(n=n)))
    if (_has_partial(session, invoice) if partial is None else partial or invoice.status == INVOICE_PARTIAL):
        found.append(Blocker(invoice.id, "fatura.liquidacoes_parciais", _("Esta fatura possui liquidações parciais")))
    return found


def active_settlement(session: Session, invoice_id: int) -> Settlement | None:
    """The invoice's latest settlement not reversed."""
    return session.scalars(select(Settlement).where(Settlement.invoice_id == invoice_id,
                                                    Settlement.reversed.is_(False))
                           .order_by(Settlement.id.desc()).limit(1)).first()


def active_settlements(session: Session, invoice_ids: list[int]) -> dict[int, Settlement]:
    """`active_settlement` of many invoices in one query: invoice id ⇒ its latest settlement not reversed."""
    if not invoice_ids:
        return {}
    rows = session.scalars(select(Settlement).where(Settlement.invoice_id.in_(invoice_ids),
                                                    Settlement.reversed.is_(False)).order_by(Settlement.id))
    return {s.invoice_id: s for s in rows}  # ordered by id: the latest one of each invoice wins


def reverse_blockers(session: Session, invoice: Invoice, on: date | None = None) -> list[Blocker]:
    """Why the invoice's settlement cannot be reversed (on `on`, when given)."""
    s = active_settlement(session, invoice.id)
    if s is None:
        return [Blocker(invoice.id, "estorno.sem_liquidacao",
                        _("A fatura {n} não possui liquidação para estornar.").format(n=invoice.number))]
    found: list[Blocker] = []
    if s.remainder_invoice_id is not None:
        rest = session.get(Invoice, s.remainder_invoice_id)
        if rest is not None and rest.status not in (INVOICE_OPEN, INVOICE_REMOVED):
            found.append(Blocker(invoice.id, "estorno.saldo_movimentado",
                                 _("A fatura {r}, gerada pela liquidação parcial da fatura {n}, já foi liquidada ou "
                                   "alterada; estorne-a antes.").format(r=rest.number, n=invoice.number)))
    if s.method == METHOD_DEPOSIT:  # the rest of the deposit must still be open to restore it
        from plugins.receivables.deposits import reversal_blockers as deposit_reversal_blockers

        found.extend(deposit_reversal_blockers(session, invoice, s))
    if on is not None:
        if on < s.paid_on:
            found.append(Blocker(invoice.id, "estorno.data_anterior",
                                 _("A data do estorno ({on}) não pode ser anterior à data da liquidação ({d}).")
                                 .format(on=_fmt(on), d=_fmt(s.paid_on))))
        limit = protected_until(session, invoice.company_id)
        if limit is not None and on <= limit:
            found.append(Blocker(invoice.id, "estorno.periodo_protegido", protection_message(limit, on)))
    return found


# --- helpers ---------------------------------------------------------------------------------------

def _money(value, label: str, field_name: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationError(_("{label}: use Decimal ou texto, não float.").format(label=label), field=field_name)
    try:
        return parse_money(value, field=label) if not isinstance(value, Decimal) else round_money(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc), field=field_name) from None


def _check_date(value, field_name: str, label: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(_("Informe a {label}.").format(label=label), field=field_name)
    return value


def _account(session: Session, company_id: int, setting: str, code: str | None, label: str) -> Account:
    """The analytic account with `code` in the company's chart (from a `[plugins.receivables]` setting)."""
    if not code:
        raise ValidationError(
            _("Configure a conta de {label} em [plugins.receivables] {setting} para lançar a liquidação.")
            .format(label=label, setting=setting), field=setting)
    account = session.scalar(select(Account).where(Account.company_id == company_id, Account.code == code))
    if account is None:
        raise ValidationError(
            _("A conta {code} ({label}, configuração {setting}) não existe no plano de contas da empresa {company}.")
            .format(code=code, label=label, setting=setting, company=company_id), field=setting)
    return account


def _bank_account(session: Session, company_id: int, account_id, *, field_name: str = "bank_account_id") -> Account:
    if not account_id:
        raise ValidationError(_("Informe a conta banco/caixa/cofre em que o valor será creditado."), field=field_name)
    account = session.get(Account, int(account_id))
    if account is None or account.company_id != company_id:
        raise ValidationError(_("Conta banco/caixa/cofre {id} não encontrada nesta empresa.").format(id=account_id),
                              field=field_name)
    if account.kind not in ("bank", "cash"):
        raise ValidationError(_("A conta {code} - {name} não é uma conta banco, caixa ou cofre.")
                              .format(code=account.code, name=account.name), field=field_name)
    return account


def older_open_invoices_warning(session: Session, invoice: Invoice, exclude=()) -> str | None:
    """The manual's advertência: the customer has open invoices due before this one (`exclude`:
    ids left out, e.g. the other invoices settled by the same action)."""
    stmt = select(Invoice.number).where(Invoice.party_id == invoice.party_id, Invoice.id != invoice.id,
                                        Invoice.status == INVOICE_OPEN, Invoice.due_date < invoice.due_date)
    exclude = [i for i in exclude if i != invoice.id]
    if exclude:
        stmt = stmt.where(Invoice.id.not_in(exclude))
    numbers = list(session.scalars(stmt.order_by(Invoice.due_date, Invoice.number)))
    if not numbers:
        return None
    return _("Atenção: o cliente possui faturas em aberto com vencimento anterior ao da fatura {n}: {list}.") \
        .format(n=invoice.number, list=", ".join(str(x) for x in numbers))


def _review(runtime, invoice: Invoice, proposal: ProposedSettlement, ctx: ActionContext) -> SettlementReview:
    hook = runtime.hook.before_settle
    if not hook.get_hookimpls():  # no plugin implements it: nothing to ask (a batch settles 100,000 invoices)
        return SettlementReview()
    return collect_before_settle(hook(invoice=invoice, settlement=proposal, ctx=ctx))


def _charge_row(target: Invoice, description: str, amount: Decimal, status: str = CHARGE_SETTLED) -> Charge:
    """A charge a settlement adds to `target` (not yet in the session)."""
    return Charge(party_id=target.party_id, company_id=target.company_id, contract_id=None,
                  description=description[:200], amount=amount, due_date=target.due_date,
                  competence=target.competence or target.due_date.replace(day=1), installment=1, installments=1,
                  status=status, invoice_id=target.id, origin=ORIGIN_SETTLEMENT)


def _add_charge(session: Session, invoice: Invoice, settlement: Settlement, kind: str, description: str,
                amount: Decimal, status: str = CHARGE_SETTLED, target: Invoice | None = None) -> Charge:
    ch = _charge_row(target or invoice, description, amount, status)
    session.add(ch)
    session.flush()
    session.add(SettlementCharge(settlement_id=settlement.id, charge_id=ch.id, kind=kind))
    return ch


def _set_invoice_charges(session: Session, invoice_id: int, old: str, new: str) -> None:
    for ch in session.scalars(select(Charge).where(Charge.invoice_id == invoice_id, Charge.status == old,
                                                   Charge.origin != ORIGIN_SETTLEMENT)):
        ch.status = new


@dataclass
class _Parts:
    """The components of a settlement, each >= 0, plus the charges to add (kind, text, signed)."""

    invoice_amount: Decimal
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    discount: Decimal = ZERO
    surcharge: Decimal = ZERO
    charges: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return self.invoice_amount + self.interest + self.penalty + self.surcharge - self.discount

    def add(self, kind: str, text: str, signed: Decimal) -> None:
        if signed == 0:
            return
        if kind == KIND_INTEREST:
            self.interest += signed
        elif kind == KIND_PENALTY:
            self.penalty += signed
        elif signed > 0:
            self.surcharge += signed
        else:
            self.discount += -signed
        self.charges.append((kind, text, signed))


def _settlement_lines(session: Session, runtime, invoice: Invoice, parts: _Parts, bank_id: int, *,
                      reverse: bool = False, accounts: dict | None = None) -> list[LineSpec]:
    """The settlement's ledger lines (module docstring); `reverse`: debits and credits swapped (the
    counter-entry of one settlement of a shared entry); `accounts`: a cache of the configured accounts
    (setting → Account) for callers posting many settlements."""
    cfg = settings_of(runtime)
    cid = invoice.company_id
    accounts = {} if accounts is None else accounts

    def account(setting: str, label: str) -> int:
        if setting not in accounts:
            accounts[setting] = _account(session, cid, setting, getattr(cfg, setting), label)
        return accounts[setting].id

    dr, cr = (LineSpec.cr, LineSpec.dr) if reverse else (LineSpec.dr, LineSpec.cr)
    lines = [dr(bank_id, parts.amount, memo=_("Fatura {n}").format(n=invoice.number))]
    if parts.discount:
        lines.append(dr(account("discount_account_code", _("desconto")), parts.discount))
    lines.append(cr(account("receivable_account_code", _("clientes (contas a receber)")), parts.invoice_amount,
                    party_id=invoice.party_id))
    if parts.interest + parts.penalty:
        lines.append(cr(account("revenue_account_code", _("receita de juros e multa")), parts.interest + parts.penalty))
    if parts.surcharge:
        lines.append(cr(account("surcharge_account_code", _("acréscimo")), parts.surcharge))
    return lines


def _post(session: Session, runtime, invoice: Invoice, parts: _Parts, bank: Account, paid_on: date, user,
          settlement_id: int, description: str):
    cid = invoice.company_id
    lines = _settlement_lines(session, runtime, invoice, parts, bank.id)
    return post_entry(session, company_id=cid, date=paid_on, description=description, lines=lines, user=user,
                      origin_kind=AUDIT_KIND, origin_id=settlement_id,
                      origin=_("Fatura {n}").format(n=invoice.number))


def _prepare(session: Session, invoice: Invoice, *, paid_on, method, bank_account_id, runtime, user,
             ctx: ActionContext | None, debit_account: Account | None = None):
    """Checks common to full and partial settlement; returns (ctx, paid_on, bank account or None)."""
    if runtime is None:
        raise ValueError("settle: informe o runtime (hooks e configurações)")
    paid_on = _check_date(paid_on, "paid_on", _("data de liquidação"))
    # Lock the invoice (PostgreSQL: a concurrent settlement of it waits, then sees it settled).
    session.flush()
    session.refresh(invoice, with_for_update=True)
    if method not in METHOD_LABELS:
        raise ValidationError(_("Método de pagamento inválido: escolha \"Profile bancária (aguarda conciliação)\" ou "
                                "\"Outros (sem integração)\"."), field="method")
    blockers = settle_blockers(session, invoice)
    if blockers:
        raise SettlementRefused(blockers)
    if paid_on < invoice.issue_date:
        raise ValidationError(
            _("A data de liquidação ({d}) não pode ser anterior à data de emissão da fatura {n} ({e}).")
            .format(d=_fmt(paid_on), n=invoice.number, e=_fmt(invoice.issue_date)), field="paid_on")
    check_protection(session, invoice.company_id, paid_on, field="paid_on")
    if method == METHOD_DEPOSIT:  # deposits.settle_with_deposit: debit the unidentified-deposit account
        if debit_account is None:
            raise ValueError("settle: o método depósito não identificado exige debit_account (deposits.py)")
        bank = debit_account
    else:
        bank = _bank_account(session, invoice.company_id, bank_account_id) if method == METHOD_PROFILE else None
    ctx = ctx or _ctx(session, user, runtime, invoice.company_id)
    return ctx, paid_on, bank


def _settlement_values(invoice: Invoice, parts: _Parts, *, paid_on, method, bank, justification, user,
                       partial: bool, note: str | None = None) -> dict:
    """The settlement's column values (a `Settlement(**values)`, or one row of a bulk insert)."""
    return dict(invoice_id=invoice.id, party_id=invoice.party_id, company_id=invoice.company_id, method=method,
                paid_on=paid_on, amount=parts.amount, invoice_amount=parts.invoice_amount,
                interest=parts.interest, penalty=parts.penalty, discount=parts.discount,
                surcharge=parts.surcharge, bank_account_id=bank.id if bank is not None else None,
                justification=(justification or "").strip() or None, partial=partial, note=note,
                user_id=getattr(user, "id", None), reversed=False)


def _record(session: Session, invoice: Invoice, parts: _Parts, *, paid_on, method, bank, justification, user,
            partial: bool, note: str | None = None) -> Settlement:
    s = Settlement(**_settlement_values(invoice, parts, paid_on=paid_on, method=method, bank=bank,
                                        justification=justification, user=user, partial=partial, note=note))
    session.add(s)
    session.flush()
    for kind, text, signed in parts.charges:
        _add_charge(session, invoice, s, kind, text, signed)
    # The invoice total stays the sum of its charges (as in the other invoice tools): after a full
    # settlement it is what was received; `invoice_amount` keeps the face value settled.
    invoice.total = invoice.total + sum((signed for _k, _t, signed in parts.charges), ZERO)
    return s


def _finish(session: Session, invoice: Invoice, s: Settlement, parts: _Parts, *, bank, paid_on, user, ctx,
            runtime, label: str) -> None:
    if bank is not None:
        entry = _post(session, runtime, invoice, parts, bank, paid_on, user, s.id,
                      _("{label} da fatura {n}").format(label=label, n=invoice.number))
        s.entry_id = entry.id
    session.flush()
    audit.record(session, action=AUDIT_SETTLE, target_kind=AUDIT_KIND, target_id=s.id, user=user,
                 after=audit.snapshot(s), justification=s.justification, company_id=invoice.company_id)
    event_ctx = _event_ctx(ctx)
    invoice_id, settlement_id = invoice.id, s.id
    after_commit(session, lambda: _notify(runtime, "after_settle", invoice_id, settlement_id, event_ctx))


def _notify(runtime, hook: str, invoice_id: int, settlement_id: int, ctx: ActionContext) -> None:
    from core.plugins import notify_each

    notify_each(getattr(runtime.hook, hook), invoice_id=invoice_id, settlement_id=settlement_id, ctx=ctx)


# --- full settlement -------------------------------------------------------------------------------

def _due_parts(invoice: Invoice, *, paid_on: date, received: Decimal | None, method: str, runtime,
               ctx: ActionContext, reported: tuple[Decimal, Decimal] | None = None) -> _Parts:
    """What a full settlement on `paid_on` is due: the invoice total plus the `compute_interest`
    components and the `before_settle` adjustments (blockers raise `SettlementRefused`).
    `reported` = (interest, discount) the bank reported (retorno): they replace `compute_interest`."""
    breakdown = None if reported is not None else interest_for(runtime, invoice, paid_on)
    review = _review(runtime, invoice, ProposedSettlement(paid_on, received, method, breakdown), ctx)
    if review.blockers:
        raise SettlementRefused(review.blockers)
    parts = _Parts(invoice_amount=invoice.total)
    if reported is not None:
        parts.add(KIND_INTEREST, _("Juros/multa informados pelo banco"), round_money(reported[0] or ZERO))
        parts.add(KIND_DISCOUNT, _("Desconto informado pelo banco"), -round_money(reported[1] or ZERO))
    if breakdown is not None:
        parts.add(KIND_INTEREST, _("Juros ({d} dia(s) de atraso)").format(d=breakdown.interest_days),
                  breakdown.interest)
        parts.add(KIND_PENALTY, _("Multa por atraso"), breakdown.penalty)
        parts.add(KIND_PROTEST, _("Custo do protesto"), breakdown.protest_cost)
        parts.add(KIND_EARLY_DISCOUNT, _("Desconto por antecipação ({d} dia(s))").format(d=breakdown.days_early),
                  -breakdown.discount)
    for adj in review.adjustments:
        parts.add(KIND_ADJUSTMENT, adj.description, adj.amount)
    if parts.amount <= 0:
        raise ValidationError(_("O valor devido da fatura {n} não é positivo ({v}).")
                              .format(n=invoice.number, v=format_brl(parts.amount)), field="amount")
    return parts


def amount_due(invoice: Invoice, *, paid_on: date, runtime, ctx: ActionContext, method: str = METHOD_PROFILE,
               received: Decimal | None = None) -> Decimal:
    """The default amount of a full settlement of `invoice` on `paid_on` (writes nothing)."""
    return _due_parts(invoice, paid_on=paid_on, received=received, method=method, runtime=runtime, ctx=ctx).amount


def settle_invoice(session: Session, invoice: Invoice, *, paid_on: date, amount=None, method: str = METHOD_PROFILE,
                   bank_account_id: int | None = None, justification: str | None = None, user=None, runtime=None,
                   ctx: ActionContext | None = None, debit_account: Account | None = None,
                   reported_interest=None, reported_discount=None) -> SettlementOutcome:
    """Liquidação avulsa of one invoice (see the module docstring). `debit_account`: only with
    method "deposito_nao_identificado" (the account debited instead of a bank account).
    `reported_interest` / `reported_discount`: what the bank's retorno says (bank_profiles); when
    either is given they replace the `compute_interest` breakdown (juros / desconto charges)."""
    ctx, paid_on, bank = _prepare(session, invoice, paid_on=paid_on, method=method, bank_account_id=bank_account_id,
                                  runtime=runtime, user=user, ctx=ctx, debit_account=debit_account)
    received = None if amount is None or amount == "" else _money(amount, _("Valor de liquidação"), "amount")
    if received is not None and received <= 0:
        raise ValidationError(_("O valor de liquidação deve ser maior que zero."), field="amount")
    reported = None
    if reported_interest is not None or reported_discount is not None:
        reported = (_money(reported_interest or ZERO, _("Juros"), "reported_interest"),
                    _money(reported_discount or ZERO, _("Desconto"), "reported_discount"))
    parts = _due_parts(invoice, paid_on=paid_on, received=received, method=method, runtime=runtime, ctx=ctx,
                       reported=reported)
    due = parts.amount
    if received is not None and received != due:
        if received < due:
            parts.add(KIND_DISCOUNT, _("Desconto na liquidação da fatura {n}").format(n=invoice.number), received - due)
        else:
            parts.add(KIND_SURCHARGE, _("Acréscimo na liquidação da fatura {n}").format(n=invoice.number),
                      received - due)
    s = _record(session, invoice, parts, paid_on=paid_on, method=method, bank=bank, justification=justification,
                user=user, partial=False)
    invoice.status = INVOICE_SETTLED
    _set_invoice_charges(session, invoice.id, CHARGE_INVOICED, CHARGE_SETTLED)
    warnings = [w for w in (older_open_invoices_warning(session, invoice),) if w]
    _finish(session, invoice, s, parts, bank=bank, paid_on=paid_on, user=user, ctx=ctx, runtime=runtime,
            label=_("Liquidação"))
    return SettlementOutcome(s, warnings)


# --- partial settlement ----------------------------------------------------------------------------

def settle_partial(session: Session, invoice: Invoice, *, paid_on: date, amount, new_due_date: date,
                   note: str | None = None, remainder_interest=None, method: str = METHOD_PROFILE,
                   bank_account_id: int | None = None, justification: str | None = None, user=None, runtime=None,
                   ctx: ActionContext | None = None, debit_account: Account | None = None) -> SettlementOutcome:
    """Baixa parcial: `amount` received now; a new invoice carries the rest of the face value.

    `before_settle` adjustments apply to the amount received (a +2,00 fee means 2,00 of the
    amount pays the fee, not the invoice); interest is not computed on the paid part — the
    operator may add "Juros em R$" (`remainder_interest`) to the new invoice only when the setting
    `interest_on_remainder_invoice` ("Juros/Multa na nova fatura") is on.
    """
    ctx, paid_on, bank = _prepare(session, invoice, paid_on=paid_on, method=method, bank_account_id=bank_account_id,
                                  runtime=runtime, user=user, ctx=ctx, debit_account=debit_account)
    received = _money(amount, _("Valor pago"), "amount")
    new_due_date = _check_date(new_due_date, "new_due_date", _("nova data de vencimento"))
    if new_due_date < paid_on:
        raise ValidationError(_("A nova data de vencimento ({d}) não pode ser anterior à data de liquidação ({p}).")
                              .format(d=_fmt(new_due_date), p=_fmt(paid_on)), field="new_due_date")
    extra = ZERO
    if remainder_interest not in (None, ""):
        extra = _money(remainder_interest, _("Juros em R$"), "remainder_interest")
        if extra < 0:
            raise ValidationError(_("Os juros da nova fatura não podem ser negativos."), field="remainder_interest")
        if extra and not settings_of(runtime).interest_on_remainder_invoice:
            raise ValidationError(_("Juros na nova fatura exigem o parâmetro \"Juros/Multa na nova fatura\" habilitado."),
                                  field="remainder_interest")
    review = _review(runtime, invoice, ProposedSettlement(paid_on, received, method, None, partial=True), ctx)
    if review.blockers:
        raise SettlementRefused(review.blockers)
    parts = _Parts(invoice_amount=ZERO)
    for adj in review.adjustments:
        parts.add(KIND_ADJUSTMENT, adj.description, adj.amount)
    principal = received - parts.amount  # what of the received amount pays the invoice itself
    if received <= 0 or principal <= 0 or principal >= invoice.total:
        raise ValidationError(
            _("Na baixa parcial o valor pago deve ser maior que zero e menor que o total da fatura {n} ({t}).")
            .format(n=invoice.number, t=format_brl(invoice.total)), field="amount")
    parts.invoice_amount = principal
    rest = invoice.total - principal
    note = (note or "").strip() or None
    s = _record(session, invoice, parts, paid_on=paid_on, method=method, bank=bank, justification=justification,
                user=user, partial=True, note=note)
    remainder = _remainder_invoice(session, invoice, s, rest=rest, extra=extra, due=new_due_date, paid_on=paid_on,
                                   note=note, ctx=ctx, runtime=runtime)
    s.remainder_invoice_id = remainder.id
    invoice.status = INVOICE_PARTIAL
    _set_invoice_charges(session, invoice.id, CHARGE_INVOICED, CHARGE_SETTLED)
    warnings = [w for w in (older_open_invoices_warning(session, invoice),) if w]
    _finish(session, invoice, s, parts, bank=bank, paid_on=paid_on, user=user, ctx=ctx, runtime=runtime,
            label=_("Liquidação parcial"))
    return SettlementOutcome(s, warnings, remainder)


def _remainder_invoice(session: Session, invoice: Invoice, s: Settlement, *, rest: Decimal, extra: Decimal,
                       due: date, paid_on: date, note: str | None, ctx, runtime) -> Invoice:
    from plugins.receivables.invoicing import draw_numbers

    number = draw_numbers(session, invoice.company_id, 1)
    text = note or _("Saldo da fatura {n} (liquidação parcial em {d})").format(n=invoice.number, d=_fmt(paid_on))
    new = Invoice(party_id=invoice.party_id, company_id=invoice.company_id, number=number, issue_date=paid_on,
                  due_date=due, total=rest + extra, status=INVOICE_OPEN, description=text[:200],
                  wallet=invoice.wallet, competence=invoice.competence, remessa_transmitted=False,
                  remessa_write_off_pending=False, payment_form=invoice.payment_form)
    session.add(new)
    session.flush()
    _add_charge(session, invoice, s, KIND_REMAINDER, _("Saldo restante da fatura {n}").format(n=invoice.number),
                rest, status=CHARGE_INVOICED, target=new)
    if extra:
        _add_charge(session, invoice, s, KIND_REMAINDER_INTEREST,
                    _("Juros da baixa parcial da fatura {n}").format(n=invoice.number), extra,
                    status=CHARGE_INVOICED, target=new)
    session.flush()
    from plugins.receivables.accrual import accrue_remainder  # moved debt: only "Juros em R$" is debited

    accrue_remainder(session, runtime, invoice, new, extra=extra, user=ctx.user)
    runtime.hook.on_invoice_created(invoice=new, ctx=ctx)
    return new


# --- reversal --------------------------------------------------------------------------------------

def _entry_is_shared(session: Session, settlement: Settlement) -> bool:
    return session.scalar(select(Settlement.id).where(Settlement.entry_id == settlement.entry_id,
                                                      Settlement.id != settlement.id).limit(1)) is not None


def _post_own_reversal(session: Session, runtime, invoice: Invoice, settlement: Settlement, *, on: date, user,
                       justification: str):
    """The counter-entry of ONE settlement whose ledger entry is shared with others (a batch):
    its own lines with debits and credits swapped, dated `on`."""
    parts = _Parts(invoice_amount=settlement.invoice_amount, interest=settlement.interest, penalty=settlement.penalty,
                   discount=settlement.discount, surcharge=settlement.surcharge)
    lines = _settlement_lines(session, runtime, invoice, parts, settlement.bank_account_id, reverse=True)
    return post_entry(session, company_id=invoice.company_id, date=on,
                      description=_("Estorno da liquidação da fatura {n}: {why}").format(n=invoice.number,
                                                                                         why=justification)[:200],
                      lines=lines, user=user, origin_kind=AUDIT_KIND, origin_id=settlement.id,
                      origin=_("Fatura {n}").format(n=invoice.number))


def reverse_settlement(session: Session, settlement: Settlement, *, on: date, justification: str,
                       bank_account_id: int | None = None, user=None, runtime=None,
                       ctx: ActionContext | None = None) -> Settlement:
    """Estorno of a settlement on date `on` (see the module docstring). The cash/bank account
    ("origem/destino dos valores") must be the one the payment went to, so balances stay
    consistent (the manual's Atenção); omitted, it is that account."""
    if runtime is None:
        raise ValueError("reverse_settlement: informe o runtime")
    on = _check_date(on, "on", _("data do evento (estorno)"))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(_("Justifique o estorno: informe o motivo pelo qual está sendo realizado."),
                              field="justification")
    invoice = session.get(Invoice, settlement.invoice_id)
    session.flush()
    session.refresh(invoice, with_for_update=True)  # serialize with settlements / other reversals
    session.refresh(settlement)
    if settlement.reversed:
        raise SettlementRefused([Blocker(invoice.id, "estorno.ja_estornada",
                                         _("A liquidação {id} da fatura {n} já foi estornada.")
                                         .format(id=settlement.id, n=invoice.number))])
    blockers = reverse_blockers(session, invoice, on)
    if blockers:
        raise SettlementRefused(blockers)
    check_protection(session, invoice.company_id, on, field="on")
    if settlement.method == METHOD_DEPOSIT:
        bank_account_id = None  # paid with a deposit: the reversal credits the deposit account, not a bank
    if bank_account_id and settlement.bank_account_id and int(bank_account_id) != settlement.bank_account_id:
        paid_to = session.get(Account, settlement.bank_account_id)
        raise ValidationError(
            _("Informe a mesma conta em que foi realizado o pagamento ({code} - {name}), para que não haja "
              "inconsistência nos saldos.").format(code=paid_to.code, name=paid_to.name), field="bank_account_id")
    if bank_account_id and not settlement.bank_account_id:
        _bank_account(session, invoice.company_id, bank_account_id)
    ctx = ctx or _ctx(session, user, runtime, invoice.company_id, justification)
    runtime.hook.before_reverse(session=session, invoice=invoice, settlement=settlement, ctx=ctx)  # may refuse
    if settlement.entry_id is not None:
        if _entry_is_shared(session, settlement):  # a batch entry (settlement_batch): reverse this one's part
            reversal = _post_own_reversal(session, runtime, invoice, settlement, on=on, user=user,
                                          justification=justification)
        else:
            reversal = reverse_entry(session, settlement.entry_id, on=on, user=user, reason=justification)
        settlement.reversal_entry_id = reversal.id
    if settlement.method == METHOD_DEPOSIT:  # the deposit is open again; its unused rest is cancelled
        from plugins.receivables.deposits import restore_after_reversal

        restore_after_reversal(session, settlement, on=on, user=user, justification=justification)
    # Remove the charges the settlement added (the remainder invoice's go with it below).
    # A partial settlement's remainder invoice (still open) is removed; its charges stay, marked
    # "removida", as the history of "Faturas que foram excluídas".
    own = session.execute(
        select(Charge.id, Charge.amount).join(SettlementCharge, SettlementCharge.charge_id == Charge.id)
        .where(SettlementCharge.settlement_id == settlement.id, Charge.invoice_id == invoice.id)).all()
    charge_ids = [cid for cid, _amount in own]
    invoice.total = invoice.total - sum((amount for _cid, amount in own), ZERO)
    removed_remainder = None
    if settlement.remainder_invoice_id is not None:
        rest = session.get(Invoice, settlement.remainder_invoice_id)
        if rest is not None and rest.status == INVOICE_OPEN:
            from plugins.receivables.accrual import drop_remainder  # reverses its "Juros em R$" entry, if any

            drop_remainder(session, rest, on=on, user=user, reason=justification)
            rest.status = INVOICE_REMOVED
            for ch in session.scalars(select(Charge).where(Charge.invoice_id == rest.id)):
                ch.status = CHARGE_REMOVED
            removed_remainder = rest.id
    session.execute(delete(SettlementCharge).where(SettlementCharge.settlement_id == settlement.id))
    if charge_ids:
        session.execute(delete(Charge).where(Charge.id.in_(charge_ids)))
    invoice.status = INVOICE_OPEN
    _set_invoice_charges(session, invoice.id, CHARGE_SETTLED, CHARGE_INVOICED)
    before = audit.snapshot(settlement)
    settlement.reversed = True
    settlement.reversed_on = on
    settlement.reversal_account_id = int(bank_account_id) if bank_account_id else settlement.bank_account_id
    settlement.reversal_justification = justification
    settlement.reversed_by_id = getattr(user, "id", None)
    session.flush()
    audit.record(session, action=AUDIT_REVERSE, target_kind=AUDIT_KIND, target_id=settlement.id, user=user,
                 before=before, after=audit.snapshot(settlement), justification=justification,
                 company_id=invoice.company_id)
    ctx = ctx or _ctx(session, user, runtime, invoice.company_id, justification)
    event_ctx = _event_ctx(ctx)
    event_ctx.justification = justification
    invoice_id, settlement_id = invoice.id, settlement.id
    after_commit(session, lambda: _notify(runtime, "after_reverse", invoice_id, settlement_id, event_ctx))
    if removed_remainder is not None:
        from core.plugins import notify_each

        after_commit(session, lambda: notify_each(runtime.hook.on_invoice_removed, invoice_id=removed_remainder,
                                                  reason=None, ctx=event_ctx))
    return settlement


# --- receipt -----------------------------------------------------------------------------------------

def settlement_receipt(session: Session, settlement_id: int) -> dict:
    """Data of the settlement receipt (recibo de liquidação) for a later PDF: company, customer,
    invoice, amounts (Decimal) and dates (date)."""
    from core.models.company import Company
    from core.parties.models import Party

    s = get_or_not_found(session, Settlement, settlement_id,
                         _("Liquidação {id} não encontrada.").format(id=settlement_id))
    inv = session.get(Invoice, s.invoice_id)
    company = session.get(Company, s.company_id)
    party = session.get(Party, s.party_id)
    rest = session.get(Invoice, s.remainder_invoice_id) if s.remainder_invoice_id else None
    bank = session.get(Account, s.bank_account_id) if s.bank_account_id else None
    # the invoice's value before this settlement's charges were added to it
    added = session.scalars(select(Charge.amount).join(SettlementCharge, SettlementCharge.charge_id == Charge.id)
                            .where(SettlementCharge.settlement_id == s.id, Charge.invoice_id == inv.id))
    face_value = inv.total - sum(added, ZERO)
    return {
        "settlement_id": s.id,
        "company": {"name": company.name, "cnpj": company.cnpj},
        "customer": {"id": party.id, "code": getattr(party, "code", None), "name": party.name,
                     "document": getattr(party, "document", None)},
        "invoice": {"id": inv.id, "number": inv.number, "issue_date": inv.issue_date, "due_date": inv.due_date,
                    "total": face_value, "description": inv.description},
        "paid_on": s.paid_on,
        "method": s.method,
        "method_label": METHOD_LABELS[s.method],
        "bank_account": f"{bank.code} - {bank.name}" if bank is not None else None,
        "invoice_amount": s.invoice_amount,
        "interest": s.interest,
        "penalty": s.penalty,
        "discount": s.discount,
        "surcharge": s.surcharge,
        "amount": s.amount,
        "amount_text": format_brl(s.amount),
        "partial": s.partial,
        "remainder_invoice_number": rest.number if rest is not None else None,
        "justification": s.justification,
        "reversed": s.reversed,
        "reversed_on": s.reversed_on,
    }


# --- kernel actions ----------------------------------------------------------------------------------

CASH_ACCOUNTS_CHOICES = "receivables.cash_accounts"
OLDER_OPEN = "fatura.vencimento_anterior_em_aberto"


@choice_provider(CASH_ACCOUNTS_CHOICES)
def _cash_account_choices(runtime, session: Session, user) -> Choices:
    """The bank/cash accounts of the user's company (`core.choices`), preselecting the one whose
    code is `[plugins.receivables] bank_account_code`."""
    company_id = getattr(user, "company_id", None)
    accounts = cash_accounts(session, company_id)
    code = settings_of(runtime).bank_account_code
    default = next((str(a.id) for a in accounts if code and a.code == code), None)
    return Choices([(str(a.id), account_label(a, with_company=company_id is None)) for a in accounts], default)


def _warn_older_open(ctx, records, params):
    """The manual's advertência (not a refusal) before settling: older open invoices of the customer."""
    selected = [inv.id for inv in records]
    out = []
    for inv in records:
        text = older_open_invoices_warning(ctx.session, inv, exclude=selected)
        if text:
            out.append(Advice(inv.id, OLDER_OPEN, text))
    return out


class SettleParams(BaseModel):
    """The "Liquidação avulsa de faturas" dialog."""

    model_config = ConfigDict(extra="ignore")
    method: Literal["profile_aguardando_conciliacao", "outros"] = Field(
        title="Método de pagamento", json_schema_extra={"labels": METHOD_LABELS})
    paid_on: date = Field(title="Data de liquidação")
    amount: Optional[Decimal] = Field(default=None, title="Valor de liquidação", gt=0,
                                      description="Vazio: o total da fatura (com juros, multa e descontos).")
    bank_account_id: Optional[int] = Field(default=None, title="Profile de pagamento (conta banco)",
                                           json_schema_extra={"choices": CASH_ACCOUNTS_CHOICES})


class ReverseParams(BaseModel):
    """The "Estorno de Faturas" dialog (the justification is the kernel's `justification`)."""

    model_config = ConfigDict(extra="ignore")
    on: date = Field(title="Data evento")
    bank_account_id: Optional[int] = Field(default=None, title="Conta cofre/caixa/banco",
                                           json_schema_extra={"choices": CASH_ACCOUNTS_CHOICES})


def _check_settle(ctx, records, params):
    out = []
    for inv in records:
        found = settle_blockers(ctx.session, inv)
        paid_on = getattr(params, "paid_on", None)
        # a preview may come before the dialog is filled in: ask the plugins once the date is known
        if not found and ctx.runtime is not None and isinstance(paid_on, date):
            breakdown = interest_for(ctx.runtime, inv, paid_on)
            proposal = ProposedSettlement(paid_on, getattr(params, "amount", None), getattr(params, "method", None),
                                          breakdown)
            found = _review(ctx.runtime, inv, proposal, ctx).blockers
        out.extend(found)
    return out


def _run_settle(ctx, records, params):
    if params.amount is not None and len(records) > 1:
        raise ValidationError(_("Informe o valor de liquidação somente ao liquidar uma fatura por vez."), field="amount")
    for inv in records:
        settle_invoice(ctx.session, inv, paid_on=params.paid_on, amount=params.amount, method=params.method,
                       bank_account_id=params.bank_account_id, justification=ctx.justification, user=ctx.user,
                       runtime=ctx.runtime, ctx=ctx)


class SettlePartialParams(BaseModel):
    """The "Baixa parcial" dialog: amount received now, due date and note of the remainder invoice."""

    model_config = ConfigDict(extra="ignore")
    method: Literal["profile_aguardando_conciliacao", "outros"] = Field(
        default=METHOD_PROFILE, title="Método de pagamento", json_schema_extra={"labels": METHOD_LABELS})
    paid_on: date = Field(title="Data de liquidação")
    amount: Decimal = Field(title="Valor pago (R$)", gt=0,
                            description="Menor que o total da fatura; o restante vai para uma nova fatura.")
    new_due_date: date = Field(title="Nova data de vencimento", description="Vencimento da fatura do saldo.")
    bank_account_id: Optional[int] = Field(default=None, title="Conta banco/caixa",
                                           json_schema_extra={"choices": CASH_ACCOUNTS_CHOICES})
    remainder_interest: Optional[Decimal] = Field(
        default=None, title="Juros em R$", ge=0,
        description="Juros na nova fatura; somente com o parâmetro “Juros/Multa na nova fatura” habilitado.")
    note: Optional[str] = Field(default=None, title="Observação", max_length=200,
                                json_schema_extra={"widget": "textarea"})


def _check_partial(ctx, records, params):
    if len(records) > 1:
        return [Blocker(inv.id, "baixa_parcial.uma_fatura",
                        _("A baixa parcial é feita em uma fatura por vez: selecione somente uma fatura."))
                for inv in records]
    out = []
    for inv in records:
        found = settle_blockers(ctx.session, inv)
        paid_on = getattr(params, "paid_on", None)
        if not found and ctx.runtime is not None and isinstance(paid_on, date):
            proposal = ProposedSettlement(paid_on, getattr(params, "amount", None), getattr(params, "method", None),
                                          None, partial=True)
            found = _review(ctx.runtime, inv, proposal, ctx).blockers
        out.extend(found)
    return out


def _run_partial(ctx, records, params):
    if len(records) != 1:
        raise ValidationError(_("A baixa parcial é feita em uma fatura por vez: selecione somente uma fatura."),
                              field="ids")
    settle_partial(ctx.session, records[0], paid_on=params.paid_on, amount=params.amount,
                   new_due_date=params.new_due_date, note=params.note, remainder_interest=params.remainder_interest,
                   method=params.method, bank_account_id=params.bank_account_id, justification=ctx.justification,
                   user=ctx.user, runtime=ctx.runtime, ctx=ctx)


def _check_reverse(ctx, records, params):
    out = []
    for inv in records:
        out.extend(reverse_blockers(ctx.session, inv, getattr(params, "on", None)))
    return out


def _run_reverse(ctx, records, params):
    for inv in records:
        s = active_settlement(ctx.session, inv.id)
        reverse_settlement(ctx.session, s, on=params.on, justification=ctx.justification or "",
                           bank_account_id=params.bank_account_id, user=ctx.user, runtime=ctx.runtime, ctx=ctx)


ACTIONS = (
    Action("receivables.invoice.settle", "Liquidação avulsa de faturas", Invoice, PERM_SETTLE, _run_settle,
           SettleParams, check=_check_settle, warn=_warn_older_open,
           description="Liquida as faturas selecionadas (valor menor: conta de desconto; maior: conta de acréscimo)."),
    Action("receivables.invoice.settle_partial", "Baixa parcial", Invoice, PERM_SETTLE, _run_partial,
           SettlePartialParams, check=_check_partial, warn=_warn_older_open,
           description="Liquida parte da fatura; uma nova fatura com o valor restante é gerada com o novo "
                       "vencimento e a observação."),
    Action("receivables.invoice.reverse", "Estorno de Faturas", Invoice, PERM_REVERSE, _run_reverse, ReverseParams,
           check=_check_reverse,
           description="Estorna a liquidação da fatura; o lançamento do estorno fica com a data do evento."),
)
