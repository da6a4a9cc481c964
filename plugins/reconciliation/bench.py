"""`quita bench ofx --lines 50000 [--raw-lines 10000] [--json]`: the OFX import benchmark.

What is measured (printed figures, never timed assertions in tests):

1. `generate_ofx(n)`: an OFX 1.02 SGML statement like real banks send (header with CRLF, element
   tags never closed, aggregates closed, `[-3:BRT]` dates, `1.234,56` amounts), generated untimed;
2. the adapter (`ofx.parse_ofx`) on that file — median of `--runs` runs;
3. raw ofxparse 0.21 (`OfxParser.parse`) on a file of `--raw-lines` lines and of half that (its
   pre-processor is quadratic: 50,000 lines take minutes); the growth exponent is fitted from the
   two runs' CPU times and the CPU time for `--lines` is extrapolated with it (`--raw-lines` =
   `--lines` measures it directly). The ratio is raw CPU time / adapter CPU time. Wall and CPU
   seconds are both printed: on a shared machine the CPU time is the figure to compare;
4. the import into a fresh SQLite database (`statement_import.import_statement`): first import
   (every line new) and the same file again (nothing new), each in one unit of work.
"""

from __future__ import annotations

import io
import json
import math
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import typer

_HEADER = ("OFXHEADER:100", "DATA:OFXSGML", "VERSION:102", "SECURITY:NONE", "ENCODING:USASCII", "CHARSET:1252",
           "COMPRESSION:NONE", "OLDFILEUID:NONE", "NEWFILEUID:NONE", "")


def generate_ofx(n: int, *, start: date = date(2026, 1, 2), account: str = "56789-0") -> bytes:
    """A checking-account statement with `n` transactions over a year (SGML, CRLF, cp1252)."""
    out = [*_HEADER, "<OFX>", "<SIGNONMSGSRSV1>", "<SONRS>", "<STATUS>", "<CODE>0", "<SEVERITY>INFO", "</STATUS>",
           "<DTSERVER>20270102120000[-3:BRT]", "<LANGUAGE>POR", "</SONRS>", "</SIGNONMSGSRSV1>", "<BANKMSGSRSV1>",
           "<STMTTRNRS>", "<TRNUID>1", "<STATUS>", "<CODE>0", "<SEVERITY>INFO", "</STATUS>", "<STMTRS>",
           "<CURDEF>BRL", "<BANKACCTFROM>", "<BANKID>0341", "<BRANCHID>1234", f"<ACCTID>{account}",
           "<ACCTTYPE>CHECKING", "</BANKACCTFROM>", "<BANKTRANLIST>", f"<DTSTART>{start:%Y%m%d}",
           f"<DTEND>{start + timedelta(days=364):%Y%m%d}"]
    total = 0
    for i in range(n):
        day = start + timedelta(days=i * 365 // max(n, 1))
        cents = (i * 7919) % 250_000 + 100
        credit = i % 3 != 0
        total += cents if credit else -cents
        amount = f"{'' if credit else '-'}{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        out += ["<STMTTRN>", f"<TRNTYPE>{'CREDIT' if credit else 'DEBIT'}", f"<DTPOSTED>{day:%Y%m%d}1{i % 10}0000[-3:BRT]",
                f"<TRNAMT>{amount}", f"<FITID>{day:%Y%m%d}{i:07d}", f"<CHECKNUM>{i:07d}",
                f"<MEMO>{'PIX RECEBIDO' if credit else 'PAGTO BOLETO'} CLIENTE {i % 4000:04d}", "</STMTTRN>"]
    out += ["</BANKTRANLIST>", "<LEDGERBAL>", f"<BALAMT>{total / 100:.2f}".replace(".", ","),
            f"<DTASOF>{start + timedelta(days=364):%Y%m%d}", "</LEDGERBAL>", "</STMTRS>", "</STMTTRNRS>",
            "</BANKMSGSRSV1>", "</OFX>", ""]
    return "\r\n".join(out).encode("cp1252")


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the CPU time is the steadier one."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def time_raw_ofxparse(data: bytes) -> tuple[float, float]:
    """(wall, CPU) seconds of ofxparse 0.21 alone (`OfxParser.parse`) on `data`."""
    from ofxparse import OfxParser

    return _timed(lambda: OfxParser.parse(io.BytesIO(data)))


def time_import(data: bytes, url: str | None = None) -> dict:
    """First import and re-import of `data` into a fresh database (SQLite temporary file by default)."""
    from core.db import unit_of_work
    from core.models.company import Company
    from plugins.receivables.bench import migrated_runtime
    from plugins.reconciliation.statement_import import import_statement

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-ofx.db'}"
        rt = migrated_runtime(url, ("receivables", "reconciliation"))
        try:
            from core.ledger.models import Account

            with unit_of_work(rt.engine) as s:
                company = Company(code="BENCH", name="Bench", cnpj="00000000000191", uf="PE")
                s.add(company)
                s.flush()
                bank = Account(company_id=company.id, code="1.1.1.01", name="Banco Itaú", kind="bank",
                               is_synthetic=False, active=True, bank_code="341", branch="1234",
                               account_number="56789", account_digit="0")
                s.add(bank)
                s.flush()
                bank_id = bank.id
            figures = {}
            for label in ("first", "again"):
                t0 = time.perf_counter()
                with unit_of_work(rt.engine) as s:
                    report = import_statement(s, data, "bench.ofx", bank_account_id=bank_id).as_dict()
                figures[f"import_{label}_s"] = round(time.perf_counter() - t0, 3)
                figures[f"import_{label}_new"] = report["accounts"][0]["new"]
            figures.update(_time_job_import(rt, company.id, data))
        finally:
            rt.dispose()
    figures["database"] = url.split(":", 1)[0]
    return figures


