"""Page "Extratos bancários (OFX)" (menu "Financeiro") — the minimal upload page of issue 5's first part.

- `GET  /conciliacao/extratos` — the upload form, the last imports and, with `?conta=<id>`, the
  imported lines of that bank account (newest first; deleted ones marked);
- `POST /conciliacao/extratos` — `statement_import.import_statement` in one unit of work. A file
  account without a link asks for the ledger bank account (the select of the form), as the manual
  describes ("as contas contábeis que não estão vinculadas…"): the answer is 400 with the question,
  and the operator sends the file again with the account chosen; later uploads use the link. A file
  above `[plugins.reconciliation] ofx_job_threshold` lines runs as a job (`statement_jobs.py`): the
  answer shows its progress, polled (htmx) at `GET …/importacoes/{file_id}/progresso` until the report;
- `GET  /conciliacao/extratos/importacoes/{file_id}` — that progress/report again (resumes a stopped job).

The reconciler proper (suggestions, reconcile/unreconcile) is `reconciler_web.py`, opened from the bank
accounts list of `bank_accounts_web.py` ("Conciliador bancário"), which links back here ("Extrato").
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
from core.web.uploads import optional_id, uploaded_file

EXTRATOS_URL = "/conciliacao/extratos"
PERM_IMPORT = "reconciliation.statement.import"
LINES_SHOWN = 500

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def _require(request: Request):
    return require_permission(PERM_IMPORT)(request)


def _require_import_or_reconcile(request: Request):
    """The progress of a job import: sent from "Extratos bancários" or from the bank accounts list."""
    from fastapi import HTTPException

    from core.auth import has_permission
    from core.web.deps import current_user
    from plugins.reconciliation.reconciler_web import PERM_RECONCILE

    user = current_user(request)
    if not (has_permission(user, PERM_IMPORT) or has_permission(user, PERM_RECONCILE)):
        raise HTTPException(status_code=403, detail=f"Você não tem a permissão necessária: {PERM_IMPORT}")
    return user


def menu_items() -> list[MenuItem]:
    return [MenuItem("Extratos bancários (OFX)", EXTRATOS_URL, group="Financeiro", order=40, permission=PERM_IMPORT)]


def _bank_accounts(s, user) -> list:
    from core.choices import cash_accounts

    return [a for a in cash_accounts(s, getattr(user, "company_id", None)) if a.kind == "bank"]


def _page_context(runtime, user, account_id: int | None = None) -> dict:
    from core.db import unit_of_work
    from plugins.reconciliation.models import StatementFile, StatementImport, StatementLine

    with unit_of_work(runtime.engine, readonly=True) as s:
        banks = _bank_accounts(s, user)
        labels = {a.id: f"{a.code} - {a.name}" for a in banks}
        rows = s.execute(select(StatementImport, StatementFile).join(StatementFile, StatementFile.id == StatementImport.file_id)
                         .where(StatementImport.bank_account_id.in_(list(labels) or [0]))
                         .order_by(StatementImport.id.desc()).limit(50)).all()
        imports = [{"id": i.id, "filename": f.filename, "account": labels[i.bank_account_id],
                    "account_id": i.bank_account_id, "ofx_account": i.ofx_account_id, "lines": i.lines_in_file,
                    "new": i.new_lines, "already": i.already_imported, "restored": i.restored,
                    "balance": i.balance, "imported_at": f.imported_at} for i, f in rows]
        lines = []
        if account_id in labels:
            lines = list(s.scalars(select(StatementLine).where(StatementLine.bank_account_id == account_id)
                                   .order_by(StatementLine.posted_on.desc(), StatementLine.id.desc())
                                   .limit(LINES_SHOWN)))
            s.expunge_all()
    return {"banks": list(labels.items()), "imports": imports, "lines": lines,
            "account_id": account_id if account_id in labels else None,
            "account_label": labels.get(account_id), "extratos_url": EXTRATOS_URL}


def _import(runtime, name: str, content: bytes, bank_account_id: int | None, user, *, inline: bool = False):
    """Inline (the report) or, above `ofx_job_threshold` lines, a job (`statement_jobs`); `inline`:
    always inline (the bank accounts page runs the automatic pass right after)."""
    from core.db import unit_of_work
    from plugins.reconciliation.statement_jobs import submit_statement

    with unit_of_work(runtime.engine) as s:
        if bank_account_id is not None and bank_account_id not in {a.id for a in _bank_accounts(s, user)}:
            raise ValidationError("Escolha uma conta bancária da sua empresa.", field="bank_account_id")
        return submit_statement(s, runtime, content, name, bank_account_id=bank_account_id, user=user,
                                threshold=10**12 if inline else None)


def _progress(runtime, user, file_id: int, *, start: bool) -> dict:
    """The progress of a file's import (404 for a file of no bank account of the user's company);
    `start`: a thread of this process works on the job if it is still queued/running."""
    from core.db import unit_of_work
    from core.errors import NotFound
    from plugins.reconciliation.models import StatementImport
    from plugins.reconciliation.statement_jobs import ensure_worker, import_progress

    from core.auth import has_permission
    from plugins.reconciliation.bank_accounts_web import UPLOAD_URL
    from plugins.reconciliation.reconciler_web import PERM_RECONCILE

    with unit_of_work(runtime.engine, readonly=True) as s:
        mine = {a.id for a in _bank_accounts(s, user)}
        accounts = set(s.scalars(select(StatementImport.bank_account_id).where(StatementImport.file_id == file_id)))
        if not accounts or not accounts <= mine:
            raise NotFound(f"Importação de extrato {file_id} não existe")
        progress = import_progress(s, file_id)
    # "Conciliação automática" once done (the bank accounts page's upload; the reconciler's permission)
    progress["match_url"] = f"{UPLOAD_URL}/{file_id}/automatica" if has_permission(user, PERM_RECONCILE) else None
    if start and progress["job_id"] is not None and not progress["finished"]:
        ensure_worker(runtime, progress["job_id"])
    return progress


@router.get(EXTRATOS_URL + "/importacoes/{file_id}", include_in_schema=False)
async def extrato_job_page(request: Request, file_id: int, user=Depends(_require)):
    runtime = request.app.state.runtime
    progress = await run_in_threadpool(_progress, runtime, user, file_id, start=True)
    ctx = await run_in_threadpool(_page_context, runtime, user)
    return render(request, "reconciliation/extratos.html", progress=progress, **ctx)


@router.get(EXTRATOS_URL + "/importacoes/{file_id}/progresso", include_in_schema=False)
async def extrato_job_progress(request: Request, file_id: int, user=Depends(_require_import_or_reconcile)):
    progress = await run_in_threadpool(_progress, request.app.state.runtime, user, file_id, start=False)
    return render(request, "reconciliation/extrato_progress.html", progress=progress, extratos_url=EXTRATOS_URL)


@router.get(EXTRATOS_URL, include_in_schema=False)
async def extratos_page(request: Request, conta: int | None = None, user=Depends(_require)):
    ctx = await run_in_threadpool(_page_context, request.app.state.runtime, user, conta)
    return render(request, "reconciliation/extratos.html", **ctx)


@router.post(EXTRATOS_URL, include_in_schema=False)
async def extratos_upload(request: Request, user=Depends(_require)):
    from plugins.reconciliation.statement_import import AccountChoiceNeeded

    runtime = request.app.state.runtime
    form = await request.form()
    ask = None
    try:
        filename, content = await uploaded_file(form, missing=_("Escolha o arquivo OFX."))
        account_id = optional_id(form, "bank_account_id", invalid=_("Conta bancária inválida."))
        submitted = await run_in_threadpool(_import, runtime, filename, content, account_id, user)
        report = submitted.report
    except AccountChoiceNeeded as exc:
        ask = str(exc)
    except ValidationError as exc:
        ctx = await run_in_threadpool(_page_context, runtime, user)
        return render(request, "reconciliation/extratos.html", status_code=400, error=str(exc), **ctx)
    if ask is not None:
        ctx = await run_in_threadpool(_page_context, runtime, user)
        return render(request, "reconciliation/extratos.html", status_code=400, ask=ask, **ctx)
    if submitted.job_id is not None:  # big file: the job runs in a thread of this process; the page polls
        progress = await run_in_threadpool(_progress, runtime, user, submitted.file_id, start=True)
        ctx = await run_in_threadpool(_page_context, runtime, user)
        return render(request, "reconciliation/extratos.html", progress=progress, **ctx)
    imported = next((a for a in report["accounts"] if a["import_id"]), None)
    ctx = await run_in_threadpool(_page_context, runtime, user,
                                  _account_of_import(runtime, imported["import_id"]) if imported else None)
    return render(request, "reconciliation/extratos.html", report=report, **ctx)


def _account_of_import(runtime, import_id: int) -> int:
    from core.db import unit_of_work
    from plugins.reconciliation.models import StatementImport

    with unit_of_work(runtime.engine, readonly=True) as s:
        return s.get(StatementImport, import_id).bank_account_id
