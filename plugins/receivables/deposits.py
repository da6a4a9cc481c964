"""Unidentified deposits (depósitos não identificados) and paying invoices with them.

Manual ("Depósitos não Identificados", Baixa de faturas): the operator picks a deposit from the
list next to the invoice; the deposit is "cancelled" (used) because the settlement makes a new
posting. A deposit larger than the invoice leaves a new unidentified deposit with the rest,
usable in other settlements; a smaller one is treated like a partial settlement (a new invoice
with the remainder, with the origin invoice's data). The account that classifies them is the
global parameter "Conta para depósito não identificado" — here `[plugins.receivables]
unidentified_deposit_account_code` (code in each company's chart).

Services (take the caller's `Session`, never commit, refuse in pt-BR naming the field):

- `register_deposit(session, *, company_id, deposited_on, amount, account, description, document,
  user, runtime)` — posts D bank/cash (`account`: id or code) / C deposit account on `deposited_on`
  (protection date respected);
- `cancel_deposit(session, deposit, *, on, justification, user, runtime)` — an open deposit only:
  its entry is reversed on `on` (a rest deposit, which has no entry of its own, gets D deposit
  account / C bank); refused when used or already cancelled;
- `list_deposits(session, company_id=None, status=None)`, `open_deposits(session, company_id)`;
- `settle_with_deposit(session, invoice, deposit, *, paid_on=None, new_due_date=None, …)` — the
  deposit pays the invoice through `settlement.settle_invoice` / `settle_partial` with method
  "deposito_nao_identificado" and the deposit account as the debit (D deposit account /
  C clientes, plus the usual interest/discount lines). Due = the full-settlement default amount
  (total + interest + penalty − discounts + `before_settle` adjustments) on `paid_on` (default: the
  deposit's date):
    deposit == due ⇒ settled;
    deposit >  due ⇒ settled with the due amount + a new open deposit with the rest
                     (`origin_deposit_id` = the original, which becomes "utilizado");
    deposit <  invoice total ⇒ partial settlement: a new invoice with the remainder, due on the
                     origin invoice's due date (or `new_due_date`; never before `paid_on`);
    invoice total <= deposit < due ⇒ settled with the deposit amount, the missing charges become
                     a discount (as in "Liquidação avulsa" with a lower value) and a warning says so.
  The deposit row is locked (`FOR UPDATE`) and its status checked in the same transaction: of two
  operators using one deposit at once, one wins and the other gets "O depósito não identificado
  N já foi utilizado…".
- `reversal_blockers` / `restore_after_reversal` — called by `settlement.reverse_settlement` for
  this method: the deposit is open again and its rest (unused) cancelled; a rest already used or
  cancelled refuses the reversal.

Ledger balance rule: the deposit account's credit balance equals the sum of the open deposits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actions import Action, ActionContext, Blocker
from core.errors import ValidationError
from core.i18n import _
from core.ledger.models import Account
from core.ledger.services import LineSpec, check_protection, post_entry, reverse_entry
from core.model import utcnow
from core.money import ZERO, format_brl
from core.db import get_or_not_found
from plugins.receivables.deposit_models import (DEPOSIT_CANCELLED, DEPOSIT_OPEN, DEPOSIT_STATUSES, DEPOSIT_USED,
                                                UnidentifiedDeposit)
from plugins.receivables.models import Invoice
from plugins.receivables.settings import settings_of
from plugins.receivables.settlement_models import METHOD_DEPOSIT, Settlement
from plugins.receivables.settlement import _check_date, _fmt

AUDIT_KIND = "receivables_unidentified_deposit"
AUDIT_CREATE = "receivables.deposit.create"
AUDIT_CANCEL = "receivables.deposit.cancel"
AUDIT_USE = "receivables.deposit.use"
AUDIT_RESTORE = "receivables.deposit.restore"
PERM_DEPOSITS = "receivables.deposit.manage"
PERMISSIONS = {PERM_DEPOSITS: ("Lançar e cancelar depósitos não identificados", "Faturas a receber")}
STATUS_LABELS = dict(DEPOSIT_STATUSES)
SETTING = "unidentified_deposit_account_code"


@dataclass
class DepositSettlementOutcome:
    """What `settle_with_deposit` did: the settlement, the remainder invoice of a partial one,
    the new deposit with the rest of a larger one, and warnings for the operator."""

    settlement: Settlement
    deposit: UnidentifiedDeposit
    rest_deposit: UnidentifiedDeposit | None = None
    remainder_invoice: Invoice | None = None
    warnings: list[str] = field(default_factory=list)


def deposit_account(session: Session, company_id: int, runtime) -> Account:
    """The company's "Conta para depósito não identificado" (by the configured code)."""
    from plugins.receivables.settlement import _account

    return _account(session, company_id, SETTING, settings_of(runtime).unidentified_deposit_account_code,
                    _("depósito não identificado"))


