"""Page "Arquivos de retorno" (menu "Contas a receber").

- `GET  /cobranca/retornos` — the imports (newest first) and the upload form (multipart, CSRF form
  field `csrf_token` like every form; optional payment profile, default: from the file's header);
- `POST /cobranca/retornos` — `retorno_jobs.submit_import` (one unit of work: a refusal — same file
  again, unreadable file, no profile — is shown in pt-BR, 400, nothing stored), then the import job:
  a file of one part runs it in the request (the answer is the report); a bigger one runs it in a
  thread of this process, waited for up to `WAIT_SECONDS`, then the answer is the progress section,
  which polls
  `/cobranca/retornos/{id}/progresso` every second (htmx) and is replaced by the report at the end;
- `GET  /cobranca/retornos/{id}` — the report of one import (one row per título with its outcome); an
  unfinished import shows its progress (and a thread of this process resumes it, after a crash);
- `GET  /cobranca/retornos/{id}/progresso` — the polled fragment (progress, or the report when done).

Importing settles invoices, so it needs the right to settle (`receivables.invoice.settle`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render
from core.web.uploads import optional_id, uploaded_file

RETORNOS_URL = "/cobranca/retornos"
PERM_RETORNO = "receivables.invoice.settle"
WAIT_SECONDS = 3.0  # the upload's answer waits this long for the job before showing its progress

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def _require(request: Request):
    return require_permission(PERM_RETORNO)(request)


def menu_items() -> list[MenuItem]:
    return [MenuItem(_("Arquivos de retorno"), RETORNOS_URL, group="Contas a receber", order=61,
                     permission=PERM_RETORNO)]


def _report(s, imp, profiles: dict) -> dict:
    from plugins.bank_profiles.retorno import summary

    report = summary(s, imp)
    report["valor_total"] = Decimal(report["valor_total"])
    report["tarifas"] = Decimal(report["tarifas"])
    for i in report["itens"]:
        for k in ("valor_pago", "tarifa"):
            i[k] = Decimal(i[k]) if i[k] is not None else None
    report["perfil"] = profiles.get(imp.profile_id, imp.profile_id)
    return report


def _profiles(s) -> dict:
    from plugins.bank_profiles.models import PaymentProfile
    from plugins.bank_profiles.profiles import profile_label

    return {p.id: profile_label(p) for p in s.scalars(select(PaymentProfile).order_by(PaymentProfile.id))}


def _page_context(runtime, import_id: int | None = None) -> dict:
    from core.db import unit_of_work
    from plugins.bank_profiles.retorno_jobs import import_progress
    from plugins.bank_profiles.retorno_models import RetornoImport

    with unit_of_work(runtime.engine, readonly=True) as s:
        profiles = _profiles(s)
        imports = list(s.scalars(select(RetornoImport).order_by(RetornoImport.id.desc()).limit(50)))
        rows = [{"id": r.id, "profile": profiles.get(r.profile_id, r.profile_id), "filename": r.filename,
                 "nsa": r.nsa or "", "titulos": r.titulos, "liquidados": r.liquidados,
                 "valor_liquidado": r.valor_liquidado, "nao_encontrados": r.nao_encontrados,
                 "rejeitados": r.rejeitados, "erros": r.erros, "imported_at": r.imported_at,
                 "finished": r.finished_at is not None, "processados": r.processados} for r in imports]
        report = progress = None
        if import_id is not None:
            imp = s.get(RetornoImport, import_id)
            if imp is None:
                raise HTTPException(status_code=404, detail=_("Importação {id} não existe").format(id=import_id))
            if imp.finished_at is not None:
                report = _report(s, imp, profiles)
            else:
                progress = import_progress(s, import_id)
    if progress is not None and progress["job_id"] is not None:
        from plugins.bank_profiles.retorno_jobs import ensure_worker

        ensure_worker(runtime, progress["job_id"])  # resumes an import left unfinished (crash, restart)
    return {"rows": rows, "profiles": list(profiles.items()), "report": report, "progress": progress,
            "retornos_url": RETORNOS_URL}


def _fragment_context(runtime, import_id: int) -> dict:
    from core.db import unit_of_work
    from core.errors import NotFound
    from plugins.bank_profiles.retorno_jobs import import_progress
    from plugins.bank_profiles.retorno_models import RetornoImport

    with unit_of_work(runtime.engine, readonly=True) as s:
        try:
            progress = import_progress(s, import_id)
        except NotFound as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        if progress["finished"]:
            return {"report": _report(s, s.get(RetornoImport, import_id), _profiles(s)), "progress": None,
                    "done": True, "retornos_url": RETORNOS_URL}
    return {"report": None, "progress": progress, "retornos_url": RETORNOS_URL}


def _import(runtime, name: str, content: bytes, profile_id: int | None, user) -> int:
    """Submit the import's job; a file of one part runs it here (the answer is its report), a bigger
    one in a thread of this process, waited for up to WAIT_SECONDS (then the page shows the progress)."""
    from core.db import unit_of_work
    from plugins.bank_profiles.retorno_jobs import ensure_worker, submit_import, work_import
    from plugins.bank_profiles.settings import settings_of

    with unit_of_work(runtime.engine) as s:
        imp = submit_import(s, runtime, content, name, profile_id=profile_id, user=user)
        import_id, job_id, titulos = imp.id, imp.job_id, imp.titulos
    if titulos <= settings_of(runtime).retorno_chunk_size:
        work_import(runtime, job_id)
        return import_id
    thread = ensure_worker(runtime, job_id)
    if thread is not None:
        thread.join(WAIT_SECONDS)
    return import_id


@router.get(RETORNOS_URL, include_in_schema=False)
async def retornos_page(request: Request, user=Depends(_require)):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime)
    return render(request, "bank_profiles/retornos.html", **ctx)


@router.get(RETORNOS_URL + "/{import_id}", include_in_schema=False)
async def retorno_report(import_id: int, request: Request, user=Depends(_require)):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime, import_id)
    return render(request, "bank_profiles/retornos.html", **ctx)


@router.get(RETORNOS_URL + "/{import_id}/progresso", include_in_schema=False)
async def retorno_progress(import_id: int, request: Request, user=Depends(_require)):
    ctx = await run_in_threadpool(_fragment_context, request.app.state.runtime, import_id)
    return render(request, "bank_profiles/retorno_status.html", **ctx)


@router.post(RETORNOS_URL, include_in_schema=False)
async def retorno_upload(request: Request, user=Depends(_require)):
    runtime = request.app.state.runtime
    form = await request.form()
    try:
        filename, content = await uploaded_file(form, missing=_("Escolha o arquivo de retorno."))
        profile_id = optional_id(form, "profile_id", invalid=_("Perfil de pagamento inválido."))
        import_id = await run_in_threadpool(_import, runtime, filename, content, profile_id, user)
    except ValidationError as exc:
        ctx = await run_in_threadpool(_page_context, runtime)
        return render(request, "bank_profiles/retornos.html", status_code=400, error=str(exc), **ctx)
    ctx = await run_in_threadpool(_page_context, runtime, import_id)
    return render(request, "bank_profiles/retornos.html", done=True, **ctx)
