"""Actions and guards: one operation (remove invoice, suspend account, settle…) on many records.

An `Action` is registered by a plugin through `register_actions`. Running it
(`run_action(runtime, name, ids, params, user)`) is one unit of work:

1. permission check — `PermissionDenied` (pt-BR) when the user lacks `action.permission`;
2. parameters validated by the action's pydantic model — `ValidationError` naming the field;
   confirmation (`action.confirm`, "Tem certeza…?") requires `confirmed` in the parameters;
   with `action.reason_kind` an active `Reason` of that kind is required (`reason`: id or code),
   plus a `justification` when the reason demands one;
3. blockers: the kernel's checks, the action's own `check`, and every enabled plugin's
   `action_blockers` hook — all of them, so each refused record is reported with all its reasons;
   then warnings (`Advice`) on the allowed records: the action's own `warn` and every plugin's
   `action_warnings` hook. A warning does not forbid anything: the dialog shows it (yellow) before
   the operator confirms and the result carries it (`ActionResult.warnings`);
4. `action.run(ctx, allowed_records, params)` on the allowed records only, in the same
   transaction, followed by one audit entry per processed record (before/after snapshot, reason,
   justification);
5. commit; then the `after_action` hook (after commit, outside the transaction).

Any exception in steps 1–4 rolls everything back: nothing is half-written.
`preview_action` runs steps 1–3 in a read-only transaction and writes nothing (its result has the
same `refused` and `warnings` the run would have, given the same state and parameters).

Parameters the kernel reads itself (and removes before validating the action's own model, unless
that model declares them): `reason`, `justification`, `confirmed`.
"""

from __future__ import annotations

import logging
import re
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError as PydanticValidationError
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core import audit
from core.auth import has_permission, permission_label
from core.db import after_commit, unit_of_work
from core.errors import NotFound, PermissionDenied, ValidationError
from core.i18n import _
from core.model import utcnow
from core.money import parse_money
from core.models.reasons import Reason

log = logging.getLogger(__name__)

KERNEL_PARAMS = ("reason", "justification", "confirmed")
_TRUE = {"1", "true", "on", "sim", "yes", "s"}
_CHUNK = 500


@dataclass(frozen=True)
class Blocker:
    """Why one record may not undergo an action: a stable code and a pt-BR message."""

    record_id: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Advice:
    """A warning about one record: the action may run on it, but the operator should know first
    (a stable code and a pt-BR message, e.g. the customer has older open invoices)."""

    record_id: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "code": self.code, "message": self.message}


class NoParams(BaseModel):
    """Parameters of an action that needs none."""

    model_config = ConfigDict(extra="ignore")


@dataclass
class ActionContext:
    """What an action's `run`, `check` and the guard hooks receive.

    `session` is the action's unit of work (closed by the time `after_action` runs); `reason` is
    the validated `Reason` (when the action asks for one) and `justification` the operator's text.
    """

    session: Session | None
    user: Any
    runtime: Any
    company_id: int | None = None
    now: datetime = field(default_factory=utcnow)
    reason: Reason | None = None
    justification: str | None = None
    preview: bool = False


@dataclass(frozen=True)
class Action:
    """An operation on one or many records of `target` (a mapped class with an integer `id`).

    - `run(ctx, records, params)`: does the work on the allowed records; writes through
      `ctx.session`, never commits.
    - `params`: pydantic model of what the operator fills in.
    - `confirm`: pt-BR confirmation question; when set, `confirmed` must be true to run.
    - `reason_kind`: when set, an active reason of this kind is required.
    - `check(ctx, records, params)`: optional blockers of the action itself (read only).
    - `warn(ctx, records, params)`: optional warnings (`Advice`) of the action itself on the
      records it may process (read only; shown before confirming, returned in the result).
    """

    name: str
    label: str
    target: type
    permission: str
    run: Callable[[ActionContext, list, BaseModel], None]
    params: type[BaseModel] = NoParams
    confirm: str | None = None
    reason_kind: str | None = None
    description: str = ""
    check: Callable[[ActionContext, list, BaseModel], Iterable[Blocker] | None] | None = None
    warn: Callable[[ActionContext, list, BaseModel], Iterable[Advice] | None] | None = None

    @property
    def target_kind(self) -> str:
        return target_kind_of(self.target)