def _bank(session: Session, company_id: int, account) -> Account:
    """The bank/cash account the money reached: an id, or a code of the company's chart."""
    from plugins.receivables.settlement import _bank_account

    if isinstance(account, str) and account.strip() and not account.strip().isdigit():
        code = account.strip()
        found = session.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == code))
        if found is None:
            raise ValidationError(_("Conta banco/caixa {code} não encontrada no plano de contas desta empresa.")
                                  .format(code=code), field="account")
        account = found
    return _bank_account(session, company_id, account, field_name="account")


def _amount(value) -> Decimal:
    from plugins.receivables.settlement import _money

    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_("Informe o valor do depósito."), field="amount")
    amount = _money(value, _("Valor do depósito"), "amount")
    if amount <= 0:
        raise ValidationError(_("O valor do depósito deve ser maior que zero."), field="amount")
    return amount


# --- register / cancel ---------------------------------------------------------------------------

def register_deposit(session: Session, *, company_id: int, deposited_on: date, amount, account, description: str,
                     document: str | None = None, user=None, runtime=None) -> UnidentifiedDeposit:
    """Register an unidentified deposit and post D bank/cash / C deposit account on its date."""
    from core.models.company import Company

    if runtime is None:
        raise ValueError("register_deposit: informe o runtime (configurações)")
    if not company_id or session.get(Company, int(company_id)) is None:
        raise ValidationError(_("Empresa {id} não encontrada.").format(id=company_id), field="company_id")
    company_id = int(company_id)
    deposited_on = _check_date(deposited_on, "deposited_on", _("data do depósito"))
    value = _amount(amount)
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Informe o histórico do depósito (descrição do extrato bancário)."),
                              field="description")
    if len(description) > 250:
        raise ValidationError(_("O histórico do depósito tem mais de 250 caracteres."), field="description")
    document = (document or "").strip() or None
    if document is not None and len(document) > 60:
        raise ValidationError(_("O documento do depósito tem mais de 60 caracteres."), field="document")
    bank = _bank(session, company_id, account)
    check_protection(session, company_id, deposited_on, field="deposited_on")
    credit = deposit_account(session, company_id, runtime)
    deposit = UnidentifiedDeposit(company_id=company_id, deposited_on=deposited_on, amount=value, account_id=bank.id,
                                  description=description, document=document, status=DEPOSIT_OPEN,
                                  user_id=getattr(user, "id", None))
    session.add(deposit)
    session.flush()
    memo = (document or description)[:200]
    entry = post_entry(session, company_id=company_id, date=deposited_on,
                       description=_("Depósito não identificado {id}: {text}").format(id=deposit.id,
                                                                                      text=description)[:255],
                       lines=[LineSpec.dr(bank.id, value, memo=memo), LineSpec.cr(credit.id, value, memo=memo)],
                       user=user, origin_kind=AUDIT_KIND, origin_id=deposit.id,
                       origin=_("Depósito não identificado {id}").format(id=deposit.id))
    deposit.entry_id = entry.id
    session.flush()
    audit.record(session, action=AUDIT_CREATE, target_kind=AUDIT_KIND, target_id=deposit.id, user=user,
                 after=audit.snapshot(deposit), company_id=company_id)
    return deposit


def _lock(session: Session, deposit: UnidentifiedDeposit | int) -> UnidentifiedDeposit:
    """The deposit, re-read with a row lock (PostgreSQL: a concurrent user waits, then sees its status)."""
    deposit_id = deposit if isinstance(deposit, int) else deposit.id
    session.flush()
    found = session.scalars(select(UnidentifiedDeposit).where(UnidentifiedDeposit.id == deposit_id)
                            .with_for_update().execution_options(populate_existing=True)).first()
    if found is None:
        raise ValidationError(_("Depósito não identificado {id} não encontrado.").format(id=deposit_id),
                              field="deposit_id")
    return found


