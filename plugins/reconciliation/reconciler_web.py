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
  "Conciliar" enabled only at zero difference (several lines of a day × several invoices, the totals
  panel by htmx and the batch credits: `reconciler_many_web.py`, services `reconcile_many.py`,
  `batch_credit.py`);
- `POST …/automatica`, `…/sugestoes/{id}/conciliar`, `…/linhas/{line}/conciliar`,
  `…/linhas/{line}/desconciliar`, `…/excluir` — the services, one unit of work each; the answer is
  the workspace again (htmx swaps it), refusals come back in pt-BR in the page's message area.

Everything here reads through `reconciler_queries.py` and changes through the services
(`matching.reconcile_automatic`, `suggestions.suggest`, `reconcile.accept_suggestion /
reconcile_line / unreconcile`, `statement_import.delete_line`).
"""

from __future__ import annotations

from collections import Counter
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


def search_values_of(params, f) -> None:
    """The search form's "Valor mínimo"/"Valor máximo" (`valor_min`/`valor_max`) and "Fatura/Documento"
    (`fatura`) into the filters `f`; bad input is refused naming the field."""
    from core.money import parse_money

    for attr, name, label in (("min_value", "valor_min", "Valor mínimo"), ("max_value", "valor_max", "Valor máximo")):
        raw = str(params.get(name) or "").strip()
        if raw:
            try:
                setattr(f, attr, parse_money(raw, field=label))
            except ValueError as exc:
                raise ValidationError(str(exc), field=name) from None
    number = str(params.get("fatura") or "").strip()
    if number:
        if not number.isdigit():
            raise ValidationError(f"Fatura/Documento: número inválido «{number}».", field="fatura")
        f.number = int(number)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 2.000, as pt-BR writes it


def auto_summary(r: dict) -> list[str]:
    """The automatic pass's report (`AutoReport.as_dict()`) as sentences for the page."""
    out = [f"{r['lines']} lançamento(s) a crédito livre(s) no período; conciliados: {r['reconciled']} "
           f"(faturas baixadas agora: {r['settled_now']}; já baixadas: {r['already_settled']}); "
           f"com mais de um candidato (ver sugestões): {len(r['ambiguous_line_ids'])}; sem candidato: {r['unmatched']}."]
    out += [f"Lançamento {x['line_id']}: baixa recusada: {x['message']}" for x in r["refused"]]
    if r.get("batch_credits"):
        out.append(f"Créditos em lote (retorno) conciliados: {r['batch_credits']}.")
    if r.get("payables_written_off") or r.get("payables_already_written_off"):  # payables_match.py
        out.append(f"Débitos conciliados com faturas a pagar: {r['payables_written_off']} baixada(s) agora; "
                   f"{r['payables_already_written_off']} já baixada(s).")
    if r.get("rules"):  # user rules (rules.py), after the manual's rule 1
        from plugins.reconciliation.rules_web import rules_summary

        out += rules_summary(r["rules"])
    if r["debits_skipped"]:
        out.append(f"Lançamentos a débito não conciliados automaticamente (contas a pagar/transferências): "
                   f"{r['debits_skipped']}.")
    return out


# --- page and workspace --------------------------------------------------------------------------

