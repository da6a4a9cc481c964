"""Bulk inactivate / reactivate parties: reasons required, per-record refusals, audit."""

import pytest

from core.actions import run_action
from core.audit import history
from core.auth import create_user
from core.db import unit_of_work
from core.errors import PermissionDenied, ValidationError
from core.models import Reason
from core.parties.models import Party
from core.parties.services import create_party


@pytest.fixture
def data(runtime):
    with unit_of_work(runtime.engine) as s:
        a = create_party(s, person_type="PF", name="Carlos Lima", document="111.444.777-35")
        b = create_party(s, person_type="PJ", name="Loja Azul Ltda", document="11.222.333/0001-81")
        b.active = False
        s.add(Reason(kind="inativacao_cadastro", code="DUP", description="Cadastro duplicado",
                     requires_justification=True))
        admin = create_user(s, "admin2", "segredo-123", is_admin=True)
        clerk = create_user(s, "atendente", "segredo-123", roles=["atendimento"])
        return a.id, b.id, admin, clerk


def test_deactivate_processes_allowed_and_reports_the_already_inactive(runtime, data):
    a, b, admin, _ = data
    params = {"reason": "DUP", "justification": "Cliente cadastrado duas vezes", "confirmed": True}
    result = run_action(runtime, "parties.deactivate", [a, b], params, admin)
    assert result.done == [a]
    assert [x.code for x in result.refused[b]] == ["cadastro_inativo"]
    assert "já está inativo" in result.refused[b][0].message
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.get(Party, a).active is False
        entry = history(s, "party", a)[0]
        assert entry.action == "parties.deactivate" and entry.changes["active"] == [True, False]
        assert entry.justification == "Cliente cadastrado duas vezes"


def test_deactivate_needs_reason_justification_and_confirmation(runtime, data):
    a, _, admin, _ = data
    with pytest.raises(ValidationError):
        run_action(runtime, "parties.deactivate", [a], {"confirmed": True}, admin)
    with pytest.raises(ValidationError):
        run_action(runtime, "parties.deactivate", [a], {"reason": "DUP", "confirmed": True}, admin)
    with pytest.raises(ValidationError):
        run_action(runtime, "parties.deactivate", [a], {"reason": "DUP", "justification": "x"}, admin)


def test_user_without_permission_is_refused(runtime, data):
    a, _, _, clerk = data
    with pytest.raises(PermissionDenied):
        run_action(runtime, "parties.activate", [a], {"confirmed": True}, clerk)
