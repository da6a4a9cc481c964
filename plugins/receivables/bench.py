"""`quita bench billing`: time the real billing run on a fresh database.

1. a fresh database (a scratch SQLite file unless `--database` is given; that one must have no
   contracts yet) is migrated with only the receivables plugin enabled;
2. N parties and N active contracts (and the two accounts the billing's accrual entries post to)
   are loaded with bulk Core inserts (not timed);
3. TIMED: `plugins.receivables.billing.run_billing` for one competence — the same code path as
   `quita billing run` (job planning, chunk claims, charges, grouping, numbering, invoices);
4. the floor: the same charge and invoice rows inserted again with plain DBAPI `executemany`
   into empty copies of the tables, to show what raw inserts cost on this machine.
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
from sqlalchemy import func, select

COMPETENCE = date(2026, 12, 1)


def database_option():
    """`--database` of the billing benchmarks (this one and `quita bench boletos`)."""
    return typer.Option(None, "--database", help="URL de um banco vazio (padrão: um arquivo SQLite temporário).")


def chunk_size_option():
    """`--chunk-size` of the billing benchmarks."""
    return typer.Option(5000, "--chunk-size", min=1, help="Clientes por parte da tarefa.")


def migrated_runtime(url: str, enabled=("receivables",)):
    """A runtime on `url` with only these plugins enabled, its schema upgraded."""
    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    cfg = parse_config({"database": {"url": url}, "plugins": {"enabled": list(enabled)}})
    rt = bootstrap(cfg, make_current=False)
    migrate.upgrade(rt)
    return rt


def run_figures(n: int, seconds: float, url: str, chunk_size: int, summary: dict, **figures) -> dict:
    """The figures every billing benchmark prints: contracts, seconds and contracts/s, then this
    benchmark's own `figures`, then database, chunk size and the run's status."""
    return {"contracts": n, "seconds": round(seconds, 3),
            "contracts_per_s": round(n / seconds, 1) if seconds else None, **figures,
            "database": url.split(":", 1)[0], "chunk_size": chunk_size, "status": summary["status"]}


def timed_billing(rt, chunk_size: int) -> tuple[dict, float]:
    """The timed step: the real `run_billing` for COMPETENCE; (its summary, seconds)."""
    from plugins.receivables.billing import run_billing

    t0 = time.perf_counter()
    summary = run_billing(rt, COMPETENCE, chunk_size=chunk_size)
    return summary, time.perf_counter() - t0


def load_contracts(rt, n: int) -> None:
    """N parties, each with one active contract (every 10th activated mid-month: pro-rata)."""
    from core.model import utcnow
    from core.ledger.models import Account
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.receivables.models import CONTRACT_ACTIVE, Contract, DueRule, Plan

    now = utcnow()
    with rt.engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(Contract.__table__)).scalar_one():
            raise SystemExit("Erro: o banco do benchmark precisa estar vazio (já há contratos).")
        company_id = conn.execute(Company.__table__.insert().returning(Company.__table__.c.id), {
            "code": "BENCH", "name": "Provedor Benchmark Ltda", "cnpj": "11222333000181", "docstatus": 0,
            "created_at": now, "modified_at": now}).scalar_one()
        # The chart the accrual posting needs (clientes × receita de serviços, the settings' defaults):
        # the timed run posts the billing's ledger entries like a real deployment.
        conn.execute(Account.__table__.insert(), [
            {"company_id": company_id, "code": code, "name": name, "kind": kind, "is_synthetic": False,
             "active": True, "docstatus": 0, "created_at": now, "modified_at": now}
            for code, name, kind in (("1.1.03", "Clientes a receber", "receivable"),
                                     ("3.1.01", "Receita de serviços de internet", "revenue"))])
        plan_id = conn.execute(Plan.__table__.insert().returning(Plan.__table__.c.id), {
            "code": "F300", "name": "Fibra 300 Mega", "price": Decimal("99.90"), "active": True,
            "docstatus": 0, "created_at": now, "modified_at": now}).scalar_one()
        rule_id = conn.execute(DueRule.__table__.insert().returning(DueRule.__table__.c.id), {
            "code": "D10", "name": "Dia 10", "due_day": 10, "issue_days_before": 10,
            "competence_mode": "mes_seguinte", "active": True, "docstatus": 0, "created_at": now,
            "modified_at": now}).scalar_one()
        party_t, contract_t = Party.__table__, Contract.__table__
        first_code = 1 + (conn.execute(select(func.max(party_t.c.code))).scalar_one() or 0)
        step = 10_000
        for start in range(0, n, step):
            count = min(step, n - start)
            parties = [{"code": first_code + start + i, "name": f"CLIENTE BENCH {start + i:07d}",
                        "name_search": f"CLIENTE BENCH {start + i:07d}", "person_type": "PF",
                        "classification": "cliente", "active": True, "docstatus": 0, "created_at": now,
                        "modified_at": now} for i in range(count)]
            ids = [r[0] for r in conn.execute(party_t.insert().returning(party_t.c.id, sort_by_parameter_order=True),
                                              parties)]
            conn.execute(contract_t.insert(), [{
                "party_id": pid, "company_id": company_id, "plan_id": plan_id, "due_rule_id": rule_id,
                "wallet": "cobranca", "status": CONTRACT_ACTIVE, "cancellation_requested": False,
                "activated_on": (COMPETENCE + timedelta(days=15)) if (start + i) % 10 == 0 else date(2026, 1, 5),
                "docstatus": 0, "created_at": now, "modified_at": now} for i, pid in enumerate(ids)])


def raw_floor(rt) -> tuple[int, float]:
    """Insert the run's charge and invoice rows again with plain DBAPI executemany (timed)."""
    from plugins.receivables.models import Charge, Invoice

    rows_total, seconds = 0, 0.0
    raw = rt.engine.raw_connection()
    try:
        cur = raw.cursor()
        is_pg = rt.engine.dialect.name == "postgresql"
        if not is_pg:  # a pooled connection may come from a read-only unit of work
            cur.execute("PRAGMA query_only=OFF")
        for table in (Invoice.__table__, Charge.__table__):
            copy = f"floor_{table.name}"
            cols = [c.name for c in table.columns if c.name != "id"]
            cur.execute(f"DROP TABLE IF EXISTS {copy}")
            if is_pg:
                cur.execute(f"CREATE TABLE {copy} (LIKE {table.name} INCLUDING DEFAULTS)")
            else:
                cur.execute(f"CREATE TABLE {copy} AS SELECT * FROM {table.name} WHERE 0")
            raw.commit()
            cur.execute(f"SELECT {', '.join(cols)} FROM {table.name}")
            data = cur.fetchall()
            mark = "%s" if is_pg else "?"
            sql = f"INSERT INTO {copy} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
            t0 = time.perf_counter()
            if not is_pg:
                cur.execute("BEGIN IMMEDIATE")
            cur.executemany(sql, data)
            raw.commit()
            seconds += time.perf_counter() - t0
            rows_total += len(data)
            cur.execute(f"DROP TABLE {copy}")
            raw.commit()
    finally:
        raw.close()
    return rows_total, seconds


