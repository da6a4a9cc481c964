"""Host UI through FastAPI's TestClient: login/logout, CSRF, permissions, pages, hooks."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from browser.uisupport import (PASSWORD, PROBE, PROBE_ACTION, PROBE_CONFIRM, PROBE_PERMISSION,
                               PROBE_TAB_PERMISSION, add_party, add_reason, add_user, config, csrf_of, login,
                               probe_plugin)
from core.db import unit_of_work
from core.runtime import bootstrap
from core.web.app import create_app


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


@pytest.fixture
def probe_runtime(runtime, database_url):
    """A runtime with the in-test plugin enabled (same database; tables emptied by `runtime`)."""
    rt = bootstrap(config(database_url, probe=True), extra_plugins={PROBE: probe_plugin()})
    yield rt
    rt.dispose()


@pytest.fixture
def probe_client(probe_runtime):
    with TestClient(create_app(probe_runtime)) as c:
        yield c


# --- login / logout / session ---------------------------------------------------------------

def test_login_page_is_pt_br_and_carries_a_csrf_token(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert 'lang="pt-BR"' in resp.text and "Entrar" in resp.text and "Usuário" in resp.text
    assert csrf_of(resp.text)


def test_wrong_password_is_refused_in_pt_br(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    page = client.get("/login")
    resp = client.post("/login", data={"username": "maria", "password": "errada-123456",
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.status_code == 401
    assert "Usuário ou senha inválidos." in resp.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_then_logout(client, runtime):
    add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    token = login(client, "maria")
    home = client.get("/")
    assert home.status_code == 200 and "Maria Souza" in home.text
    assert "Painel do Cliente" in home.text and "Plugins habilitados" in home.text
    assert "Contas a receber" in home.text  # an enabled built-in plugin is listed by its label
    resp = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"
    resp = client.get("/", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login?next=%2F"


def test_login_required_redirects_back_to_the_page(client, runtime):
    resp = client.get("/pessoas?aba=ativos", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=%2Fpessoas%3Faba%3Dativos"
    htmx = client.get("/pessoas/busca/ativos", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login?next=")
    add_user(runtime.engine, "maria", admin=True)
    page = client.get("/login?next=/pessoas%3Faba%3Dativos")
    resp = client.post("/login", data={"username": "maria", "password": PASSWORD, "next": "/pessoas?aba=ativos",
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.headers["location"] == "/pessoas?aba=ativos"


def test_login_never_redirects_off_site(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    page = client.get("/login")
    resp = client.post("/login", data={"username": "maria", "password": PASSWORD, "next": "//evil.example/x",
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.headers["location"] == "/"


def test_deactivated_user_loses_the_session(client, runtime):
    from core.models import User

    uid = add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    with unit_of_work(runtime.engine) as s:
        s.get(User, uid).active = False
    assert client.get("/", follow_redirects=False).status_code == 303


# --- CSRF -----------------------------------------------------------------------------------

def test_post_without_csrf_token_is_refused(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    client.get("/login")
    resp = client.post("/login", data={"username": "maria", "password": PASSWORD}, follow_redirects=False)
    assert resp.status_code == 403 and "Token CSRF" in resp.text
    token = login(client, "maria")
    resp = client.post("/logout", data={"csrf_token": "forjado"}, follow_redirects=False)
    assert resp.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in
    # HTMX requests send the token in the X-CSRF-Token header instead of a form field.
    ok = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_htmx_error_is_retargeted_to_the_flash_area(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    resp = client.post("/logout", headers={"HX-Request": "true"}, follow_redirects=False)
    assert resp.status_code == 403
    assert resp.headers["HX-Retarget"] == "#flash" and "Token CSRF" in resp.text


# --- party searches -------------------------------------------------------------------------

@pytest.fixture
def parties(runtime):
    e = runtime.engine
    ids = {
        "joao": add_party(e, 1, "João da Silva", district="Vila Mariana"),
        "ana": add_party(e, 2, "Ana Pereira", city="Campinas", uf="SP"),
        "velho": add_party(e, 3, "Carlos Inativo", active=False),
    }
    return ids


def test_party_search_panels(client, runtime, parties):
    add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    page = client.get("/pessoas")
    assert page.status_code == 200
    for label in ("Últimos 1000 novos cadastros ativos", "Cadastros ativos", "Cadastros inativos",
                  "Informações sintéticas", "Pesquisa avançada"):
        assert label in page.text
    # Latest: active ones only, with the grid columns and a link to the panel on double-click.
    assert "João da Silva" in page.text and "Ana Pereira" in page.text and "Carlos Inativo" not in page.text
    assert f'data-href="/pessoas/{parties["joao"]}/painel"' in page.text
    assert "Data do cadastro" in page.text and "Bairro" in page.text
    # Active list in search mode: empty until a filter or "listar todos".
    empty = client.get("/pessoas/busca/ativos")
    assert "Modo pesquisa" in empty.text and "João da Silva" not in empty.text
    found = client.get("/pessoas/busca/ativos/linhas", params={"f_name": "joao"})
    assert "João da Silva" in found.text and "Ana Pereira" not in found.text
    assert 'hx-swap-oob="true"' in found.text and "de 1 cadastro(s)" in found.text
    # The grids carry row checkboxes and the parties' bulk action (inactivate / reactivate).
    assert f'<input type="checkbox" name="ids" value="{parties["joao"]}"' in found.text
    assert 'data-action="parties.deactivate" data-grid="#grid-ativos"' in empty.text
    assert 'data-action="parties.activate" data-grid="#grid-inativos"' in client.get("/pessoas/busca/inativos").text
    everyone = client.get("/pessoas/busca/inativos/linhas", params={"todos": 1})
    assert "Carlos Inativo" in everyone.text and "João da Silva" not in everyone.text
    by_doc = client.get("/pessoas/busca/ultimos/linhas", params={"f_city": "campinas"})
    assert "Ana Pereira" in by_doc.text and "João da Silva" not in by_doc.text


def test_bad_column_filter_is_explained_in_the_grid(client, runtime, parties):
    add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    resp = client.get("/pessoas/busca/ativos/linhas", params={"f_created_at": "31/02/2024"})
    assert resp.status_code == 200 and "field-error" in resp.text


def test_synthetic_counts_and_advanced_search(client, runtime, parties):
    add_user(runtime.engine, "maria", admin=True)
    token = login(client, "maria")
    pivot = client.get("/pessoas/busca/sintetico/tabela", params={"linhas": "city", "colunas": "active"})
    assert pivot.status_code == 200
    row = re.search(r"<th scope=\"row\">São Paulo</th>(.*?)</tr>", pivot.text, re.S).group(1)
    assert re.findall(r'<td class="num">(?:<strong>)?(\d+)', row) == ["1", "1", "2"]  # ativo, inativo, total
    adv = client.post("/pessoas/busca/avancada", data={"csrf_token": token, "district": "mariana"})
    assert "João da Silva" in adv.text and "Ana Pereira" not in adv.text
    none = client.post("/pessoas/busca/avancada", data={"csrf_token": token})
    assert "Informe ao menos um filtro" in none.text
    bad = client.post("/pessoas/busca/avancada", data={"csrf_token": token, "created_from": "2024-05-10",
                                                        "created_to": "2024-05-01"})
    assert "data inicial é posterior" in bad.text and 'data-field="created_from"' in bad.text


def test_party_pages_need_the_read_permission(client, runtime, parties):
    add_user(runtime.engine, "semacesso")
    login(client, "semacesso")
    resp = client.get("/pessoas")
    assert resp.status_code == 403 and "Você não tem permissão para consultar pessoas." in resp.text
    assert client.get(f"/pessoas/{parties['joao']}/painel").status_code == 403
    client.cookies.clear()
    add_user(runtime.engine, "atendente", roles=["atendimento"])
    login(client, "atendente")
    assert client.get("/pessoas").status_code == 200


# --- customer panel -------------------------------------------------------------------------

def test_customer_panel_shows_header_and_kernel_tab(client, runtime, parties):
    add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    pid = parties["joao"]
    page = client.get(f"/pessoas/{pid}/painel")
    assert page.status_code == 200
    assert "João da Silva" in page.text and "Dados cadastrais" in page.text
    assert "Vila Mariana" in page.text and "São Paulo/SP" in page.text
    assert re.search(r"\d{3}\.\d{3}\.\d{3}-\d{2}", page.text)  # the CPF is shown formatted
    tab = client.get(f"/pessoas/{pid}/painel/aba/dados-cadastrais")
    assert tab.status_code == 200 and "Nome / Razão social" in tab.text and "Inclusão" in tab.text
    assert client.get("/pessoas/999999/painel").status_code == 404
    assert client.get(f"/pessoas/{pid}/painel/aba/nao-existe").status_code == 404


def test_hook_register_customer_panel_tabs(probe_client, probe_runtime, client, runtime, parties):
    e = runtime.engine
    add_user(e, "maria", admin=True)
    add_user(e, "ana", roles=["atendimento"])
    add_user(e, "bia", roles=["atendimento"], permissions=[PROBE_TAB_PERMISSION])
    pid = parties["joao"]
    login(probe_client, "maria")
    page = probe_client.get(f"/pessoas/{pid}/painel")
    assert "Aba da sonda" in page.text and page.text.index("Aba da sonda") < page.text.index("Dados cadastrais")
    tab = probe_client.get(f"/pessoas/{pid}/painel/aba/sonda")
    assert tab.status_code == 200 and "Aba da sonda para João da Silva" in tab.text
    # A user without the tab's permission neither sees nor loads it.
    probe_client.cookies.clear()
    login(probe_client, "ana")
    assert "Aba da sonda" not in probe_client.get(f"/pessoas/{pid}/painel").text
    assert probe_client.get(f"/pessoas/{pid}/painel/aba/sonda").status_code == 404
    probe_client.cookies.clear()
    login(probe_client, "bia")
    assert "Aba da sonda" in probe_client.get(f"/pessoas/{pid}/painel").text
    # The same database without the plugin: the tab does not exist.
    login(client, "maria")
    assert "Aba da sonda" not in client.get(f"/pessoas/{pid}/painel").text
    assert client.get(f"/pessoas/{pid}/painel/aba/sonda").status_code == 404


def test_hook_register_menu_items(probe_client, runtime, client):
    add_user(runtime.engine, "maria", admin=True)
    add_user(runtime.engine, "ana", roles=["atendimento"])
    login(probe_client, "maria")
    home = probe_client.get("/")
    assert 'href="/sonda"' in home.text and "Testes" in home.text
    probe_client.cookies.clear()
    login(probe_client, "ana")  # lacks the item's permission: hidden
    assert 'href="/sonda"' not in probe_client.get("/").text
    login(client, "maria")  # plugin disabled: absent
    assert 'href="/sonda"' not in client.get("/").text


def test_hook_register_routes(probe_client, client, runtime, parties):
    add_user(runtime.engine, "maria", admin=True)
    login(probe_client, "maria")
    page = probe_client.get("/sonda")
    assert page.status_code == 200 and "João da Silva" in page.text and 'data-action="probe.desativar"' in page.text
    login(client, "maria")
    assert client.get("/sonda").status_code == 404


# --- bulk-action dialog ---------------------------------------------------------------------

def test_action_dialog_preview_and_run(probe_client, probe_runtime, runtime):
    from core.parties.models import Party

    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    reason_id = add_reason(e)
    ok = add_party(e, 11, "Cliente Livre")
    blocked = add_party(e, 12, "Cliente Bloqueado")
    token = login(probe_client, "maria")
    dialog = probe_client.get(f"/acoes/{PROBE_ACTION}/dialogo", params={"ids": f"{ok},{blocked}"})
    assert dialog.status_code == 200
    assert "Desativar cadastros" in dialog.text and PROBE_CONFIRM in dialog.text
    assert "S01 — Inadimplência" in dialog.text and 'name="justification"' in dialog.text
    assert 'type="date" name="effective"' in dialog.text and 'name="notify"' in dialog.text
    assert "está bloqueado para alterações" in dialog.text and "tem fatura já liquidada" in dialog.text
    assert "Pode ser processado" in dialog.text

    form = {"csrf_token": token, "ids": f"{ok},{blocked}", "reason": str(reason_id), "effective": "2026-11-30",
            "justification": "Pedido do cliente"}
    unconfirmed = probe_client.post(f"/acoes/{PROBE_ACTION}/executar", data=form)
    assert "Confirme a operação" in unconfirmed.text
    with unit_of_work(e, readonly=True) as s:
        assert s.get(Party, ok).active is True  # nothing written

    missing_date = probe_client.post(f"/acoes/{PROBE_ACTION}/executar",
                                     data={**form, "effective": "", "confirmed": "true"})
    assert "Campo obrigatório: Data de efeito" in missing_date.text

    done = probe_client.post(f"/acoes/{PROBE_ACTION}/executar", data={**form, "confirmed": "true"})
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "quita:action-done"
    assert "1 processado(s)" in done.text and "1 recusado(s)" in done.text
    refused = re.search(rf'<li class="refused" data-record="{blocked}">(.*?)</li>\s*</ul>', done.text, re.S).group(1)
    assert "está bloqueado para alterações" in refused and "tem fatura já liquidada" in refused
    with unit_of_work(e, readonly=True) as s:
        assert s.get(Party, ok).active is False and s.get(Party, blocked).active is True

    hist = probe_client.get(f"/historico/party/{ok}")
    assert hist.status_code == 200
    assert "Desativar cadastros" in hist.text and "<td>maria</td>" in hist.text
    assert "S01 — Inadimplência" in hist.text and "Pedido do cliente" in hist.text
    assert re.search(r"Ativo:</span> <del>Sim</del> → <ins>Não</ins>", hist.text)


def test_hook_action_blockers(probe_client, runtime):
    """The dialog's preview lists, per record, every blocker a plugin returned."""
    add_user(runtime.engine, "maria", admin=True)
    blocked = add_party(runtime.engine, 21, "Outro Bloqueado")
    login(probe_client, "maria")
    preview = probe_client.get(f"/acoes/{PROBE_ACTION}/dialogo", params={"ids": str(blocked)})
    item = re.search(rf'data-record="{blocked}">(.*?)</li>\s*</ul>', preview.text, re.S).group(1)
    assert 'data-code="probe.bloqueado"' in item and 'data-code="probe.fatura"' in item
    assert re.search(r'<button type="submit" class="btn btn-primary" disabled', preview.text)


