"""Receivables tabs of the customer financial panel (`/pessoas/{id}/painel`).

Five tabs, registered through `register_customer_panel_tabs` (see plugin.py), each a read list
with row checkboxes (`name="ids"`) and buttons of the kernel's generic bulk-action dialog
(`core.web.templating.action_button_html`):

- "Contratos" — the party's contracts (status, plan, value, due rule) + the contract actions;
- "Faturas a Receber" — open, suspended and partially settled invoices + every registered action
  whose target is the invoice (other parts of the plugin add remove/suspend/alter/settle/…; the tab
  shows whatever is registered, so it works with or without them);
- "Contas a Receber não faturadas" — open/suspended charges outside invoices + the charge tools
  of `plugins.receivables.charge_tools` ("Inserir conta" acts on the party itself);
- "Faturas que foram excluídas" — removed invoices, with who/when/reason/comments from the
  invoice tools' log table (`invoice_log.RemovedInvoice`);
- "Contas a Receber Liquidadas" — settled invoices (paid date and amount from the settlement
  table) and settled charges outside invoices. Read only.

Rows are plain dicts built here (queries) and formatted by the templates (`|money`, `|brdate`).
Rendering runs inside the panel's read-only unit of work and never writes.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Integer, func, select, type_coerce

from core.actions import actions_for
from core.money import from_cents
from core.web.registry import PanelTab
from core.web.templating import add_template_dir, render_string
from plugins.receivables.invoice_log import RemovedInvoice
from plugins.receivables.models import (CHARGE_SETTLED, CHARGE_STATUSES, CHARGE_SUSPENDED,
                                        CONTRACT_STATUSES, INVOICE_OPEN, INVOICE_PARTIAL, INVOICE_REMOVED,
                                        INVOICE_SETTLED, INVOICE_STATUSES, INVOICE_SUSPENDED, Charge, Contract,
                                        DueRule, Invoice, Plan)
from plugins.receivables.settlement_models import Settlement

TEMPLATES = Path(__file__).parent / "templates"
RECEIVABLE_STATUSES = (INVOICE_OPEN, INVOICE_SUSPENDED, INVOICE_PARTIAL)
SETTLED_STATUSES = (INVOICE_SETTLED, INVOICE_PARTIAL)
CHARGE_TOOLS = ("receivables.charge.edit", "receivables.charge.remove", "receivables.charge.suspend",
                "receivables.charge.cancel_suspension", "receivables.charge.invoice")
INSERT_CHARGE = "receivables.charge.insert"
_CONTRACT_LABELS = dict(CONTRACT_STATUSES)
_INVOICE_LABELS = dict(INVOICE_STATUSES)
_CHARGE_LABELS = dict(CHARGE_STATUSES)


def register_tabs(register) -> None:
    add_template_dir(TEMPLATES)
    register(PanelTab(key="contratos", label="Contratos", order=10, render=render_contracts))
    register(PanelTab(key="faturas", label="Faturas a Receber", order=20, render=render_invoices))
    register(PanelTab(key="contas", label="Contas a Receber não faturadas", order=30, render=render_unbilled))
    register(PanelTab(key="excluidas", label="Faturas que foram excluídas", order=40, render=render_removed))
    register(PanelTab(key="liquidadas", label="Contas a Receber Liquidadas", order=50, render=render_settled))


# --- helpers ------------------------------------------------------------------------------------

def _render(ctx, name: str, **values) -> str:
    return render_string(name, runtime=ctx.runtime, user=ctx.user, party=ctx.party, **values)


def registered(runtime, names) -> list[str]:
    """The names among `names` that are registered actions (their plugin part is present)."""
    return [n for n in names if n in runtime.registry.actions]


def invoice_actions(runtime, *, removed: bool = False) -> list[str]:
    """Registered actions on invoices: all of them for the receivable ones; for removed invoices
    only the comment tools (the manual's "Inserir comentários na fatura")."""
    names = [a.name for a in actions_for(runtime, Invoice.__tablename__)]
    return [n for n in names if "comment" in n] if removed else names


def _invoice_row(inv: Invoice) -> dict:
    return {"id": inv.id, "number": inv.number, "issue_date": inv.issue_date, "due_date": inv.due_date,
            "total": inv.total, "status": inv.status, "status_label": _INVOICE_LABELS.get(inv.status, inv.status),
            "description": inv.description, "wallet": inv.wallet}


# --- queries ------------------------------------------------------------------------------------

def contract_rows(session, party_id: int) -> list[dict]:
    stmt = (select(Contract, Plan, DueRule).join(Plan, Plan.id == Contract.plan_id)
            .join(DueRule, DueRule.id == Contract.due_rule_id)
            .where(Contract.party_id == party_id).order_by(Contract.id))
    rows = []
    for c, plan, rule in session.execute(stmt):
        rows.append({"id": c.id, "status": c.status, "status_label": _CONTRACT_LABELS.get(c.status, c.status),
                     "plan": plan.name, "value": c.price_override if c.price_override is not None else plan.price,
                     "due_rule": rule.name, "activated_on": c.activated_on, "cancelled_on": c.cancelled_on,
                     "wallet": c.wallet, "cancellation_requested": c.cancellation_requested,
                     "grouping": c.grouping_key or "", "installments": c.installments,
                     "installments_generated": c.installments_generated})
    return rows


# The manual's "Faturas a Receber" tools include reversal and the settlement receipt, so settled
# invoices are listed there too (after the open ones); the footer totals only what is open.
LISTED_STATUSES = RECEIVABLE_STATUSES + (INVOICE_SETTLED,)


def receivable_invoice_rows(session, party_id: int) -> list[dict]:
    stmt = (select(Invoice).where(Invoice.party_id == party_id, Invoice.status.in_(LISTED_STATUSES))
            .order_by(Invoice.due_date, Invoice.number))
    rows = [_invoice_row(inv) for inv in session.scalars(stmt)]
    for row in rows:
        row["open"] = row["status"] in RECEIVABLE_STATUSES
    return sorted(rows, key=lambda r: not r["open"])  # stable: open first, each part by due date


def unbilled_rows(session, party_id: int) -> list[dict]:
    from plugins.receivables.charge_tools import unbilled_charges

    return [{"id": ch.id, "description": ch.description, "amount": ch.amount, "due_date": ch.due_date,
             "competence": ch.competence, "period_start": ch.period_start, "period_end": ch.period_end,
             "installment": f"{ch.installment}/{ch.installments}", "origin": ch.origin,
             "contract_id": ch.contract_id, "suspended": ch.status == CHARGE_SUSPENDED,
             "status_label": _CHARGE_LABELS.get(ch.status, ch.status)}
            for ch in unbilled_charges(session, party_id)]


def removed_invoice_rows(session, party_id: int) -> list[dict]:
    invoices = list(session.scalars(select(Invoice).where(Invoice.party_id == party_id,
                                                          Invoice.status == INVOICE_REMOVED)
                                    .order_by(Invoice.due_date.desc(), Invoice.number.desc())))
    log = {r.invoice_id: r for r in session.scalars(
        select(RemovedInvoice).where(RemovedInvoice.invoice_id.in_([i.id for i in invoices])))} if invoices else {}
    rows = []
    for inv in invoices:
        row = _invoice_row(inv)
        entry = log.get(inv.id)
        row.update(removed_at=getattr(entry, "removed_at", None), removed_by=getattr(entry, "removed_by", None),
                   reason=getattr(entry, "reason_text", None), comments=getattr(entry, "comments", None))
        rows.append(row)
    return rows


def settled_rows(session, party_id: int) -> tuple[list[dict], list[dict]]:
    """(settled invoices with paid date/amount when known, settled charges outside invoices)."""
    invoices = list(session.scalars(select(Invoice).where(Invoice.party_id == party_id,
                                                          Invoice.status.in_(SETTLED_STATUSES))
                                    .order_by(Invoice.due_date.desc(), Invoice.number.desc())))
    paid: dict[int, tuple] = {}
    if invoices:
        cents = func.sum(type_coerce(Settlement.amount, Integer))
        stmt = (select(Settlement.invoice_id, func.max(Settlement.paid_on), cents)
                .where(Settlement.invoice_id.in_([i.id for i in invoices]), Settlement.reversed.is_(False))
                .group_by(Settlement.invoice_id))
        for inv_id, paid_on, cents in session.execute(stmt):
            paid[inv_id] = (paid_on, from_cents(int(cents)))
    rows = []
    for inv in invoices:
        row = _invoice_row(inv)
        row["paid_on"], row["paid_amount"] = paid.get(inv.id, (None, None))
        rows.append(row)
    charges = [{"id": ch.id, "description": ch.description, "amount": ch.amount, "due_date": ch.due_date,
                "installment": f"{ch.installment}/{ch.installments}"}
               for ch in session.scalars(select(Charge).where(Charge.party_id == party_id,
                                                              Charge.status == CHARGE_SETTLED,
                                                              Charge.invoice_id.is_(None))
                                         .order_by(Charge.due_date.desc(), Charge.id.desc()))]
    return rows, charges


# --- tabs ---------------------------------------------------------------------------------------

def render_contracts(ctx) -> str:
    from plugins.receivables.contract_tools import ACTIONS as TOOL_ACTIONS
    from plugins.receivables.contracts import ACTIONS
    from plugins.receivables.groupings import ACTIONS as GROUPING_ACTIONS, groupings_of

    on_party = [a.name for a in GROUPING_ACTIONS if a.name.startswith("receivables.grouping.")]
    on_contracts = [a.name for a in ACTIONS + TOOL_ACTIONS + GROUPING_ACTIONS if a.name not in on_party]
    return _render(ctx, "receivables/contracts_tab.html", rows=contract_rows(ctx.session, ctx.party.id),
                   actions=registered(ctx.runtime, on_contracts),
                   party_actions=registered(ctx.runtime, on_party),
                   groupings=groupings_of(ctx.session, ctx.party.id))


def render_invoices(ctx) -> str:
    from plugins.receivables.printing_web import print_tools_html

    return _render(ctx, "receivables/invoices_tab.html", rows=receivable_invoice_rows(ctx.session, ctx.party.id),
                   actions=invoice_actions(ctx.runtime), print_tools=print_tools_html(ctx.user))


def render_unbilled(ctx) -> str:
    return _render(ctx, "receivables/unbilled_tab.html", rows=unbilled_rows(ctx.session, ctx.party.id),
                   actions=registered(ctx.runtime, CHARGE_TOOLS),
                   insert=INSERT_CHARGE if INSERT_CHARGE in ctx.runtime.registry.actions else None)


def render_removed(ctx) -> str:
    return _render(ctx, "receivables/removed_tab.html", rows=removed_invoice_rows(ctx.session, ctx.party.id),
                   actions=invoice_actions(ctx.runtime, removed=True))


def render_settled(ctx) -> str:
    invoices, charges = settled_rows(ctx.session, ctx.party.id)
    return _render(ctx, "receivables/settled_tab.html", rows=invoices, charges=charges)