@dataclass
class ActionResult:
    """Outcome of an action (or of its preview): ids processed, ids refused with blockers, and
    warnings (`Advice`) on processed ids — computed before the run, on the records as they were."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: dict[int, list[Blocker]] = field(default_factory=dict)
    warnings: dict[int, list[Advice]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "done": list(self.done),
            "refused": {rid: [b.as_dict() for b in blockers] for rid, blockers in self.refused.items()},
            "warnings": {rid: [w.as_dict() for w in advice] for rid, advice in self.warnings.items()},
            "done_count": len(self.done),
            "refused_count": len(self.refused),
            "warning_count": len(self.warnings),
        }


def target_kind_of(target: type) -> str:
    name = getattr(target, "doctype_name", None)
    return name() if callable(name) else target.__tablename__


def get_action(runtime, name: str) -> Action:
    action = runtime.registry.actions.get(name)
    if action is None:
        raise NotFound(_("Ação desconhecida: {name}").format(name=name))
    return action


def actions_for(runtime, target_kind: str) -> list[Action]:
    """Registered actions whose target is `target_kind`, by label."""
    found = [a for a in runtime.registry.actions.values() if target_kind_of(a.target) == target_kind]
    return sorted(found, key=lambda a: a.label)


def can_run(user, action: Action) -> bool:
    """Whether the UI should offer the action to `user` enabled."""
    return has_permission(user, action.permission)


def justifications_for(session: Session, kind: str) -> list[str]:
    """Active standard justification texts of one kind (offered in the action dialog)."""
    from core.models.reasons import Justification

    stmt = (select(Justification.text).where(Justification.kind == kind, Justification.active.is_(True))
            .order_by(Justification.text))
    return list(session.scalars(stmt))


def reasons_for(session: Session, kind: str) -> list[Reason]:
    """Active reasons of one kind, by code (for the operator's choice list)."""
    stmt = select(Reason).where(Reason.kind == kind, Reason.active.is_(True)).order_by(Reason.code)
    return list(session.scalars(stmt))


# --- validation -------------------------------------------------------------------------------

def _check_permission(user, action: Action) -> None:
    if not has_permission(user, action.permission):
        raise PermissionDenied(
            _("Você não tem permissão para “{label}” ({perm}).").format(
                label=action.label, perm=permission_label(action.permission)))


def _field_label(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    return (info.title or info.description or name) if info else name


_DETAILS = {
    "string_too_short": "deve ter pelo menos {min_length} caractere(s)",
    "string_too_long": "deve ter no máximo {max_length} caracteres",
    "string_type": "deve ser um texto",
    "string_pattern_mismatch": "formato inválido",
    "int_parsing": "deve ser um número inteiro",
    "int_type": "deve ser um número inteiro",
    "int_from_float": "deve ser um número inteiro",
    "float_parsing": "deve ser um número",
    "decimal_parsing": "deve ser um número",
    "decimal_max_places": "no máximo {decimal_places} casas decimais",
    "bool_parsing": "deve ser sim ou não",
    "date_parsing": "data inválida (use dd/mm/aaaa ou aaaa-mm-dd)",
    "date_from_datetime_parsing": "data inválida (use dd/mm/aaaa ou aaaa-mm-dd)",
    "date_type": "data inválida",
    "datetime_parsing": "data e hora inválidas",
    "datetime_from_date_parsing": "data e hora inválidas",
    "greater_than": "deve ser maior que {gt}",
    "greater_than_equal": "deve ser maior ou igual a {ge}",
    "less_than": "deve ser menor que {lt}",
    "less_than_equal": "deve ser menor ou igual a {le}",
    "literal_error": "escolha uma das opções: {expected}",
    "enum": "escolha uma das opções: {expected}",
    "list_type": "deve ser uma lista",
    "extra_forbidden": "campo não permitido",
}


def _pydantic_detail(err: dict) -> str:
    """A pt-BR rendering of one pydantic error (a custom validator's own message is kept)."""
    kind = err.get("type", "")
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        return msg
    template = _DETAILS.get(kind)
    if template is None:
        return _("valor inválido")
    try:
        return _(template).format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return _("valor inválido")


def _validation_error(model: type[BaseModel], exc: PydanticValidationError) -> ValidationError:
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc") or ()
        name = str(loc[0]) if loc else "__all__"
        label = _field_label(model, name)
        if err.get("type") == "missing":
            msg = _("Campo obrigatório: {label}").format(label=label)
        else:
            msg = _("Valor inválido em {label}: {detail}").format(label=label, detail=_pydantic_detail(err))
        errors.setdefault(name, msg)
    first = next(iter(errors))
    return ValidationError(errors[first], field=first, errors=errors)


def validate_params(action: Action, params: dict[str, Any] | None, *, strict: bool = True) -> BaseModel:
    """The action's parameters model built from `params` (ValidationError names the field).

    With `strict=False` (previews) invalid input falls back to an unvalidated model.
    """
    model = action.params
    data = {k: v for k, v in (params or {}).items() if k not in KERNEL_PARAMS or k in model.model_fields}
    data = _coerce_br(model, data)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        if not strict:
            return model.model_construct(**data)
        raise _validation_error(model, exc) from None


_BR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _accepts(annotation, kind: type) -> bool:
    if annotation is kind:
        return True
    return kind in typing.get_args(annotation)


def _coerce_br(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Operators type Brazilian formats: "31/12/2026" for dates, "1.234,56" for decimals."""
    out = dict(data)
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None or not isinstance(value, str):
            continue
        text = value.strip()
        if _accepts(info.annotation, date) and not _accepts(info.annotation, datetime):
            m = _BR_DATE.match(text)
            if m:
                day, month, year = (int(g) for g in m.groups())
                out[name] = f"{year:04d}-{month:02d}-{day:02d}"
        elif _accepts(info.annotation, Decimal) and "," in text:
            try:
                out[name] = parse_money(text)
            except ValueError:
                pass  # left as typed: the model's own validation names the field
    return out


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _check_confirmation(action: Action, params: dict[str, Any]) -> None:
    if action.confirm and not _truthy(params.get("confirmed")):
        raise ValidationError(_("Confirme a operação: {question}").format(question=action.confirm),
                              field="confirmed")


def resolve_reason(session: Session, runtime, action: Action, params: dict[str, Any]) -> tuple[Reason | None, str | None]:
    """The action's reason (active, of its kind) and the justification; ValidationError otherwise."""
    justification = (str(params.get("justification") or "").strip()) or None
    if not action.reason_kind:
        return None, justification
    value = params.get("reason")
    if value is None or str(value).strip() == "":
        raise ValidationError(_("Informe o motivo."), field="reason")
    stmt = select(Reason).where(Reason.kind == action.reason_kind)
    text = str(value).strip()
    if isinstance(value, int) or text.isdigit():
        reason = session.scalar(stmt.where(Reason.id == int(text)))
        if reason is None:
            reason = session.scalar(stmt.where(Reason.code == text))
    else:
        reason = session.scalar(stmt.where(Reason.code == text))
    kind_label = runtime.registry.reason_kinds.get(action.reason_kind, action.reason_kind)
    if reason is None:
        raise ValidationError(_("Motivo inexistente para {kind}: {value}").format(kind=kind_label, value=text),
                              field="reason")
    if not reason.active:
        raise ValidationError(_("O motivo {code} está inativo.").format(code=reason.code), field="reason")
    if reason.requires_justification and not justification:
        raise ValidationError(_("O motivo {code} exige uma justificativa.").format(code=reason.code),
                              field="justification")
    return reason, justification


# --- blockers ---------------------------------------------------------------------------------

def _clean_ids(ids: Iterable[int]) -> list[int]:
    out: dict[int, None] = {}
    for raw in ids:
        try:
            rid = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(_("Identificador de registro inválido: {v}").format(v=raw), field="ids") from None
        out[rid] = None
    return list(out)


def load_records(session: Session, action: Action, ids: list[int]) -> list:
    """The target records with these ids, in the order given (missing ids are left out)."""
    found: dict[int, Any] = {}
    target = action.target
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for obj in session.scalars(select(target).where(target.id.in_(chunk))):
            found[obj.id] = obj
    return [found[i] for i in ids if i in found]


def collect_blockers(runtime, session: Session, action: Action, records: list, params: BaseModel, user,
                     *, ctx: ActionContext | None = None) -> dict[int, list[Blocker]]:
    """Every reason that forbids `action` on each record: kernel checks, the action's own
    `check`, and the `action_blockers` hook of every enabled plugin. Read only."""
    ctx = ctx or ActionContext(session=session, user=user, runtime=runtime,
                               company_id=getattr(user, "company_id", None))
    found: list[Blocker] = []
    if ctx.company_id is not None:
        for rec in records:
            rec_company = getattr(rec, "company_id", None)
            if rec_company is not None and rec_company != ctx.company_id:
                found.append(Blocker(rec.id, "outra_empresa",
                                     _("O registro {id} pertence a outra empresa.").format(id=rec.id)))
    if action.check is not None:
        found.extend(action.check(ctx, records, params) or ())
    for result in runtime.hook.action_blockers(action=action, records=records, params=params, ctx=ctx):
        found.extend(result or ())
    return _by_record(found, Blocker, "action_blockers")


def _by_record(found: list, cls: type, hook: str) -> dict[int, list]:
    """`found` (Blocker or Advice items) grouped per record id, duplicates dropped, order kept."""
    out: dict[int, list] = {}
    for item in found:
        if not isinstance(item, cls):
            raise TypeError(f"{hook} deve devolver core.actions.{cls.__name__}, não {type(item).__name__}")
        bucket = out.setdefault(item.record_id, [])
        if item not in bucket:
            bucket.append(item)
    return out


def collect_warnings(runtime, session: Session, action: Action, records: list, params: BaseModel, user,
                     *, ctx: ActionContext | None = None) -> dict[int, list[Advice]]:
    """Every warning about the records `action` may process: the action's own `warn` and the
    `action_warnings` hook of every enabled plugin. Read only; nothing here forbids the action."""
    ctx = ctx or ActionContext(session=session, user=user, runtime=runtime,
                               company_id=getattr(user, "company_id", None))
    if not records:
        return {}
    found: list[Advice] = []
    if action.warn is not None:
        found.extend(action.warn(ctx, records, params) or ())
    for result in runtime.hook.action_warnings(action=action, records=records, params=params, ctx=ctx):
        found.extend(result or ())
    out = _by_record(found, Advice, "action_warnings")
    return {r.id: out[r.id] for r in records if r.id in out}  # advice on other records is ignored


def _missing_blockers(ids: list[int], records: list) -> dict[int, list[Blocker]]:
    present = {r.id for r in records}
    return {rid: [Blocker(rid, "nao_encontrado", _("O registro {id} não existe.").format(id=rid))]
            for rid in ids if rid not in present}


def _merge(a: dict[int, list[Blocker]], b: dict[int, list[Blocker]]) -> dict[int, list[Blocker]]:
    out = {k: list(v) for k, v in a.items()}
    for k, v in b.items():
        out.setdefault(k, []).extend(v)
    return out


# --- preview and run --------------------------------------------------------------------------

def preview_action(runtime, name: str, ids: list[int], params: dict[str, Any] | None, user) -> ActionResult:
    """What `run_action` would do now: ids it would process (with their warnings) and refused ids
    with all blockers.

    Permission is checked; parameters are validated when possible (a preview may come before the
    operator filled them in); reason and confirmation are not required. Nothing is written.
    """
    action = get_action(runtime, name)
    _check_permission(user, action)
    ids = _clean_ids(ids)
    model = validate_params(action, params, strict=False)
    with unit_of_work(runtime.engine, readonly=True) as session:
        ctx = ActionContext(session=session, user=user, runtime=runtime,
                            company_id=getattr(user, "company_id", None), preview=True)
        records = load_records(session, action, ids)
        refused = _merge(_missing_blockers(ids, records),
                         collect_blockers(runtime, session, action, records, model, user, ctx=ctx))
        warnings = collect_warnings(runtime, session, action, [r for r in records if r.id not in refused], model,
                                    user, ctx=ctx)
    return ActionResult(action=name, done=[i for i in ids if i not in refused],
                        refused={i: refused[i] for i in ids if i in refused}, warnings=warnings)


def run_action(runtime, name: str, ids: list[int], params: dict[str, Any] | None, user) -> ActionResult:
    """Run an action on the allowed records in one unit of work (see the module docstring).

    Raises PermissionDenied, ValidationError (naming the field) or NotFound (unknown action)
    before anything is written. Refused records are reported in the result, not raised.
    """
    action = get_action(runtime, name)
    _check_permission(user, action)
    ids = _clean_ids(ids)
    if not ids:
        raise ValidationError(_("Selecione ao menos um registro."), field="ids")
    raw = dict(params or {})
    model = validate_params(action, raw)
    _check_confirmation(action, raw)
    kind = action.target_kind
    with unit_of_work(runtime.engine) as session:
        reason, justification = resolve_reason(session, runtime, action, raw)
        ctx = ActionContext(session=session, user=user, runtime=runtime,
                            company_id=getattr(user, "company_id", None),
                            reason=reason, justification=justification)
        records = load_records(session, action, ids)
        refused = _merge(_missing_blockers(ids, records),
                         collect_blockers(runtime, session, action, records, model, user, ctx=ctx))
        allowed = [r for r in records if r.id not in refused]
        result = ActionResult(action=name, done=[r.id for r in allowed],
                              refused={i: refused[i] for i in ids if i in refused},
                              warnings=collect_warnings(runtime, session, action, allowed, model, user, ctx=ctx))
        if allowed:
            before = {r.id: audit.snapshot(r) for r in allowed}
            action.run(ctx, allowed, model)
            session.flush()
            reason_text = f"{reason.code} — {reason.description}" if reason is not None else None
            entries = []
            for rec_id, rec in zip(result.done, allowed):
                state = inspect(rec)
                after = None if (state.deleted or state.was_deleted) else audit.snapshot(rec)
                entries.append(audit.build_entry(action=name, target_kind=kind, target_id=rec_id, user=user,
                                                 before=before[rec_id], after=after, reason=reason_text,
                                                 justification=justification))
            session.add_all(entries)
            session.flush()
        after_commit(session, lambda: notify_after_action(runtime, name, result, ctx))
    return result


def notify_after_action(runtime, name: str, result: ActionResult, ctx: ActionContext) -> None:
    """Call every plugin's `after_action`; one plugin failing neither stops the others nor
    undoes the (already committed) action — the error is logged."""
    from core.plugins import notify_each

    notify_each(runtime.hook.after_action, action_name=name, result=result, ctx=ctx)
