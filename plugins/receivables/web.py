"""Receivables pages of the host UI (menu "Contas a receber").

- `GET  /receber/faturamento` — "Faturamento mensal": the competence form (mm/aaaa) and the last
  billing runs (`billing.job_summary`: status, chunks, contracts billed, invoices created…);
- `POST /receber/faturamento` — "Faturar": runs the billing of the competence in this request
  (interrupted runs of the same competence are finished first, like `billing.run_billing`), records
  an audit entry, and answers with the pt-BR summary table (an HTMX fragment, or the whole page
  without HTMX);
- `GET  /receber/cancelamentos` — "Gerenciador de cancelamentos": the contracts whose
  cancellation was requested (`contracts.retention_queue`), with row checkboxes and the kernel
  bulk-action buttons "Reter cliente" / "Cancelar contrato" (`receivables.contract.retain` /
  `.cancel`, whose own blockers and permissions apply in the dialog).

Permissions: the billing page needs "receivables.billing.run"; the retention queue needs
`contracts.PERM_CANCEL`. CSRF comes from the app-wide dependency (form field `csrf_token`).
Routes and menu items are registered by plugin.py (`register_routes`, `register_menu_items`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render

TEMPLATES = Path(__file__).parent / "templates"
PERM_BILLING = "receivables.billing.run"
BILLING_URL = "/receber/faturamento"
RETENTION_URL = "/receber/cancelamentos"
MENU_GROUP = "Contas a receber"
RECENT_JOBS = 10
JOB_STATUS_LABELS = {"queued": "Na fila", "running": "Em execução", "done": "Concluído", "failed": "Falhou"}
# The summary lines in the order the operator reads them (key of `billing.job_summary`, pt-BR label).
SUMMARY_LINES = (
    ("contracts_billed", "Contratos faturados"),
    ("charges_created", "Contas criadas"),
    ("invoices_created", "Faturas criadas"),
    ("charges_invoiced", "Contas faturadas"),
    ("already_billed", "Já faturados"),
    ("skipped", "Ignorados (sem dias a faturar)"),
    ("rolled_over", "Transferidos pelo valor mínimo"),
)

router = APIRouter()


def menu_items() -> list[MenuItem]:
    from plugins.receivables.contracts import PERM_CANCEL

    return [MenuItem(_("Faturamento mensal"), BILLING_URL, group=MENU_GROUP, order=10, permission=PERM_BILLING),
            MenuItem(_("Gerenciador de cancelamentos"), RETENTION_URL, group=MENU_GROUP, order=20,
                     permission=PERM_CANCEL)]


def include(register) -> None:
    """`register_routes` implementation: the plugin's templates and this router."""
    add_template_dir(TEMPLATES)
    register(router)


# --- billing ------------------------------------------------------------------------------------

def competence_label(iso: str | None) -> str:
    """'2026-12-01' ⇒ '12/2026'."""
    if not iso:
        return ""
    year, month = iso[:7].split("-")
    return f"{month}/{year}"


def recent_runs(session, limit: int = RECENT_JOBS) -> list[dict]:
    """The last billing runs, newest first, with their totals (`billing.job_summary`)."""
    from core.models.jobs import Job
    from plugins.receivables.billing import JOB_KIND, job_summary

    jobs = session.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id.desc()).limit(limit)).all()
    out = []
    for job in jobs:
        row = job_summary(session, job.id)
        row.update(created_at=job.created_at, finished_at=job.finished_at, error=job.error,
                   status_label=JOB_STATUS_LABELS.get(job.status, job.status),
                   competence_label=competence_label(row.get("competence")))
        out.append(row)
    return out


def bill_competence(runtime, competence: str, user) -> dict:
    """Run the billing of `competence` ('mm/aaaa' or 'aaaa-mm') for `user` and return its summary.

    Interrupted runs of the same competence are finished first; the new run is submitted with
    the user's id and an audit entry ("receivables.billing.run" on the job) in the same
    transaction, then its chunks run here (one transaction each)."""
    from core.audit import record
    from core.db import unit_of_work
    from plugins.receivables.billing import (JOB_KIND, job_summary, parse_competence, submit_billing,
                                             unfinished_jobs, work_job)

    comp = parse_competence(competence)  # ValidationError (pt-BR) before anything runs
    with unit_of_work(runtime.engine, readonly=True) as s:
        interrupted = unfinished_jobs(s, comp)
    for old in interrupted:
        work_job(runtime, old)
    with unit_of_work(runtime.engine) as s:
        job = submit_billing(s, runtime, comp, user_id=getattr(user, "id", None))
        record(s, action=PERM_BILLING, target_kind=JOB_KIND, target_id=job.id, user=user,
               after={"competence": comp.isoformat(), "chunks": job.total_chunks})
        job_id = job.id
    work_job(runtime, job_id)
    with unit_of_work(runtime.engine, readonly=True) as s:
        return job_summary(s, job_id)


