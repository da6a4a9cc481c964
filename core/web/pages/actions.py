"""Generic bulk-action dialog: parameters form, blockers preview, run and per-record result.

- `GET  /acoes/{name}/dialogo?ids=1,2,3` — the modal: the action's parameters form (built from
  its pydantic model; a parameter with `json_schema_extra={"choices": "<provider>"}` becomes a
  select filled by `core.choices`; a `Literal` is a select whose option labels may come from
  `json_schema_extra={"labels": {value: label}}`; reason select when the action has a `reason_kind`;
  justification; the confirmation question as a required checkbox) and the preview per record:
  blockers (red, the record is left out) and warnings (yellow, the operator may still run);
- `POST /acoes/{name}/previa` — the preview again with the parameters typed so far;
- `POST /acoes/{name}/executar` — `core.actions.run_action`; per record: done, or refused with
  every reason. Missing permission ⇒ 403 (the button is also shown disabled, see
  `action_button` in `core.web.templating`).
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from pydantic_core import PydanticUndefined
from starlette.concurrency import run_in_threadpool

from core.choices import choices_name
from core.errors import ValidationError
from core.i18n import _
from core.web.deps import current_user
from core.web.pages.common import parse_ids
from core.web.templating import render

router = APIRouter()

KERNEL_PARAMS = ("reason", "justification", "confirmed")


def _unwrap(annotation):
    """`X | None` / `Optional[X]` ⇒ (X, True)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def form_fields(model) -> list[dict]:
    """The inputs of an action's own parameters (kernel parameters are drawn separately)."""
    out = []
    for name, info in model.model_fields.items():
        if name in KERNEL_PARAMS:
            continue
        ann, optional = _unwrap(info.annotation)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        spec = {"name": name, "label": info.title or info.description or name.replace("_", " ").capitalize(),
                "required": info.is_required(), "help": info.description if info.title else None,
                "default": None if info.default is PydanticUndefined or info.default is None else info.default,
                "input": "text", "choices": None, "choices_from": choices_name(info)}
        if spec["choices_from"]:
            spec["input"] = "select"
            spec["choices"] = []  # filled by `resolve_field_choices` (needs a session and the user)
        elif typing.get_origin(ann) is typing.Literal:
            spec["input"] = "select"
            labels = extra.get("labels") if isinstance(extra.get("labels"), dict) else {}
            spec["choices"] = [(str(v), str(labels.get(v, v))) for v in typing.get_args(ann)]
        elif isinstance(ann, type) and issubclass(ann, enum.Enum):
            spec["input"] = "select"
            spec["choices"] = [(str(m.value), getattr(m, "label", None) or str(m.value)) for m in ann]
            if isinstance(spec["default"], enum.Enum):
                spec["default"] = spec["default"].value
        elif ann is bool:
            spec["input"] = "checkbox"
        elif ann is datetime:
            spec["input"] = "datetime-local"
        elif ann is date:
            spec["input"] = "date"
            if isinstance(spec["default"], date):
                spec["default"] = spec["default"].isoformat()
        elif ann is int:
            spec["input"] = "number"
        elif ann is Decimal:
            spec["input"] = "decimal"
        elif extra.get("widget") == "textarea":
            spec["input"] = "textarea"
        out.append(spec)
    return out


def resolve_field_choices(runtime, user, fields: list[dict]) -> list[dict]:
    """Fill the options of the fields whose choices come from a `core.choices` provider; the
    provider's default is preselected when the parameter has none of its own."""
    wanted = [f for f in fields if f.get("choices_from")]
    if not wanted:
        return fields
    from core.choices import resolve_choices
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as session:
        for f in wanted:
            found = resolve_choices(f["choices_from"], runtime, session, user)
            f["choices"] = list(found.options)
            if f["default"] is None and found.default is not None:
                f["default"] = found.default
    return fields


def _record_titles(runtime, action, ids: list[int]) -> dict[int, str]:
    from core.actions import load_records
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as session:
        records = load_records(session, action, ids)
        titles = {}
        for r in records:
            title = getattr(r, "title", None)
            titles[r.id] = str(title) if title else f"Registro {r.id}"
        return titles


def _reasons(runtime, kind: str | None) -> tuple[list[dict], list[str]]:
    """The action's reasons and standard justifications of its kind (both empty without one)."""
    if not kind:
        return [], []
    from core.actions import justifications_for, reasons_for
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as session:
        reasons = [{"id": r.id, "code": r.code, "description": r.description,
                    "requires_justification": r.requires_justification} for r in reasons_for(session, kind)]
        return reasons, justifications_for(session, kind)


def _clean_params(form) -> dict:
    """Form values ⇒ action parameters (empty inputs are left out so defaults apply)."""
    params = {}
    for key, value in form.multi_items():
        if key in ("csrf_token", "ids"):
            continue
        if isinstance(value, str) and value.strip() == "":
            continue
        params[key] = value.strip() if isinstance(value, str) else value
    return params


def _dialog_context(runtime, user, name: str, ids: list[int], params: dict, errors: dict | None = None):
    from core.actions import get_action, preview_action

    action = get_action(runtime, name)
    preview = preview_action(runtime, name, ids, params, user)  # PermissionDenied ⇒ 403
    titles = _record_titles(runtime, action, ids)
    kind_label = runtime.registry.reason_kinds.get(action.reason_kind, action.reason_kind) if action.reason_kind else None
    reasons, justifications = _reasons(runtime, action.reason_kind)
    return {
        "action": action, "ids": ids, "ids_csv": ",".join(str(i) for i in ids),
        "fields": resolve_field_choices(runtime, user, form_fields(action.params)),
        "reasons": reasons, "justifications": justifications, "reason_kind_label": kind_label,
        "values": params, "errors": errors or {}, "preview": preview, "titles": titles,
    }


@router.get("/acoes/{name}/dialogo", include_in_schema=False)
async def action_dialog(request: Request, name: str, ids: str = "", user=Depends(current_user)):
    runtime = request.app.state.runtime
    id_list = parse_ids(ids)
    if not id_list:
        raise ValidationError(_("Selecione ao menos um registro."), field="ids")
    ctx = await run_in_threadpool(_dialog_context, runtime, user, name, id_list, {})
    return render(request, "actions/dialog.html", **ctx)


@router.post("/acoes/{name}/previa", include_in_schema=False)
async def action_preview(request: Request, name: str, user=Depends(current_user)):
    runtime = request.app.state.runtime
    form = await request.form()
    id_list = parse_ids(form.getlist("ids"))
    ctx = await run_in_threadpool(_dialog_context, runtime, user, name, id_list, _clean_params(form))
    return render(request, "actions/preview.html", **ctx)


@router.post("/acoes/{name}/executar", include_in_schema=False)
async def action_run(request: Request, name: str, user=Depends(current_user)):
    from core.actions import get_action, run_action

    runtime = request.app.state.runtime
    form = await request.form()
    id_list = parse_ids(form.getlist("ids"))
    params = _clean_params(form)
    action = get_action(runtime, name)
    try:
        result = await run_in_threadpool(run_action, runtime, name, id_list, params, user)
    except ValidationError as exc:
        errors = dict(exc.errors) or {exc.field or "__all__": str(exc)}
        ctx = await run_in_threadpool(_dialog_context, runtime, user, name, id_list, params, errors)
        return render(request, "actions/dialog.html", error=str(exc), **ctx)
    titles = await run_in_threadpool(_record_titles, runtime, action, id_list)
    resp = render(request, "actions/result.html", action=action, result=result, titles=titles, ids=id_list)
    resp.headers["HX-Trigger"] = "quita:action-done"
    return resp
