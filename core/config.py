"""One TOML file configures a deployment (`quita.toml`, or the file named by QUITA_CONFIG).

```toml
[database]
url = "sqlite:///quita.db"          # or postgresql+psycopg://user@host/db

[app]
secret_key = "…"                   # signs session cookies and CSRF tokens
timezone = "America/Sao_Paulo"

[plugins]
enabled = ["receivables", "bank_profiles"]

[plugins.receivables]               # validated by the plugin's own pydantic model
minimum_amount = "10.00"
```

Reading the file only checks the kernel's own keys. Plugin sections are validated by
`core.plugins.load_plugins`, which knows each plugin's settings model; any error names the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError as PydanticValidationError

from core.errors import ConfigError

CONFIG_ENV = "QUITA_CONFIG"
DEFAULT_CONFIG_FILE = "quita.toml"
DEFAULT_DATABASE_URL = "sqlite:///quita.db"
BUILTIN_PLUGINS = ("receivables", "payables", "bank_profiles", "reconciliation", "fiscal_nf2122", "nfse")


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = DEFAULT_DATABASE_URL
    echo: bool = False


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret_key: str = "troque-esta-chave-em-producao"
    timezone: str = "America/Sao_Paulo"
    locale: str = "pt_BR"
    session_max_age_s: int = 12 * 3600


@dataclass
class Config:
    """A validated deployment configuration."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    app: AppSettings = field(default_factory=AppSettings)
    enabled_plugins: list[str] = field(default_factory=lambda: list(BUILTIN_PLUGINS))
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str | None = None

    @property
    def database_url(self) -> str:
        return self.database.url


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_FILE)


def load_config(path: str | os.PathLike | None = None, *, required: bool = False) -> Config:
    """Read and validate the kernel part of the config.

    With no file present and `required=False`, the defaults apply (SQLite `quita.db`, every
    built-in plugin enabled) so `quita --help` and `quita init` work on a fresh checkout.
    """
    p = config_path(path)
    if not p.exists():
        if required or path is not None or os.environ.get(CONFIG_ENV):
            raise ConfigError("arquivo", f"arquivo de configuração não encontrado: {p}", str(p))
        return parse_config({})
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("arquivo", f"TOML inválido: {exc}", str(p)) from exc
    return parse_config(raw, str(p))


def parse_config(raw: dict[str, Any], path: str | None = None) -> Config:
    known = {"database", "app", "plugins"}
    for key in raw:
        if key not in known:
            raise ConfigError(key, "seção desconhecida (esperado: database, app, plugins)", path)
    database = _model(DatabaseSettings, raw.get("database", {}), "database", path)
    app = _model(AppSettings, raw.get("app", {}), "app", path)
    env_url = os.environ.get("QUITA_DATABASE_URL")
    if env_url:
        database.url = env_url

    plugins_raw = raw.get("plugins", {})
    if not isinstance(plugins_raw, dict):
        raise ConfigError("plugins", "deve ser uma tabela", path)
    enabled = plugins_raw.get("enabled", list(BUILTIN_PLUGINS))
    if not isinstance(enabled, list) or not all(isinstance(n, str) for n in enabled):
        raise ConfigError("plugins.enabled", "deve ser uma lista de nomes de plugins", path)
    if len(set(enabled)) != len(enabled):
        raise ConfigError("plugins.enabled", "há plugins repetidos na lista", path)
    settings: dict[str, dict[str, Any]] = {}
    for name, value in plugins_raw.items():
        if name == "enabled":
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"plugins.{name}", "deve ser uma tabela de configurações do plugin", path)
        settings[name] = value
    return Config(database=database, app=app, enabled_plugins=list(enabled), plugin_settings=settings, path=path)


def _model(model: type[BaseModel], data: Any, section: str, path: str | None):
    if not isinstance(data, dict):
        raise ConfigError(section, "deve ser uma tabela", path)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ConfigError(_first_error_key(section, exc), _first_error_msg(exc), path) from exc


def validate_plugin_settings(model: type[BaseModel], data: dict[str, Any], plugin: str, path: str | None):
    """Validate one `[plugins.<name>]` table; raise ConfigError naming the exact key."""
    return _model(model, data, f"plugins.{plugin}", path)


def _first_error_key(section: str, exc: PydanticValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    return f"{section}.{loc}" if loc else section


def _first_error_msg(exc: PydanticValidationError) -> str:
    err = exc.errors()[0]
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "chave desconhecida"
    if kind == "missing":
        return "chave obrigatória ausente"
    return f"valor inválido: {err.get('msg', '')}"


def render_default_config(database_url: str = DEFAULT_DATABASE_URL, enabled: list[str] | None = None,
                          secret_key: str | None = None) -> str:
    enabled = list(BUILTIN_PLUGINS) if enabled is None else enabled
    names = ", ".join(f'"{n}"' for n in enabled)
    key = secret_key or os.urandom(24).hex()
    return (
        "# Configuração do Quita. Documentação: README.md\n"
        "[database]\n"
        f'url = "{database_url}"\n\n'
        "[app]\n"
        f'secret_key = "{key}"\n'
        'timezone = "America/Sao_Paulo"\n\n'
        "[plugins]\n"
        f"enabled = [{names}]\n"
    )
