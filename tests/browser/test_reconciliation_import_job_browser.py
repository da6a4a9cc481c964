"""A big OFX sent on "Extratos bancários (OFX)" in a real Chromium: the answer shows the progress of the
background job, htmx polls it until the import's report replaces it. Screenshot under
test-artifacts/reconciliation_import_job_*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from browser.conftest import LiveServer
from browser.uisupport import add_user, browser_login
from core.config import BUILTIN_PLUGINS, parse_config
from core.db import unit_of_work
from core.runtime import bootstrap
from plugins.reconciliation.bench import generate_ofx
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.reconcile_world import ACCOUNTS, seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def job_server(database_url):
    cfg = parse_config({"database": {"url": database_url}, "app": {"secret_key": "segredo-de-teste-web"},
                        "plugins": {"enabled": list(BUILTIN_PLUGINS), "receivables": dict(ACCOUNTS),
                                    "reconciliation": {"ofx_job_threshold": 100, "ofx_chunk_size": 250}}})
    server = LiveServer(bootstrap(cfg, make_current=False)).start()
    yield server
    server.stop()


def test_big_statement_progress_then_report(page, job_server, runtime, shot, tmp_path):
    w = seed()
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    path = tmp_path / "extrato_grande.ofx"
    path.write_bytes(generate_ofx(3000, account="4455-6"))
    browser_login(page, job_server.url, "/conciliacao/extratos", "maria")
    page.set_input_files("#campo-file", str(path))
    page.select_option("#campo-bank_account_id", str(w.bank_id))
    page.click("#extrato-form button[type=submit]")
    status = page.locator("#extrato-status")
    expect(status).to_be_visible()
    shot(page, "reconciliation_import_job_progress")
    report = page.locator("[data-extrato-job-done] [data-extrato-report]")
    expect(report).to_be_visible(timeout=120_000)
    expect(report).to_contain_text("Extrato extrato_grande.ofx importado.")
    expect(report.locator("[data-novos]")).to_have_text("3000")
    expect(page.locator("[data-extrato-progress]")).to_have_count(0)
    shot(page, "reconciliation_import_job_report")
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(StatementLine)
                        .where(StatementLine.bank_account_id == w.bank_id)) == 3000
