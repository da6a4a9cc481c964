"""The reconciler page ("Conciliador Bancário" of the manual) for one ledger bank account and period.

- `GET  /conciliacao/contas/{id}?de=&ate=&linha=` — header (account, statement account, ledger and
  statement balances, last imported line, % reconciled in the period, period; "sem extrato para o
  período" and the protection-date alert), the imported lines (multi-select of lines of the SAME
  day, as the manual's Ctrl+click), the pane of the selected line(s) and the footer
  ("Conciliação automática");
- `GET  …/painel?linhas=…` — the pane (htmx): a reconciled line shows what it matched and
  "Desconciliar" (with "Não permitir mais conciliação automática para este lançamento"); a free
  credit line its ranked suggestions with the stored reasons ("Conciliar"), "Buscar lançamento" and
  "Excluir"; several lines of one day their total and "Excluir";
- `GET  …/linhas/{line}/busca` — "Buscar Lançamento": open and settled invoices with the manual's
  filters, the totals (bruto, desconto, juros, subtotal, valor do extrato, diferença) and
  "Conciliar" enabled only at zero difference (one line × one invoice: what `reconcile.py` does);
- `POST …/automatica`, `…/sugestoes/{id}/conciliar`, `…/linhas/{line}/conciliar`,
  `…/linhas/{line}/desconciliar`, `…/excluir` — the services, one unit of work each; the answer is
  the workspace again (htmx swaps it), refusals come back in pt-BR in the page's message area.

Everything here reads through `reconciler_queries.py` and changes through the services
(`matching.reconcile_automatic`, `suggestions.suggest`, `reconcile.accept_suggestion /
reconcile_line / unreconcile`, `statement_import.delete_line`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from core.errors import NotFound, ValidationError
from core.web.deps import require_permission
from core.web.templating import add_template_dir, render

CONTAS_URL = "/conciliacao/contas"
PERM_RECONCILE = "reconciliation.reconcile"

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def require_reconciler(request: Request):
    return require_permission(PERM_RECONCILE)(request)


def account_url(account_id: int) -> str:
    return f"{CONTAS_URL}/{account_id}"


def bank_account_of(s, account_id: int, user):
    """The ledger bank account `account_id`, if the user's company may see it (NotFound otherwise)."""
    from core.ledger.models import Account

    acc = s.get(Account, int(account_id))
    company = getattr(user, "company_id", None)
    if acc is None or acc.kind != "bank" or (company is not None and acc.company_id != company):
        raise NotFound(f"Conta bancária {account_id} não encontrada.")
    return acc


