"""Users, roles and permissions (the manuals' "Definição de permissões").

Passwords are hashed with argon2id (argon2-cffi). A user's permissions are the keys granted to
its roles; administrators (`is_admin`, or a role named "admin") have every permission. Document
rights come from the document type's declaration (`DocMeta.permissions`: role → rights) or from
an explicit key `doc.<doctype>.<right>` granted to a role.

Services here receive a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

import re
from typing import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied, ValidationError
from core.i18n import _
from core.models.users import Role, RolePermission, User

ADMIN_ROLE = "admin"
DOC_RIGHTS = ("read", "write", "create", "delete", "submit", "cancel", "amend")
MIN_PASSWORD_LENGTH = 5
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,60}$")
_ROLE_RE = re.compile(r"^[a-z0-9_.-]{2,60}$")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("quita-senha-inexistente")


def hash_password(password: str) -> str:
    """An argon2id hash (salted; the parameters are stored in the hash itself)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`; a malformed hash is simply False."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError, TypeError):
        return False


def set_password(user: User, password: str) -> None:
    """Validate and store a new password for `user` (flushed with the caller's transaction)."""
    _check_password(password)
    user.password_hash = hash_password(password)


def _check_password(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("A senha deve ter pelo menos {n} caracteres.").format(n=MIN_PASSWORD_LENGTH), field="password")


def create_user(session: Session, username: str, password: str, *, full_name: str = "",
                email: str | None = None, is_admin: bool = False, roles: Iterable[str] = ()) -> User:
    """Create a user; roles are given by name and created when missing.

    ValidationError (field "username" or "password") on a bad or duplicate username or a short
    password. Nothing is added to the session when validation fails.
    """
    username = (username or "").strip()
    if not _USERNAME_RE.match(username):
        raise ValidationError(
            _("Login inválido: use de 2 a 60 letras, números ou . _ - @"), field="username")
    exists = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if exists is not None:
        raise ValidationError(_("Já existe um usuário com o login {u}.").format(u=username), field="username")
    _check_password(password)
    role_names = [r.strip() for r in roles if r and r.strip()]
    for name in role_names:
        _check_role_name(name)
    user = User(username=username, full_name=full_name or "", email=email or None,
                password_hash=hash_password(password), is_admin=bool(is_admin), active=True)
    user.roles = [ensure_role(session, name) for name in dict.fromkeys(role_names)]
    session.add(user)
    session.flush()
    load_grants(user)
    return user


def load_grants(user) -> None:
    """Load the user's roles and their permissions so they can be checked after the session closes."""
    for role in user.roles:
        role.permissions  # noqa: B018 - touching the relationship loads it while the session is open


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this login and password, or None (same work either way).

    An outdated hash is upgraded in the caller's transaction.
    """
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password or "")
        return None
    if not verify_password(user.password_hash, password or ""):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _check_role_name(name: str) -> None:
    if not _ROLE_RE.match(name):
        raise ValidationError(
            _("Nome de papel inválido: {n} (use letras minúsculas, números e . _ -)").format(n=name), field="roles")


def ensure_role(session: Session, name: str, label: str = "", permissions: Iterable[str] = ()) -> Role:
    """The role called `name`, created when missing; grants `permissions` it lacks (never revokes)."""
    _check_role_name(name)
    role = session.scalar(select(Role).where(Role.name == name))
    if role is None:
        role = Role(name=name, label=label or name)
        session.add(role)
    elif label and role.label != label:
        role.label = label
    have = {p.permission for p in role.permissions}
    for key in dict.fromkeys(permissions):
        if key not in have:
            role.permissions.append(RolePermission(permission=key))
    session.flush()
    return role


def revoke(session: Session, role: Role, *keys: str) -> None:
    """Remove permission keys from a role."""
    role.permissions = [p for p in role.permissions if p.permission not in keys]
    session.flush()


def role_names(user) -> set[str]:
    return {r.name for r in (getattr(user, "roles", None) or [])}


def is_admin(user) -> bool:
    """Administrators: the `is_admin` flag or a role named "admin". Inactive users are nobody."""
    if user is None or not getattr(user, "active", True):
        return False
    return bool(getattr(user, "is_admin", False)) or ADMIN_ROLE in role_names(user)


def user_permissions(user) -> set[str]:
    """Permission keys granted to the user's roles (administrators hold every key implicitly)."""
    if user is None or not getattr(user, "active", True):
        return set()
    return {p.permission for r in (user.roles or []) for p in r.permissions}


def has_permission(user, key: str) -> bool:
    """Whether `user` may do what `key` guards (admins may do everything)."""
    if user is None or not getattr(user, "active", True):
        return False
    return is_admin(user) or key in user_permissions(user)


def permission_label(key: str) -> str:
    """The pt-BR label registered for `key` (or the key itself)."""
    from core.runtime import current

    try:
        return current().registry.permissions.get(key, (key, ""))[0]
    except RuntimeError:
        return key


def require_permission(user, key: str) -> None:
    """Raise PermissionDenied (pt-BR, naming the permission) unless `user` has `key`."""
    if not has_permission(user, key):
        raise PermissionDenied(
            _("Você não tem permissão para esta operação: {label} ({key}).").format(
                label=permission_label(key), key=key))


def has_doc_permission(user, doctype_cls, right: str) -> bool:
    """Whether `user` has `right` (read, write, create, delete, submit, cancel, amend) on a doctype:
    admin, or one of the user's roles is given that right in `doctype_cls.meta.permissions`, or a
    role grants the key `doc.<doctype>.<right>`."""
    if right not in DOC_RIGHTS:
        raise ValueError(f"direito desconhecido: {right!r} (esperado um de: {', '.join(DOC_RIGHTS)})")
    if user is None or not getattr(user, "active", True):
        return False
    if is_admin(user):
        return True
    names = role_names(user)
    declared = getattr(getattr(doctype_cls, "meta", None), "permissions", None) or {}
    for role, rights in declared.items():
        if role in names and right in rights.split():
            return True
    return f"doc.{doctype_cls.doctype_name()}.{right}" in user_permissions(user)
