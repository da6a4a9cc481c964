"""Page "Arquivos de retorno" (menu "Contas a receber").

- `GET  /cobranca/retornos` — the imports (newest first) and the upload form (multipart, CSRF form
  field `csrf_token` like every form; optional payment profile, default: from the file's header);
- `POST /cobranca/retornos` — `retorno.importar_retorno` in one unit of work, then the import report
  (a refusal — same file again, unreadable file, no profile — shown in pt-BR, 400, nothing stored);
- `GET  /cobranca/retornos/{id}` — the report of one import (one row per título with its outcome).

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

RETORNOS_URL = "/cobranca/retornos"
PERM_RETORNO = "receivables.invoice.settle"

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def _require(request: Request):
    return require_permission(PERM_RETORNO)(request)


def menu_items() -> list[MenuItem]:
    return [MenuItem(_("Arquivos de retorno"), RETORNOS_URL, group="Contas a receber", order=61,
                     permission=PERM_RETORNO)]


def _page_context(runtime, import_id: int | None = None) -> dict:
    from core.db import unit_of_work
    from plugins.bank_profiles.models import PaymentProfile
    from plugins.bank_profiles.profiles import profile_label
    from plugins.bank_profiles.retorno import summary
    from plugins.bank_profiles.retorno_models import RetornoImport

    with unit_of_work(runtime.engine, readonly=True) as s:
        profiles = {p.id: profile_label(p) for p in s.scalars(select(PaymentProfile).order_by(PaymentProfile.id))}
        imports = list(s.scalars(select(RetornoImport).order_by(RetornoImport.id.desc()).limit(50)))
        rows = [{"id": r.id, "profile": profiles.get(r.profile_id, r.profile_id), "filename": r.filename,
                 "nsa": r.nsa or "", "titulos": r.titulos, "liquidados": r.liquidados,
                 "valor_liquidado": r.valor_liquidado, "nao_encontrados": r.nao_encontrados,
                 "rejeitados": r.rejeitados, "erros": r.erros, "imported_at": r.imported_at} for r in imports]
        report = None
        if import_id is not None:
            imp = s.get(RetornoImport, import_id)
            if imp is None:
                raise HTTPException(status_code=404, detail=_("Importação {id} não existe").format(id=import_id))
            report = summary(s, imp)
            report["valor_total"] = Decimal(report["valor_total"])
            for i in report["itens"]:
                for k in ("valor_pago", "tarifa"):
                    i[k] = Decimal(i[k]) if i[k] is not None else None
            report["perfil"] = profiles.get(imp.profile_id, imp.profile_id)
    return {"rows": rows, "profiles": list(profiles.items()), "report": report}


def _import(runtime, name: str, content: bytes, profile_id: int | None, user) -> int:
    from core.db import unit_of_work
    from plugins.bank_profiles.retorno import importar_retorno

    with unit_of_work(runtime.engine) as s:
        return importar_retorno(s, content, name, profile_id=profile_id, user=user, runtime=runtime).id


@router.get(RETORNOS_URL, include_in_schema=False)
async def retornos_page(request: Request, user=Depends(_require)):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime)
    return render(request, "bank_profiles/retornos.html", **ctx)


@router.get(RETORNOS_URL + "/{import_id}", include_in_schema=False)
async def retorno_report(import_id: int, request: Request, user=Depends(_require)):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime, import_id)
    return render(request, "bank_profiles/retornos.html", **ctx)


@router.post(RETORNOS_URL, include_in_schema=False)
async def retorno_upload(request: Request, user=Depends(_require)):
    runtime = request.app.state.runtime
    form = await request.form()
    upload = form.get("file")
    raw_profile = str(form.get("profile_id") or "").strip()
    try:
        if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
            raise ValidationError(_("Escolha o arquivo de retorno."), field="file")
        content = await upload.read()
        if not content:
            raise ValidationError(_("O arquivo {file} está vazio.").format(file=upload.filename), field="file")
        if raw_profile and not raw_profile.isdigit():
            raise ValidationError(_("Perfil de pagamento inválido."), field="profile_id")
        import_id = await run_in_threadpool(_import, runtime, upload.filename, content,
                                            int(raw_profile) if raw_profile else None, user)
    except ValidationError as exc:
        ctx = await run_in_threadpool(_page_context, runtime)
        return render(request, "bank_profiles/retornos.html", status_code=400, error=str(exc), **ctx)
    ctx = await run_in_threadpool(_page_context, runtime, import_id)
    return render(request, "bank_profiles/retornos.html", done=True, **ctx)