def workspace_context(runtime, user, account_id: int, first: date | None, last: date | None,
                      selected: list[int] | None = None, page: int | None = None) -> dict:
    """`page`: 1-based page of `LINES_LIMIT` lines of the period; None ⇒ the page of the first selected
    line (so an action on a line answers with its page), else the first."""
    from core.db import unit_of_work
    from plugins.reconciliation.reconciler_queries import (LINES_LIMIT, default_period, header, line_position,
                                                           period_lines)
    from plugins.reconciliation.reconcile import protection_alert

    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        if first is None or last is None:
            d_first, d_last = default_period(s, acc.id, date.today())
            first, last = first or d_first, last or d_last
        head = header(s, acc, first, last)
        pages = max(1, -(-head.lines // LINES_LIMIT))
        if page is None:
            pos = line_position(s, acc.id, first, last, selected[0]) if selected else None
            page = 1 if pos is None else pos // LINES_LIMIT + 1
        page = min(max(1, page), pages)
        lines = period_lines(s, acc.id, first, last, offset=(page - 1) * LINES_LIMIT)
    shown = {ln.id for ln in lines}
    per_rec = Counter(ln.reconciliation_id for ln in lines if ln.reconciliation_id is not None)
    multi_recs = {rec_id for rec_id, n in per_rec.items() if n > 1}  # "legenda em cinza" (conciliação múltipla)
    selected = [i for i in (selected or []) if i in shown]
    ctx = {"account": acc, "head": head, "lines": lines, "first": first, "last": last,
           "selected": selected, "base_url": account_url(acc.id), "contas_url": CONTAS_URL, "multi_recs": multi_recs,
           "truncated": False, "page": page, "pages": pages, "total_lines": head.lines,
           "page_first": (page - 1) * LINES_LIMIT + 1 if lines else 0,
           "page_last": (page - 1) * LINES_LIMIT + len(lines),
           "page_first_br": _thousands((page - 1) * LINES_LIMIT + 1 if lines else 0),
           "page_last_br": _thousands((page - 1) * LINES_LIMIT + len(lines)), "total_lines_br": _thousands(head.lines),
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

    from plugins.reconciliation.from_line import payables_enabled

    base = {"pane_lines": [], "mode": "none", "base_url": account_url(account_id),
            "payables": payables_enabled(runtime)}
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
            from plugins.reconciliation.rules import rule_of_reconciliation

            return {**base, "mode": "reconciled", "line": line, "rec": reconciled_view(s, line),
                    "rule": rule_of_reconciliation(s, line.reconciliation_id)}
        mode = "debit" if line.amount <= 0 else "free"  # debit: payables / transfer suggestions (payables_match.py)
        suggestions = [] if recompute else stored_suggestions(s, line.id)
        batches = []
        if mode == "free":
            from plugins.reconciliation.batch_credit import groups_for_line

            batches = groups_for_line(s, runtime, line)  # crédito em lote: retornos of its date and amount
    if not suggestions:  # none stored yet (or asked again): compute and store them, with their reasons
        with unit_of_work(runtime.engine) as s:
            suggestions = suggest(s, line.id, runtime)
    for g in suggestions:  # the services' dicts carry text; the page formats dates and money
        g["date"], g["amount"] = date.fromisoformat(g["date"]), Decimal(g["amount"])
    return {**base, "mode": mode, "line": line, "suggestions": suggestions, "batches": batches}


def _render_workspace(request: Request, ctx: dict, **extra):
    return render(request, "reconciliation/reconciler_workspace.html", **ctx, **extra)


@router.get(CONTAS_URL + "/{account_id}", include_in_schema=False)
async def reconciler_page(account_id: int, request: Request, user=Depends(require_reconciler)):
    first, last = period_of(request.query_params)
    selected = _ids(request.query_params.getlist("linha"))
    raw_page = (request.query_params.get("pagina") or "").strip()
    if raw_page and not raw_page.isdigit():
        raise ValidationError(f"Página inválida: «{raw_page}».", field="pagina")
    ctx = await run_in_threadpool(workspace_context, request.app.state.runtime, user, account_id, first, last,
                                  selected, int(raw_page) if raw_page else None)
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
    """"Conciliar" of "Buscar Lançamento" for one line: the checked invoices, only at zero difference
    (`reconciler_many_web.reconcile_selected` → `reconcile_many`)."""
    from plugins.reconciliation.reconciler_many_web import reconcile_selected, reconciled_message

    return await _act(request, user, account_id,
                      lambda s, rt, form: reconcile_selected(s, rt, form, account_id, user, [line_id]),
                      selected=[line_id], message_of=reconciled_message)


@router.post(CONTAS_URL + "/{account_id}/linhas/{line_id}/desconciliar", include_in_schema=False)
async def unreconcile_line(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    from plugins.reconciliation.reconcile import unreconcile

    def work(s, rt, form):
        _line_of(s, account_id, line_id)
        return unreconcile(s, line_id, disable_auto=form.get("sem_automatica") == "1",
                           confirm_pair=form.get("confirmar_par") == "1", runtime=rt, user=user).as_dict()

    def message(r: dict) -> dict:
        parts = ["Lançamento desconciliado."]
        if r["reopened_invoices"]:
            parts.append("Faturas em aberto de novo (baixa estornada): " + ", ".join(map(str, r["reopened_invoices"])) + ".")
        if r["restored_invoices"]:
            parts.append("Faturas baixadas de novo como estavam: " + ", ".join(map(str, r["restored_invoices"])) + ".")
        if r["untouched_invoices"]:
            parts.append("Faturas baixadas fora do conciliador, sem alteração: "
                         + ", ".join(map(str, r["untouched_invoices"])) + ".")
        if r.get("deleted_invoices"):  # created by the reconciler (from_line.py): "Faturas que foram excluídas"
            parts.append("Faturas a receber geradas pelo conciliador excluídas (Faturas excluídas): "
                         + ", ".join(map(str, r["deleted_invoices"])) + ".")
        if r.get("deleted_payables"):
            parts.append("Faturas a pagar geradas pelo conciliador excluídas: "
                         + ", ".join(map(str, r["deleted_payables"])) + ".")
        if r.get("deleted_transfers"):
            parts.append("Transferências geradas pelo conciliador excluídas (lançamento estornado): "
                         + ", ".join(map(str, r["deleted_transfers"])) + ".")
        for key, label in (("reopened_payables", "Faturas a pagar em aberto de novo (baixa estornada)"),  # payables
                           ("restored_payables", "Faturas a pagar baixadas de novo como estavam"),
                           ("untouched_payables", "Faturas a pagar baixadas fora do conciliador, sem alteração")):
            if r.get(key):
                parts.append(f"{label}: " + ", ".join(map(str, r[key])) + ".")
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
    """"Buscar Lançamento" of one line (several lines: `reconciler_many_web.search_many`)."""
    from plugins.reconciliation.reconciler_many_web import search_context

    ctx = await run_in_threadpool(search_context, request.app.state.runtime, user, account_id, [line_id],
                                  request.query_params)
    return render(request, "reconciliation/reconciler_search.html", **ctx)
