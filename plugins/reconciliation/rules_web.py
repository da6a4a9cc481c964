"""Page "Regras de conciliação" ("Cadastro de Regras" of the manual; menu Financeiro, permission
`reconciliation.rules`).

- `GET  /conciliacao/regras?editar=<id>&testar=<id>` — the rules in the order they are applied (first
  that matches wins), with "Subir" / "Descer", "Alterar", "Testar" and "Excluir"; the form (new rule,
  or the one being altered) with every field; `testar` shows how many lines of the last 90 days
  the rule catches (`rules.test_rule`);
- `POST /conciliacao/regras` — `create_rule`; `POST …/{id}/alterar` — `update_rule`;
  `POST …/{id}/mover` (`para=cima|baixo`) — `move_rule`; `POST …/{id}/excluir` (confirmed) —
  `delete_rule`. One unit of work each; a refusal re-renders the page (400) with the message, the
  field named and what was typed.

The reconciler's "Aplicar regras" button is `POST /conciliacao/contas/{id}/regras` (`rules.run_rules`
on the period's free lines), registered here too.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.web.deps import require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render

RULES_URL = "/conciliacao/regras"
PERM_RULES = "reconciliation.rules"
FIELD_LABELS = {"name": "Nome", "action": "Ação", "active": "Ativa", "bank_account_id": "Conta bancária",
                "direction": "Tipo de lançamento", "amount_min": "Valor mínimo", "amount_max": "Valor máximo",
                "text_mode": "Condição do histórico", "text": "Texto / expressão", "party_id": "Cliente/fornecedor",
                "ledger_account_id": "Conta contábil", "description": "Histórico do lançamento",
                "cost_centre_id": "Centro de custo", "tolerance": "Tolerância de valor", "days": "Dias de diferença",
                "rule_id": "Regra"}
VALUE_KEYS = ("name", "action", "bank_account_id", "direction", "amount_min", "amount_max", "text_mode", "text",
              "party", "ledger_account_id", "description", "cost_centre_id", "tolerance", "days")

router = APIRouter()
add_template_dir(Path(__file__).parent / "templates")


def _require(request: Request):
    return require_permission(PERM_RULES)(request)


def menu_items() -> list[MenuItem]:
    return [MenuItem("Regras de conciliação", RULES_URL, group="Financeiro", order=40, permission=PERM_RULES)]


def _opt_int(raw, name: str) -> int | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(f"{FIELD_LABELS.get(name, name)} inválido(a): «{raw}».", field=name)
    return int(raw)


def company_of(s, user) -> int | None:
    """The user's company, or (a user without one, e.g. the administrator) the first with a bank account."""
    from core.ledger.models import Account

    company = getattr(user, "company_id", None)
    if company is not None:
        return company
    return s.scalar(select(Account.company_id).where(Account.kind == "bank").order_by(Account.company_id).limit(1))


def fields_of(s, form):
    from plugins.reconciliation.rules import RuleFields, resolve_party

    return RuleFields(
        name=str(form.get("name") or ""), action=str(form.get("action") or ""), active=form.get("active") == "1",
        bank_account_id=_opt_int(form.get("bank_account_id"), "bank_account_id"),
        direction=str(form.get("direction") or ""), amount_min=str(form.get("amount_min") or ""),
        amount_max=str(form.get("amount_max") or ""), text_mode=str(form.get("text_mode") or ""),
        text=str(form.get("text") or ""), party_id=resolve_party(s, str(form.get("party") or "")),
        ledger_account_id=_opt_int(form.get("ledger_account_id"), "ledger_account_id"),
        description=str(form.get("description") or ""),
        cost_centre_id=_opt_int(form.get("cost_centre_id"), "cost_centre_id"),
        tolerance=str(form.get("tolerance") or ""), days=str(form.get("days") or "0"))


def _brl(value) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def page_context(runtime, user, params, *, form=None, editing: int | None = None) -> dict:
    from core.db import unit_of_work
    from core.ledger.models import Account, CostCentre
    from core.parties.models import Party
    from plugins.reconciliation.rules import get_rule, list_rules, rule_dict, test_rule
    from plugins.reconciliation.rules_models import ACTIONS, DIRECTIONS, TEXT_MODES

    tested = None
    with unit_of_work(runtime.engine, readonly=True) as s:
        company_id = company_of(s, user)
        rules = [rule_dict(s, r) for r in list_rules(s, company_id)] if company_id is not None else []
        accounts = list(s.scalars(select(Account).where(Account.company_id == company_id, Account.active.is_(True),
                                                        Account.is_synthetic.is_(False)).order_by(Account.code)))
        centres = list(s.scalars(select(CostCentre).where(CostCentre.company_id == company_id,
                                                          CostCentre.active.is_(True)).order_by(CostCentre.code)))
        values = {k: "" for k in VALUE_KEYS}
        values.update(action="classificar", direction="ambos", days="0", active="1")
        if editing is not None:
            rule = get_rule(s, editing, company_id)
            party = s.get(Party, rule.party_id) if rule.party_id else None
            values.update(name=rule.name, action=rule.action, active="1" if rule.active else "",
                          bank_account_id=str(rule.bank_account_id or ""), direction=rule.direction,
                          amount_min=_brl(rule.amount_min), amount_max=_brl(rule.amount_max),
                          text_mode=rule.text_mode, text=rule.text,
                          party=(party.document or str(party.code)) if party else "",
                          ledger_account_id=str(rule.ledger_account_id or ""), description=rule.description,
                          cost_centre_id=str(rule.cost_centre_id or ""), tolerance=_brl(rule.tolerance),
                          days=str(rule.days))
        if form is not None:
            values.update({k: str(form.get(k) or "") for k in VALUE_KEYS})
            values["active"] = "1" if form.get("active") == "1" else ""
        testing = _opt_int(params.get("testar"), "rule_id")
        if testing is not None:
            tested = test_rule(s, testing, company_id=company_id)
    if tested:  # the service gives ISO text; the page formats dates and money
        from datetime import date
        from decimal import Decimal

        tested["first_day"], tested["last_day"] = date.fromisoformat(tested["from"]), date.fromisoformat(tested["to"])
        for x in tested["sample"]:
            x["day"], x["value"] = date.fromisoformat(x["date"]), Decimal(x["amount"])
    return {"rules": rules, "values": values, "editing": editing, "tested": tested, "rules_url": RULES_URL,
            "banks": [(a.id, f"{a.code} - {a.name}") for a in accounts if a.kind == "bank"],
            "accounts": [(a.id, f"{a.code} - {a.name}") for a in accounts],
            "centres": [(c.id, f"{c.code} - {c.name}") for c in centres],
            "actions": ACTIONS, "directions": DIRECTIONS, "text_modes": TEXT_MODES}


