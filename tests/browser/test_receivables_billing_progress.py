""""Faturamento mensal" in the background, in a real Chromium: "Faturar" answers at once with the
progress element (bar, chunks done/total, contracts processed, invoices created, elapsed), the
element polls its fragment every second (htmx), and once the run is finished the summary appears
(invoices created, total in R$, contracts skipped and why) and the list of last runs is refreshed.

The server of this module bills in chunks of ONE customer (`billing_chunk_size = 1`), so the 8
customers make 8 chunks."""

from __future__ import annotations

import re
from datetime import date

import pytest

from browser.conftest import start_live_server
from browser.uisupport import add_contract, add_fiber_plan, add_party, add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work

pytestmark = pytest.mark.browser
CUSTOMERS = 8


@pytest.fixture(scope="module")
def chunked_server(database_url):
    server = start_live_server(database_url, receivables={"billing_chunk_size": 1})
    yield server
    from plugins.receivables import billing_background

    for job_id in billing_background._THREADS.job_ids():
        billing_background.wait_for(job_id, timeout=30)
    server.stop()


def _customers(runtime) -> None:
    """8 customers with a R$ 99,90 contract for the whole of November 2026 and one whose contract
    is suspended since October (no billable day ⇒ skipped)."""
    from plugins.receivables.models import ContractSuspension

    parties = [add_party(runtime.engine, i + 1, f"Cliente {i + 1}") for i in range(CUSTOMERS + 1)]
    with unit_of_work(runtime.engine) as s:
        company, plan, rule = add_fiber_plan(s)
        for i, party_id in enumerate(parties):
            suspended = i == CUSTOMERS
            c = add_contract(s, party_id, company, plan, rule, status="suspenso" if suspended else "ativo",
                             activated_on=date(2026, 9, 1))
            if suspended:
                s.add(ContractSuspension(contract_id=c.id, starts_on=date(2026, 10, 1), ends_on=None))


def test_faturar_shows_progress_then_the_summary(page, chunked_server, runtime, shot):
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    _customers(runtime)
    url = chunked_server.url
    browser_login(page, url, "/receber/faturamento", "maria")

    page.get_by_label("Competência (mm/aaaa)").fill("11/2026")
    page.get_by_role("button", name="Faturar").click()
    progress = page.locator("[data-billing-progress]")
    progress.wait_for()
    assert "Faturamento da competência 11/2026" in _text(progress)
    assert page.locator("progress#billing-progress-bar").get_attribute("max") == str(CUSTOMERS + 1)
    assert re.search(rf"Partes concluídas \d+ de {CUSTOMERS + 1}", _text(progress))
    shot(page, "rcv-billing-progress-01-andamento")

    summary = page.locator("[data-billing-summary]")
    summary.wait_for(timeout=30_000)
    rows = {r.get_attribute("data-key"): _text(r.locator("td")) for r in summary.locator("tr[data-key]").all()}
    assert rows["status"] == f"Concluído ({CUSTOMERS + 1} de {CUSTOMERS + 1} parte(s))"
    assert rows["invoices_created"] == str(CUSTOMERS) and rows["contracts_billed"] == str(CUSTOMERS)
    assert rows["invoiced_total"] == "R$ 799,20"  # 8 × 99,90
    assert _text(summary.locator("[data-billing-skipped]")) == "1 sem dias a faturar (suspensos o mês inteiro)"
    facts = _text(page.locator(".billing-progress-facts"))
    assert f"Contratos processados {CUSTOMERS + 1}" in facts and f"Faturas criadas {CUSTOMERS}" in facts
    assert page.locator("[data-billing-progress]").get_attribute("hx-trigger") is None  # polling stopped
    assert page.locator("progress#billing-progress-bar").get_attribute("value") == str(CUSTOMERS + 1)
    runs = page.locator("#billing-runs-grid tbody tr[data-id]")
    assert runs.count() == 1
    cells = [_text(c) for c in runs.first.locator("td").all()]
    assert cells[1] == "11/2026" and cells[3] == "Concluído" and cells[4] == f"{CUSTOMERS + 1}/{CUSTOMERS + 1}"
    assert cells[-1] == "R$ 799,20"
    shot(page, "rcv-billing-progress-02-resumo")
