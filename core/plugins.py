"""Plugin loading: entry points, enabled list, dependencies, settings, registrations.

Built-in plugins and third-party packages register the same way: an entry point in the group
`quita.plugins` whose name is the plugin name and whose value is the plugin module. A plugin
module may declare:

- `LABEL` — pt-BR name shown in lists;
- `REQUIRES` — tuple of plugin names that must also be enabled;
- hook implementations (`@hooks.hookimpl`).

Only enabled plugins are imported and registered; `pm.check_pending()` then rejects any hook
implementation that matches no specification (a misspelt hook name fails at start).
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pluggy

import hooks
from core.config import Config, validate_plugin_settings
from core.errors import ConfigError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "quita.plugins"
KERNEL = "core"


@dataclass
class PluginInfo:
    name: str
    module_path: str
    version: str
    distribution: str | None
    enabled: bool = False
    label: str = ""
    requires: tuple[str, ...] = ()
    hooks: list[str] = field(default_factory=list)
    load_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "enabled": self.enabled,
                "requires": list(self.requires), "hooks": sorted(self.hooks)}


@dataclass
class MigrationSource:
    component: str
    path: Path
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryKind:
    """An audited record kind that is not a document type (see `register_history_kinds`)."""

    kind: str
    label: str
    permission: str
    fields: dict[str, str]
    title: Callable | None = None


@dataclass
class Registry:
    """Everything enabled plugins registered at start, in one place."""

    settings_models: dict[str, type] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    migrations: dict[str, MigrationSource] = field(default_factory=dict)
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (label, group)
    doctypes: dict[str, type] = field(default_factory=dict)
    menu_items: list[Any] = field(default_factory=list)
    panel_tabs: list[Any] = field(default_factory=list)
    actions: dict[str, Any] = field(default_factory=dict)
    outbox_handlers: dict[str, Callable] = field(default_factory=dict)
    reason_kinds: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)
    history_kinds: dict[str, Any] = field(default_factory=dict)
    demo_loaders: list[tuple[int, str, Callable]] = field(default_factory=list)


def discover() -> dict[str, md.EntryPoint]:
    """All installed plugins by name (entry points of the group `quita.plugins`)."""
    found: dict[str, md.EntryPoint] = {}
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found and found[ep.name].value != ep.value:
            raise ConfigError("plugins", f"dois pacotes instalados registram o plugin '{ep.name}'")
        found[ep.name] = ep
    return found


def _dist_info(ep: md.EntryPoint) -> tuple[str, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "0", None
    return dist.version, dist.metadata["Name"]


class Plugins:
    """The plugin manager of one process: pluggy manager + what the plugins registered."""

    def __init__(self, config: Config):
        self.config = config
        self.pm = pluggy.PluginManager(hooks.PROJECT)
        for module in hooks.SPEC_MODULES:
            self.pm.add_hookspecs(module)
        self.registry = Registry()
        self.infos: dict[str, PluginInfo] = {}

    @property
    def hook(self):
        return self.pm.hook

    def enabled(self) -> list[str]:
        return [n for n, i in self.infos.items() if i.enabled and n != KERNEL]

    def is_enabled(self, name: str) -> bool:
        info = self.infos.get(name)
        return bool(info and info.enabled)


def load_plugins(config: Config, *, extra: dict[str, ModuleType] | None = None) -> Plugins:
    """Build the plugin manager for `config`; raise ConfigError naming the key on any problem.

    `extra` registers in-process plugin modules by name (used by tests to add a plugin that is
    not installed); they are treated like any entry point and must be in `plugins.enabled`.
    """
    plugins = Plugins(config)
    available: dict[str, Any] = dict(discover())
    for name, module in (extra or {}).items():
        available[name] = module

    path = config.path
    for name in config.enabled_plugins:
        if name not in available:
            known = ", ".join(sorted(available)) or "nenhum"
            raise ConfigError("plugins.enabled", f"plugin desconhecido: '{name}' (instalados: {known})", path)
    for name in config.plugin_settings:
        if name not in available:
            raise ConfigError(f"plugins.{name}", "configuração para um plugin desconhecido", path)

    # The kernel registers its own contributions through the same hooks; it cannot be disabled.
    from core import builtin_plugin

    plugins.pm.register(builtin_plugin, name=KERNEL)
    for part in builtin_plugin.KERNEL_PARTS:
        plugins.pm.register(importlib.import_module(part), name=part)
    plugins.infos[KERNEL] = PluginInfo(KERNEL, builtin_plugin.__name__, _kernel_version(), "quita",
                                       enabled=True, label="Núcleo")

    for name, source in sorted(available.items()):
        enabled = name in config.enabled_plugins
        if isinstance(source, ModuleType):
            info = PluginInfo(name, source.__name__, getattr(source, "VERSION", "0"), None, enabled)
            module: ModuleType | None = source
        else:
            version, dist = _dist_info(source)
            info = PluginInfo(name, source.value, version, dist, enabled)
            module = None
            if enabled:
                try:
                    module = source.load()
                except Exception as exc:  # an enabled plugin that cannot import stops the start
                    raise ConfigError("plugins.enabled", f"o plugin '{name}' não pôde ser carregado: {exc}", path) from exc
        if module is not None:
            info.label = getattr(module, "LABEL", name)
            info.requires = tuple(getattr(module, "REQUIRES", ()))
            info.version = getattr(module, "VERSION", None) or info.version
        plugins.infos[name] = info
        if enabled and module is not None:
            plugins.pm.register(module, name=name)

    for name in config.enabled_plugins:
        for dep in plugins.infos[name].requires:
            if dep not in config.enabled_plugins:
                raise ConfigError("plugins.enabled",
                                  f"o plugin '{name}' requer o plugin '{dep}', que não está habilitado", path)

    try:
        plugins.pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigError("plugins", f"implementação de hook inválida: {exc}", path) from exc

    for name, info in plugins.infos.items():
        module = plugins.pm.get_plugin(name)
        if module is not None:
            info.hooks = sorted({hc.name for hc in plugins.pm.get_hookcallers(module) or []})

    _collect_registrations(plugins)
    _validate_settings(plugins)
    return plugins


def describe_all(config: Config) -> list[PluginInfo]:
    """Every installed plugin, enabled or not, for `quita plugins` (imports disabled ones too)."""
    plugins = load_plugins(config)
    for name, info in plugins.infos.items():
        if info.enabled or name == KERNEL:
            continue
        try:
            module = importlib.import_module(info.module_path)
        except Exception as exc:  # listing must not fail because a disabled plugin is broken
            info.load_error = str(exc)
            continue
        info.label = getattr(module, "LABEL", name)
        info.requires = tuple(getattr(module, "REQUIRES", ()))
        probe = pluggy.PluginManager(hooks.PROJECT)
        for spec in hooks.SPEC_MODULES:
            probe.add_hookspecs(spec)
        probe.register(module, name=name)
        info.hooks = sorted({hc.name for hc in probe.get_hookcallers(module) or []})
    return list(plugins.infos.values())


def _kernel_version() -> str:
    try:
        return md.version("quita")
    except md.PackageNotFoundError:
        from core import __version__

        return __version__


def _collect_registrations(plugins: Plugins) -> None:
    reg = plugins.registry
    hook = plugins.pm.hook

    def settings(plugin_name, model):
        reg.settings_models[plugin_name] = model

    def migrations(component, path, depends_on=()):
        reg.migrations[component] = MigrationSource(component, Path(path), tuple(depends_on))

    def permission(key, label, group):
        reg.permissions[key] = (label, group)

    def doctype(cls):
        name = cls.doctype_name()
        if name in reg.doctypes and reg.doctypes[name] is not cls:
            raise ConfigError("plugins", f"tipo de documento registrado duas vezes: {name}")
        reg.doctypes[name] = cls

    def action(a):
        if a.name in reg.actions:
            raise ConfigError("plugins", f"ação registrada duas vezes: {a.name}")
        reg.actions[a.name] = a

    def outbox(kind, handler):
        reg.outbox_handlers[kind] = handler

    def reason_kind(kind, label):
        reg.reason_kinds[kind] = label

    hook.register_settings(register=settings)
    hook.register_migrations(register=migrations)
    hook.register_permissions(register=permission)
    hook.register_doctypes(register=doctype)
    hook.register_menu_items(register=reg.menu_items.append)
    hook.register_customer_panel_tabs(register=reg.panel_tabs.append)
    hook.register_actions(register=action)
    hook.register_outbox_handlers(register=outbox)
    hook.register_reason_kinds(register=reason_kind)

    def job(spec):
        if spec.kind in reg.jobs:
            raise ConfigError("plugins", f"tipo de tarefa registrado duas vezes: {spec.kind}")
        reg.jobs[spec.kind] = spec

    hook.register_jobs(register=job)

    def history_kind(kind, label, permission, fields=None, title=None):
        reg.history_kinds[kind] = HistoryKind(kind, label, permission, dict(fields or {}), title)

    hook.register_history_kinds(register=history_kind)

    def demo_loader(label, loader, order=100):
        reg.demo_loaders.append((order, label, loader))

    hook.register_demo_loaders(register=demo_loader)
    reg.demo_loaders.sort(key=lambda item: item[0])
    reg.menu_items.sort(key=lambda m: (getattr(m, "group", ""), getattr(m, "order", 0)))
    reg.panel_tabs.sort(key=lambda t: getattr(t, "order", 0))


def _validate_settings(plugins: Plugins) -> None:
    cfg = plugins.config
    for name in cfg.enabled_plugins:
        model = plugins.registry.settings_models.get(name)
        data = cfg.plugin_settings.get(name, {})
        if model is None:
            if data:
                raise ConfigError(f"plugins.{name}", "este plugin não aceita configurações", cfg.path)
            continue
        plugins.registry.settings[name] = validate_plugin_settings(model, data, name, cfg.path)


def notify_each(hook_caller, **kwargs) -> None:
    """Call every implementation of an event hook in pluggy's order (last registered first),
    isolating failures: one plugin raising is logged and neither stops the others nor undoes
    what was already committed."""
    for impl in reversed(hook_caller.get_hookimpls()):
        try:
            impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except Exception:
            log.exception("o hook %s do plugin %s falhou", hook_caller.name, impl.plugin_name)
