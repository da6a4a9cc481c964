"""`quita bench parties` (small run: figures printed, never asserted as times) and the shared
`bench` command group plugins extend."""

import json
import sys
import types

import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from core.br.documents import is_valid_cnpj, is_valid_cpf
from core.cli import build_app
from core.db import unit_of_work
from core.numbering import peek_next
from core.parties.bench import benchmark_parties
from core.parties.models import Party
from core.plugins import load_plugins
from hooks import hookimpl
from tests.conftest import make_config


def test_bench_parties_loads_and_times_every_search(runtime):
    lines = []
    result = benchmark_parties(runtime.config.database_url, count=300, runs=1, echo=lines.append)
    assert result["parties"] == 300 and result["added"] == 300
    names = [r["search"] for r in result["searches"]]
    assert len(names) == 31 and "avançada: teste de e-mail por data" in names
    assert all(r["median_ms"] >= 0 for r in result["searches"])
    assert next(r for r in result["searches"] if r["search"] == "últimos 1000 cadastros ativos")["rows"] > 200
    with unit_of_work(runtime.engine, readonly=True) as s:
        docs = s.execute(select(Party.person_type, Party.document)).all()
        assert all(is_valid_cpf(d) for t, d in docs if t == "PF")
        assert all(is_valid_cnpj(d) for t, d in docs if t == "PJ")
        assert peek_next(s, kind="party") == 301
    # A second run reuses the rows already there.
    again = benchmark_parties(runtime.config.database_url, count=300, runs=1, echo=lines.append)
    assert again["added"] == 0 and again["parties"] == 300


def test_bench_parties_command_prints_json(runtime):
    app = build_app(load_plugins(runtime.config))
    res = CliRunner().invoke(app, ["bench", "parties", "--count", "40", "--runs", "1", "--json",
                                   "--database", runtime.config.database_url])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{"):])
    assert data["parties"] == 40 and data["slowest_ms"] >= 0
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Party)) == 40


def test_hook_register_cli_commands(database_url):
    """A plugin adds a command through `register_cli_commands`; the kernel's `bench` group is there."""
    plugin = types.ModuleType("quita_test_cli_plugin")

    @hookimpl
    def register_cli_commands(cli):
        @cli.command("ola")
        def ola(nome: str = typer.Option("mundo", help="Nome.")):
            """Diz olá."""
            typer.echo(f"olá, {nome}")

    plugin.register_cli_commands = register_cli_commands
    sys.modules[plugin.__name__] = plugin
    try:
        cfg = make_config(database_url, enabled=["exemplo_cli"])
        app = build_app(load_plugins(cfg, extra={"exemplo_cli": plugin}))
        runner = CliRunner()
        res = runner.invoke(app, ["ola", "--nome", "Quita"])
        assert res.exit_code == 0 and "olá, Quita" in res.output
        res = runner.invoke(app, ["bench", "--help"])
        assert res.exit_code == 0 and "parties" in res.output
        # Disabled ⇒ the command does not exist.
        app = build_app(load_plugins(make_config(database_url, enabled=[]), extra={"exemplo_cli": plugin}))
        assert runner.invoke(app, ["ola"]).exit_code != 0
    finally:
        sys.modules.pop(plugin.__name__, None)
