"""Party searches of the customer panel (Financeiro → Painel do Cliente), five panels as tabs:

- "Últimos 1000 novos cadastros ativos" (`ultimos`);
- "Cadastros ativos" / "Cadastros inativos" (`ativos` / `inativos`) in search mode: rows appear
  only after a per-column filter is typed or "Listar todos" is clicked;
- "Informações sintéticas" (`sintetico`): counts pivoted by the chosen row/column fields;
- "Pesquisa avançada" (`avancada`): every filter of the manual.

Grids: código, data do cadastro, nome, documento, e-mail, telefone, cidade, bairro; a per-column
filter row (HTMX, debounced); double-click a row ⇒ `/pessoas/{id}/painel`; "Editar" ⇒ the
party form (`/doc/party/{id}`). The searches themselves are `core.parties.search`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from core.errors import NotFound, ValidationError
from core.i18n import _
from core.web.deps import current_user
from core.web.pages.common import party_class, require_doc_right
from core.web.templating import render

router = APIRouter()

PANELS = (
    ("ultimos", "Últimos 1000 novos cadastros ativos"),
    ("ativos", "Cadastros ativos"),
    ("inativos", "Cadastros inativos"),
    ("sintetico", "Informações sintéticas"),
    ("avancada", "Pesquisa avançada"),
)
PANEL_KEYS = {k for k, _ in PANELS}
GRID_COLUMNS = (
    ("code", "Código"), ("created_at", "Data do cadastro"), ("name", "Nome"), ("document", "Documento"),
    ("email", "E-mail"), ("phone", "Telefone"), ("city", "Cidade"), ("district", "Bairro"),
)
FILTER_PREFIX = "f_"
PAGE_SIZE = 200
LATEST_LIMIT = 1000
ADVANCED_LIMIT = 500


def grid_filters(query) -> dict[str, str]:
    """Per-column filters from the query string (`f_<column>=text`), empty ones left out."""
    out = {}
    for key, _label in GRID_COLUMNS:
        value = (query.get(FILTER_PREFIX + key) or "").strip()
        if value:
            out[key] = value
    return out


def _session_call(runtime, fn):
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as session:
        return fn(session)


def load_grid(runtime, panel: str, filters: dict[str, str], list_all: bool, page: int) -> dict:
    """Rows of one of the three grid panels, ready for the template."""
    from core.parties import search

    def run(session):
        if panel == "ultimos":
            parties = search.latest_active(session, limit=LATEST_LIMIT, filters=filters or None)
            return [search.grid_row(p) for p in parties], len(parties)
        parties, total = search.search_parties(session, active=(panel == "ativos"), filters=filters,
                                               list_all=list_all, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        return [search.grid_row(p) for p in parties], total

    error = None
    try:
        rows, total = _session_call(runtime, run)
    except ValidationError as exc:  # a filter that cannot be read (e.g. a bad date): say so in the grid
        rows, total, error = [], 0, str(exc)
    searching = panel == "ultimos" or bool(filters) or list_all
    return {"rows": rows, "total": total, "page": page, "page_size": PAGE_SIZE, "searching": searching,
            "list_all": list_all, "has_more": panel != "ultimos" and (page + 1) * PAGE_SIZE < total,
            "error": error}


def _check(request: Request, user):
    runtime = request.app.state.runtime
    require_doc_right(user, party_class(runtime), "read")
    return runtime


def _panel_context(runtime, request: Request, panel: str) -> dict:
    ctx = {"panel": panel, "panels": PANELS, "columns": GRID_COLUMNS, "filters": {}, "prefix": FILTER_PREFIX}
    if panel in ("ultimos", "ativos", "inativos"):
        ctx["grid"] = load_grid(runtime, panel, {}, False, 0) if panel == "ultimos" else {
            "rows": [], "total": 0, "page": 0, "page_size": PAGE_SIZE, "searching": False, "list_all": False,
            "has_more": False}
    elif panel == "sintetico":
        ctx.update(pivot_form_context())
    else:
        ctx.update(advanced_form_context())
    return ctx


def pivot_form_context(rows: str = "classification", cols: str | None = "person_type", active: str = "") -> dict:
    from core.parties.search import PIVOT_FIELDS

    return {"pivot_fields": list(PIVOT_FIELDS.items()), "pivot_rows": rows, "pivot_cols": cols or "",
            "pivot_active": active, "pivot": None, "pivot_error": None}


def load_pivot(runtime, rows: str, cols: str | None, active: str) -> dict:
    from core.parties.search import pivot_counts

    ctx = pivot_form_context(rows, cols, active)
    flag = {"ativos": True, "inativos": False}.get(active)
    try:
        table = _session_call(runtime, lambda s: pivot_counts(s, rows, cols or None, active=flag))
    except ValidationError as exc:
        ctx["pivot_error"] = str(exc)
        return ctx
    ctx["pivot"] = {
        "row_title": dict(ctx["pivot_fields"]).get(table.rows, table.rows),
        "cols": [(k, table.col_label(k)) for k in table.col_keys],
        "rows": [(table.row_label(r), [table.count(r, c) for c in table.col_keys], table.row_totals.get(r, 0))
                 for r in table.row_keys],
        "col_totals": [table.col_totals.get(c, 0) for c in table.col_keys], "total": table.total,
        "has_cols": table.cols is not None,
    }
    return ctx


ADVANCED_GROUPS = (
    ("Intervalo de data de cadastro", (("created_from", "Data inicial", "date"), ("created_to", "Data final", "date"))),
    ("Por endereços", (("city", "Cidade", "text"), ("district", "Bairro", "text"), ("street", "Logradouro", "text"))),
    ("Por CEP", (("cep", "CEP", "text"),)),
    ("Cliente", (("name", "Cliente", "text"),)),
    ("Tipo de pessoa", (("person_type", "Tipo de cadastro", "person_type"),)),
    ("Classificação de pessoa", (("classification", "Classificação", "classification"),)),
    ("Código de cadastro", (("code", "Código", "text"),)),
    ("Por endereços (somente logradouro)", (("street_only", "Logradouro", "text"),)),
    ("Cadastros ativos com e-mail e fone", (("active_with_email_and_phone", "Somente cadastros ativos com e-mail e telefone", "checkbox"),)),
    ("Histórico de teste de e-mail por data", (("email_test_from", "Data inicial", "date"), ("email_test_to", "Data final", "date"))),
    ("Nome fantasia", (("trade_name", "Nome fantasia", "text"),)),
    ("Documento (CPF/CNPJ)", (("document", "CPF/CNPJ", "text"),)),
    ("E-mail", (("email", "E-mail", "text"),)),
)


def advanced_form_context(values: dict | None = None) -> dict:
    from core.parties.models import CLASSIFICATIONS, PERSON_TYPES

    return {"advanced_groups": ADVANCED_GROUPS, "person_types": PERSON_TYPES, "classifications": CLASSIFICATIONS,
            "values": values or {}, "advanced": None, "advanced_error": None, "advanced_field": None}


def _iso_to_br(value: str) -> str:
    """<input type=date> sends yyyy-mm-dd; the search API reads dd/mm/aaaa too — pass it through."""
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return value


def run_advanced(runtime, form: dict[str, str]) -> dict:
    from core.parties.search import AdvancedCriteria, advanced_search, grid_row

    ctx = advanced_form_context(form)
    data = {k: (_iso_to_br(v) if k in AdvancedCriteria._DATES else v) for k, v in form.items()}
    try:
        criteria = AdvancedCriteria.from_form(data)
        if criteria.is_empty():
            raise ValidationError(_("Informe ao menos um filtro para pesquisar."))
        rows = _session_call(runtime, lambda s: [grid_row(p) for p in advanced_search(s, criteria, limit=ADVANCED_LIMIT)])
    except ValidationError as exc:
        ctx["advanced_error"] = str(exc)
        ctx["advanced_field"] = exc.field
        return ctx
    ctx["advanced"] = {"rows": rows, "total": len(rows), "page": 0, "page_size": ADVANCED_LIMIT,
                       "searching": True, "list_all": False, "has_more": False, "error": None,
                       "truncated": len(rows) >= ADVANCED_LIMIT}
    return ctx


@router.get("/pessoas", include_in_schema=False)
async def parties_page(request: Request, aba: str = "ultimos", user=Depends(current_user)):
    runtime = _check(request, user)
    panel = aba if aba in PANEL_KEYS else "ultimos"
    ctx = await run_in_threadpool(_panel_context, runtime, request, panel)
    return render(request, "parties/search.html", **ctx)


@router.get("/pessoas/busca/{panel}", include_in_schema=False)
async def panel_fragment(request: Request, panel: str, user=Depends(current_user)):
    runtime = _check(request, user)
    if panel not in PANEL_KEYS:
        raise NotFound(_("Painel de pesquisa inexistente."))
    ctx = await run_in_threadpool(_panel_context, runtime, request, panel)
    return render(request, "parties/panel.html", **ctx)


@router.get("/pessoas/busca/{panel}/linhas", include_in_schema=False)
async def grid_rows(request: Request, panel: str, todos: int = 0, pagina: int = 0, user=Depends(current_user)):
    runtime = _check(request, user)
    if panel not in ("ultimos", "ativos", "inativos"):
        raise NotFound(_("Painel de pesquisa inexistente."))
    filters = grid_filters(request.query_params)
    grid = await run_in_threadpool(load_grid, runtime, panel, filters, bool(todos), max(pagina, 0))
    return render(request, "parties/rows.html", panel=panel, grid=grid, columns=GRID_COLUMNS)


@router.get("/pessoas/busca/sintetico/tabela", include_in_schema=False)
async def pivot_table(request: Request, linhas: str = "classification", colunas: str = "", situacao: str = "",
                      user=Depends(current_user)):
    runtime = _check(request, user)
    ctx = await run_in_threadpool(load_pivot, runtime, linhas, colunas or None, situacao)
    return render(request, "parties/pivot_table.html", **ctx)


@router.post("/pessoas/busca/avancada", include_in_schema=False)
async def advanced_results(request: Request, user=Depends(current_user)):
    runtime = _check(request, user)
    form = await request.form()
    data = {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    ctx = await run_in_threadpool(run_advanced, runtime, data)
    return render(request, "parties/advanced_results.html", columns=GRID_COLUMNS, panel="avancada", **ctx)
