"""`quita bench retorno` end to end on a small N (a scratch SQLite file of its own): the figures it
prints come from a real import that settled every invoice and posted the fees. No timing asserted."""

from __future__ import annotations

from plugins.bank_profiles.bench import bench_retorno


def test_bench_retorno_settles_every_invoice_and_reports_its_figures():
    r = bench_retorno(6, chunk_size=4)
    assert (r["titulos"], r["faturas"], r["liquidados"], r["faturas_liquidadas"], r["erros"]) == (6, 6, 6, 6, 0)
    assert r["tarifas"] == "9.00" and r["concluida"] is True and r["database"] == "sqlite"
    assert r["total_s"] >= r["apply_s"] > 0 and r["titulos_por_s"] > 0