def _used_message(session: Session, deposit: UnidentifiedDeposit) -> str:
    s = session.get(Settlement, deposit.settlement_id) if deposit.settlement_id else None
    inv = session.get(Invoice, s.invoice_id) if s is not None else None
    if inv is None:
        return _("O depósito não identificado {id} já foi utilizado.").format(id=deposit.id)
    return _("O depósito não identificado {id} já foi utilizado na liquidação da fatura {n}.") \
        .format(id=deposit.id, n=inv.number)


def cancel_deposit(session: Session, deposit: UnidentifiedDeposit | int, *, on: date, justification: str,
                   user=None, runtime=None) -> UnidentifiedDeposit:
    """Cancel an open deposit on `on`: its entry is reversed (a rest deposit: D deposit account /
    C bank for its amount). Refused when used (reverse the settlement first) or already cancelled."""
    if runtime is None:
        raise ValueError("cancel_deposit: informe o runtime (configurações)")
    on = _check_date(on, "on", _("data do cancelamento"))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(_("Justifique o cancelamento do depósito não identificado."), field="justification")
    deposit = _lock(session, deposit)
    if deposit.status == DEPOSIT_USED:
        raise ValidationError(_used_message(session, deposit) + " " +
                              _("Estorne a liquidação antes de cancelar o depósito."), field="deposit_id")
    if deposit.status == DEPOSIT_CANCELLED:
        raise ValidationError(_("O depósito não identificado {id} já está cancelado.").format(id=deposit.id),
                              field="deposit_id")
    if on < deposit.deposited_on:
        raise ValidationError(_("A data do cancelamento ({on}) não pode ser anterior à data do depósito ({d}).")
                              .format(on=_fmt(on), d=_fmt(deposit.deposited_on)), field="on")
    check_protection(session, deposit.company_id, on, field="on")
    before = audit.snapshot(deposit)
    if deposit.entry_id is not None:
        entry = reverse_entry(session, deposit.entry_id, on=on, user=user, reason=justification)
    else:  # the rest of a larger deposit: take its amount out of the deposit account
        debit = deposit_account(session, deposit.company_id, runtime)
        entry = post_entry(session, company_id=deposit.company_id, date=on,
                           description=_("Cancelamento do depósito não identificado {id}: {text}")
                           .format(id=deposit.id, text=deposit.description)[:255],
                           lines=[LineSpec.dr(debit.id, deposit.amount), LineSpec.cr(deposit.account_id, deposit.amount)],
                           user=user, origin_kind=AUDIT_KIND, origin_id=deposit.id,
                           origin=_("Depósito não identificado {id}").format(id=deposit.id))
    deposit.cancel_entry_id = entry.id
    _mark_cancelled(session, deposit, on=on, user=user, justification=justification, before=before)
    return deposit


def _mark_cancelled(session: Session, deposit: UnidentifiedDeposit, *, on: date, user, justification: str,
                    before: dict) -> None:
    """The deposit becomes "cancelado" (on, when, by whom, why), audited against `before`."""
    deposit.status = DEPOSIT_CANCELLED
    deposit.cancelled_on = on
    deposit.cancelled_at = utcnow()
    deposit.cancelled_by_id = getattr(user, "id", None)
    deposit.cancel_justification = justification
    session.flush()
    audit.record(session, action=AUDIT_CANCEL, target_kind=AUDIT_KIND, target_id=deposit.id, user=user,
                 before=before, after=audit.snapshot(deposit), justification=justification,
                 company_id=deposit.company_id)


# --- queries -------------------------------------------------------------------------------------

def list_deposits(session: Session, company_id: int | None = None, status: str | None = None,
                  limit: int | None = None) -> list[UnidentifiedDeposit]:
    """Deposits, newest first (by date, then id); optionally of one company / one status."""
    if status is not None and status not in STATUS_LABELS:
        raise ValidationError(_("Situação inválida: \"{s}\". Use aberto, utilizado ou cancelado.").format(s=status),
                              field="status")
    q = select(UnidentifiedDeposit)
    if company_id is not None:
        q = q.where(UnidentifiedDeposit.company_id == company_id)
    if status is not None:
        q = q.where(UnidentifiedDeposit.status == status)
    q = q.order_by(UnidentifiedDeposit.deposited_on.desc(), UnidentifiedDeposit.id.desc())
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


