"""Contract services: creation, state transitions with pt-BR refusals, plan / due-rule changes.

States: aguardando_ativacao → ativo ⇄ suspenso → cancelado. "Solicitar cancelamento" puts an
active or suspended contract in the cancellation manager (retention queue, the
`cancellation_requested` flag); there an operator retains it (flag cleared) or cancels it.

Every function takes the caller's `Session`, never commits, and raises
`core.errors.ValidationError` with the operator's message when the transition is not allowed.
The same messages are the blockers of the kernel actions (`ACTIONS`, registered by plugin.py),
so a bulk action reports each refused contract with its reason.

Changes that affect money (suspend, cancel suspension, cancel, change plan, change due rule)
re-plan the contract's FUTURE UNBILLED recurring charges (open, not in an invoice, competence
from the change's month on): amount, due date and description are recomputed; a charge left with
no billable day is marked "removida". Invoiced charges are never touched here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action, Blocker, NoParams
from core.doctype import service
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.db import get_or_not_found
from plugins.receivables.models import (CHARGE_OPEN, CHARGE_REMOVED, CONTRACT_ACTIVE, CONTRACT_AWAITING,
                                        CONTRACT_CANCELLED, CONTRACT_SUSPENDED, RECURRING_MONTHLY, Charge, Contract,
                                        ContractSuspension, DueRule, Plan)

REASON_SUSPENSION = "suspensao_contrato"
REASON_CANCELLATION = "cancelamento_contrato"
REASON_KINDS = {REASON_SUSPENSION: "Suspensão de contrato", REASON_CANCELLATION: "Cancelamento de contrato"}

PERM_MANAGE = "receivables.contract.manage"
PERM_CANCEL = "receivables.contract.cancel"
PERMISSIONS = {
    PERM_MANAGE: ("Ativar, suspender e alterar contratos", "Contratos"),
    PERM_CANCEL: ("Cancelar contratos e tratar solicitações de cancelamento", "Contratos"),
}


# --- refusals (one function per transition; None = allowed) -------------------------------------

def _state_refusal(c: Contract) -> str | None:
    if c.status == CONTRACT_CANCELLED:
        return _("O contrato {id} está cancelado.").format(id=c.id)
    if c.status == CONTRACT_AWAITING:
        return _("O contrato {id} aguarda ativação.").format(id=c.id)
    return None


def refuse_activate(c: Contract) -> str | None:
    if c.status != CONTRACT_AWAITING:
        return _("O contrato {id} não está aguardando ativação.").format(id=c.id)
    return None


def refuse_suspend(c: Contract) -> str | None:
    if c.status == CONTRACT_SUSPENDED:
        return _("O contrato {id} já está suspenso.").format(id=c.id)
    return _state_refusal(c)


def refuse_cancel_suspension(c: Contract) -> str | None:
    if c.status != CONTRACT_SUSPENDED:
        return _("O contrato {id} não está suspenso.").format(id=c.id)
    return None


def refuse_request_cancellation(c: Contract) -> str | None:
    found = _state_refusal(c)
    if found:
        return found
    if c.cancellation_requested:
        return _("O cancelamento do contrato {id} já foi solicitado.").format(id=c.id)
    return None


def refuse_retain(c: Contract) -> str | None:
    if c.status == CONTRACT_CANCELLED:
        return _("O contrato {id} está cancelado.").format(id=c.id)
    if not c.cancellation_requested:
        return _("O contrato {id} não está no gerenciador de cancelamentos.").format(id=c.id)
    return None


def refuse_cancel(c: Contract) -> str | None:
    if c.status == CONTRACT_CANCELLED:
        return _("O contrato {id} já está cancelado.").format(id=c.id)
    return None


def refuse_change(c: Contract) -> str | None:
    if c.status == CONTRACT_CANCELLED:
        return _("O contrato {id} está cancelado e não pode ser alterado.").format(id=c.id)
    return None


def _require(refusal: str | None, field: str | None = None) -> None:
    if refusal:
        raise ValidationError(refusal, field=field)


# --- services -----------------------------------------------------------------------------------

def get_contract(session: Session, contract_id: int) -> Contract:
    return get_or_not_found(session, Contract, contract_id, _("Contrato {id} não encontrado").format(id=contract_id))


def create_contract(session: Session, data: dict, *, user=None, runtime=None) -> Contract:
    """New contract, awaiting activation (fields as in the Contract document)."""
    return service.create_doc(session, Contract, data, user=user, runtime=runtime)


def activate(session: Session, contract: Contract, activated_on: date) -> int:
    """Activate an awaiting contract on `activated_on` and create its charge for that month
    (pro-rata). Returns how many charges were created."""
    from plugins.receivables.billing import create_recurring_charges

    _require(refuse_activate(contract))
    contract.status = CONTRACT_ACTIVE
    contract.activated_on = activated_on
    session.flush()
    result = create_recurring_charges(session, activated_on.replace(day=1), party_from=contract.party_id,
                                      party_to=contract.party_id, contract_ids=[contract.id])
    return result.charges_created


def suspend(session: Session, contract: Contract, on: date, *, reason_id: int | None = None,
            reason_text: str | None = None, notes: str | None = None) -> None:
    _require(refuse_suspend(contract))
    if contract.activated_on and on < contract.activated_on:
        raise ValidationError(_("A suspensão não pode começar antes da ativação do contrato."), field="on")
    session.add(ContractSuspension(contract_id=contract.id, starts_on=on, reason_id=reason_id, notes=notes))
    contract.status = CONTRACT_SUSPENDED
    contract.suspended_on = on
    text = reason_text or notes
    contract.suspension_reason = text[:250] if text else None
    session.flush()
    replan_unbilled(session, contract, on.replace(day=1))


def cancel_suspension(session: Session, contract: Contract, on: date, *, notes: str | None = None) -> None:
    _require(refuse_cancel_suspension(contract))
    if contract.suspended_on and on < contract.suspended_on:
        raise ValidationError(_("A data do fim da suspensão é anterior ao início da suspensão."), field="on")
    _close_suspension(session, contract, on)
    contract.status = CONTRACT_ACTIVE
    contract.suspended_on = None
    contract.suspension_reason = None
    session.flush()
    replan_unbilled(session, contract, on.replace(day=1))


def _close_suspension(session: Session, contract: Contract, on: date) -> None:
    for period in session.scalars(select(ContractSuspension).where(
            ContractSuspension.contract_id == contract.id, ContractSuspension.ends_on.is_(None))):
        period.ends_on = max(on, period.starts_on)


def request_cancellation(session: Session, contract: Contract, *, now: datetime | None = None) -> None:
    """Send the contract to the cancellation manager (retention queue)."""
    _require(refuse_request_cancellation(contract))
    contract.cancellation_requested = True
    contract.cancellation_requested_at = now or utcnow()


def retain(session: Session, contract: Contract) -> None:
    """The customer was retained: the contract leaves the retention queue unchanged."""
    _require(refuse_retain(contract))
    contract.cancellation_requested = False
    contract.cancellation_requested_at = None


def cancel(session: Session, contract: Contract, on: date, *, reason_text: str | None = None) -> None:
    """Cancel from any state; `on` is not billed (the last billed day is the day before)."""
    _require(refuse_cancel(contract))
    if contract.activated_on and on < contract.activated_on:
        raise ValidationError(_("O cancelamento não pode ser anterior à ativação do contrato."), field="on")
    if contract.status == CONTRACT_SUSPENDED:
        _close_suspension(session, contract, on)
    contract.status = CONTRACT_CANCELLED
    contract.cancelled_on = on
    contract.cancellation_reason = reason_text[:250] if reason_text else None
    contract.cancellation_requested = False
    session.flush()
    replan_unbilled(session, contract, on.replace(day=1))


def change_plan(session: Session, contract: Contract, plan_id: int, *, from_competence: date | None = None) -> int:
    """Trocar plano de acesso: future unbilled charges follow the new plan. Returns re-planned count."""
    _require(refuse_change(contract))
    plan = session.get(Plan, plan_id)
    if plan is None or not plan.active:
        raise ValidationError(_("Plano de acesso inexistente ou inativo: {id}").format(id=plan_id), field="plan_id")
    contract.plan_id = plan.id
    session.flush()
    return replan_unbilled(session, contract, _from(from_competence))


def change_due_rule(session: Session, contract: Contract, due_rule_id: int, *,
                    from_competence: date | None = None) -> int:
    """Trocar regra de vencimento: future unbilled charges get the new due dates."""
    _require(refuse_change(contract))
    rule = session.get(DueRule, due_rule_id)
    if rule is None or not rule.active:
        raise ValidationError(_("Regra de vencimento inexistente ou inativa: {id}").format(id=due_rule_id),
                              field="due_rule_id")
    contract.due_rule_id = rule.id
    session.flush()
    return replan_unbilled(session, contract, _from(from_competence))


def _from(competence: date | None) -> date:
    return (competence or date.today()).replace(day=1)


def replan_unbilled(session: Session, contract: Contract, from_competence: date) -> int:
    """Recompute the contract's open, uninvoiced recurring charges from `from_competence` on."""
    from plugins.receivables.billing import billable_days, days_in_month, due_date_for, prorata_amount

    charges = list(session.scalars(select(Charge).where(
        Charge.contract_id == contract.id, Charge.recurring_kind == RECURRING_MONTHLY,
        Charge.status == CHARGE_OPEN, Charge.invoice_id.is_(None), Charge.competence >= from_competence)
        .order_by(Charge.competence)))
    if not charges:
        return 0
    plan = session.get(Plan, contract.plan_id)
    rule = session.get(DueRule, contract.due_rule_id)
    periods = [(p.starts_on, p.ends_on) for p in session.scalars(
        select(ContractSuspension).where(ContractSuspension.contract_id == contract.id))]
    price = contract.price_override if contract.price_override is not None else plan.price
    for ch in charges:
        month_days = days_in_month(ch.competence)
        days = billable_days(ch.competence, contract.activated_on, contract.cancelled_on, periods)
        if days <= 0:
            ch.status = CHARGE_REMOVED
            continue
        ch.amount = prorata_amount(price, days, month_days)
        ch.due_date = due_date_for(ch.competence, rule.due_day, rule.competence_mode)
        ch.revenue_account_id = plan.revenue_account_id
        desc = f"{plan.service_description or plan.name} — {ch.competence:%m/%Y}"
        if days < month_days:
            desc += f" (proporcional {days}/{month_days} dias)"
        ch.description = desc[:200]
    session.flush()
    return len(charges)


