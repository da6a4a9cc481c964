"""Benchmarks of the bank_profiles plugin.

`quita bench boletos`: the billing benchmark with the bank_profiles plugin enabled. Same steps as
`quita bench billing` (receivables' `bench.py`: fresh database, N parties and contracts loaded
untimed, then the real `run_billing` timed), with `bank_profiles` enabled and — unless
`--no-profiles` — one Itaú profile assigned to every contract, so the timed run draws N nosso
números and stores N boletos through `on_invoice_created`.

`quita bench retorno --titulos N`: the same setup (N invoices with boletos, untimed), then a
synthetic Itaú CNAB 400 retorno of N liquidações (written from the spec, `retorno_synthetic`)
imported the way `quita retorno importar` does, timed in three steps: parse (`read_retorno`), store
(`retorno_jobs.submit_import`: checks, file, job plan) and apply (`work_import`: every part —
settlements, ledger entries, fees).
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

from plugins.receivables.bench import chunk_size_option, database_option


ITAU = {"name": "Itaú 109", "banco": "341", "agencia": "1234", "conta": "56789", "conta_dv": "0", "carteira": "109",
        "nosso_numero_inicio": 1, "nosso_numero_fim": 99_999_999, "layout": "400", "conta_contabil": "1.1.1.02"}


def _with_profile(rt) -> None:
    """One Itaú profile on every contract (and the bank and fee accounts the retorno posts to)."""
    from sqlalchemy import select, update

    from core.db import unit_of_work
    from core.doctype.service import create_doc
    from core.ledger.models import Account
    from core.models.company import Company
    from plugins.bank_profiles.models import PaymentProfile
    from plugins.receivables.models import Contract

    with unit_of_work(rt.engine) as s:
        company_id = s.scalar(select(Company.id).where(Company.code == "BENCH"))
        p = create_doc(s, PaymentProfile, {"company_id": company_id, **ITAU}, runtime=rt)
        s.execute(update(Contract).values(payment_profile_id=p.id))
        for code, name, kind in (("1.1.1.02", "Banco Itaú", "bank"), ("4.1.01", "Tarifas bancárias", "expense")):
            s.add(Account(company_id=company_id, code=code, name=name, kind=kind, is_synthetic=False, active=True))


def bench_boletos(n: int, url: str | None = None, chunk_size: int = 5000, profiles: bool = True) -> dict:
    from sqlalchemy import func, select

    from core.db import unit_of_work
    from plugins.bank_profiles.models import Boleto
    from plugins.receivables.bench import load_contracts, migrated_runtime, run_figures, timed_billing

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-boletos.db'}"
        rt = migrated_runtime(url, ("receivables", "bank_profiles"))
        try:
            load_contracts(rt, n)
            if profiles:
                _with_profile(rt)
            summary, seconds = timed_billing(rt, chunk_size)
            with unit_of_work(rt.engine, readonly=True) as s:
                boletos = s.scalar(select(func.count()).select_from(Boleto))
        finally:
            rt.dispose()
    return run_figures(n, seconds, url, chunk_size, summary,
                       invoices=summary["invoices_created"], boletos=boletos, profiles=profiles)


def _liquidacoes(rt) -> list[dict]:
    """One liquidação per boleto: paid on the due date, the face value, a R$ 1,50 fee."""
    from sqlalchemy import select

    from core.db import unit_of_work
    from plugins.bank_profiles.models import Boleto

    with unit_of_work(rt.engine, readonly=True) as s:
        rows = s.execute(select(Boleto.nosso_numero, Boleto.valor, Boleto.vencimento).order_by(Boleto.nosso_numero)).all()
    return [dict(nosso_numero=nn, carteira=109, ocorrencia_codigo="06", data_ocorrencia=due,
                 data_credito=due + timedelta(days=1), vencimento=due, valor_titulo=valor, valor_pago=valor,
                 juros_multa=Decimal("0"), desconto=Decimal("0"), tarifa=Decimal("1.50")) for nn, valor, due in rows]


def bench_retorno(n: int, url: str | None = None, chunk_size: int | None = None, profile: Path | None = None) -> dict:
    """Bill N invoices with boletos (untimed), then time parse / store / apply of a retorno settling
    all of them. `profile`: write a cProfile of the apply step there."""
    from sqlalchemy import func, select

    from core.db import unit_of_work
    from plugins.bank_profiles.retorno import read_file, remember
    from plugins.bank_profiles.retorno_jobs import submit_import, work_import
    from plugins.bank_profiles.retorno_models import RetornoImport
    from plugins.bank_profiles.retorno_synthetic import build_retorno
    from plugins.receivables.bench import load_contracts, migrated_runtime, timed_billing
    from plugins.receivables.models import INVOICE_SETTLED, Invoice

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-retorno.db'}"
        rt = migrated_runtime(url, ("receivables", "bank_profiles"))
        try:
            load_contracts(rt, n)
            _with_profile(rt)
            billed, billing_s = timed_billing(rt, 5000)
            data = build_retorno("itau_400", {"agencia": "1234", "conta": "56789", "conta_dv": "0"}, _liquidacoes(rt),
                                 gerado_em=date(2027, 1, 12))
            t0, c0 = time.perf_counter(), time.process_time()
            retorno = read_file(data, "bench.ret")
            parse_s, parse_cpu = time.perf_counter() - t0, time.process_time() - c0
            import hashlib

            remember(hashlib.sha256(data).hexdigest(), retorno)
            t0, c0 = time.perf_counter(), time.process_time()
            with unit_of_work(rt.engine) as s:
                imp = submit_import(s, rt, data, "bench.ret", chunk_size=chunk_size)
                import_id, job_id = imp.id, imp.job_id
            store_s, store_cpu = time.perf_counter() - t0, time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            if profile is not None:
                import cProfile

                cProfile.runctx("work_import(rt, job_id)", globals(), {"work_import": work_import, "rt": rt,
                                                                     "job_id": job_id}, str(profile))
            else:
                work_import(rt, job_id)
            apply_s, apply_cpu = time.perf_counter() - t0, time.process_time() - c0
            with unit_of_work(rt.engine, readonly=True) as s:
                imp = s.get(RetornoImport, import_id)
                settled = s.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == INVOICE_SETTLED))
                figures = {"liquidados": imp.liquidados, "erros": imp.erros, "faturas_liquidadas": settled,
                           "tarifas": str(imp.tarifas), "concluida": imp.finished_at is not None}
        finally:
            rt.dispose()
    total = parse_s + store_s + apply_s
    return {"titulos": len(retorno.titulos), "faturas": billed["invoices_created"], "bytes": len(data),
            "parse_s": round(parse_s, 3), "store_s": round(store_s, 3), "apply_s": round(apply_s, 3),
            "total_s": round(total, 3), "titulos_por_s": round(len(retorno.titulos) / total, 1) if total else None,
            "parse_titulos_por_s": round(len(retorno.titulos) / parse_s, 1) if parse_s else None,
            "apply_titulos_por_s": round(len(retorno.titulos) / apply_s, 1) if apply_s else None,
            "parse_cpu_s": round(parse_cpu, 3), "store_cpu_s": round(store_cpu, 3), "apply_cpu_s": round(apply_cpu, 3), "billing_s": round(billing_s, 3), "database": url.split(":", 1)[0], **figures}


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

    @bench.command("retorno")
    def bench_retorno_cmd(
        titulos: int = typer.Option(100_000, "--titulos", min=1, help="Liquidações no retorno (faturas com boleto)."),
        database: Optional[str] = database_option(),
        chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1,
                                                 help="Títulos por parte (padrão: retorno_chunk_size)."),
        profile: Optional[Path] = typer.Option(None, "--profile", help="Grava o cProfile da aplicação neste arquivo."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede a leitura e a aplicação de um retorno de N liquidações (Itaú CNAB 400 sintético)."""
        r = bench_retorno(titulos, database, chunk_size, profile)
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"Retorno de {r['titulos']} liquidações ({r['database']}, {r['bytes']} bytes): "
                   f"leitura {r['parse_s']} s ({r['parse_titulos_por_s']} títulos/s), gravação {r['store_s']} s, "
                   f"aplicação {r['apply_s']} s ({r['apply_titulos_por_s']} títulos/s); total {r['total_s']} s — "
                   f"{r['titulos_por_s']} títulos/s")
        typer.echo(f"CPU deste processo: leitura {r['parse_cpu_s']} s, gravação {r['store_cpu_s']} s, "
                   f"aplicação {r['apply_cpu_s']} s "
                   f"(o resto do relógio é espera pelo banco de dados e pela máquina)")
        typer.echo(f"Faturas liquidadas: {r['faturas_liquidadas']} de {r['faturas']}; erros: {r['erros']}; "
                   f"tarifas lançadas: {r['tarifas']}; faturamento (preparação, sem contar): {r['billing_s']} s")
