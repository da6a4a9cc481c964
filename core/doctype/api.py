"""REST endpoints generated for every registered document type, under `/api/doc/<doctype>`.

For each document class the kernel builds pydantic models from its fields
(`<Class>In` for creation, `<Class>Patch` for partial updates, `<Class>Out`, `<Class>List`), so
each document type has its own schemas in `/openapi.json`:

    GET    /api/doc/<doctype>                 list (per-field filters as query parameters)
    POST   /api/doc/<doctype>                 create                 → 201
    GET    /api/doc/<doctype>/<id>            one document
    PATCH  /api/doc/<doctype>/<id>            change some fields
    DELETE /api/doc/<doctype>/<id>            delete                 → 204
    POST   /api/doc/<doctype>/<id>/submit     confirm   (submittable types)
    POST   /api/doc/<doctype>/<id>/cancel     cancel    (submittable types)
    POST   /api/doc/<doctype>/<id>/amend      amend     (submittable types) → 201, the new draft

Errors are JSON in pt-BR: 401 without a logged-in user, 403 without the right, 404 for an
unknown id, 422 with `{"detail": "...", "errors": {"field": "..."}}` for invalid input — the
request validation of FastAPI included. Money travels as text ("1234.56"), dates as ISO.
State-changing calls follow the host app's CSRF rule (`core.web.app.csrf_protect`): a JSON body
is accepted as is (no cross-site form can send one); a call without a JSON body (DELETE, submit,
cancel, amend) needs the session's CSRF token in the `X-CSRF-Token` header.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, create_model

from core.db import unit_of_work
from core.doctype import service
from core.doctype.base import Document
from core.doctype.fields import DocField, doc_fields
from core.doctype.meta import DocStatus
from core.errors import NotFound, PermissionDenied, ValidationError
from core.i18n import _
from core.web.app import csrf_protect

API_PREFIX = "/api/doc"


class ErrorOut(BaseModel):
    """Error body: a pt-BR message and, for invalid input, one message per field."""

    detail: str
    errors: dict[str, str] = Field(default_factory=dict)


# ---------------------------------------------------------------- pydantic models

def _python_type(f: DocField):
    kind = f.value_kind if f.kind == "select" else f.kind
    if f.kind == "select" and f.choices:
        return Literal[tuple(c[0] for c in f.choices)]
    return {
        "int": int, "link": int, "money": Decimal, "decimal": Decimal, "date": date,
        "datetime": datetime, "bool": bool, "json": Any,
    }.get(kind, str)


def _field_spec(f: DocField, *, required: bool, output: bool = False):
    typ = _python_type(f)
    extra: dict[str, Any] = {"title": f.label}
    if output:  # what is stored is shown as is: no input constraints on the way out
        if f.kind == "select":
            typ = {"int": int, "bool": bool}.get(f.value_kind, str)
        if f.info.help:
            extra["description"] = f.info.help
        return (Optional[typ], Field(None, **extra))
    if f.info.help:
        extra["description"] = f.info.help
    if f.kind in ("text", "textarea", "password") and f.max_length:
        extra["max_length"] = f.max_length
    if f.kind == "money":
        extra["decimal_places"] = 2
        extra["json_schema_extra"] = {"format": "money", "examples": ["1234.56"]}
    if f.kind == "link":
        extra["json_schema_extra"] = {"x-link": f.link}
    if required:
        return (typ, Field(..., **extra))
    return (Optional[typ], Field(None, **extra))


def _needs_value(f: DocField) -> bool:
    default = f.column.default
    return f.required and default is None


def _input_fields(cls) -> list[DocField]:
    return [f for f in doc_fields(cls) if not f.read_only]


def build_models(cls: type[Document]) -> dict[str, type[BaseModel]]:
    """The pydantic models of one document type: In, Patch, Out and List."""
    name = cls.__name__
    fields_in = {f.name: _field_spec(f, required=_needs_value(f)) for f in _input_fields(cls)}
    model_in = create_model(f"{name}In", __config__=ConfigDict(extra="forbid"), **fields_in)
    model_in.__doc__ = _("Dados para incluir: {doc}").format(doc=cls.meta.label)
    fields_patch = {f.name: _field_spec(f, required=False) for f in _input_fields(cls)}
    model_patch = create_model(f"{name}Patch", __config__=ConfigDict(extra="forbid"), **fields_patch)
    model_patch.__doc__ = _("Campos a alterar (somente os enviados): {doc}").format(doc=cls.meta.label)
    fields_out: dict[str, Any] = {
        "id": (int, ...),
        "docname": (Optional[str], None),
        "docstatus": (int, 0),
        "status": (str, ""),
        "amended_from": (Optional[int], None),
        "created_at": (Optional[datetime], None),
        "modified_at": (Optional[datetime], None),
    }
    for f in doc_fields(cls):
        if f.kind == "password":
            continue
        fields_out[f.name] = _field_spec(f, required=False, output=True)
    model_out = create_model(f"{name}Out", **fields_out)
    model_out.__doc__ = cls.meta.label
    model_list = create_model(f"{name}List", items=(list[model_out], ...), total=(int, ...),
                              limit=(int, ...), offset=(int, ...))
    model_list.__doc__ = cls.meta.plural
    return {"in": model_in, "patch": model_patch, "out": model_out, "list": model_list}


def to_out(doc: Document) -> dict[str, Any]:
    """A document as the JSON of its `<Class>Out` model (passwords left out)."""
    out = {"id": doc.id, "docname": doc.docname, "docstatus": int(doc.docstatus or 0),
           "status": DocStatus(int(doc.docstatus or 0)).label, "amended_from": doc.amended_from,
           "created_at": doc.created_at, "modified_at": doc.modified_at}
    for f in doc_fields(type(doc)):
        if f.kind != "password":
            out[f.name] = getattr(doc, f.name)
    return out


# ---------------------------------------------------------------- pt-BR request errors

def _label_for(cls, name: str) -> str:
    for f in doc_fields(cls):
        if f.name == name:
            return f.label
    return name


def translate_errors(cls, errors: list[dict]) -> dict[str, str]:
    """FastAPI/pydantic request errors → {field: pt-BR message}."""
    out: dict[str, str] = {}
    for err in errors:
        loc = [str(x) for x in err.get("loc", ()) if not isinstance(x, int)]
        where = loc[0] if loc else "body"
        name = loc[1] if len(loc) > 1 else ("__all__" if where == "body" else where)
        if where in ("query", "path") and len(loc) > 1:
            name = loc[1]
        label = _label_for(cls, name)
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        if kind == "missing" or (err.get("input", "") is None and kind.endswith("_type")):
            msg = _("O campo «{label}» é obrigatório.").format(label=label)
        elif kind == "extra_forbidden":
            msg = _("Campo desconhecido: {name}").format(name=name)
        elif kind == "string_too_long":
            msg = _("O campo «{label}» aceita no máximo {n} caracteres.").format(label=label, n=ctx.get("max_length"))
        elif kind in ("literal_error", "enum"):
            msg = _("O valor «{value}» não é uma opção válida para «{label}».").format(
                value=err.get("input"), label=label)
        elif kind.startswith("int_"):
            msg = _("O campo «{label}» deve ser um número inteiro.").format(label=label)
        elif kind == "decimal_max_places":
            msg = _("O campo «{label}» aceita no máximo {n} casas decimais.").format(
                label=label, n=ctx.get("decimal_places"))
        elif kind.startswith("decimal_") or kind.startswith("float_"):
            msg = _("O campo «{label}» deve ser um número (ex.: \"1234.56\").").format(label=label)
        elif kind.startswith("datetime_"):
            msg = _("O campo «{label}» deve ser data e hora ISO (aaaa-mm-ddThh:mm:ss).").format(label=label)
        elif kind.startswith("date_"):
            msg = _("O campo «{label}» deve ser uma data válida (aaaa-mm-dd).").format(label=label)
        elif kind.startswith("bool_"):
            msg = _("O campo «{label}» deve ser verdadeiro ou falso.").format(label=label)
        elif kind == "json_invalid":
            msg = _("O corpo da requisição não é um JSON válido.")
        elif kind in ("model_attributes_type", "dict_type", "model_type"):
            msg = _("O corpo da requisição deve ser um objeto JSON.")
        elif kind.startswith("string_"):
            msg = _("O campo «{label}» deve ser um texto.").format(label=label)
        else:
            msg = _("Valor inválido para «{label}».").format(label=label)
        out.setdefault(name, msg)
    return out


def error_response(status: int, message: str, errors: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": message, "errors": errors or {}})


def _route_class(cls):
    class DocRoute(APIRoute):
        """Turns request validation errors into the same pt-BR JSON the service errors use."""

        def get_route_handler(self):
            handler = super().get_route_handler()

            async def wrapped(request: Request):
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    errors = translate_errors(cls, list(exc.errors()))
                    return error_response(422, next(iter(errors.values()), _("Dados inválidos.")), errors)

            return wrapped

    return DocRoute


# ---------------------------------------------------------------- router

def _api_user(request: Request):
    return getattr(request.state, "user", None)


class _Unauthenticated(Exception):
    pass


def _guarded(fn):
    """Run a handler body; map kernel errors to pt-BR JSON responses."""
    try:
        return fn()
    except _Unauthenticated:
        return error_response(401, _("Sessão expirada ou usuário não autenticado."))
    except PermissionDenied as exc:
        return error_response(403, str(exc))
    except NotFound as exc:
        return error_response(404, str(exc))
    except ValidationError as exc:
        return error_response(422, str(exc), exc.errors or {"__all__": str(exc)})


def _need_user(request: Request):
    user = _api_user(request)
    if user is None:
        raise _Unauthenticated()
    return user


ERROR_RESPONSES = {
    401: {"model": ErrorOut, "description": "Não autenticado"},
    403: {"model": ErrorOut, "description": "Sem permissão"},
    404: {"model": ErrorOut, "description": "Documento não encontrado"},
    422: {"model": ErrorOut, "description": "Dados inválidos (mensagens por campo)"},
}


def doctype_router(runtime, cls: type[Document]) -> APIRouter:
    """The REST router of one document type."""
    name = cls.doctype_name()
    models = build_models(cls)
    ModelIn, ModelPatch, ModelOut, ModelList = models["in"], models["patch"], models["out"], models["list"]
    tag = f"{cls.meta.plural} ({name})"
    router = APIRouter(prefix=f"{API_PREFIX}/{name}", tags=[tag], route_class=_route_class(cls),
                       responses=ERROR_RESPONSES)
    engine = runtime.engine
    filter_names = list(service.filterable_fields(cls))
    filter_params = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"},
                      "description": _("Filtro por «{label}»").format(label=_label_for(cls, n))}
                     for n in filter_names]
    if cls.meta.submittable:
        filter_params.append({"name": "docstatus", "in": "query", "required": False, "schema": {"type": "string"},
                              "description": _("Situação: 0 rascunho, 1 confirmado, 2 cancelado")})
    csrf = [Depends(csrf_protect)]

    @router.get("", response_model=ModelList, summary=_("Listar: {doc}").format(doc=cls.meta.plural),
                openapi_extra={"parameters": filter_params})
    def list_endpoint(request: Request, limit: int = 100, offset: int = 0, list_all: bool = False,
                      order_by: Optional[str] = None, q: Optional[str] = None):
        limit = max(1, min(int(limit), service.MAX_LIMIT))

        def body():
            user = _need_user(request)
            filters = {k: v for k, v in request.query_params.items()
                       if k in filter_names or (k == "docstatus" and cls.meta.submittable)}
            with unit_of_work(engine, readonly=True) as s:
                rows, total = service.list_docs(s, cls, filters=filters, list_all=list_all, limit=limit,
                                                offset=offset, order_by=order_by, search=q, user=user)
                items = [to_out(r) for r in rows]
            return JSONResponse(ModelList(items=items, total=total, limit=limit, offset=offset).model_dump(mode="json"))
        return _guarded(body)

    @router.get("/{id}", response_model=ModelOut, summary=_("Consultar: {doc}").format(doc=cls.meta.label))
    def get_endpoint(request: Request, id: int):
        def body():
            user = _need_user(request)
            with unit_of_work(engine, readonly=True) as s:
                out = to_out(service.get_doc(s, cls, id, user=user))
            return JSONResponse(ModelOut(**out).model_dump(mode="json"))
        return _guarded(body)

    @router.post("", response_model=ModelOut, status_code=201, dependencies=csrf,
                 summary=_("Incluir: {doc}").format(doc=cls.meta.label))
    def create_endpoint(request: Request, payload: ModelIn):
        def body():
            user = _need_user(request)
            data = payload.model_dump(exclude_unset=True)
            with unit_of_work(engine) as s:
                out = to_out(service.create_doc(s, cls, data, user=user, runtime=runtime))
            return JSONResponse(ModelOut(**out).model_dump(mode="json"), status_code=201)
        return _guarded(body)

    @router.patch("/{id}", response_model=ModelOut, dependencies=csrf,
                  summary=_("Alterar: {doc}").format(doc=cls.meta.label))
    def update_endpoint(request: Request, id: int, payload: ModelPatch):
        def body():
            user = _need_user(request)
            data = payload.model_dump(exclude_unset=True)
            with unit_of_work(engine) as s:
                doc = service.get_doc(s, cls, id, user=user)
                out = to_out(service.update_doc(s, doc, data, user=user, runtime=runtime))
            return JSONResponse(ModelOut(**out).model_dump(mode="json"))
        return _guarded(body)

    @router.delete("/{id}", status_code=204, response_class=Response, dependencies=csrf,
                   summary=_("Excluir: {doc}").format(doc=cls.meta.label))
    def delete_endpoint(request: Request, id: int):
        def body():
            user = _need_user(request)
            with unit_of_work(engine) as s:
                doc = service.get_doc(s, cls, id, user=user)
                service.delete_doc(s, doc, user=user, runtime=runtime)
            return Response(status_code=204)
        return _guarded(body)

    if cls.meta.submittable:
        for verb, fn, code, label in (
            ("submit", service.submit_doc, 200, _("Confirmar")),
            ("cancel", service.cancel_doc, 200, _("Cancelar")),
            ("amend", service.amend_doc, 201, _("Emendar")),
        ):
            router.add_api_route(f"/{{id}}/{verb}", _transition_endpoint(runtime, cls, fn, code, ModelOut),
                                 methods=["POST"], response_model=ModelOut, status_code=code,
                                 dependencies=csrf, summary=f"{label}: {cls.meta.label}",
                                 name=f"{name}_{verb}")
    return router


def _transition_endpoint(runtime, cls, fn, code, ModelOut):
    def endpoint(request: Request, id: int):
        def body():
            user = _need_user(request)
            with unit_of_work(runtime.engine) as s:
                doc = service.get_doc(s, cls, id, user=user)
                out = to_out(fn(s, doc, user=user, runtime=runtime))
            return JSONResponse(ModelOut(**out).model_dump(mode="json"), status_code=code)
        return _guarded(body)

    return endpoint


def build_api_router(runtime) -> APIRouter:
    """One router with the REST endpoints of every registered document type."""
    router = APIRouter()
    for name, cls in sorted(runtime.registry.doctypes.items()):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            continue
        router.include_router(doctype_router(runtime, cls))
    return router
