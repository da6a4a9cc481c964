""""Faturamento mensal" in the background, in a real Chromium: "Faturar" answers at once with the
progress element (bar, chunks done/total, contracts processed, invoices created, elapsed), the
element polls its fragment every second (htmx), and once the run is finished the summary appears
(invoices created, total in R$, contracts skipped and why) and the list of last runs is refreshed.

The server of this module bills in chunks of ONE customer (`billing_chunk_size = 1`), so the 8
customers make 8 chunks."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from browser.conftest import LiveServer
from browser.uisupport import PASSWORD, add_party, add_user
from core.config import BUILTIN_PLUGINS, parse_config
from core.db import unit_of_work
from core.runtime import bootstrap

pytestmark = pytest.mark.browser
CUSTOMERS = 8


@pytest.fixture(scope="module")
def chunked_server(database_url):
    config = parse_config({"database": {"url": database_url}, "app": {"secret_key": "segredo-de-teste-web"},
                           "plugins": {"enabled": list(BUILTIN_PLUGINS),
                                       "receivables": {"billing_chunk_size": 1}}})
    server = LiveServer(bootstrap(config, make_current=False)).start()
    yield server
    from plugins.receivables import billing_background

    for job_id in list(billing_background._THREADS):
        billing_background.wait_for(job_id, timeout=30)
    server.stop()


def _customers(runtime) -> None:
    """8 customers with a R$ 99,90 contract for the whole of November 2026 and one whose contract
    is suspended since October (no billable day ⇒ skipped)."""
    from plugins.receivables.models import Contract, ContractSuspension, DueRule, Plan
    from core.models.company import Company

    parties = [add_party(runtime.engine, i + 1, f"Cliente {i + 1}") for i in range(CUSTOMERS + 1)]
    with unit_of_work(runtime.engine) as s:
        company = Company(code="1", name="Provedor Fibra Ltda", cnpj="11222333000181")
        plan = Plan(code="F300", name="Fibra 300 Mega", price=Decimal("99.90"), active=True)
        rule = DueRule(code="D10", name="Vencimento dia 10", due_day=10, issue_days_before=10,
                       competence_mode="mes_seguinte", active=True)
        s.add_all([company, plan, rule])
        s.flush()
        for i, party_id in enumerate(parties):
            suspended = i == CUSTOMERS
            c = Contract(party_id=party_id, company_id=company.id, plan_id=plan.id, due_rule_id=rule.id,
                         wallet="cobranca", status="suspenso" if suspended else "ativo",
                         activated_on=date(2026, 9, 1), cancellation_requested=False)
            s.add(c)
            s.flush()
            if suspended:
                s.add(ContractSuspension(contract_id=c.id, starts_on=date(2026, 10, 1), ends_on=None))


def _text(locator) -> str:
    return re.sub(r"\s+", " ", locator.inner_text()).strip()


def test_faturar_shows_progress_then_the_summary(page, chunked_server, runtime, shot):
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    _customers(runtime)
    url = chunked_server.url
    page.goto(url + "/receber/faturamento")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill('input[name="username"]', "maria")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/receber/faturamento$"))

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