def _date(raw, name: str, label: str) -> date | None:
    """A date of a form or query: ISO (what `<input type=date>` sends) or dd/mm/aaaa; blank ⇒ None."""
    from datetime import datetime

    raw = str(raw or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            pass
    raise ValidationError(f"{label}: data inválida «{raw}» (use dd/mm/aaaa).", field=name)


def _ids(values) -> list[int]:
    out = []
    for v in values:
        v = str(v).strip()
        if v:
            if not v.isdigit():
                raise ValidationError(f"Lançamento do extrato inválido: «{v}».", field="linhas")
            out.append(int(v))
    return out


def period_of(params) -> tuple[date | None, date | None]:
    first, last = _date(params.get("de"), "de", "Data inicial"), _date(params.get("ate"), "ate", "Data final")
    if first and last and first > last:
        raise ValidationError("Período inválido: a data inicial é posterior à final.", field="de")
    return first, last


def auto_summary(r: dict) -> list[str]:
    """The automatic pass's report (`AutoReport.as_dict()`) as sentences for the page."""
    out = [f"{r['lines']} lançamento(s) a crédito livre(s) no período; conciliados: {r['reconciled']} "
           f"(faturas baixadas agora: {r['settled_now']}; já baixadas: {r['already_settled']}); "
           f"com mais de um candidato (ver sugestões): {len(r['ambiguous_line_ids'])}; sem candidato: {r['unmatched']}."]
    out += [f"Lançamento {x['line_id']}: baixa recusada: {x['message']}" for x in r["refused"]]
    if r["debits_skipped"]:
        out.append(f"Lançamentos a débito não conciliados automaticamente (contas a pagar/transferências): "
                   f"{r['debits_skipped']}.")
    return out


# --- page and workspace --------------------------------------------------------------------------

def workspace_context(runtime, user, account_id: int, first: date | None, last: date | None,
                      selected: list[int] | None = None) -> dict:
    from core.db import unit_of_work
    from plugins.reconciliation.reconciler_queries import LINES_LIMIT, default_period, header, period_lines
    from plugins.reconciliation.reconcile import protection_alert

    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        if first is None or last is None:
            d_first, d_last = default_period(s, acc.id, date.today())
            first, last = first or d_first, last or d_last
        head = header(s, acc, first, last)
        lines = period_lines(s, acc.id, first, last)
    shown = {ln.id for ln in lines}
    selected = [i for i in (selected or []) if i in shown]
    ctx = {"account": acc, "head": head, "lines": lines, "first": first, "last": last,
           "selected": selected, "base_url": account_url(acc.id), "contas_url": CONTAS_URL,
           "truncated": len(lines) >= LINES_LIMIT,
           "protection_alert": (protection_alert(head.protected_until, head.protected_free)
                                if head.protected_free else None)}
    ctx.update(pane_context(runtime, user, acc.id, selected))
    return ctx


def pane_context(runtime, user, account_id: int, line_ids: list[int], *, recompute: bool = False) -> dict:
    """What the right-hand pane shows for the selected line(s) (module docstring)."""
    from core.db import unit_of_work
    from plugins.reconciliation.models import StatementLine
    from plugins.reconciliation.reconciler_queries import reconciled_view
    from plugins.reconciliation.suggestions import stored_suggestions, suggest

    base = {"pane_lines": [], "mode": "none", "base_url": account_url(account_id)}
    if not line_ids:
        return base
    with unit_of_work(runtime.engine, readonly=True) as s:
        bank_account_of(s, account_id, user)
        lines = [s.get(StatementLine, i) for i in line_ids]
        if any(ln is None or ln.deleted or ln.bank_account_id != account_id for ln in lines):
            raise ValidationError("Lançamento do extrato não encontrado nesta conta.", field="linhas")
        if len({ln.posted_on for ln in lines}) > 1:
            raise ValidationError("Selecione apenas lançamentos do mesmo dia para conciliá-los juntos.",
                                  field="linhas")
        base.update(pane_lines=lines, total=sum(ln.amount for ln in lines))
        if len(lines) > 1:
            return {**base, "mode": "many", "free": [ln.id for ln in lines if ln.reconciliation_id is None]}
        line = lines[0]
        if line.reconciliation_id is not None:
            return {**base, "mode": "reconciled", "line": line, "rec": reconciled_view(s, line)}
        if line.amount <= 0:
            return {**base, "mode": "debit", "line": line}
        suggestions = [] if recompute else stored_suggestions(s, line.id)
    if not suggestions:  # none stored yet (or asked again): compute and store them, with their reasons
        with unit_of_work(runtime.engine) as s:
            suggestions = suggest(s, line.id, runtime)
    for g in suggestions:  # the services' dicts carry text; the page formats dates and money
        g["date"], g["amount"] = date.fromisoformat(g["date"]), Decimal(g["amount"])
    return {**base, "mode": "free", "line": line, "suggestions": suggestions}


def _render_workspace(request: Request, ctx: dict, **extra):
    return render(request, "reconciliation/reconciler_workspace.html", **ctx, **extra)


@router.get(CONTAS_URL + "/{account_id}", include_in_schema=False)
async def reconciler_page(account_id: int, request: Request, user=Depends(require_reconciler)):
    first, last = period_of(request.query_params)
    selected = _ids(request.query_params.getlist("linha"))
    ctx = await run_in_threadpool(workspace_context, request.app.state.runtime, user, account_id, first, last,
                                  selected)
    return render(request, "reconciliation/reconciler.html", **ctx)


@router.get(CONTAS_URL + "/{account_id}/painel", include_in_schema=False)
async def reconciler_pane(account_id: int, request: Request, user=Depends(require_reconciler)):
    ids = _ids(request.query_params.getlist("linhas"))
    ctx = await run_in_threadpool(pane_context, request.app.state.runtime, user, account_id, ids,
                                  recompute=request.query_params.get("recalcular") == "1")
    return render(request, "reconciliation/reconciler_pane.html", **ctx)


async def _act(request: Request, user, account_id: int, work, *, selected=None, message_of=None):
    """Run `work(session, runtime, form)` in one unit of work, then answer the workspace of the
    period in the form, with the selected lines and the message `message_of(result)`."""
    from core.db import unit_of_work

    runtime = request.app.state.runtime
    form = await request.form()
    first, last = period_of(form)

    def run():
        with unit_of_work(runtime.engine) as s:
            bank_account_of(s, account_id, user)
            return work(s, runtime, form)

    result = await run_in_threadpool(run)
    chosen = selected(result, form) if callable(selected) else (selected or [])
    ctx = await run_in_threadpool(workspace_context, runtime, user, account_id, first, last, chosen)
    extra = message_of(result) if message_of else {}
    return _render_workspace(request, ctx, **extra)


def _line_of(s, account_id: int, line_id: int):
    from plugins.reconciliation.models import StatementLine

    line = s.get(StatementLine, int(line_id))
    if line is None or line.deleted or line.bank_account_id != account_id:
        raise ValidationError("Lançamento do extrato não encontrado nesta conta.", field="linhas")
    return line


@router.post(CONTAS_URL + "/{account_id}/automatica", include_in_schema=False)
async def run_automatic(account_id: int, request: Request, user=Depends(require_reconciler)):
    from plugins.reconciliation.matching import reconcile_automatic

    def work(s, rt, form):
        first, last = period_of(form)
        acc = bank_account_of(s, account_id, user)
        return reconcile_automatic(s, acc, runtime=rt, user=user, date_from=first, date_to=last).as_dict()

    return await _act(request, user, account_id, work,
                      message_of=lambda r: {"auto": auto_summary(r), "alerts": r["alerts"]})


@router.post(CONTAS_URL + "/{account_id}/sugestoes/{suggestion_id}/conciliar", include_in_schema=False)
async def accept(account_id: int, suggestion_id: int, request: Request, user=Depends(require_reconciler)):
    from plugins.reconciliation.reconcile import accept_suggestion
    from plugins.reconciliation.reconcile_models import Suggestion

    def work(s, rt, form):
        sug = s.get(Suggestion, suggestion_id)
        if sug is None:
            raise ValidationError("Sugestão não encontrada (as sugestões foram refeitas): abra o lançamento de novo.",
                                  field="suggestion_id")
        line_id = _line_of(s, account_id, sug.line_id).id
        accept_suggestion(s, suggestion_id, runtime=rt, user=user)
        return line_id

    return await _act(request, user, account_id, work, selected=lambda lid, _f: [lid],
                      message_of=lambda lid: {"message": "Lançamento conciliado com a sugestão."})


@router.post(CONTAS_URL + "/{account_id}/linhas/{line_id}/conciliar", include_in_schema=False)
async def reconcile_found(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    """"Conciliar" of "Buscar Lançamento": one invoice, only at zero difference."""
    from plugins.reconciliation.reconcile import reconcile_line

    def work(s, rt, form):
        line = _line_of(s, account_id, line_id)
        invoice_ids = _ids(form.getlist("fatura"))
        if not invoice_ids:
            raise ValidationError("Selecione a fatura a conciliar.", field="fatura")
        if len(invoice_ids) > 1:  # TODO(issue 5): many lines × many invoices (reconcile.py does one × one)
            raise ValidationError("Por enquanto só é possível conciliar um lançamento com uma fatura.", field="fatura")
        t = _checked_totals(s, line, invoice_ids[0], form)
        if t.difference:
            from core.money import format_brl

            raise ValidationError(f"Diferença de {format_brl(t.difference)} entre o valor do extrato "
                                  f"({format_brl(t.statement)}) e o subtotal das faturas ({format_brl(t.subtotal)}): "
                                  "só é possível conciliar com diferença zero.", field="fatura")
        reconcile_line(s, line.id, invoice_ids[0], runtime=rt, user=user)
        return line.id

    return await _act(request, user, account_id, work, selected=[line_id],
                      message_of=lambda _r: {"message": "Lançamento conciliado com a fatura."})


def _checked_totals(s, line, invoice_id: int, form):
    from core.money import parse_money
    from plugins.receivables.models import Invoice
    from plugins.reconciliation.reconciler_queries import gross_of, totals

    invoice = s.get(Invoice, invoice_id)
    if invoice is None:
        raise ValidationError("Fatura não encontrada.", field="fatura")
    amounts = []
    for name, label in ((f"desconto_{invoice_id}", "Desconto"), (f"juros_{invoice_id}", "Juros")):
        raw = str(form.get(name) or "").strip() or "0"
        try:
            value = parse_money(raw, field=label)
        except ValueError as exc:
            raise ValidationError(f"Fatura {invoice.number}: {exc}.", field=name) from None
        if value < 0:
            raise ValidationError(f"Fatura {invoice.number}: {label} não pode ser negativo.", field=name)
        amounts.append(value)
    return totals([(gross_of(s, invoice), amounts[0], amounts[1])], line.amount)


@router.post(CONTAS_URL + "/{account_id}/linhas/{line_id}/desconciliar", include_in_schema=False)
async def unreconcile_line(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    from plugins.reconciliation.reconcile import unreconcile

    def work(s, rt, form):
        _line_of(s, account_id, line_id)
        return unreconcile(s, line_id, disable_auto=form.get("sem_automatica") == "1", runtime=rt,
                           user=user).as_dict()

    def message(r: dict) -> dict:
        parts = ["Lançamento desconciliado."]
        if r["reopened_invoices"]:
            parts.append("Faturas em aberto de novo (baixa estornada): " + ", ".join(map(str, r["reopened_invoices"])) + ".")
        if r["restored_invoices"]:
            parts.append("Faturas baixadas de novo como estavam: " + ", ".join(map(str, r["restored_invoices"])) + ".")
        if r["untouched_invoices"]:
            parts.append("Faturas baixadas fora do conciliador, sem alteração: "
                         + ", ".join(map(str, r["untouched_invoices"])) + ".")
        return {"message": " ".join(parts)}

    return await _act(request, user, account_id, work, selected=[line_id], message_of=message)


@router.post(CONTAS_URL + "/{account_id}/excluir", include_in_schema=False)
async def delete_lines(account_id: int, request: Request, user=Depends(require_reconciler)):
    """"Excluir": the selected lines (the reconciled guard of `delete_line` refuses the whole batch)."""
    from plugins.reconciliation.statement_import import delete_line

    def work(s, rt, form):
        ids = _ids(form.getlist("linhas"))
        if not ids:
            raise ValidationError("Selecione os lançamentos a excluir.", field="linhas")
        for line_id in ids:
            _line_of(s, account_id, line_id)
            delete_line(s, line_id, user=user)
        return len(ids)

    return await _act(request, user, account_id, work, message_of=lambda n: {
        "message": f"{n} lançamento(s) excluído(s). Eles voltam se o extrato for enviado de novo."})


@router.get(CONTAS_URL + "/{account_id}/linhas/{line_id}/busca", include_in_schema=False)
async def search(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    ctx = await run_in_threadpool(search_context, request.app.state.runtime, user, account_id, line_id,
                                  request.query_params)
    return render(request, "reconciliation/reconciler_search.html", **ctx)


def search_context(runtime, user, account_id: int, line_id: int, params) -> dict:
    from core.db import unit_of_work
    from core.models.company import Company
    from core.money import parse_money
    from plugins.receivables.models import PAYMENT_FORMS
    from plugins.reconciliation.reconciler_queries import SearchFilters, search_invoices

    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        line = _line_of(s, account_id, line_id)
        if line.reconciliation_id is not None:
            raise ValidationError("O lançamento já está conciliado: desconcilie-o antes de buscar outra fatura.",
                                  field="linhas")
        if line.amount <= 0:  # TODO(issue 5): faturas a pagar e transferências (payables)
            raise ValidationError("Lançamentos a débito ainda não têm busca de faturas a pagar ou transferências.",
                                  field="linhas")
        f = SearchFilters.around(line) if "de" not in params else SearchFilters()
        if "de" in params:
            f.first, f.last = period_of(params)
            for attr, name, label in (("min_value", "valor_min", "Valor mínimo"),
                                      ("max_value", "valor_max", "Valor máximo")):
                raw = str(params.get(name) or "").strip()
                if raw:
                    try:
                        setattr(f, attr, parse_money(raw, field=label))
                    except ValueError as exc:
                        raise ValidationError(str(exc), field=name) from None
            f.customer = str(params.get("cliente") or "")
            f.payment_forms = tuple(v for v in params.getlist("forma") if v in dict(PAYMENT_FORMS))
            number = str(params.get("fatura") or "").strip()
            if number:
                if not number.isdigit():
                    raise ValidationError(f"Fatura/Documento: número inválido «{number}».", field="fatura")
                f.number = int(number)
        rows = search_invoices(s, acc.company_id, f)
        company = s.get(Company, acc.company_id)
    return {"line": line, "filters": f, "rows": rows, "payment_forms": PAYMENT_FORMS, "account": acc,
            "company_name": f"{company.code} - {company.name}",
            "base_url": account_url(acc.id)}
