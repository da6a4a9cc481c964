""""Documentos fiscais pendentes" → "Gerar todos" in a real Chromium: the page shows how many
invoices await a note, the click answers at once with the job's progress element (polled every
second by htmx) and, once the job is done, the figures (processed N of N, generated) and the
numbers gapless in the customers' panel data."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.uisupport import add_contract, add_fiber_plan, add_party, add_user, browser_login
from core.db import unit_of_work

pytestmark = pytest.mark.browser
CUSTOMERS = 6


def _billed(runtime) -> None:
    from plugins.receivables.billing import run_billing

    parties = [add_party(runtime.engine, i + 1, f"Cliente {i + 1}") for i in range(CUSTOMERS)]
    with unit_of_work(runtime.engine) as s:
        company, plan, rule = add_fiber_plan(s)
        for party_id in parties:
            add_contract(s, party_id, company, plan, rule, activated_on=date(2026, 9, 1))
    assert run_billing(runtime, "2026-11")["invoices_created"] == CUSTOMERS


def test_gerar_todos_shows_progress_then_the_figures(page, live_server, runtime, shot):
    from plugins.fiscal_nf2122 import bulk
    from plugins.fiscal_nf2122.models import FiscalDocument

    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    _billed(runtime)
    browser_login(page, live_server.url, "/fiscal/pendentes", "maria")
    expect(page.locator("[data-fiscal-pending]")).to_have_text(
        f"{CUSTOMERS} fatura(s) aguardando geração de nota fiscal.")
    expect(page.locator("#fiscal-issues")).to_have_text("Nenhuma pendência fiscal.")
    page.get_by_label("Competência (AAMM; vazio = todas)").fill("2611")
    page.get_by_role("button", name="Gerar todos").click()
    progress = page.locator("#fiscal-bulk-progress")
    expect(progress).to_be_visible()
    job_id = int(progress.get_attribute("data-job"))
    expect(progress).to_have_attribute("data-state", "done", timeout=30_000)
    expect(progress.locator('[data-progress="processed"]')).to_have_text(f"{CUSTOMERS} de {CUSTOMERS}")
    expect(progress.locator('[data-progress="generated"]')).to_have_text(str(CUSTOMERS))
    expect(progress.locator('[data-progress="failed"]')).to_have_text("0")
    expect(progress.locator("[data-progress-percent]")).to_have_text("100%")
    assert progress.get_attribute("hx-trigger") is None  # polling stopped
    shot(page, "fiscal-gerar-todos-01-concluido")
    assert bulk.THREADS.wait_for(job_id, 30)
    with unit_of_work(runtime.engine, readonly=True) as s:
        numbers = list(s.scalars(select(FiscalDocument.number).order_by(FiscalDocument.invoice_id)))
    assert numbers == list(range(1, CUSTOMERS + 1))
    page.reload()
    expect(page.locator("[data-fiscal-pending]")).to_have_text("0 fatura(s) aguardando geração de nota fiscal.")
