"""The runtime of one process: config + plugins + database engine, built once at start.

`bootstrap()` is what the CLI, the web app and the tests call. It validates the config, loads
the enabled plugins and opens the engine; `check_schema=True` refuses to go on when the database
is behind the enabled plugins' migrations and says which command to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import Engine

from core.config import Config, load_config
from core.db import make_engine
from core.plugins import Plugins, load_plugins

_current: "Runtime | None" = None


@dataclass
class Runtime:
    config: Config
    plugins: Plugins
    engine: Engine

    @property
    def registry(self):
        return self.plugins.registry

    @property
    def hook(self):
        return self.plugins.pm.hook

    def settings(self, plugin: str):
        return self.plugins.registry.settings.get(plugin)

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(config: Config | None = None, *, check_schema: bool = False,
              extra_plugins: dict[str, ModuleType] | None = None, make_current: bool = True) -> Runtime:
    config = config or load_config()
    plugins = load_plugins(config, extra=extra_plugins)
    engine = make_engine(config.database_url, echo=config.database.echo)
    runtime = Runtime(config, plugins, engine)
    if check_schema:
        from core.migrate import ensure_up_to_date

        ensure_up_to_date(runtime)
    if make_current:
        set_current(runtime)
    return runtime


def set_current(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def current_or_none() -> "Runtime | None":
    """The process's runtime, or None before `bootstrap` (library use outside Quita)."""
    return _current


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("Quita não foi inicializado (chame core.runtime.bootstrap)")
    return _current
