"""Record history `/historico/{target_kind}/{id}`: who, when, what, why, and each field's change."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from core.web.deps import current_user
from core.web.templating import _fmt_date, render

router = APIRouter()

ACTION_LABELS = {
    "create": "Inclusão", "update": "Alteração", "delete": "Exclusão", "submit": "Confirmação",
    "cancel": "Cancelamento", "amend": "Retificação",
}


def action_label(runtime, action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    registered = runtime.registry.actions.get(action) if runtime is not None else None
    return getattr(registered, "label", None) or action


def _doc_fields(runtime, target_kind: str):
    """The declared fields of a document type (None when `target_kind` is not one)."""
    cls = runtime.registry.doctypes.get(target_kind) if runtime is not None else None
    if cls is None:
        return None
    from core.doctype import fields_of

    return fields_of(cls)


def _show(value, info=None) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "Sim"
    if value is False:
        return "Não"
    choices = getattr(info, "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return _fmt_date(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return _fmt_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def history_rows(runtime, entries, target_kind: str) -> list[dict]:
    """Audit entries as the history table shows them: pt-BR labels, choice labels, dates in
    pt-BR, before → after per field. For a document type only its declared fields (and its
    status) are listed; internal columns (search copies, timestamps) are left out."""
    from core.doctype import DocStatus

    fields = _doc_fields(runtime, target_kind)
    rows = []
    for e in entries:
        changes = []
        for key, pair in sorted((e.changes or {}).items()):
            before, after = (list(pair) + [None, None])[:2] if isinstance(pair, (list, tuple)) else (None, pair)
            if fields is not None:
                if key == "docstatus":
                    label = "Situação"
                    before = DocStatus(int(before)).label if before is not None else None
                    after = DocStatus(int(after)).label if after is not None else None
                    if e.action == "create":
                        continue
                elif key in fields and not fields[key].hidden:
                    label = fields[key].label
                else:
                    continue
                info = fields.get(key)
            else:
                known = runtime.registry.history_kinds.get(target_kind) if runtime is not None else None
                label, info = (known.fields.get(key, key) if known else key), None
            changes.append({"field": label, "before": _show(before, info), "after": _show(after, info)})
        rows.append({"at": e.at, "who": e.username or (f"usuário {e.user_id}" if e.user_id else "sistema"),
                     "action": action_label(runtime, e.action), "reason": e.reason,
                     "justification": e.justification, "changes": changes})
    return rows


def _title(runtime, session, target_kind: str, target_id: int) -> str:
    cls = runtime.registry.doctypes.get(target_kind)
    if cls is None:
        known = runtime.registry.history_kinds.get(target_kind)
        if known is None:
            return f"{target_kind} {target_id}"
        name = known.title(session, target_id) if known.title else None
        return f"{known.label}: {name}" if name else f"{known.label} {target_id}"
    obj = session.get(cls, target_id)
    label = cls.meta.label if hasattr(cls, "meta") else target_kind
    return f"{label}: {obj.title}" if obj is not None else f"{label} {target_id}"


@router.get("/historico/{target_kind}/{target_id}", include_in_schema=False)
async def history_page(request: Request, target_kind: str, target_id: int, user=Depends(current_user)):
    runtime = request.app.state.runtime
    cls = runtime.registry.doctypes.get(target_kind)
    if cls is not None:
        from core.web.pages.common import require_doc_right

        require_doc_right(user, cls, "read")
    else:  # not a document type: its registered permission, or the audit permission, decides
        from core.auth import has_permission, require_permission

        known = runtime.registry.history_kinds.get(target_kind)
        if known is None or not has_permission(user, known.permission):
            require_permission(user, "core.audit.view")

    def load():
        from core.audit import history
        from core.db import unit_of_work

        with unit_of_work(runtime.engine, readonly=True) as session:
            entries = history(session, target_kind, target_id)
            return _title(runtime, session, target_kind, target_id), history_rows(runtime, entries, target_kind)

    title, rows = await run_in_threadpool(load)
    return render(request, "history.html", title=title, entries=rows, target_kind=target_kind,
                  target_id=target_id)
