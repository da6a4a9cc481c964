"""The reconciler in a real Chromium: the operator opens "Conciliador bancário", uploads the bank's OFX,
the automatic pass reconciles the line with the only matching open invoice (settling it); a line with
two candidates shows the ranked suggestions with their reasons and one is accepted; Ctrl+click selects
two lines of the same day (total shown, other days locked); "Buscar lançamento" reconciles only at
zero difference; "Desconciliar" with "não permitir mais conciliação automática" reopens the invoice.
Each step is saved under test-artifacts/reconciliation_*.png."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from browser.conftest import start_live_server
from browser.uisupport import add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work
from plugins.receivables.models import Invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.ofx_files import sgml, stmtrs, stmttrn
from plugins.reconciliation.tests.reconcile_world import ACCOUNTS, invoice, number_of, seed

pytestmark = pytest.mark.browser

DUE = date(2026, 12, 10)


@pytest.fixture(scope="module")
def reconciliation_server(database_url):
    server = start_live_server(database_url, receivables=ACCOUNTS)
    yield server
    server.stop()


LINES = (("99,90", "20261210", "PIX RECEBIDO MARIA"), ("80,00", "20261210", "PIX FATURA {n}"),
         ("45,00", "20261211", "DEPOSITO EM DINHEIRO"), ("30,00", "20261211", "TED RECEBIDA"),
         ("-12,50", "20261212", "TARIFA PACOTE SERVICOS"))


def _status(invoice_id: int) -> str:
    with unit_of_work(readonly=True) as s:
        return s.get(Invoice, invoice_id).status


def _line_id(memo: str) -> int:
    from sqlalchemy import select

    with unit_of_work(readonly=True) as s:
        return s.scalar(select(StatementLine.id).where(StatementLine.memo == memo))


def test_upload_automatic_suggestion_search_and_unreconcile(page, reconciliation_server, runtime, shot):
    w = seed()
    auto = invoice(w, "99.90", DUE)
    first = invoice(w, "80.00", DUE)
    second = invoice(w, "80.00", DUE, party_id=w.other_party_id)
    searched = invoice(w, "50.00", date(2026, 12, 5))
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    memo_first = f"PIX FATURA {number_of(first)}"
    body = "".join(stmttrn(amount=a, fitid=f"F{i}", posted=d, memo=m.format(n=number_of(first)))
                   for i, (a, d, m) in enumerate(LINES))
    data = sgml(stmtrs(body, acctid="55501-2")).encode("cp1252")

    # the bank accounts list, then the upload (the file's account is linked on the way)
    browser_login(page, reconciliation_server.url, "/conciliacao/contas", "maria")
    page.get_by_role("heading", name="Conciliador bancário").wait_for()
    row = page.locator(f'table[data-rc-contas] tr[data-conta="{w.bank_id}"]')
    assert "não vinculada" in _text(row) and "0,0%" in _text(row)
    shot(page, "reconciliation_1_contas")
    page.get_by_label("Extrato bancário (OFX)").set_input_files(
        files=[{"name": "extrato-dez.ofx", "mimeType": "application/x-ofx", "buffer": data}])
    page.get_by_label("Conta bancária (só para conta ainda não vinculada)").select_option(str(w.bank_id))
    page.get_by_role("button", name="Enviar extrato").click()

    # the reconciler: the automatic pass settled and reconciled the only 99,90 due on 10/12
    page.locator("[data-rc-auto]").wait_for()
    assert "conciliados: 1 (faturas baixadas agora: 1; já baixadas: 0)" in _text(page.locator("[data-rc-auto]"))
    assert "com mais de um candidato (ver sugestões): 1" in _text(page.locator("[data-rc-auto]"))
    auto_line, sug_line = _line_id("PIX RECEBIDO MARIA"), _line_id(memo_first)
    dep_line, ted_line, fee_line = (_line_id("DEPOSITO EM DINHEIRO"), _line_id("TED RECEBIDA"),
                                    _line_id("TARIFA PACOTE SERVICOS"))
    assert "Conciliado" in _text(page.locator(f'tr[data-line="{auto_line}"] [data-situacao]'))
    assert "2 sugestões" in _text(page.locator(f'tr[data-line="{sug_line}"] [data-situacao]'))
    assert _text(page.locator("[data-rc-conciliado]")) == "20,0% (1 de 5)"
    assert _status(auto) == "liquidada"
    shot(page, "reconciliation_2_upload_automatica")

    # a line with two candidates: the ranked suggestions and why; accept the first
    page.locator(f'tr[data-line="{sug_line}"] td.rc-desc').click()
    rows = page.locator("table[data-rc-sugestoes] tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    top = _text(rows.first)
    assert str(number_of(first)) in top and "valor igual" in top and f"número da fatura {number_of(first)} no histórico" in top
    shot(page, "reconciliation_3_sugestoes")
    rows.first.get_by_role("button", name="Conciliar").click()
    page.locator("[data-rc-message]").wait_for()
    assert _text(page.locator("[data-rc-message]")) == "Lançamento conciliado com a sugestão."
    assert "Conciliado" in _text(page.locator(f'tr[data-line="{sug_line}"] [data-situacao]'))
    assert "fatura baixada na conciliação" in _text(page.locator("table[data-rc-conciliados]"))
    assert (_status(first), _status(second)) == ("liquidada", "aberta")
    assert _text(page.locator("[data-rc-conciliado]")) == "40,0% (2 de 5)"
    shot(page, "reconciliation_4_sugestao_aceita")

    # Ctrl+click: two lines of 11/12 with their total; the other days cannot join
    page.locator(f'tr[data-line="{dep_line}"] td.rc-desc').click()
    page.locator(f'#rc-pane [data-rc-pane-line="{dep_line}"]').wait_for()
    page.locator(f'tr[data-line="{ted_line}"] td.rc-desc').click(modifiers=["Control"])
    page.locator("[data-rc-total]").wait_for()
    assert _text(page.locator("[data-rc-total]")) == "R$ 75,00"
    assert _text(page.locator("[data-rc-selecao-total]")) == "R$ 75,00"
    assert page.locator(f'tr[data-line="{fee_line}"] input[name="linhas"]').is_disabled()
    shot(page, "reconciliation_5_selecao_mesmo_dia")

    # "Buscar lançamento" for the 45,00 deposit: the 50,00 invoice needs a 5,00 discount (difference zero)
    page.locator(f'tr[data-line="{dep_line}"] td.rc-desc').click()
    page.locator(f'#rc-pane [data-rc-pane-line="{dep_line}"]').wait_for()
    page.get_by_role("button", name="Buscar lançamento").click()
    found = page.locator(f'table[data-rc-busca] tr[data-fatura="{number_of(searched)}"]')
    found.wait_for()
    found.get_by_role("checkbox").check()
    button = page.locator("[data-rc-conciliar]")  # the totals panel is the server's (htmx), so wait on it
    expect(page.locator('[data-total="diferenca"]')).to_have_text("-R$ 5,00")
    expect(button).to_be_disabled()
    found.get_by_label(f"Desconto da fatura {number_of(searched)}").fill("5,00")
    expect(page.locator('[data-total="subtotal"]')).to_have_text("R$ 45,00")
    expect(page.locator('[data-total="diferenca"]')).to_have_text("R$ 0,00")
    expect(button).to_be_enabled()
    shot(page, "reconciliation_6_buscar_lancamento")
    button.click()
    expect(page.locator("[data-rc-message]")).to_have_text("Lançamento conciliado com a fatura.")
    assert _status(searched) == "liquidada"

    # unreconcile the suggestion's line, with "não permitir mais conciliação automática"
    page.locator(f'tr[data-line="{sug_line}"] td.rc-desc').click()
    page.locator(f'#rc-pane [data-rc-pane-line="{sug_line}"]').wait_for()   # not the previous line's pane
    page.get_by_label("Não permitir mais conciliação automática para este lançamento").check()
    shot(page, "reconciliation_7_antes_de_desconciliar")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Desconciliar").click()
    expect(page.locator("[data-rc-message]")).to_contain_text("Lançamento desconciliado.")
    assert re.match(rf"Lançamento desconciliado\. Faturas em aberto de novo \(baixa estornada\): {number_of(first)}\.$",
                    _text(page.locator("[data-rc-message]")))
    situacao = _text(page.locator(f'tr[data-line="{sug_line}"] [data-situacao]'))
    assert "Não conciliado" in situacao and "sem automática" in situacao
    assert _status(first) == "aberta"
    with unit_of_work(readonly=True) as s:
        assert s.get(StatementLine, sug_line).auto_disabled is True
    shot(page, "reconciliation_8_desconciliado")

    # back to the bank accounts list: the % reconciled and the last import follow
    page.get_by_role("link", name="Todas as contas bancárias").click()
    row = page.locator(f'table[data-rc-contas] tr[data-conta="{w.bank_id}"]')
    row.wait_for()
    assert _text(row.locator("[data-percent]")) == "40,0%" and "banco 341 ag. 1234 c/c 555012" in _text(row)
    shot(page, "reconciliation_9_contas_depois")
