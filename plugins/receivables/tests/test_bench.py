"""`quita bench billing` runs the real billing path on a fresh database and prints figures
(no timed assertion: only that the work was done and the JSON has the promised keys)."""

import json

from typer.testing import CliRunner

from core.cli import build_app


def test_bench_billing_json(runtime, scratch_url):
    app = build_app(runtime.plugins)
    out = CliRunner().invoke(app, ["bench", "billing", "--contracts", "300", "--chunk-size", "100",
                                   "--database", scratch_url, "--json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.output.strip().splitlines()[-1])
    assert set(figures) == {"contracts", "seconds", "contracts_per_s", "rows_written", "floor_rows_per_s"}
    assert figures["contracts"] == 300
    assert figures["rows_written"] == 600  # 300 charges + 300 invoices
    assert figures["seconds"] > 0 and figures["floor_rows_per_s"] > 0


def test_bench_billing_default_scratch_sqlite(runtime):
    out = CliRunner().invoke(build_app(runtime.plugins), ["bench", "billing", "--contracts", "50"])
    assert out.exit_code == 0, out.output
    assert "Faturamento de 50 contratos (sqlite)" in out.output and "Piso de inserção bruta" in out.output
