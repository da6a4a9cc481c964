"""The reconciler's "Nova Fatura a Receber", "Nova Fatura a Pagar" and "Nova Transferência" for the
selected statement line (`from_line.py`), permission "Conciliador bancário".

- `GET  /conciliacao/contas/{id}/linhas/{line}/nova/{tipo}` (`tipo` = receber | pagar | transferencia) —
  the dialog (htmx, into the pane): Data and Valor of the line (not editable), and the manual's fields;
  "pagar" only when the payables plugin is enabled; "receber" only for a credit line, "pagar" only for a
  debit line;
- `POST` the same URL — the service in one unit of work; the answer is the reconciler workspace with
  the line selected (now "Conciliado") and the message; a refusal comes back in pt-BR (400), nothing
  written.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import NotFound, ValidationError
from core.parties.services import find_party_by_key
from core.web.templating import render
from plugins.reconciliation.reconciler_web import (CONTAS_URL, _act, _date, _line_of, account_url, bank_account_of,
                                                   require_reconciler)

KINDS = {"receber": "Nova fatura a receber", "pagar": "Nova fatura a pagar", "transferencia": "Nova transferência"}

router = APIRouter()


def _opt_int(raw, name: str, label: str) -> int | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(f"{label}: valor inválido «{raw}».", field=name)
    return int(raw)




def _kind(runtime, kind: str, line) -> None:
    from plugins.reconciliation.from_line import payables_enabled

    if kind not in KINDS or (kind == "pagar" and not payables_enabled(runtime)):
        raise NotFound("Ação não encontrada.")
    if kind == "receber" and line.amount <= 0:
        raise ValidationError("Nova fatura a receber: selecione um lançamento a crédito.", field="linhas")
    if kind == "pagar" and line.amount >= 0:
        raise ValidationError("Nova fatura a pagar: selecione um lançamento a débito.", field="linhas")
    if line.reconciliation_id is not None:
        raise ValidationError("O lançamento já está conciliado: desconcilie-o antes.", field="linhas")


def dialog_context(runtime, user, account_id: int, line_id: int, kind: str) -> dict:
    from core.choices import cash_accounts
    from core.db import unit_of_work
    from core.ledger.models import Account, AccountingTemplate, CostCentre
    from plugins.reconciliation.transfers import remembered_fields

    with unit_of_work(runtime.engine, readonly=True) as s:
        acc = bank_account_of(s, account_id, user)
        line = _line_of(s, account_id, line_id)
        _kind(runtime, kind, line)
        ctx = {"kind": kind, "title": KINDS[kind], "line": line, "account": acc, "base_url": account_url(acc.id),
               "memo": (line.memo or line.payee or "")[:200]}
        if kind == "transferencia":
            ctx["others"] = [(a.id, f"{a.code} - {a.name}") for a in cash_accounts(s, acc.company_id) if a.id != acc.id]
            ctx["centres"] = [(c.id, f"{c.code} - {c.name}") for c in s.scalars(
                select(CostCentre).where(CostCentre.company_id == acc.company_id, CostCentre.active.is_(True))
                .order_by(CostCentre.code))]
            ctx["remembered"] = remembered_fields(s, user, acc.company_id) or {}
        elif kind == "receber":
            ctx["revenue_accounts"] = [(a.id, f"{a.code} - {a.name}") for a in s.scalars(
                select(Account).where(Account.company_id == acc.company_id, Account.kind == "revenue",
                                      Account.active.is_(True), Account.is_synthetic.is_(False))
                .order_by(Account.code))]
        else:
            ctx["templates"] = [(t.id, f"{t.code} - {t.description}") for t in s.scalars(
                select(AccountingTemplate).where(AccountingTemplate.company_id == acc.company_id,
                                                 AccountingTemplate.active.is_(True)).order_by(AccountingTemplate.code))]
        s.expunge_all()
    return ctx


@router.get(CONTAS_URL + "/{account_id}/linhas/{line_id}/nova/{kind}", include_in_schema=False)
async def new_dialog(account_id: int, line_id: int, kind: str, request: Request, user=Depends(require_reconciler)):
    ctx = await run_in_threadpool(dialog_context, request.app.state.runtime, user, account_id, line_id, kind)
    return render(request, "reconciliation/reconciler_new.html", **ctx)


def _party_of(s, form, field: str, label: str):
    """The customer/supplier typed in `field` (code or CPF/CNPJ); None when empty, refused when not found."""
    key = str(form.get(field) or "").strip()
    party = find_party_by_key(s, key)
    if key and party is None:
        raise ValidationError(f"{label} «{key}» não encontrado (informe o código ou o CPF/CNPJ).", field=field)
    return party


@router.post(CONTAS_URL + "/{account_id}/linhas/{line_id}/nova/{kind}", include_in_schema=False)
async def new_from_line(account_id: int, line_id: int, kind: str, request: Request,
                        user=Depends(require_reconciler)):
    from plugins.reconciliation import from_line as svc

    def work(s, rt, form):
        line = _line_of(s, account_id, line_id)
        _kind(rt, kind, line)
        if kind == "receber":
            party = _party_of(s, form, "cliente", "Cliente")
            svc.new_receivable_from_line(s, line.id, svc.ReceivableFields(
                party_id=party.id if party else None, description=str(form.get("historico") or ""),
                due_date=_date(form.get("vencimento"), "vencimento", "Vencimento"),
                revenue_account_id=_opt_int(form.get("conta"), "conta", "Conta do plano de contas"),
                note=str(form.get("observacao") or "")), runtime=rt, user=user)
            return "Fatura a receber gerada, baixada e conciliada com o lançamento."
        if kind == "pagar":
            party = _party_of(s, form, "fornecedor", "Fornecedor")
            debit = str(form.get("conta_debito") or "").strip() or None
            debit_id = None
            if debit:
                from plugins.payables.apportionment import account_by_code

                acc = bank_account_of(s, account_id, user)
                debit_id = account_by_code(s, acc.company_id, debit, field="conta_debito", side="débito").id
            svc.new_payable_from_line(s, line.id, svc.PayableFields(
                supplier_id=party.id if party else None, category=str(form.get("categoria") or ""),
                template_id=_opt_int(form.get("historico"), "historico", "Histórico"), debit_account_id=debit_id,
                document=str(form.get("documento") or "") or None, series=str(form.get("serie") or "") or None,
                note=str(form.get("observacao") or "") or None), runtime=rt, user=user)
            return "Fatura a pagar gerada, baixada e conciliada com o lançamento."
        svc.new_transfer_from_line(s, line.id, svc.TransferFromLine(
            other_account_id=_opt_int(form.get("outra_conta"), "outra_conta", "Conta"),
            description=str(form.get("historico") or ""), note=str(form.get("observacao") or ""),
            cost_centre_id=_opt_int(form.get("centro"), "centro", "Centro de custo")), user=user)
        return "Transferência gerada e conciliada com o lançamento."

    return await _act(request, user, account_id, work, selected=[line_id], message_of=lambda m: {"message": m})
