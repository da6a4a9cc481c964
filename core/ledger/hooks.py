"""The ledger's hook implementations (a kernel part: always registered, cannot be disabled)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from hooks import hookimpl

from core.actions import Action, Blocker
from core.ledger.models import Account, AccountingTemplate, CostCentre, JournalEntry
from core.ledger.services import REVERSE_ACTION
from core.web.registry import MenuItem

MENU_GROUP = "Contabilidade"
PERM_READ = "ledger.entry.read"
PERM_POST = "ledger.entry.post"
PERM_REVERSE = "ledger.entry.reverse"
REVERSAL_REASON_KIND = "estorno_contabil"


@hookimpl
def register_doctypes(register):
    register(Account)
    register(CostCentre)
    register(AccountingTemplate)


@hookimpl
def register_permissions(register):
    register(PERM_READ, "Consultar lançamentos contábeis e balancete", MENU_GROUP)
    register(PERM_POST, "Fazer lançamentos contábeis", MENU_GROUP)
    register(PERM_REVERSE, "Estornar lançamentos contábeis", MENU_GROUP)


@hookimpl
def register_menu_items(register):
    register(MenuItem(label="Plano de contas", url=f"/doc/{Account.doctype_name()}", group=MENU_GROUP, order=10))
    register(MenuItem(label="Centros de custo", url=f"/doc/{CostCentre.doctype_name()}", group=MENU_GROUP,
                      order=20))
    register(MenuItem(label="Históricos contábeis", url=f"/doc/{AccountingTemplate.doctype_name()}",
                      group=MENU_GROUP, order=30))
    register(MenuItem(label="Lançamentos", url="/contabilidade/lancamentos", group=MENU_GROUP, order=40,
                      permission=PERM_READ))
    register(MenuItem(label="Balancete", url="/contabilidade/balancete", group=MENU_GROUP, order=50,
                      permission=PERM_READ))


@hookimpl
def register_reason_kinds(register):
    register(REVERSAL_REASON_KIND, "Estorno de lançamento contábil")


# --- Bulk action: reverse journal entries (estornar lançamentos) --------------------------------

class ReverseParams(BaseModel):
    """What the operator fills in to reverse entries."""

    model_config = ConfigDict(extra="ignore")
    on: date = Field(title="Data do estorno", description="Data dos lançamentos de estorno")


def _check_reverse(ctx, records, params):
    from core.ledger.services import reversal_problems

    on = getattr(params, "on", None)
    on = on if isinstance(on, date) else None
    for entry in records:
        for code, message in reversal_problems(ctx.session, entry, on):
            yield Blocker(entry.id, code, message)


def _run_reverse(ctx, records, params):
    from core.ledger.services import reverse_entry

    parts = []
    if ctx.reason is not None:
        parts.append(f"{ctx.reason.code} — {ctx.reason.description}")
    if ctx.justification:
        parts.append(ctx.justification)
    reason = "; ".join(parts) or None
    for entry in records:
        reverse_entry(ctx.session, entry, on=params.on, user=ctx.user, reason=reason, audit_original=False)


@hookimpl
def register_actions(register):
    register(Action(
        name=REVERSE_ACTION, label="Estornar lançamento contábil", target=JournalEntry, permission=PERM_REVERSE,
        run=_run_reverse, params=ReverseParams, reason_kind=REVERSAL_REASON_KIND, check=_check_reverse,
        confirm="Tem certeza de que deseja estornar os lançamentos selecionados?",
        description="Cria, para cada lançamento, um lançamento de estorno com débitos e créditos invertidos, "
                    "na data informada. O lançamento original não é alterado nem excluído.",
    ))


@hookimpl
def register_routes(register):
    from core.ledger.web import build_router

    register(build_router())


@hookimpl
def register_history_kinds(register):
    def entry_title(session, entry_id):
        entry = session.get(JournalEntry, entry_id)
        return f"nº {entry.number} de {entry.date:%d/%m/%Y} — {entry.description}" if entry else None

    register("ledger_entry", "Lançamento contábil", PERM_READ,
             {"number": "Número", "date": "Data", "description": "Histórico", "total": "Valor",
              "reversal_of_id": "Estorno do lançamento", "reversal_reason": "Motivo do estorno",
              "origin": "Origem", "company_id": "Empresa"}, entry_title)