def open_deposits(session: Session, company_id: int) -> list[UnidentifiedDeposit]:
    """The company's open deposits, oldest first (the list the operator picks from)."""
    return list(session.scalars(select(UnidentifiedDeposit)
                                .where(UnidentifiedDeposit.company_id == company_id,
                                       UnidentifiedDeposit.status == DEPOSIT_OPEN)
                                .order_by(UnidentifiedDeposit.deposited_on, UnidentifiedDeposit.id)))


def deposit_label(d: UnidentifiedDeposit) -> str:
    """'Nº 12 — 05/12/2026 — R$ 150,00 — PIX JOSE…' (what the operator recognises)."""
    return f"Nº {d.id} — {_fmt(d.deposited_on)} — {format_brl(d.amount)} — {d.description}"


def deposit_as_dict(session: Session, d: UnidentifiedDeposit) -> dict:
    """JSON-safe view of a deposit (CLI `--json`, page rows)."""
    return deposits_as_dicts(session, [d])[0]


def deposits_as_dicts(session: Session, deposits: list[UnidentifiedDeposit]) -> list[dict]:
    """`deposit_as_dict` of many deposits: one query for their accounts, one for the invoice numbers."""
    account_ids = {d.account_id for d in deposits}
    accounts = ({a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}
                if account_ids else {})
    settlement_ids = {d.settlement_id for d in deposits if d.settlement_id}
    numbers = dict(session.execute(select(Settlement.id, Invoice.number)
                                   .join(Invoice, Invoice.id == Settlement.invoice_id)
                                   .where(Settlement.id.in_(settlement_ids))).all()) if settlement_ids else {}
    return [_as_dict(d, accounts.get(d.account_id), numbers.get(d.settlement_id)) for d in deposits]


def _as_dict(d: UnidentifiedDeposit, bank: Account | None, invoice_number: int | None) -> dict:
    return {"id": d.id, "company_id": d.company_id, "deposited_on": d.deposited_on.isoformat(),
            "amount": str(d.amount), "account": f"{bank.code} - {bank.name}" if bank is not None else None,
            "description": d.description, "document": d.document, "status": d.status,
            "status_label": STATUS_LABELS.get(d.status, d.status), "origin_deposit_id": d.origin_deposit_id,
            "settlement_id": d.settlement_id, "invoice_number": invoice_number,
            "cancelled_on": d.cancelled_on.isoformat() if d.cancelled_on else None}


# --- paying an invoice ---------------------------------------------------------------------------

def deposit_blockers(session: Session, invoice: Invoice, deposit: UnidentifiedDeposit | None,
                     deposit_id: int | None = None) -> list[Blocker]:
    """Why `deposit` cannot pay `invoice` (status, company)."""
    if deposit is None:
        return [Blocker(invoice.id, "deposito.nao_encontrado",
                        _("Depósito não identificado {id} não encontrado.").format(id=deposit_id))]
    if deposit.status == DEPOSIT_USED:
        return [Blocker(invoice.id, "deposito.utilizado", _used_message(session, deposit))]
    if deposit.status == DEPOSIT_CANCELLED:
        return [Blocker(invoice.id, "deposito.cancelado",
                        _("O depósito não identificado {id} está cancelado.").format(id=deposit.id))]
    if deposit.company_id != invoice.company_id:
        return [Blocker(invoice.id, "deposito.outra_empresa",
                        _("O depósito não identificado {id} é de outra empresa; a fatura {n} não pode ser "
                          "liquidada com ele.").format(id=deposit.id, n=invoice.number))]
    return []


