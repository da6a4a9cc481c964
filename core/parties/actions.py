"""Bulk actions on parties: inactivate and reactivate registrations (with reasons).

Other plugins veto them through `action_blockers` (e.g. a customer with open invoices), and
every processed party gets an audit entry with the reason and justification.
"""

from __future__ import annotations

from core.actions import Action, Blocker
from core.parties.models import Party

PERM_DEACTIVATE = "parties.deactivate"
PERM_ACTIVATE = "parties.activate"
REASON_KIND_DEACTIVATE = "inativacao_cadastro"


def _deactivate(ctx, records, params) -> None:
    for party in records:
        party.active = False


def _activate(ctx, records, params) -> None:
    for party in records:
        party.active = True


def _check_active(ctx, records, params):
    return [Blocker(p.id, "cadastro_inativo", f"O cadastro {p.code} ({p.name}) já está inativo")
            for p in records if not p.active]


def _check_inactive(ctx, records, params):
    return [Blocker(p.id, "cadastro_ativo", f"O cadastro {p.code} ({p.name}) já está ativo")
            for p in records if p.active]


DEACTIVATE = Action(
    name="parties.deactivate", label="Inativar cadastro", target=Party, permission=PERM_DEACTIVATE,
    run=_deactivate, check=_check_active, reason_kind=REASON_KIND_DEACTIVATE,
    confirm="Tem certeza de que deseja inativar os cadastros selecionados?",
    description="O cadastro deixa de aparecer entre os ativos; nada é excluído.",
)
ACTIVATE = Action(
    name="parties.activate", label="Reativar cadastro", target=Party, permission=PERM_ACTIVATE,
    run=_activate, check=_check_inactive,
    confirm="Tem certeza de que deseja reativar os cadastros selecionados?",
)
