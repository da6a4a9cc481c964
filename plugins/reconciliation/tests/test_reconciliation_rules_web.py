"""Page "Regras de conciliação" and the reconciler's "Aplicar regras" through the real app (TestClient):
create with every field, a refused regex naming the field (400, typed values kept), order up/down,
alter, test against the last 90 days, delete; the reconciler applying the rules and showing
"Conciliado pela regra «Tarifas»", unreconcile reversing the entry; permissions."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import unit_of_work
from core.ledger.models import JournalEntry
from core.web.app import create_app
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.rules_models import ReconciliationRule
from plugins.reconciliation.tests.reconcile_world import import_lines, rt  # noqa: F401 (rt: fixture)
from plugins.reconciliation.tests.test_reconciliation_rules import FEES, world
from tests.browser.uisupport import add_user, login

HX = {"HX-Request": "true"}


def rule_ids(company_id):
    with unit_of_work(readonly=True) as s:
        return list(s.scalars(select(ReconciliationRule.id).where(ReconciliationRule.company_id == company_id)
                              .order_by(ReconciliationRule.sequence)))


def test_rules_page_create_refuse_order_alter_test_delete(rt):
    w = world()
    add_user(rt.engine, "gerente", admin=True)
    today = date.today()
    import_lines(w, ("-12,90", today.strftime("%Y%m%d"), "TARIFA PACOTE"),
                 ("-0,38", (today - timedelta(days=100)).strftime("%Y%m%d"), "TARIFA ANTIGA"))
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        page = client.get("/conciliacao/regras")
        assert page.status_code == 200 and "Nenhuma regra cadastrada" in page.text
        assert 'href="/conciliacao/regras"' in page.text  # menu item
        form = {"csrf_token": token, "name": "Tarifas", "action": "classificar", "active": "1", "direction": "debito",
                "bank_account_id": str(w.bank_id), "amount_min": "0,01", "amount_max": "50,00", "text_mode": "regex",
                "text": "TARIFA (PACOTE", "party": "", "ledger_account_id": str(w.accounts[FEES]),
                "description": "Tarifa bancária", "cost_centre_id": str(w.accounts["cc"]), "tolerance": "", "days": "0"}
        bad = client.post("/conciliacao/regras", data=form)
        assert bad.status_code == 400 and 'data-field="text"' in bad.text
        assert "Texto / expressão: Expressão regular inválida «TARIFA (PACOTE»" in bad.text
        assert 'value="TARIFA (PACOTE"' in bad.text and 'value="50,00"' in bad.text  # what was typed is kept
        assert rule_ids(w.company_id) == []
        ok = client.post("/conciliacao/regras", data={**form, "text": r"TARIFA\s+PACOTE"})
        assert ok.status_code == 200 and "Regra «Tarifas» cadastrada na posição 1." in ok.text
        second = client.post("/conciliacao/regras", data={**form, "name": "IOF", "text_mode": "contem", "text": "iof",
                                                          "ledger_account_id": str(w.accounts["4.1.02"])})
        assert "cadastrada na posição 2" in second.text
        first_id, iof_id = rule_ids(w.company_id)
        rows = re.findall(r'<tr data-rule="(\d+)"', second.text)
        assert rows == [str(first_id), str(iof_id)]
        moved = client.post(f"/conciliacao/regras/{iof_id}/mover", data={"csrf_token": token, "para": "cima"})
        assert re.findall(r'<tr data-rule="(\d+)"', moved.text) == [str(iof_id), str(first_id)]
        assert rule_ids(w.company_id) == [iof_id, first_id]
        editing = client.get(f"/conciliacao/regras?editar={first_id}")
        assert 'value="TARIFA\\s+PACOTE"' in editing.text and "Alterar a regra Tarifas" in editing.text
        altered = client.post(f"/conciliacao/regras/{first_id}/alterar", data={**form, "text_mode": "contem",
                                                                               "text": "tarifa", "name": "Tarifas"})
        assert "Regra «Tarifas» alterada." in altered.text
        tested = client.get(f"/conciliacao/regras?testar={first_id}")
        assert "Teste da regra «Tarifas»" in tested.text
        assert re.search(r"a regra casa com <strong data-rr-casados>1</strong>", tested.text)  # 100 days ago: out
        gone = client.post(f"/conciliacao/regras/{iof_id}/excluir", data={"csrf_token": token, "confirmar": "1"})
        assert "Regra «IOF» excluída." in gone.text and rule_ids(w.company_id) == [first_id]


def test_reconciler_applies_rules_shows_the_rule_and_unreconcile_reverses(rt):
    w = world()
    add_user(rt.engine, "gerente", admin=True)
    fee, = import_lines(w, ("-12,90", "20261210", "TARIFA PACOTE SERVICOS"))
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        client.post("/conciliacao/regras", data={
            "csrf_token": token, "name": "Tarifas", "action": "classificar", "active": "1", "direction": "debito",
            "text_mode": "contem", "text": "tarifa", "ledger_account_id": str(w.accounts[FEES]),
            "description": "Tarifa bancária"})
        url = f"/conciliacao/contas/{w.bank_id}"
        page = client.get(f"{url}?de=2026-12-01&ate=2026-12-31")
        assert "data-rc-aplicar-regras" in page.text
        done = client.post(f"{url}/regras", data={"csrf_token": token, "de": "2026-12-01", "ate": "2026-12-31"},
                           headers=HX)
        assert done.status_code == 200, done.text
        assert "Regras de conciliação: 1 lançamento(s) conciliado(s); «Tarifas»: 1." in done.text
        pane = client.get(f"{url}/painel?linhas={fee}", headers=HX)
        assert "Conciliado pela regra «Tarifas»: lançamento contábil" in pane.text
        assert "em 4.1.01 - Tarifas bancárias, R$ 12,90" in pane.text
        assert "lançado pela regra (estornado ao desconciliar)" in pane.text
        undone = client.post(f"{url}/linhas/{fee}/desconciliar", data={"csrf_token": token, "de": "2026-12-01",
                                                                       "ate": "2026-12-31"}, headers=HX)
        assert undone.status_code == 200, undone.text
    with unit_of_work(readonly=True) as s:
        assert s.get(StatementLine, fee).reconciliation_id is None
        assert s.scalar(select(JournalEntry.id).where(JournalEntry.reversal_of_id.is_not(None))) is not None


def test_rules_permission(rt):
    w = world()
    add_user(rt.engine, "caixa", permissions=["reconciliation.reconcile"])
    add_user(rt.engine, "contador", permissions=["reconciliation.rules"])
    with TestClient(create_app(rt)) as client:
        login(client, "caixa")
        assert client.get("/conciliacao/regras").status_code == 403
        assert client.get(f"/conciliacao/contas/{w.bank_id}").status_code == 200
        client.cookies.clear()
        login(client, "contador")
        assert client.get("/conciliacao/regras").status_code == 200
        assert client.get(f"/conciliacao/contas/{w.bank_id}").status_code == 403
