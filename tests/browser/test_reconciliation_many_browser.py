"""Many × many in a real Chromium: Ctrl+click selects two lines of the same day, "Buscar lançamento" lists
the invoices with checkboxes, three are checked and a discount typed; the totals panel (the server's,
through htmx) shows the manual's fields and enables "Conciliar" only at zero difference; after the
reconciliation the other line of the group is shown in grey ("legenda em cinza") and "Desconciliar"
undoes the whole group. Screens under test-artifacts/reconciliation_many_*.png."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from browser.conftest import start_live_server
from browser.uisupport import add_user, browser_login
from core.db import unit_of_work
from plugins.receivables.models import Invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.reconcile_world import ACCOUNTS, import_lines, invoice, number_of, seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def many_server(database_url):
    server = start_live_server(database_url, receivables=ACCOUNTS)
    yield server
    server.stop()


def _status(*invoice_ids: int) -> set[str]:
    with unit_of_work(readonly=True) as s:
        return {s.get(Invoice, i).status for i in invoice_ids}


def test_two_lines_of_a_day_with_three_invoices(page, many_server, runtime, shot):
    w = seed()
    a = invoice(w, "100.00", date(2026, 12, 10))
    b = invoice(w, "30.00", date(2026, 12, 8), party_id=w.other_party_id)
    c = invoice(w, "22.50", date(2026, 12, 9))
    invoice(w, "999.00", date(2026, 12, 9))  # listed, not checked
    l1, l2, l3 = import_lines(w, ("100,00", "20261210", "PIX RECEBIDO A"), ("50,00", "20261210", "PIX RECEBIDO B"),
                              ("7,00", "20261211", "PIX OUTRO DIA"))
    add_user(runtime.engine, "ana", admin=True, full_name="Ana Lima")
    browser_login(page, many_server.url, f"/conciliacao/contas/{w.bank_id}?de=2026-12-01&ate=2026-12-31", "ana")

    page.locator(f'tr[data-line="{l1}"] td.rc-desc').click()
    page.locator(f'#rc-pane [data-rc-pane-line="{l1}"]').wait_for()
    page.locator(f'tr[data-line="{l2}"] td.rc-desc').click(modifiers=["Control"])
    expect(page.locator("[data-rc-total]")).to_have_text("R$ 150,00")
    expect(page.locator(f'tr[data-line="{l3}"] input[name="linhas"]')).to_be_disabled()
    page.locator("[data-rc-buscar-varios]").click()
    for n in (a, b, c):
        page.locator(f'table[data-rc-busca] tr[data-fatura="{number_of(n)}"]').get_by_role("checkbox").check()
    expect(page.locator('[data-total="qtd"]')).to_have_text("3")
    expect(page.locator('[data-total="bruto"]')).to_have_text("R$ 152,50")
    expect(page.locator('[data-total="diferenca"]')).to_have_text("-R$ 2,50")
    button = page.locator("[data-rc-conciliar]")
    expect(button).to_be_disabled()
    row_a = page.locator(f'table[data-rc-busca] tr[data-fatura="{number_of(a)}"]')
    row_a.get_by_label(f"Desconto da fatura {number_of(a)}").fill("5,00")
    page.locator(f'table[data-rc-busca] tr[data-fatura="{number_of(b)}"]').get_by_label(
        f"Juros da fatura {number_of(b)}").fill("2,50")
    expect(page.locator('[data-total="desconto"]')).to_have_text("R$ 5,00")
    expect(page.locator('[data-total="juros"]')).to_have_text("R$ 2,50")
    expect(page.locator('[data-total="taxa"]')).to_have_text("R$ 0,00")
    expect(page.locator('[data-total="subtotal"]')).to_have_text("R$ 150,00")
    expect(page.locator('[data-total="extrato"]')).to_have_text("R$ 150,00")
    expect(page.locator('[data-total="diferenca"]')).to_have_text("R$ 0,00")
    expect(row_a.locator("[data-net]")).to_have_text("R$ 95,00")
    expect(button).to_be_enabled()
    shot(page, "reconciliation_many_1_totais")
    button.click()
    expect(page.locator("[data-rc-message]")).to_have_text("2 lançamento(s) do extrato conciliado(s) com 3 fatura(s).")
    assert _status(a, b, c) == {"liquidada"}

    # the selected line's pane explains the group; the other line of it is grey in the list
    expect(page.locator("[data-rc-legenda-multipla]")).to_contain_text("Conciliação múltipla: 2 lançamentos")
    expect(page.locator(f'tr[data-line="{l2}"]')).to_have_class("rc-same-rec")
    assert page.locator(f'tr[data-line="{l2}"] td').first.evaluate(
        "el => getComputedStyle(el).backgroundColor") == "rgb(233, 236, 241)"
    shot(page, "reconciliation_many_2_legenda_cinza")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Desconciliar").click()
    expect(page.locator("[data-rc-message]")).to_contain_text("Lançamento desconciliado.")
    assert _status(a, b, c) == {"aberta"}
    with unit_of_work(readonly=True) as s:
        assert s.get(StatementLine, l1).reconciliation_id is None and s.get(StatementLine, l2).reconciliation_id is None
    shot(page, "reconciliation_many_3_desconciliado")
