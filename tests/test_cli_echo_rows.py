"""`core.cli.echo_rows`: the listing commands' three outputs (JSON array, empty message, lines)."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from core.cli import echo_rows


def _run(rows, as_json):
    app = typer.Typer()

    @app.command()
    def listing():
        echo_rows(rows, as_json=as_json, empty="Nenhuma fatura para este cliente.",
                  line=lambda r: f"{r['number']:>4} {r['status']}")

    return CliRunner().invoke(app, []).output


def test_echo_rows_json_empty_and_lines():
    rows = [{"number": 1, "status": "aberta"}, {"number": 12, "status": "liquidada – paga"}]
    assert json.loads(_run(rows, True)) == rows
    assert "–" in _run(rows, True)  # ensure_ascii=False: no \u escapes
    assert _run([], True).strip() == "[]"
    assert _run([], False) == "Nenhuma fatura para este cliente.\n"
    assert _run(rows, False) == "   1 aberta\n  12 liquidada – paga\n"
