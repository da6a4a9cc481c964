"""Login and logout (session cookie + CSRF), pt-BR."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from core.i18n import _
from core.web.deps import CSRF_SESSION_KEY, SESSION_USER_KEY
from core.web.templating import render

router = APIRouter()


def safe_next(url: str | None) -> str:
    """Only a local path may be the post-login destination (no open redirect)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    if url.startswith("/login") or url.startswith("/logout"):
        return "/"
    return url


def _authenticate(engine, username: str, password: str):
    from core.auth import authenticate
    from core.db import unit_of_work

    with unit_of_work(engine) as session:
        user = authenticate(session, username, password)
        return None if user is None else user.id


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/"):
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), username="", error=None)


@router.post("/login", include_in_schema=False)
async def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                       next: str = Form("/")):
    runtime = request.app.state.runtime
    user_id = None
    if username.strip() and password:
        user_id = await run_in_threadpool(_authenticate, runtime.engine, username.strip(), password)
    if user_id is None:
        return render(request, "login.html", status_code=401, next=safe_next(next), username=username,
                      error=_("Usuário ou senha inválidos."))
    # A fresh session (and CSRF token) at every login: no fixation of a pre-login session.
    request.session.clear()
    request.session[SESSION_USER_KEY] = user_id
    request.session.pop(CSRF_SESSION_KEY, None)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
