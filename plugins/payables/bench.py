"""`quita bench pagar-fornecedor --url URL [--parties 200000] [--termo "atacado de links"] [--json]`:
the list's supplier filter by name ("Faturas a pagar", `writeoff_search.supplier_name_condition`).

Fills `party` of the database at URL — an EMPTY scratch database (refused when it has parties;
every row is deleted at the end) — with N
synthetic suppliers (normalized `name_search`, as the kernel's party service writes them) plus one
"Atacado de Links S.A." with 3 launched installments, then prints: the plan of the parties'
subquery (PostgreSQL: `EXPLAIN ANALYZE`, to see the trigram index used) and the median time of
`search_installments(supplier_name=…)`. Figures only, no assertion.
"""

from __future__ import annotations

import json
import time
from datetime import date

import typer


def _seed(rt, n: int) -> None:
    from sqlalchemy import text

    from core.db import unit_of_work
    from core.ledger.models import AccountingTemplate
    from core.models.company import Company
    from core.parties.models import Party
    from core.parties.rules import search_columns
    from core.ledger.models import Account
    from plugins.payables.launch import LaunchRequest, launch_invoice

    with rt.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO party (code, person_type, name, name_search, classification, active, docstatus, created_at, "
            "modified_at) SELECT i + 1000000, 'PJ', 'Fornecedor ' || md5(i::text), 'FORNECEDOR ' || upper(md5(i::text)), "
            "'fornecedor', true, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM generate_series(1, :n) AS i"
            if rt.engine.dialect.name == "postgresql" else
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) "
            "INSERT INTO party (code, person_type, name, name_search, classification, active, docstatus, created_at, "
            "modified_at) SELECT i + 1000000, 'PJ', 'Fornecedor ' || hex(randomblob(16)), "
            "'FORNECEDOR ' || hex(randomblob(16)), 'fornecedor', 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g"),
            {"n": n})
    with unit_of_work(rt.engine) as s:
        company = Company(code="BENCH", name="Provedor Bench Ltda", cnpj="11222333000181")
        s.add(company)
        s.flush()
        supplier = Party(code=999_999, person_type="PJ", name="Atacado de Links S.A.", document="11444777000161",
                         classification="fornecedor", active=True,
                         **search_columns({"name": "Atacado de Links S.A."}))
        s.add(supplier)
        ids = {}
        for code, name, kind in (("2.1.01", "Fornecedores", "payable"), ("4.1.03", "Links", "expense")):
            acc = Account(company_id=company.id, code=code, name=name, kind=kind, is_synthetic=False, active=True)
            s.add(acc)
            s.flush()
            ids[code] = acc.id
        tpl = AccountingTemplate(company_id=company.id, code="410", description="Links",
                                 debit_account_id=ids["4.1.03"], credit_account_id=ids["2.1.01"], active=True)
        s.add(tpl)
        s.flush()
        launch_invoice(s, LaunchRequest(company_id=company.id, supplier_id=supplier.id, emission_date=date(2026, 11, 5),
                                        total="1000,00", installments=3, term_days=30, template_id=tpl.id),
                       runtime=rt)
    if rt.engine.dialect.name == "postgresql":
        with rt.engine.begin() as conn:
            conn.execute(text("ANALYZE party"))


def _cleanup(rt) -> None:
    """Empty every table (the database was empty before: checked by `run`)."""
    from sqlalchemy import inspect, text

    from core.model import Base

    with rt.engine.begin() as conn:
        existing = set(inspect(conn).get_table_names())
        tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
        if rt.engine.dialect.name == "postgresql":  # DELETE of 200k parties checks every FK: minutes
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def run(url: str, parties: int, term: str) -> dict:
    from sqlalchemy import text

    from core.bench import time_median
    from core.db import unit_of_work
    from plugins.payables.writeoff_search import InstallmentFilter, search_installments, supplier_ids_by_name
    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    rt = bootstrap(parse_config({"database": {"url": url}, "plugins": {"enabled": ["payables"]}}), make_current=False)
    migrate.upgrade(rt)
    with rt.engine.connect() as conn:
        if conn.execute(text("SELECT count(*) FROM party")).scalar():
            rt.dispose()
            raise typer.BadParameter("o banco já tem pessoas: use um banco de rascunho vazio (tudo é apagado no fim).",
                                     param_hint="--url")
    try:
        t0 = time.perf_counter()
        _seed(rt, parties)
        seeded = time.perf_counter() - t0
        with unit_of_work(rt.engine, readonly=True) as s:
            plan = []
            if rt.engine.dialect.name == "postgresql":
                compiled = supplier_ids_by_name(term).compile(rt.engine)
                plan = [row[0] for row in s.connection().exec_driver_sql("EXPLAIN ANALYZE " + str(compiled),
                                                                         compiled.params)]
            seconds, rows = time_median(
                lambda: search_installments(s, InstallmentFilter(supplier_name=term, status=None)), runs=5)
        return {"parties": parties + 1, "seed_seconds": round(seeded, 2), "term": term, "installments": len(rows),
                "median_ms": round(seconds * 1000, 2), "database": rt.engine.dialect.name, "plan": plan}
    finally:
        _cleanup(rt)
        rt.dispose()


def register(bench: typer.Typer) -> None:
    @bench.command("pagar-fornecedor")
    def bench_supplier(
        url: str = typer.Option(..., "--url", help="URL de um banco de RASCUNHO (as linhas criadas são apagadas)."),
        parties: int = typer.Option(200_000, "--parties", help="Fornecedores sintéticos."),
        termo: str = typer.Option("atacado de links", "--termo", help="Parte do nome pesquisada."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Filtro "Fornecedor" por nome da lista "Faturas a pagar": plano e tempo (mediana de 5)."""
        r = run(url, parties, termo)
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
            return
        typer.echo(f"{r['parties']} pessoas ({r['database']}; carga {r['seed_seconds']} s); termo «{r['term']}»: "
                   f"{r['installments']} fatura(s), mediana {r['median_ms']} ms")
        for line in r["plan"]:
            typer.echo("  " + line)
