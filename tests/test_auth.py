"""Users, roles, permissions, argon2 hashing and `quita user add`."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from core.auth import (authenticate, create_user, ensure_role, has_doc_permission, has_permission,
                       hash_password, require_permission, revoke, set_password, user_permissions,
                       verify_password)
from core.db import unit_of_work
from core.errors import PermissionDenied, ValidationError
from core.models.company import Company
from core.models.reasons import Reason
from core.models.users import Role, User


def test_argon2_hash_and_verify():
    h = hash_password("correta-cavalo")
    assert h.startswith("$argon2id$") and "correta-cavalo" not in h
    assert hash_password("correta-cavalo") != h            # salted
    assert verify_password(h, "correta-cavalo")
    assert not verify_password(h, "errada")
    assert not verify_password("não-é-um-hash", "x")


def test_create_user_and_authenticate(runtime):
    with unit_of_work(runtime.engine) as s:
        u = create_user(s, "maria", "senha-forte", full_name="Maria Souza", email="maria@example.com",
                        roles=["financeiro", "cobranca"])
        uid = u.id
    with unit_of_work(runtime.engine) as s:
        got = authenticate(s, "maria", "senha-forte")
        assert got is not None and got.id == uid and got.full_name == "Maria Souza"
        assert {r.name for r in got.roles} == {"financeiro", "cobranca"}
        assert authenticate(s, "MARIA", "senha-forte").id == uid       # login is case-insensitive
        assert authenticate(s, "maria", "senha-errada") is None
        assert authenticate(s, "ninguem", "senha-forte") is None
        got.active = False
    with unit_of_work(runtime.engine) as s:
        assert authenticate(s, "maria", "senha-forte") is None          # inactive users cannot log in


@pytest.mark.parametrize("username, password, field, message", [
    ("maria", "senha-forte", "username", "Já existe um usuário"),
    ("Maria", "senha-forte", "username", "Já existe um usuário"),
    ("x", "senha-forte", "username", "Login inválido"),
    ("com espaço", "senha-forte", "username", "Login inválido"),
    ("joao", "abc", "password", "pelo menos"),
])
def test_create_user_refuses_bad_input(runtime, username, password, field, message):
    with unit_of_work(runtime.engine) as s:
        create_user(s, "maria", "senha-forte")
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            create_user(s, username, password)
    assert exc.value.field == field and message in str(exc.value)
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalars(select(User.username)).all() == ["maria"]


def test_bad_role_name_writes_nothing(runtime):
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            create_user(s, "joao", "senha-forte", roles=["Papel Inválido"])
    assert exc.value.field == "roles"
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalars(select(User)).all() == [] and s.scalars(select(Role)).all() == []


def test_set_password(runtime):
    with unit_of_work(runtime.engine) as s:
        u = create_user(s, "maria", "senha-velha")
        set_password(u, "senha-nova")
        with pytest.raises(ValidationError):
            set_password(u, "123")
    with unit_of_work(runtime.engine) as s:
        assert authenticate(s, "maria", "senha-velha") is None
        assert authenticate(s, "maria", "senha-nova") is not None


def test_roles_grant_permission_keys(runtime):
    with unit_of_work(runtime.engine) as s:
        role = ensure_role(s, "cobranca", "Cobrança", ["receivables.invoice.remove", "receivables.settle"])
        again = ensure_role(s, "cobranca", permissions=["receivables.settle", "receivables.reverse"])
        assert again.id == role.id
        assert {p.permission for p in role.permissions} == {
            "receivables.invoice.remove", "receivables.settle", "receivables.reverse"}
        u = create_user(s, "carlos", "senha-forte", roles=["cobranca"])
        admin = create_user(s, "chefe", "senha-forte", is_admin=True)
        nobody = create_user(s, "estagiario", "senha-forte")
        assert user_permissions(u) == {"receivables.invoice.remove", "receivables.settle", "receivables.reverse"}
        assert has_permission(u, "receivables.settle")
        assert not has_permission(u, "payables.pay")
        assert has_permission(admin, "payables.pay")             # admins have every permission
        assert not has_permission(nobody, "receivables.settle")
        assert not has_permission(None, "receivables.settle")
        revoke(s, role, "receivables.settle")
        assert not has_permission(u, "receivables.settle")
        u.active = False
        assert not has_permission(u, "receivables.invoice.remove")


def test_role_named_admin_counts_as_administrator(runtime):
    with unit_of_work(runtime.engine) as s:
        u = create_user(s, "root2", "senha-forte", roles=["admin"])
        assert has_permission(u, "qualquer.coisa")
        assert has_doc_permission(u, Company, "delete")


def test_require_permission_message_is_ptbr(runtime):
    with unit_of_work(runtime.engine) as s:
        u = create_user(s, "carlos", "senha-forte")
        with pytest.raises(PermissionDenied) as exc:
            require_permission(u, "core.users.manage")
        assert "Você não tem permissão" in str(exc.value)
        assert "Gerenciar usuários e papéis" in str(exc.value)      # the registered label
        ensure_role(s, "ti", permissions=["core.users.manage"])
        u.roles.append(s.scalar(select(Role).where(Role.name == "ti")))
        require_permission(u, "core.users.manage")


def test_has_doc_permission(runtime):
    # Company.meta.permissions == {"financeiro": "read"}; Reason grants "gerente" read write create.
    with unit_of_work(runtime.engine) as s:
        fin = create_user(s, "fin", "senha-forte", roles=["financeiro"])
        ger = create_user(s, "ger", "senha-forte", roles=["gerente"])
        other = create_user(s, "outro", "senha-forte", roles=["suporte"])
        admin = create_user(s, "adm", "senha-forte", is_admin=True)
        assert has_doc_permission(fin, Company, "read")
        assert not has_doc_permission(fin, Company, "write")
        assert has_doc_permission(ger, Reason, "create") and not has_doc_permission(ger, Reason, "delete")
        assert not has_doc_permission(other, Company, "read")
        assert all(has_doc_permission(admin, Company, r)
                   for r in ("read", "write", "create", "delete", "submit", "cancel", "amend"))
        # An explicit key granted to a role adds a right the declaration does not give.
        ensure_role(s, "suporte", permissions=["doc.company.write"])
        assert has_doc_permission(other, Company, "write") and not has_doc_permission(other, Company, "delete")
        with pytest.raises(ValueError):
            has_doc_permission(admin, Company, "apagar")


def test_cli_user_add(runtime, database_url, tmp_path, monkeypatch):
    from core.cli import build_app
    from core.runtime import current

    cfg = tmp_path / "quita.toml"
    cfg.write_text(f'[database]\nurl = "{database_url}"\n')
    monkeypatch.setenv("QUITA_CONFIG", str(cfg))
    monkeypatch.delenv("QUITA_DATABASE_URL", raising=False)
    app = build_app()       # the kernel's own commands; `user add` bootstraps from QUITA_CONFIG
    runner = CliRunner()
    result = runner.invoke(app, ["user", "add", "joana", "--password", "senha-forte", "--name", "Joana Lima",
                                 "--role", "financeiro", "--role", "cobranca"])
    assert result.exit_code == 0, result.output
    assert "Usuário criado: joana" in result.output
    duplicate = runner.invoke(app, ["user", "add", "joana", "--password", "senha-forte"])
    assert duplicate.exit_code != 0
    assert "Já existe um usuário" in duplicate.output
    short = runner.invoke(app, ["user", "add", "pedro", "--password", "123"])
    assert short.exit_code != 0 and "senha" in short.output
    current().dispose()
    with unit_of_work(runtime.engine) as s:
        user = authenticate(s, "joana", "senha-forte")
        assert user is not None and user.full_name == "Joana Lima" and not user.is_admin
        assert {r.name for r in user.roles} == {"financeiro", "cobranca"}
        assert s.scalar(select(User).where(User.username == "pedro")) is None
