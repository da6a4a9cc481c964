"""Unbilled charges tools (painel do cliente → "Contas a Receber não faturadas").

Services (take the caller's `Session`, never commit, raise `core.errors.ValidationError` in
pt-BR) and the kernel actions that run them on the rows the operator checked:

- `insert_manual_charges` — "Inserir conta" avulsa: description, value, due date, reference
  period, installment, chart-of-accounts reference, plus N replications every `interval_days`
  (replication k is due k × interval days later, its reference period shifted alike, installment
  + k). Action `receivables.charge.insert` targets the PARTY (the button passes the panel's party).
- `edit_charge` — "Editar conta": only the fields given change.
- `remove_charge` — "Remover conta": status "removida" (the row stays for history and audit).
- `suspend_charge` / `cancel_charge_suspension` — status "suspensa" ⇄ "aberta"; suspending asks a
  reason of kind `suspensao_conta` (master data "Motivos").
- `invoice_charges` — "Faturar contas": `uma_por_conta` (one invoice per charge) or
  `todas_em_uma` (every selected charge in one invoice). Field-locking rule of the manual: the
  due date and description are locked (they come from the charge/contract) unless several
  charges are invoiced together in one invoice; filling a locked field is refused. Invoices are
  issued through `invoicing.issue_invoices` (gapless numbers, same transaction), dated today,
  ignoring the minimum amount (the operator asked for them), and `on_invoice_created` is called.

Refusals are one function per tool (`refuse_*`, None = allowed) with the manual's messages, "X"
being the charge's number (its id). The same functions are the actions' own blockers; other
plugins add theirs (e.g. reconciliation's "ERRO! Essa conta está associada a movimento bancário
já conciliado.") through the kernel's `action_blockers` hook.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actions import Action, Blocker, NoParams
from core.errors import NotFound, ValidationError
from core.i18n import _
from core.money import round_money, to_cents
from core.db import get_or_not_found
from plugins.receivables.models import (CHARGE_INVOICED, CHARGE_OPEN, CHARGE_REMOVED, CHARGE_SETTLED,
                                        CHARGE_SUSPENDED, ORIGIN_MANUAL, Charge, Contract)
from plugins.receivables.settlement import CASH_ACCOUNTS_CHOICES  # the same list as "Liquidar"
from plugins.receivables.settlement_models import SETTLEMENT_METHODS

REASON_CHARGE_SUSPENSION = "suspensao_conta"
REASON_KINDS = {REASON_CHARGE_SUSPENSION: "Suspensão de conta"}

PERM_CHARGES = "receivables.charge.manage"
PERM_INVOICE = "receivables.charge.invoice"
PERMISSIONS = {
    PERM_CHARGES: ("Inserir, alterar, remover e suspender contas não faturadas", "Contas a receber"),
    PERM_INVOICE: ("Faturar contas manualmente", "Contas a receber"),
}

METHOD_PER_CHARGE = "uma_por_conta"
METHOD_ONE_INVOICE = "todas_em_uma"
MAX_REPLICATIONS = 120
EDITABLE = ("amount", "description", "due_date", "period_start", "period_end", "installment",
            "revenue_account_id")


# --- refusals (None = allowed) ------------------------------------------------------------------

def refuse_suspend(ch: Charge) -> str | None:
    if ch.status == CHARGE_SETTLED:
        return _("A Conta {n} já está liquidada").format(n=ch.id)
    if ch.invoice_id is not None or ch.status == CHARGE_INVOICED:
        return _("Esta conta já faz parte de uma fatura")
    if ch.status == CHARGE_SUSPENDED:
        return _("A Conta {n} já está com o status de suspenso.").format(n=ch.id)
    if ch.status == CHARGE_REMOVED:
        return _("A Conta {n} foi removida.").format(n=ch.id)
    return None


def refuse_cancel_suspension(ch: Charge) -> str | None:
    if ch.status == CHARGE_SETTLED:
        return _("A Conta {n} já está liquidada").format(n=ch.id)
    if ch.status != CHARGE_SUSPENDED:
        return _("A Conta {n} não está mais suspensa").format(n=ch.id)
    return None


def refuse_remove(ch: Charge) -> str | None:
    if ch.status == CHARGE_SETTLED:
        return _("A Conta {n} já está liquidada").format(n=ch.id)
    if ch.invoice_id is not None or ch.status == CHARGE_INVOICED:
        return _("A Conta {n} faz parte de uma fatura").format(n=ch.id)
    if ch.status == CHARGE_REMOVED:
        return _("A Conta {n} já foi removida.").format(n=ch.id)
    return None


def refuse_edit(ch: Charge) -> str | None:
    if ch.status == CHARGE_SETTLED:
        return _("ERRO! Você não pode efetuar alterações em contas liquidadas.")
    if ch.status == CHARGE_REMOVED:
        return _("ERRO! Essa conta não pode mais sofrer nenhum tipo de alteração.")
    if ch.invoice_id is not None or ch.status == CHARGE_INVOICED:
        return _("ERRO! Essa conta participa de uma fatura. Confirme seu interesse.")
    return None


def refuse_invoice(ch: Charge) -> str | None:
    if ch.status == CHARGE_SETTLED:
        return _("A Conta {n} já está liquidada").format(n=ch.id)
    if ch.invoice_id is not None or ch.status == CHARGE_INVOICED:
        return _("Esta conta já faz parte de uma fatura")
    if ch.status == CHARGE_SUSPENDED:
        return _("A Conta {n} está suspensa; cancele a suspensão antes de faturar.").format(n=ch.id)
    if ch.status == CHARGE_REMOVED:
        return _("A Conta {n} foi removida.").format(n=ch.id)
    return None


def _require(refusal: str | None) -> None:
    if refusal:
        raise ValidationError(refusal)


# --- parameters ---------------------------------------------------------------------------------

class InsertParams(BaseModel):
    """Inserir conta avulsa (also the service's input)."""

    model_config = ConfigDict(extra="ignore")
    description: str = Field(title="Descrição da conta", min_length=1, max_length=200)
    amount: Decimal = Field(title="Valor")
    due_date: date = Field(title="Vencimento")
    period_start: Optional[date] = Field(default=None, title="Referência inicial")
    period_end: Optional[date] = Field(default=None, title="Referência final")
    installment: int = Field(default=1, ge=1, title="Parcela")
    revenue_account_id: Optional[int] = Field(default=None, title="Referência da unidade de plano de contas",
                                              description="Conta analítica do plano de contas (id).")
    replications: int = Field(default=0, ge=0, le=MAX_REPLICATIONS, title="Número de replicações",
                              description="Quantas contas a mais criar além desta.")
    interval_days: int = Field(default=30, ge=1, le=366, title="Intervalo (dias)",
                               description="Dias entre o vencimento de uma conta e o da seguinte.")
    company_id: Optional[int] = Field(default=None, title="Empresa",
                                      description="Vazio: a empresa do usuário ou a dos contratos do cliente.")
    settle_now: bool = Field(default=False, title="Liquidar agora",
                             description="Fatura a conta e liquida a fatura na mesma operação (com replicações: "
                                         "só a primeira conta).")
    settle_method: Literal["profile_aguardando_conciliacao", "outros"] = Field(
        default="profile_aguardando_conciliacao", title="Método de pagamento (liquidar agora)",
        json_schema_extra={"labels": dict(SETTLEMENT_METHODS)})
    settle_on: Optional[date] = Field(default=None, title="Data de liquidação (liquidar agora)",
                                      description="Vazio: hoje.")
    bank_account_id: Optional[int] = Field(default=None, title="Conta banco/caixa (liquidar agora)",
                                           json_schema_extra={"choices": CASH_ACCOUNTS_CHOICES})


class EditParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    amount: Optional[Decimal] = Field(default=None, title="Valor")
    description: Optional[str] = Field(default=None, title="Descrição", max_length=200)
    due_date: Optional[date] = Field(default=None, title="Vencimento")
    period_start: Optional[date] = Field(default=None, title="Data inicial de referência")
    period_end: Optional[date] = Field(default=None, title="Data final de referência")
    installment: Optional[int] = Field(default=None, ge=1, title="Parcela")
    revenue_account_id: Optional[int] = Field(default=None, title="Referência da unidade de plano de contas")


class InvoiceMethod(str, Enum):
    """Método de faturamento (the dialog shows `label`)."""

    PER_CHARGE = METHOD_PER_CHARGE
    ONE_INVOICE = METHOD_ONE_INVOICE

    @property
    def label(self) -> str:
        return _("Uma fatura por conta") if self is InvoiceMethod.PER_CHARGE else _("Todas as contas em uma fatura")


class InvoiceParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    method: InvoiceMethod = Field(default=InvoiceMethod.PER_CHARGE, title="Método")
    wallet: Optional[str] = Field(default=None, title="Profile", max_length=60,
                                  description="Profile de pagamento (carteira); vazio: o do contrato.")
    due_date: Optional[date] = Field(default=None, title="Vencimento",
                                     description="Só com várias contas em uma fatura; senão vem da conta.")
    description: Optional[str] = Field(default=None, title="Descrição", max_length=200,
                                       description="Só com várias contas em uma fatura; senão vem da conta.")


# --- services -----------------------------------------------------------------------------------

def get_charge(session: Session, charge_id: int) -> Charge:
    return get_or_not_found(session, Charge, charge_id, _("Conta {id} não encontrada").format(id=charge_id))


def unbilled_charges(session: Session, party_id: int) -> list[Charge]:
    """The party's charges not in an invoice and not settled/removed (open or suspended), by due date."""
    stmt = (select(Charge).where(Charge.party_id == party_id, Charge.invoice_id.is_(None),
                                 Charge.status.in_((CHARGE_OPEN, CHARGE_SUSPENDED)))
            .order_by(Charge.due_date, Charge.id))
    return list(session.scalars(stmt))


def _check_amount(amount: Decimal | None) -> Decimal:
    if amount is None or round_money(amount) <= 0:
        raise ValidationError(_("O valor da conta deve ser maior que zero."), field="amount")
    return round_money(amount)


def _check_period(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError(_("A referência final é anterior à referência inicial."), field="period_end")


def _check_account(session: Session, account_id: int | None) -> None:
    if account_id is None:
        return
    from core.ledger.models import Account

    acc = session.get(Account, account_id)
    if acc is None or not acc.active:
        raise ValidationError(_("Conta do plano de contas inexistente ou inativa: {id}").format(id=account_id),
                              field="revenue_account_id")
    if acc.is_synthetic:
        raise ValidationError(_("A conta {code} do plano de contas é sintética; escolha uma conta analítica.")
                              .format(code=acc.code), field="revenue_account_id")


def _resolve_company(session: Session, party_id: int, company_id: int | None) -> int:
    from core.models.company import Company

    if company_id is not None:
        if session.get(Company, company_id) is None:
            raise ValidationError(_("Empresa inexistente: {id}").format(id=company_id), field="company_id")
        return company_id
    found = sorted(set(session.scalars(select(Contract.company_id).where(Contract.party_id == party_id))))
    if len(found) == 1:
        return found[0]
    if not found:
        companies = list(session.scalars(select(Company.id).limit(2)))
        if len(companies) == 1:
            return companies[0]
    raise ValidationError(_("Informe a empresa da conta."), field="company_id")


def insert_manual_charges(session: Session, party_id: int, params: InsertParams, *,
                          company_id: int | None = None, user=None) -> list[Charge]:
    """Create the avulsa charge and its replications; returns them in due-date order (audited)."""
    from core.parties.models import Party

    if session.get(Party, party_id) is None:
        raise NotFound(_("Pessoa {id} não encontrada.").format(id=party_id))
    description = (params.description or "").strip()
    if not description:
        raise ValidationError(_("Informe a descrição da conta."), field="description")
    amount = _check_amount(params.amount)
    _check_period(params.period_start, params.period_end)
    _check_account(session, params.revenue_account_id)
    company = _resolve_company(session, party_id, params.company_id or company_id)
    total = 1 + params.replications
    last_installment = params.installment + params.replications
    created = []
    for k in range(total):
        shift = timedelta(days=k * params.interval_days)
        start = params.period_start + shift if params.period_start else None
        end = params.period_end + shift if params.period_end else None
        due = params.due_date + shift
        ch = Charge(party_id=party_id, company_id=company, contract_id=None, description=description,
                    amount=amount, due_date=due, competence=(start or due).replace(day=1),
                    period_start=start, period_end=end, installment=params.installment + k,
                    installments=last_installment, revenue_account_id=params.revenue_account_id,
                    status=CHARGE_OPEN, origin=ORIGIN_MANUAL, recurring_kind=None)
        session.add(ch)
        created.append(ch)
    session.flush()
    session.add_all([audit.build_entry(action="receivables.charge.insert", target_kind=Charge.__tablename__,
                                       target_id=ch.id, user=user, after=audit.snapshot(ch)) for ch in created])
    session.flush()
    return created


def edit_charge(session: Session, charge: Charge, changes: dict) -> None:
    """Change the given fields (keys of `EDITABLE`; None values are ignored)."""
    _require(refuse_edit(charge))
    values = {k: v for k, v in changes.items() if k in EDITABLE and v is not None}
    if "amount" in values:
        values["amount"] = _check_amount(values["amount"])
    if "description" in values:
        values["description"] = values["description"].strip()
        if not values["description"]:
            raise ValidationError(_("Informe a descrição da conta."), field="description")
    _check_period(values.get("period_start", charge.period_start), values.get("period_end", charge.period_end))
    if "revenue_account_id" in values:
        _check_account(session, values["revenue_account_id"])
    if "installment" in values and values["installment"] > charge.installments:
        if charge.contract_id is not None:
            raise ValidationError(_("A parcela {p} passa do total de parcelas ({t}) da conta.")
                                  .format(p=values["installment"], t=charge.installments), field="installment")
        charge.installments = values["installment"]
    for key, value in values.items():
        setattr(charge, key, value)
    if "period_start" in values and charge.contract_id is None:  # a contract's competence stays (unique key)
        charge.competence = values["period_start"].replace(day=1)
    session.flush()


def remove_charge(session: Session, charge: Charge) -> None:
    _require(refuse_remove(charge))
    charge.status = CHARGE_REMOVED
    session.flush()


def suspend_charge(session: Session, charge: Charge) -> None:
    _require(refuse_suspend(charge))
    charge.status = CHARGE_SUSPENDED
    session.flush()


def cancel_charge_suspension(session: Session, charge: Charge) -> None:
    _require(refuse_cancel_suspension(charge))
    charge.status = CHARGE_OPEN
    session.flush()


def fields_locked(count: int, method: str) -> bool:
    """The manual's rule: due date and description are free only for several charges in one invoice."""
    return not (count > 1 and method == METHOD_ONE_INVOICE)


def invoice_charges(session: Session, charges: list[Charge], *, method: str = METHOD_PER_CHARGE,
                    wallet: str | None = None, due_date: date | None = None, description: str | None = None,
                    today: date | None = None, runtime=None, user=None) -> list[int]:
    """Faturar contas manualmente; returns the new invoices' ids (numbers drawn now, gapless)."""
    from plugins.receivables.billing import notify_invoices_created
    from plugins.receivables.invoicing import InvoiceGroup, OpenCharge, issue_invoices

    if not charges:
        raise ValidationError(_("Selecione ao menos uma conta."), field="ids")
    if method not in (METHOD_PER_CHARGE, METHOD_ONE_INVOICE):
        raise ValidationError(_("Método de faturamento inválido: {m}").format(m=method), field="method")
    for ch in charges:
        _require(refuse_invoice(ch))
    description = (description or "").strip() or None
    if fields_locked(len(charges), method) and (due_date is not None or description is not None):
        raise ValidationError(_("Vencimento e descrição são bloqueados: vêm da conta (uma conta, ou uma fatura "
                                "por conta). Só ficam livres com várias contas em uma fatura."),
                              field="due_date" if due_date is not None else "description")
    today = today or date.today()
    contracts = _contract_info(session, {ch.contract_id for ch in charges if ch.contract_id})

    def open_charge(ch: Charge, due: date) -> OpenCharge:
        grouping, contract_wallet = contracts.get(ch.contract_id, ("", None))
        return OpenCharge(ch.id, ch.party_id, ch.company_id, to_cents(ch.amount), due, grouping,
                          wallet or contract_wallet, (due - today).days, ch.contract_id)

    session.flush()
    ids: list[int] = []
    if method == METHOD_ONE_INVOICE and len(charges) > 1:
        if len({(ch.party_id, ch.company_id) for ch in charges}) > 1:
            raise ValidationError(_("As contas selecionadas são de clientes ou empresas diferentes: fature-as "
                                    "com uma fatura por conta."), field="method")
        due = due_date or max(ch.due_date for ch in charges)
        group = InvoiceGroup(charges[0].party_id, charges[0].company_id, due, [open_charge(ch, due) for ch in charges])
        competences = {ch.competence for ch in charges}
        ids += issue_invoices(session, [group], competence=competences.pop() if len(competences) == 1 else None,
                              description=description)
    else:
        for ch in sorted(charges, key=lambda c: (c.due_date, c.id)):
            group = InvoiceGroup(ch.party_id, ch.company_id, ch.due_date, [open_charge(ch, ch.due_date)])
            ids += issue_invoices(session, [group], competence=ch.competence, description=ch.description)
    for ch in charges:  # issue_invoices linked them with a set-based UPDATE
        session.refresh(ch)
    from plugins.receivables.models import Invoice

    for inv_id in ids:
        audit.record(session, action="receivables.charge.invoice", target_kind=Invoice.__tablename__,
                     target_id=inv_id, user=user, after=audit.snapshot(session.get(Invoice, inv_id)))
    from plugins.receivables.accrual import accrue_invoices  # D clientes / C receita per invoice

    accrue_invoices(session, runtime, ids, user=user)
    notify_invoices_created(session, runtime, ids)
    return ids


def settle_now(session: Session, charge: Charge, *, method: str = "profile_aguardando_conciliacao",
               paid_on: date | None = None, bank_account_id: int | None = None, today: date | None = None,
               runtime=None, user=None, ctx=None):
    """"Liquidar agora" of the avulsa insertion: invoice `charge` alone (the "Faturar contas" path:
    gapless number, issued on the settlement date, accrual D clientes / C receita,
    `on_invoice_created`) and settle that invoice at
    once (`settlement.settle_invoice`: D banco/caixa / C clientes), in the caller's transaction.
    Returns the `SettlementOutcome`. Refusals of the settlement (date before the issue, protected
    period, bank account) undo everything with the caller's unit of work."""
    from plugins.receivables.models import Invoice
    from plugins.receivables.settlement import settle_invoice

    today = today or date.today()
    paid_on = paid_on or today
    if paid_on > today:
        raise ValidationError(_("Liquidar agora: a data de liquidação não pode ser futura ({d}).")
                              .format(d=paid_on.strftime("%d/%m/%Y")), field="settle_on")
    if method != "outros" and not bank_account_id:
        raise ValidationError(_("Liquidar agora: informe a conta banco/caixa em que o valor será creditado."),
                              field="bank_account_id")
    # issued on the settlement day (a payment received yesterday is invoiced and settled yesterday)
    (invoice_id,) = invoice_charges(session, [charge], method=METHOD_PER_CHARGE, today=paid_on, runtime=runtime,
                                    user=user)
    invoice = session.get(Invoice, invoice_id)
    return settle_invoice(session, invoice, paid_on=paid_on, method=method, bank_account_id=bank_account_id,
                          justification=_("Liquidar agora (inserção de conta avulsa)"), user=user, runtime=runtime,
                          ctx=ctx)


def _contract_info(session: Session, contract_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    if not contract_ids:
        return {}
    rows = session.execute(select(Contract.id, Contract.grouping_key, Contract.wallet)
                           .where(Contract.id.in_(sorted(contract_ids))))
    return {cid: (key or "", wallet) for cid, key, wallet in rows}


# --- kernel actions -----------------------------------------------------------------------------

def _checker(refuse, code: str):
    def check(ctx, records, params):
        return [Blocker(r.id, code, msg) for r in records if (msg := refuse(r))]
    return check


def _today(ctx) -> date:
    """The operator's calendar day (Brazil), not the server's UTC date."""
    from plugins.receivables.invoice_tools import _local_today

    return _local_today(ctx.now)


def _run_insert(ctx, parties, params: InsertParams):
    for party in parties:
        created = insert_manual_charges(ctx.session, party.id, params, company_id=ctx.company_id, user=ctx.user)
        if params.settle_now:
            settle_now(ctx.session, created[0], method=params.settle_method, paid_on=params.settle_on,
                       bank_account_id=params.bank_account_id, today=_today(ctx), runtime=ctx.runtime,
                       user=ctx.user, ctx=ctx)


def _run_edit(ctx, records, params: EditParams):
    changes = params.model_dump(exclude_none=True)
    if not changes:
        raise ValidationError(_("Informe ao menos um campo para alterar."), field="amount")
    for ch in records:
        edit_charge(ctx.session, ch, changes)


def _run_remove(ctx, records, params):
    for ch in records:
        remove_charge(ctx.session, ch)


def _run_suspend(ctx, records, params):
    for ch in records:
        suspend_charge(ctx.session, ch)


def _run_cancel_suspension(ctx, records, params):
    for ch in records:
        cancel_charge_suspension(ctx.session, ch)


def _run_invoice(ctx, records, params: InvoiceParams):
    invoice_charges(ctx.session, list(records), method=InvoiceMethod(params.method).value, wallet=params.wallet,
                    due_date=params.due_date, description=params.description, today=_today(ctx),
                    runtime=ctx.runtime, user=ctx.user)


def _party_class():
    from core.parties.models import Party

    return Party


ACTIONS = (
    Action("receivables.charge.insert", "Inserir conta", _party_class(), PERM_CHARGES, _run_insert, InsertParams,
           confirm="Tem certeza que deseja inserir a(s) conta(s)?",
           description="Insere uma conta avulsa não faturada para o cliente (e as replicações pedidas)."),
    Action("receivables.charge.edit", "Editar conta", Charge, PERM_CHARGES, _run_edit, EditParams,
           confirm="Tem certeza que deseja aplicar as alterações?",
           description="Só os campos preenchidos são alterados.",
           check=_checker(refuse_edit, "conta.nao_alteravel")),
    Action("receivables.charge.remove", "Remover conta", Charge, PERM_CHARGES, _run_remove, NoParams,
           confirm="Tem certeza que deseja remover a(s) conta(s)?",
           check=_checker(refuse_remove, "conta.nao_removivel")),
    Action("receivables.charge.suspend", "Suspender conta", Charge, PERM_CHARGES, _run_suspend, NoParams,
           confirm="Tem certeza que deseja suspender a(s) conta(s)?", reason_kind=REASON_CHARGE_SUSPENSION,
           check=_checker(refuse_suspend, "conta.nao_suspensivel")),
    Action("receivables.charge.cancel_suspension", "Cancelar suspensão de conta", Charge, PERM_CHARGES,
           _run_cancel_suspension, NoParams, confirm="Tem certeza que deseja cancelar a suspensão?",
           check=_checker(refuse_cancel_suspension, "conta.nao_suspensa")),
    Action("receivables.charge.invoice", "Faturar contas", Charge, PERM_INVOICE, _run_invoice, InvoiceParams,
           confirm="Tem certeza que deseja faturar a(s) conta(s)?",
           description="Uma fatura por conta (vencimento e descrição da conta) ou todas as contas em uma fatura "
                       "(vencimento e descrição livres).",
           check=_checker(refuse_invoice, "conta.nao_faturavel")),
)