def settle_with_deposit(session: Session, invoice: Invoice, deposit: UnidentifiedDeposit | int, *,
                        paid_on: date | None = None, new_due_date: date | None = None, note: str | None = None,
                        justification: str | None = None, user=None, runtime=None,
                        ctx: ActionContext | None = None) -> DepositSettlementOutcome:
    """Pay `invoice` with an unidentified deposit (see the module docstring)."""
    from plugins.receivables.settlement import (SettlementRefused, _ctx, amount_due, settle_blockers, settle_invoice,
                                                settle_partial)

    if runtime is None:
        raise ValueError("settle_with_deposit: informe o runtime (hooks e configurações)")
    # Locks in the same order as reverse_settlement (invoice, then deposits): no deadlock between them.
    session.flush()
    session.refresh(invoice, with_for_update=True)
    deposit = _lock(session, deposit)
    found = deposit_blockers(session, invoice, deposit)
    if found:
        raise SettlementRefused(found)
    blockers = settle_blockers(session, invoice)
    if blockers:
        raise SettlementRefused(blockers)
    paid_on = deposit.deposited_on if paid_on is None else _check_date(paid_on, "paid_on", _("data de liquidação"))
    if paid_on < deposit.deposited_on:
        raise ValidationError(_("A data de liquidação ({p}) não pode ser anterior à data do depósito ({d}).")
                              .format(p=_fmt(paid_on), d=_fmt(deposit.deposited_on)), field="paid_on")
    debit = deposit_account(session, invoice.company_id, runtime)
    ctx = ctx or _ctx(session, user, runtime, invoice.company_id, justification)
    text = (justification or "").strip() or _("Depósito não identificado {id}").format(id=deposit.id)
    common = dict(paid_on=paid_on, method=METHOD_DEPOSIT, debit_account=debit, justification=text, user=user,
                  runtime=runtime, ctx=ctx)
    due = amount_due(invoice, paid_on=paid_on, runtime=runtime, ctx=ctx, method=METHOD_DEPOSIT,
                     received=deposit.amount)
    warnings: list[str] = []
    rest = remainder_invoice = None
    if deposit.amount < invoice.total:
        new_due = new_due_date if new_due_date is not None else max(invoice.due_date, paid_on)
        outcome = settle_partial(session, invoice, amount=deposit.amount, new_due_date=new_due, note=note, **common)
        remainder_invoice = outcome.remainder_invoice
    else:
        amount = None if deposit.amount >= due else deposit.amount
        outcome = settle_invoice(session, invoice, amount=amount, **common)
        if amount is not None:
            warnings.append(_("O depósito não identificado {id} ({v}) cobre o valor da fatura {n}, mas não todos os "
                              "encargos (devido {due}); a diferença de {d} foi lançada como desconto.")
                            .format(id=deposit.id, v=format_brl(deposit.amount), n=invoice.number,
                                    due=format_brl(due), d=format_brl(due - deposit.amount)))
    settlement = outcome.settlement
    warnings = list(outcome.warnings) + warnings
    before = audit.snapshot(deposit)
    left = deposit.amount - settlement.amount
    if left > ZERO:
        rest = UnidentifiedDeposit(
            company_id=deposit.company_id, deposited_on=deposit.deposited_on, amount=left,
            account_id=deposit.account_id, document=deposit.document, status=DEPOSIT_OPEN,
            description=_("Restante do depósito {id}: {text}").format(id=deposit.id, text=deposit.description)[:250],
            origin_deposit_id=deposit.id, origin_settlement_id=settlement.id, user_id=getattr(user, "id", None))
        session.add(rest)
    deposit.status = DEPOSIT_USED
    deposit.settlement_id = settlement.id
    deposit.used_at = utcnow()
    session.flush()
    audit.record(session, action=AUDIT_USE, target_kind=AUDIT_KIND, target_id=deposit.id, user=user,
                 before=before, after={**audit.snapshot(deposit), "invoice_number": invoice.number,
                                       "rest_deposit_id": rest.id if rest is not None else None},
                 justification=text, company_id=deposit.company_id)
    if rest is not None:
        audit.record(session, action=AUDIT_CREATE, target_kind=AUDIT_KIND, target_id=rest.id, user=user,
                     after=audit.snapshot(rest), company_id=rest.company_id)
    return DepositSettlementOutcome(settlement, deposit, rest, remainder_invoice, warnings)


# --- reversal of a settlement paid with a deposit ------------------------------------------------

def _used_by(session: Session, settlement: Settlement) -> tuple[UnidentifiedDeposit | None, UnidentifiedDeposit | None]:
    """(the deposit the settlement used, the rest deposit it left)."""
    used = session.scalars(select(UnidentifiedDeposit).where(UnidentifiedDeposit.settlement_id == settlement.id)
                           .order_by(UnidentifiedDeposit.id).limit(1)).first()
    rest = session.scalars(select(UnidentifiedDeposit)
                           .where(UnidentifiedDeposit.origin_settlement_id == settlement.id)
                           .order_by(UnidentifiedDeposit.id).limit(1)).first()
    return used, rest


