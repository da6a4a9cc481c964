"""The host web app: `create_app(runtime)` builds the FastAPI application `quita serve` runs.

What it wires together:
- signed session cookies (Starlette `SessionMiddleware`, secret from `[app] secret_key`);
- a middleware that loads the logged-in user per request (`request.state.user`, a detached
  `core.models.User` with its roles and their permissions loaded);
- CSRF on every state-changing request (form field `csrf_token` or header `X-CSRF-Token`;
  HTMX sends the header from `<meta name="csrf-token">`, see `static/quita.js`);
- error pages in pt-BR that HTMX can show (`core.errors.QuitaError` ⇒ 400, permission ⇒ 403,
  `LoginRequired` ⇒ redirect to `/login?next=…`);
- the kernel pages (login, home, party searches, customer panel, bulk-action dialog, history),
  the generic document views (`core.doctype.web.build_router`) and every router the enabled
  plugins register through the `register_routes` hook.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, RedirectResponse, Response

from core.errors import NotFound, PermissionDenied, QuitaError
from core.i18n import _
from core.web.deps import SESSION_USER_KEY, LoginRequired, require_csrf

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE = "quita_session"


def load_session_user(engine, user_id: int):
    """The active user with that id, detached, roles and their permissions loaded (or None)."""
    from core.db import unit_of_work
    from core.models import User

    with unit_of_work(engine, readonly=True) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        for role in user.roles:  # roles and permissions are selectin-loaded; touch them anyway
            list(role.permissions)
        session.expunge_all()
        return user


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: state-changing requests must carry the session's CSRF token.

    A JSON body (`Content-Type: application/json`) is exempt: a cross-site page cannot send one
    without a CORS preflight, which this app never grants, so it cannot be forged by a form.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        return
    await require_csrf(request)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "") and not is_htmx(request))


def error_response(request: Request, status: int, message: str) -> Response:
    """An error the operator can read: a JSON body for the API, an HTMX fragment or a page."""
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    from core.web.templating import render

    if is_htmx(request):
        resp = render(request, "partials/alert.html", status_code=status, kind="error", message=message)
        resp.headers["HX-Retarget"] = "#flash"
        resp.headers["HX-Reswap"] = "innerHTML"
        return resp
    titles = {400: _("Não foi possível concluir"), 403: _("Acesso negado"), 404: _("Não encontrado"),
              500: _("Erro interno")}
    return render(request, "error.html", status_code=status, status=status,
                  title=titles.get(status, _("Erro")), message=message)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = "/login?next=" + quote(target, safe="")
        if wants_json(request):
            return JSONResponse({"detail": _("Sessão expirada ou usuário não autenticado.")}, status_code=401)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied):
        return error_response(request, 403, str(exc) or _("Você não tem permissão para esta operação."))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return error_response(request, 404, str(exc) or _("Registro não encontrado."))

    @app.exception_handler(QuitaError)
    async def _quita_error(request: Request, exc: QuitaError):
        if wants_json(request):
            body = {"detail": str(exc)}
            field = getattr(exc, "field", None)
            if field:
                body["field"] = field
                body["errors"] = getattr(exc, "errors", {})
            return JSONResponse(body, status_code=400)
        return error_response(request, 400, str(exc))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        if wants_json(request) and not isinstance(exc.detail, str):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        default = {401: _("Usuário não autenticado."), 403: _("Acesso negado."), 404: _("Página não encontrada."),
                   405: _("Método não permitido.")}.get(exc.status_code, _("Erro na requisição."))
        resp = error_response(request, exc.status_code, detail or default)
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError):
        if wants_json(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())[1:])
        message = _("Dados inválidos no campo {field}.").format(field=where) if where else _("Dados inválidos.")
        return error_response(request, 400, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("erro inesperado em %s %s", request.method, request.url.path)
        return error_response(request, 500, _("Erro interno ao processar a solicitação. A equipe técnica "
                                              "pode consultar o registro (log) do servidor."))


def create_app(runtime) -> FastAPI:
    """Build the host application for `runtime` (config + enabled plugins + engine)."""
    from core.i18n import set_locale

    set_locale(runtime.config.app.locale)
    app = FastAPI(title="Quita", description="ERP financeiro para provedores de internet e telecom.",
                  version=runtime.plugins.infos["core"].version if "core" in runtime.plugins.infos else "0",
                  dependencies=[Depends(csrf_protect)])
    app.state.runtime = runtime

    @app.middleware("http")
    async def attach_user(request: Request, call_next):
        request.state.user = None
        uid = request.session.get(SESSION_USER_KEY)
        if uid is not None and not request.url.path.startswith("/static/"):
            user = await run_in_threadpool(load_session_user, runtime.engine, int(uid))
            if user is None:  # deleted or deactivated since login: the session ends
                request.session.pop(SESSION_USER_KEY, None)
            request.state.user = user
        return await call_next(request)

    # Added last ⇒ outermost: the session is available to the user middleware above.
    app.add_middleware(SessionMiddleware, secret_key=runtime.config.app.secret_key,
                       session_cookie=SESSION_COOKIE, max_age=runtime.config.app.session_max_age_s,
                       same_site="lax", https_only=False)
    _install_error_handlers(app)

    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from core.web import auth_routes
    from core.web.pages import actions, history, home, panel, parties

    for module in (auth_routes, home, parties, panel, actions, history):
        app.include_router(module.router)

    from core.doctype.web import build_router, doctype_menu_items

    app.include_router(build_router(runtime))
    # Document types that declare a menu group get a menu entry, shown to users who may read them.
    app.state.doctype_menu = [(item, runtime.registry.doctypes[item.url.rsplit("/", 1)[-1]])
                              for item in doctype_menu_items(runtime)]

    runtime.hook.register_routes(register=app.include_router)
    return app


__all__ = ["create_app", "csrf_protect", "load_session_user", "SESSION_USER_KEY"]
