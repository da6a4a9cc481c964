"""Retorno upload in a real Chromium: the operator opens "Arquivos de retorno", uploads the bank's
retorno (an Itaú CNAB 400 file written from the layout spec) for an invoice billed with a boleto,
sees the per-título table say "liquidada", and finds the invoice settled in the customer panel."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from browser.conftest import start_live_server
from browser.uisupport import add_accounts, add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work
from plugins.bank_profiles.tests.profiles_world import ITAU
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import ACCOUNTS as SETTINGS
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import CHART, ITAU_HEADER, liquidacao

pytestmark = pytest.mark.browser

ITAU_PROFILE = {**ITAU, "conta_contabil": "1.1.1.02"}


@pytest.fixture(scope="module")
def retorno_server(database_url):
    server = start_live_server(database_url, receivables=SETTINGS)
    yield server
    server.stop()


def _billed_invoice(runtime) -> dict:
    """Ana Souza's contract on the Itaú profile billed for 12/2026 (by `runtime`: the server's, with
    the accounts of SETTINGS): one open invoice of R$ 99,90 (due 10/01/2027) with a boleto."""
    from core.parties.models import Party
    from plugins.bank_profiles.models import Boleto
    from plugins.bank_profiles.tests.profiles_world import seed
    from plugins.receivables.billing import run_billing
    from plugins.receivables.models import Invoice
    from plugins.receivables.tests.conftest import Factory

    company, (profile,), _contracts = seed(Factory, contracts=1, profiles=(ITAU_PROFILE,))
    with unit_of_work(runtime.engine) as s:
        add_accounts(s, company, CHART)
    billed = run_billing(runtime, "2026-12")
    assert billed["invoices_created"] == 1, repr(billed)
    with unit_of_work(runtime.engine) as s:
        boleto = s.scalar(select(Boleto).where(Boleto.profile_id == profile))
        invoice = s.get(Invoice, boleto.invoice_id)
        party = s.get(Party, invoice.party_id)
        party.name = "Ana Souza"
        return {"invoice": invoice.id, "number": invoice.number, "party": party.id,
                "nosso_numero": boleto.nosso_numero, "due": invoice.due_date}


def test_uploading_a_retorno_settles_the_invoice(page, retorno_server, runtime, shot):
    from plugins.receivables.models import INVOICE_SETTLED, Invoice

    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    world = _billed_invoice(retorno_server.runtime)
    assert world["due"] == date(2027, 1, 10)

    browser_login(page, retorno_server.url, "/cobranca/retornos", "maria")
    page.get_by_role("heading", name="Arquivos de retorno").wait_for()
    retorno = build_retorno("itau_400", ITAU_HEADER, [liquidacao(world["nosso_numero"], "99.90")])
    page.get_by_label("Arquivo de retorno").set_input_files(
        files=[{"name": "CN08017A.RET", "mimeType": "application/octet-stream", "buffer": retorno}])
    page.get_by_role("button", name="Importar retorno").click()

    row = page.locator('table[data-retorno-itens] tr[data-resultado="liquidada"]')
    row.wait_for()
    assert page.locator("table[data-retorno-itens] tbody tr").count() == 1
    cells = [_text(c) for c in row.locator("td").all()]
    assert cells[1].lstrip("0") == str(world["nosso_numero"])
    assert cells[2].startswith("06") and cells[3] == "R$ 99,90" and cells[4] == "R$ 1,50" and cells[5] == "liquidada"
    assert "Liquidados: 1 (R$ 99,90)" in _text(page.locator("[data-retorno-resumo]"))
    assert "CN08017A.RET" in _text(page.locator("table[data-retornos]"))
    shot(page, "bank_profiles_retorno_upload")

    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.get(Invoice, world["invoice"]).status == INVOICE_SETTLED

    page.goto(f"{retorno_server.url}/pessoas/{world['party']}/painel?aba=liquidadas")
    settled = page.locator(f'#rcv-liquidadas-grid tr[data-id="{world["invoice"]}"]')
    settled.wait_for()
    cells = [_text(c) for c in settled.locator("td").all()]
    assert cells[0] == str(world["number"]) and cells[2] == "10/01/2027" and cells[3] == "R$ 99,90"
    assert cells[4] == "Liquidada" and cells[5] == "08/01/2027" and cells[6] == "R$ 99,90"
    shot(page, "bank_profiles_retorno_panel_settled")

    page.goto(f"{retorno_server.url}/pessoas/{world['party']}/painel?aba=faturas")
    row = page.locator(f'#rcv-faturas-grid tr[data-id="{world["invoice"]}"]')
    row.wait_for()
    assert "Liquidada" in _text(row)
