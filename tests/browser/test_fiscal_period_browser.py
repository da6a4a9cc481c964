""""Arquivos do Convênio 115" in a real Chromium: open the page from the "Fiscal" menu, generate the
period of four notes, see the validator's report with no error and no warning, and download the
mestre file (same bytes as stored)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.uisupport import add_user, browser_login

pytestmark = pytest.mark.browser


def test_generate_period_see_report_and_download(page, live_server, runtime, tmp_path, shot):
    from core.actions import run_action
    from core.db import unit_of_work
    from plugins.fiscal_nf2122.models import FiscalPeriodFilePart
    from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, seed

    w = seed(runtime)
    assert len(run_action(runtime, "fiscal_nf2122.invoice.generate", w.ids, {"confirmed": True}, w.admin).done) == 4
    period = documents(runtime)[0].period
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")

    browser_login(page, live_server.url, "/", "maria")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Arquivos do Convênio 115").click()
    expect(page.get_by_role("heading", name="Arquivos do Convênio 115", exact=True)).to_be_visible()
    expect(page.locator("[data-no-deliveries]")).to_be_visible()

    form = page.locator("#conv115-form")
    form.get_by_label("Empresa").select_option(str(w.company_id))
    form.get_by_label("Período de apuração (AAMM)").fill(period)
    form.get_by_role("button", name="Gerar arquivos").click()

    report = page.locator("#conv115-report")
    expect(report).to_have_attribute("data-report-errors", "0")
    expect(report).to_have_attribute("data-report-warnings", "0")
    expect(report.locator("[data-report-ok]")).to_contain_text("Nenhum erro e nenhum aviso nos 4 arquivo(s).")
    expect(report.locator("#conv115-report-files tbody tr")).to_have_count(4)
    shot(page, "fiscal-conv115-01-relatorio")

    with unit_of_work(runtime.engine, readonly=True) as s:
        mestre = s.scalar(select(FiscalPeriodFilePart).where(FiscalPeriodFilePart.type == "M"))
        name, data = mestre.name, bytes(mestre.data)
    with page.expect_download() as info:
        page.locator('[data-download="M"]').first.click()
    download = info.value
    assert download.suggested_filename == name
    saved = tmp_path / "mestre.001"
    download.save_as(saved)
    assert saved.read_bytes() == data


def test_print_selected_notes_from_the_panel(page, live_server, runtime, tmp_path):
    """"Imprimir documento fiscal" in the customer panel: the checked note goes to the PDF route in a
    new tab, the PDF is the via única of that note, and the note is now delivered."""
    import subprocess

    from core.actions import run_action
    from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, seed

    w = seed(runtime)
    assert len(run_action(runtime, "fiscal_nf2122.invoice.generate", w.ids, {"confirmed": True}, w.admin).done) == 4
    doc = documents(runtime)[0]
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    browser_login(page, live_server.url, f"/pessoas/{doc.party_id}/painel?aba=documentos-fiscais", "maria")
    tab = page.locator("#fiscal-gerados")
    tab.get_by_label("Selecionar NF 21 série U nº 1").check()
    with page.context.expect_event("request", lambda r: "/fiscal/documentos/pdf" in r.url) as req:
        tab.get_by_role("button", name="Imprimir documento fiscal").click()
    assert req.value.url.endswith(f"/fiscal/documentos/pdf?ids={doc.id}")
    expect(tab.get_by_role("button", name="Enviar e-mail ao cliente")).to_be_visible()
    resp = page.request.get(req.value.url)
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    path = tmp_path / "nf.pdf"
    path.write_bytes(resp.body())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "VIA ÚNICA" in text and "000.000.001" in text
    assert documents(runtime)[0].delivered_at is not None
