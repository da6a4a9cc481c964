"""Page "Transferência entre Contas" (menu Financeiro, permission `reconciliation.transfer`).

- `GET  /conciliacao/transferencias?periodo=hoje|7|15|30|informar&de=&ate=&alterar=<id>` — the form
  (Data, Valor, Histórico, Conta de Saída, Conta de Entrada, Centro de Custo, Observação) pre-filled
  with the user's last histórico / accounts / cost centre when saved in the last 30 days
  (`transfers.remembered_fields`), or with the transfer being altered (`alterar`); the "Listagem de
  Transferências" with the manual's "Período" filter (default: hoje; "Informar período" shows the
  two dates); the alert "nenhuma transferência hoje" and the protection date in force;
- `POST /conciliacao/transferencias` — `create_transfer`; `POST …/{id}/alterar` — `alter_transfer`;
  `POST …/{id}/excluir` — `delete_transfer`, only confirmed (`confirmar=1`, the page asks with
  `hx-confirm`) and only with the permission "Conciliador bancário" too (the manual: "o usuário
  deverá possuir a permissão Conciliação Bancária"). One unit of work each; a refusal re-renders the
  page (400) with the message, the field named and what was typed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import NotFound, ValidationError
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render

TRANSFERS_URL = "/conciliacao/transferencias"
PERM_TRANSFERS = "reconciliation.transfer"
PERIOD_CHOICES = (("hoje", "Hoje"), ("7", "Últimos 7 dias"), ("15", "Últimos 15 dias"), ("30", "Últimos 30 dias"),
                  ("informar", "Informar período"))
FIELD_LABELS = {"issued_on": "Data", "amount": "Valor", "description": "Histórico", "from_account_id": "Conta de Saída",
                "to_account_id": "Conta de Entrada", "cost_centre_id": "Centro de Custo", "note": "Observação",
                "transfer_id": "Transferência", "period": "Período"}

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def _require(request: Request):
    return require_permission(PERM_TRANSFERS)(request)


def menu_items() -> list[MenuItem]:
    return [MenuItem("Transferência entre contas", TRANSFERS_URL, group="Financeiro", order=46,
                     permission=PERM_TRANSFERS)]


def _opt_int(raw, name: str, label: str) -> int | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(f"{label} inválido(a): «{raw}».", field=name)
    return int(raw)


def fields_of(form):
    """`TransferFields` of the form (the service checks the rest)."""
    from plugins.reconciliation.reconciler_web import _date
    from plugins.reconciliation.transfers import TransferFields

    return TransferFields(
        issued_on=_date(form.get("issued_on"), "issued_on", "Data"),
        amount=str(form.get("amount") or "").strip(),
        from_account_id=_opt_int(form.get("from_account_id"), "from_account_id", "Conta de Saída"),
        to_account_id=_opt_int(form.get("to_account_id"), "to_account_id", "Conta de Entrada"),
        description=str(form.get("description") or ""),
        note=str(form.get("note") or ""),
        cost_centre_id=_opt_int(form.get("cost_centre_id"), "cost_centre_id", "Centro de Custo"))


def _period(params) -> tuple[str, date | None, date | None]:
    from plugins.reconciliation.reconciler_web import period_of

    period = str(params.get("periodo") or "hoje")
    if period not in dict(PERIOD_CHOICES):
        raise ValidationError("Período inválido: use hoje, 7, 15 ou 30 dias, ou informe o período.", field="period")
    first, last = period_of(params) if period == "informar" else (None, None)
    return period, first, last


def page_context(runtime, user, params, *, form=None, editing: int | None = None) -> dict:
    from core.choices import cash_accounts
    from core.db import unit_of_work
    from core.ledger.models import CostCentre
    from core.ledger.services import protected_until
    from plugins.reconciliation.transfers import list_transfers, remembered_fields, snapshot
    from plugins.reconciliation.transfers_models import Transfer

    today = date.today()
    company_id = getattr(user, "company_id", None)
    period, first, last = _period(params)
    with unit_of_work(runtime.engine, readonly=True) as s:
        accounts = cash_accounts(s, company_id)
        if company_id is None and accounts:
            company_id = accounts[0].company_id
        accounts = [a for a in accounts if a.company_id == company_id]
        centres = list(s.scalars(select(CostCentre).where(CostCentre.company_id == company_id,
                                                          CostCentre.active.is_(True)).order_by(CostCentre.code)))
        rows = (list_transfers(s, company_id, period=None if period == "informar" else period, date_from=first,
                               date_to=last, today=today) if company_id is not None else [])
        today_count = len(list_transfers(s, company_id, period="hoje", today=today)) if company_id else 0
        limit = protected_until(s, company_id) if company_id else None
        values = {"issued_on": today.isoformat(), "amount": "", "description": "", "from_account_id": "",
                  "to_account_id": "", "cost_centre_id": "", "note": ""}
        remembered = None
        if editing is not None:
            found = s.get(Transfer, editing)
            if found is None or found.deleted_at is not None or found.company_id != company_id:
                raise NotFound(f"Transferência {editing} não encontrada.")
            t = snapshot(s, found)
            values.update(issued_on=t["issued_on"], amount=str(t["amount"]).replace(".", ","),
                          description=t["description"], from_account_id=str(t["from_account_id"]),
                          to_account_id=str(t["to_account_id"]), cost_centre_id=str(t["cost_centre_id"] or ""),
                          note=t["note"])
        elif company_id is not None:
            remembered = remembered_fields(s, user, company_id)
            if remembered:
                values.update(description=remembered["description"],
                              from_account_id=str(remembered["from_account_id"]),
                              to_account_id=str(remembered["to_account_id"]),
                              cost_centre_id=str(remembered["cost_centre_id"] or ""))
        if form is not None:
            values.update({k: str(form.get(k) or "") for k in values})
        s.expunge_all()
    for r in rows:  # the service's dicts carry text; the page formats dates and money
        r["issued_on"], r["amount"] = date.fromisoformat(r["issued_on"]), Decimal(r["amount"])
    return {"accounts": [(a.id, f"{a.code} - {a.name}") for a in accounts],
            "centres": [(c.id, f"{c.code} - {c.name}") for c in centres], "rows": rows, "values": values,
            "period": period, "first": first, "last": last, "periods": PERIOD_CHOICES, "editing": editing,
            "remembered": remembered is not None, "no_transfer_today": today_count == 0, "protected_until": limit,
            "transfers_url": TRANSFERS_URL}


def _query(params) -> dict:
    return {k: params.get(k) for k in ("periodo", "de", "ate") if params.get(k)}


async def _page(request: Request, user, *, status_code: int = 200, form=None, editing=None, **extra):
    params = request.query_params
    try:
        ctx = await run_in_threadpool(page_context, request.app.state.runtime, user, params, form=form,
                                      editing=editing)
    except ValidationError as exc:
        if exc.field in ("period", "de", "ate"):  # a bad filter: the page without it, with the message
            ctx = await run_in_threadpool(page_context, request.app.state.runtime, user, {}, form=form,
                                          editing=editing)
            extra.setdefault("error", str(exc))
            status_code = 400
        else:
            raise
    return render(request, "reconciliation/transfers.html", status_code=status_code, **ctx, **extra)


def _error(exc: ValidationError) -> dict:
    return {"error": str(exc), "error_field": exc.field, "error_label": FIELD_LABELS.get(exc.field or "")}


@router.get(TRANSFERS_URL, include_in_schema=False)
async def transfers_page(request: Request, user=Depends(_require)):
    editing = _opt_int(request.query_params.get("alterar"), "transfer_id", "Transferência")
    return await _page(request, user, editing=editing)


async def _save(request: Request, user, work, message, *, editing=None):
    from core.db import unit_of_work

    runtime = request.app.state.runtime
    form = await request.form()

    def run():
        with unit_of_work(runtime.engine) as s:
            return work(s, form)

    try:
        result = await run_in_threadpool(run)
    except ValidationError as exc:
        return await _page(request, user, status_code=400, form=form, editing=editing, **_error(exc))
    return await _page(request, user, message=message(result))


def _check_company(s, user, transfer_id: int):
    from plugins.reconciliation.transfers import get_transfer

    t = get_transfer(s, transfer_id)
    company = getattr(user, "company_id", None)
    if company is not None and t.company_id != company:
        raise ValidationError(f"Transferência {transfer_id} não encontrada.", field="transfer_id")
    return t


@router.post(TRANSFERS_URL, include_in_schema=False)
async def create(request: Request, user=Depends(_require)):
    from plugins.reconciliation.transfers import create_transfer

    def work(s, form):
        f = fields_of(form)
        if f.from_account_id is not None:
            from plugins.reconciliation.transfers import money_account

            money_account(s, f.from_account_id, "from_account_id", getattr(user, "company_id", None))
        t = create_transfer(s, f, user=user)
        return t.id, t.entry_id

    return await _save(request, user, work,
                       lambda r: f"Transferência {r[0]} realizada com sucesso (lançamento contábil {r[1]}).")


@router.post(TRANSFERS_URL + "/{transfer_id}/alterar", include_in_schema=False)
async def alter(transfer_id: int, request: Request, user=Depends(_require)):
    from plugins.reconciliation.transfers import alter_transfer

    def work(s, form):
        _check_company(s, user, transfer_id)
        return alter_transfer(s, transfer_id, fields_of(form), user=user).id

    return await _save(request, user, work, lambda tid: f"Transferência {tid} alterada com sucesso.",
                       editing=transfer_id)


@router.post(TRANSFERS_URL + "/{transfer_id}/excluir", include_in_schema=False)
async def delete(transfer_id: int, request: Request, user=Depends(_require)):
    from core.auth import has_permission
    from plugins.reconciliation.reconciler_web import PERM_RECONCILE
    from plugins.reconciliation.transfers import delete_transfer

    def work(s, form):
        if form.get("confirmar") != "1":
            raise ValidationError(f"Confirme a exclusão da transferência {transfer_id}.", field="transfer_id")
        if not has_permission(user, PERM_RECONCILE):
            raise ValidationError("Para excluir transferências é necessária a permissão \"Conciliação Bancária\" "
                                  "(Conciliador bancário).", field="transfer_id")
        _check_company(s, user, transfer_id)
        return delete_transfer(s, transfer_id, user=user)

    def message(freed):
        text = f"Transferência {transfer_id} excluída (lançamento contábil estornado)."
        if freed:
            text += " Lançamentos do extrato desconciliados: " + ", ".join(map(str, freed)) + "."
        return text

    return await _save(request, user, work, message)
