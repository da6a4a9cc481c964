"""Page "Faturas no SPC" (menu "Contas a receber"): the collections manager's list of invoices
marked with "Adicionar fatura selecionada ao SPC" (an internal marker, no bureau integration).

- `GET /receber/spc?empresa=N` — invoice, customer, due date, days late (as of today), value,
  status, who added it and when; newest first; totals in the footer. The operator's company
  limits the list when the user belongs to one.

Permission `receivables.invoice.manage` (the same that allows marking). Read only: the marking
itself is the kernel action on the customer panel's "Faturas a Receber".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import SAO_PAULO, render

SPC_URL = "/receber/spc"
MENU_GROUP = "Contas a receber"

router = APIRouter()


def _require(request: Request):
    from plugins.receivables.invoice_tools import PERM_MANAGE

    return require_permission(PERM_MANAGE)(request)


def menu_items() -> list[MenuItem]:
    from plugins.receivables.invoice_tools import PERM_MANAGE

    return [MenuItem(_("Faturas no SPC"), SPC_URL, group=MENU_GROUP, order=40, permission=PERM_MANAGE)]


def spc_rows(session, company_id: int | None, today: date) -> list[dict]:
    """Rows of the page: one per invoice in the SPC list, with the customer and days late."""
    from core.parties.models import Party
    from plugins.receivables.invoice_tools import spc_invoices
    from plugins.receivables.models import INVOICE_STATUSES

    found = spc_invoices(session, company_id)
    party_ids = {inv.party_id for inv, _entry in found}
    parties = ({p.id: p for p in session.scalars(select(Party).where(Party.id.in_(party_ids)))}
               if party_ids else {})
    labels = dict(INVOICE_STATUSES)
    rows = []
    for inv, entry in found:
        party = parties.get(inv.party_id)
        rows.append({"invoice_id": inv.id, "number": inv.number, "party_id": inv.party_id,
                     "party_code": party.code if party else None, "party_name": party.name if party else "",
                     "due_date": inv.due_date, "days_late": max((today - inv.due_date).days, 0),
                     "total": inv.total, "status": labels.get(inv.status, inv.status),
                     "added_at": entry.added_at, "added_by": entry.added_by or ""})
    return rows


def _context(runtime, user, raw_company: str | None) -> dict:
    from core.db import unit_of_work
    from core.models.company import Company

    company_id = getattr(user, "company_id", None)
    if company_id is None and raw_company and raw_company.isdigit():
        company_id = int(raw_company)
    with unit_of_work(runtime.engine, readonly=True) as s:
        rows = spc_rows(s, company_id, datetime.now(SAO_PAULO).date())
        companies = [] if getattr(user, "company_id", None) is not None else list(
            s.scalars(select(Company).order_by(Company.name)))
        return {"rows": rows, "total": sum((r["total"] for r in rows), Decimal("0.00")),
                "companies": [(c.id, c.name) for c in companies], "company_id": company_id}


@router.get(SPC_URL, include_in_schema=False)
async def spc_page(request: Request, empresa: str | None = None, user=Depends(_require)):
    ctx = await run_in_threadpool(_context, request.app.state.runtime, user, empresa)
    return render(request, "receivables/spc.html", **ctx)


__all__ = ["router", "menu_items", "spc_rows", "SPC_URL"]
