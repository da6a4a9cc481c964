"""The cash-flow page in a real Chromium (the fixtures of tests/browser: live uvicorn server, Debian's
Chromium through Playwright with `executable_path`): the operator fills the manual's filters,
generates "Previsto x Realizado" and sees the server-drawn SVG chart — one bar per period, side and
direction with the report's values, the balance lines — and the table; then switches to the
horizontal view. Screenshots in test-artifacts/payables_cashflow_*.png."""

from __future__ import annotations

import re
from datetime import date

import pytest

from browser.conftest import start_live_server  # the Chromium fixtures come from this folder's conftest.py
from browser.uisupport import add_user, browser_login
from core.db import unit_of_work
from plugins.payables.cashflow_forecasts import add_forecast
from plugins.payables.tests.payables_cashflow_world import RECEIVABLES, seed_cashflow
from plugins.payables.tests.payables_writeoff_world import inst
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.receivables.tests.invoice_world import add_invoice

pytestmark = pytest.mark.browser
URL = "/financeiro/fluxo-de-caixa"


@pytest.fixture(scope="module")
def cashflow_server(database_url):
    server = start_live_server(database_url, receivables=RECEIVABLES)
    yield server
    server.stop()


def _world(rt):
    """The launch (3 × R$ 333,33 from the bank), customers' invoices due Dec–May, a monthly rent
    forecast, the first installment paid from the caixa on 07/12/2026."""
    w = seed_cashflow(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        for month, total in ((12, "2400.00"), (1, "2650.00"), (2, "2500.00"), (3, "2800.00"), (4, "2750.00"),
                             (5, "2900.00")):
            year = 2026 if month == 12 else 2027
            add_invoice(s, w.company_id, w.party_id, total=total, issue=date(2026, 11, 30), due=date(year, month, 10))
        add_forecast(s, company_id=w.company_id, account_id=w.bank, description="Aluguel", amount="1.800,00",
                     due_date=date(2026, 12, 15), monthly_until=date(2027, 5, 15), user=w.admin)
        write_off(s, inst(s, w.ww.codes[0]), WriteOffRequest(paid_on=date(2026, 12, 7), cash_account_id=w.cash),
                  runtime=rt, user=w.admin)
    return w


def test_cashflow_page_draws_the_chart(page, cashflow_server, runtime, shot):
    _world(cashflow_server.runtime)
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    browser_login(page, cashflow_server.url, URL, "maria")
    page.get_by_role("heading", name="Fluxo de caixa").wait_for()
    page.fill("#cf-de", "2026-12-01")
    page.fill("#cf-ate", "2027-05-31")
    # the options the manual allows per type of flow (the percentage only with the projection on)
    page.select_option("#cf-tipo", "realizado")
    assert page.locator("#cf-previsoes").is_disabled() and page.locator("#cf-projecao").is_disabled()
    assert page.locator("#cf-transferencias").is_enabled() and page.locator("#cf-percentual").is_disabled()
    page.select_option("#cf-tipo", "previsto")
    assert page.locator("#cf-transferencias").is_disabled() and page.locator("#cf-previsoes").is_enabled()
    page.locator("#cf-projecao").check()
    assert page.locator("#cf-percentual").is_enabled()
    page.locator("#cf-projecao").uncheck()
    page.select_option("#cf-tipo", "previsto_x_realizado")
    assert page.locator('input[name="conta"]:checked').count() == 2  # "por padrão, todas … selecionadas"
    page.get_by_label("Previsões de despesas não compensadas").check()
    page.get_by_role("button", name="Gerar relatório").click()
    page.wait_for_url(re.compile(r"tipo=previsto_x_realizado"))

    chart = page.locator("[data-cashflow-chart] svg.cashflow-chart")
    chart.wait_for()
    assert chart.get_attribute("data-periods") == "6"
    assert page.locator("svg.cashflow-chart rect.bar").count() == 6 * 4
    dec_in = page.locator('rect.bar-inflow.bar-previsto[data-period="2026-12-01"]')
    assert dec_in.get_attribute("data-cents") == "240000"
    assert float(dec_in.get_attribute("height")) > 20  # a visible bar
    dec_out = page.locator('rect.bar-outflow.bar-realizado[data-period="2026-12-01"]')
    assert dec_out.get_attribute("data-cents") == "33334"
    assert page.locator("svg.cashflow-chart polyline.balance-line").count() == 2
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 200
    totals = page.locator("#cashflow-table tr.row-total")
    assert totals.count() == 6
    assert "R$ 2.400,00" in totals.first.inner_text()
    shot(page, "payables_cashflow_vertical")

    page.select_option("#cf-visao", "horizontal")
    page.get_by_role("button", name="Gerar relatório").click()
    page.wait_for_url(re.compile(r"visao=horizontal"))
    page.locator('#cashflow-table[data-view="horizontal"]').wait_for()
    assert page.locator("#cashflow-table thead th").all_inner_texts()[2:] == [
        "dez/2026", "jan/2027", "fev/2027", "mar/2027", "abr/2027", "mai/2027", "Total"]
    assert page.locator("svg.cashflow-chart rect.bar").count() == 24
    shot(page, "payables_cashflow_horizontal")
