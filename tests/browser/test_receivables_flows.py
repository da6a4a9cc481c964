"""Issue 3's receivables flows in a real Chromium (data through the real services):

(a) billing a customer on "Contas a receber → Faturamento mensal" (manual: activated on 16/11 in a
    30-day month ⇒ 15/30 × R$ 99,90 = R$ 49,95), then the invoice in the customer's "Faturas a
    Receber" tab;
(c) "Liquidação avulsa de faturas" with a LOWER value (R$ 80,00 for R$ 99,90) ⇒ the discount charge
    of −R$ 19,90 and "Valor pago R$ 80,00" in "Contas a Receber Liquidadas";
(b) "Remover fatura" on that settled invoice ⇒ the dialog blocks it with the manual's
    "A Fatura N já está liquidada";
(d) "Estorno de Faturas" ⇒ the invoice is open again with its R$ 99,90.

(b) and (d) act on the settled invoice still selected in the "Faturas a Receber" grid (the
settlement's result is closed with Escape, so the page is not reloaded): the "Contas a Receber
Liquidadas" tab is read-only today, so this is how an operator whose screen is a moment old
reaches the settled invoice.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from browser.conftest import start_live_server
from browser.uisupport import (PASSWORD, add_accounts, add_contract, add_fiber_plan, add_party, add_reason, add_user,
                               browser_login)
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work

pytestmark = pytest.mark.browser

# Clientes and receita de serviços use the settings' default codes (the billing's accrual entry).
ACCOUNTS = (("1.1.1.01", "Caixa geral", "cash"), ("1.1.03", "Clientes", "receivable"),
            ("3.1.01", "Receita de serviços de internet", "revenue"),
            ("3.1.2.01", "Juros e multas recebidos", "revenue"), ("3.2.1.01", "Descontos concedidos", "discount"),
            ("3.1.3.01", "Acréscimos recebidos", "surcharge"))

# The deployment's settlement accounts ([plugins.receivables]): the codes of ACCOUNTS below.
SETTLEMENT_SETTINGS = {"receivable_account_code": "1.1.03", "revenue_account_code": "3.1.2.01",
                       "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01"}


@pytest.fixture(scope="module")
def settlement_server(database_url):
    """The app with the receivables settlement accounts configured (the shared `live_server` runs
    with the default settings, where no account is configured)."""
    server = start_live_server(database_url, receivables=SETTLEMENT_SETTINGS)
    yield server
    server.stop()


def _master_data(runtime, party_id: int, activated_on: date) -> dict:
    """Company with the chart of accounts the settlement settings name (their default codes),
    plan R$ 99,90, due rule day 10 of the next month, and an active contract for the party."""
    with unit_of_work(runtime.engine) as s:
        company, plan, rule = add_fiber_plan(s)
        accounts = add_accounts(s, company.id, ACCOUNTS)
        contract = add_contract(s, party_id, company, plan, rule, activated_on=activated_on)
        return {"company": company.id, "cash": accounts["1.1.1.01"], "contract": contract.id}


def test_billing_page_bills_a_customer(page, live_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    ana = add_party(e, 1, "Ana Souza")
    _master_data(runtime, ana, date(2026, 11, 16))

    browser_login(page, live_server.url, "/", "maria")
    page.get_by_role("link", name="Faturamento mensal").first.click()
    page.wait_for_url(re.compile(r"/receber/faturamento$"))
    assert "Nenhum faturamento executado." in _text(page.locator("#billing-runs-grid"))
    page.get_by_label("Competência (mm/aaaa)").fill("13/2026")
    page.get_by_role("button", name="Faturar").click()
    error = page.locator("[data-billing-error]")
    error.wait_for()
    assert "mês deve ser de 1 a 12" in _text(error)
    page.get_by_label("Competência (mm/aaaa)").fill("11/2026")
    page.get_by_role("button", name="Faturar").click()
    summary = page.locator("[data-billing-summary]")
    summary.wait_for()
    assert "competência 11/2026" in _text(summary)
    rows = {r.get_attribute("data-key"): _text(r.locator("td")) for r in summary.locator("tr[data-key]").all()}
    assert rows["contracts_billed"] == "1" and rows["charges_created"] == "1" and rows["invoices_created"] == "1"
    assert rows["already_billed"] == "0" and rows["rolled_over"] == "0"
    assert rows["status"].startswith("Concluído")
    runs = page.locator("#billing-runs-grid tbody tr[data-id]")
    assert runs.count() == 1
    run_cells = [_text(c) for c in runs.first.locator("td").all()]
    assert run_cells[1] == "11/2026" and run_cells[3] == "Concluído" and run_cells[4] == "1/1"
    shot(page, "rcv-flow-01-faturamento")

    page.goto(live_server.url + f"/pessoas/{ana}/painel?aba=faturas")
    grid = page.locator("#rcv-faturas-grid")
    grid.wait_for()
    invoices = grid.locator("tbody tr[data-id]")
    assert invoices.count() == 1
    # 15/30 × 99,90 = 49,95, issued 30/11/2026 (10 days before), due 10/12/2026.
    assert _text(invoices.first).startswith("1 30/11/2026 10/12/2026 R$ 49,95 Aberta")
    shot(page, "rcv-flow-02-fatura-no-painel")


def test_settle_lower_remove_refused_and_reverse(page, settlement_server, runtime, shot):
    from plugins.receivables.billing import run_billing
    from plugins.receivables.invoice_tools import SETTLED
    from plugins.receivables.models import Charge, Invoice

    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    ana = add_party(e, 1, "Ana Souza")
    data = _master_data(runtime, ana, date(2026, 11, 1))
    assert run_billing(runtime, "2026-12")["invoices_created"] == 1
    with unit_of_work(e, readonly=True) as s:
        invoice = s.scalars(select(Invoice).where(Invoice.party_id == ana)).one()
        inv_id, number = invoice.id, invoice.number

    path = f"/pessoas/{ana}/painel?aba=faturas"
    browser_login(page, settlement_server.url, path, "maria")
    grid = page.locator("#rcv-faturas-grid")
    grid.wait_for()
    assert _text(grid.locator(f'tr[data-id="{inv_id}"]')).startswith(f"{number} 31/12/2026 10/01/2027 R$ 99,90 Aberta")
    page.get_by_label(f"Selecionar fatura {number}").check()

    # (c) manual settlement with a lower value: R$ 80,00 of R$ 99,90.
    page.locator("#rcv-faturas").get_by_role("button", name="Liquidação avulsa de faturas").click()
    dialog = page.locator('[data-action-dialog="receivables.invoice.settle"]')
    dialog.wait_for()
    dialog.locator('select[name="method"]').select_option("profile_aguardando_conciliacao")
    dialog.locator('input[name="paid_on"]').fill("2027-01-08")
    dialog.locator('input[name="amount"]').fill("80,00")
    dialog.locator('select[name="bank_account_id"]').select_option(str(data["cash"]))
    shot(page, "rcv-flow-03-liquidacao-dialogo")
    dialog.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="receivables.invoice.settle"]')
    result.wait_for()
    assert result.locator(f'li.done[data-record="{inv_id}"]').is_visible(), _text(result)
    shot(page, "rcv-flow-04-liquidacao-resultado")
    with unit_of_work(e, readonly=True) as s:
        inv = s.get(Invoice, inv_id)
        assert inv.status == "liquidada" and inv.total == Decimal("80.00")
        discount = s.scalars(select(Charge).where(Charge.invoice_id == inv_id,
                                                  Charge.description.like("Desconto na liquidação%"))).one()
        assert discount.amount == Decimal("-19.90")
        assert discount.description == f"Desconto na liquidação da fatura {number}"

    # (b) the settled invoice is still checked on this (not reloaded) screen: removing it is refused.
    page.keyboard.press("Escape")
    result.wait_for(state="detached")
    page.locator("#rcv-faturas").get_by_role("button", name="Remover fatura").click()
    dialog = page.locator('[data-action-dialog="receivables.invoice.remove"]')
    dialog.wait_for()
    refused = dialog.locator(f'li.refused[data-record="{inv_id}"]')
    assert refused.is_visible()
    assert _text(refused.locator(f'li[data-code="{SETTLED}"]')) == f"A Fatura {number} já está liquidada"
    assert dialog.get_by_role("button", name="Executar").is_disabled()
    shot(page, "rcv-flow-05-remover-recusado")
    dialog.get_by_role("button", name="Cancelar").click()
    dialog.wait_for(state="detached")

    # (d) reversal: same cash account, a justification, the event date ⇒ the invoice is open again.
    page.locator("#rcv-faturas").get_by_role("button", name="Estorno de Faturas").click()
    dialog = page.locator('[data-action-dialog="receivables.invoice.reverse"]')
    dialog.wait_for()
    dialog.locator('input[name="on"]').fill("2027-01-09")
    dialog.locator('select[name="bank_account_id"]').select_option(str(data["cash"]))
    dialog.locator('textarea[name="justification"]').fill("Pagamento lançado na fatura errada")
    shot(page, "rcv-flow-06-estorno-dialogo")
    dialog.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="receivables.invoice.reverse"]')
    result.wait_for()
    assert result.locator(f'li.done[data-record="{inv_id}"]').is_visible(), _text(result)
    result.get_by_role("button", name="Fechar").last.click()  # reloads the panel
    page.wait_for_load_state()
    grid = page.locator("#rcv-faturas-grid")
    grid.wait_for()
    assert _text(grid.locator(f'tr[data-id="{inv_id}"]')).startswith(f"{number} 31/12/2026 10/01/2027 R$ 99,90 Aberta")
    shot(page, "rcv-flow-07-estornada-aberta")
    page.get_by_role("tab", name="Contas a Receber Liquidadas").click()
    settled = page.locator("#rcv-liquidadas-grid")
    settled.wait_for()
    assert "Nenhuma fatura liquidada." in _text(settled)
    with unit_of_work(e, readonly=True) as s:
        inv = s.get(Invoice, inv_id)
        assert inv.status == "aberta" and inv.total == Decimal("99.90")
        assert not s.scalars(select(Charge).where(Charge.invoice_id == inv_id,
                                                  Charge.description.like("Desconto%"))).all()


def test_settled_tab_shows_the_paid_value(page, live_server, settlement_server, runtime, shot):
    """After (c), "Contas a Receber Liquidadas" shows the invoice paid on 08/01/2027 with R$ 80,00."""
    from core.actions import run_action
    from core.auth import create_user
    from plugins.receivables.billing import run_billing
    from plugins.receivables.models import Invoice

    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    ana = add_party(e, 1, "Ana Souza")
    data = _master_data(runtime, ana, date(2026, 11, 1))
    run_billing(runtime, "2026-12")
    with unit_of_work(e) as s:
        inv_id = s.scalars(select(Invoice.id).where(Invoice.party_id == ana)).one()
        admin = create_user(s, "sistema", PASSWORD, is_admin=True)
        s.flush()
        s.expunge(admin)
    outcome = run_action(settlement_server.runtime, "receivables.invoice.settle", [inv_id],
                         {"method": "profile_aguardando_conciliacao", "paid_on": "2027-01-08", "amount": "80,00",
                          "bank_account_id": data["cash"]}, admin)
    assert outcome.done == [inv_id], outcome.refused

    browser_login(page, live_server.url, f"/pessoas/{ana}/painel?aba=liquidadas", "maria")
    settled = page.locator("#rcv-liquidadas-grid")
    settled.wait_for()
    row = _text(settled.locator(f'tr[data-id="{inv_id}"]'))
    assert row == ("1 31/12/2026 10/01/2027 R$ 80,00 Liquidada 08/01/2027 R$ 80,00 "
                   "Imprimir recibo de liquidação")
    receipt = settled.locator(f'tr[data-id="{inv_id}"] a[data-print="recibo"]')
    assert receipt.get_attribute("href") == f"/receber/faturas/recibo.pdf?ids={inv_id}"
    shot(page, "rcv-flow-08-liquidadas")


def test_retention_queue_cancels_a_contract(page, live_server, runtime, shot):
    """"Gerenciador de cancelamentos": the requested contract is listed; "Cancelar contrato" with a
    reason and the confirmation cancels it and it leaves the queue."""
    from plugins.receivables.contracts import REASON_CANCELLATION
    from plugins.receivables.models import Contract

    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    add_reason(e, kind=REASON_CANCELLATION, code="C01", description="Mudança de endereço")
    ana = add_party(e, 1, "Ana Souza")
    data = _master_data(runtime, ana, date(2026, 11, 1))
    with unit_of_work(e) as s:
        from plugins.receivables.contracts import request_cancellation

        request_cancellation(s, s.get(Contract, data["contract"]))

    browser_login(page, live_server.url, "/", "maria")
    page.get_by_role("link", name="Gerenciador de cancelamentos").first.click()
    page.wait_for_url(re.compile(r"/receber/cancelamentos$"))
    grid = page.locator("#rcv-retencao-grid")
    row = grid.locator(f'tr[data-id="{data["contract"]}"]')
    assert _text(row).startswith(f'{data["contract"]} 1 — Ana Souza Fibra 300 Mega R$ 99,90 Ativo 01/11/2026')
    shot(page, "rcv-flow-09-cancelamentos")
    page.get_by_label(f'Selecionar contrato {data["contract"]}').check()
    page.locator("#rcv-retencao").get_by_role("button", name="Cancelar contrato").click()
    dialog = page.locator('[data-action-dialog="receivables.contract.cancel"]')
    dialog.wait_for()
    dialog.locator('select[name="reason"]').select_option(label="C01 — Mudança de endereço")
    dialog.locator('input[name="on"]').fill("2026-12-11")
    dialog.get_by_label("Tem certeza que deseja cancelar o contrato?").check()
    dialog.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="receivables.contract.cancel"]')
    result.wait_for()
    assert result.locator(f'li.done[data-record="{data["contract"]}"]').is_visible(), _text(result)
    result.get_by_role("button", name="Fechar").last.click()
    page.wait_for_load_state()
    page.locator("#rcv-retencao-grid").wait_for()
    assert "Nenhuma solicitação de cancelamento pendente." in _text(page.locator("#rcv-retencao-grid"))
    shot(page, "rcv-flow-10-cancelamentos-vazio")
    with unit_of_work(e, readonly=True) as s:
        c = s.get(Contract, data["contract"])
        assert c.status == "cancelado" and c.cancelled_on == date(2026, 12, 11) and not c.cancellation_requested
