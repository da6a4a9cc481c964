"""The document engine's rules, callable without the web.

Every function receives the caller's `Session` and never commits: the caller's
`core.db.unit_of_work` does, and rolls everything back on error, so nothing is half-written.

- `create_doc`, `update_doc`, `delete_doc`, `get_doc`, `list_docs`;
- `submit_doc`, `cancel_doc`, `amend_doc` for submittable types (Frappe's docstatus rules:
  0→0 save, 0→1 submit, 1→1 only `allow_on_submit` fields, 1→2 cancel, 2 is read-only;
  only drafts can be deleted (a submitted or cancelled document keeps its number and history); amend copies a cancelled document into a new draft
  named "<original>-1", "-2"… with `amended_from` pointing to it).

Validation of each save: unknown/read-only fields, type coercion from form text (integers,
money "1.234,56", dates "dd/mm/aaaa" or ISO, sim/não), required, choices, unique (queried before
the insert), links (the target exists), then the class's own `validate(session)`. All problems
are reported together: `ValidationError(message, errors={field: message})`.

Permissions go through `core.auth.has_doc_permission(user, cls, right)`; `user=None` means a
trusted internal call (a service or a migration acting for the system) and skips the check.
Every change writes an audit entry (`core.audit.record`, before/after snapshots) when
`meta.track_changes`, and after commit the `after_document_saved` hook is called.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.doctype.base import Document
from core.doctype.fields import DocField, FieldError, coerce, doc_fields, field_map, is_blank
from core.doctype.meta import DocStatus
from core.errors import NotFound, PermissionDenied, ValidationError
from core.i18n import _
from core.model import Base
from core.plugins import notify_each

log = logging.getLogger(__name__)

RIGHT_LABELS = {
    "read": "consultar", "write": "alterar", "create": "incluir", "delete": "excluir",
    "submit": "confirmar", "cancel": "cancelar", "amend": "retificar",
}
# Columns every document has, managed by the engine (never written from input).
SYSTEM_FIELDS = ("id", "docname", "docstatus", "created_at", "modified_at", "created_by", "modified_by",
                 "amended_from")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class DocEventContext:
    """What `after_document_saved` receives as `ctx`: plain data (the session is closed)."""

    user_id: int | None
    username: str | None
    company_id: int | None


# ---------------------------------------------------------------- lookups

def doctype_class(name: str, runtime=None) -> type[Document] | None:
    """The document class registered as `name` (its table name), or any mapped Document with it."""
    if runtime is None:
        runtime = _current_runtime()
    if runtime is not None:
        cls = runtime.registry.doctypes.get(name)
        if cls is not None:
            return cls
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if isinstance(cls, type) and issubclass(cls, Document) and getattr(cls, "__tablename__", None) == name:
            return cls
    return None


def _current_runtime():
    from core.runtime import current

    try:
        return current()
    except RuntimeError:
        return None


def dynamic_choices(cls, f: DocField) -> list[tuple[Any, str]]:
    """Choices of a field: the declared ones, or `cls.<field>_choices()` when the class offers it
    (e.g. `Reason.kind_choices()` lists the reason kinds registered by the enabled plugins)."""
    if f.choices:
        return [tuple(c) for c in f.choices]
    provider = getattr(cls, f"{f.name}_choices", None)
    if callable(provider):
        return [tuple(c) for c in provider()]
    return []


# ---------------------------------------------------------------- permissions

def can(user, cls, right: str) -> bool:
    """Whether `user` holds `right` on documents of `cls` (None = system: always)."""
    if user is None:
        return True
    from core.auth import has_doc_permission

    return bool(has_doc_permission(user, cls, right))


def check_permission(user, cls, right: str) -> None:
    if not can(user, cls, right):
        raise PermissionDenied(_("Você não tem permissão para {verb} {doc}.").format(
            verb=RIGHT_LABELS.get(right, right), doc=cls.meta.plural.lower()))


# ---------------------------------------------------------------- reading

def get_doc(session: Session, cls: type[Document], id: int, *, user=None) -> Document:
    """The document `id` of `cls`; NotFound (pt-BR) when it does not exist."""
    check_permission(user, cls, "read")
    try:
        key = int(id)
    except (TypeError, ValueError):
        key = None
    doc = session.get(cls, key) if key is not None else None
    if doc is None:
        raise NotFound(_("{doc} {id} não encontrado(a).").format(doc=cls.meta.label, id=id))
    return doc


def filterable_fields(cls) -> dict[str, DocField]:
    """Fields offered as list filters (meta.filters, else the list columns, else every field)."""
    fmap = field_map(cls)
    names = cls.meta.filters or cls.meta.list_columns or tuple(fmap)
    return {n: fmap[n] for n in names if n in fmap}


def list_docs(session: Session, cls: type[Document], *, filters: dict[str, Any] | None = None,
              list_all: bool = False, limit: int = DEFAULT_LIMIT, offset: int = 0,
              order_by: str | None = None, search: str | None = None, user=None) -> tuple[list, int]:
    """Documents of `cls` matching `filters`, and how many match in total.

    `filters` maps a field name to what the operator typed in that column's filter: text fields
    match case-insensitively anywhere ("silva" finds "Ana Silva"); numbers, money, dates,
    choices and links match exactly; sim/não for yes/no fields; "docstatus" filters the status.
    `search` looks for the text in `meta.search_fields`.
    Without filters, search or `list_all` the list shows the newest `limit` documents (offset
    ignored); with any of them the result is ordered by `order_by` (or `meta.order_by`,
    "-field" for descending) and paged with `limit`/`offset`.
    """
    check_permission(user, cls, "read")
    filters = {k: v for k, v in (filters or {}).items() if not is_blank(v)}
    stmt = select(cls)
    conditions, errors = _filter_conditions(cls, filters)
    if search and search.strip():
        cond = _search_condition(cls, search.strip())
        if cond is not None:
            conditions.append(cond)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    for cond in conditions:
        stmt = stmt.where(cond)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    limit = max(1, min(int(limit or DEFAULT_LIMIT), MAX_LIMIT))
    if not filters and not list_all and not (search and search.strip()):
        stmt = stmt.order_by(cls.id.desc()).limit(limit)
    else:
        stmt = _apply_order(cls, stmt, order_by or cls.meta.order_by).limit(limit).offset(max(0, int(offset or 0)))
    return list(session.scalars(stmt)), int(total)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filter_conditions(cls, filters: dict[str, Any]):
    fmap = field_map(cls)
    allowed = filterable_fields(cls)
    conditions, errors = [], {}
    for name, raw in filters.items():
        if name == "docstatus" and cls.meta.submittable:
            value = _status_value(raw)
            if value is None:
                errors[name] = _("Situação inválida: {v}").format(v=raw)
            else:
                conditions.append(cls.docstatus == value)
            continue
        if name == "docname":
            conditions.append(cls.docname.ilike(_like_pattern(str(raw).strip()), escape="\\"))
            continue
        f = allowed.get(name) or fmap.get(name)
        if f is None:
            errors[name] = _("Não é possível filtrar por «{name}».").format(name=name)
            continue
        col = getattr(cls, name)
        kind = f.value_kind if f.kind == "select" else f.kind
        if kind in ("text", "textarea") and f.kind != "select":
            conditions.append(col.ilike(_like_pattern(str(raw).strip()), escape="\\"))
            continue
        try:
            value = coerce(f, raw)
        except FieldError as exc:
            errors[name] = str(exc)
            continue
        if value is not None:
            conditions.append(col == value)
    return conditions, errors


def _status_value(raw) -> int | None:
    text = str(raw).strip().lower()
    for status in DocStatus:
        if text in (str(int(status)), status.label.lower(), status.name.lower()):
            return int(status)
    return None


def _search_condition(cls, text: str):
    from sqlalchemy import or_

    fmap = field_map(cls)
    cols = [getattr(cls, n) for n in cls.meta.search_fields if n in fmap]
    if not cols:
        cols = [getattr(cls, f.name) for f in doc_fields(cls) if f.kind in ("text",)][:3]
    if not cols:
        return None
    pattern = _like_pattern(text)
    return or_(*[c.ilike(pattern, escape="\\") for c in cols] + [cls.docname.ilike(pattern, escape="\\")])


def _apply_order(cls, stmt: Select, order_by: str) -> Select:
    keys = []
    for part in (order_by or "-id").split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("-")
        col = cls.__table__.columns.get(name)
        if col is None:
            raise ValidationError(_("Ordenação inválida: {name}").format(name=name), field="order_by")
        attr = getattr(cls, col.key)
        keys.append(attr.desc() if desc else attr.asc())
    if not any(k for k in (order_by or "").split(",") if k.strip().lstrip("-") == "id"):
        keys.append(cls.id.asc())
    return stmt.order_by(*keys)


# ---------------------------------------------------------------- validation

def _coerce_input(cls, data: dict[str, Any], *,
                  editable: Iterable[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce `data` to column values: (good values, {field: pt-BR error} for the bad ones)."""
    fmap = field_map(cls)
    allowed = set(editable) if editable is not None else None
    values, errors = {}, {}
    for name, raw in data.items():
        f = fmap.get(name)
        if f is None:
            label = name
            errors[name] = (_("O campo «{label}» é preenchido pelo sistema.").format(label=label)
                            if name in SYSTEM_FIELDS else _("Campo desconhecido: {name}").format(name=name))
            continue
        if f.read_only:
            errors[name] = _("O campo «{label}» é somente leitura.").format(label=f.label)
            continue
        if allowed is not None and name not in allowed:
            errors[name] = _("O campo «{label}» não pode ser alterado em um documento confirmado.").format(
                label=f.label)
            continue
        try:
            values[name] = coerce(f, raw)
        except FieldError as exc:
            errors[name] = str(exc)
    return values, errors