def retention_queue(session: Session, company_id: int | None = None) -> list[Contract]:
    """Contracts waiting in the cancellation manager, oldest request first."""
    stmt = select(Contract).where(Contract.cancellation_requested.is_(True))
    if company_id is not None:
        stmt = stmt.where(Contract.company_id == company_id)
    return list(session.scalars(stmt.order_by(Contract.cancellation_requested_at, Contract.id)))


# --- kernel actions -----------------------------------------------------------------------------

class OnDate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    on: date = Field(title="Data")
    notes: Optional[str] = Field(default=None, title="Observações adicionais", max_length=250)


class ActivateParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    activated_on: date = Field(title="Data de ativação")


class ChangePlanParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    plan_id: int = Field(title="Plano de acesso")
    from_competence: Optional[date] = Field(default=None, title="A partir da competência")


class ChangeDueRuleParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    due_rule_id: int = Field(title="Regra de vencimento")
    from_competence: Optional[date] = Field(default=None, title="A partir da competência")


def _checker(refuse, code: str):
    def check(ctx, records, params):
        return [Blocker(r.id, code, msg) for r in records if (msg := refuse(r))]
    return check


def _reason_text(ctx) -> str | None:
    parts = []
    if ctx.reason is not None:
        parts.append(f"{ctx.reason.code} — {ctx.reason.description}")
    if ctx.justification:
        parts.append(ctx.justification)
    return " / ".join(parts) or None


