"""Receivables pages of the host UI (menu "Contas a receber").

- `GET  /receber/faturamento` — "Faturamento mensal": the competence form (mm/aaaa) and the last
  billing runs (`billing.job_summary`: status, chunks, contracts billed, invoices created…);
- `POST /receber/faturamento` — "Faturar": submits the billing of the competence (audit entry in
  the same transaction) and starts it in a background thread of this process
  (`billing_background.start_billing`); answers at once with the progress fragment (or the whole
  page without HTMX). While a run of the competence is unfinished, it shows that run instead of
  starting another;
- `GET  /receber/faturamento/tarefas/{job_id}` — the progress fragment the page polls every second
  (`hx-trigger="every 1s"`): state, chunks done/total, contracts processed, invoices created,
  elapsed time; once finished it stops polling and shows the summary (invoices created, total in
  R$, contracts skipped and why, errors) and refreshes the list of last runs (out-of-band swap);
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
from plugins.receivables.billing_background import PERM_BILLING

TEMPLATES = Path(__file__).parent / "templates"
BILLING_URL = "/receber/faturamento"
PROGRESS_URL = BILLING_URL + "/tarefas"
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
    """`register_routes` implementation: the plugin's templates, this router and the printing one."""
    from plugins.receivables.printing_web import router as printing_router

    add_template_dir(TEMPLATES)
    register(router)
    register(printing_router)


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
    from core.money import format_brl, from_cents
    from plugins.receivables.billing import JOB_KIND, job_summary

    jobs = session.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id.desc()).limit(limit)).all()
    out = []
    for job in jobs:
        row = job_summary(session, job.id)
        row.update(created_at=job.created_at, finished_at=job.finished_at, error=job.error,
                   status_label=JOB_STATUS_LABELS.get(job.status, job.status),
                   competence_label=competence_label(row.get("competence")),
                   invoiced_brl=format_brl(from_cents(row["invoiced_cents"])))
        out.append(row)
    return out


def progress_view(session, job_id: int) -> dict:
    """`billing_background.billing_progress` with the labels the fragment shows."""
    from core.money import format_brl, from_cents
    from plugins.receivables.billing_background import billing_progress, format_elapsed

    p = billing_progress(session, job_id)
    p.update(status_label=JOB_STATUS_LABELS.get(p["status"], p["status"]),
             competence_label=competence_label(p.get("competence")),
             elapsed=format_elapsed(p["elapsed_seconds"]), invoiced_brl=format_brl(from_cents(p["invoiced_cents"])))
    return p


def _billing_page_context(runtime, *, competence: str = "", job_id: int | None = None,
                          notice: str | None = None) -> dict:
    """The page/fragment context: the last runs and, with `job_id` (or when a run is still
    unfinished), that run's progress."""
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as s:
        runs = recent_runs(s)
        if job_id is None:
            job_id = next((r["job_id"] for r in runs if r["status"] in ("queued", "running")), None)
        progress = progress_view(s, job_id) if job_id is not None else None
    return {"competence": competence, "progress": progress, "notice": notice, "runs": runs,
            "summary_lines": SUMMARY_LINES, "progress_url": PROGRESS_URL}


def _progress_context(runtime, job_id: int) -> dict:
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as s:
        progress = progress_view(s, job_id)
        runs = recent_runs(s) if progress["finished"] else []
    return {"progress": progress, "runs": runs, "summary_lines": SUMMARY_LINES, "progress_url": PROGRESS_URL,
            "runs_oob": progress["finished"]}


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
    error, started, notice, status = None, None, None, 200
    if not competence:
        error = _("Informe a competência (mm/aaaa).")
    else:
        from plugins.receivables.billing_background import start_billing

        try:
            started = await run_in_threadpool(start_billing, runtime, competence, user)
        except ValidationError as exc:
            error = str(exc)
    if error:
        status = 200 if htmx else 400  # HTMX swaps only 2xx answers: the error goes in the fragment
    elif started.already_running:
        notice = _("Já existe um faturamento desta competência em andamento (tarefa {n}): acompanhe-o abaixo; "
                   "nenhum outro foi iniciado.").format(n=started.job_id)
    ctx = await run_in_threadpool(_billing_page_context, runtime, competence=competence,
                                  job_id=started.job_id if started else None, notice=notice)
    name = "receivables/billing_result.html" if htmx else "receivables/billing.html"
    return render(request, name, status_code=status, error=error, **ctx)


@router.get(PROGRESS_URL + "/{job_id}", include_in_schema=False)
async def billing_progress_fragment(request: Request, job_id: int,
                                    user=Depends(require_permission(PERM_BILLING))):
    """The progress fragment (polled every second by the page until the run is finished)."""
    runtime = request.app.state.runtime
    ctx = await run_in_threadpool(_progress_context, runtime, job_id)
    return render(request, "receivables/billing_progress.html", **ctx)


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


__all__ = ["router", "include", "menu_items", "progress_view", "recent_runs", "retention_rows", "SUMMARY_LINES",
           "PERM_BILLING", "BILLING_URL", "RETENTION_URL"]
