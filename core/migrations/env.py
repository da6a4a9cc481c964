"""Alembic environment shared by every component; `core.migrate` configures it per component."""

from alembic import context
from sqlalchemy.types import TypeDecorator

from core.model import Base

config = context.config
component = config.attributes["component"]
connection = config.attributes["connection"]


def _owner(name: str) -> str | None:
    table = Base.metadata.tables.get(name)
    return table.info.get("owner") if table is not None else None


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return _owner(name) == component
    table = getattr(obj, "table", None)
    if table is not None:
        return _owner(table.name) == component
    return True


def render_item(type_, obj, autogen_context):
    # Migrations stay frozen: a kernel column type is written as the plain type it stores.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=f"alembic_version_{component}",
    include_object=include_object,
    render_item=render_item,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