def _billing_page_context(runtime, *, competence: str = "", result: dict | None = None) -> dict:
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as s:
        runs = recent_runs(s)
    if result is not None:
        result = dict(result, status_label=JOB_STATUS_LABELS.get(result["status"], result["status"]),
                      competence_label=competence_label(result.get("competence")))
    return {"competence": competence, "result": result, "runs": runs, "summary_lines": SUMMARY_LINES}


@router.get(BILLING_URL, include_in_schema=False)
async def billing_page(request: Request, user=Depends(require_permission(PERM_BILLING))):
    runtime = request.app.state.runtime
    ctx = await run_in_threadpool(_billing_page_context, runtime)
    return render(request, "receivables/billing.html", **ctx)


@router.post(BILLING_URL, include_in_schema=False)
async def billing_run(request: Request, user=Depends(require_permission(PERM_BILLING))):
    runtime = request.app.state.runtime
    form = await request.form()
    competence = str(form.get("competence") or "").strip()
    htmx = request.headers.get("HX-Request") == "true"
    error, result, status = None, None, 200
    if not competence:
        error = _("Informe a competência (mm/aaaa).")
    else:
        try:
            result = await run_in_threadpool(bill_competence, runtime, competence, user)
        except ValidationError as exc:
            error = str(exc)
    if error:
        status = 200 if htmx else 400  # HTMX swaps only 2xx answers: the error goes in the fragment
    ctx = await run_in_threadpool(_billing_page_context, runtime, competence=competence, result=result)
    name = "receivables/billing_result.html" if htmx else "receivables/billing.html"
    return render(request, name, status_code=status, error=error, **ctx)


# --- retention queue ----------------------------------------------------------------------------

def retention_rows(session) -> list[dict]:
    """The cancellation manager's rows: contract, customer, plan, value, status, requested at."""
    from core.parties.models import Party
    from plugins.receivables.contracts import retention_queue
    from plugins.receivables.models import CONTRACT_STATUSES, Plan

    labels = dict(CONTRACT_STATUSES)
    contracts = retention_queue(session)
    parties = {p.id: p for p in session.scalars(select(Party).where(
        Party.id.in_({c.party_id for c in contracts})))} if contracts else {}
    plans = {p.id: p for p in session.scalars(select(Plan).where(
        Plan.id.in_({c.plan_id for c in contracts})))} if contracts else {}
    rows = []
    for c in contracts:
        party, plan = parties.get(c.party_id), plans.get(c.plan_id)
        price = c.price_override if c.price_override is not None else (plan.price if plan else None)
        rows.append({"id": c.id, "party_id": c.party_id, "party_code": party.code if party else None,
                     "party_name": party.name if party else "", "plan": plan.name if plan else "",
                     "price": price, "status_label": labels.get(c.status, c.status),
                     "activated_on": c.activated_on, "requested_at": c.cancellation_requested_at})
    return rows


def _retention_context(runtime) -> dict:
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as s:
        return {"rows": retention_rows(s),
                "actions": [n for n in ("receivables.contract.retain", "receivables.contract.cancel")
                            if n in runtime.registry.actions]}


def _require_cancel_permission(request: Request):
    from plugins.receivables.contracts import PERM_CANCEL

    return require_permission(PERM_CANCEL)(request)


@router.get(RETENTION_URL, include_in_schema=False)
async def retention_page(request: Request, user=Depends(_require_cancel_permission)):
    runtime = request.app.state.runtime
    ctx = await run_in_threadpool(_retention_context, runtime)
    return render(request, "receivables/retention.html", **ctx)


__all__ = ["router", "include", "menu_items", "bill_competence", "recent_runs", "retention_rows", "SUMMARY_LINES",
           "PERM_BILLING", "BILLING_URL", "RETENTION_URL"]
