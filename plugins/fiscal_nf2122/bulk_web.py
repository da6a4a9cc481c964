""""Documentos fiscais pendentes" page of the host UI (menu "Documentos fiscais"): the pending count,
the "pendências fiscais" (automatic generations that failed, with the reason) and "Gerar todos"
— the bulk job (`bulk.py`) started in a daemon thread of the web process, its progress polled
every second with htmx (processed / total invoices, generated, errors).

- `GET  /fiscal/pendentes` (permission `fiscal_nf2122.document.read`);
- `POST /fiscal/pendentes/gerar` (permission `fiscal_nf2122.document.generate`; filters: empresa,
  competência AAMM) ⇒ the progress fragment; an unfinished job with the same filters is shown
  (and resumed) instead of starting another;
- `GET  /fiscal/pendentes/tarefas/{job_id}` — the polled fragment (stops polling when finished).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render
from plugins.fiscal_nf2122.actions import PERM_GENERATE, PERM_READ

PAGE_URL = "/fiscal/pendentes"
PROGRESS_URL = PAGE_URL + "/tarefas"
ORIGIN_LABELS = {"faturamento": "No faturamento", "liquidacao": "Na liquidação", "lote": "Gerar todos"}
STATUS_LABELS = {"queued": "Na fila", "running": "Em execução", "done": "Concluído", "failed": "Falhou"}

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def menu_items() -> list[MenuItem]:
    return [MenuItem(_("Documentos fiscais pendentes"), PAGE_URL, group="Documentos fiscais", order=20,
                     permission=PERM_READ)]


def _progress(session, job_id: int) -> dict:
    from plugins.fiscal_nf2122.bulk import progress

    p = progress(session, job_id)
    p["status_label"] = STATUS_LABELS.get(p["status"], p["status"])
    return p


def _page_context(runtime, *, job_id: int | None = None, company: str = "", competencia: str = "") -> dict:
    from core.db import unit_of_work
    from core.models.jobs import Job
    from plugins.fiscal_nf2122.auto import pending_issues
    from plugins.fiscal_nf2122.bulk import JOB_KIND, _pending_ids

    with unit_of_work(runtime.engine, readonly=True) as s:
        pending = s.scalar(select(func.count()).select_from(_pending_ids(s, {}).subquery()))
        issues = [{**i, "origin_label": ORIGIN_LABELS.get(i["origin"], i["origin"])} for i in pending_issues(s)]
        if job_id is None:
            job_id = s.scalar(select(Job.id).where(Job.kind == JOB_KIND, Job.status.in_(("queued", "running")))
                              .order_by(Job.id.desc()).limit(1))
        progress = _progress(s, job_id) if job_id is not None else None
    return {"pending": pending, "issues": issues, "progress": progress, "progress_url": PROGRESS_URL,
            "company": company, "competencia": competencia}


@router.get(PAGE_URL, include_in_schema=False)
async def pending_page(request: Request, user=Depends(require_permission(PERM_READ))):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime)
    return render(request, "fiscal_nf2122/bulk_page.html", **ctx)


def _start(runtime, user, company: str, competencia: str) -> int:
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.fiscal_nf2122.bulk import start_generation

    company_id = None
    if company:
        with unit_of_work(runtime.engine, readonly=True) as s:
            company_id = s.scalar(select(Company.id).where(Company.code == company))
        if company_id is None:
            raise ValidationError(_("Empresa {c} não encontrada.").format(c=company), field="company")
    return start_generation(runtime, company_id=company_id, competencia=competencia or None, user=user)


@router.post(PAGE_URL + "/gerar", include_in_schema=False)
async def generate_all(request: Request, user=Depends(require_permission(PERM_GENERATE))):
    runtime = request.app.state.runtime
    form = await request.form()
    company, competencia = str(form.get("company") or "").strip(), str(form.get("competencia") or "").strip()
    htmx = request.headers.get("HX-Request") == "true"
    error, job_id = None, None
    try:
        job_id = await run_in_threadpool(_start, runtime, user, company, competencia)
    except ValidationError as exc:
        error = str(exc)
    ctx = await run_in_threadpool(_page_context, runtime, job_id=job_id, company=company, competencia=competencia)
    name = "fiscal_nf2122/bulk_result.html" if htmx else "fiscal_nf2122/bulk_page.html"
    return render(request, name, status_code=200 if (htmx or not error) else 400, error=error, **ctx)


@router.get(PROGRESS_URL + "/{job_id}", include_in_schema=False)
async def progress_fragment(request: Request, job_id: int, user=Depends(require_permission(PERM_READ))):
    def load():
        from core.db import unit_of_work

        with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
            return _progress(s, job_id)

    progress = await run_in_threadpool(load)
    return render(request, "fiscal_nf2122/bulk_progress.html", progress=progress, progress_url=PROGRESS_URL)
