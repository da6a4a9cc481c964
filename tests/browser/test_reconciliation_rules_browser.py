"""The reconciliation rules in a real Chromium: the operator opens "Regras de conciliação", registers a
"Tarifas" rule (a bad regex is refused first, naming the field), tests it against the last 90 days,
opens the reconciler, clicks "Aplicar regras" and sees the fee line "Conciliado pela regra «Tarifas»"
with its ledger entry. Each step is saved under test-artifacts/reconciliation_rules_*.png."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from browser.conftest import start_live_server
from browser.uisupport import add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.reconcile_world import ACCOUNTS, import_lines
from plugins.reconciliation.tests.test_reconciliation_rules import FEES, world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rules_server(database_url):
    server = start_live_server(database_url, receivables=ACCOUNTS)
    yield server
    server.stop()


def test_register_test_and_apply_a_rule(page, rules_server, runtime, shot):
    w = world()
    today = date.today().strftime("%Y%m%d")
    fee, pix = import_lines(w, ("-12,90", today, "TARIFA PACOTE SERVICOS"), ("-30,00", today, "PIX ENVIADO"))
    add_user(runtime.engine, "ana", admin=True, full_name="Ana Lima")

    browser_login(page, rules_server.url, "/conciliacao/regras", "ana")
    page.get_by_role("heading", name="Regras de conciliação").wait_for()
    expect(page.locator("table[data-rr-rows]")).to_contain_text("Nenhuma regra cadastrada")
    page.get_by_label("Nome").fill("Tarifas")
    page.get_by_label("Ação").select_option("classificar")
    page.get_by_label("Tipo de lançamento").select_option("debito")
    page.get_by_label("Histórico", exact=True).select_option("regex")
    page.get_by_label("Texto / expressão regular").fill("TARIFA (PACOTE")
    page.get_by_label("Conta contábil").select_option(str(w.accounts[FEES]))
    page.get_by_label("Histórico do lançamento").fill("Tarifa bancária")
    page.get_by_role("button", name="Cadastrar regra").click()
    expect(page.locator("[data-rr-error]")).to_contain_text("Texto / expressão: Expressão regular inválida «TARIFA (PACOTE»")
    expect(page.locator("[data-rr-error]")).to_have_attribute("data-field", "text")
    shot(page, "reconciliation_rules_1_regex_recusada")
    page.get_by_label("Texto / expressão regular").fill(r"^TARIFA\s")
    page.get_by_role("button", name="Cadastrar regra").click()
    expect(page.locator("[data-rr-message]")).to_have_text("Regra «Tarifas» cadastrada na posição 1.")
    row = page.locator("table[data-rr-rows] tbody tr").first
    assert "Débitos com histórico que casa /^TARIFA\\s/ ⇒ classificar em 4.1.01 - Tarifas bancárias" in _text(row)

    row.get_by_role("link", name="Testar").click()
    expect(page.locator("[data-rr-casados]")).to_have_text("1")
    assert "TARIFA PACOTE SERVICOS" in _text(page.locator("[data-rr-teste]"))
    shot(page, "reconciliation_rules_2_teste_90_dias")

    page.goto(f"{rules_server.url}/conciliacao/contas/{w.bank_id}")
    page.locator("[data-rc-aplicar-regras]").click()
    expect(page.locator("[data-rc-auto]")).to_contain_text("Regras de conciliação: 1 lançamento(s) conciliado(s); «Tarifas»: 1.")
    expect(page.locator(f'tr[data-line="{fee}"] [data-situacao]')).to_contain_text("regra")
    expect(page.locator(f'tr[data-line="{pix}"] [data-situacao]')).to_contain_text("Não conciliado")
    page.locator(f'tr[data-line="{fee}"] td.rc-desc').click()
    expect(page.locator("[data-rc-regra]")).to_contain_text("Conciliado pela regra «Tarifas»: lançamento contábil")
    expect(page.locator("[data-rc-regra]")).to_contain_text("em 4.1.01 - Tarifas bancárias, R$ 12,90")
    shot(page, "reconciliation_rules_3_conciliado_pela_regra")
    with unit_of_work(readonly=True) as s:
        assert s.get(StatementLine, fee).reconciliation_id is not None
