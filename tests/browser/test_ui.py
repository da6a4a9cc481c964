"""The host UI in a real Chromium: login, party search, customer panel, a refused bulk action
with its reasons, and a plugin disabled by config whose tab disappears."""

from __future__ import annotations

import re

import pytest

from browser.uisupport import PASSWORD, PROBE_TAB_PERMISSION, add_party, add_reason, add_user, browser_login

pytestmark = pytest.mark.browser


def ui_login(page, server, username: str, password: str = PASSWORD, next_path: str = "/"):
    browser_login(page, server.url, next_path, username, password)


def test_login(page, live_server, runtime, shot):
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    page.goto(live_server.url + "/")
    page.wait_for_url(re.compile(r"/login\?next=%2F$"))
    shot(page, "01-login")
    page.fill('input[name="username"]', "maria")
    page.fill('input[name="password"]', "senha-errada-1")
    page.click('button[type="submit"]')
    assert page.locator(".alert-error").inner_text() == "Usuário ou senha inválidos."
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".user-name").inner_text() == "Maria Souza"
    assert page.locator(".sidebar").get_by_role("link", name="Painel do Cliente").is_visible()
    shot(page, "02-inicio")
    page.get_by_role("button", name="Sair").click()
    page.wait_for_url(live_server.url + "/login")