def fmap_names(cls) -> set[str]:
    return set(field_map(cls))


def _column_default(f: DocField):
    default = f.column.default
    if default is None or not getattr(default, "is_scalar", False):
        return None
    return default.arg


def _has_callable_default(f: DocField) -> bool:
    default = f.column.default
    return default is not None and not getattr(default, "is_scalar", False)


def validate_doc(session: Session, doc: Document, *, errors: dict[str, str] | None = None) -> None:
    """Check `doc` as it stands (required, choices, unique, links, class rules); raise
    ValidationError with every problem found, keyed by field. `errors` are problems already
    found in the input (bad types): they are reported together with the rest."""
    cls = type(doc)
    errors = dict(errors or {})
    for f in doc_fields(cls):
        if f.name in errors:
            continue
        value = getattr(doc, f.name)
        if value is None and f.required:
            if _has_callable_default(f):
                continue
            errors[f.name] = _("O campo «{label}» é obrigatório.").format(label=f.label)
            continue
        if isinstance(value, str) and value == "" and f.required:
            errors[f.name] = _("O campo «{label}» é obrigatório.").format(label=f.label)
            continue
        if value is None:
            continue
        choices = dynamic_choices(cls, f)
        if choices and str(value) not in {str(c[0]) for c in choices}:
            errors[f.name] = _("O valor «{value}» não é uma opção válida para «{label}».").format(
                value=value, label=f.label)
            continue
        if f.kind == "link":
            target = doctype_class(f.link)
            if target is None:
                errors[f.name] = _("O campo «{label}» aponta para um tipo de documento desconhecido: {t}.").format(
                    label=f.label, t=f.link)
            elif session.get(target, value) is None:
                errors[f.name] = _("{target} {value} não existe (campo «{label}»).").format(
                    target=target.meta.label, value=value, label=f.label)
            continue
        if f.unique:
            stmt = select(cls.id).where(getattr(cls, f.name) == value)
            if doc.id is not None:
                stmt = stmt.where(cls.id != doc.id)
            with session.no_autoflush:
                taken = session.scalar(stmt.limit(1))
            if taken is not None:
                errors[f.name] = _("Já existe {doc} com {label} «{value}».").format(
                    doc=cls.meta.label.lower(), label=f.label, value=value)
    _unique_constraints(session, doc, errors)
    if not errors:
        try:
            with session.no_autoflush:
                doc.validate(session)
        except ValidationError as exc:
            errors.update(exc.errors or {"__all__": str(exc)})
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)