def _rest_blockers(session: Session, invoice: Invoice, used: UnidentifiedDeposit | None,
                   rest: UnidentifiedDeposit | None) -> list[Blocker]:
    if rest is None or rest.status == DEPOSIT_OPEN:
        return []
    origin = used.id if used is not None else rest.origin_deposit_id
    if rest.status == DEPOSIT_USED:
        return [Blocker(invoice.id, "estorno.deposito_restante_utilizado",
                        _("O depósito não identificado {r}, com o restante do depósito {d}, já foi utilizado; "
                          "estorne antes a liquidação que o utilizou.").format(r=rest.id, d=origin)
                        + " " + _used_message(session, rest))]
    return [Blocker(invoice.id, "estorno.deposito_restante_cancelado",
                    _("O depósito não identificado {r}, com o restante do depósito {d}, foi cancelado; não é possível "
                      "restaurar o depósito {d}.").format(r=rest.id, d=origin))]


def reversal_blockers(session: Session, invoice: Invoice, settlement: Settlement) -> list[Blocker]:
    """Why a settlement paid with a deposit cannot be reversed (its rest deposit moved on)."""
    used, rest = _used_by(session, settlement)
    return _rest_blockers(session, invoice, used, rest)


def restore_after_reversal(session: Session, settlement: Settlement, *, on: date, user=None,
                           justification: str | None = None) -> UnidentifiedDeposit | None:
    """Inside `reverse_settlement`: the used deposit is open again; its rest (still open) is cancelled
    without an entry (the reversal's credit to the deposit account restores the whole amount)."""
    from plugins.receivables.settlement import SettlementRefused

    used, rest = _used_by(session, settlement)
    used = _lock(session, used) if used is not None else None
    rest = _lock(session, rest) if rest is not None else None
    invoice = session.get(Invoice, settlement.invoice_id)
    found = _rest_blockers(session, invoice, used, rest)
    if found:
        raise SettlementRefused(found)
    why = _("Estorno da liquidação {id} da fatura {n}: {j}").format(id=settlement.id, n=invoice.number,
                                                                    j=justification or "")
    if rest is not None:
        _mark_cancelled(session, rest, on=on, user=user, justification=why, before=audit.snapshot(rest))
    if used is None:
        return None
    before = audit.snapshot(used)
    used.status = DEPOSIT_OPEN
    used.settlement_id = None
    used.used_at = None
    session.flush()
    audit.record(session, action=AUDIT_RESTORE, target_kind=AUDIT_KIND, target_id=used.id, user=user,
                 before=before, after=audit.snapshot(used), justification=why, company_id=used.company_id)
    return used


# --- kernel actions ------------------------------------------------------------------------------

class DepositSettleParams(BaseModel):
    """The "Liquidar com depósito não identificado" dialog."""

    model_config = ConfigDict(extra="ignore")
    deposit_id: int = Field(title="Depósito não identificado",
                            description="Depósito em aberto da empresa da fatura (nº, data, valor, histórico).",
                            json_schema_extra={"choices": "receivables.open_deposits"})
    paid_on: Optional[date] = Field(default=None, title="Data de liquidação",
                                    description="Vazio: a data do depósito.")
    new_due_date: Optional[date] = Field(
        default=None, title="Vencimento da nova fatura (depósito menor)",
        description="Só quando o depósito é menor que a fatura; vazio: o vencimento da fatura de origem.")


class CancelDepositParams(BaseModel):
    """The "Cancelar depósito não identificado" dialog (the justification is the kernel's)."""

    model_config = ConfigDict(extra="ignore")
    on: date = Field(title="Data do cancelamento")


def _deposit_for(ctx, params) -> UnidentifiedDeposit | None:
    deposit_id = getattr(params, "deposit_id", None)
    return ctx.session.get(UnidentifiedDeposit, deposit_id) if deposit_id else None


def _check_settle_with_deposit(ctx, records, params):
    from plugins.receivables.settlement import settle_blockers

    out = []
    deposit_id = getattr(params, "deposit_id", None)
    deposit = _deposit_for(ctx, params)
    for inv in records:
        found = settle_blockers(ctx.session, inv)
        if deposit_id:
            found += deposit_blockers(ctx.session, inv, deposit, deposit_id)
        out.extend(found)
    return out