def bench_billing(n: int, url: str | None = None, chunk_size: int = 5000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-billing.db'}"
        rt = migrated_runtime(url)
        try:
            load_contracts(rt, n)
            summary, seconds = timed_billing(rt, chunk_size)
            floor_rows, floor_seconds = raw_floor(rt)
        finally:
            rt.dispose()
    rows = summary["charges_created"] + summary["invoices_created"]
    return run_figures(n, seconds, url, chunk_size, summary,
                       rows_written=rows, charges_linked=summary["charges_invoiced"],
                       floor_rows=floor_rows, floor_seconds=round(floor_seconds, 3),
                       floor_rows_per_s=round(floor_rows / floor_seconds, 1) if floor_seconds else None)


def register(bench: typer.Typer) -> None:
    @bench.command("billing")
    def bench_billing_cmd(
        contracts: int = typer.Option(100_000, "--contracts", min=1, help="Quantidade de contratos ativos."),
        database: Optional[str] = database_option(),
        chunk_size: int = chunk_size_option(),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede o faturamento mensal (código real) num banco novo, e o piso de inserção bruta."""
        result = bench_billing(contracts, database, chunk_size)
        if as_json:
            keys = ("contracts", "seconds", "contracts_per_s", "rows_written", "floor_rows_per_s")
            typer.echo(json.dumps({k: result[k] for k in keys}))
            return
        typer.echo(f"Faturamento de {result['contracts']} contratos ({result['database']}): "
                   f"{result['seconds']} s — {result['contracts_per_s']} contratos/s, "
                   f"{result['rows_written']} linhas gravadas (+{result['charges_linked']} contas vinculadas)")
        typer.echo(f"Piso de inserção bruta: {result['floor_rows']} linhas em {result['floor_seconds']} s — "
                   f"{result['floor_rows_per_s']} linhas/s")
