"""Page "Arquivos do Convênio 115" (menu "Fiscal"): generate the period's file set, download it and
see the validator's report.

- `GET  /fiscal/conv115?empresa=N&periodo=AAMM&entrega=ID` — the form (empresa, período AAMM,
  modelo, série, "entrega substituta") and the deliveries generated (newest first, filtered by
  empresa/período), each with its files (name, type, records, size, MD5) and download links;
  `entrega=ID` shows that delivery's validator report;
- `POST /fiscal/conv115` — `period_files.generate_period` in one unit of work, then the page with
  the new delivery and its validator report; a refusal shows the pt-BR message next to its field
  (400 without HTMX);
- `GET  /fiscal/conv115/arquivos/{id}` — one stored file (bytes as generated);
- `GET  /fiscal/conv115/entregas/{id}.zip` — the delivery's files in a zip.

The report is `conv115.check.check_files` run on the STORED files (what will be delivered): per
file its type, records, record length and totals (valor total, BC ICMS, ICMS), then every error
and warning with file, record and field.

Permission `fiscal_nf2122.period.manage`; a user bound to a company sees and generates only that
company's files. CSRF from the app-wide dependency (field `csrf_token`).
"""

from __future__ import annotations

import io
import zipfile

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.errors import NotFound, ValidationError
from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import render

PERM_PERIOD = "fiscal_nf2122.period.manage"
PERMISSIONS = {PERM_PERIOD: ("Gerar e baixar os arquivos do Convênio 115 e ver o relatório do validador",
                             "Documentos fiscais")}
CONV115_URL = "/fiscal/conv115"
FILE_URL = "/fiscal/conv115/arquivos/{part_id}"
ZIP_URL = "/fiscal/conv115/entregas/{delivery_id}.zip"
MENU_GROUP = "Fiscal"
PAGE_LIMIT = 100
FORM_FIELDS = ("company_id", "period", "model", "serie", "substitute")
TYPE_LABELS = {"M": "Mestre", "I": "Item", "D": "Dados cadastrais", "C": "Controle"}

router = APIRouter()

from pathlib import Path  # noqa: E402

from core.web.templating import add_template_dir  # noqa: E402

add_template_dir(Path(__file__).parent / "templates")


def menu_items() -> list[MenuItem]:
    return [MenuItem(_("Arquivos do Convênio 115"), CONV115_URL, group=MENU_GROUP, order=20, permission=PERM_PERIOD)]


# --- services used by the page ---------------------------------------------------------------------

def validation_report(files: list[tuple[str, bytes]]) -> dict:
    """`check_files` on the stored files, as the template shows it."""
    from plugins.fiscal_nf2122.conv115.check import check_files

    reports = check_files(files)
    rows, problems = [], []
    for r in reports:
        rows.append({"name": r.name, "type": r.type, "type_label": TYPE_LABELS.get(r.type or "", "?"),
                     "records": r.records, "record_length": r.record_length, "totals": r.totals,
                     "errors": len(r.errors), "warnings": len(r.warnings)})
        for kind, found in (("erro", r.errors), ("aviso", r.warnings)):
            problems.extend({"file": r.name, "kind": kind, "record": p.record, "field": p.field, "message": p.message}
                            for p in found)
    return {"files": rows, "problems": problems, "errors": sum(f["errors"] for f in rows),
            "warnings": sum(f["warnings"] for f in rows)}


def _delivery(session, delivery_id: int, company_id: int | None):
    from plugins.fiscal_nf2122.models import FiscalPeriodFile

    found = session.get(FiscalPeriodFile, delivery_id)
    if found is None or (company_id is not None and found.company_id != company_id):
        raise NotFound(_("Entrega {id} do Convênio 115 não encontrada.").format(id=delivery_id))
    return found


def _parts(session, delivery_id: int) -> list:
    from plugins.fiscal_nf2122.models import FiscalPeriodFilePart

    return list(session.scalars(select(FiscalPeriodFilePart).where(FiscalPeriodFilePart.period_file_id == delivery_id)
                                .order_by(FiscalPeriodFilePart.id)))


def delivery_report(session, delivery_id: int, company_id: int | None = None) -> dict:
    _delivery(session, delivery_id, company_id)
    return validation_report([(p.name, bytes(p.data)) for p in _parts(session, delivery_id)])


def generate_from_form(runtime, form: dict, user) -> int:
    """The form's values ⇒ `generate_period` in one unit of work; returns the delivery id."""
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.fiscal_nf2122.period_files import generate_period
    from plugins.fiscal_nf2122.settings import settings_of

    settings = settings_of(runtime)
    raw_company = (form.get("company_id") or "").strip()
    if not raw_company.isdigit():
        raise ValidationError(_("Informe a empresa emitente."), field="company_id")
    user_company = getattr(user, "company_id", None)
    if user_company is not None and int(raw_company) != user_company:
        raise ValidationError(_("Você só pode gerar arquivos da sua empresa."), field="company_id")
    raw_model = (form.get("model") or str(settings.model)).strip()
    if raw_model not in ("21", "22"):
        raise ValidationError(_("Modelo {m} inválido: use 21 ou 22.").format(m=raw_model), field="model")
    serie = (form.get("serie") or "").strip().upper() or settings.serie
    if len(serie) > 3:
        raise ValidationError(_("Série {s} inválida: até 3 caracteres.").format(s=serie), field="serie")
    with unit_of_work(runtime.engine) as s:
        company = s.get(Company, int(raw_company))
        if company is None:
            raise ValidationError(_("Empresa {c} não encontrada.").format(c=raw_company), field="company_id")
        delivery, _files = generate_period(s, company, (form.get("period") or "").strip(), model=int(raw_model),
                                           serie=serie, substitute=form.get("substitute") in ("1", "on", "true"),
                                           user=user)
        from core import audit

        audit.record(s, action="fiscal_nf2122.period.generate", target_kind="fiscal_period_file",
                     target_id=delivery.id, user=user, after=audit.snapshot(delivery), company_id=company.id)
        return delivery.id


