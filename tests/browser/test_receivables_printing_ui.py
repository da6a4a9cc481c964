""""Imprimir Fatura" from the customer panel in a real Chromium: select three invoices in "Faturas a
Receber", click the tool ⇒ a new tab asks for the carnê PDF of exactly the selected invoices, and
that PDF (fetched with the same session) has "Parcela 2 de 3"; "Imprimir recibo de liquidação" on
the settled one asks for its receipt."""

from __future__ import annotations

import re
import subprocess

import pytest

from browser.uisupport import add_user, browser_login

pytestmark = pytest.mark.browser


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "ui.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_print_carne_and_receipt_from_the_panel(page, live_server, runtime, tmp_path, shot):
    from plugins.receivables.tests.conftest import Factory
    from plugins.receivables.tests.printing_support import seed_world, settle

    w = seed_world(runtime, Factory)
    settle(runtime, w.invoice_ids[0])
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")

    path = f"/pessoas/{w.party_id}/painel?aba=faturas"
    browser_login(page, live_server.url, path, "maria")
    page.locator("#rcv-faturas-grid").wait_for()
    for number in w.numbers:
        page.get_by_label(f"Selecionar fatura {number}").check()
    shot(page, "rcv-print-01-selecao")

    tab = page.locator("#rcv-faturas")
    with page.context.expect_event("request", lambda r: "/receber/faturas/pdf" in r.url) as req:
        tab.get_by_role("button", name="Imprimir Fatura").click()
    url = req.value.url
    assert re.search(r"/receber/faturas/pdf\?ids=\d+&ids=\d+&ids=\d+$", url), url
    assert sorted(int(i) for i in re.findall(r"ids=(\d+)", url)) == sorted(w.invoice_ids)
    resp = page.request.get(url)  # same cookies as the browser session
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    assert "Parcela 2 de 3" in _pdf_text(resp.body(), tmp_path)

    for number in w.numbers[1:]:
        page.get_by_label(f"Selecionar fatura {number}").uncheck()
    with page.context.expect_event("request", lambda r: "/receber/faturas/recibo.pdf" in r.url) as req:
        tab.get_by_role("button", name="Imprimir recibo de liquidação").click()
    assert req.value.url.endswith(f"/receber/faturas/recibo.pdf?ids={w.invoice_ids[0]}")
    receipt = page.request.get(req.value.url)
    assert receipt.status == 200
    assert "RECIBO DE LIQUIDAÇÃO" in _pdf_text(receipt.body(), tmp_path)
