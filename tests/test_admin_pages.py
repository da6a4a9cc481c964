"""Administração → Usuários / Papéis e permissões, through the services and the TestClient."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from browser.uisupport import PASSWORD, add_party, add_user, login
from core import admin_services as svc
from core.actions import run_action
from core.auth import authenticate, has_permission
from core.db import unit_of_work
from core.errors import PermissionDenied, ValidationError
from core.models import AuditEntry, Reason, Role, User
from core.web.app import create_app


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


def _user(engine, uid: int) -> User:
    from core.auth import load_grants

    with unit_of_work(engine, readonly=True) as s:
        user = s.get(User, uid)
        load_grants(user)
        s.expunge_all()
        return user


def _audit(engine, kind: str, target_id: int) -> list[AuditEntry]:
    with unit_of_work(engine, readonly=True) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.target_kind == kind, AuditEntry.target_id == target_id)
                              .order_by(AuditEntry.id)))


def _role_id(engine, name: str) -> int:
    with unit_of_work(engine, readonly=True) as s:
        return s.scalar(select(Role.id).where(Role.name == name))


def _field_error(html: str, field: str) -> str:
    m = re.search(rf'id="campo-{field}-erro">([^<]+)<', html)
    assert m, f"sem erro no campo {field}"
    return m.group(1)


# --- permission -----------------------------------------------------------------------------

def test_every_admin_route_refuses_a_user_without_the_permission(client, runtime):
    add_user(runtime.engine, "joana", permissions=["parties.deactivate"])
    token = login(client, "joana")
    home = client.get("/")
    assert "Administração" not in home.text and "/admin/usuarios" not in home.text
    for url in ("/admin/usuarios", "/admin/usuarios/novo", "/admin/usuarios/1", "/admin/papeis", "/admin/papeis/1"):
        resp = client.get(url)
        assert resp.status_code == 403, url
        assert "Você não tem permissão para esta operação: Gerenciar usuários e papéis" in resp.text
    resp = client.post("/admin/usuarios/novo", data={"csrf_token": token, "username": "intruso",
                                                     "password": "12345678", "password_confirm": "12345678"})
    assert resp.status_code == 403
    resp = client.post("/admin/papeis", data={"csrf_token": token, "name": "x1", "label": "X"})
    assert resp.status_code == 403
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalar(select(User).where(User.username == "intruso")) is None
        assert s.scalar(select(Role).where(Role.name == "x1")) is None


def test_a_manager_who_is_not_admin_sees_the_menu(client, runtime):
    add_user(runtime.engine, "gerente", permissions=["core.users.manage"])
    login(client, "gerente")
    home = client.get("/")
    assert "Administração" in home.text
    assert 'href="/admin/usuarios"' in home.text and 'href="/admin/papeis"' in home.text
    assert client.get("/admin/usuarios").status_code == 200


def test_posts_need_the_csrf_token(client, runtime):
    add_user(runtime.engine, "maria", admin=True)
    login(client, "maria")
    resp = client.post("/admin/usuarios/novo", data={"username": "semtoken", "password": "12345678",
                                                     "password_confirm": "12345678"})
    assert resp.status_code == 403 and "Token CSRF" in resp.text
    resp = client.post("/admin/papeis", data={"csrf_token": "forjado", "name": "forjado", "label": "F"})
    assert resp.status_code == 403
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalar(select(User).where(User.username == "semtoken")) is None
        assert s.scalar(select(Role).where(Role.name == "forjado")) is None


# --- users ----------------------------------------------------------------------------------

def test_create_user_with_validation_errors_then_success(client, runtime):
    e = runtime.engine
    add_user(e, "maria", admin=True, full_name="Maria Souza")
    with unit_of_work(e) as s:
        from core.auth import ensure_role

        caixa = ensure_role(s, "caixa", "Caixa").id
    token = login(client, "maria")
    page = client.get("/admin/usuarios/novo")
    assert page.status_code == 200 and 'name="roles"' in page.text and "Caixa" in page.text

    bad = client.post("/admin/usuarios/novo", data={
        "csrf_token": token, "username": "MARIA", "full_name": "Outra", "email": "sem-arroba",
        "password": "123", "password_confirm": "123", "roles": [str(caixa)]})
    assert bad.status_code == 400
    assert _field_error(bad.text, "username") == "Já existe um usuário com o login MARIA."
    assert _field_error(bad.text, "email") == "E-mail inválido: sem-arroba"
    assert _field_error(bad.text, "password") == "A senha deve ter pelo menos 5 caracteres."
    assert "Corrija os 3 campos indicados abaixo." in bad.text
    assert 'value="Outra"' in bad.text  # what was typed is kept
    assert f'value="{caixa}" checked' in bad.text

    differ = client.post("/admin/usuarios/novo", data={
        "csrf_token": token, "username": "pedro", "password": "segredo-1", "password_confirm": "segredo-2"})
    assert differ.status_code == 400
    assert _field_error(differ.text, "password_confirm") == "As senhas não conferem."
    with unit_of_work(e, readonly=True) as s:
        assert s.scalar(select(User).where(User.username == "pedro")) is None

    ok = client.post("/admin/usuarios/novo", data={
        "csrf_token": token, "username": "pedro", "full_name": "Pedro Alves", "email": "pedro@exemplo.com.br",
        "password": "segredo-1", "password_confirm": "segredo-1", "roles": [str(caixa)]}, follow_redirects=False)
    assert ok.status_code == 303
    uid = int(re.search(r"/admin/usuarios/(\d+)\?ok=criado", ok.headers["location"]).group(1))
    with unit_of_work(e) as s:
        assert authenticate(s, "pedro", "segredo-1").id == uid
        pedro = s.get(User, uid)
        assert [r.name for r in pedro.roles] == ["caixa"] and not pedro.is_admin and pedro.email == "pedro@exemplo.com.br"
    listing = client.get("/admin/usuarios")
    assert "Pedro Alves" in listing.text and "pedro@exemplo.com.br" in listing.text and "Caixa" in listing.text

    entries = _audit(e, "app_user", uid)
    assert [x.action for x in entries] == ["create"]
    assert entries[0].username == "maria"
    assert entries[0].after["password_hash"] == "***" and entries[0].after["roles"] == ["caixa"]
    assert all("argon2" not in str(v) for v in (entries[0].after or {}).values())


def test_edit_user_and_change_password(client, runtime):
    e = runtime.engine
    add_user(e, "maria", admin=True)
    uid = add_user(e, "pedro", roles=["caixa"], full_name="Pedro")
    token = login(client, "maria")
    page = client.get(f"/admin/usuarios/{uid}")
    assert page.status_code == 200 and 'href="/historico/app_user/' + str(uid) + '"' in page.text

    short = client.post(f"/admin/usuarios/{uid}", data={
        "csrf_token": token, "full_name": "Pedro Alves", "active": "1", "password": "abc", "password_confirm": "abc"})
    assert short.status_code == 400
    assert _field_error(short.text, "password") == "A senha deve ter pelo menos 5 caracteres."
    assert _user(e, uid).full_name == "Pedro"  # nothing half-written

    ok = client.post(f"/admin/usuarios/{uid}", data={
        "csrf_token": token, "full_name": "Pedro Alves", "email": "", "active": "1",
        "password": "nova-senha-9", "password_confirm": "nova-senha-9"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].endswith("?ok=salvo")
    with unit_of_work(e) as s:
        assert authenticate(s, "pedro", "nova-senha-9") is not None
        assert authenticate(s, "pedro", PASSWORD) is None
        assert s.get(User, uid).roles == []  # no role box checked ⇒ roles removed
    entry = _audit(e, "app_user", uid)[-1]
    assert entry.action == "update"
    assert entry.changes["full_name"] == ["Pedro", "Pedro Alves"]
    assert entry.changes["roles"] == [["caixa"], []]
    assert entry.changes["password_changed"] == [False, True]
    assert "password_hash" not in entry.changes and entry.after["password_hash"] == "***"

    # Deactivating another user works and ends their access.
    client.post(f"/admin/usuarios/{uid}", data={"csrf_token": token, "full_name": "Pedro Alves"})
    assert _user(e, uid).active is False
    with unit_of_work(e) as s:
        assert authenticate(s, "pedro", "nova-senha-9") is None
    hist = client.get(f"/historico/app_user/{uid}")
    assert hist.status_code == 200 and "Alteração" in hist.text and "Inclusão" not in hist.text


def test_nobody_locks_themselves_out(client, runtime):
    e = runtime.engine
    me = add_user(e, "maria", admin=True)
    token = login(client, "maria")
    resp = client.post(f"/admin/usuarios/{me}", data={"csrf_token": token, "full_name": "Maria"})  # no "active", no "is_admin"
    assert resp.status_code == 400
    assert _field_error(resp.text, "active") == "Você não pode desativar o seu próprio usuário."
    assert _field_error(resp.text, "is_admin") == "Você não pode retirar de si mesmo os direitos de administrador."
    still = _user(e, me)
    assert still.active and still.is_admin
    assert _audit(e, "app_user", me) == []

    # A manager through a role cannot drop the role that lets them manage users.
    client.cookies.clear()
    gid = add_user(e, "gerente", permissions=["core.users.manage"])
    token = login(client, "gerente")
    resp = client.post(f"/admin/usuarios/{gid}", data={"csrf_token": token, "full_name": "Gerente", "active": "1"})
    assert resp.status_code == 400
    assert "permissão de gerenciar usuários e papéis" in _field_error(resp.text, "roles")
    role_id = _role_id(e, "papel_gerente")
    resp = client.post(f"/admin/papeis/{role_id}", data={"csrf_token": token, "label": "Gerência",
                                                         "permissions": ["parties.deactivate"]})
    assert resp.status_code == 400
    assert "permissão de gerenciar usuários e papéis" in resp.text
    with unit_of_work(e, readonly=True) as s:
        assert [p.permission for p in s.get(Role, role_id).permissions] == ["core.users.manage"]
    assert _audit(e, "app_role", role_id) == []


def test_only_admins_grant_admin_rights(runtime):
    e = runtime.engine
    gid = add_user(e, "gerente", permissions=["core.users.manage"])
    admin_id = add_user(e, "maria", admin=True)
    manager = _user(e, gid)
    with pytest.raises(ValidationError) as exc, unit_of_work(e) as s:
        svc.create_user_account(s, manager, username="novo", password="segredo-1", password_confirm="segredo-1",
                                is_admin_flag=True)
    assert exc.value.errors == {"is_admin": "Somente administradores podem conceder direitos de administrador."}
    with pytest.raises(ValidationError) as exc, unit_of_work(e) as s:
        svc.update_user_account(s, manager, admin_id, full_name="Maria", active=False, is_admin_flag=True)
    assert "Somente administradores podem alterar um usuário administrador." in exc.value.errors["__all__"]
    assert _user(e, admin_id).active


# --- roles and the permission matrix -----------------------------------------------------------

def test_permission_catalog_groups_plugin_keys_and_document_rights(runtime):
    catalog = svc.permission_catalog(runtime)
    by_label = {g.label: [i.key for i in g.items] for g in catalog}
    assert "core.users.manage" in by_label["Administração"]
    assert "parties.deactivate" in by_label["Cadastros"]
    assert by_label["Documentos: Pessoas"] == ["doc.party.read", "doc.party.write", "doc.party.create",
                                                "doc.party.delete"]
    every_key = {k for keys in by_label.values() for k in keys}
    assert set(runtime.registry.permissions) <= every_key
    for name in runtime.registry.doctypes:
        assert f"doc.{name}.read" in every_key
    assert "doc.party.read" in svc.declared_doc_rights(runtime, "atendimento")


def test_role_matrix_grants_a_permission_that_actions_then_honour(client, runtime):
    e = runtime.engine
    add_user(e, "maria", admin=True)
    clerk_id = add_user(e, "joana", roles=["atendimento"])
    party = add_party(e, 1, "Cliente Um")
    with unit_of_work(e) as s:
        s.add(Reason(kind="inativacao_cadastro", code="DUP", description="Cadastro duplicado", active=True,
                     requires_justification=False))
    params = {"reason": "DUP", "confirmed": True}
    with pytest.raises(PermissionDenied):
        run_action(runtime, "parties.deactivate", [party], params, _user(e, clerk_id))

    token = login(client, "maria")
    role_id = _role_id(e, "atendimento")
    page = client.get(f"/admin/papeis/{role_id}")
    assert page.status_code == 200
    assert "Documentos: Pessoas" in page.text and "Cadastros" in page.text
    assert 'value="parties.deactivate">' in page.text  # unchecked
    assert re.search(r'value="doc\.party\.read" checked disabled', page.text)  # from the party declaration

    unknown = client.post(f"/admin/papeis/{role_id}", data={"csrf_token": token, "label": "Atendimento",
                                                            "permissions": ["nao.existe"]})
    assert unknown.status_code == 400 and "Permissão desconhecida: nao.existe." in unknown.text

    saved = client.post(f"/admin/papeis/{role_id}", data={
        "csrf_token": token, "label": "Atendimento ao cliente",
        "permissions": ["parties.deactivate", "doc.party.write"]}, follow_redirects=False)
    assert saved.status_code == 303
    again = client.get(saved.headers["location"])
    assert "Permissões do papel salvas." in again.text
    assert 'value="parties.deactivate" checked' in again.text

    clerk = _user(e, clerk_id)
    assert has_permission(clerk, "parties.deactivate")
    result = run_action(runtime, "parties.deactivate", [party], params, clerk)
    assert result.done == [party]

    entries = _audit(e, "app_role", role_id)
    assert len(entries) == 1 and entries[0].action == "update"
    assert entries[0].before["permissions"] == []
    assert entries[0].after["permissions"] == ["doc.party.write", "parties.deactivate"]
    assert entries[0].changes["label"] == ["atendimento", "Atendimento ao cliente"]

    # Unchecking takes it away again.
    client.post(f"/admin/papeis/{role_id}", data={"csrf_token": token, "label": "Atendimento ao cliente"})
    assert not has_permission(_user(e, clerk_id), "parties.deactivate")
    assert _audit(e, "app_role", role_id)[-1].after["permissions"] == []


def test_create_role_with_validation_errors(client, runtime):
    e = runtime.engine
    add_user(e, "maria", admin=True)
    token = login(client, "maria")
    bad = client.post("/admin/papeis", data={"csrf_token": token, "name": "Com Espaço", "label": ""})
    assert bad.status_code == 400
    assert _field_error(bad.text, "name").startswith("Nome inválido")
    assert _field_error(bad.text, "label") == "Informe a descrição do papel."
    ok = client.post("/admin/papeis", data={"csrf_token": token, "name": "cobranca", "label": "Cobrança"},
                     follow_redirects=False)
    assert ok.status_code == 303
    role_id = _role_id(e, "cobranca")
    assert ok.headers["location"] == f"/admin/papeis/{role_id}?ok=papel-criado"
    dup = client.post("/admin/papeis", data={"csrf_token": token, "name": "cobranca", "label": "Outra"})
    assert _field_error(dup.text, "name") == "Já existe um papel com o nome cobranca."
    listing = client.get("/admin/papeis")
    assert "Cobrança" in listing.text and "<code>cobranca</code>" in listing.text
    entries = _audit(e, "app_role", role_id)
    assert [x.action for x in entries] == ["create"] and entries[0].after == {
        "name": "cobranca", "label": "Cobrança", "permissions": []}
    # The new role is offered on the user form.
    assert "Cobrança" in client.get("/admin/usuarios/novo").text
    missing = client.get("/admin/papeis/999999")
    assert missing.status_code == 404 and "Papel 999999 não encontrado." in missing.text
    assert client.get("/admin/usuarios/999999").status_code == 404
    # The "admin" role already holds everything: the matrix says so and refuses keys.
    from core.auth import ensure_role

    with unit_of_work(e) as s:
        admin_role = ensure_role(s, "admin", "Administradores").id
    page = client.get(f"/admin/papeis/{admin_role}")
    assert "concede todas as permissões" in page.text and 'name="permissions"' not in page.text
    refused = client.post(f"/admin/papeis/{admin_role}", data={"csrf_token": token, "label": "Administradores",
                                                               "permissions": ["parties.deactivate"]})
    assert refused.status_code == 400 and "O papel admin já concede todas as permissões." in refused.text


def test_permissions_of_disabled_plugins_are_kept(runtime):
    from core.auth import ensure_role

    e = runtime.engine
    admin = _user(e, add_user(e, "maria", admin=True))
    with unit_of_work(e) as s:
        role_id = ensure_role(s, "legado", "Legado", ["plugin.desligado.fazer", "parties.activate"]).id
    with unit_of_work(e) as s:
        svc.update_role_permissions(s, admin, runtime, role_id, label="Legado", granted=["parties.deactivate"])
    with unit_of_work(e, readonly=True) as s:
        assert svc.role_keys(s.get(Role, role_id)) == ["parties.deactivate", "plugin.desligado.fazer"]
