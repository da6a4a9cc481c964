"""Page "Depósitos não identificados" (menu "Contas a receber").

- `GET  /receber/depositos?situacao=aberto&empresa=N` — the deposits (newest first) filtered by
  status ("todos" for every one) and company, with row checkboxes and the kernel action
  "Cancelar depósito não identificado"; and the form to register a new deposit;
- `POST /receber/depositos` — registers the deposit (`deposits.register_deposit`, one unit of
  work) and shows the list again with a confirmation; a refusal shows the pt-BR message next to
  its field (400 without HTMX, like the billing page).

Permission `receivables.deposit.manage`; CSRF from the app-wide dependency (field `csrf_token`).
Paying an invoice with a deposit is the kernel action "Liquidar com depósito não identificado"
on the invoices (customer panel, "Faturas a Receber").
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.i18n import _
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import render

DEPOSITS_URL = "/receber/depositos"
MENU_GROUP = "Contas a receber"
PAGE_LIMIT = 500
FORM_FIELDS = ("company_id", "deposited_on", "amount", "account", "description", "document")

router = APIRouter()


def _perm():
    from plugins.receivables.deposits import PERM_DEPOSITS

    return PERM_DEPOSITS


def _require(request: Request):
    return require_permission(_perm())(request)


def menu_items() -> list[MenuItem]:
    return [MenuItem(_("Depósitos não identificados"), DEPOSITS_URL, group=MENU_GROUP, order=30,
                     permission=_perm())]


def _parse_form_date(raw: str):
    from core.parties.search import parse_date

    if not raw:
        raise ValidationError(_("Informe a data do depósito."), field="deposited_on")
    try:
        return parse_date(raw, "deposited_on")
    except ValidationError:
        raise ValidationError(_("Data do depósito inválida: {v} (use dd/mm/aaaa).").format(v=raw),
                              field="deposited_on") from None


def register_from_form(runtime, form: dict, user) -> int:
    """The form's values ⇒ `register_deposit` in one unit of work; returns the new deposit's id."""
    from core.db import unit_of_work
    from plugins.receivables.deposits import register_deposit

    company = (form.get("company_id") or "").strip()
    if not company.isdigit():
        raise ValidationError(_("Informe a empresa do depósito."), field="company_id")
    account = (form.get("account") or "").strip()
    if not account:
        raise ValidationError(_("Informe a conta banco/caixa em que o valor foi depositado."), field="account")
    deposited_on = _parse_form_date((form.get("deposited_on") or "").strip())
    with unit_of_work(runtime.engine) as s:
        d = register_deposit(s, company_id=int(company), deposited_on=deposited_on, amount=form.get("amount"),
                             account=account, description=form.get("description") or "",
                             document=form.get("document"), user=user, runtime=runtime)
        return d.id


def _page_context(runtime, *, status: str | None, company_id: int | None, values: dict | None = None) -> dict:
    from core.db import unit_of_work
    from core.ledger.models import Account
    from core.models.company import Company
    from core.money import ZERO
    from plugins.receivables.deposit_models import DEPOSIT_OPEN, DEPOSIT_STATUSES
    from plugins.receivables.deposits import deposits_as_dicts, list_deposits

    with unit_of_work(runtime.engine, readonly=True) as s:
        companies = [(c.id, c.trade_name or c.name) for c in s.scalars(select(Company).order_by(Company.id))]
        accounts = [(a.id, a.company_id, f"{a.code} - {a.name}") for a in s.scalars(
            select(Account).where(Account.kind.in_(("bank", "cash")), Account.is_synthetic.is_(False),
                                  Account.active.is_(True)).order_by(Account.company_id, Account.code))]
        deposits = list_deposits(s, company_id=company_id, status=status, limit=PAGE_LIMIT)
        rows = deposits_as_dicts(s, deposits)
        for r, d in zip(rows, deposits):
            r["amount_value"] = d.amount
            r["deposited_on_value"] = d.deposited_on
        open_total = sum((d.amount for d in deposits if d.status == DEPOSIT_OPEN), ZERO)
    names = dict(companies)
    for r in rows:
        r["company"] = names.get(r["company_id"], r["company_id"])
    return {"rows": rows, "statuses": DEPOSIT_STATUSES, "status": status or "todos", "company_id": company_id,
            "companies": companies, "accounts": accounts, "open_total": open_total,
            "values": values or {}, "limit": PAGE_LIMIT,
            "cancel_action": "receivables.deposit.cancel" if "receivables.deposit.cancel" in runtime.registry.actions
            else None}


def _filters(request: Request) -> tuple[str | None, int | None]:
    from plugins.receivables.deposits import STATUS_LABELS

    raw = (request.query_params.get("situacao") or "aberto").strip()
    status = raw if raw in STATUS_LABELS else None  # "todos" (or anything else): every status
    company = (request.query_params.get("empresa") or "").strip()
    return status, int(company) if company.isdigit() else None


@router.get(DEPOSITS_URL, include_in_schema=False)
async def deposits_page(request: Request, user=Depends(_require)):
    runtime = request.app.state.runtime
    status, company_id = _filters(request)
    ctx = await run_in_threadpool(_page_context, runtime, status=status, company_id=company_id)
    return render(request, "receivables/deposits.html", **ctx)


@router.post(DEPOSITS_URL, include_in_schema=False)
async def deposits_register(request: Request, user=Depends(_require)):
    runtime = request.app.state.runtime
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in FORM_FIELDS}
    error, error_field, created = None, None, None
    try:
        created = await run_in_threadpool(register_from_form, runtime, values, user)
    except ValidationError as exc:
        error, error_field = str(exc), exc.field
    status = 200 if error is None or request.headers.get("HX-Request") == "true" else 400
    company_id = int(values["company_id"]) if created and values["company_id"].isdigit() else None
    ctx = await run_in_threadpool(_page_context, runtime, status="aberto", company_id=company_id,
                                  values={} if created else values)
    return render(request, "receivables/deposits.html", status_code=status, error=error, error_field=error_field,
                  created=created, **ctx)
