"""`quita bench conv115 --documents N [--json]`: write and then check the Convênio 115 file set of
N synthetic documents (2 items each, pure layer: no database), timing both steps.

`quita bench fiscal-gerar --invoices N [--database URL] [--chunk-size K] [--json]`: N invoices
billed on a fresh database, then the bulk job "Gerar todos" timed (notes/s)."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Optional

import typer

from plugins.fiscal_nf2122.conv115.writer import Destinatario, DocumentoNF, Emitente, Entrega, ItemNF

EMITENTE = Emitente(cnpj="07861033000175", uf="SP", ie="110042490114", razao_social="Provedor Exemplo Telecom Ltda",
                    endereco="Av. Paulista, 1000", cep="01310100", bairro="Bela Vista", municipio="São Paulo",
                    responsavel="Maria Fiscal", cargo="Contadora", telefone="1130000000", email="fiscal@example.com")


def synthetic_documents(n: int, *, first: int = 1, emitted: date = date(2026, 11, 1)) -> list[DocumentoNF]:
    """N documents of an ISP month: a SCM plan (ICMS 18 %) and an equipment rental (outros), every
    17th cancelled; names and streets with accents (the writer transliterates them)."""
    docs = []
    for k in range(n):
        numero = first + k
        plano = Decimal(79 + k % 5 * 20) + Decimal("0.90")
        dest = Destinatario(cnpj_cpf=f"{10_000_000_000 + k:011d}", razao_social=f"Cliente Ação {numero}", uf="SP",
                            logradouro="Rua São João", numero_endereco=str(k % 9999 + 1), cep="01310100",
                            bairro="Centro", municipio="São Paulo", codigo_municipio="3550308",
                            telefone="11999990000", codigo_assinante=f"C{numero}")
        itens = [ItemNF(descricao="Serviço de comunicação multimídia", valor_total=plano, bc_icms=plano,
                        icms=(plano * Decimal("0.18")).quantize(Decimal("0.01")), aliquota_icms=Decimal("18.00"),
                        codigo_servico="SCM", contrato=f"CT{numero}"),
                 ItemNF(descricao="Locação de equipamento", valor_total=Decimal("10.00"), outros=Decimal("10.00"),
                        cfop="5949", classificacao="0702", codigo_servico="LOC", contrato=f"CT{numero}")]
        docs.append(DocumentoNF(numero=numero, data_emissao=emitted + timedelta(days=k % 28), destinatario=dest,
                                itens=itens, situacao="S" if k % 17 == 16 else "N", terminal="1130000000",
                                fatura_comercial=f"FAT{numero}"))
    return docs


def bench_conv115(n: int) -> dict:
    from plugins.fiscal_nf2122.conv115.check import check_files
    from plugins.fiscal_nf2122.conv115.writer import write_file_set

    docs = synthetic_documents(n)
    entrega = Entrega(emitente=EMITENTE, modelo=21, serie="U", periodo="2611")
    t0, c0 = time.perf_counter(), time.process_time()
    files = write_file_set(entrega, docs)
    write_s, write_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    reports = check_files([(f.name, f.data) for f in files])
    check_s, check_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"documents": n, "items": sum(len(d.itens) for d in docs), "files": len(files),
            "bytes": sum(len(f.data) for f in files), "write_s": round(write_s, 3), "check_s": round(check_s, 3),
            "write_docs_per_s": round(n / write_s, 1) if write_s else None,
            "check_docs_per_s": round(n / check_s, 1) if check_s else None,
            "write_cpu_s": round(write_cpu, 3), "check_cpu_s": round(check_cpu, 3),
            "errors": sum(len(r.errors) for r in reports), "warnings": sum(len(r.warnings) for r in reports)}


def register(bench: typer.Typer) -> None:
    register_fiscal_generate(bench)  # quita bench fiscal-gerar (below)

    @bench.command("conv115")
    def bench_conv115_cmd(
        documents: int = typer.Option(100_000, "--documents", min=1, help="Documentos sintéticos (2 itens cada)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede a geração e a validação dos arquivos do Convênio 115 de N documentos (sem banco de dados)."""
        r = bench_conv115(documents)
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"Convênio 115, {r['documents']} documentos ({r['items']} itens, {r['files']} arquivos, "
                   f"{r['bytes']} bytes): geração {r['write_s']} s ({r['write_docs_per_s']} docs/s), "
                   f"validação {r['check_s']} s ({r['check_docs_per_s']} docs/s); "
                   f"{r['errors']} erro(s), {r['warnings']} aviso(s)")
        typer.echo(f"CPU deste processo: geração {r['write_cpu_s']} s, validação {r['check_cpu_s']} s "
                   f"(o resto do relógio é espera pela máquina)")


