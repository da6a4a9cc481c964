"""Receivables tabs of the customer panel in a real Chromium: an invoice made by the real billing
run is listed in "Faturas a Receber"; an unbilled charge is selected in "Contas a Receber não
faturadas" and invoiced through the kernel's bulk-action dialog."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from browser.uisupport import add_contract, add_fiber_plan, add_party, add_user, browser_login
from core.db import unit_of_work

pytestmark = pytest.mark.browser


def _receivables(runtime, party_id: int) -> dict:
    from plugins.receivables.charge_tools import InsertParams, insert_manual_charges

    with unit_of_work(runtime.engine) as s:
        add_contract(s, party_id, *add_fiber_plan(s), activated_on=date(2026, 11, 1))
    from plugins.receivables.billing import run_billing

    summary = run_billing(runtime, "2026-12")
    assert summary["invoices_created"] == 1
    with unit_of_work(runtime.engine) as s:
        (charge,) = insert_manual_charges(s, party_id, InsertParams(
            description="Instalação", amount=Decimal("150.00"), due_date=date(2026, 12, 20)))
        return {"charge": charge.id}


def test_panel_invoice_an_unbilled_charge(page, live_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    ana = add_party(e, 1, "Ana Souza")
    data = _receivables(runtime, ana)

    browser_login(page, live_server.url, f"/pessoas/{ana}/painel?aba=faturas", "maria")
    grid = page.locator("#rcv-faturas-grid")
    grid.wait_for()
    rows = grid.locator("tbody tr[data-id]")
    assert rows.count() == 1
    assert re.sub(r"\s+", " ", rows.first.inner_text()).strip().startswith("1 31/12/2026 10/01/2027 R$ 99,90 Aberta")
    shot(page, "rcv-01-faturas-a-receber")

    page.get_by_role("tab", name="Contas a Receber não faturadas").click()
    unbilled = page.locator("#rcv-contas-grid")
    unbilled.wait_for()
    page.get_by_label(f"Selecionar conta {data['charge']}").check()
    page.locator("#rcv-contas").get_by_role("button", name="Faturar contas").click()
    dialog = page.locator('[data-action-dialog="receivables.charge.invoice"]')
    dialog.wait_for()
    assert f"Conta {data['charge']} — Instalação" in dialog.inner_text()
    page.select_option('select[name="method"]', label="Uma fatura por conta")
    page.get_by_label("Tem certeza que deseja faturar a(s) conta(s)?").check()
    shot(page, "rcv-02-faturar-dialogo")
    page.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="receivables.charge.invoice"]')
    result.wait_for()
    assert result.locator(f'li.done[data-record="{data["charge"]}"]').is_visible()
    shot(page, "rcv-03-faturar-resultado")

    page.get_by_role("button", name="Fechar").last.click()  # reloads the panel on the same tab
    page.wait_for_load_state()
    page.locator("#rcv-contas-grid").wait_for()
    assert "Nenhuma conta a receber não faturada." in page.locator("#rcv-contas-grid").inner_text()
    page.get_by_role("tab", name="Faturas a Receber").click()
    page.locator("#rcv-faturas-grid").wait_for()
    texts = [re.sub(r"\s+", " ", t).strip() for t in
             page.locator("#rcv-faturas-grid tbody tr[data-id]").all_inner_texts()]
    # Ordered by due date: the new invoice (due 20/12/2026, from the charge) comes first.
    assert texts[0].startswith("2 ") and "20/12/2026 R$ 150,00 Aberta Instalação" in texts[0]
    assert texts[1].startswith("1 31/12/2026 10/01/2027 R$ 99,90 Aberta")
    shot(page, "rcv-04-faturas-depois")
