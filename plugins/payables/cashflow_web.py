"""Page "Fluxo de caixa" (menu Financeiro; permission "Previsão de fluxo de caixa").

- `GET /financeiro/fluxo-de-caixa?empresa=1&periodo=mensal&de=2026-01-01&ate=2026-12-31&conta=5&conta=6
  &tipo=previsto&visao=vertical&previsoes=1&transferencias=1&projecao=1&percentual=10` — the manual's
  filters as a form (GET: the URL is the report), the chart (SVG made on the server) and the table
  in the chosen view. Defaults: the user's company (else the first), the current month, monthly,
  Previsto, vertical, every flow account. A refused filter shows the pt-BR message (status 400).
  Only the companies the user may see are offered (`cashflow.user_companies`); another one in the
  query string is refused by the service.
- `GET /financeiro/fluxo-de-caixa/exportar?formato=csv|xlsx&…` — the same report as a file.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.errors import ValidationError
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render
from plugins.payables.cashflow import KINDS, MONTHLY, PERIODS, PERM_CASHFLOW, PLANNED, cash_flow, flow_accounts

CASHFLOW_URL = "/financeiro/fluxo-de-caixa"
EXPORT_URL = CASHFLOW_URL + "/exportar"
MENU_GROUP = "Financeiro"
TEMPLATES = Path(__file__).parent / "templates"
add_template_dir(TEMPLATES)

router = APIRouter()


def menu_items() -> list[MenuItem]:
    return [MenuItem("Fluxo de caixa", CASHFLOW_URL, group=MENU_GROUP, order=50, permission=PERM_CASHFLOW)]


def _require(request: Request):
    return require_permission(PERM_CASHFLOW)(request)


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if str(v).strip().isdigit()]


def read_form(params, user, companies: list[int]) -> dict:
    """The query string ⇒ the filters as the form shows them (defaults filled in)."""
    today = date.today()
    chosen = _ints(params.getlist("empresa")) or ([user.company_id] if getattr(user, "company_id", None) else
                                                  companies[:1])
    last_day = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return {"empresas": chosen, "periodo": params.get("periodo") or MONTHLY,
            "de": params.get("de") or today.replace(day=1).isoformat(), "ate": params.get("ate") or last_day.isoformat(),
            "contas": _ints(params.getlist("conta")), "tipo": params.get("tipo") or PLANNED,
            "visao": params.get("visao") or "vertical", "previsoes": params.get("previsoes") == "1",
            "transferencias": params.get("transferencias") == "1", "projecao": params.get("projecao") == "1",
            "percentual": (params.get("percentual") or "").strip()}


def service_args(form: dict) -> dict:
    """The form ⇒ `cash_flow` keyword arguments (dates parsed; pt-BR refusal naming the field)."""
    from core.parties.search import parse_date

    return dict(companies=form["empresas"], date_from=parse_date(form["de"], "date_from"),
                date_to=parse_date(form["ate"], "date_to"), period=form["periodo"], kind=form["tipo"],
                accounts=form["contas"] or None, include_forecasts=form["previsoes"],
                include_transfers=form["transferencias"],
                projection_percent=(form["percentual"] or "0") if form["projecao"] else None)


def _chosen_accounts(form: dict, accounts: list[tuple[int, int, str]]) -> list[int]:
    """The ticked accounts of the selected companies; every one of them ticked (the form's default)
    means "todas" (an empty list: every flow account, plus the row of money without a known account)."""
    of_companies = [aid for aid, company, _label in accounts if company in form["empresas"]]
    ticked = [a for a in form["contas"] if a in of_companies]
    return [] if set(ticked) == set(of_companies) else ticked


def _options(runtime, user=None) -> dict:
    """Companies (only those the user may see) and their flow accounts."""
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.payables.cashflow import user_companies

    with unit_of_work(runtime.engine, readonly=True) as s:
        allowed = set(user_companies(s, user))
        companies = [(c.id, c.trade_name or c.name) for c in s.scalars(select(Company).order_by(Company.id))
                     if c.id in allowed]
        accounts = [(a.id, a.company_id, f"{a.code} - {a.name}" + ("" if a.active else " (inativa)"))
                    for a in flow_accounts(s, [c for c, _n in companies])]
    return {"companies": companies, "accounts": accounts}


def build(runtime, params, user) -> dict:
    """Everything the page shows: options, form, and the report, its table and chart (or the error)."""
    from core.db import unit_of_work
    from plugins.payables.cashflow_chart import chart_svg
    from plugins.payables.cashflow_export import VIEWS, table_of

    ctx = {**_options(runtime, user), "periods": PERIODS, "kinds": KINDS, "views": VIEWS,
           "report": None, "table": None, "chart": None, "error": None, "error_field": None}
    ctx["form"] = form = read_form(params, user, [c for c, _n in ctx["companies"]])
    form["contas"] = _chosen_accounts(form, ctx["accounts"])
    try:
        with unit_of_work(runtime.engine, readonly=True) as s:
            report = cash_flow(s, runtime=runtime, user=user, **service_args(form))
    except ValidationError as exc:
        ctx["error"], ctx["error_field"] = str(exc), exc.field
        return ctx
    ctx.update(report=report, table=table_of(report, form["visao"]), chart=Markup(chart_svg(report)))
    return ctx


@router.get(CASHFLOW_URL, include_in_schema=False)
async def cashflow_page(request: Request, user=Depends(_require)):
    runtime = request.app.state.runtime
    ctx = await run_in_threadpool(build, runtime, request.query_params, user)
    query = str(request.query_params)
    return render(request, "payables/cashflow.html", status_code=400 if ctx["error"] else 200,
                  export_query=query, export_url=EXPORT_URL, page_url=CASHFLOW_URL, **ctx)


@router.get(EXPORT_URL, include_in_schema=False)
async def cashflow_export(request: Request, user=Depends(_require)):
    from plugins.payables.cashflow_export import to_csv, to_xlsx

    runtime = request.app.state.runtime
    ctx = await run_in_threadpool(build, runtime, request.query_params, user)
    if ctx["error"]:
        return Response(ctx["error"], status_code=400, media_type="text/plain; charset=utf-8")
    f = ctx["report"].filters
    name = f"fluxo-de-caixa-{f.date_from.isoformat()}-{f.date_to.isoformat()}"
    if request.query_params.get("formato") == "xlsx":
        body = await run_in_threadpool(to_xlsx, ctx["table"])
        media, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx"
    else:
        body, media, name = to_csv(ctx["table"]), "text/csv; charset=utf-8", name + ".csv"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