def _warn_settle_with_deposit(ctx, records, params):
    """What the deposit will do to each invoice (shown in the dialog's preview before running)."""
    from core.actions import Advice
    from plugins.receivables.settlement import amount_due

    deposit = _deposit_for(ctx, params)
    out = []
    for inv in records:
        if deposit is None or deposit_blockers(ctx.session, inv, deposit):
            continue
        paid_on = getattr(params, "paid_on", None) or deposit.deposited_on
        try:
            due = amount_due(inv, paid_on=paid_on, runtime=ctx.runtime, ctx=ctx, method=METHOD_DEPOSIT,
                             received=deposit.amount)
        except ValidationError:
            continue  # the blockers (or the run) say why
        v = format_brl(deposit.amount)
        if deposit.amount < inv.total:
            out.append(Advice(inv.id, "deposito.menor", _(
                "O depósito {id} ({v}) é menor que a fatura {n} ({t}): baixa parcial; o saldo de {r} irá para uma "
                "nova fatura.").format(id=deposit.id, v=v, n=inv.number, t=format_brl(inv.total),
                                       r=format_brl(inv.total - deposit.amount))))
        elif deposit.amount > due:
            out.append(Advice(inv.id, "deposito.maior", _(
                "O depósito {id} ({v}) é maior que o devido da fatura {n} ({due}): o restante de {r} ficará como "
                "um novo depósito não identificado.").format(id=deposit.id, v=v, n=inv.number, due=format_brl(due),
                                                             r=format_brl(deposit.amount - due))))
        elif deposit.amount < due:
            out.append(Advice(inv.id, "deposito.sem_encargos", _(
                "O depósito {id} ({v}) cobre o valor da fatura {n}, mas não todos os encargos (devido {due}); a "
                "diferença de {d} será lançada como desconto.").format(id=deposit.id, v=v, n=inv.number,
                                                                      due=format_brl(due),
                                                                      d=format_brl(due - deposit.amount))))
    return out


def _run_settle_with_deposit(ctx, records, params):
    if len(records) > 1:
        raise ValidationError(_("Liquide uma fatura por vez com um depósito não identificado."), field="ids")
    for inv in records:
        settle_with_deposit(ctx.session, inv, params.deposit_id, paid_on=params.paid_on,
                            new_due_date=params.new_due_date, justification=ctx.justification, user=ctx.user,
                            runtime=ctx.runtime, ctx=ctx)


def _check_cancel(ctx, records, params):
    out = []
    for d in records:
        if d.status == DEPOSIT_USED:
            out.append(Blocker(d.id, "deposito.utilizado", _used_message(ctx.session, d)))
        elif d.status == DEPOSIT_CANCELLED:
            out.append(Blocker(d.id, "deposito.cancelado",
                               _("O depósito não identificado {id} já está cancelado.").format(id=d.id)))
    return out


def _run_cancel(ctx, records, params):
    for d in records:
        cancel_deposit(ctx.session, d, on=params.on, justification=ctx.justification or "", user=ctx.user,
                       runtime=ctx.runtime)


def open_deposits_text(session: Session, company_id: int) -> str:
    """The open deposits of a company, one per line (the dialog's list)."""
    rows = open_deposits(session, company_id)
    if not rows:
        return _("Nenhum depósito não identificado em aberto nesta empresa.")
    return "\n".join(deposit_label(d) for d in rows)


def _settle_action():
    from plugins.receivables.settlement import PERM_SETTLE

    return Action("receivables.invoice.settle_with_deposit", "Liquidar com depósito não identificado", Invoice,
                  PERM_SETTLE, _run_settle_with_deposit, DepositSettleParams, check=_check_settle_with_deposit,
                  warn=_warn_settle_with_deposit,
                  description="Liquida a fatura com um depósito não identificado em aberto (maior: o restante vira "
                              "um novo depósito; menor: baixa parcial com nova fatura do saldo, com os dados da "
                              "fatura de origem). Lista completa em Contas a receber › Depósitos não identificados.")


def actions() -> tuple[Action, ...]:
    return (
        _settle_action(),
        Action("receivables.deposit.cancel", "Cancelar depósito não identificado", UnidentifiedDeposit, PERM_DEPOSITS,
               _run_cancel, CancelDepositParams, check=_check_cancel,
               description="Cancela o depósito em aberto; o lançamento é estornado na data informada."),
    )


def get_deposit(session: Session, deposit_id: int) -> UnidentifiedDeposit:
    return get_or_not_found(session, UnidentifiedDeposit, deposit_id,
                            _("Depósito não identificado {id} não encontrado.").format(id=deposit_id))
