"""Contract tools in a real Chromium: "Remover instrução de aguardando ativação" through the
kernel's action dialog (the contract becomes active, no charge is generated), then "Anexar
arquivos": a file uploaded from the contract's row (multipart form with CSRF) is listed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from browser.uisupport import add_contract, add_fiber_plan, add_party, add_user, browser_login
from core.db import unit_of_work

pytestmark = pytest.mark.browser


def _awaiting_contract(runtime, party_id: int) -> int:
    with unit_of_work(runtime.engine) as s:
        return add_contract(s, party_id, *add_fiber_plan(s), status="aguardando_ativacao").id


def test_remove_awaiting_instruction_and_attach_a_file(page, live_server, runtime, shot, tmp_path):
    from plugins.receivables.models import Charge, Contract

    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    ana = add_party(e, 1, "Ana Souza")
    cid = _awaiting_contract(runtime, ana)

    browser_login(page, live_server.url, f"/pessoas/{ana}/painel?aba=contratos", "maria")
    grid = page.locator("#rcv-contratos-grid")
    grid.wait_for()
    assert "Aguardando ativação" in grid.inner_text()

    page.get_by_label(f"Selecionar contrato {cid}").check()
    page.locator("#rcv-contratos").get_by_role("button", name="Remover instrução de aguardando ativação").click()
    dialog = page.locator('[data-action-dialog="receivables.contract.remove_awaiting"]')
    dialog.wait_for()
    page.fill('input[name="activated_on"]', "2026-11-16")
    shot(page, "rcv-ct-01-remover-instrucao-dialogo")
    page.get_by_role("button", name="Executar").click()
    result = page.locator('[data-action-result="receivables.contract.remove_awaiting"]')
    result.wait_for()
    assert result.locator(f'li.done[data-record="{cid}"]').is_visible()
    page.get_by_role("button", name="Fechar").last.click()
    page.wait_for_load_state()
    page.locator("#rcv-contratos-grid").wait_for()
    row = page.locator(f'#rcv-contratos-grid tr[data-id="{cid}"]')
    assert re.sub(r"\s+", " ", row.inner_text()).strip().startswith(f"{cid} Ativo Fibra 300 Mega R$ 99,90")
    with unit_of_work(e, readonly=True) as s:
        assert s.get(Contract, cid).activated_on == date(2026, 11, 16)
        assert s.scalar(select(func.count()).select_from(Charge)) == 0

    row.get_by_role("link", name="Anexar arquivos").click()
    page.wait_for_url(re.compile(rf"/receber/contratos/{cid}/anexos$"))
    assert "Nenhum arquivo anexado a este contrato." in page.locator("#rcv-anexos-grid").inner_text()
    doc = tmp_path / "contrato-assinado.pdf"
    doc.write_bytes(b"%PDF-1.4\n% contrato de teste\n")
    page.set_input_files('#rcv-anexos-form input[name="file"]', str(doc))
    page.fill('#rcv-anexos-form input[name="description"]', "Contrato assinado")
    page.locator("#rcv-anexos-form").get_by_role("button", name="Anexar").click()
    page.wait_for_url(re.compile(rf"/receber/contratos/{cid}/anexos$"))
    listed = page.locator("#rcv-anexos-grid tbody tr[data-id]")
    listed.first.wait_for()
    text = re.sub(r"\s+", " ", listed.first.inner_text())
    assert "contrato-assinado.pdf Contrato assinado application/pdf 29 bytes" in text and "maria" in text
    shot(page, "rcv-ct-02-anexo-listado")
