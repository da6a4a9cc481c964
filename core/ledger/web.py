"""Ledger pages (pt-BR): journal entries (list, detail, manual entry) and the trial balance.

- `GET  /contabilidade/lancamentos` — entries of a company, filtered by period and account;
- `GET  /contabilidade/lancamentos/{id}` — one entry, its lines, its reversal, the "Estornar"
  button (the generic bulk-action dialog of `ledger.entry.reverse`) and its history;
- `GET/POST /contabilidade/lancamentos/novo` — a manual entry (`post_entry`); refusals are shown
  on the form, nothing is written;
- `GET  /contabilidade/balancete` — the trial balance of a company for a period.

Chart of accounts, cost centres and templates use the generic document pages (`/doc/...`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.hooks import PERM_POST, PERM_READ, REVERSE_ACTION
from core.ledger.models import Account, CostCentre, JournalEntry
from core.ledger.services import (LineSpec, get_entry, list_entries, post_entry, reversal_of, trial_balance)
from core.models.company import Company
from core.web.deps import require_permission
from core.web.templating import SAO_PAULO, add_template_dir, render

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZE = 50
FORM_LINES = 6

router = APIRouter(prefix="/contabilidade", include_in_schema=False)


def build_router() -> APIRouter:
    add_template_dir(TEMPLATES)
    return router


def _parse_date(raw: str | None, label: str, errors: list[str]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        errors.append(f"{label}: data inválida ({raw}).")
        return None


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _companies(session) -> list[Company]:
    return list(session.scalars(select(Company).order_by(Company.code)))


def _pick_company(companies: list[Company], raw: str | None, user) -> Company | None:
    wanted = _int(raw) or getattr(user, "company_id", None)
    for c in companies:
        if c.id == wanted:
            return c
    return companies[0] if companies else None


def _analytic_accounts(session, company_id: int) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.company_id == company_id,
                                                      Account.is_synthetic.is_(False), Account.active.is_(True))
                                .order_by(Account.code)))


def _today() -> dt.date:
    return dt.datetime.now(SAO_PAULO).date()


def _month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


@router.get("/lancamentos")
def entries_page(request: Request, user=Depends(require_permission(PERM_READ))):
    q = request.query_params
    errors: list[str] = []
    start = _parse_date(q.get("de"), "Data inicial", errors)
    end = _parse_date(q.get("ate"), "Data final", errors)
    page = max(_int(q.get("pagina")) or 1, 1)
    with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
        companies = _companies(s)
        company = _pick_company(companies, q.get("empresa"), user)
        accounts = _analytic_accounts(s, company.id) if company else []
        account_id = _int(q.get("conta"))
        rows, total = (list_entries(s, company.id, start=start, end=end, account_id=account_id,
                                    limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE) if company else ([], 0))
        reversed_ids = set(s.scalars(select(JournalEntry.reversal_of_id)
                                     .where(JournalEntry.reversal_of_id.in_([e.id for e in rows]))))
    params = {k: v for k, v in q.items() if k != "pagina" and v}
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page_url = lambda n: f"/contabilidade/lancamentos?{urlencode({**params, 'pagina': n})}"  # noqa: E731
    return render(request, "ledger/entries.html", companies=companies, company=company, accounts=accounts,
                  account_id=account_id, start=start, end=end, rows=rows, total=total, page=page, pages=pages,
                  reversed_ids=reversed_ids, errors=errors,
                  prev_url=page_url(page - 1) if page > 1 else None,
                  next_url=page_url(page + 1) if page < pages else None)


@router.get("/lancamentos/novo")
def new_entry_page(request: Request, user=Depends(require_permission(PERM_POST))):
    with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
        ctx = _form_context(s, request.query_params.get("empresa"), user)
    return render(request, "ledger/entry_form.html", values={"date": _today().isoformat()},
                  lines=[{}] * FORM_LINES, error=None, **ctx)


def _form_context(session, company_raw, user) -> dict:
    companies = _companies(session)
    company = _pick_company(companies, company_raw, user)
    centres = (list(session.scalars(select(CostCentre).where(CostCentre.company_id == company.id,
                                                             CostCentre.active.is_(True)).order_by(CostCentre.code)))
               if company else [])
    return {"companies": companies, "company": company, "centres": centres,
            "accounts": _analytic_accounts(session, company.id) if company else []}


@router.post("/lancamentos/novo")
async def new_entry_submit(request: Request, user=Depends(require_permission(PERM_POST))):
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    raw_lines = []
    for i in range(FORM_LINES):
        line = {k: values.get(f"l{i}_{k}", "").strip() for k in ("account", "debit", "credit", "centre", "memo")}
        if any(line.values()):
            raw_lines.append(line)

    def save():
        with unit_of_work(request.app.state.runtime.engine) as s:
            date_errors: list[str] = []
            on = _parse_date(values.get("date"), "Data", date_errors)
            if date_errors or on is None:
                raise ValidationError(date_errors[0] if date_errors else "Informe a data do lançamento.",
                                      field="date")
            specs = [LineSpec(account_id=_int(ln["account"]) or 0, debit=ln["debit"] or None,
                              credit=ln["credit"] or None, cost_centre_id=_int(ln["centre"]), memo=ln["memo"] or None)
                     for ln in raw_lines]
            entry = post_entry(s, company_id=_int(values.get("company")) or 0, date=on,
                               description=values.get("description", ""), lines=specs, user=user,
                               origin="Lançamento manual")
            return entry.id

    from starlette.concurrency import run_in_threadpool

    try:
        entry_id = await run_in_threadpool(save)
    except ValidationError as exc:
        def context():
            with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
                return _form_context(s, values.get("company"), user)

        ctx = await run_in_threadpool(context)
        lines = raw_lines + [{}] * (FORM_LINES - len(raw_lines))
        return render(request, "ledger/entry_form.html", status_code=422, values=values, lines=lines,
                      error=str(exc), **ctx)
    return RedirectResponse(f"/contabilidade/lancamentos/{entry_id}?ok=1", status_code=303)


@router.get("/lancamentos/{entry_id}")
def entry_page(request: Request, entry_id: int, user=Depends(require_permission(PERM_READ))):
    with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
        entry = get_entry(s, entry_id)
        company = s.get(Company, entry.company_id)
        reversal = reversal_of(s, entry.id)
        original = s.get(JournalEntry, entry.reversal_of_id) if entry.reversal_of_id else None
        centres = {c.id: c for c in s.scalars(select(CostCentre).where(CostCentre.company_id == entry.company_id))}
        lines = [{"account": ln.account, "debit": ln.debit, "credit": ln.credit, "memo": ln.memo,
                  "centre": centres.get(ln.cost_centre_id), "party_id": ln.party_id} for ln in entry.lines]
    return render(request, "ledger/entry.html", entry=entry, company=company, lines=lines, reversal=reversal,
                  original=original, reverse_action=REVERSE_ACTION, ok=request.query_params.get("ok"))


@router.get("/balancete")
def trial_balance_page(request: Request, user=Depends(require_permission(PERM_READ))):
    q = request.query_params
    errors: list[str] = []
    default_start, default_end = _month_bounds(_today())
    start = _parse_date(q.get("de"), "Data inicial", errors) or default_start
    end = _parse_date(q.get("ate"), "Data final", errors) or default_end
    tb = None
    with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
        companies = _companies(s)
        company = _pick_company(companies, q.get("empresa"), user)
        if company is not None:
            try:
                tb = trial_balance(s, company.id, start=start, end=end)
            except ValidationError as exc:
                errors.append(str(exc))
    return render(request, "ledger/trial_balance.html", companies=companies, company=company, start=start,
                  end=end, tb=tb, errors=errors)
