"""Charges of open invoices (painel do cliente → "Faturas a Receber"):

- "Editar contas associadas a faturas" (manual, "Alterar Fatura" → "O que alterar"): change the
  value, description, reference period or chart-of-accounts reference of ONE charge of an open
  invoice — `edit_invoice_charge`, action `receivables.invoice.edit_charge`;
- "Incluir cobrança adicional às faturas selecionadas" (individual ou em massa): a new charge
  (description, value, reference period, chart-of-accounts reference) added to each selected open
  invoice — `add_charge_to_invoice`, action `receivables.invoice.add_charge`.

The manual's rule for alterations: a change of the invoice's VALUE removes the invoice and creates
a new one with a new number (so a new nosso número is drawn for the boleto). Both tools follow it
through `invoice_tools.recreate_invoice` (the same path as "Alterar fatura" → valor): the old invoice goes
to "Faturas que foram excluídas" (with the justification and the new invoice's id), its charges
move to the new invoice, whose total is the sum of its charges; `on_invoice_created` for the new
one inside the unit of work, `on_invoice_removed` for the old one after commit. One recreation per
invoice. Editing only the description, period or account changes the charge in place (the total
does not change, the invoice stays).

Blockers: those of "Alterar fatura" (`invoice_tools.ALTER_RULES`: "A Fatura X já está liquidada",
"A fatura X está com status de excluída", "A fatura X já está com o status de suspenso.", "A
fatura está com liquidação parcial"), plus, for the edit, "A conta C não faz parte da fatura X"
(listing the invoice's charges, so the operator finds the number). Other plugins' guards (remessa
transmitida, conciliação) come through `action_blockers`. Every charge change has its own audit
entry (before/after) besides the kernel's entry for the invoice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actions import ActionContext, Action, Blocker
from core.errors import ValidationError
from core.i18n import _
from core.money import ZERO, format_brl, round_money
from plugins.receivables import invoice_tools
from plugins.receivables.charge_tools import _check_account, _check_amount, _check_period
from plugins.receivables.models import CHARGE_INVOICED, ORIGIN_MANUAL, Charge, Invoice

ACTION_EDIT = "receivables.invoice.edit_charge"
ACTION_ADD = "receivables.invoice.add_charge"
NOT_IN_INVOICE = "conta.fora_da_fatura"
EDITABLE_IN_INVOICE = ("amount", "description", "period_start", "period_end", "revenue_account_id")
_CHUNK = 500


def _not_in_invoice(invoice: Invoice, charge_id: int, charges: list[Charge]) -> Blocker:
    listed = "; ".join(f"{c.id} — {c.description} {format_brl(c.amount)}" for c in charges)
    return Blocker(invoice.id, NOT_IN_INVOICE,
                   _("A conta {c} não faz parte da fatura {n} (contas da fatura: {listed})")
                   .format(c=charge_id, n=invoice.number, listed=listed or _("nenhuma")))


def _invoice_charges(session: Session, invoice_ids: list[int]) -> dict[int, list[Charge]]:
    out: dict[int, list[Charge]] = {i: [] for i in invoice_ids}
    for start in range(0, len(invoice_ids), _CHUNK):
        for ch in session.scalars(select(Charge).where(Charge.invoice_id.in_(invoice_ids[start:start + _CHUNK]))
                                  .order_by(Charge.id)):
            out[ch.invoice_id].append(ch)
    return out


# --- services -----------------------------------------------------------------------------------

def _take_out_of_clientes(session: Session, invoice: Invoice, *, user, justification: str | None,
                          ctx: ActionContext | None) -> None:
    """Reverse the invoice's accrual (D receita / C clientes) BEFORE its charges change, so the
    reversal follows the charges as they were accounted (old value, old revenue accounts); the
    recreation then skips its own reversal (already removed) and accounts the new invoice."""
    from core.model import utcnow
    from plugins.receivables.accrual import reverse_invoice

    now = ctx.now if ctx is not None else utcnow()
    reverse_invoice(session, ctx.runtime if ctx is not None else None, invoice,
                    on=invoice_tools._local_today(now), user=user, reason=justification)


def edit_invoice_charge(session: Session, invoice: Invoice, charge: Charge, changes: dict, *, user=None,
                        justification: str | None = None, ctx: ActionContext | None = None) -> Invoice:
    """Change `charge` (of the open `invoice`): the keys of `EDITABLE_IN_INVOICE` given in
    `changes` (None = unchanged). A new value recreates the invoice with a new number and returns
    the new invoice; otherwise the charge changes in place and `invoice` is returned."""
    invoice_tools._require(invoice_tools.ALTER_RULES, invoice)
    if charge.invoice_id != invoice.id:
        raise ValidationError(_not_in_invoice(invoice, charge.id, invoice_tools._charges(session, invoice)).message,
                              field="charge_id")
    values = {k: v for k, v in changes.items() if k in EDITABLE_IN_INVOICE and v is not None}
    if "amount" in values:
        if charge.amount < ZERO:  # an adjustment ("Desconto por alteração…") stays a discount
            values["amount"] = round_money(values["amount"])
            if values["amount"] >= ZERO:
                raise ValidationError(_("A conta {c} é um desconto: o novo valor deve ser negativo.")
                                      .format(c=charge.id), field="amount")
        else:
            values["amount"] = _check_amount(values["amount"])
    if "description" in values:
        values["description"] = values["description"].strip()[:200]
        if not values["description"]:
            raise ValidationError(_("Informe a descrição da conta."), field="description")
    _check_period(values.get("period_start", charge.period_start), values.get("period_end", charge.period_end))
    if "revenue_account_id" in values:
        _check_account(session, values["revenue_account_id"])
    values = {k: v for k, v in values.items() if getattr(charge, k) != v}
    if not values:
        raise ValidationError(_("Nenhuma alteração informada para a conta {c}.").format(c=charge.id), field="charge_id")

    if "amount" in values:
        _take_out_of_clientes(session, invoice, user=user, justification=justification, ctx=ctx)
    old_account = charge.revenue_account_id
    before = audit.snapshot(charge)
    for key, value in values.items():
        setattr(charge, key, value)
    if "period_start" in values and charge.contract_id is None:  # a contract's competence stays (unique key)
        charge.competence = values["period_start"].replace(day=1)
    session.flush()
    audit.record(session, action=ACTION_EDIT, target_kind=Charge.__tablename__, target_id=charge.id, user=user,
                 before=before, after=audit.snapshot(charge), justification=justification)
    if "amount" not in values:
        if "revenue_account_id" in values:  # the revenue moves to the new account (same invoice)
            from core.model import utcnow
            from plugins.receivables.accrual import reclassify_revenue

            now = ctx.now if ctx is not None else utcnow()
            reclassify_revenue(session, ctx.runtime if ctx is not None else None, invoice, charge, old_account,
                               on=invoice_tools._local_today(now), user=user, reason=justification)
        return invoice
    return invoice_tools.recreate_invoice(session, invoice, user=user, justification=justification, ctx=ctx,
                                          action=ACTION_EDIT)


def add_charge_to_invoice(session: Session, invoice: Invoice, *, description: str, amount: Decimal,
                          period_start: date | None = None, period_end: date | None = None,
                          revenue_account_id: int | None = None, user=None, justification: str | None = None,
                          ctx: ActionContext | None = None) -> Invoice:
    """Add a charge to the open `invoice`; the invoice (its total grows) is removed and recreated
    with a new number holding its charges plus the new one. Returns the new invoice."""
    invoice_tools._require(invoice_tools.ALTER_RULES, invoice)
    amount = _check_amount(amount)
    text = (description or "").strip()[:200]
    if not text:
        raise ValidationError(_("Informe a descrição da cobrança adicional."), field="description")
    _check_period(period_start, period_end)
    _check_account(session, revenue_account_id)
    competence = (period_start.replace(day=1) if period_start else
                  invoice.competence or invoice.due_date.replace(day=1))
    why = justification or _("Inclusão de cobrança adicional: {d} ({v})").format(d=text, v=format_brl(amount))
    _take_out_of_clientes(session, invoice, user=user, justification=why, ctx=ctx)
    charge = Charge(party_id=invoice.party_id, company_id=invoice.company_id, description=text, amount=amount,
                    due_date=invoice.due_date, competence=competence, period_start=period_start,
                    period_end=period_end, revenue_account_id=revenue_account_id, status=CHARGE_INVOICED,
                    invoice_id=invoice.id, origin=ORIGIN_MANUAL)
    session.add(charge)
    session.flush()  # the recreation moves every charge of the old invoice, this one included
    new = invoice_tools.recreate_invoice(session, invoice, user=user, justification=why, ctx=ctx, action=ACTION_ADD)
    audit.record(session, action=ACTION_ADD, target_kind=Charge.__tablename__, target_id=charge.id, user=user,
                 before=None, after=audit.snapshot(charge), justification=why)
    return new


# --- kernel actions -----------------------------------------------------------------------------

class EditInvoiceChargeParams(BaseModel):
    """"Editar contas associadas a faturas": which charge, and only the fields to change."""

    model_config = ConfigDict(extra="ignore")
    justification: str = Field(title="Justificativa", min_length=1, max_length=500)
    charge_id: int = Field(title="Conta (número)", ge=1,
                           description="Número da conta vinculada à fatura (a prévia lista as contas da fatura).")
    amount: Optional[Decimal] = Field(default=None, title="Novo valor da conta",
                                      description="Alterar o valor remove a fatura e cria uma nova, com novo número.")
    description: Optional[str] = Field(default=None, title="Descrição da conta", max_length=200)
    period_start: Optional[date] = Field(default=None, title="Referência inicial")
    period_end: Optional[date] = Field(default=None, title="Referência final")
    revenue_account_id: Optional[int] = Field(default=None, title="Referência da unidade de plano de contas",
                                              description="Conta analítica do plano de contas (id).")

    @model_validator(mode="after")
    def _something_to_change(self):
        if not self.justification.strip():
            raise ValueError(_("Informe a justificativa."))
        if all(getattr(self, k) in (None, "") for k in EDITABLE_IN_INVOICE):
            raise ValueError(_("Informe ao menos um campo a alterar: valor, descrição, período de referência ou "
                               "plano de contas."))
        return self


class AddChargeParams(BaseModel):
    """"Incluir cobrança adicional às faturas selecionadas"."""

    model_config = ConfigDict(extra="ignore")
    description: str = Field(title="Descrição da cobrança", min_length=1, max_length=200)
    amount: Decimal = Field(title="Valor", gt=0)
    period_start: Optional[date] = Field(default=None, title="Referência inicial")
    period_end: Optional[date] = Field(default=None, title="Referência final")
    revenue_account_id: Optional[int] = Field(default=None, title="Referência da unidade de plano de contas",
                                              description="Conta analítica do plano de contas (id).")
    justification: Optional[str] = Field(default=None, title="Justificativa", max_length=500,
                                         description="Vazio: “Inclusão de cobrança adicional: descrição (valor)”.")


def _check_edit(ctx, records, params):
    found = [b for inv in records for b in invoice_tools.blockers(invoice_tools.ALTER_RULES, inv)]
    charges = _invoice_charges(ctx.session, [inv.id for inv in records])
    for inv in records:
        if all(ch.id != params.charge_id for ch in charges[inv.id]):
            found.append(_not_in_invoice(inv, params.charge_id, charges[inv.id]))
    return found


_check_add = invoice_tools._checker(invoice_tools.ALTER_RULES)


def _run_edit(ctx, records, params):
    charge = ctx.session.get(Charge, params.charge_id)
    changes = {k: getattr(params, k) for k in EDITABLE_IN_INVOICE}
    for inv in records:
        edit_invoice_charge(ctx.session, inv, charge, changes, user=ctx.user, justification=params.justification,
                            ctx=ctx)


def _run_add(ctx, records, params):
    for inv in records:
        add_charge_to_invoice(ctx.session, inv, description=params.description, amount=params.amount,
                              period_start=params.period_start, period_end=params.period_end,
                              revenue_account_id=params.revenue_account_id, user=ctx.user,
                              justification=params.justification or ctx.justification, ctx=ctx)


ACTIONS = (
    Action(ACTION_EDIT, "Editar contas associadas a faturas", Invoice, invoice_tools.PERM_MANAGE, _run_edit,
           EditInvoiceChargeParams, check=_check_edit,
           confirm="Essa conta participa de uma fatura. Confirme seu interesse.",
           description="Altera o valor, a descrição, o período de referência ou o plano de contas de uma conta "
                       "vinculada à fatura. Alterar o valor remove a fatura e cria uma nova, com novo número (e "
                       "novo nosso número para o boleto)."),
    Action(ACTION_ADD, "Incluir cobrança adicional às faturas selecionadas", Invoice, invoice_tools.PERM_MANAGE,
           _run_add, AddChargeParams, check=_check_add,
           confirm="Tem certeza que deseja incluir a cobrança adicional na(s) fatura(s) selecionada(s)?",
           description="Cada fatura selecionada recebe uma nova conta com a cobrança; como o valor muda, a fatura "
                       "é removida e criada uma nova, com novo número (e novo nosso número para o boleto)."),
)
