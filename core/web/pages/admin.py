"""Administração → Usuários / Papéis e permissões ("Definição de permissões").

Pages (every route requires `core.users.manage`; POSTs carry the app-wide CSRF token):
- `/admin/usuarios` list, `/admin/usuarios/novo` create, `/admin/usuarios/{id}` edit;
- `/admin/papeis` list (and create), `/admin/papeis/{id}` the role's permission matrix.

The rules live in `core.admin_services`; this module only reads forms and renders. Registered as
a kernel part (`core.builtin_plugin.KERNEL_PARTS`): its menu items and router come through the
same hooks plugins use.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from core import admin_services as svc
from core.auth import has_permission, require_permission
from core.errors import ValidationError
from core.i18n import _
from core.web.deps import current_user
from core.web.registry import MenuItem
from core.web.templating import render
from hooks import hookimpl

router = APIRouter()

USERS_URL = "/admin/usuarios"
ROLES_URL = "/admin/papeis"
MENU_GROUP = "Administração"


def require_manager(request: Request):
    """Dependency: the logged-in user, who must hold `core.users.manage` (403 in pt-BR otherwise)."""
    user = current_user(request)
    require_permission(user, svc.MANAGE_PERMISSION)
    return user


def _uow(request: Request, fn, readonly: bool = False):
    from core.db import unit_of_work

    with unit_of_work(request.app.state.runtime.engine, readonly=readonly) as session:
        return fn(session)


def _flag(form, name: str) -> bool:
    return form.get(name) in ("1", "on", "true", "sim")


def _ids(form, name: str) -> list[int]:
    out = []
    for raw in form.getlist(name):
        if str(raw).isdigit():
            out.append(int(raw))
        else:
            raise ValidationError(_("Identificador inválido: {v}").format(v=raw), field=name)
    return out


def _summary(exc: ValidationError) -> str:
    fields = [k for k in (exc.errors or {}) if k != "__all__"]
    if len(fields) > 1:
        return _("Corrija os {n} campos indicados abaixo.").format(n=len(fields))
    return (exc.errors or {}).get("__all__") or str(exc)


# ---------------------------------------------------------------- users

def _user_row(user) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "email": user.email or "",
            "active": user.active, "is_admin": user.is_admin,
            "roles": sorted((r.label or r.name) for r in user.roles), "created_at": user.created_at}


def _roles_choices(session) -> list[dict]:
    return [{"id": r.id, "name": r.name, "label": r.label or r.name} for r in svc.list_roles(session)]


@router.get(USERS_URL, include_in_schema=False)
async def users_page(request: Request, user=Depends(require_manager)):
    rows = await run_in_threadpool(_uow, request, lambda s: [_user_row(u) for u in svc.list_users(s)], True)
    return render(request, "admin/users.html", rows=rows, flash=_flash(request))


def _flash(request: Request) -> str | None:
    return {"criado": _("Usuário incluído."), "salvo": _("Alterações salvas."),
            "papel-criado": _("Papel incluído."), "papel-salvo": _("Permissões do papel salvas.")}.get(
        request.query_params.get("ok", ""))


def _user_form(request: Request, *, account=None, values: dict, errors: dict | None = None,
               message: str | None = None, status_code: int = 200):
    roles = _uow(request, _roles_choices, True)
    me = request.state.user
    return render(request, "admin/user_form.html", status_code=status_code, account=account, values=values,
                  roles=roles, errors=errors or {}, message=message, flash=_flash(request),
                  can_history=has_permission(me, "core.audit.view"),
                  is_self=account is not None and account["id"] == me.id)


@router.get(USERS_URL + "/novo", include_in_schema=False)
async def new_user_page(request: Request, user=Depends(require_manager)):
    values = {"username": "", "full_name": "", "email": "", "active": True, "is_admin": False, "role_ids": []}
    return await run_in_threadpool(lambda: _user_form(request, values=values))


@router.post(USERS_URL + "/novo", include_in_schema=False)
async def create_user_post(request: Request, user=Depends(require_manager)):
    form = await request.form()
    values = {"username": form.get("username", ""), "full_name": form.get("full_name", ""),
              "email": form.get("email", ""), "active": True, "is_admin": _flag(form, "is_admin")}

    def save():
        values["role_ids"] = _ids(form, "roles")
        return _uow(request, lambda s: svc.create_user_account(
            s, user, username=values["username"], full_name=values["full_name"], email=values["email"],
            password=form.get("password", ""), password_confirm=form.get("password_confirm", ""),
            is_admin_flag=values["is_admin"], role_ids=values["role_ids"]).id)

    try:
        new_id = await run_in_threadpool(save)
    except ValidationError as exc:
        values.setdefault("role_ids", [])
        errors, message = exc.errors, _summary(exc)
        return await run_in_threadpool(lambda: _user_form(request, values=values, errors=errors, message=message,
                                                          status_code=400))
    return RedirectResponse(f"{USERS_URL}/{new_id}?ok=criado", status_code=303)


def _account(session, user_id: int) -> dict:
    account = svc.get_user(session, user_id)
    return _user_row(account) | {"role_ids": [r.id for r in account.roles]}


@router.get(USERS_URL + "/{user_id}", include_in_schema=False)
async def edit_user_page(request: Request, user_id: int, user=Depends(require_manager)):
    def build():
        account = _uow(request, lambda s: _account(s, user_id), True)
        return _user_form(request, account=account, values=dict(account))

    return await run_in_threadpool(build)


@router.post(USERS_URL + "/{user_id}", include_in_schema=False)
async def update_user_post(request: Request, user_id: int, user=Depends(require_manager)):
    form = await request.form()
    values = {"full_name": form.get("full_name", ""), "email": form.get("email", ""),
              "active": _flag(form, "active"), "is_admin": _flag(form, "is_admin")}

    def save():
        values["role_ids"] = _ids(form, "roles")
        _uow(request, lambda s: svc.update_user_account(
            s, user, user_id, full_name=values["full_name"], email=values["email"], active=values["active"],
            is_admin_flag=values["is_admin"], role_ids=values["role_ids"],
            new_password=form.get("password", ""), new_password_confirm=form.get("password_confirm", "")))

    try:
        await run_in_threadpool(save)
    except ValidationError as exc:
        values.setdefault("role_ids", [])
        errors, message = exc.errors, _summary(exc)

        def again():
            account = _uow(request, lambda s: _account(s, user_id), True)
            return _user_form(request, account=account, values=values | {"username": account["username"]},
                              errors=errors, message=message, status_code=400)

        return await run_in_threadpool(again)
    return RedirectResponse(f"{USERS_URL}/{user_id}?ok=salvo", status_code=303)


# ---------------------------------------------------------------- roles

def _role_rows(session) -> list[dict]:
    from sqlalchemy import func, select

    from core.models.users import UserRole

    counts = dict(session.execute(select(UserRole.role_id, func.count()).group_by(UserRole.role_id)).all())
    return [{"id": r.id, "name": r.name, "label": r.label or r.name, "permissions": len(r.permissions),
             "users": counts.get(r.id, 0)} for r in svc.list_roles(session)]


def _roles_list(request: Request, *, values=None, errors=None, message=None, status_code=200):
    rows = _uow(request, _role_rows, True)
    return render(request, "admin/roles.html", status_code=status_code, rows=rows,
                  values=values or {"name": "", "label": ""}, errors=errors or {}, message=message,
                  flash=_flash(request))


@router.get(ROLES_URL, include_in_schema=False)
async def roles_page(request: Request, user=Depends(require_manager)):
    return await run_in_threadpool(lambda: _roles_list(request))


@router.post(ROLES_URL, include_in_schema=False)
async def create_role_post(request: Request, user=Depends(require_manager)):
    form = await request.form()
    values = {"name": form.get("name", ""), "label": form.get("label", "")}
    try:
        role_id = await run_in_threadpool(_uow, request, lambda s: svc.create_role_entry(
            s, user, name=values["name"], label=values["label"]).id)
    except ValidationError as exc:
        errors, message = exc.errors, _summary(exc)
        return await run_in_threadpool(lambda: _roles_list(request, values=values, errors=errors, message=message,
                                                           status_code=400))
    return RedirectResponse(f"{ROLES_URL}/{role_id}?ok=papel-criado", status_code=303)


def _matrix(request: Request, role_id: int, *, checked: set[str] | None = None, label: str | None = None,
            errors=None, message=None, status_code=200):
    runtime = request.app.state.runtime

    def load(session):
        role = svc.get_role(session, role_id)
        members = [(u.username, u.full_name) for u in svc.list_users(session) if role in u.roles]
        return {"id": role.id, "name": role.name, "label": role.label or role.name,
                "keys": set(svc.role_keys(role))}, members

    role, members = _uow(request, load, True)
    catalog = svc.permission_catalog(runtime)
    known = {i.key for g in catalog for i in g.items}
    granted = role["keys"] if checked is None else checked
    return render(request, "admin/role_matrix.html", status_code=status_code, role=role, catalog=catalog,
                  granted=granted, declared=svc.declared_doc_rights(runtime, role["name"]),
                  orphan=sorted(role["keys"] - known), members=members,
                  label=role["label"] if label is None else label, is_admin_role=role["name"] == "admin",
                  errors=errors or {}, message=message, flash=_flash(request),
                  can_history=has_permission(request.state.user, "core.audit.view"))


@router.get(ROLES_URL + "/{role_id}", include_in_schema=False)
async def role_page(request: Request, role_id: int, user=Depends(require_manager)):
    return await run_in_threadpool(lambda: _matrix(request, role_id))


@router.post(ROLES_URL + "/{role_id}", include_in_schema=False)
async def role_save(request: Request, role_id: int, user=Depends(require_manager)):
    runtime = request.app.state.runtime
    form = await request.form()
    keys = [str(k) for k in form.getlist("permissions")]
    label = str(form.get("label", ""))
    try:
        await run_in_threadpool(_uow, request, lambda s: svc.update_role_permissions(
            s, user, runtime, role_id, label=label, granted=keys))
    except ValidationError as exc:
        errors, message = exc.errors, _summary(exc)
        return await run_in_threadpool(lambda: _matrix(request, role_id, checked=set(keys), label=label,
                                                       errors=errors, message=message, status_code=400))
    return RedirectResponse(f"{ROLES_URL}/{role_id}?ok=papel-salvo", status_code=303)


# ---------------------------------------------------------------- hooks

@hookimpl
def register_menu_items(register):
    register(MenuItem(label="Usuários", url=USERS_URL, group=MENU_GROUP, order=10,
                      permission=svc.MANAGE_PERMISSION))
    register(MenuItem(label="Papéis e permissões", url=ROLES_URL, group=MENU_GROUP, order=20,
                      permission=svc.MANAGE_PERMISSION))


@hookimpl
def register_routes(register):
    register(router)


@hookimpl
def register_history_kinds(register):
    from core.models import Role, User

    def user_title(session, user_id):
        user = session.get(User, user_id)
        return f"{user.username} ({user.full_name})" if user and user.full_name else (user.username if user else None)

    def role_title(session, role_id):
        role = session.get(Role, role_id)
        return (role.label or role.name) if role else None

    register(svc.USER_KIND, "Usuário", svc.MANAGE_PERMISSION, svc.USER_FIELD_LABELS, user_title)
    register(svc.ROLE_KIND, "Papel", svc.MANAGE_PERMISSION, svc.ROLE_FIELD_LABELS, role_title)
