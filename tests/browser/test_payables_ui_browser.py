"""The payables pages in a real Chromium (tests/browser fixtures: live uvicorn server, Debian's Chromium
through Playwright): "Lançar Pagamento" with a debit split in 3 accounts and 2 cost centres — a wrong
split is refused under its field, the preview shows the installments and the ledger lines, an
installment is edited in the preview, the launch posts exactly those lines —; and a PARTIAL write-off
from "Faturas a pagar" (the manual's alert in the dialog, the remainder installment created, the
supplier's panel tabs). Screenshots in test-artifacts/payables_ui_*.png."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.conftest import start_live_server  # the Chromium fixtures come from this folder's conftest.py
from browser.uisupport import add_user, browser_login
from browser.uisupport import squeezed_text as _text
from core.db import unit_of_work

pytestmark = pytest.mark.browser
D = Decimal


@pytest.fixture(scope="module")
def pay_server(database_url):
    server = start_live_server(database_url)
    yield server
    server.stop()


def _accounts(s, company_id: int) -> dict[str, int]:
    from core.ledger.models import Account

    return {a.code: a.id for a in s.scalars(select(Account).where(Account.company_id == company_id))}


def test_launch_with_three_way_debit_split(page, pay_server, runtime, shot):
    from core.ledger.models import CostCentre, JournalLine
    from plugins.payables.models import PayableInvoice
    from plugins.payables.tests.payables_world import seed

    w = seed(pay_server.runtime.engine)
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    browser_login(page, pay_server.url, "/pagar/lancar", "maria")
    page.get_by_role("heading", name="Lançar Pagamento - Contas a Pagar").wait_for()
    form = page.locator("#launch-form")

    # the supplier search fills the select (the customer "Maria (cliente)" is not a supplier)
    expect(page.locator("#pay-fornecedor option")).to_have_count(2)  # "Selecione…" + the only supplier
    # (the response arrives before htmx swaps it in: wait for the page, not for the network)
    page.fill("#pay-fornecedor-busca", "Maria")
    expect(page.locator("#pay-fornecedor option")).to_have_text(["Nenhum fornecedor encontrado"])
    page.fill("#pay-fornecedor-busca", "11.444.777")
    expect(page.locator("#pay-fornecedor")).to_have_value(str(w.supplier_id))  # the only match is selected
    form.locator('input[name="emission_date"]').fill("2026-11-05")
    form.locator('input[name="launch_date"]').fill("2026-11-05")
    form.locator('input[name="document"]').fill("4512")
    form.locator('input[name="series"]').fill("1")
    form.locator('input[name="total"]').fill("1.000,00")
    form.locator('input[name="installments"]').fill("3")
    form.locator('input[name="term_days"]').fill("30")
    form.locator('select[name="template_id"]').select_option(str(w.template_id))
    split = {"4.1.03": "500,00", "4.1.04": "300,00", "4.1.05": "100,00"}   # R$ 100,00 short
    for i, (code, amount) in enumerate(split.items(), start=1):
        form.locator(f'select[name="split_account_{i}"]').select_option(str(w.accounts[code]))
        form.locator(f'input[name="split_amount_{i}"]').fill(amount)
    form.locator(f'input[name="cc_{w.centres["ADM"]}"]').fill("60")
    form.locator(f'input[name="cc_{w.centres["TEC"]}"]').fill("40")
    assert page.get_by_role("button", name="Confirmar lançamento").is_disabled()  # preview first

    page.get_by_role("button", name="Prévia").click()
    refusal = page.locator('#launch-form [data-error-for="debit_splits"]')
    refusal.wait_for()
    assert _text(refusal) == ("A soma dos valores rateados entre as contas débito deverão ser igual ao valor total da "
                              "fatura. Soma das contas débito: R$ 900,00; valor da fatura: R$ 1.000,00.")
    assert page.locator("#launch-preview").count() == 0
    expect(page.locator("#pay-splits")).to_have_class(re.compile(r"\bhas-error\b"))
    # what was typed stays in the form
    assert page.locator('input[name="split_amount_2"]').input_value() == "300,00"
    assert page.locator("#pay-fornecedor").input_value() == str(w.supplier_id)
    shot(page, "payables_ui_launch_refused")

    page.locator('input[name="split_amount_3"]').fill("200,00")
    page.get_by_role("button", name="Prévia").click()
    preview = page.locator("#launch-preview")
    preview.wait_for()
    rows = preview.locator("#launch-installments tbody tr")
    assert [(r.get_attribute("data-due"), r.get_attribute("data-amount")) for r in rows.all()] == [
        ("2026-12-05", "333.34"), ("2027-01-04", "333.33"), ("2027-02-03", "333.33")]
    assert [_text(r) for r in preview.locator("#launch-splits tbody tr").all()] == [
        "4.1.03 - Link de internet (atacado) R$ 500,00", "4.1.04 - Energia elétrica R$ 300,00",
        "4.1.05 - Aluguel de postes R$ 200,00"]
    assert [_text(r) for r in preview.locator("#launch-lines tbody tr").all()] == [
        "4.1.03 - Link de internet (atacado) ADM - Administrativo R$ 300,00",
        "4.1.03 - Link de internet (atacado) TEC - Técnico R$ 200,00",
        "2.1.01 - Fornecedores a pagar R$ 500,00",
        "4.1.04 - Energia elétrica ADM - Administrativo R$ 180,00",
        "4.1.04 - Energia elétrica TEC - Técnico R$ 120,00",
        "2.1.01 - Fornecedores a pagar R$ 300,00",
        "4.1.05 - Aluguel de postes ADM - Administrativo R$ 120,00",
        "4.1.05 - Aluguel de postes TEC - Técnico R$ 80,00",
        "2.1.01 - Fornecedores a pagar R$ 200,00"]
    with unit_of_work(runtime.engine, readonly=True) as s:  # the preview wrote nothing
        assert s.scalars(select(PayableInvoice)).all() == []
    # "Detalhamento das Faturas": the last installment gets a note and a later due date
    preview.locator('input[name="parc_3_note"]').fill("Última parcela")
    preview.locator('input[name="parc_3_due"]').fill("2027-02-10")
    shot(page, "payables_ui_launch_preview")

    page.get_by_role("button", name="Confirmar lançamento").click()
    done = page.locator("#launch-done")
    done.wait_for()
    assert _text(done.locator(".alert-ok")).startswith(
        "Fatura a pagar nº 1 lançada: R$ 1.000,00 em 3 parcela(s) — Atacado de Links S.A.; lançamento contábil")
    assert _text(done.locator("#launched-installments tbody tr").last) == "3 4512-3 10/02/2027 R$ 333,33 Última parcela"
    assert done.locator("#launched-lines tbody tr").count() == 9
    shot(page, "payables_ui_launch_done")

    with unit_of_work(runtime.engine, readonly=True) as s:
        inv = s.scalars(select(PayableInvoice)).one()
        assert [(p.due_date, p.amount, p.note) for p in inv.parcels] == [
            (date(2026, 12, 5), D("333.34"), None), (date(2027, 1, 4), D("333.33"), None),
            (date(2027, 2, 10), D("333.33"), "Última parcela")]
        codes = {v: k for k, v in _accounts(s, w.company_id).items()}
        centres = {c.id: c.code for c in s.scalars(select(CostCentre))}
        lines = [(codes[ln.account_id], centres.get(ln.cost_centre_id), ln.debit, ln.credit)
                 for ln in s.scalars(select(JournalLine).where(JournalLine.entry_id == inv.entry_id)
                                     .order_by(JournalLine.id))]
    z = D("0.00")
    assert lines == [("4.1.03", "ADM", D("300.00"), z), ("4.1.03", "TEC", D("200.00"), z), ("2.1.01", None, z, D("500.00")),
                     ("4.1.04", "ADM", D("180.00"), z), ("4.1.04", "TEC", D("120.00"), z), ("2.1.01", None, z, D("300.00")),
                     ("4.1.05", "ADM", D("120.00"), z), ("4.1.05", "TEC", D("80.00"), z), ("2.1.01", None, z, D("200.00"))]


def test_partial_write_off_creates_the_remainder(page, pay_server, runtime, shot):
    from plugins.payables.models import PayableInstallment, PayableWriteOff
    from plugins.payables.tests.payables_writeoff_world import seed_writeoff

    ww = seed_writeoff(pay_server.runtime.engine, pay_server.runtime)
    add_user(runtime.engine, "joao", admin=True, full_name="João Lima")
    with unit_of_work(runtime.engine, readonly=True) as s:
        first = s.scalar(select(PayableInstallment).where(PayableInstallment.code == ww.codes[0]))
        first_id = first.id

    browser_login(page, pay_server.url, "/pagar/faturas", "joao")
    grid = page.locator("#pay-faturas-grid")
    grid.wait_for()
    assert grid.locator("tbody tr").count() == 3
    assert _text(grid.locator("tfoot")) == "3 fatura(s) · 3 em aberto R$ 1.000,00"
    page.get_by_label(f"Selecionar fatura {ww.codes[0]}").check()
    page.get_by_role("button", name="Baixar fatura a pagar").click()
    dialog = page.locator('[data-action-dialog="payables.installment.write_off"]')
    dialog.wait_for()
    # before anything is typed: the amount due (valor da parcela, já pago, restante)
    expect(dialog.locator(f'li.warned[data-record="{first_id}"] li[data-warning="baixa.valor_devido"]')).to_have_text(
        f"Fatura {ww.codes[0]}: valor da parcela R$ 333,34; já pago R$ 0,00; restante a pagar R$ 333,34.")
    shot(page, "payables_ui_writeoff_amount_due")
    dialog.locator('input[name="paid_on"]').fill("2026-12-05")
    dialog.locator('input[name="paid"]').fill("100,00")
    dialog.locator('input[name="paid"]').dispatch_event("change")
    # the manual's alert of the partial write-off, before the "Baixa Parcial" fields are used
    warning = dialog.locator(f'li.warned[data-record="{first_id}"] li[data-warning="baixa.parcial"]')
    warning.wait_for()
    assert _text(warning) == ("O valor pago (R$ 100,00) é inferior ao valor da fatura (R$ 333,34): será realizada uma "
                              "baixa parcial e gerada uma nova fatura com o valor restante (R$ 233,34).")
    shot(page, "payables_ui_writeoff_alert")

    dialog.get_by_role("button", name="Executar").click()  # without the new due date: refused, nothing written
    error = dialog.locator(".alert-error")
    error.wait_for()
    assert "Informe a nova data de vencimento." in _text(error)
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalars(select(PayableWriteOff)).all() == []

    dialog = page.locator('[data-action-dialog="payables.installment.write_off"]')
    dialog.locator('input[name="new_due_date"]').fill("2027-01-15")
    dialog.locator('input[name="remainder_note"]').fill("Saldo combinado com o fornecedor")
    dialog.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="payables.installment.write_off"]')
    result.wait_for()
    assert result.locator(f'li.done[data-record="{first_id}"]').is_visible(), _text(result)
    assert _text(result.locator("li.done strong")) == f"Fatura {ww.codes[0]} (4512-1) — vencimento 05/12/2026"
    shot(page, "payables_ui_writeoff_result")
    result.get_by_role("button", name="Fechar").last.click()
    page.wait_for_load_state()

    with unit_of_work(runtime.engine, readonly=True) as s:
        wo = s.scalars(select(PayableWriteOff)).one()
        rest = s.get(PayableInstallment, wo.remainder_installment_id)
        assert (wo.kind, wo.paid, wo.principal, wo.paid_on) == ("parcial", D("100.00"), D("100.00"), date(2026, 12, 5))
        assert (rest.amount, rest.due_date, rest.note, rest.remainder_of_id, rest.sequence) == (
            D("233.34"), date(2027, 1, 15), "Saldo combinado com o fornecedor", first_id, 4)
        assert s.get(PayableInstallment, first_id).status == "parcial"
        rest_code, supplier_id, wo_id = rest.code, rest.invoice.supplier_id, wo.id

    page.goto(pay_server.url + "/pagar/faturas")
    grid = page.locator("#pay-faturas-grid")
    grid.wait_for()
    assert _text(grid.locator(f'tr[data-code="{rest_code}"]')) == (
        f"{rest_code} 4512-4 4 (saldo) 05/11/2026 15/01/2027 R$ 233,34 Atacado de Links S.A. 4512/1 Em aberto "
        "Saldo combinado com o fornecedor Autorização")
    assert grid.locator(f'tr[data-code="{ww.codes[0]}"]').count() == 0  # default filter: em aberto
    shot(page, "payables_ui_writeoff_list")
    # every situation: the paid installment links its receipt (a real PDF)
    page.goto(pay_server.url + "/pagar/faturas?situacao=")
    receipt = page.locator(f'#pay-faturas-grid tr[data-code="{ww.codes[0]}"] a[data-doc="recibo"]')
    expect(receipt).to_have_attribute("href", f"/pagar/baixas/{wo_id}/recibo.pdf")
    pdf = page.request.get(pay_server.url + receipt.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    shot(page, "payables_ui_writeoff_documents")

    # the supplier's panel: the remainder in "Faturas a Pagar", the payment in "Contas a Pagar Liquidadas"
    page.goto(pay_server.url + f"/pessoas/{supplier_id}/painel?aba=pagar_liquidadas")
    paid = page.locator("#pay-liquidadas-grid")
    paid.wait_for()
    assert _text(paid.locator("tbody tr")) == (
        f"{ww.codes[0]} 4512-1 05/12/2026 R$ 333,34 05/12/2026 R$ 100,00 R$ 0,00 R$ 0,00 R$ 100,00 Individual parcial")
    shot(page, "payables_ui_panel_paid")
    page.goto(pay_server.url + f"/pessoas/{supplier_id}/painel?aba=pagar_faturas")
    tab = page.locator("#pay-tab-faturas-grid")
    tab.wait_for()
    assert tab.locator(f'tr[data-code="{rest_code}"]').count() == 1
    assert "Parcialmente liquidada" in _text(tab.locator(f'tr[data-code="{ww.codes[0]}"]'))
    shot(page, "payables_ui_panel_payable")
