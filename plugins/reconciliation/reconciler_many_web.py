"""Reconciler routes for several lines × several invoices and for batch credits (`reconcile_many.py`,
`batch_credit.py`); the page itself is `reconciler_web.py`.

- `GET  /conciliacao/contas/{id}/busca?linhas=…&…filtros` — "Buscar Lançamento" for one or several
  free credit lines of the same day: invoices with the manual's filters and CHECKBOXES (several
  invoices), the typed desconto/juros per invoice and the totals panel;
- `POST …/busca/totais` (htmx, on each change of the search form) — the totals panel computed by the
  service's own pure function (`reconcile_many.totals_of`): quantidade, bruto, desconto, juros, taxa
  adm. cartão (R$ 0,00), subtotal, valor do extrato, diferença; "Conciliar" enabled only at zero
  difference; the "Valor líquido" cell of each row is updated out of band;
- `POST …/conciliar` — `reconcile_many` (the server checks the difference again);
- `POST …/linhas/{line}/lote` — reconcile a line with a batch credit (`lote` = the group's key).
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.web.templating import render
from plugins.reconciliation.reconciler_web import (CONTAS_URL, _act, _ids, _line_of, account_url, bank_account_of,
                                                   period_of, require_reconciler, search_values_of)

router = APIRouter()


def free_credit_lines(s, account_id: int, line_ids: list[int]):
    """The selected lines for a search: of this account, free, credit, the same day."""
    if not line_ids:
        raise ValidationError("Selecione os lançamentos do extrato.", field="linhas")
    lines = [_line_of(s, account_id, i) for i in line_ids]
    if len({ln.posted_on for ln in lines}) > 1:
        raise ValidationError("Selecione apenas lançamentos do mesmo dia para conciliá-los juntos.", field="linhas")
    for ln in lines:
        if ln.reconciliation_id is not None:
            raise ValidationError("O lançamento já está conciliado: desconcilie-o antes de buscar outra fatura.",
                                  field="linhas")
    if sum(ln.amount for ln in lines) <= 0:  # TODO(issue 5): faturas a pagar e transferências (payables)
        raise ValidationError("Lançamentos a débito ainda não têm busca de faturas a pagar ou transferências.",
                              field="linhas")
    return lines


def search_context(runtime, user, account_id: int, line_ids: list[int], params) -> dict:
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.receivables.models import PAYMENT_FORMS
    from plugins.reconciliation.reconcile_many import totals_of
    from plugins.reconciliation.reconciler_queries import SearchFilters, search_invoices

    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        lines = free_credit_lines(s, account_id, line_ids)
        f = SearchFilters.around(lines[0]) if "de" not in params else SearchFilters()
        if "de" in params:
            f.first, f.last = period_of(params)
            search_values_of(params, f)
            f.customer = str(params.get("cliente") or "")
            f.payment_forms = tuple(v for v in params.getlist("forma") if v in dict(PAYMENT_FORMS))
        rows = search_invoices(s, acc.company_id, f)
        company = s.get(Company, acc.company_id)
    statement = sum((ln.amount for ln in lines), Decimal("0.00"))
    return {"line": lines[0], "lines": lines, "line_ids": [ln.id for ln in lines], "statement": statement,
            "filters": f, "rows": rows, "payment_forms": PAYMENT_FORMS, "account": acc,
            "company_name": f"{company.code} - {company.name}", "base_url": account_url(acc.id),
            "t": totals_of([], statement), "ok": False, "error": None}


@router.get(CONTAS_URL + "/{account_id}/busca", include_in_schema=False)
async def search_many(account_id: int, request: Request, user=Depends(require_reconciler)):
    ids = _ids(request.query_params.getlist("linhas"))
    ctx = await run_in_threadpool(search_context, request.app.state.runtime, user, account_id, ids,
                                  request.query_params)
    return render(request, "reconciliation/reconciler_search.html", **ctx)


def _money_field(form, name: str, label: str, number: int) -> Decimal:
    from core.money import parse_money

    raw = str(form.get(name) or "").strip() or "0"
    try:
        value = parse_money(raw, field=label)
    except ValueError as exc:
        raise ValidationError(f"Fatura {number}: {exc}.", field=name) from None
    if value < 0:
        raise ValidationError(f"Fatura {number}: {label} não pode ser negativo.", field=name)
    return value


def targets_of(s, form, invoice_ids: list[int], company_id: int):
    """The checked invoices of the form as `reconcile_many.Target`s (desconto_<id>, juros_<id>)."""
    from plugins.receivables.models import Invoice
    from plugins.reconciliation.reconcile_many import Target

    out = []
    for inv_id in invoice_ids:
        invoice = s.get(Invoice, inv_id)
        if invoice is None or invoice.company_id != company_id:
            raise ValidationError("Fatura não encontrada.", field="fatura")
        out.append(Target(inv_id, discount=_money_field(form, f"desconto_{inv_id}", "Desconto", invoice.number),
                          interest=_money_field(form, f"juros_{inv_id}", "Juros", invoice.number)))
    return out


def totals_context(runtime, user, account_id: int, form) -> dict:
    """The totals panel of the search form (checked invoices, typed values) and each row's net value."""
    from core.db import unit_of_work
    from plugins.receivables.models import Invoice
    from plugins.reconciliation.reconcile_many import totals_of
    from plugins.reconciliation.reconciler_queries import gross_of, net_value

    row_ids = sorted({int(k.split("_", 1)[1]) for k in form.keys()
                      if k.startswith("desconto_") and k.split("_", 1)[1].isdigit()})
    checked = set(_ids(form.getlist("fatura")))
    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        lines = free_credit_lines(s, account_id, _ids(form.getlist("linhas")))
        statement = sum((ln.amount for ln in lines), Decimal("0.00"))
        rows, nets, error = [], {}, None
        for inv_id in row_ids:
            invoice = s.get(Invoice, inv_id)
            if invoice is None or invoice.company_id != acc.company_id:
                continue
            gross = gross_of(s, invoice)
            try:
                d = _money_field(form, f"desconto_{inv_id}", "Desconto", invoice.number)
                i = _money_field(form, f"juros_{inv_id}", "Juros", invoice.number)
            except ValidationError as exc:
                nets[inv_id] = None
                if inv_id in checked:
                    error = error or str(exc)
                continue
            nets[inv_id] = net_value(gross, d, i)
            if inv_id in checked:
                rows.append((gross, d, i))
    t = totals_of(rows, statement)
    return {"t": t, "nets": nets, "error": error, "ok": error is None and t.count > 0 and t.difference == 0}


