"""The audit trail: who, when, what, why, and a before/after diff of each change.

`record()` adds one `AuditEntry` to the caller's session; it is written (or discarded) with the
caller's unit of work, so an audit entry exists exactly when the change it describes committed.
`snapshot()` captures a record's mapped columns as JSON-safe values; `diff()` compares two
snapshots. Secrets (columns whose name contains "password", "secret" or "token") are masked.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core.model import utcnow
from core.models.audit import AuditEntry

MASK = "***"
_SECRET_MARKERS = ("password", "secret", "token")
# Bookkeeping columns that change on every save; a diff listing them only adds noise.
DIFF_IGNORED = frozenset({"modified_at", "modified_by"})


def json_value(value: Any) -> Any:
    """A JSON-safe form of a column value: Decimal → "12.34", date/datetime → ISO text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    return str(value)


def _is_secret(name: str) -> bool:
    low = name.lower()
    return any(m in low for m in _SECRET_MARKERS)


def snapshot(obj) -> dict[str, Any]:
    """JSON-safe values of `obj`'s mapped columns (attribute name → value), secrets masked."""
    mapper = inspect(obj).mapper
    out: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        value = getattr(obj, attr.key)
        out[attr.key] = MASK if _is_secret(attr.key) and value is not None else json_value(value)
    return out


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    """{"field": [before, after]} for every field whose value differs (creation: before None;
    deletion: after None). Bookkeeping fields (`DIFF_IGNORED`) are left out."""
    before = before or {}
    after = after or {}
    changes: dict[str, list] = {}
    for key in list(before) + [k for k in after if k not in before]:
        if key in DIFF_IGNORED:
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [old, new]
    return changes


def build_entry(*, action: str, target_kind: str, target_id: int, user=None, before: dict | None = None,
                after: dict | None = None, reason: str | None = None, justification: str | None = None,
                company_id: int | None = None) -> AuditEntry:
    """An audit entry not yet added to any session (for callers that add many at once)."""
    if company_id is None:
        company_id = (after or {}).get("company_id") or (before or {}).get("company_id")
    return AuditEntry(
        at=utcnow(),
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        company_id=company_id,
        action=action,
        target_kind=target_kind,
        target_id=int(target_id),
        reason=reason,
        justification=justification,
        changes=diff(before, after),
        before=before,
        after=after,
    )


def record(session: Session, *, action: str, target_kind: str, target_id: int, user=None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None,
           justification: str | None = None, company_id: int | None = None) -> AuditEntry:
    """Add one audit entry to the caller's transaction (flushed, never committed here).

    `user` is an `app_user` row (or None for the system). `company_id` defaults to the record's
    own `company_id` when its snapshot has one.
    """
    entry = build_entry(action=action, target_kind=target_kind, target_id=target_id, user=user, before=before,
                        after=after, reason=reason, justification=justification, company_id=company_id)
    session.add(entry)
    session.flush()
    return entry


def history(session: Session, target_kind: str, target_id: int) -> list[AuditEntry]:
    """Every audit entry of one record, newest first."""
    stmt = (select(AuditEntry)
            .where(AuditEntry.target_kind == target_kind, AuditEntry.target_id == int(target_id))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    return list(session.scalars(stmt))
