"""Page "Conciliador bancário" (menu "Financeiro"): the ledger's bank accounts, as the manual opens the
reconciler ("serão apresentadas as contas configuradas como 'Bancárias' no plano de contas").

- `GET  /conciliacao/contas` — each bank account with its statement accounts, lines, reconciled
  lines and % reconciled (reconciled / lines, deleted ones left out), the date of the last imported
  line and of the last import, a link to its reconciler and to its imported lines; the upload form;
- `POST /conciliacao/contas/extrato` — upload of an OFX (`statement_import.import_statement`, one unit
  of work; an unlinked file account asks for the ledger bank account, 400, as on "Extratos
  bancários"), then the automatic reconciliation of each imported account over the file's period
  (another unit of work: the import stays even if the automatic pass is refused), then — as the
  manual says, "após importar o arquivo será apresentada a página do conciliador bancário" — the
  reconciler of the first imported account with the import's and the automatic pass's summaries.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.i18n import _
from core.web.registry import MenuItem
from core.web.templating import render
from core.web.uploads import optional_id, uploaded_file
from plugins.reconciliation.reconciler_web import (CONTAS_URL, PERM_RECONCILE, auto_summary, require_reconciler,
                                                   workspace_context)

UPLOAD_URL = CONTAS_URL + "/extrato"
router = APIRouter()


def menu_items() -> list[MenuItem]:
    return [MenuItem("Conciliador bancário", CONTAS_URL, group="Financeiro", order=39, permission=PERM_RECONCILE)]


def list_context(runtime, user) -> dict:
    from core.db import unit_of_work
    from plugins.reconciliation.reconciler_queries import bank_account_rows
    from plugins.reconciliation.statement_web import EXTRATOS_URL, _bank_accounts

    with unit_of_work(runtime.engine, readonly=True) as s:
        banks = _bank_accounts(s, user)
        rows = bank_account_rows(s, banks)
    return {"rows": rows, "banks": [(a.id, f"{a.code} - {a.name}") for a in banks], "contas_url": CONTAS_URL,
            "upload_url": UPLOAD_URL, "extratos_url": EXTRATOS_URL}


@router.get(CONTAS_URL, include_in_schema=False)
async def bank_accounts_page(request: Request, user=Depends(require_reconciler)):
    ctx = await run_in_threadpool(list_context, request.app.state.runtime, user)
    return render(request, "reconciliation/bank_accounts.html", **ctx)


def import_and_match(runtime, name: str, content: bytes, bank_account_id: int | None, user) -> dict:
    """Import the file, then run the automatic pass on each imported account over its period: the
    import report plus, per imported account, (account id, first date, last date, automatic report)."""
    from core.db import unit_of_work
    from core.ledger.models import Account
    from plugins.reconciliation.matching import reconcile_automatic
    from plugins.reconciliation.models import StatementImport
    from plugins.reconciliation.statement_web import _import  # the same import as "Extratos bancários"

    report = _import(runtime, name, content, bank_account_id, user)
    with unit_of_work(runtime.engine, readonly=True) as s:
        periods = [(imp.bank_account_id, imp.first_date, imp.last_date)
                   for imp in (s.get(StatementImport, a["import_id"]) for a in report["accounts"] if a["import_id"])]
    matched = []
    for acc_id, first, last in periods:
        with unit_of_work(runtime.engine) as s:
            auto = reconcile_automatic(s, s.get(Account, acc_id), runtime=runtime, user=user, date_from=first,
                                       date_to=last).as_dict()
        matched.append((acc_id, first, last, auto))
    return {"report": report, "matched": matched}


@router.post(UPLOAD_URL, include_in_schema=False)
async def upload(request: Request, user=Depends(require_reconciler)):
    from plugins.reconciliation.statement_import import AccountChoiceNeeded

    runtime = request.app.state.runtime
    form = await request.form()
    try:
        filename, content = await uploaded_file(form, missing=_("Escolha o arquivo OFX."))
        account_id = optional_id(form, "bank_account_id", invalid=_("Conta bancária inválida."))
        done = await run_in_threadpool(import_and_match, runtime, filename, content, account_id, user)
    except AccountChoiceNeeded as exc:
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", status_code=400, ask=str(exc), **ctx)
    except ValidationError as exc:
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", status_code=400, error=str(exc), **ctx)
    if not done["matched"]:
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", report=done["report"], **ctx)
    acc_id, first, last, auto = done["matched"][0]
    ctx = await run_in_threadpool(workspace_context, runtime, user, acc_id, first or date.today(), last or date.today())
    others = [(a, f, t) for a, f, t, _r in done["matched"][1:]]
    return render(request, "reconciliation/reconciler.html", report=done["report"], auto=auto_summary(auto),
                  alerts=auto["alerts"], other_imports=others, **ctx)
