"""Debit lines × contas a pagar in a real Chromium: the operator selects a supplier debit with two
faturas a pagar of the same date and value, sees the stored payables suggestions with their reasons
(the document found in the memo first), clicks "Conciliar" on it and the line is reconciled — the
installment written off by the reconciler; "Desconciliar" reverses that write-off. Screenshots under
test-artifacts/reconciliation_pagar_*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.conftest import start_live_server
from browser.uisupport import add_user, browser_login
from plugins.reconciliation.tests.from_line_world import seed_from_line
from plugins.reconciliation.tests.reconcile_world import ACCOUNTS, import_lines
from plugins.reconciliation.tests.test_reconciliation_payables_service import launch, status

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def payables_server(database_url):
    server = start_live_server(database_url, receivables=ACCOUNTS)
    yield server
    server.stop()


def test_debit_line_reconciled_with_a_payables_suggestion(page, payables_server, runtime, shot):
    fw = seed_from_line(payables=True)
    w = fw.w
    (with_doc,) = launch(fw, "100,00", document="7781")
    (plain,) = launch(fw, "100,00")
    (line,) = import_lines(w, ("-100,00", "20261210", "PAGTO NF 7781 ATACADO DE LINKS"))
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    browser_login(page, payables_server.url, f"/conciliacao/contas/{w.bank_id}?de=2026-12-01&ate=2026-12-31", "maria")
    row = page.locator(f'tr[data-line="{line}"]')
    row.wait_for()
    row.locator("td.rc-desc").click()
    page.locator(f'#rc-pane [data-rc-pane-line="{line}"]').wait_for()
    suggestions = page.locator('#rc-pane tr[data-tipo="pagar"]')
    expect(suggestions).to_have_count(2)
    first = suggestions.first
    expect(first.locator("td").nth(1)).to_have_attribute("title", f"fatura a pagar {with_doc} (7781-1)")
    expect(first).to_contain_text("em aberto")
    expect(first).to_contain_text("documento 7781 no histórico")
    expect(first).to_contain_text("Atacado de Links S.A.")
    shot(page, "reconciliation_pagar_1_sugestoes")
    first.get_by_role("button", name="Conciliar").click()
    expect(page.locator("[data-rc-message]")).to_have_text("Lançamento conciliado com a sugestão.")
    expect(row.locator("[data-situacao]")).to_contain_text("Conciliado")
    expect(page.locator("table[data-rc-conciliados] tr[data-rc-item-other]")).to_contain_text(
        "fatura a pagar baixada na conciliação (baixa estornada ao desconciliar)")
    assert status(with_doc) == "liquidada" and status(plain) == "em_aberto"
    shot(page, "reconciliation_pagar_2_conciliado")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Desconciliar").click()
    expect(page.locator("[data-rc-message]")).to_contain_text(
        f"Faturas a pagar em aberto de novo (baixa estornada): {with_doc}.")
    assert status(with_doc) == "em_aberto"