def _unique_constraints(session: Session, doc: Document, errors: dict[str, str]) -> None:
    """Multi-column unique constraints (e.g. Reason: kind + code) checked before the insert."""
    from sqlalchemy import UniqueConstraint

    cls = type(doc)
    fmap = field_map(cls)
    for cons in cls.__table__.constraints:
        if not isinstance(cons, UniqueConstraint) or len(cons.columns) < 2:
            continue
        cols = list(cons.columns)
        values = [getattr(doc, c.key) for c in cols]
        if any(v is None for v in values) or any(c.key in errors for c in cols):
            continue
        stmt = select(cls.id).where(*[getattr(cls, c.key) == v for c, v in zip(cols, values)])
        if doc.id is not None:
            stmt = stmt.where(cls.id != doc.id)
        with session.no_autoflush:
            taken = session.scalar(stmt.limit(1))
        if taken is not None:
            labels = [fmap[c.key].label if c.key in fmap else c.key for c in cols]
            shown = ", ".join(f"{lb} «{v}»" for lb, v in zip(labels, values))
            errors[cols[-1].key] = _("Já existe {doc} com {fields}.").format(doc=cls.meta.label.lower(), fields=shown)


@contextmanager
def _savepoint(session: Session, cls, message: str | None = None) -> Iterator[None]:
    """Make the changes of the block inside a savepoint and flush them there.

    Any error takes back exactly what the block did (the objects it touched are expired, so they
    read their stored values again) and leaves the caller's transaction usable. A constraint the
    checks could not see — a concurrent insert of the same unique value, a record still
    referenced elsewhere — becomes a ValidationError with a pt-BR message.
    Opening the savepoint flushes the caller's earlier pending work first, outside it.
    """
    savepoint = session.begin_nested()
    try:
        yield
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        raise ValidationError(message or _("Não foi possível gravar {doc}: um valor único já está em uso ou um "
                                           "vínculo é inválido.").format(doc=cls.meta.label.lower())) from exc
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


