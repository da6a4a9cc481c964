"""Plugin lifecycle: settings validated by the plugin's model, migrations per component,
pending-migration refusal, disabling keeps tables, CLI commands from plugins, `quita plugins`."""

from __future__ import annotations

import json
import textwrap
import types
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from core import migrate
from core.cli import build_app
from core.config import parse_config
from core.errors import ConfigError, PendingMigrationsError
from core.plugins import load_plugins
from core.runtime import bootstrap, set_current
from hooks import hookimpl


class GadgetSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = 10
    label: str = "padrão"


def gadget_plugin(migrations_dir: Path) -> types.ModuleType:
    mod = types.ModuleType("gadget_plugin")
    mod.LABEL = "Gadget"

    @hookimpl
    def register_settings(register):
        register("gadget", GadgetSettings)

    @hookimpl
    def register_migrations(register):
        register("gadget", migrations_dir)

    mod.register_settings = register_settings
    mod.register_migrations = register_migrations
    return mod


def write_migration(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "g001_gadget.py").write_text(textwrap.dedent('''
        from alembic import op
        import sqlalchemy as sa

        revision = "g001"
        down_revision = None
        branch_labels = ("gadget",)
        depends_on = None

        def upgrade():
            op.create_table("gadget_thing", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id")))

        def downgrade():
            op.drop_table("gadget_thing")
    '''))


def config(url, enabled, **plugin_settings):
    return parse_config({"database": {"url": url}, "plugins": {"enabled": enabled, **plugin_settings}})


def test_hook_register_settings(tmp_path):
    mod = gadget_plugin(tmp_path)
    plugins = load_plugins(config("sqlite://", ["gadget"], gadget={"limit": 3}), extra={"gadget": mod})
    assert plugins.registry.settings["gadget"].limit == 3
    assert plugins.registry.settings["gadget"].label == "padrão"
    with pytest.raises(ConfigError) as exc:
        load_plugins(config("sqlite://", ["gadget"], gadget={"limit": "muitos"}), extra={"gadget": mod})
    assert exc.value.key == "plugins.gadget.limit"
    with pytest.raises(ConfigError) as exc:
        load_plugins(config("sqlite://", ["gadget"], gadget={"limite": 3}), extra={"gadget": mod})
    assert exc.value.key == "plugins.gadget.limite" and "chave desconhecida" in str(exc.value)


def test_hook_register_migrations(scratch_url, tmp_path):
    folder = tmp_path / "gadget_migrations"
    write_migration(folder)
    mod = gadget_plugin(folder)

    # Kernel only: the gadget lineage is not known, its table does not exist.
    rt = bootstrap(config(scratch_url, []), make_current=False)
    assert migrate.upgrade(rt) == ["core"]
    rt.dispose()

    # Enabling the plugin leaves the database behind: the app refuses to start and says what to run.
    rt = bootstrap(config(scratch_url, ["gadget"]), extra_plugins={"gadget": mod}, make_current=False)
    assert migrate.pending(rt) == ["gadget"]
    with pytest.raises(PendingMigrationsError, match="quita db upgrade"):
        migrate.ensure_up_to_date(rt)
    assert migrate.upgrade(rt) == ["gadget"]
    migrate.ensure_up_to_date(rt)
    with rt.engine.begin() as conn:
        conn.execute(text("INSERT INTO gadget_thing (id) VALUES (1)"))
    rt.dispose()

    # Disabling it never drops its tables, nor breaks upgrades of the rest.
    rt = bootstrap(config(scratch_url, []), make_current=False)
    assert migrate.upgrade(rt) == []
    migrate.ensure_up_to_date(rt)
    with rt.engine.connect() as conn:
        assert inspect(conn).has_table("gadget_thing")
        assert conn.execute(text("SELECT count(*) FROM gadget_thing")).scalar() == 1
    rt.dispose()

    # Enabled again: nothing pending, data intact.
    rt = bootstrap(config(scratch_url, ["gadget"]), extra_plugins={"gadget": mod}, make_current=False)
    assert migrate.pending(rt) == []
    rt.dispose()
    set_current(None)


def test_hook_register_cli_commands(tmp_path, monkeypatch):
    import typer

    mod = types.ModuleType("cli_plugin")

    @hookimpl
    def register_cli_commands(cli):
        @cli.command("saudar")
        def saudar(nome: str = typer.Argument(..., help="Quem saudar.")):
            """Diz olá (comando de um plugin)."""
            typer.echo(f"Olá, {nome}!")

    mod.register_cli_commands = register_cli_commands
    runner = CliRunner()
    plugins = load_plugins(config("sqlite://", ["saudador"]), extra={"saudador": mod})
    result = runner.invoke(build_app(plugins), ["saudar", "Maria"])
    assert result.exit_code == 0 and "Olá, Maria!" in result.output
    # Disabled: the command does not exist.
    plugins = load_plugins(config("sqlite://", []), extra={"saudador": mod})
    result = runner.invoke(build_app(plugins), ["saudar", "Maria"])
    assert result.exit_code != 0