def _run_activate(ctx, records, params):
    for c in records:
        activate(ctx.session, c, params.activated_on)


def _run_suspend(ctx, records, params):
    for c in records:
        suspend(ctx.session, c, params.on, reason_id=ctx.reason.id if ctx.reason else None,
                reason_text=_reason_text(ctx), notes=params.notes)


def _run_cancel_suspension(ctx, records, params):
    for c in records:
        cancel_suspension(ctx.session, c, params.on, notes=params.notes)


def _run_request_cancellation(ctx, records, params):
    for c in records:
        request_cancellation(ctx.session, c, now=ctx.now)


def _run_retain(ctx, records, params):
    for c in records:
        retain(ctx.session, c)


def _run_cancel(ctx, records, params):
    for c in records:
        cancel(ctx.session, c, params.on, reason_text=_reason_text(ctx))


def _run_change_plan(ctx, records, params):
    for c in records:
        change_plan(ctx.session, c, params.plan_id, from_competence=params.from_competence)


def _run_change_due_rule(ctx, records, params):
    for c in records:
        change_due_rule(ctx.session, c, params.due_rule_id, from_competence=params.from_competence)


ACTIONS = (
    Action("receivables.contract.activate", "Ativar contrato aguardando ativação", Contract, PERM_MANAGE,
           _run_activate, ActivateParams, check=_checker(refuse_activate, "contrato.nao_aguarda_ativacao"),
           description="Ativa o contrato e gera as suas contas da competência atual (proporcional)."),
    Action("receivables.contract.suspend", "Suspender contrato", Contract, PERM_MANAGE, _run_suspend, OnDate,
           confirm="Tem certeza que deseja suspender o contrato?", reason_kind=REASON_SUSPENSION,
           check=_checker(refuse_suspend, "contrato.nao_suspensivel")),
    Action("receivables.contract.cancel_suspension", "Cancelar suspensão de contrato", Contract, PERM_MANAGE,
           _run_cancel_suspension, OnDate, check=_checker(refuse_cancel_suspension, "contrato.nao_suspenso")),
    Action("receivables.contract.request_cancellation", "Solicitar cancelamento do contrato", Contract,
           PERM_MANAGE, _run_request_cancellation, NoParams,
           check=_checker(refuse_request_cancellation, "contrato.cancelamento_nao_solicitavel")),
    Action("receivables.contract.retain", "Reter cliente (retirar do gerenciador de cancelamentos)", Contract,
           PERM_CANCEL, _run_retain, NoParams, check=_checker(refuse_retain, "contrato.fora_da_retencao")),
    Action("receivables.contract.cancel", "Cancelar contrato", Contract, PERM_CANCEL, _run_cancel, OnDate,
           confirm="Tem certeza que deseja cancelar o contrato?", reason_kind=REASON_CANCELLATION,
           check=_checker(refuse_cancel, "contrato.ja_cancelado")),
    Action("receivables.contract.change_plan", "Trocar plano de acesso", Contract, PERM_MANAGE, _run_change_plan,
           ChangePlanParams, check=_checker(refuse_change, "contrato.cancelado")),
    Action("receivables.contract.change_due_rule", "Trocar regra de vencimento", Contract, PERM_MANAGE,
           _run_change_due_rule, ChangeDueRuleParams, check=_checker(refuse_change, "contrato.cancelado")),
)
