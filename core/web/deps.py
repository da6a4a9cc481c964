"""Request-level helpers: the current user, permission checks, CSRF, the common page context.

Routes use them as FastAPI dependencies::

    @router.get("/x")
    def page(request: Request, user=Depends(current_user)): ...

    @router.post("/x", dependencies=[Depends(require_csrf)])
    def act(...): ...
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

CSRF_SESSION_KEY = "csrf_token"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_USER_KEY = "user_id"  # the logged-in user's id in the signed session cookie


class LoginRequired(Exception):
    """Raised for a page that needs a logged-in user; the app redirects to /login."""


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token (form field or header) does not match."""
    expected = request.session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if "form" in ctype:
            form = await request.form()
            sent = form.get(CSRF_FORM_FIELD)
    if not expected or not sent or not secrets.compare_digest(str(sent), str(expected)):
        raise HTTPException(status_code=403, detail="Token CSRF inválido ou ausente. Recarregue a página.")


def current_user(request: Request):
    """The logged-in user (an `app_user` row, detached) or LoginRequired."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise LoginRequired()
    return user


def require_permission(key: str):
    """Dependency factory: 403 with a pt-BR message when the user lacks `key`."""

    def dep(request: Request):
        from core.auth import has_permission

        user = current_user(request)
        if not has_permission(user, key):
            raise HTTPException(status_code=403, detail=f"Você não tem a permissão necessária: {key}")
        return user

    return dep


def _can_read(user, cls) -> bool:
    from core.auth import has_doc_permission

    return has_doc_permission(user, cls, "read")


def page_context(request: Request) -> dict:
    """What every template receives: request, user, menu (filtered by permission), csrf_token."""
    from core.auth import has_permission

    runtime = request.app.state.runtime
    user = getattr(request.state, "user", None)
    menu = [m for m in runtime.registry.menu_items
            if user is not None and (m.permission is None or has_permission(user, m.permission))
            and (not getattr(m, "any_permissions", ()) or any(has_permission(user, p) for p in m.any_permissions))]
    menu.extend(m for m, cls in getattr(request.app.state, "doctype_menu", ())
                if user is not None and _can_read(user, cls))
    menu.sort(key=lambda m: (m.group, m.order, m.label))
    return {"request": request, "user": user, "menu": menu, "csrf_token": csrf_token(request),
            "runtime": runtime}
