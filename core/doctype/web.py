"""Generic pages of every registered document type, plus its REST API.

`build_router(runtime)` returns one router with:

- `/api/doc/<doctype>…` — the REST endpoints (`core.doctype.api`);
- `GET  /doc/<doctype>` — the list: newest 100 first, a filter input per column in the header
  row, "Listar todos" (every record, paged), quick search;
- `GET  /doc/<doctype>/novo`, `POST` — the empty form and the creation;
- `GET  /doc/<doctype>/<id>`, `POST` — the form (read-only when the document or the user's
  rights do not allow a change) and the update;
- `POST /doc/<doctype>/<id>/confirmar|cancelar|retificar|excluir` — the status transitions and
  deletion, offered as buttons according to the status and the user's rights.

Errors are shown next to each field in pt-BR; every POST needs the CSRF token. The history of a
record is at `/historico/<doctype>/<id>` (host app).
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from core.db import unit_of_work
from core.doctype import service
from core.doctype.api import build_api_router
from core.doctype.base import Document
from core.doctype.fields import DocField, choice_label, doc_fields, field_map
from core.doctype.meta import DocStatus
from core.errors import ValidationError
from core.i18n import _
from core.money import format_brl
from core.web.deps import current_user, require_csrf
from core.web.templating import render

PAGE_SIZE = 100
LINK_OPTIONS_LIMIT = 500
FILTER_PREFIX = "f_"

FLASH = {
    "criado": _("Documento incluído."),
    "salvo": _("Alterações gravadas."),
    "confirmado": _("Documento confirmado."),
    "cancelado": _("Documento cancelado."),
    "retificado": _("Nova versão em rascunho criada a partir do documento cancelado."),
    "excluido": _("Documento excluído."),
}


# ---------------------------------------------------------------- display helpers

def display_value(f: DocField, value, link_titles: dict | None = None) -> str:
    """A stored value as an operator reads it in lists and read-only forms."""
    if value is None or value == "":
        return ""
    if f.kind == "money" or (isinstance(value, Decimal) and f.kind == "money"):
        return format_brl(value)
    if f.kind == "bool":
        return _("Sim") if value else _("Não")
    if f.kind == "select":
        return choice_label(f, value) if f.choices else str(value)
    if f.kind == "link":
        return (link_titles or {}).get((f.link, value)) or f"#{value}"
    if f.kind == "decimal":
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        from core.web.templating import _fmt_date

        return _fmt_date(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if f.kind == "password":
        return "••••••"
    return str(value)


def input_value(f: DocField, value) -> str:
    """A stored value as the form input shows it (money "1.234,56", dates ISO for <input type=date>)."""
    if value is None:
        return ""
    if f.kind == "money" and isinstance(value, (Decimal, int)):
        return format_brl(value, symbol=False)
    if f.kind == "decimal" and isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if f.kind == "date" and isinstance(value, date):
        return value.isoformat()
    if f.kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if f.kind == "password":
        return ""
    return str(value)


def _link_titles(session, cls, rows) -> dict:
    """(doctype, id) → title for every link value shown in `rows` (one query per target)."""
    out = {}
    for f in doc_fields(cls):
        if f.kind != "link":
            continue
        target = service.doctype_class(f.link)
        ids = {getattr(r, f.name) for r in rows if getattr(r, f.name) is not None}
        if target is None or not ids:
            continue
        from sqlalchemy import select

        for doc in session.scalars(select(target).where(target.id.in_(ids))):
            out[(f.link, doc.id)] = doc.title
    return out


@dataclass
class FormField:
    """What the form template needs to draw one field."""

    name: str
    label: str
    kind: str
    required: bool
    editable: bool
    value: str = ""
    checked: bool = False
    shown: str = ""
    options: list[tuple[str, str]] = dc_field(default_factory=list)
    error: str | None = None
    help: str | None = None
    max_length: int | None = None
    href: str | None = None


def _options(session, cls, f: DocField) -> list[tuple[str, str]]:
    if f.kind == "link":
        target = service.doctype_class(f.link)
        if target is None:
            return []
        rows, _total = service.list_docs(session, target, list_all=True, limit=LINK_OPTIONS_LIMIT)
        return [(str(r.id), r.title) for r in rows]
    return [(str(v), str(label)) for v, label in service.dynamic_choices(cls, f)]


def _is_select(cls, f: DocField) -> bool:
    return f.kind in ("select", "link") or (f.info.widget == "select" and bool(service.dynamic_choices(cls, f)))


def _form_fields(session, cls, doc: Document | None, *, submitted: dict | None, errors: dict,
                 editable_names: set[str]) -> list[FormField]:
    out = []
    titles = _link_titles(session, cls, [doc]) if doc is not None else {}
    for f in doc_fields(cls):
        if f.hidden:
            continue
        stored = getattr(doc, f.name) if doc is not None else service._column_default(f)
        editable = f.name in editable_names
        kind = "select" if _is_select(cls, f) and f.kind not in ("link",) else f.kind
        ff = FormField(name=f.name, label=f.label, kind=kind, required=f.required, editable=editable,
                       error=errors.get(f.name), help=f.info.help, max_length=f.max_length)
        if submitted is not None and f.name in submitted:
            raw = submitted[f.name]
            ff.value = "" if isinstance(raw, bool) else str(raw)
            ff.checked = bool(raw) if isinstance(raw, bool) else False
        else:
            ff.value = input_value(f, stored)
            ff.checked = bool(stored)
        ff.shown = display_value(f, stored, titles)
        if kind == "select" and not f.choices:  # choices from `<field>_choices()`
            ff.shown = dict(service.dynamic_choices(cls, f)).get(stored, ff.shown)
        if f.kind == "link" and stored is not None:
            ff.href = f"/doc/{f.link}/{stored}"
        if editable and kind in ("select", "link"):
            ff.options = _options(session, cls, f)
        out.append(ff)
    return out


def _editable_names(cls, doc: Document | None, user) -> set[str]:
    fields = [f for f in doc_fields(cls) if not f.hidden and not f.read_only]
    if doc is None:
        return {f.name for f in fields} if service.can(user, cls, "create") else set()
    if not service.can(user, cls, "write"):
        return set()
    status = doc.status
    if status == DocStatus.CANCELLED:
        return set()
    if status == DocStatus.SUBMITTED:
        return {f.name for f in fields if f.info.allow_on_submit}
    return {f.name for f in fields}


def _buttons(cls, doc: Document | None, user) -> dict[str, bool]:
    if doc is None:
        return {}
    sub = cls.meta.submittable
    status = doc.status
    return {
        "submit": sub and status == DocStatus.DRAFT and service.can(user, cls, "submit"),
        "cancel": sub and status == DocStatus.SUBMITTED and service.can(user, cls, "cancel"),
        "amend": sub and status == DocStatus.CANCELLED and service.can(user, cls, "amend"),
        "delete": (not sub or status == DocStatus.DRAFT) and service.can(user, cls, "delete"),
    }


# ---------------------------------------------------------------- routes

def _summary(exc: ValidationError) -> str:
    """The message above the form: the error itself, or how many fields need fixing."""
    shown = [k for k in (exc.errors or {}) if k != "__all__"]
    if len(shown) > 1:
        return _("Corrija os {n} campos indicados abaixo.").format(n=len(shown))
    return str(exc)


def _doctype(runtime, name: str):
    cls = runtime.registry.doctypes.get(name)
    if cls is None:
        raise HTTPException(status_code=404, detail=_("Tipo de documento desconhecido: {name}").format(name=name))
    return cls


def _form_payload(cls, form, editable: set[str]) -> dict[str, Any]:
    """The submitted form as service input: only editable fields; an unchecked box is False."""
    fmap = field_map(cls)
    data: dict[str, Any] = {}
    for name in editable:
        f = fmap[name]
        if f.kind == "bool":
            data[name] = name in form and str(form.get(name)).lower() not in ("", "0", "off", "false")
        elif name in form:
            data[name] = form.get(name)
    return data


def _list_context(runtime, cls, request: Request, user) -> dict:
    params = request.query_params
    filters = {k[len(FILTER_PREFIX):]: v for k, v in params.items() if k.startswith(FILTER_PREFIX) and v.strip()}
    list_all = params.get("todos") == "1"
    try:
        page = max(1, int(params.get("pagina", "1")))
    except ValueError:
        page = 1
    search = params.get("q", "").strip()
    fmap = field_map(cls)
    columns = [fmap[c] for c in (cls.meta.list_columns or tuple(list(fmap)[:5])) if c in fmap]
    filterable = service.filterable_fields(cls)
    error = None
    with unit_of_work(runtime.engine, readonly=True) as s:
        try:
            rows, total = service.list_docs(s, cls, filters=filters, list_all=list_all, limit=PAGE_SIZE,
                                            offset=(page - 1) * PAGE_SIZE, search=search or None, user=user)
        except ValidationError as exc:
            rows, total, error = [], 0, exc
        titles = _link_titles(s, cls, rows)
        labels = {c.name: {str(v): lb for v, lb in service.dynamic_choices(cls, c)}
                  for c in columns if c.kind != "link" and _is_select(cls, c)}

        def cell(c: DocField, value) -> str:
            if c.name in labels and value is not None:
                return labels[c.name].get(str(value), str(value))
            return display_value(c, value, titles)

        table = [{"id": r.id, "docname": r.docname, "status": r.status,
                  "cells": [cell(c, getattr(r, c.name)) for c in columns]} for r in rows]
        filter_options = {}
        for name, f in filterable.items():
            if f.kind == "bool":
                filter_options[name] = [("sim", _("Sim")), ("nao", _("Não"))]
            elif _is_select(cls, f):
                filter_options[name] = _options(s, cls, f)
    paged = bool(filters) or list_all or bool(search)
    pages = max(1, -(-total // PAGE_SIZE)) if paged else 1
    base = {k: v for k, v in params.items() if k != "pagina"}
    return {
        "cls": cls, "meta": cls.meta, "doctype": cls.doctype_name(), "columns": columns, "rows": table,
        "total": total, "filters": filters, "filterable": filterable, "filter_options": filter_options,
        "filter_prefix": FILTER_PREFIX, "list_all": list_all, "search": search, "page": page, "pages": pages,
        "paged": paged, "shown": len(table),
        "prev_url": f"?{urlencode({**base, 'pagina': page - 1})}" if paged and page > 1 else None,
        "next_url": f"?{urlencode({**base, 'pagina': page + 1})}" if paged and page < pages else None,
        "can_create": service.can(user, cls, "create"), "submittable": cls.meta.submittable,
        "error": error, "statuses": list(DocStatus),
    }


def _form_context(runtime, cls, doc_id: int | None, user, *, submitted=None, errors=None, message=None,
                  flash=None) -> dict:
    errors = errors or {}
    with unit_of_work(runtime.engine, readonly=True) as s:
        doc = service.get_doc(s, cls, doc_id, user=user) if doc_id is not None else None
        if doc is None:
            service.check_permission(user, cls, "create")
        editable = _editable_names(cls, doc, user)
        fields = _form_fields(s, cls, doc, submitted=submitted, errors=errors, editable_names=editable)
        amended_from = s.get(cls, doc.amended_from) if doc is not None and doc.amended_from else None
        amended_by = None
        if doc is not None:
            from sqlalchemy import select

            amended_by = s.scalar(select(cls).where(cls.amended_from == doc.id).limit(1))
        return {
            "cls": cls, "meta": cls.meta, "doctype": cls.doctype_name(), "doc": doc, "fields": fields,
            "editable": bool(editable), "buttons": _buttons(cls, doc, user), "errors": errors,
            "message": message, "flash": flash, "submittable": cls.meta.submittable,
            "amended_from": amended_from, "amended_by": amended_by,
            "title": doc.title if doc is not None else _("novo registro"),
        }


def _html_router(runtime) -> APIRouter:
    router = APIRouter(tags=["Documentos (telas)"], include_in_schema=False)

    @router.get("/doc/{doctype}")
    async def list_page(request: Request, doctype: str, user=Depends(current_user)):
        cls = _doctype(runtime, doctype)
        ctx = await run_in_threadpool(_list_context, runtime, cls, request, user)
        status = 422 if ctx["error"] is not None else 200
        return render(request, "doctype/list.html", status_code=status, **ctx)

    @router.get("/doc/{doctype}/novo")
    async def new_page(request: Request, doctype: str, user=Depends(current_user)):
        cls = _doctype(runtime, doctype)
        ctx = await run_in_threadpool(_form_context, runtime, cls, None, user)
        return render(request, "doctype/form.html", **ctx)

    @router.post("/doc/{doctype}/novo", dependencies=[Depends(require_csrf)])
    async def create(request: Request, doctype: str, user=Depends(current_user)):
        cls = _doctype(runtime, doctype)
        form = await request.form()
        editable = _editable_names(cls, None, user)
        data = _form_payload(cls, form, editable)

        def work():
            with unit_of_work(runtime.engine) as s:
                return service.create_doc(s, cls, data, user=user, runtime=runtime).id

        try:
            doc_id = await run_in_threadpool(work)
        except ValidationError as exc:
            ctx = await run_in_threadpool(_form_context, runtime, cls, None, user, submitted=data,
                                          errors=exc.errors, message=_summary(exc))
            return render(request, "doctype/form.html", status_code=422, **ctx)
        return RedirectResponse(f"/doc/{doctype}/{doc_id}?ok=criado", status_code=303)

    @router.get("/doc/{doctype}/{doc_id}")
    async def form_page(request: Request, doctype: str, doc_id: int, user=Depends(current_user)):
        cls = _doctype(runtime, doctype)
        flash = FLASH.get(request.query_params.get("ok", ""))
        ctx = await run_in_threadpool(_form_context, runtime, cls, doc_id, user, flash=flash)
        return render(request, "doctype/form.html", **ctx)

    @router.post("/doc/{doctype}/{doc_id}", dependencies=[Depends(require_csrf)])
    async def save(request: Request, doctype: str, doc_id: int, user=Depends(current_user)):
        cls = _doctype(runtime, doctype)
        form = await request.form()

        def work():
            with unit_of_work(runtime.engine) as s:
                doc = service.get_doc(s, cls, doc_id, user=user)
                data = _form_payload(cls, form, _editable_names(cls, doc, user))
                service.update_doc(s, doc, data, user=user, runtime=runtime)
                return data

        try:
            await run_in_threadpool(work)
        except ValidationError as exc:
            submitted = _form_payload(cls, form, {f.name for f in doc_fields(cls)
                                                  if not f.hidden and not f.read_only})
            ctx = await run_in_threadpool(_form_context, runtime, cls, doc_id, user, submitted=submitted,
                                          errors=exc.errors, message=_summary(exc))
            return render(request, "doctype/form.html", status_code=422, **ctx)
        return RedirectResponse(f"/doc/{doctype}/{doc_id}?ok=salvo", status_code=303)

    transitions = {
        "confirmar": (service.submit_doc, "confirmado"),
        "cancelar": (service.cancel_doc, "cancelado"),
        "retificar": (service.amend_doc, "retificado"),
    }

    @router.post("/doc/{doctype}/{doc_id}/{verb}", dependencies=[Depends(require_csrf)])
    async def transition(request: Request, doctype: str, doc_id: int, verb: str, user=Depends(current_user)):
        cls = _doctype(runtime, doctype)
        if verb not in transitions and verb != "excluir":
            raise HTTPException(status_code=404, detail=_("Operação desconhecida: {verb}").format(verb=verb))

        def work():
            with unit_of_work(runtime.engine) as s:
                doc = service.get_doc(s, cls, doc_id, user=user)
                if verb == "excluir":
                    service.delete_doc(s, doc, user=user, runtime=runtime)
                    return None
                fn, _flash = transitions[verb]
                return fn(s, doc, user=user, runtime=runtime).id

        try:
            new_id = await run_in_threadpool(work)
        except ValidationError as exc:
            ctx = await run_in_threadpool(_form_context, runtime, cls, doc_id, user, message=_summary(exc),
                                          errors=exc.errors)
            return render(request, "doctype/form.html", status_code=422, **ctx)
        if verb == "excluir":
            return RedirectResponse(f"/doc/{doctype}?ok=excluido", status_code=303)
        return RedirectResponse(f"/doc/{doctype}/{new_id}?ok={transitions[verb][1]}", status_code=303)

    return router


def build_router(runtime) -> APIRouter:
    """The generic document pages and the REST API of every registered document type."""
    router = APIRouter()
    router.include_router(build_api_router(runtime))
    router.include_router(_html_router(runtime))
    return router


def doctype_menu_items(runtime) -> list:
    """Menu entries for the registered document types that declare a `meta.menu_group`
    (the host app may add them to `registry.menu_items`)."""
    from core.web.registry import MenuItem

    items = []
    for name, cls in sorted(runtime.registry.doctypes.items()):
        group = cls.meta.menu_group
        if group:
            items.append(MenuItem(label=cls.meta.plural, url=f"/doc/{name}", group=group, order=500,
                                  permission=None))
    return items