# --- quita bench fiscal-gerar ---------------------------------------------------------------------

def bench_fiscal_generate(n: int, url: str | None = None, chunk_size: int = 500) -> dict:
    """N contracts billed (not timed: receivables' own benchmark), then TIMED: the bulk job "Gerar
    todos" (`bulk.py`: plan, chunk claims, request + efetivação of each note with items, numbers,
    MD5, log rows) run in this process, as `quita fiscal gerar --todas` does."""
    import tempfile
    from pathlib import Path

    from sqlalchemy import func, select

    from core.db import unit_of_work
    from plugins.fiscal_nf2122 import bulk
    from plugins.fiscal_nf2122.models import FiscalDocument
    from plugins.receivables.bench import load_contracts, migrated_runtime
    from plugins.receivables.billing import run_billing

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-fiscal.db'}"
        rt = migrated_runtime(url, enabled=("receivables", "fiscal_nf2122"))
        try:
            load_contracts(rt, n)
            invoices = run_billing(rt, "2026-12", chunk_size=5000)["invoices_created"]
            t0, c0 = time.perf_counter(), time.process_time()
            with unit_of_work(rt.engine) as s:
                job_id = bulk.submit_generation(s, rt, chunk_size=chunk_size, user="bench").id
            bulk.work_job(rt, job_id)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            with unit_of_work(rt.engine, readonly=True) as s:
                p = bulk.progress(s, job_id)
                numbers = s.execute(select(func.count(), func.min(FiscalDocument.number),
                                           func.max(FiscalDocument.number))).one()
        finally:
            rt.dispose()
    return {"invoices": invoices, "notes": numbers[0], "first_number": numbers[1], "last_number": numbers[2],
            "failed": p["failed"], "status": p["status"], "seconds": round(seconds, 3), "cpu_s": round(cpu, 3),
            "notes_per_s": round(numbers[0] / seconds, 1) if seconds else None,
            "database": url.split(":", 1)[0], "chunk_size": chunk_size}


def register_fiscal_generate(bench: typer.Typer) -> None:
    @bench.command("fiscal-gerar")
    def bench_fiscal_generate_cmd(
        invoices: int = typer.Option(20_000, "--invoices", min=1, help="Faturas (uma por contrato faturado)."),
        database: Optional[str] = typer.Option(None, "--database", help="URL de um banco vazio (padrão: SQLite temporário)."),
        chunk_size: int = typer.Option(500, "--chunk-size", min=1, help="Faturas por parte da tarefa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede "Gerar todos" (documentos fiscais das faturas pendentes, em tarefa) num banco novo."""
        r = bench_fiscal_generate(invoices, database, chunk_size)
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"Gerar todos ({r['database']}, partes de {r['chunk_size']}): {r['notes']} notas de "
                   f"{r['invoices']} faturas em {r['seconds']} s — {r['notes_per_s']} notas/s "
                   f"(números {r['first_number']} a {r['last_number']}, {r['failed']} falha(s), tarefa {r['status']})")
        typer.echo(f"CPU deste processo: {r['cpu_s']} s (o resto do relógio é espera pela máquina/banco)")
