""""Buscar Lançamento" of a DEBIT line in faturas a pagar (only with the `payables` plugin enabled).

- `search_payables(session, company_id, bank_account_id, filters)` (service, no writes): open
  installments ("Aberto", date = due date, value = the installment's) and write-offs from the line's bank
  account not reconciled yet ("Pago", date = write-off date, value = paid), with the manual's filters —
  dates (default ± 30 days of the line), minimum / maximum value, supplier by name, code or CPF/CNPJ,
  fatura (installment code) or document; the company is the bank account's.
- `GET  /conciliacao/contas/{id}/linhas/{line}/busca-pagar?…` — the search form and the rows, each with
  its difference to the statement value;
- `POST …/linhas/{line}/conciliar-pagar` (`parcela`, optional `baixa`) — only at zero difference (the
  server checks again: "Diferença de … entre o valor do extrato … e o da fatura a pagar …: só é possível
  conciliar com diferença zero."), then `payables_reconcile.reconcile_payable` (origin manual).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.money import format_brl
from core.parties.models import Party
from core.web.templating import render
from plugins.reconciliation.reconciler_queries import SearchFilters, party_clause
from plugins.reconciliation.reconciler_web import (CONTAS_URL, _act, _line_of, account_url, bank_account_of,
                                                   period_of, require_reconciler, search_values_of)

router = APIRouter()
SEARCH_LIMIT = 200


@dataclass
class FoundPayable:
    installment_id: int
    writeoff_id: int | None
    code: int
    number: str
    document: str | None
    when: date
    value: Decimal
    supplier: str

    @property
    def status_label(self) -> str:
        return "Aberto" if self.writeoff_id is None else "Pago"


def search_payables(session: Session, company_id: int, bank_account_id: int, f: SearchFilters, *,
                    limit: int = SEARCH_LIMIT) -> list[FoundPayable]:
    """Open installments and unreconciled write-offs from the bank account (module docstring); `f.customer`
    is the supplier, `f.number` the fatura code or the document."""
    from plugins.payables.models import STATUS_DELETED, STATUS_OPEN, PayableInstallment, PayableInvoice, \
        PayableWriteOff
    from plugins.reconciliation.payables_match import reconciled_writeoffs

    def common(stmt, when_col, value_col):
        if f.first is not None:
            stmt = stmt.where(when_col >= f.first)
        if f.last is not None:
            stmt = stmt.where(when_col <= f.last)
        if f.min_value is not None:
            stmt = stmt.where(value_col >= f.min_value)
        if f.max_value is not None:
            stmt = stmt.where(value_col <= f.max_value)
        if f.customer.strip():
            stmt = stmt.where(party_clause(f.customer.strip()))
        if f.number is not None:
            stmt = stmt.where(or_(PayableInstallment.code == f.number, PayableInvoice.document == str(f.number)))
        return stmt.order_by(when_col, PayableInstallment.code).limit(limit)

    base = (select(PayableInstallment, PayableInvoice.document, Party.name)
            .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
            .join(Party, Party.id == PayableInvoice.supplier_id)
            .where(PayableInstallment.company_id == company_id, PayableInvoice.status != STATUS_DELETED))
    out = [FoundPayable(inst.id, None, inst.code, inst.number, doc, inst.due_date, inst.amount, name)
           for inst, doc, name in session.execute(common(
               base.where(PayableInstallment.status == STATUS_OPEN), PayableInstallment.due_date,
               PayableInstallment.amount))]
    paid = (base.add_columns(PayableWriteOff)
            .join(PayableWriteOff, PayableWriteOff.installment_id == PayableInstallment.id)
            .where(PayableWriteOff.reversed.is_(False), PayableWriteOff.cash_account_id == bank_account_id,
                   ~reconciled_writeoffs(PayableWriteOff.id, PayableWriteOff.installment_id)))
    out += [FoundPayable(inst.id, wo.id, inst.code, inst.number, doc, wo.paid_on, wo.paid, name)
            for inst, doc, name, wo in session.execute(common(paid, PayableWriteOff.paid_on, PayableWriteOff.paid))]
    return sorted(out, key=lambda r: (r.when, r.code))[:limit]


def _free_debit_line(s, account_id: int, line_id: int):
    line = _line_of(s, account_id, line_id)
    if line.reconciliation_id is not None:
        raise ValidationError("O lançamento já está conciliado: desconcilie-o antes de buscar outra fatura.",
                              field="linhas")
    if line.amount >= 0:
        raise ValidationError("A busca de faturas a pagar é para lançamentos a débito.", field="linhas")
    return line


def _filters(params, line) -> SearchFilters:
    if "de" not in params:
        return SearchFilters.around(line)
    f = SearchFilters()
    f.first, f.last = period_of(params)
    search_values_of(params, f)
    f.customer = str(params.get("fornecedor") or "")
    return f


def search_context(runtime, user, account_id: int, line_id: int, params) -> dict:
    from core.db import unit_of_work
    from plugins.reconciliation.payables_match import payables_enabled

    if not payables_enabled(runtime):
        raise ValidationError("O módulo Contas a Pagar não está habilitado.", field="linhas")
    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        line = _free_debit_line(s, account_id, line_id)
        f = _filters(params, line)
        rows = search_payables(s, acc.company_id, acc.id, f)
    return {"line": line, "filters": f, "rows": rows, "statement": -line.amount, "base_url": account_url(acc.id)}


@router.get(CONTAS_URL + "/{account_id}/linhas/{line_id}/busca-pagar", include_in_schema=False)
async def search(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    ctx = await run_in_threadpool(search_context, request.app.state.runtime, user, account_id, line_id,
                                  request.query_params)
    return render(request, "reconciliation/reconciler_search_payables.html", **ctx)


def zero_difference(statement: Decimal, value: Decimal, code: int) -> None:
    """The manual's rule of "Buscar Lançamento": reconcile only at zero difference."""
    diff = statement - value
    if diff:
        raise ValidationError(f"Diferença de {format_brl(diff)} entre o valor do extrato ({format_brl(statement)}) e "
                              f"o da fatura a pagar {code} ({format_brl(value)}): só é possível conciliar com "
                              "diferença zero.", field="parcela")


@router.post(CONTAS_URL + "/{account_id}/linhas/{line_id}/conciliar-pagar", include_in_schema=False)
async def reconcile_found(account_id: int, line_id: int, request: Request, user=Depends(require_reconciler)):
    def work(s, rt, form):
        from plugins.payables.models import PayableInstallment, PayableWriteOff
        from plugins.reconciliation.payables_reconcile import _require_payables, reconcile_payable

        _require_payables(rt)
        line = _free_debit_line(s, account_id, line_id)
        raw_inst, raw_wo = str(form.get("parcela") or ""), str(form.get("baixa") or "")
        if not raw_inst.isdigit() or (raw_wo and not raw_wo.isdigit()):
            raise ValidationError("Escolha a fatura a pagar.", field="parcela")
        inst = s.get(PayableInstallment, int(raw_inst))
        if inst is None:
            raise ValidationError("Fatura a pagar não encontrada.", field="parcela")
        wo = s.get(PayableWriteOff, int(raw_wo)) if raw_wo else None
        zero_difference(-line.amount, wo.paid if wo is not None else inst.amount, inst.code)
        reconcile_payable(s, line.id, inst.id, writeoff_id=wo.id if wo is not None else None, runtime=rt, user=user)
        return inst.code

    return await _act(request, user, account_id, work, selected=[line_id],
                      message_of=lambda code: {"message": f"Lançamento conciliado com a fatura a pagar {code}."})
