"""Administração in a real Chromium: an administrator grants a permission to a role through the
matrix, and a user with that role then finds the party action enabled."""

from __future__ import annotations

import re

import pytest

from browser.uisupport import PASSWORD, add_party, add_user

pytestmark = pytest.mark.browser


def sign_in(page, server, username: str, next_path: str):
    page.goto(server.url + next_path)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(re.escape(server.url + next_path) + r"$"))


def test_admin_grants_a_permission_through_the_matrix(page, browser, live_server, runtime, shot):
    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    add_user(e, "joana", roles=["atendimento"], full_name="Joana Lima")
    add_party(e, 1, "Ana Pereira")
    add_party(e, 2, "Bruno Costa")

    clerk_ctx = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 860})
    clerk_ctx.set_default_timeout(10_000)
    clerk = clerk_ctx.new_page()
    try:
        # Before: the clerk sees the party search, with "Inativar cadastro" greyed out and no admin menu.
        sign_in(clerk, live_server, "joana", "/pessoas")
        button = clerk.locator('#grid-ultimos button[data-action="parties.deactivate"]')
        assert button.inner_text() == "Inativar cadastro"
        assert button.is_disabled()
        assert "Você não tem permissão" in clerk.locator("#grid-ultimos .btn-wrap").get_attribute("title")
        assert clerk.locator(".sidebar").get_by_text("Administração").count() == 0
        shot(clerk, "admin-01-atendente-sem-permissao")

        # The administrator opens Administração → Papéis e permissões → the clerk's role.
        sign_in(page, live_server, "maria", "/")
        sidebar = page.locator(".sidebar")
        assert sidebar.get_by_text("Administração").is_visible()
        sidebar.get_by_role("link", name="Usuários").click()
        page.wait_for_url(live_server.url + "/admin/usuarios")
        row = page.locator("#usuarios tr", has_text="joana")
        assert "atendimento" in row.inner_text()
        shot(page, "admin-02-usuarios")
        row.get_by_role("link", name="joana").click()
        page.wait_for_url(re.compile(r"/admin/usuarios/\d+$"))
        assert page.get_by_label("Ativo").is_checked()
        shot(page, "admin-03-usuario")

        sidebar.get_by_role("link", name="Papéis e permissões").click()
        page.wait_for_url(live_server.url + "/admin/papeis")
        shot(page, "admin-04-papeis")
        page.locator("#papeis").get_by_role("link", name="atendimento").click()
        page.wait_for_url(re.compile(r"/admin/papeis/\d+$"))
        group = page.locator('fieldset.perm-group[data-group="Cadastros"]')
        box = group.get_by_label("Inativar cadastros")
        assert not box.is_checked()
        declared = page.locator('fieldset[data-group="Documentos: Pessoas"] input[value="doc.party.read"]')
        assert declared.is_checked() and declared.is_disabled()
        box.check()
        page.get_by_label("Descrição").fill("Atendimento ao cliente")
        shot(page, "admin-05-matriz")
        page.get_by_role("button", name="Salvar permissões").click()
        page.wait_for_url(re.compile(r"\?ok=papel-salvo$"))
        assert page.locator("#flash").inner_text().strip() == "Permissões do papel salvas."
        assert page.locator('fieldset[data-group="Cadastros"]').get_by_label("Inativar cadastros").is_checked()
        shot(page, "admin-06-matriz-salva")
        page.get_by_role("link", name="Histórico", exact=True).click()
        page.wait_for_url(re.compile(r"/historico/app_role/\d+$"))
        assert "parties.deactivate" in page.locator("table.history").inner_text()
        shot(page, "admin-06b-historico-papel")

        # The administrator cannot lock themselves out: the refusal shows next to the field.
        sidebar.get_by_role("link", name="Usuários").click()
        page.locator("#usuarios").get_by_role("link", name="maria").click()
        page.wait_for_url(re.compile(r"/admin/usuarios/\d+$"))
        page.get_by_label("Ativo").uncheck()
        page.get_by_role("button", name="Salvar").click()
        assert page.locator("#campo-active-erro").inner_text() == "Você não pode desativar o seu próprio usuário."
        assert page.locator("#flash .alert-error").is_visible()
        shot(page, "admin-08-autobloqueio-recusado")

        # After: the same clerk, on the next page load, has the button enabled.
        clerk.reload()
        button = clerk.locator('#grid-ultimos button[data-action="parties.deactivate"]')
        button.wait_for()
        assert button.is_enabled()
        clerk.locator('#grid-ultimos input[name="ids"]').first.check()
        button.click()
        clerk.locator("[data-action-dialog]").wait_for()
        shot(clerk, "admin-07-atendente-com-permissao")
    finally:
        clerk_ctx.close()
