"""A migration that rebuilds a table other rows point at (Alembic batch mode on SQLite: copy, DROP,
rename — how a CHECK constraint changes there) must work on a database WITH data, not only on the
empty one the suite builds. Before core.migrate turned SQLite's foreign keys off for the migration,
the DROP failed with "FOREIGN KEY constraint failed" (seen upgrading a demo database)."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import pytest
from sqlalchemy import text

from core import migrate
from core.config import parse_config
from core.errors import MigrationError
from core.runtime import bootstrap
from hooks import hookimpl

FIRST = '''
from alembic import op
import sqlalchemy as sa

revision = "w001"
down_revision = None
branch_labels = ("widget",)
depends_on = None


def upgrade():
    op.create_table("widget_kind", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("model", sa.String(2), nullable=False),
                    sa.CheckConstraint("model IN ('21', '22')", name="ck_widget_kind_model"))
    op.create_table("widget_part", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("kind_id", sa.Integer, sa.ForeignKey("widget_kind.id"), nullable=False))
'''

SECOND = '''
from alembic import op

revision = "w002"
down_revision = "w001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("widget_kind") as batch:
        batch.drop_constraint("ck_widget_kind_model", type_="check")
        batch.create_check_constraint("ck_widget_kind_model", "model IN ('21', '22', '62')")
'''

DANGLING = '''
from alembic import op

revision = "w003"
down_revision = "w002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM widget_kind")
'''


def widget_plugin(folder: Path) -> types.ModuleType:
    mod = types.ModuleType("widget_plugin")
    mod.LABEL = "Widget"

    @hookimpl
    def register_migrations(register):
        register("widget", folder)

    mod.register_migrations = register_migrations
    return mod


def _runtime(url: str, folder: Path):
    cfg = parse_config({"database": {"url": url}, "plugins": {"enabled": ["widget"]}})
    return bootstrap(cfg, extra_plugins={"widget": widget_plugin(folder)}, make_current=False)


def _write(folder: Path, name: str, source: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")


def test_a_rebuild_of_a_referenced_table_keeps_its_rows(scratch_url, tmp_path):
    folder = tmp_path / "widget_migrations"
    _write(folder, "w001_first.py", FIRST)
    rt = _runtime(scratch_url, folder)
    migrate.upgrade(rt)
    with rt.engine.begin() as c:
        c.execute(text("INSERT INTO widget_kind (id, model) VALUES (1, '21')"))
        c.execute(text("INSERT INTO widget_part (id, kind_id) VALUES (10, 1)"))
    rt.dispose()

    _write(folder, "w002_second.py", SECOND)
    rt = _runtime(scratch_url, folder)
    assert migrate.upgrade(rt) == ["widget"]
    with rt.engine.begin() as c:
        c.execute(text("INSERT INTO widget_kind (id, model) VALUES (2, '62')"))   # the new constraint
        assert c.execute(text("SELECT kind_id FROM widget_part")).scalar_one() == 1
        # foreign keys are on again for the application's connections
        with pytest.raises(Exception):
            with c.begin_nested():
                c.execute(text("INSERT INTO widget_part (id, kind_id) VALUES (11, 99)"))
    rt.dispose()


def test_a_migration_that_would_leave_dangling_rows_is_rolled_back_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    folder = tmp_path / "widget_migrations"
    _write(folder, "w001_first.py", FIRST)
    _write(folder, "w002_second.py", SECOND)
    rt = _runtime(url, folder)
    migrate.upgrade(rt)
    with rt.engine.begin() as c:
        c.execute(text("INSERT INTO widget_kind (id, model) VALUES (1, '21')"))
        c.execute(text("INSERT INTO widget_part (id, kind_id) VALUES (10, 1)"))
    rt.dispose()

    _write(folder, "w003_dangling.py", DANGLING)
    rt = _runtime(url, folder)
    with pytest.raises(MigrationError, match="referência.*quebrada.*widget_part.*nada foi gravado"):
        migrate.upgrade(rt)
    with rt.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM widget_kind")).scalar_one() == 1
        assert c.execute(text("SELECT version_num FROM alembic_version_widget")).scalar_one() == "w002"
    rt.dispose()
