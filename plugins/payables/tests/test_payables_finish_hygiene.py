"""Code hygiene of the payables plugin: no module imports another module's private helper (a name
starting with "_"); the command lines share theirs through `cli_support`."""

from __future__ import annotations

import ast
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1]


def test_no_private_helper_imported_across_modules():
    found = []
    for path in sorted(PLUGIN.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("plugins.", "core.")):
                found += [f"{path.relative_to(PLUGIN)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_")]
    assert found == []


def test_command_lines_use_cli_support():
    from plugins.payables import cli, cli_support, cashflow_cli, tools_cli, writeoff_cli

    assert cli.refuse is cli_support.refuse and writeoff_cli.refuse is cli_support.refuse
    assert cashflow_cli._run is cli_support.run and tools_cli._in_unit_of_work is cli_support.run
    assert tools_cli.optional_date is writeoff_cli.optional_date is cli_support.optional_date


def test_supplier_search_benchmark_prints_figures(tmp_path):
    """`quita bench pagar-fornecedor` on a scratch SQLite file: figures, and the database emptied."""
    from sqlalchemy import create_engine, text

    from plugins.payables.bench import run

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    r = run(url, 50, "atacado de links")
    assert (r["parties"], r["installments"], r["database"]) == (51, 3, "sqlite") and r["median_ms"] >= 0
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM party")).scalar() == 0
    engine.dispose()