def page_context(runtime, *, company_id: int | None, period: str | None, user_company: int | None,
                 show: int | None = None, values: dict | None = None) -> dict:
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.fiscal_nf2122.models import FiscalPeriodFile
    from plugins.fiscal_nf2122.settings import settings_of

    settings = settings_of(runtime)
    with unit_of_work(runtime.engine, readonly=True) as s:
        stmt = select(Company).order_by(Company.id)
        if user_company is not None:
            stmt = stmt.where(Company.id == user_company)
        companies = [(c.id, c.trade_name or c.name) for c in s.scalars(stmt)]
        q = select(FiscalPeriodFile)
        if user_company is not None:
            q = q.where(FiscalPeriodFile.company_id == user_company)
        if company_id is not None:
            q = q.where(FiscalPeriodFile.company_id == company_id)
        if period:
            q = q.where(FiscalPeriodFile.period == period)
        deliveries = []
        names = dict(companies)
        for d in s.scalars(q.order_by(FiscalPeriodFile.id.desc()).limit(PAGE_LIMIT)):
            deliveries.append({
                "id": d.id, "company": names.get(d.company_id, d.company_id), "period": d.period, "model": d.model,
                "serie": d.serie, "status": d.status, "sequencia": d.sequencia, "documents": d.documents,
                "valor_total": d.valor_total, "created_at": d.created_at, "created_by": d.created_by or "",
                "files": [{"id": p.id, "name": p.name, "type": p.type, "records": p.records, "size": p.size,
                           "md5": p.md5} for p in _parts(s, d.id)]})
        report = delivery_report(s, show, user_company) if show is not None else None
    shown = next((d for d in deliveries if d["id"] == show), None)
    return {"companies": companies, "deliveries": deliveries, "company_id": company_id, "period": period or "",
            "values": values or {"model": str(settings.model), "serie": settings.serie},
            "report": report, "shown": shown, "show_id": show, "type_labels": TYPE_LABELS,
            "file_url": FILE_URL, "zip_url": ZIP_URL, "limit": PAGE_LIMIT}


# --- routes ------------------------------------------------------------------------------------------

def _int(raw) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


@router.get(CONV115_URL, include_in_schema=False)
async def conv115_page(request: Request, user=Depends(require_permission(PERM_PERIOD))):
    runtime = request.app.state.runtime
    q = request.query_params
    period = (q.get("periodo") or "").strip() or None
    ctx = await run_in_threadpool(page_context, runtime, company_id=_int(q.get("empresa")), period=period,
                                  user_company=getattr(user, "company_id", None), show=_int(q.get("entrega")))
    return render(request, "fiscal_nf2122/conv115.html", **ctx)


@router.post(CONV115_URL, include_in_schema=False)
async def conv115_generate(request: Request, user=Depends(require_permission(PERM_PERIOD))):
    runtime = request.app.state.runtime
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in FORM_FIELDS}
    error, error_field, created = None, None, None
    try:
        created = await run_in_threadpool(generate_from_form, runtime, values, user)
    except ValidationError as exc:
        error, error_field = str(exc), exc.field
    status = 200 if error is None or request.headers.get("HX-Request") == "true" else 400
    ctx = await run_in_threadpool(page_context, runtime, company_id=_int(values["company_id"]) if created else None,
                                  period=values["period"] if created else None,
                                  user_company=getattr(user, "company_id", None), show=created, values=values)
    return render(request, "fiscal_nf2122/conv115.html", status_code=status, error=error, error_field=error_field,
                  created=created, **ctx)


def _file(runtime, part_id: int, company_id: int | None):
    from core.db import unit_of_work
    from plugins.fiscal_nf2122.models import FiscalPeriodFilePart

    with unit_of_work(runtime.engine, readonly=True) as s:
        part = s.get(FiscalPeriodFilePart, part_id)
        if part is None:
            raise NotFound(_("Arquivo {id} não encontrado.").format(id=part_id))
        _delivery(s, part.period_file_id, company_id)
        return part.name, bytes(part.data)


def _zip(runtime, delivery_id: int, company_id: int | None):
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as s:
        d = _delivery(s, delivery_id, company_id)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in _parts(s, delivery_id):
                info = zipfile.ZipInfo(part.name, date_time=(2000 + int(d.period[:2]), int(d.period[2:]), 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, bytes(part.data))
        return f"conv115-{d.period}-{d.model}-{d.serie.strip()}-{d.status}{d.sequencia:02d}.zip", buffer.getvalue()


def _download(name: str, content: bytes, media_type: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get(FILE_URL, include_in_schema=False)
async def conv115_file(request: Request, part_id: int, user=Depends(require_permission(PERM_PERIOD))):
    name, content = await run_in_threadpool(_file, request.app.state.runtime, part_id,
                                            getattr(user, "company_id", None))
    return _download(name, content, "application/octet-stream")


@router.get(ZIP_URL, include_in_schema=False)
async def conv115_zip(request: Request, delivery_id: int, user=Depends(require_permission(PERM_PERIOD))):
    name, content = await run_in_threadpool(_zip, request.app.state.runtime, delivery_id,
                                            getattr(user, "company_id", None))
    return _download(name, content, "application/zip")
