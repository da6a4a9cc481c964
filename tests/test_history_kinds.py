"""History of audited records that are not document types (users, roles, journal entries):
pt-BR title and field labels, read permission from the registered kind."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from browser.uisupport import add_user, login
from core.audit import record
from core.db import unit_of_work
from core.models import User
from core.web.app import create_app


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


def test_hook_register_history_kinds(runtime, client):
    kinds = runtime.registry.history_kinds
    assert kinds["app_user"].label == "Usuário" and kinds["app_user"].permission == "core.users.manage"
    assert kinds["ledger_entry"].permission == "ledger.entry.read"

    target = add_user(runtime.engine, "joana", full_name="Joana Prado")
    add_user(runtime.engine, "gestor", permissions=["core.users.manage"])
    add_user(runtime.engine, "caixa", permissions=["parties.deactivate"])
    with unit_of_work(runtime.engine) as s:
        joana = s.get(User, target)
        record(s, action="update", target_kind="app_user", target_id=target,
               before={"full_name": "Joana"}, after={"full_name": joana.full_name})

    login(client, "gestor")
    page = client.get(f"/historico/app_user/{target}")
    assert page.status_code == 200
    assert "Usuário: joana (Joana Prado)" in page.text
    assert "Nome" in page.text and "full_name" not in page.text

    client.get("/logout")
    login(client, "caixa")
    assert client.get(f"/historico/app_user/{target}").status_code == 403


def test_journal_entry_history_is_titled_and_readable_with_the_ledger_permission(runtime, client):
    from core.ledger.models import Account
    from core.ledger.services import LineSpec, post_entry
    from core.models import Company

    with unit_of_work(runtime.engine) as s:
        company = Company(code="01", name="Provedor Teste Ltda", cnpj="11222333000181")
        s.add(company)
        s.flush()
        bank = Account(company_id=company.id, code="1.1", name="Banco", kind="bank", bank_code="001",
                       branch="1", account_number="2")
        revenue = Account(company_id=company.id, code="3.1", name="Receita", kind="revenue")
        s.add_all([bank, revenue])
        s.flush()
        entry = post_entry(s, company_id=company.id, date=date(2026, 11, 10), description="Recebimento",
                           lines=[LineSpec.dr(bank.id, "150,00"), LineSpec.cr(revenue.id, "150,00")])
        entry_id, number = entry.id, entry.number
    add_user(runtime.engine, "contador", permissions=["ledger.entry.read"])
    login(client, "contador")
    page = client.get(f"/historico/ledger_entry/{entry_id}")
    assert page.status_code == 200
    assert f"Lançamento contábil: nº {number} de 10/11/2026 — Recebimento" in page.text