@router.post(CONTAS_URL + "/{account_id}/busca/totais", include_in_schema=False)
async def search_totals(account_id: int, request: Request, user=Depends(require_reconciler)):
    form = await request.form()
    ctx = await run_in_threadpool(totals_context, request.app.state.runtime, user, account_id, form)
    return render(request, "reconciliation/reconciler_totals.html", oob=True, **ctx)


def reconcile_selected(s, rt, form, account_id: int, user, line_ids: list[int]):
    """"Conciliar" of the search: the lines × the checked invoices, through `reconcile_many`."""
    from plugins.reconciliation.reconcile_many import reconcile_many

    acc = bank_account_of(s, account_id, user)
    for i in line_ids:
        _line_of(s, account_id, i)
    invoice_ids = _ids(form.getlist("fatura"))
    if not invoice_ids:
        raise ValidationError("Selecione a fatura a conciliar.", field="fatura")
    reconcile_many(s, line_ids, targets_of(s, form, invoice_ids, acc.company_id), runtime=rt, user=user)
    return len(line_ids), len(invoice_ids)


def reconciled_message(counts) -> dict:
    lines, invoices = counts
    if (lines, invoices) == (1, 1):
        return {"message": "Lançamento conciliado com a fatura."}
    return {"message": f"{lines} lançamento(s) do extrato conciliado(s) com {invoices} fatura(s)."}


@router.post(CONTAS_URL + "/{account_id}/conciliar", include_in_schema=False)
async def reconcile_many_lines(account_id: int, request: Request, user=Depends(require_reconciler)):
    form = await request.form()
    line_ids = _ids(form.getlist("linhas"))
    return await _act(request, user, account_id,
                      lambda s, rt, f: reconcile_selected(s, rt, f, account_id, user, line_ids),
                      selected=line_ids[:1], message_of=reconciled_message)


@router.post(CONTAS_URL + "/{account_id}/linhas/{line_id}/lote", include_in_schema=False)
async def reconcile_batch_line(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    from plugins.reconciliation.batch_credit import reconcile_batch

    def work(s, rt, form):
        _line_of(s, account_id, line_id)
        key = str(form.get("lote") or "").strip()
        if not key:
            raise ValidationError("Selecione o crédito em lote a conciliar.", field="lote")
        rec = reconcile_batch(s, line_id, key, runtime=rt, user=user)
        return rec.batch_label

    return await _act(request, user, account_id, work, selected=[line_id],
                      message_of=lambda label: {"message": f"Lançamento conciliado com o crédito em lote: {label}."})