# ---------------------------------------------------------------- audit, naming, events

def _audit(session: Session, doc: Document, action: str, user, before: dict | None, after: dict | None) -> None:
    if not type(doc).meta.track_changes:
        return
    from core.audit import record

    record(session, action=action, target_kind=type(doc).doctype_name(), target_id=doc.id, user=user,
           before=before, after=after, company_id=getattr(doc, "company_id", None))


def _snapshot(doc: Document) -> dict:
    from core.audit import snapshot

    return snapshot(doc)


def _draw_name(session: Session, doc: Document, when: date | None = None) -> None:
    pattern = type(doc).meta.naming
    if not pattern or doc.docname:
        return
    from core.numbering import next_name

    doc.docname = next_name(session, pattern, kind=f"doc:{type(doc).doctype_name()}",
                            company_id=getattr(doc, "company_id", None), when=when)


def _notify(session: Session, doc: Document, event: str, user, runtime=None) -> None:
    runtime = runtime or session.info.get("runtime") or _current_runtime()
    if runtime is None:
        return
    doctype, record_id = type(doc).doctype_name(), doc.id
    ctx = DocEventContext(getattr(user, "id", None), getattr(user, "username", None),
                          getattr(doc, "company_id", None))
    from core.db import after_commit

    def fire():
        # The change is committed; a failing listener must not turn it into an error.
        notify_each(runtime.hook.after_document_saved, doctype=doctype, record_id=record_id, event=event, ctx=ctx)

    after_commit(session, fire)


