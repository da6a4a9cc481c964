"""Page "Extratos bancários (OFX)" (menu "Financeiro") — the minimal upload page of issue 5's first part.

- `GET  /conciliacao/extratos` — the upload form, the last imports and, with `?conta=<id>`, the
  imported lines of that bank account (newest first; deleted ones marked);
- `POST /conciliacao/extratos` — `statement_import.import_statement` in one unit of work. A file
  account without a link asks for the ledger bank account (the select of the form), as the manual
  describes ("as contas contábeis que não estão vinculadas…"): the answer is 400 with the question,
  and the operator sends the file again with the account chosen; later uploads use the link.

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


def _import(runtime, name: str, content: bytes, bank_account_id: int | None, user) -> dict:
    from core.db import unit_of_work
    from plugins.reconciliation.statement_import import import_statement

    with unit_of_work(runtime.engine) as s:
        if bank_account_id is not None and bank_account_id not in {a.id for a in _bank_accounts(s, user)}:
            raise ValidationError("Escolha uma conta bancária da sua empresa.", field="bank_account_id")
        return import_statement(s, content, name, bank_account_id=bank_account_id, user=user).as_dict()


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
        report = await run_in_threadpool(_import, runtime, filename, content, account_id, user)
    except AccountChoiceNeeded as exc:
        ask = str(exc)
    except ValidationError as exc:
        ctx = await run_in_threadpool(_page_context, runtime, user)
        return render(request, "reconciliation/extratos.html", status_code=400, error=str(exc), **ctx)
    if ask is not None:
        ctx = await run_in_threadpool(_page_context, runtime, user)
        return render(request, "reconciliation/extratos.html", status_code=400, ask=ask, **ctx)
    imported = next((a for a in report["accounts"] if a["import_id"]), None)
    ctx = await run_in_threadpool(_page_context, runtime, user,
                                  _account_of_import(runtime, imported["import_id"]) if imported else None)
    return render(request, "reconciliation/extratos.html", report=report, **ctx)


def _account_of_import(runtime, import_id: int) -> int:
    from core.db import unit_of_work
    from plugins.reconciliation.models import StatementImport

    with unit_of_work(runtime.engine, readonly=True) as s:
        return s.get(StatementImport, import_id).bank_account_id
