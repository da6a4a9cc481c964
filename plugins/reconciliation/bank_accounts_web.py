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
  reconciler of the first imported account with the import's and the automatic pass's summaries;
- a file above `ofx_job_threshold` lines is imported as a job (`statement_jobs.py`): the list answers with
  its progress (htmx) and, once done, "Conciliação automática" (`POST …/extrato/{file_id}/automatica`) runs
  the automatic pass and opens the reconciler;
- `POST /conciliacao/contas/vinculos/{id}` (field `bank_account_id`) and `…/vinculos/{id}/remover` —
  "Vínculos de contas do extrato": change a file account's link / remove it when no line was imported
  through it (`account_links.py`; permission "Importar extratos bancários (OFX) e vincular contas").
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
LINKS_URL = CONTAS_URL + "/vinculos"  # "Vínculos de contas do extrato" (account_links.py)
router = APIRouter()


def menu_items() -> list[MenuItem]:
    return [MenuItem("Conciliador bancário", CONTAS_URL, group="Financeiro", order=39, permission=PERM_RECONCILE)]


def list_context(runtime, user, company_id: int | None = None) -> dict:
    """`company_id`: when the user's bank accounts span several companies (a user of no company), the
    list shows only that company's (the select "Empresa"); None ⇒ all."""
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.reconciliation.reconciler_queries import bank_account_rows
    from plugins.reconciliation.statement_web import EXTRATOS_URL, _bank_accounts

    from plugins.reconciliation.account_links import link_rows

    with unit_of_work(runtime.engine, readonly=True) as s:
        banks = _bank_accounts(s, user)
        company_ids = sorted({a.company_id for a in banks})
        companies = [(c.id, c.name) for c in (s.get(Company, i) for i in company_ids)] if len(company_ids) > 1 else []
        if company_id not in company_ids:
            company_id = None
        shown = [a for a in banks if company_id is None or a.company_id == company_id]
        rows = bank_account_rows(s, shown)
        links = link_rows(s, [a.id for a in shown])
    return {"rows": rows, "banks": [(a.id, f"{a.code} - {a.name}") for a in banks], "contas_url": CONTAS_URL,
            "upload_url": UPLOAD_URL, "extratos_url": EXTRATOS_URL, "links": links, "links_url": LINKS_URL,
            "companies": companies, "company_id": company_id}


@router.get(CONTAS_URL, include_in_schema=False)
async def bank_accounts_page(request: Request, empresa: str | None = None, user=Depends(require_reconciler)):
    company_id = int(empresa) if empresa and empresa.strip().isdigit() else None
    ctx = await run_in_threadpool(list_context, request.app.state.runtime, user, company_id)
    return render(request, "reconciliation/bank_accounts.html", **ctx)


def import_and_match(runtime, name: str, content: bytes, bank_account_id: int | None, user) -> dict:
    """Import the file, then run the automatic pass on each imported account over its period: the
    import report plus, per imported account, (account id, first date, last date, automatic report).
    A file above `ofx_job_threshold` lines becomes a job (`statement_jobs`): {"progress": …} instead,
    and the automatic pass waits for the operator's "Conciliação automática" once it is done."""
    from plugins.reconciliation.statement_web import _import, _progress  # the same import as "Extratos bancários"

    submitted = _import(runtime, name, content, bank_account_id, user)
    if submitted.job_id is not None:
        return {"progress": _progress(runtime, user, submitted.file_id, start=True)}
    return match_file(runtime, user, submitted.report)


def match_file(runtime, user, report: dict) -> dict:
    """The automatic pass on each account imported by the file of `report`, over its period."""
    from core.db import unit_of_work
    from core.ledger.models import Account
    from plugins.reconciliation.matching import reconcile_automatic
    from plugins.reconciliation.models import StatementImport

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


async def _after_import(request: Request, runtime, user, done: dict):
    if "progress" in done:  # big file: its job runs in a thread of this process; the page polls it
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", progress=done["progress"], **ctx)
    if not done["matched"]:
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", report=done["report"], **ctx)
    acc_id, first, last, auto = done["matched"][0]
    ctx = await run_in_threadpool(workspace_context, runtime, user, acc_id, first or date.today(), last or date.today())
    others = [(a, f, t) for a, f, t, _r in done["matched"][1:]]
    return render(request, "reconciliation/reconciler.html", report=done["report"], auto=auto_summary(auto),
                  alerts=auto["alerts"], other_imports=others, **ctx)


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
    return await _after_import(request, runtime, user, done)


def _match_finished(runtime, user, file_id: int) -> dict:
    from plugins.reconciliation.statement_web import _progress

    progress = _progress(runtime, user, file_id, start=False)
    if not progress["finished"]:
        raise ValidationError(f"A importação de {progress['filename']} ainda não terminou "
                              f"({progress['read']} de {progress['lines']} lançamentos lidos).", field="file")
    return match_file(runtime, user, progress["report"])


@router.post(UPLOAD_URL + "/{file_id}/automatica", include_in_schema=False)
async def match_after_job(request: Request, file_id: int, user=Depends(require_reconciler)):
    """"Conciliação automática" of a big file once its job is done: then the reconciler, as after an upload."""
    runtime = request.app.state.runtime
    try:
        done = await run_in_threadpool(_match_finished, runtime, user, file_id)
    except ValidationError as exc:
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", status_code=400, error=str(exc), **ctx)
    return await _after_import(request, runtime, user, done)


def _require_linker(request: Request):
    from core.web.deps import require_permission
    from plugins.reconciliation.statement_web import PERM_IMPORT

    return require_permission(PERM_IMPORT)(request)


def _change_link(runtime, user, link_id: int, bank_account_id: int | None, remove: bool) -> str:
    from core.db import unit_of_work
    from plugins.reconciliation.account_links import change_link, remove_link
    from plugins.reconciliation.models import AccountLink
    from plugins.reconciliation.statement_web import _bank_accounts

    with unit_of_work(runtime.engine) as s:
        mine = {a.id for a in _bank_accounts(s, user)}
        link = s.get(AccountLink, link_id)
        if link is None or link.bank_account_id not in mine:
            raise ValidationError(f"Vínculo {link_id} não encontrado.", field="link_id")
        if remove:
            return remove_link(s, link_id)["message"]
        if bank_account_id is None or bank_account_id not in mine:
            raise ValidationError("Escolha uma conta bancária da sua empresa.", field="bank_account_id")
        return change_link(s, link_id, bank_account_id, user=user)["message"]


async def _link_action(request: Request, user, link_id: int, remove: bool):
    runtime = request.app.state.runtime
    form = await request.form()
    try:
        account_id = None if remove else optional_id(form, "bank_account_id", invalid=_("Conta bancária inválida."))
        message = await run_in_threadpool(_change_link, runtime, user, link_id, account_id, remove)
    except ValidationError as exc:
        ctx = await run_in_threadpool(list_context, runtime, user)
        return render(request, "reconciliation/bank_accounts.html", status_code=400, link_error=str(exc), **ctx)
    ctx = await run_in_threadpool(list_context, runtime, user)
    return render(request, "reconciliation/bank_accounts.html", link_message=message, **ctx)


@router.post(LINKS_URL + "/{link_id}", include_in_schema=False)
async def change_link_post(request: Request, link_id: int, user=Depends(_require_linker)):
    return await _link_action(request, user, link_id, remove=False)


@router.post(LINKS_URL + "/{link_id}/remover", include_in_schema=False)
async def remove_link_post(request: Request, link_id: int, user=Depends(_require_linker)):
    return await _link_action(request, user, link_id, remove=True)
