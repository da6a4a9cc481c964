"""Declarative base shared by the kernel and every plugin, and the column types they use.

Each table records which component owns it (`table.info["owner"]`: "core" or a plugin name), so
each component's migrations see only its own tables. The owner is the module's plugin package
(`plugins.<name>…` ⇒ name, `core…` ⇒ "core"); a third-party plugin sets `__component__` on its
models (or a module-level `QUITA_COMPONENT`).
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def component_of(module_name: str, explicit: str | None = None) -> str:
    if explicit:
        return explicit
    module = sys.modules.get(module_name)
    declared = getattr(module, "QUITA_COMPONENT", None) if module else None
    if declared:
        return declared
    parts = module_name.split(".")
    if parts[0] == "core":
        return "core"
    if parts[0] == "plugins" and len(parts) > 1:
        return parts[1]
    return parts[0]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        table = cls.__dict__.get("__table__")
        if table is not None:
            table.info.setdefault("owner", component_of(cls.__module__, cls.__dict__.get("__component__")))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes, stored in UTC on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("data/hora sem fuso horário; use datetime com tzinfo")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def in_choices(column: str, choices) -> str:
    """SQL text of a CHECK constraint keeping `column` to the codes of a choice list
    (`(("aberta", "Aberta"), ...)` ⇒ "status IN ('aberta', ...)")."""
    return f"{column} IN (" + ", ".join(f"'{c[0]}'" for c in choices) + ")"
