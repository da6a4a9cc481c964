"""`quita bench lote --database URL [--runs 5] [--json]` — what the batch credit lookup costs.

Runs on a database that already holds imported retornos, e.g. the one left by
`quita bench retorno --titulos 20000 --database URL` (bank_profiles): the schema is upgraded with the
reconciliation tables (nothing else is written) and `batch_credit.batch_credits` — the
`reconciliation_batch_credits` hook answered by bank_profiles plus the reconciler's own check of the
settlements — is timed (median of `--runs`) for the busiest credit day, for the whole period of the
retornos and for a day without credit (what opening the pane of an unrelated line costs).
Figures only: wall and CPU seconds, groups and títulos found.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta

import typer


def bench_batch(url: str, runs: int = 5) -> dict:
    from sqlalchemy import func, select

    from core.db import unit_of_work
    from plugins.bank_profiles.retorno_models import RetornoItem
    from plugins.receivables.bench import migrated_runtime
    from plugins.receivables.settlement_models import Settlement
    from plugins.reconciliation.batch_credit import batch_credits

    rt = migrated_runtime(url, ("receivables", "bank_profiles", "reconciliation"))
    try:
        with unit_of_work(rt.engine, readonly=True) as s:
            rows = s.execute(select(Settlement.bank_account_id, RetornoItem.data_credito, func.count())
                             .join(Settlement, Settlement.id == RetornoItem.settlement_id)
                             .where(RetornoItem.data_credito.is_not(None))
                             .group_by(Settlement.bank_account_id, RetornoItem.data_credito)
                             .order_by(func.count().desc())).all()
            items = s.scalar(select(func.count()).select_from(RetornoItem))
        if not rows:
            raise ValueError("nenhum retorno com liquidações neste banco: rode antes `quita bench retorno --database URL`")
        bank, busiest, _n = rows[0]
        days = [d for b, d, _n in rows if b == bank]
        cases = {"dia_mais_cheio": (busiest, busiest), "periodo": (min(days), max(days)),
                 "dia_sem_credito": (max(days) + timedelta(days=30), max(days) + timedelta(days=30))}
        out = {"retorno_itens": items, "database": url.split(":", 1)[0], "runs": runs}
        for name, (first, last) in cases.items():
            wall, cpu = [], []
            for _ in range(runs):
                with unit_of_work(rt.engine, readonly=True) as s:
                    t0, c0 = time.perf_counter(), time.process_time()
                    groups = batch_credits(s, rt, bank, first, last)
                    wall.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
            out[name] = {"de": first.isoformat(), "ate": last.isoformat(), "grupos": len(groups),
                         "titulos": sum(g.count for g in groups), "s": round(statistics.median(wall), 3),
                         "cpu_s": round(statistics.median(cpu), 3)}
        return out
    finally:
        rt.dispose()


def register(bench: typer.Typer) -> None:
    @bench.command("lote")
    def bench_lote_cmd(
        database: str = typer.Option(..., "--database", help="URL de um banco com retornos importados (ex.: o do "
                                                             "`quita bench retorno --database URL`)."),
        runs: int = typer.Option(5, "--runs", min=1, help="Repetições (mediana)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede a busca de créditos em lote (retornos creditados num lançamento só)."""
        try:
            r = bench_batch(database, runs)
        except ValueError as exc:
            from core.cli import fail

            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"{r['retorno_itens']} títulos de retorno ({r['database']}; mediana de {r['runs']})")
        for name, label in (("dia_mais_cheio", "Dia de crédito mais cheio"), ("periodo", "Período dos retornos"),
                            ("dia_sem_credito", "Dia sem crédito")):
            c = r[name]
            typer.echo(f"{label} ({c['de']} a {c['ate']}): {c['s']} s (CPU {c['cpu_s']} s) — grupos: {c['grupos']}; "
                       f"títulos: {c['titulos']}")