def test_party_search_and_panel(page, live_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    for n, name in enumerate(["Ana Pereira", "Bruno Costa", "Carla Dias", "Daniel Souza"], start=1):
        add_party(e, n, name)
    joao = add_party(e, 9, "João da Silva", district="Vila Mariana", email="joao@exemplo.com.br")
    ui_login(page, live_server, "maria", next_path="/pessoas")
    rows = page.locator("#rows-ultimos tr[data-id]")
    assert rows.count() == 5
    shot(page, "03-pessoas-ultimos")

    page.get_by_role("tab", name="Cadastros ativos", exact=True).click()
    page.wait_for_selector("#rows-ativos")
    assert "Modo pesquisa" in page.locator("#rows-ativos").inner_text()
    page.get_by_label("Filtrar por Nome").press_sequentially("joão", delay=30)
    row = page.locator(f'#rows-ativos tr[data-id="{joao}"]')
    row.wait_for()
    assert page.locator("#rows-ativos tr[data-id]").count() == 1
    assert "Vila Mariana" in row.inner_text()
    shot(page, "04-pessoas-filtro")

    row.click()
    edit = page.locator("#grid-ativos [data-edit]")
    assert edit.get_attribute("href") == f"/doc/party/{joao}"
    edit.click()  # "Editar" opens the party form (the generic document form)
    page.wait_for_url(live_server.url + f"/doc/party/{joao}")
    assert page.locator('input[name="name"]').input_value() == "João da Silva"
    shot(page, "04b-editar-cadastro")
    page.goto(live_server.url + "/pessoas?aba=ativos")  # the tab is also reachable by its URL
    page.get_by_label("Filtrar por Nome").press_sequentially("SILVA", delay=30)
    row = page.locator(f'#rows-ativos tr[data-id="{joao}"]')
    row.wait_for()
    row.dblclick()
    page.wait_for_url(live_server.url + f"/pessoas/{joao}/painel")
    assert page.locator(".party-header h1").inner_text().startswith("João da Silva")
    tabs = page.locator(".tabs .tab")
    assert "Dados cadastrais" in tabs.all_inner_texts()
    page.get_by_role("tab", name="Dados cadastrais").click()  # plugins' tabs (Contratos…) come first
    page.locator(".party-data").wait_for()
    assert "joao@exemplo.com.br" in page.locator("#tab-content").inner_text()
    shot(page, "05-painel-cliente")

    page.goto(live_server.url + "/pessoas?aba=sintetico")
    page.locator("table.pivot").wait_for()
    page.select_option('select[name="linhas"]', "city")
    page.wait_for_function("document.querySelector('table.pivot th[scope=row]').innerText.includes('São Paulo')")
    shot(page, "06-informacoes-sinteticas")
    page.goto(live_server.url + "/pessoas?aba=avancada")
    page.fill('input[name="district"]', "mariana")
    page.get_by_role("button", name="Finalizar").click()
    page.locator(f'#rows-avancada tr[data-id="{joao}"]').wait_for()
    shot(page, "07-pesquisa-avancada")

    page.goto(live_server.url + f"/historico/party/{joao}")
    assert "Inclusão" in page.locator("table.history").inner_text()
    shot(page, "08-historico")


def test_refused_bulk_action_shows_reasons(page, probe_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    add_reason(e, code="S01", description="Inadimplência")
    free = add_party(e, 1, "Cliente Livre")
    blocked = add_party(e, 2, "Cliente Bloqueado")
    ui_login(page, probe_server, "maria", next_path="/sonda")
    page.get_by_role("button", name="Desativar cadastros").click()
    assert "Selecione ao menos um registro." in page.locator("#flash").inner_text()
    page.get_by_label("Selecionar todos").check()
    page.get_by_role("button", name="Desativar cadastros").click()
    dialog = page.locator("[data-action-dialog]")
    dialog.wait_for()
    assert "está bloqueado para alterações" in dialog.locator(f'li[data-record="{blocked}"]').inner_text()
    page.select_option('select[name="reason"]', label="S01 — Inadimplência")
    page.fill('input[name="effective"]', "2026-11-30")
    page.fill('textarea[name="justification"]', "Solicitação do cliente")
    page.get_by_label("Tem certeza que deseja desativar os cadastros selecionados?").check()
    shot(page, "09-acao-dialogo")
    page.get_by_role("button", name="Executar").click()
    result = page.locator("[data-action-result]")
    result.wait_for()
    refused = result.locator(f'li.refused[data-record="{blocked}"]')
    reasons = refused.locator(".reasons li").all_inner_texts()
    assert reasons == ["O cadastro 2 está bloqueado para alterações.", "O cadastro 2 tem fatura já liquidada."]
    assert result.locator(f'li.done[data-record="{free}"]').is_visible()
    shot(page, "10-acao-resultado")
    page.get_by_role("button", name="Fechar").last.click()
    page.wait_for_load_state()
    assert "Inativo" in page.locator(f'#sonda-grid tr[data-id="{free}"]').inner_text()
    page.goto(probe_server.url + f"/historico/party/{free}")
    latest = page.locator("table.history tbody tr").first
    assert "Desativar cadastros" in latest.inner_text() and "S01 — Inadimplência" in latest.inner_text()
    assert "Solicitação do cliente" in latest.inner_text()
    shot(page, "13-historico-acao")


def test_disabled_plugin_tab_disappears(page, live_server, probe_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True)
    pid = add_party(e, 1, "Ana Pereira")
    ui_login(page, probe_server, "maria", next_path=f"/pessoas/{pid}/painel")
    tabs = page.locator(".tabs .tab")
    texts = tabs.all_inner_texts()
    assert texts[0] == "Aba da sonda" and texts[-1] == "Dados cadastrais"
    page.locator(".probe-tab").wait_for()  # the first tab loads by itself
    assert page.locator(".probe-tab").inner_text() == "Aba da sonda para Ana Pereira"
    page.get_by_role("tab", name="Dados cadastrais").click()
    page.locator(".party-data").wait_for()
    shot(page, "11-painel-com-plugin")

    page.context.clear_cookies()  # cookies ignore the port: log in again on the other server
    ui_login(page, live_server, "maria", next_path=f"/pessoas/{pid}/painel")
    assert page.locator(".tabs .tab").all_inner_texts() == texts[1:]  # only the probe's tab is gone
    shot(page, "12-painel-sem-plugin")


def test_user_without_permission_sees_the_action_disabled(page, probe_server, runtime, shot):
    add_user(runtime.engine, "ana", roles=["atendimento"], permissions=[PROBE_TAB_PERMISSION])
    add_party(runtime.engine, 1, "Cliente Qualquer")
    ui_login(page, probe_server, "ana", next_path="/sonda")
    button = page.get_by_role("button", name="Desativar cadastros")
    assert button.is_disabled()
    assert "Você não tem permissão" in page.locator(".btn-wrap").get_attribute("title")
    page.goto(probe_server.url + "/historico/fatura/1")  # not a document type: needs the audit permission
    assert page.locator(".error-card h1").inner_text() == "Acesso negado"
    assert "Consultar o histórico de alterações" in page.locator(".error-message").inner_text()
    shot(page, "14-acesso-negado")


def test_inactivate_parties_from_the_search_grid(page, live_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True)
    add_reason(e, kind="inativacao_cadastro", code="MUD", description="Mudou de endereço")
    ana = add_party(e, 1, "Ana Pereira")
    bruno = add_party(e, 2, "Bruno Costa")
    ui_login(page, live_server, "maria", next_path="/pessoas?aba=ativos")
    page.get_by_role("button", name="Listar todos").click()
    page.locator(f'#rows-ativos tr[data-id="{bruno}"]').wait_for()
    page.get_by_label("Selecionar Ana Pereira").check()
    page.get_by_role("button", name="Inativar cadastro").click()
    dialog = page.locator("[data-action-dialog]")
    dialog.wait_for()
    assert dialog.locator("li[data-record]").count() == 1
    page.select_option('select[name="reason"]', label="MUD — Mudou de endereço")
    page.get_by_label("Tem certeza de que deseja inativar os cadastros selecionados?").check()
    shot(page, "15-inativar-dialogo")
    page.get_by_role("button", name="Executar").click()
    page.locator(f'[data-action-result] li.done[data-record="{ana}"]').wait_for()
    page.get_by_role("button", name="Fechar").last.click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/pessoas?aba=inativos")
    page.get_by_role("button", name="Listar todos").click()
    page.locator(f'#rows-inativos tr[data-id="{ana}"]').wait_for()
    assert page.locator("#rows-inativos tr[data-id]").count() == 1
    shot(page, "16-inativos")
