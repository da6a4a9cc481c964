"""Schema migrations: one Alembic lineage per component (the kernel and each plugin).

Each component keeps its revisions in its own folder and its own version table
(`alembic_version_<component>`). `upgrade()` applies the kernel first, then the enabled plugins
in dependency order. A disabled plugin's lineage is simply not run: its tables and version row
stay as they are, and enabling it again continues where it stopped.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.db import FOREIGN_KEYS_OFF_OPTION
from core.errors import ConfigError, MigrationError, PendingMigrationsError
from core.plugins import KERNEL, MigrationSource

ENV_DIR = Path(__file__).parent / "migrations"


def version_table(component: str) -> str:
    return f"alembic_version_{component}"


def ordered_sources(runtime) -> list[MigrationSource]:
    """Kernel first, then enabled components so that each comes after what it depends on."""
    sources = dict(runtime.registry.migrations)
    infos = runtime.plugins.infos
    order: list[str] = []
    visiting: set[str] = set()

    def deps(name: str) -> list[str]:
        src = sources[name]
        wanted = list(src.depends_on) + [d for d in (infos[name].requires if name in infos else ())]
        return [d for d in wanted if d in sources] + ([KERNEL] if name != KERNEL and KERNEL in sources else [])

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ConfigError("plugins", f"dependência circular de migrações envolvendo '{name}'")
        visiting.add(name)
        for dep in deps(name):
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in sorted(sources):
        visit(name)
    return [sources[n] for n in order]


def alembic_config(source: MigrationSource, connection=None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(source.path))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["component"] = source.component
    cfg.attributes["connection"] = connection
    return cfg


def script_heads(source: MigrationSource) -> set[str]:
    if not source.path.exists():
        return set()
    return set(ScriptDirectory.from_config(alembic_config(source)).get_heads())


def current_heads(connection, component: str) -> set[str]:
    ctx = MigrationContext.configure(connection, opts={"version_table": version_table(component)})
    return set(ctx.get_current_heads())


def pending(runtime) -> list[str]:
    """Components whose migrations are not fully applied."""
    behind = []
    with runtime.engine.connect() as conn:
        for src in ordered_sources(runtime):
            heads = script_heads(src)
            if heads and current_heads(conn, src.component) != heads:
                behind.append(src.component)
    return behind


def ensure_up_to_date(runtime) -> None:
    behind = pending(runtime)
    if behind:
        raise PendingMigrationsError(
            "O banco de dados tem migrações pendentes para: " + ", ".join(behind)
            + ". Execute: quita db upgrade"
        )


def upgrade(runtime, *, echo=None) -> list[str]:
    """Apply every enabled component's migrations; return the components that changed."""
    changed = []
    for src in ordered_sources(runtime):
        heads = script_heads(src)
        if not heads:
            continue
        with _migration_transaction(runtime.engine) as conn:
            before = current_heads(conn, src.component)
            if before == heads:
                continue
            command.upgrade(alembic_config(src, conn), "heads")
            _check_foreign_keys(conn, src.component)
            changed.append(src.component)
            if echo:
                echo(src.component)
    return changed


@contextmanager
def _migration_transaction(engine):
    """One transaction per component. On SQLite, with foreign keys off: Alembic's batch mode rebuilds a
    table (copy, DROP, rename) to change a constraint, and SQLite refuses to DROP a table other rows
    point at while they are on — so a migration that passes on an empty database would fail on a real
    one. `_check_foreign_keys` proves nothing dangles before the commit; the connection is then
    discarded, so the pool never hands out one with foreign keys off."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    conn = engine.connect().execution_options(**{FOREIGN_KEYS_OFF_OPTION: True})
    try:
        with conn.begin():
            yield conn
    finally:
        conn.invalidate()
        conn.close()


def _check_foreign_keys(conn, component: str) -> None:
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise MigrationError(f"A migração de {component} deixaria {len(broken)} referência(s) quebrada(s) "
                             f"(ex.: {table} linha {rowid} → {parent}); nada foi gravado.")


def revision(runtime, component: str, message: str, *, autogenerate: bool = True) -> str | None:
    """Write a new revision for `component` (autogenerated against its current head)."""
    sources = {s.component: s for s in ordered_sources(runtime)}
    if component not in sources:
        raise ConfigError("component", f"componente sem pasta de migrações ou desabilitado: {component}")
    src = sources[component]
    src.path.mkdir(parents=True, exist_ok=True)
    upgrade(runtime)
    with runtime.engine.begin() as conn:
        cfg = alembic_config(src, conn)
        heads = script_heads(src)
        kwargs = {"version_path": str(src.path)}
        if not heads:
            kwargs.update(head="base", branch_label=component)
        script = command.revision(cfg, message=message, autogenerate=autogenerate, **kwargs)
    scripts = script if isinstance(script, list) else [script]
    return scripts[0].path if scripts and scripts[0] is not None else None
