"""`quita bench boletos`: the billing benchmark with the bank_profiles plugin enabled.

Same steps as `quita bench billing` (receivables' `bench.py`: fresh database, N parties and
contracts loaded untimed, then the real `run_billing` timed), with `bank_profiles` enabled and —
unless `--no-profiles` — one Itaú profile assigned to every contract, so the timed run draws N
nosso números and stores N boletos through `on_invoice_created`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Optional

import typer

from plugins.receivables.bench import chunk_size_option, database_option


def bench_boletos(n: int, url: str | None = None, chunk_size: int = 5000, profiles: bool = True) -> dict:
    from sqlalchemy import func, select, update

    from core.db import unit_of_work
    from core.doctype.service import create_doc
    from core.models.company import Company
    from plugins.bank_profiles.models import Boleto, PaymentProfile
    from plugins.receivables.bench import load_contracts, migrated_runtime, run_figures, timed_billing
    from plugins.receivables.models import Contract

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-boletos.db'}"
        rt = migrated_runtime(url, ("receivables", "bank_profiles"))
        try:
            load_contracts(rt, n)
            if profiles:
                with unit_of_work(rt.engine) as s:
                    company_id = s.scalar(select(Company.id).where(Company.code == "BENCH"))
                    p = create_doc(s, PaymentProfile, {
                        "company_id": company_id, "name": "Itaú 109", "banco": "341", "agencia": "1234",
                        "conta": "56789", "conta_dv": "0", "carteira": "109", "nosso_numero_inicio": 1,
                        "nosso_numero_fim": 99_999_999, "layout": "400"}, runtime=rt)
                    s.execute(update(Contract).values(payment_profile_id=p.id))
            summary, seconds = timed_billing(rt, chunk_size)
            with unit_of_work(rt.engine, readonly=True) as s:
                boletos = s.scalar(select(func.count()).select_from(Boleto))
        finally:
            rt.dispose()
    return run_figures(n, seconds, url, chunk_size, summary,
                       invoices=summary["invoices_created"], boletos=boletos, profiles=profiles)


def register(bench: typer.Typer) -> None:
    @bench.command("boletos")
    def bench_boletos_cmd(
        contracts: int = typer.Option(20_000, "--contracts", min=1, help="Quantidade de contratos ativos."),
        database: Optional[str] = database_option(),
        chunk_size: int = chunk_size_option(),
        profiles: bool = typer.Option(True, "--profiles/--no-profiles",
                                      help="Com perfil de pagamento em todos os contratos (um boleto por fatura)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede o faturamento mensal com o plugin bank_profiles (nosso número e boleto de cada fatura)."""
        result = bench_boletos(contracts, database, chunk_size, profiles)
        if as_json:
            typer.echo(json.dumps(result))
            return
        typer.echo(f"Faturamento de {result['contracts']} contratos ({result['database']}, "
                   f"{'com' if profiles else 'sem'} perfil de pagamento): {result['seconds']} s — "
                   f"{result['contracts_per_s']} contratos/s; {result['invoices']} faturas, {result['boletos']} boletos")