async def _page(request: Request, user, *, status_code: int = 200, form=None, editing=None, **extra):
    ctx = await run_in_threadpool(page_context, request.app.state.runtime, user, request.query_params, form=form,
                                  editing=editing)
    return render(request, "reconciliation/rules.html", status_code=status_code, **ctx, **extra)


def _error(exc: ValidationError) -> dict:
    return {"error": str(exc), "error_field": exc.field, "error_label": FIELD_LABELS.get(exc.field or "")}


@router.get(RULES_URL, include_in_schema=False)
async def rules_page(request: Request, user=Depends(_require)):
    return await _page(request, user, editing=_opt_int(request.query_params.get("editar"), "rule_id"))


async def _save(request: Request, user, work, message, *, editing=None):
    from core.db import unit_of_work

    runtime = request.app.state.runtime
    form = await request.form()

    def run():
        with unit_of_work(runtime.engine) as s:
            return work(s, form, company_of(s, user))

    try:
        result = await run_in_threadpool(run)
    except ValidationError as exc:
        return await _page(request, user, status_code=400, form=form, editing=editing, **_error(exc))
    return await _page(request, user, message=message(result))


@router.post(RULES_URL, include_in_schema=False)
async def create(request: Request, user=Depends(_require)):
    from plugins.reconciliation.rules import create_rule

    def work(s, form, company_id):
        if company_id is None:
            raise ValidationError("Nenhuma empresa com conta bancária no plano de contas.", field="bank_account_id")
        rule = create_rule(s, company_id, fields_of(s, form), user=user)
        return rule.name, rule.sequence

    return await _save(request, user, work, lambda r: f"Regra «{r[0]}» cadastrada na posição {r[1]}.")


@router.post(RULES_URL + "/{rule_id}/alterar", include_in_schema=False)
async def alter(rule_id: int, request: Request, user=Depends(_require)):
    from plugins.reconciliation.rules import update_rule

    def work(s, form, company_id):
        return update_rule(s, rule_id, fields_of(s, form), company_id=company_id, user=user).name

    return await _save(request, user, work, lambda name: f"Regra «{name}» alterada.", editing=rule_id)


@router.post(RULES_URL + "/{rule_id}/mover", include_in_schema=False)
async def move(rule_id: int, request: Request, user=Depends(_require)):
    from plugins.reconciliation.rules import move_rule

    def work(s, form, company_id):
        move_rule(s, rule_id, str(form.get("para") or ""), company_id=company_id, user=user)
        return None

    return await _save(request, user, work, lambda _r: "Ordem das regras alterada.")


@router.post(RULES_URL + "/{rule_id}/excluir", include_in_schema=False)
async def delete(rule_id: int, request: Request, user=Depends(_require)):
    from plugins.reconciliation.rules import delete_rule, get_rule

    def work(s, form, company_id):
        if form.get("confirmar") != "1":
            raise ValidationError(f"Confirme a exclusão da regra {rule_id}.", field="rule_id")
        name = get_rule(s, rule_id, company_id).name
        delete_rule(s, rule_id, company_id=company_id, user=user)
        return name

    return await _save(request, user, work, lambda name: f"Regra «{name}» excluída.")


# --- the reconciler's button ----------------------------------------------------------------------

def rules_summary(r: dict) -> list[str]:
    """`RulesReport.as_dict()` as sentences for the reconciler."""
    by_rule = "".join(f"; «{k}»: {v}" for k, v in r["by_rule"].items())
    out = [f"Regras de conciliação: {r['reconciled']} lançamento(s) conciliado(s){by_rule}."]
    if r["suggested"]:
        out.append(f"{len(r['suggested'])} lançamento(s) com mais de uma fatura permitida pela regra: ficaram as "
                   "sugestões.")
    out += [f"Lançamento {x['line_id']}: {x['message']}" for x in r["refused"]]
    return out


def register_reconciler_route() -> None:
    """`POST /conciliacao/contas/{id}/regras` ("Aplicar regras" of the reconciler's footer)."""
    from plugins.reconciliation.reconciler_web import CONTAS_URL, _act, bank_account_of, period_of, require_reconciler

    @router.post(CONTAS_URL + "/{account_id}/regras", include_in_schema=False)
    async def run_rules_here(account_id: int, request: Request, user=Depends(require_reconciler)):
        from plugins.reconciliation.rules import run_rules

        def work(s, rt, form):
            first, last = period_of(form)
            acc = bank_account_of(s, account_id, user)
            return run_rules(s, acc, runtime=rt, user=user, date_from=first, date_to=last).as_dict()

        return await _act(request, user, account_id, work,
                          message_of=lambda r: {"auto": rules_summary(r), "alerts": r["alerts"]})


register_reconciler_route()