def _stamp(doc: Document, user, *, creating: bool) -> None:
    uid = getattr(user, "id", None)
    if creating:
        doc.created_by = uid
    doc.modified_by = uid


# ---------------------------------------------------------------- writing

def create_doc(session: Session, cls: type[Document], data: dict[str, Any], *, user=None, runtime=None) -> Document:
    """Validate `data` and insert a new document (a draft for submittable types).

    Non-submittable types with a naming series get their `docname` now; submittable ones get
    it when submitted. Returns the flushed document (with its id)."""
    check_permission(user, cls, "create")
    values, input_errors = _coerce_input(cls, data)
    doc = cls()
    for f in doc_fields(cls):
        if f.name in values:
            setattr(doc, f.name, values[f.name])
        elif getattr(doc, f.name) is None:
            default = _column_default(f)
            if default is not None:
                setattr(doc, f.name, default)
    doc.docstatus = int(DocStatus.DRAFT)
    validate_doc(session, doc, errors=input_errors)
    _stamp(doc, user, creating=True)
    with _savepoint(session, cls):
        if not cls.meta.submittable:
            _draw_name(session, doc)
        session.add(doc)
    _audit(session, doc, "create", user, None, _snapshot(doc))
    _notify(session, doc, "created", user, runtime)
    return doc


def update_doc(session: Session, doc: Document, data: dict[str, Any], *, user=None, runtime=None) -> Document:
    """Change fields of `doc`. Drafts (and non-submittable documents) accept any field; submitted
    documents only `allow_on_submit` fields; cancelled documents nothing."""
    cls = type(doc)
    check_permission(user, cls, "write")
    status = doc.status
    if status == DocStatus.CANCELLED:
        raise ValidationError(_("{doc} {name} está cancelado(a) e não pode ser alterado(a).").format(
            doc=cls.meta.label, name=doc.title))
    editable = None
    if status == DocStatus.SUBMITTED:
        editable = [f.name for f in doc_fields(cls) if f.info.allow_on_submit]
    values, input_errors = _coerce_input(cls, data, editable=editable)
    if input_errors and any(k not in fmap_names(cls) or k in SYSTEM_FIELDS for k in input_errors):
        raise ValidationError(next(iter(input_errors.values())), errors=input_errors)
    before = _snapshot(doc)
    changed = {k: v for k, v in values.items() if getattr(doc, k) != v}
    if not changed and not input_errors:
        return doc
    with _savepoint(session, cls):  # a refusal leaves `doc` as it was stored
        for name, value in changed.items():
            setattr(doc, name, value)
        validate_doc(session, doc, errors=input_errors)
        _stamp(doc, user, creating=False)
    _audit(session, doc, "update", user, before, _snapshot(doc))
    _notify(session, doc, "updated", user, runtime)
    return doc


def delete_doc(session: Session, doc: Document, *, user=None, runtime=None) -> None:
    """Delete `doc`. Submittable types: only drafts (submitted and cancelled documents keep their
    number and history)."""
    cls = type(doc)
    check_permission(user, cls, "delete")
    if cls.meta.submittable and doc.status == DocStatus.SUBMITTED:
        raise ValidationError(_("{doc} {name} está confirmado(a): cancele-o(a) em vez de excluir.").format(
            doc=cls.meta.label, name=doc.title))
    if cls.meta.submittable and doc.status == DocStatus.CANCELLED:
        raise ValidationError(_("{doc} {name} está cancelado(a) e é mantido(a) para preservar a numeração e o "
                                "histórico.").format(doc=cls.meta.label, name=doc.title))
    before = _snapshot(doc)
    record_id = doc.id
    refused = _("Não foi possível excluir {doc} {name}: há outros registros que dependem dele(a).").format(
        doc=cls.meta.label, name=doc.title)
    with _savepoint(session, cls, refused):
        session.delete(doc)
    if cls.meta.track_changes:
        from core.audit import record

        record(session, action="delete", target_kind=cls.doctype_name(), target_id=record_id, user=user,
               before=before, after=None, company_id=before.get("company_id"))
    _notify(session, doc, "deleted", user, runtime)


