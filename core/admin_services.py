"""Administration of users, roles and permissions (the manuals' "Definição de permissões").

The rules behind the pages Administração → Usuários / Papéis e permissões, callable without the
web. Every function receives a session and the acting user (`actor`, an `app_user` row, possibly
detached) and never commits; the caller's unit of work does. Bad input raises one
`ValidationError` whose `errors` maps each offending field to its pt-BR message; nothing is
changed when it is raised. Every change writes an audit entry (`app_user` / `app_role`).

Rules that protect the installation:
- nobody deactivates their own user, removes their own administrator rights or their own
  permission to manage users and roles (`MANAGE_PERMISSION`);
- only an administrator grants or withdraws administrator rights (the flag or the "admin" role)
  or changes a user who is an administrator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.auth import (ADMIN_ROLE, DOC_RIGHTS, MIN_PASSWORD_LENGTH, _ROLE_RE, _USERNAME_RE, create_user,
                       has_permission, is_admin, set_password)
from core.errors import ValidationError
from core.i18n import _
from core.models.users import Role, RolePermission, User
from core.db import get_or_not_found

MANAGE_PERMISSION = "core.users.manage"
USER_KIND = "app_user"
ROLE_KIND = "app_role"
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# pt-BR labels of the keys in the audit snapshots of users and roles (for the history page).
USER_FIELD_LABELS = {
    "username": "Login", "full_name": "Nome", "email": "E-mail", "active": "Ativo", "is_admin": "Administrador",
    "roles": "Papéis", "password_changed": "Senha alterada", "company_id": "Empresa", "created_at": "Incluído em",
    "password_hash": "Senha", "id": "Código",
}
ROLE_FIELD_LABELS = {"name": "Nome interno", "label": "Descrição", "permissions": "Permissões"}
AUDIT_FIELD_LABELS = {USER_KIND: USER_FIELD_LABELS, ROLE_KIND: ROLE_FIELD_LABELS}

DOC_RIGHT_LABELS = {
    "read": "Consultar", "write": "Alterar", "create": "Incluir", "delete": "Excluir",
    "submit": "Confirmar", "cancel": "Cancelar", "amend": "Retificar",
}


# ---------------------------------------------------------------- permission catalogue

@dataclass(frozen=True)
class PermissionItem:
    key: str
    label: str


@dataclass
class PermissionGroup:
    label: str
    items: list[PermissionItem] = field(default_factory=list)
    doctype: str | None = None  # set for the "Documentos: …" groups


def doc_rights_of(cls) -> tuple[str, ...]:
    """The rights that make sense for a document type (submit/cancel/amend only when submittable)."""
    meta = getattr(cls, "meta", None)
    if meta is not None and getattr(meta, "submittable", False):
        return DOC_RIGHTS
    return tuple(r for r in DOC_RIGHTS if r not in ("submit", "cancel", "amend"))


def permission_catalog(runtime) -> list[PermissionGroup]:
    """Every permission an administrator can grant: the keys registered by the enabled plugins
    (`registry.permissions`, grouped by their group) and the rights `doc.<doctype>.<right>` of
    every registered document type, grouped under "Documentos: <label>"."""
    groups: dict[str, PermissionGroup] = {}
    for key, (label, group) in runtime.registry.permissions.items():
        name = group or _("Geral")
        groups.setdefault(name, PermissionGroup(name)).items.append(PermissionItem(key, label or key))
    out = sorted(groups.values(), key=lambda g: g.label.lower())
    for g in out:
        g.items.sort(key=lambda i: i.label.lower())
    docs = []
    for name, cls in runtime.registry.doctypes.items():
        meta = getattr(cls, "meta", None)
        label = getattr(meta, "plural", None) or getattr(meta, "label", None) or name
        group = PermissionGroup(_("Documentos: {label}").format(label=label), doctype=name)
        group.items = [PermissionItem(f"doc.{name}.{right}", DOC_RIGHT_LABELS[right]) for right in doc_rights_of(cls)]
        docs.append(group)
    docs.sort(key=lambda g: g.label.lower())
    return out + docs


def catalog_keys(runtime) -> set[str]:
    return {item.key for g in permission_catalog(runtime) for item in g.items}


def declared_doc_rights(runtime, role_name: str) -> set[str]:
    """`doc.<doctype>.<right>` keys a role holds through the document types' own declarations
    (`DocMeta.permissions`); they are shown in the matrix but cannot be removed there."""
    out = set()
    for name, cls in runtime.registry.doctypes.items():
        declared = getattr(getattr(cls, "meta", None), "permissions", None) or {}
        for right in (declared.get(role_name) or "").split():
            out.add(f"doc.{name}.{right}")
    return out


# ---------------------------------------------------------------- reading

def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(func.lower(User.username))))


def list_roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(func.lower(Role.label), Role.name)))


def get_user(session: Session, user_id: int) -> User:
    return get_or_not_found(session, User, user_id, _("Usuário {id} não encontrado.").format(id=user_id))


def get_role(session: Session, role_id: int) -> Role:
    return get_or_not_found(session, Role, role_id, _("Papel {id} não encontrado.").format(id=role_id))


def role_keys(role: Role) -> list[str]:
    return sorted(p.permission for p in role.permissions)


def user_snapshot(user: User) -> dict:
    """What the audit keeps of a user: its columns (password hash masked) and its roles."""
    snap = audit.snapshot(user)
    snap["roles"] = sorted(r.name for r in user.roles)
    return snap


def role_snapshot(role: Role) -> dict:
    return {"name": role.name, "label": role.label, "permissions": role_keys(role)}


# ---------------------------------------------------------------- users

def _clean(text: str | None) -> str:
    return (text or "").strip()


def _roles_by_ids(session: Session, role_ids: Iterable[int], errors: dict[str, str]) -> list[Role]:
    ids = list(dict.fromkeys(int(i) for i in role_ids))
    if not ids:
        return []
    found = {r.id: r for r in session.scalars(select(Role).where(Role.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        errors["roles"] = _("Papel inexistente: {ids}.").format(ids=", ".join(str(i) for i in missing))
    return [found[i] for i in ids if i in found]


def _check_email(email: str, errors: dict[str, str]) -> None:
    if email and not _EMAIL_RE.match(email):
        errors["email"] = _("E-mail inválido: {e}").format(e=email)


def _check_new_password(password: str, confirm: str, errors: dict[str, str], *, required: bool) -> None:
    if not password and not required:
        if confirm:
            errors["password_confirm"] = _("As senhas não conferem.")
        return
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _("A senha deve ter pelo menos {n} caracteres.").format(n=MIN_PASSWORD_LENGTH)
    elif password != confirm:
        errors["password_confirm"] = _("As senhas não conferem.")


def _raise(errors: dict[str, str]) -> None:
    if not errors:
        return
    first = next(iter(errors))
    message = errors[first] if len(errors) == 1 else _("Corrija os {n} campos indicados.").format(n=len(errors))
    raise ValidationError(message, field=first, errors=errors)


def _grants_admin(flag: bool, roles: Iterable[Role]) -> bool:
    return bool(flag) or any(r.name == ADMIN_ROLE for r in roles)


def create_user_account(session: Session, actor, *, username: str, full_name: str = "", email: str = "",
                        password: str = "", password_confirm: str = "", is_admin_flag: bool = False,
                        role_ids: Iterable[int] = ()) -> User:
    """Create a user from the administration form; audited as "create" on `app_user`.

    Errors (all reported at once): invalid or duplicate login ("username"), bad e-mail
    ("email"), short password ("password"), confirmation differs ("password_confirm"), unknown
    role ("roles"), a non-administrator granting administrator rights ("is_admin").
    """
    errors: dict[str, str] = {}
    username = _clean(username)
    full_name = _clean(full_name)
    email = _clean(email)
    if not username:
        errors["username"] = _("Informe o login.")
    elif not _USERNAME_RE.match(username):
        errors["username"] = _("Login inválido: use de 2 a 60 letras, números ou . _ - @")
    elif session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        errors["username"] = _("Já existe um usuário com o login {u}.").format(u=username)
    if len(full_name) > 150:
        errors["full_name"] = _("O nome pode ter no máximo 150 caracteres.")
    _check_email(email, errors)
    _check_new_password(password or "", password_confirm or "", errors, required=True)
    roles = _roles_by_ids(session, role_ids, errors)
    if _grants_admin(is_admin_flag, roles) and not is_admin(actor):
        errors["is_admin"] = _("Somente administradores podem conceder direitos de administrador.")
    _raise(errors)
    user = create_user(session, username, password, full_name=full_name, email=email or None,
                       is_admin=bool(is_admin_flag), roles=[r.name for r in roles])
    audit.record(session, action="create", target_kind=USER_KIND, target_id=user.id, user=actor,
                 after=user_snapshot(user))
    return user


def update_user_account(session: Session, actor, user_id: int, *, full_name: str = "", email: str = "",
                        active: bool = True, is_admin_flag: bool = False, role_ids: Iterable[int] = (),
                        new_password: str = "", new_password_confirm: str = "") -> User:
    """Change a user from the administration form; audited as "update" on `app_user` (only when
    something changed; a new password shows as `password_changed`, never as a hash).

    Besides the field checks of `create_user_account`, refuses: deactivating oneself
    ("active"), removing one's own administrator rights ("is_admin") or one's own permission to
    manage users ("roles"), and a non-administrator changing an administrator ("__all__") or
    administrator rights ("is_admin").
    """
    user = get_user(session, user_id)
    errors: dict[str, str] = {}
    full_name = _clean(full_name)
    email = _clean(email)
    if len(full_name) > 150:
        errors["full_name"] = _("O nome pode ter no máximo 150 caracteres.")
    _check_email(email, errors)
    _check_new_password(new_password or "", new_password_confirm or "", errors, required=False)
    roles = _roles_by_ids(session, role_ids, errors)
    was_admin = _grants_admin(user.is_admin, user.roles)
    will_be_admin = _grants_admin(is_admin_flag, roles)
    actor_is_admin = is_admin(actor)
    is_self = actor is not None and getattr(actor, "id", None) == user.id
    if not actor_is_admin:
        if was_admin:
            errors["__all__"] = _("Somente administradores podem alterar um usuário administrador.")
        elif will_be_admin:
            errors["is_admin"] = _("Somente administradores podem conceder direitos de administrador.")
    if is_self:
        if not active:
            errors["active"] = _("Você não pode desativar o seu próprio usuário.")
        if was_admin and not will_be_admin:
            errors["is_admin"] = _("Você não pode retirar de si mesmo os direitos de administrador.")
        elif not will_be_admin and not any(p.permission == MANAGE_PERMISSION for r in roles for p in r.permissions):
            errors["roles"] = _("Você não pode retirar de si mesmo a permissão de gerenciar usuários e papéis.")
    _raise(errors)

    before = user_snapshot(user)
    user.full_name = full_name
    user.email = email or None
    user.active = bool(active)
    user.is_admin = bool(is_admin_flag)
    user.roles = roles
    changed_password = bool(new_password)
    if changed_password:
        set_password(user, new_password)
    session.flush()
    after = user_snapshot(user)
    if changed_password:
        before["password_changed"] = False
        after["password_changed"] = True
    if audit.diff(before, after):
        audit.record(session, action="update", target_kind=USER_KIND, target_id=user.id, user=actor,
                     before=before, after=after)
    return user


# ---------------------------------------------------------------- roles

def create_role_entry(session: Session, actor, *, name: str, label: str) -> Role:
    """Create a role (no permissions yet); audited as "create" on `app_role`.

    Errors: invalid or duplicate name ("name"), missing label ("label")."""
    errors: dict[str, str] = {}
    name = _clean(name).lower()
    label = _clean(label)
    if not name:
        errors["name"] = _("Informe o nome do papel.")
    elif not _ROLE_RE.match(name):
        errors["name"] = _("Nome inválido: use de 2 a 60 letras minúsculas, números ou . _ -")
    elif session.scalar(select(Role.id).where(Role.name == name)) is not None:
        errors["name"] = _("Já existe um papel com o nome {n}.").format(n=name)
    if not label:
        errors["label"] = _("Informe a descrição do papel.")
    elif len(label) > 120:
        errors["label"] = _("A descrição pode ter no máximo 120 caracteres.")
    _raise(errors)
    role = Role(name=name, label=label)
    session.add(role)
    session.flush()
    audit.record(session, action="create", target_kind=ROLE_KIND, target_id=role.id, user=actor,
                 after=role_snapshot(role))
    return role


def update_role_permissions(session: Session, actor, runtime, role_id: int, *, label: str,
                            granted: Iterable[str]) -> Role:
    """Set a role's label and the permission keys it grants, as the matrix shows them.

    `granted` must be keys of `permission_catalog(runtime)` ("permissions" error otherwise);
    keys the role holds that are not in the catalogue (from a plugin now disabled) are kept.
    Refuses to take from the acting user their own permission to manage users ("permissions").
    Audited as "update" on `app_role` with the granted keys before and after.
    """
    role = get_role(session, role_id)
    errors: dict[str, str] = {}
    label = _clean(label)
    if not label:
        errors["label"] = _("Informe a descrição do papel.")
    elif len(label) > 120:
        errors["label"] = _("A descrição pode ter no máximo 120 caracteres.")
    known = catalog_keys(runtime)
    wanted = set(dict.fromkeys(k.strip() for k in granted if k and k.strip()))
    unknown = sorted(wanted - known)
    if unknown:
        errors["permissions"] = _("Permissão desconhecida: {keys}.").format(keys=", ".join(unknown))
    if role.name == ADMIN_ROLE and wanted:
        errors["permissions"] = _("O papel admin já concede todas as permissões.")
    _raise(errors)

    before = role_snapshot(role)
    kept = {p.permission for p in role.permissions if p.permission not in known}
    target = kept | wanted
    role.label = label
    role.permissions = [p for p in role.permissions if p.permission in target]
    have = {p.permission for p in role.permissions}
    for key in sorted(target - have):
        role.permissions.append(RolePermission(permission=key))
    session.flush()

    if actor is not None and getattr(actor, "id", None) is not None:
        me = session.get(User, actor.id)
        if me is not None and has_permission(actor, MANAGE_PERMISSION) and not has_permission(me, MANAGE_PERMISSION):
            raise ValidationError(
                _("Você não pode retirar de si mesmo a permissão de gerenciar usuários e papéis."),
                field="permissions")
    after = role_snapshot(role)
    if audit.diff(before, after):
        audit.record(session, action="update", target_kind=ROLE_KIND, target_id=role.id, user=actor,
                     before=before, after=after)
    return role