def test_quita_plugins_json_lists_enabled_and_disabled(tmp_path, monkeypatch):
    cfg = tmp_path / "quita.toml"
    cfg.write_text('[database]\nurl = "sqlite:///x.db"\n[plugins]\nenabled = ["receivables", "example"]\n')
    monkeypatch.setenv("QUITA_CONFIG", str(cfg))
    result = CliRunner().invoke(build_app(), ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert set(rows) >= {"receivables", "payables", "bank_profiles", "reconciliation", "fiscal_nf2122", "nfse", "example"}
    assert rows["receivables"]["enabled"] is True and rows["payables"]["enabled"] is False
    assert rows["bank_profiles"]["requires"] == ["receivables"]
    assert rows["example"]["version"] == "1.0.0"
    assert "register_customer_panel_tabs" in rows["example"]["hooks"]
    assert set(rows["example"]) == {"name", "version", "enabled", "requires", "hooks"}


def test_bad_config_stops_the_cli_with_the_key(tmp_path, monkeypatch):
    import subprocess
    import sys

    cfg = tmp_path / "quita.toml"
    cfg.write_text('[plugins]\nenabled = ["bank_profiles"]\n')
    proc = subprocess.run([sys.executable, "-m", "core.cli", "plugins"], capture_output=True, text=True,
                          env={"QUITA_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert proc.returncode == 2
    assert "[plugins.enabled]" in proc.stderr and "requer o plugin 'receivables'" in proc.stderr


def test_two_plugins_cannot_claim_the_same_command():
    import typer

    def plugin(name):
        mod = types.ModuleType(name)

        @hookimpl
        def register_cli_commands(cli):
            @cli.command("relatorio")
            def relatorio():
                """Relatório de um plugin."""
                typer.echo(name)

        mod.register_cli_commands = register_cli_commands
        return mod

    plugins = load_plugins(config("sqlite://", ["um", "dois"]), extra={"um": plugin("um"), "dois": plugin("dois")})
    with pytest.raises(ConfigError, match="'quita relatorio' foi registrado mais de uma vez"):
        build_app(plugins)


def test_every_plugin_benchmark_lands_in_one_bench_group():
    import typer

    from core.bench import bench_group

    mod = types.ModuleType("benchy")

    @hookimpl
    def register_cli_commands(cli):
        @bench_group(cli).command("coisas")
        def coisas():
            """Mede coisas."""
            typer.echo("medido")

    mod.register_cli_commands = register_cli_commands
    plugins = load_plugins(config("sqlite://", ["benchy"]), extra={"benchy": mod})
    runner = CliRunner()
    for _ in range(2):  # building the CLI twice in one process adds nothing twice
        app = build_app(plugins)
        assert [g.name for g in app.registered_groups].count("bench") == 1
        result = runner.invoke(app, ["bench", "--help"])
        assert result.exit_code == 0 and "coisas" in result.output and "parties" in result.output


def test_serve_refuses_a_database_with_pending_migrations(tmp_path):
    import subprocess
    import sys

    cfg = tmp_path / "quita.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/novo.db"\n[plugins]\nenabled = []\n')
    proc = subprocess.run([sys.executable, "-m", "core.cli", "serve", "--port", "8799"], capture_output=True,
                          text=True, env={"QUITA_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"}, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "migrações pendentes para: core" in proc.stderr and "quita db upgrade" in proc.stderr


def test_root_help_lists_plugin_commands_and_survives_a_broken_config(tmp_path):
    import subprocess
    import sys

    def run(toml: str):
        cfg = tmp_path / "quita.toml"
        cfg.write_text(toml)
        return subprocess.run([sys.executable, "-m", "core.cli", "--help"], capture_output=True, text=True,
                              env={"QUITA_CONFIG": str(cfg), "PATH": "/usr/bin:/bin", "COLUMNS": "120"},
                              cwd=tmp_path, timeout=60)

    ok = run('[plugins]\nenabled = []\n')
    assert ok.returncode == 0 and "bench" in ok.stdout and "outbox" in ok.stdout
    broken = run('[plugins]\nenabled = ["nao_existe"]\n')
    assert broken.returncode == 0 and "init" in broken.stdout
    assert "comandos dos plugins indisponíveis" in broken.stderr and "nao_existe" in broken.stderr