def _require_submittable(cls) -> None:
    if not cls.meta.submittable:
        raise ValidationError(_("{doc}: este tipo de documento não tem confirmação, cancelamento ou retificação.").format(
            doc=cls.meta.label))


def submit_doc(session: Session, doc: Document, *, user=None, runtime=None) -> Document:
    """Draft → submitted. The document is validated again and gets its `docname` from the naming
    series now (drafts never consume a number)."""
    cls = type(doc)
    _require_submittable(cls)
    check_permission(user, cls, "submit")
    if doc.status != DocStatus.DRAFT:
        raise ValidationError(_("Somente rascunhos podem ser confirmados; {name} está «{status}».").format(
            name=doc.title, status=doc.status.label))
    validate_doc(session, doc)
    before = _snapshot(doc)
    with _savepoint(session, cls):
        doc.docstatus = int(DocStatus.SUBMITTED)
        _draw_name(session, doc)
        _stamp(doc, user, creating=False)
    _audit(session, doc, "submit", user, before, _snapshot(doc))
    _notify(session, doc, "submitted", user, runtime)
    return doc


def cancel_doc(session: Session, doc: Document, *, user=None, runtime=None) -> Document:
    """Submitted → cancelled (read-only from then on; amend makes a corrected copy)."""
    cls = type(doc)
    _require_submittable(cls)
    check_permission(user, cls, "cancel")
    if doc.status != DocStatus.SUBMITTED:
        raise ValidationError(_("Somente documentos confirmados podem ser cancelados; {name} está «{status}».").format(
            name=doc.title, status=doc.status.label))
    before = _snapshot(doc)
    with _savepoint(session, cls):
        doc.docstatus = int(DocStatus.CANCELLED)
        _stamp(doc, user, creating=False)
    _audit(session, doc, "cancel", user, before, _snapshot(doc))
    _notify(session, doc, "cancelled", user, runtime)
    return doc


def lineage(session: Session, doc: Document) -> list[Document]:
    """The amendment chain ending at `doc`: [original, first amendment, …, doc]."""
    cls = type(doc)
    chain = [doc]
    seen = {doc.id}
    current = doc
    while current.amended_from is not None and current.amended_from not in seen:
        current = session.get(cls, current.amended_from)
        if current is None:
            break
        seen.add(current.id)
        chain.append(current)
    return list(reversed(chain))


def amend_doc(session: Session, doc: Document, *, user=None, runtime=None) -> Document:
    """Copy a cancelled document into a new draft that keeps the lineage.

    The copy has every field of `doc`, `amended_from = doc.id` and the name of the original
    followed by "-1" (then "-2" when the amendment is itself cancelled and amended…). A cancelled
    document is amended at most once."""
    cls = type(doc)
    _require_submittable(cls)
    check_permission(user, cls, "amend")
    if doc.status != DocStatus.CANCELLED:
        raise ValidationError(_("Somente documentos cancelados podem ser retificados; {name} está «{status}».").format(
            name=doc.title, status=doc.status.label))
    existing = session.scalar(select(cls).where(cls.amended_from == doc.id).limit(1))
    if existing is not None:
        raise ValidationError(_("{name} já foi retificado(a) por {other}.").format(name=doc.title, other=existing.title))
    chain = lineage(session, doc)
    root = chain[0]
    base_name = root.docname or str(root.id)
    copy = cls()
    for col in cls.__table__.columns:
        if col.key not in SYSTEM_FIELDS:
            setattr(copy, col.key, getattr(doc, col.key))
    copy.docstatus = int(DocStatus.DRAFT)
    copy.amended_from = doc.id
    copy.docname = f"{base_name}-{len(chain)}"
    _stamp(copy, user, creating=True)
    with _savepoint(session, cls):
        session.add(copy)
    _audit(session, copy, "amend", user, None, _snapshot(copy))
    _notify(session, copy, "amended", user, runtime)
    return copy