def _time_job_import(rt, company_id: int, data: bytes) -> dict:
    """The same lines (another account number, another bank account) as a `core.jobs` job in parts of
    the default size (`statement_jobs.py`): submit (parse + plan) and the parts run here."""
    from core.db import unit_of_work
    from core.ledger.models import Account
    from plugins.reconciliation.statement_jobs import import_progress, submit_statement, work_import

    with unit_of_work(rt.engine) as s:
        bank = Account(company_id=company_id, code="1.1.1.02", name="Banco Itaú 2", kind="bank", is_synthetic=False,
                       active=True)
        s.add(bank)
        s.flush()
        bank_id = bank.id
    t0 = time.perf_counter()
    with unit_of_work(rt.engine) as s:
        sub = submit_statement(s, rt, data.replace(b"<ACCTID>56789-0", b"<ACCTID>56789-9"), "bench-job.ofx",
                               bank_account_id=bank_id, threshold=0)
    submitted = time.perf_counter() - t0
    parts = work_import(rt, sub.job_id)
    total = time.perf_counter() - t0
    with unit_of_work(rt.engine, readonly=True) as s:
        new = import_progress(s, sub.file_id)["new"]
    return {"job_submit_s": round(submitted, 3), "job_total_s": round(total, 3), "job_parts": parts, "job_new": new}


def bench_ofx(lines: int, raw_lines: int | None = 10_000, runs: int = 3, url: str | None = None,
              with_import: bool = True) -> dict:
    from plugins.reconciliation.ofx import parse_ofx

    data = generate_ofx(lines)
    samples = [_timed(lambda: parse_ofx(data, "bench.ofx")) for _ in range(runs)]
    adapter = statistics.median(w for w, _c in samples)
    result = {"lines": lines, "file_bytes": len(data), "adapter_parse_s": round(adapter, 3),
              "adapter_cpu_s": round(statistics.median(c for _w, c in samples), 3),
              "adapter_runs": [round(w, 3) for w, _c in samples]}
    if raw_lines:
        raw_lines = min(raw_lines, lines)
        raw, raw_cpu = time_raw_ofxparse(data if raw_lines == lines else generate_ofx(raw_lines))
        result.update(raw_lines=raw_lines, raw_ofxparse_s=round(raw, 3), raw_ofxparse_cpu_s=round(raw_cpu, 3))
        exponent = None
        estimate = raw_cpu
        if raw_lines != lines:                  # fit the growth on CPU time (steadier than wall time)
            half = time_raw_ofxparse(generate_ofx(raw_lines // 2))[1]
            exponent = max(1.0, math.log2(raw_cpu / half)) if half > 0 else 2.0
            estimate = raw_cpu * (lines / raw_lines) ** exponent
            result.update(raw_half_lines=raw_lines // 2, raw_half_ofxparse_cpu_s=round(half, 3))
        adapter_cpu = result["adapter_cpu_s"]
        result.update(raw_growth_exponent=None if exponent is None else round(exponent, 2),
                      raw_ofxparse_for_lines_cpu_s=round(estimate, 1), raw_measured=exponent is None,
                      ratio=round(estimate / adapter_cpu, 1) if adapter_cpu else None)
    if with_import:
        result.update(time_import(data, url))
    return result


def register(bench: typer.Typer) -> None:
    @bench.command("ofx")
    def bench_ofx_cmd(
        lines: int = typer.Option(50_000, "--lines", min=1, help="Lançamentos no extrato gerado."),
        raw_lines: int = typer.Option(10_000, "--raw-lines", min=0, help=(
            "Lançamentos do arquivo em que o ofxparse puro é medido (0: não medir; = --lines: mede no mesmo "
            "arquivo, leva minutos).")),
        runs: int = typer.Option(3, "--runs", min=1, help="Medições do adaptador (mediana)."),
        database: str = typer.Option(None, "--database", help="URL de um banco vazio para a importação "
                                                              "(padrão: um arquivo SQLite temporário)."),
        no_import: bool = typer.Option(False, "--no-import", help="Não medir a importação no banco."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede a leitura de um OFX grande pelo adaptador, pelo ofxparse puro e a importação no banco."""
        r = bench_ofx(lines, raw_lines, runs, database, not no_import)
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"OFX com {r['lines']} lançamentos ({r['file_bytes'] / 1e6:.1f} MB): adaptador {r['adapter_parse_s']} s "
                   f"(CPU {r['adapter_cpu_s']} s; mediana de {len(r['adapter_runs'])})")
        if "raw_ofxparse_s" in r:
            if r["raw_measured"]:
                typer.echo(f"ofxparse puro no mesmo arquivo: {r['raw_ofxparse_s']} s (CPU {r['raw_ofxparse_cpu_s']} s) — "
                           f"{r['ratio']}× o adaptador (CPU)")
            else:
                typer.echo(f"ofxparse puro (CPU): {r['raw_half_ofxparse_cpu_s']} s com {r['raw_half_lines']} e "
                           f"{r['raw_ofxparse_cpu_s']} s com {r['raw_lines']} lançamentos (expoente {r['raw_growth_exponent']}); "
                           f"estimado para {r['lines']}: {r['raw_ofxparse_for_lines_cpu_s']} s — "
                           f"{r['ratio']}× o adaptador (extrapolado, não medido)")
        if "import_first_s" in r:
            typer.echo(f"Importação ({r['database']}): {r['import_first_s']} s ({r['import_first_new']} novos); "
                       f"de novo: {r['import_again_s']} s ({r['import_again_new']} novos)")
            typer.echo(f"Importação em tarefa ({r['job_parts']} partes): {r['job_total_s']} s ({r['job_new']} novos; "
                       f"envio, leitura e plano: {r['job_submit_s']} s)")
