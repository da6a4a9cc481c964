"""`quita bench boletos`: the billing benchmark with the bank_profiles plugin enabled.

Same steps as `quita bench billing` (receivables' `bench.py`: fresh database, N parties and
contracts loaded untimed, then the real `run_billing` timed), with `bank_profiles` enabled and —
unless `--no-profiles` — one Itaú profile assigned to every contract, so the timed run draws N
nosso números and stores N boletos through `on_invoice_created`.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Optional

import typer


def _runtime(url: str):
    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    cfg = parse_config({"database": {"url": url}, "plugins": {"enabled": ["receivables", "bank_profiles"]}})
    rt = bootstrap(cfg, make_current=False)
    migrate.upgrade(rt)
    return rt


def bench_boletos(n: int, url: str | None = None, chunk_size: int = 5000, profiles: bool = True) -> dict:
    from sqlalchemy import func, select, update

    from core.db import unit_of_work
    from core.doctype.service import create_doc
    from core.models.company import Company
    from plugins.bank_profiles.models import Boleto, PaymentProfile
    from plugins.receivables.bench import COMPETENCE, load_contracts
    from plugins.receivables.billing import run_billing
    from plugins.receivables.models import Contract

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-boletos.db'}"
        rt = _runtime(url)
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
            t0 = time.perf_counter()
            summary = run_billing(rt, COMPETENCE, chunk_size=chunk_size)
            seconds = time.perf_counter() - t0
            with unit_of_work(rt.engine, readonly=True) as s:
                boletos = s.scalar(select(func.count()).select_from(Boleto))
        finally:
            rt.dispose()
    return {"contracts": n, "seconds": round(seconds, 3), "contracts_per_s": round(n / seconds, 1) if seconds else None,
            "invoices": summary["invoices_created"], "boletos": boletos, "profiles": profiles,
            "database": url.split(":", 1)[0], "chunk_size": chunk_size, "status": summary["status"]}


def register(bench: typer.Typer) -> None:
    @bench.command("boletos")
    def bench_boletos_cmd(
        contracts: int = typer.Option(20_000, "--contracts", min=1, help="Quantidade de contratos ativos."),
        database: Optional[str] = typer.Option(None, "--database",
                                               help="URL de um banco vazio (padrão: um arquivo SQLite temporário)."),
        chunk_size: int = typer.Option(5000, "--chunk-size", min=1, help="Clientes por parte da tarefa."),
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
