"""The reconciler's "Nova transferência" in a real Chromium: the operator selects a debit line (a TED to
the other bank), opens the dialog, chooses the "Conta de Entrada" and confirms; the line is reconciled
with the new transfer (listed on "Transferência entre contas" too); "Desconciliar" deletes the transfer
(entry reversed) and the line is free again; on the page a typed transfer (last-used fields pre-filled) is
created and deleted after the confirmation. Screenshots under test-artifacts/reconciliation_nova_*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.conftest import start_live_server
from browser.uisupport import add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work
from core.ledger.services import account_balance
from plugins.reconciliation.tests.from_line_world import seed_from_line
from plugins.reconciliation.tests.reconcile_world import ACCOUNTS, D, import_lines
from plugins.reconciliation.transfers_models import Transfer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def from_line_server(database_url):
    server = start_live_server(database_url, receivables=ACCOUNTS)
    yield server
    server.stop()


def _balances(w):
    with unit_of_work(readonly=True) as s:
        return account_balance(s, w.bank_id), account_balance(s, w.other_bank_id)


def test_new_transfer_from_a_line_then_unreconcile(page, from_line_server, runtime, shot):
    fw = seed_from_line()
    w = fw.w
    (line,) = import_lines(w, ("-500,00", "20261211", "TED PARA BANCO INTER"))
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    browser_login(page, from_line_server.url, f"/conciliacao/contas/{w.bank_id}?de=2026-12-01&ate=2026-12-31", "maria")
    row = page.locator(f'tr[data-line="{line}"]')
    row.wait_for()
    assert "Não conciliado" in _text(row.locator("[data-situacao]"))
    row.locator("td.rc-desc").click()
    page.locator(f'#rc-pane [data-rc-pane-line="{line}"]').wait_for()
    expect(page.locator('#rc-pane [data-rc-pane="debito"]')).to_be_visible()
    page.get_by_role("button", name="Nova transferência").click()
    dialog = page.locator('form[data-rc-nova="transferencia"]')
    dialog.wait_for()
    expect(dialog.get_by_label("Histórico")).to_have_value("TED PARA BANCO INTER")
    dialog.get_by_label("Conta de Entrada").select_option(str(w.other_bank_id))
    dialog.get_by_label("Histórico").fill("Transferência para o Inter")
    shot(page, "reconciliation_nova_1_dialogo")
    dialog.get_by_role("button", name="Gerar e conciliar").click()
    expect(page.locator("[data-rc-message]")).to_have_text("Transferência gerada e conciliada com o lançamento.")
    expect(row.locator("[data-situacao]")).to_contain_text("Conciliado")
    item = page.locator("table[data-rc-conciliados] tr[data-rc-item-other]")
    expect(item).to_contain_text("1.1.1.01 - Banco Itaú → 1.1.1.02 - Banco Inter (Transferência para o Inter)")
    expect(item).to_contain_text("gerada pelo conciliador (excluída ao desconciliar)")
    with unit_of_work(readonly=True) as s:
        tid = s.scalar(select(Transfer.id))
    assert _balances(w) == (D("-500.00"), D("500.00"))
    shot(page, "reconciliation_nova_2_conciliado")

    # the transfer is on "Transferência entre contas" (period informed), marked reconciled
    page.goto(from_line_server.url + "/conciliacao/transferencias?periodo=informar&de=2026-12-01&ate=2026-12-31")
    listed = page.locator(f'tr[data-transfer="{tid}"]')
    expect(listed).to_contain_text("Transferência para o Inter")
    expect(listed).to_contain_text("Sim")
    shot(page, "reconciliation_nova_3_transferencias")

    # unreconcile: the transfer created by the reconciler is deleted
    page.goto(from_line_server.url + f"/conciliacao/contas/{w.bank_id}?de=2026-12-01&ate=2026-12-31&linha={line}")
    page.locator(f'#rc-pane [data-rc-pane-line="{line}"]').wait_for()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Desconciliar").click()
    expect(page.locator("[data-rc-message]")).to_contain_text(
        f"Transferências geradas pelo conciliador excluídas (lançamento estornado): {tid}.")
    expect(page.locator(f'tr[data-line="{line}"] [data-situacao]')).to_contain_text("Não conciliado")
    assert _balances(w) == (D("0.00"), D("0.00"))
    shot(page, "reconciliation_nova_4_desconciliado")
    page.goto(from_line_server.url + "/conciliacao/transferencias?periodo=informar&de=2026-12-01&ate=2026-12-31")
    expect(page.locator("table[data-tr-rows]")).to_contain_text("Nenhuma transferência no período.")

    # the page itself: a transfer typed in the form (the last-used fields are pre-filled), then deleted
    page.goto(from_line_server.url + "/conciliacao/transferencias")
    form = page.locator("#tr-form")
    expect(form.get_by_label("Histórico")).to_have_value("Transferência para o Inter")  # remembered (30 days)
    expect(form.get_by_label("Conta de Entrada")).to_have_value(str(w.other_bank_id))
    form.get_by_label("Valor").fill("75,00")
    form.get_by_role("button", name="Transferir").click()
    expect(page.locator("[data-tr-message]")).to_contain_text("realizada com sucesso")
    with unit_of_work(readonly=True) as s:
        typed = s.scalar(select(Transfer.id).where(Transfer.deleted_at.is_(None)))
    expect(page.locator(f'tr[data-transfer="{typed}"]')).to_contain_text("R$ 75,00")
    assert _balances(w) == (D("-75.00"), D("75.00"))
    expect(page.get_by_label("De", exact=True)).to_be_hidden()                 # period "Hoje"
    page.get_by_label("Período").select_option("informar")
    expect(page.get_by_label("De", exact=True)).to_be_visible()                # "Informar período": the dates
    shot(page, "reconciliation_nova_5_pagina_transferencias")
    page.once("dialog", lambda d: d.accept())
    page.locator(f'tr[data-transfer="{typed}"]').get_by_role("button", name="Excluir").click()
    expect(page.locator("[data-tr-message]")).to_have_text(
        f"Transferência {typed} excluída (lançamento contábil estornado).")
    expect(page.locator("table[data-tr-rows]")).to_contain_text("Nenhuma transferência no período.")
    assert _balances(w) == (D("0.00"), D("0.00"))