def test_action_without_permission_is_disabled_and_refused(probe_client, runtime):
    add_user(runtime.engine, "ana", roles=["atendimento"], permissions=[PROBE_TAB_PERMISSION])
    pid = add_party(runtime.engine, 31, "Cliente Qualquer")
    token = login(probe_client, "ana")
    page = probe_client.get("/sonda")
    button = re.search(r'<button [^>]*data-action="probe.desativar"[^>]*>', page.text).group(0)
    assert 'disabled="disabled"' in button and "Você não tem permissão para esta ação" in button
    dialog = probe_client.get(f"/acoes/{PROBE_ACTION}/dialogo", params={"ids": str(pid)})
    assert dialog.status_code == 403 and "Você não tem permissão" in dialog.text
    run = probe_client.post(f"/acoes/{PROBE_ACTION}/executar",
                            data={"csrf_token": token, "ids": str(pid), "confirmed": "true", "reason": "S01",
                                  "effective": date.today().isoformat()})
    assert run.status_code == 403


def test_unknown_action_is_404(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    resp = client.get("/acoes/nao.existe/dialogo", params={"ids": "1"})
    assert resp.status_code == 404 and "Ação desconhecida" in resp.text


# --- history --------------------------------------------------------------------------------

def test_history_lists_who_when_and_field_changes(client, runtime, parties):
    from core.parties.models import Party
    from core.parties.services import update_party
    from core.models import User

    uid = add_user(runtime.engine, "maria", admin=True, full_name="Maria Souza")
    with unit_of_work(runtime.engine) as s:
        user = s.get(User, uid)
        update_party(s, s.get(Party, parties["ana"]), user=user, district="Cambuí")
    login(client, "maria")
    page = client.get(f"/historico/party/{parties['ana']}")
    assert page.status_code == 200 and "Pessoa: Ana Pereira" in page.text
    assert "Alteração" in page.text and "Inclusão" in page.text and "maria" in page.text
    assert re.search(r"Bairro:</span> <del>Centro</del> → <ins>Cambuí</ins>", page.text)
    # Newest first; internal columns (search copies, timestamps) are not shown; choices by label.
    assert page.text.index("Alteração") < page.text.index("Inclusão")
    assert "name_search" not in page.text and "modified_at" not in page.text
    assert "<ins>Pessoa Física</ins>" in page.text


def test_unexpected_error_is_a_pt_br_page(probe_runtime, runtime):
    add_user(runtime.engine, "maria", admin=True)
    with TestClient(create_app(probe_runtime), raise_server_exceptions=False) as c:
        login(c, "maria")
        resp = c.get("/sonda/erro")
        assert resp.status_code == 500 and "Erro interno ao processar a solicitação" in resp.text
        assert "falha proposital" not in resp.text  # no internals leak to the operator
        assert c.get("/nao-existe").status_code == 404


def test_action_button_of_a_disabled_plugin_is_disabled(runtime):
    from core.web.templating import action_button_html

    html = str(action_button_html(runtime, None, PROBE_ACTION, grid="#x"))
    assert 'disabled="disabled"' in html and "Ação indisponível nesta instalação." in html


def test_static_files_and_openapi(client):
    js = client.get("/static/quita.js")
    assert js.status_code == 200 and "X-CSRF-Token" in js.text
    assert client.get("/static/quita.css").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_document_types_appear_in_the_menu_for_who_may_read_them(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    add_user(runtime.engine, "ana", roles=["atendimento"])
    login(client, "maria")
    home = client.get("/").text
    assert 'href="/doc/party"' in home and 'href="/doc/company"' in home and "Cadastros" in home
    client.cookies.clear()
    login(client, "ana")  # "atendimento" reads parties, not companies
    home = client.get("/").text
    assert 'href="/doc/party"' in home and 'href="/doc/company"' not in home


def test_standard_justifications_are_offered_and_the_chosen_text_is_audited(client, runtime, parties):
    from core.audit import history
    from core.models import Justification, Reason

    add_user(runtime.engine, "maria", admin=True)
    with unit_of_work(runtime.engine) as s:
        s.add(Reason(kind="inativacao_cadastro", code="OBITO", description="Falecimento",
                     requires_justification=True))
        s.add(Justification(kind="inativacao_cadastro", text="Certidão apresentada pela família"))
        s.add(Justification(kind="inativacao_cadastro", text="Texto desativado", active=False))
        s.add(Justification(kind="remocao", text="De outro tipo"))
    login(client, "maria")
    pid = parties["joao"]
    dialog = client.get("/acoes/parties.deactivate/dialogo", params={"ids": str(pid)})
    assert dialog.status_code == 200
    assert "Justificativa padrão" in dialog.text and "Certidão apresentada pela família" in dialog.text
    assert "Texto desativado" not in dialog.text and "De outro tipo" not in dialog.text

    reason_id = re.search(r'<option value="(\d+)"[^>]*>OBITO', dialog.text).group(1)
    resp = client.post("/acoes/parties.deactivate/executar", data={
        "ids": str(pid), "reason": reason_id, "justification": "Certidão apresentada pela família",
        "confirmed": "on", "csrf_token": csrf_of(dialog.text)})
    assert resp.status_code == 200 and "HX-Trigger" in resp.headers
    with unit_of_work(runtime.engine, readonly=True) as s:
        entry = history(s, "party", pid)[0]
    assert entry.action == "parties.deactivate" and entry.justification == "Certidão apresentada pela família"
