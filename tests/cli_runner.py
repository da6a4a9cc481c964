"""The real `quita` command line for tests: a quita.toml pointing at the test database (written in
the test's tmp_path, named by QUITA_CONFIG) and Typer's runner over the runtime's plugins."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def write_quita_toml(path, database_url: str, enabled, plugin_settings: dict | None = None):
    """quita.toml with `[database] url`, `[plugins] enabled` and one `[plugins.<name>]` table of
    string settings per entry of `plugin_settings`; returns its path."""
    text = f'[database]\nurl = "{database_url}"\n\n[plugins]\nenabled = {json.dumps(list(enabled))}\n'
    for plugin, settings in (plugin_settings or {}).items():
        lines = "\n".join(f'{k} = "{v}"' for k, v in settings.items())
        text += f"\n[plugins.{plugin}]\n{lines}\n"
    path.write_text(text, encoding="utf-8")
    return path


def cli_invoker(rt, database_url: str, tmp_path, monkeypatch, enabled, plugin_settings: dict | None = None):
    """`run(*args)` invokes `quita <args>` (the runtime's plugins' commands) with that quita.toml."""
    from core.cli import build_app

    cfg = write_quita_toml(tmp_path / "quita.toml", database_url, enabled, plugin_settings)
    monkeypatch.setenv("QUITA_CONFIG", str(cfg))
    app, runner = build_app(rt.plugins), CliRunner()

    def run(*args):
        return runner.invoke(app, list(args))

    return run
