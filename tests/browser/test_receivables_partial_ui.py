""""Baixa parcial" from the customer panel in a real Chromium: the dialog picks the bank/cash account
from a list (preselected from `[plugins.receivables] bank_account_code`), shows the manual's
advertência (older open invoice) in yellow without blocking, and the remainder invoice appears in
"Faturas a Receber" with the rest of the value and the new due date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from browser.conftest import start_live_server
from browser.uisupport import add_accounts, add_party, add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work

pytestmark = pytest.mark.browser

ACCOUNTS = (("1.1.1.01", "Caixa geral", "cash"), ("1.1.2.01", "Banco do Brasil", "bank"),
            ("1.1.3.01", "Clientes", "receivable"), ("3.1.2.01", "Juros e multas recebidos", "revenue"),
            ("3.2.1.01", "Descontos concedidos", "discount"), ("3.1.3.01", "Acréscimos recebidos", "surcharge"))
SETTINGS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01",
            "bank_account_code": "1.1.2.01"}


@pytest.fixture(scope="module")
def partial_server(database_url):
    server = start_live_server(database_url, receivables=SETTINGS)
    yield server
    server.stop()


def _master_data(runtime, party_id: int) -> dict:
    """Company, chart of accounts, and two open monthly invoices of R$ 99,90 (as the billing run
    makes them: issued 10 days before the due date, numbers from the gapless counter)."""
    from core.models.company import Company
    from plugins.receivables.invoicing import draw_numbers
    from plugins.receivables.models import Charge, Invoice

    with unit_of_work(runtime.engine) as s:
        company = Company(code="1", name="Provedor Fibra Ltda", cnpj="11222333000181")
        s.add(company)
        s.flush()
        accounts = add_accounts(s, company.id, ACCOUNTS)
        for issue, due, comp in ((date(2026, 12, 31), date(2027, 1, 10), date(2026, 12, 1)),
                                 (date(2027, 1, 31), date(2027, 2, 10), date(2027, 1, 1))):
            inv = Invoice(party_id=party_id, company_id=company.id, number=draw_numbers(s, company.id, 1),
                          issue_date=issue, due_date=due, total=Decimal("99.90"), status="aberta",
                          description=f"Fibra 300 Mega {comp:%m/%Y}", wallet="cobranca", competence=comp,
                          remessa_transmitted=False, remessa_write_off_pending=False)
            s.add(inv)
            s.flush()
            s.add(Charge(party_id=party_id, company_id=company.id, description="Mensalidade Fibra 300 Mega",
                         amount=Decimal("99.90"), due_date=due, competence=comp, status="faturada",
                         invoice_id=inv.id, origin="contrato"))
        return {"company": company.id, "accounts": accounts}


def test_partial_settlement_from_the_customer_panel(page, partial_server, runtime, shot):
    from plugins.receivables.models import Invoice
    from plugins.receivables.settlement_models import Settlement

    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    ana = add_party(e, 1, "Ana Souza")
    data = _master_data(runtime, ana)
    with unit_of_work(e, readonly=True) as s:
        first, second = s.scalars(select(Invoice).where(Invoice.party_id == ana).order_by(Invoice.due_date)).all()
        inv_id, number, older_number = second.id, second.number, first.number

    path = f"/pessoas/{ana}/painel?aba=faturas"
    browser_login(page, partial_server.url, path, "maria")
    grid = page.locator("#rcv-faturas-grid")
    grid.wait_for()
    page.get_by_label(f"Selecionar fatura {number}").check()
    page.locator("#rcv-faturas").get_by_role("button", name="Baixa parcial").click()
    dialog = page.locator('[data-action-dialog="receivables.invoice.settle_partial"]')
    dialog.wait_for()
    # the account is a list of the company's bank/cash accounts, the configured one preselected
    account = dialog.locator('select[name="bank_account_id"]')
    assert account.input_value() == str(data["accounts"]["1.1.2.01"])
    assert [o.strip() for o in account.locator("option").all_inner_texts()] == [
        "—", "1.1.1.01 - Caixa geral (empresa {})".format(data["company"]),
        "1.1.2.01 - Banco do Brasil (empresa {})".format(data["company"])]
    # the manual's advertência: shown in yellow, the invoice can still be processed
    warned = dialog.locator(f'li.warned[data-record="{inv_id}"]')
    warned.wait_for()
    assert _text(warned.locator('li[data-warning="fatura.vencimento_anterior_em_aberto"]')) == (
        f"Atenção: o cliente possui faturas em aberto com vencimento anterior ao da fatura {number}: {older_number}.")
    dialog.locator('input[name="paid_on"]').fill("2027-01-31")
    dialog.locator('input[name="amount"]').fill("40,00")
    dialog.locator('input[name="new_due_date"]').fill("2027-03-10")
    dialog.locator('textarea[name="note"]').fill("Cliente pagará o saldo em março")
    dialog.locator('textarea[name="justification"]').fill("Pagamento parcial no caixa")
    assert dialog.get_by_role("button", name="Executar").is_enabled()
    shot(page, "rcv-partial-01-dialogo")
    dialog.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="receivables.invoice.settle_partial"]')
    result.wait_for()
    done = result.locator(f'li.done[data-record="{inv_id}"]')
    assert done.is_visible(), _text(result)
    assert "vencimento anterior" in _text(done)                      # the result carries the warning
    shot(page, "rcv-partial-02-resultado")
    result.get_by_role("button", name="Fechar").last.click()         # reloads the panel
    page.wait_for_load_state()
    grid = page.locator("#rcv-faturas-grid")
    grid.wait_for()
    with unit_of_work(e, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        rest = s.get(Invoice, st.remainder_invoice_id)
        assert (st.amount, st.bank_account_id) == (Decimal("40.00"), data["accounts"]["1.1.2.01"])
        rest_id, rest_number = rest.id, rest.number
    assert rest_number == number + 1
    row = _text(grid.locator(f'tr[data-id="{rest_id}"]'))
    assert row == f"{rest_number} 31/01/2027 10/03/2027 R$ 59,90 Aberta Cliente pagará o saldo em março"
    assert "Parcialmente liquidada" in _text(grid.locator(f'tr[data-id="{inv_id}"]'))
    shot(page, "rcv-partial-03-fatura-do-saldo")
