"""Page "Arquivos de remessa" (menu "Contas a receber").

- `GET  /cobranca/remessas` — the remessas generated (newest first: perfil, NSA, arquivo, estado,
  títulos, instruções, valor, quem/quando) with a download link and, while "gerada", the buttons
  "Marcar como transmitida" / "Descartar"; the pending instructions per profile; a form to
  generate the remessa of a payment profile;
- `POST /cobranca/remessas` — `remessa.gerar_remessa` in one unit of work; refusal (nothing to
  send, a value that does not fit) shown in pt-BR, nothing stored;
- `POST /cobranca/remessas/{id}/transmitida` and `/descartar` — `remessa_marks.transmitir` /
  `descartar` (refusals in pt-BR, status 400);
- `GET  /cobranca/remessas/{id}/arquivo` — the stored file, byte for byte.

Permission `bank_profiles.remessa.manage`; CSRF from the app-wide dependency (field `csrf_token`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render

REMESSAS_URL = "/cobranca/remessas"
PERM_REMESSA = "bank_profiles.remessa.manage"

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter()
add_template_dir(TEMPLATES)


def _require(request: Request):
    return require_permission(PERM_REMESSA)(request)


def menu_items() -> list[MenuItem]:
    return [MenuItem(_("Arquivos de remessa"), REMESSAS_URL, group="Contas a receber", order=60,
                     permission=PERM_REMESSA)]


def _page_context(runtime) -> dict:
    from core.db import unit_of_work
    from plugins.bank_profiles.models import PaymentProfile
    from plugins.bank_profiles.profiles import profile_label
    from plugins.bank_profiles.remessa import list_remessas
    from plugins.bank_profiles.remessa_instructions import pending_list
    from plugins.bank_profiles.remessa_models import ESTADOS

    with unit_of_work(runtime.engine, readonly=True) as s:
        profiles = {p.id: profile_label(p) for p in s.scalars(select(PaymentProfile).order_by(PaymentProfile.id))}
        rows = [{"id": r.id, "profile": profiles.get(r.profile_id, r.profile_id), "nsa": r.nsa,
                 "filename": r.filename, "titulos": r.titulos, "instrucoes": r.instrucoes,
                 "valor_total": r.valor_total, "created_at": r.created_at, "created_by": r.created_by or "",
                 "estado": r.estado, "estado_label": ESTADOS.get(r.estado, r.estado), "estado_em": r.estado_em,
                 "estado_por": r.estado_por or ""}
                for r in list_remessas(s)]
        pending = pending_list(s)
    return {"rows": rows, "profiles": list(profiles.items()), "pending": pending}


def _generate(runtime, profile_id: int, user) -> str:
    from core.db import unit_of_work
    from plugins.bank_profiles.remessa import gerar_remessa

    with unit_of_work(runtime.engine) as s:
        r = gerar_remessa(s, profile_id, user=user)
        return _("Remessa {f} gerada: NSA {nsa}, {t} título(s), {b} instrução(ões). Envie o arquivo ao banco e "
                 "marque-o como transmitido.").format(f=r.filename, nsa=r.nsa, t=r.titulos, b=r.instrucoes)


@router.get(REMESSAS_URL, include_in_schema=False)
async def remessas_page(request: Request, user=Depends(_require)):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime)
    return render(request, "bank_profiles/remessas.html", **ctx)


@router.post(REMESSAS_URL, include_in_schema=False)
async def remessas_generate(request: Request, user=Depends(_require)):
    runtime = request.app.state.runtime
    form = await request.form()
    raw = str(form.get("profile_id") or "").strip()
    error, done = None, None
    try:
        if not raw.isdigit():
            raise ValidationError(_("Escolha o perfil de pagamento."), field="profile_id")
        done = await run_in_threadpool(_generate, runtime, int(raw), user)
    except ValidationError as exc:
        error = str(exc)
    ctx = await run_in_threadpool(_page_context, runtime)
    status = 200 if error is None or request.headers.get("HX-Request") == "true" else 400
    return render(request, "bank_profiles/remessas.html", status_code=status, error=error, done=done, **ctx)


def _change_state(runtime, remessa_id: int, verb: str, user) -> str:
    from core.db import unit_of_work
    from plugins.bank_profiles.remessa_marks import descartar, transmitir

    with unit_of_work(runtime.engine) as s:
        if verb == "transmitida":
            r = transmitir(s, remessa_id, user=user)
            return _("Remessa {f} (NSA {nsa}) marcada como transmitida.").format(f=r.filename, nsa=r.nsa)
        r = descartar(s, remessa_id, user=user)
        return _("Remessa {f} (NSA {nsa}) descartada: suas faturas e instruções vão na próxima remessa; o NSA {nsa} "
                 "continua usado.").format(f=r.filename, nsa=r.nsa)


@router.post(REMESSAS_URL + "/{remessa_id}/{verb}", include_in_schema=False)
async def remessa_state(remessa_id: int, verb: str, request: Request, user=Depends(_require)):
    if verb not in ("transmitida", "descartar"):
        raise HTTPException(status_code=404)
    runtime = request.app.state.runtime
    error, done = None, None
    try:
        done = await run_in_threadpool(_change_state, runtime, remessa_id, verb, user)
    except ValidationError as exc:
        error = str(exc)
    ctx = await run_in_threadpool(_page_context, runtime)
    status = 200 if error is None or request.headers.get("HX-Request") == "true" else 400
    return render(request, "bank_profiles/remessas.html", status_code=status, error=error, done=done, **ctx)


def _file(runtime, remessa_id: int):
    from core.db import unit_of_work
    from plugins.bank_profiles.remessa_models import Remessa

    with unit_of_work(runtime.engine, readonly=True) as s:
        r = s.get(Remessa, remessa_id)
        return None if r is None else (r.filename, bytes(r.content))


@router.get(REMESSAS_URL + "/{remessa_id}/arquivo", include_in_schema=False)
async def remessa_download(remessa_id: int, request: Request, user=Depends(_require)):
    found = await run_in_threadpool(_file, request.app.state.runtime, remessa_id)
    if found is None:
        raise HTTPException(status_code=404, detail=_("Remessa {id} não existe").format(id=remessa_id))
    name, content = found
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
