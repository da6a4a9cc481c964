"""`quita bench parties`: load N parties fast, then time every customer-panel search.

Loading uses Core bulk inserts (COPY on PostgreSQL, with the party indexes rebuilt once after a
large load); the searches are the real `core.parties.search` functions. Each figure is the median
of several runs with different search terms. Meant for a scratch database: it adds parties.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Optional

import typer
from sqlalchemy import func, insert, select, text

from core.bench import time_median
from core.db import unit_of_work
from core.parties.fakedata import PartyFaker, row_for_insert
from core.parties.models import Party, PartyEmailTest
from core.parties.rules import PARTY_COUNTER
from core.parties.search import AdvancedCriteria, advanced_search, latest_active, pivot_counts, search_parties

PARTY_COLUMNS = [c.name for c in Party.__table__.columns if c.name != "id"]
CHUNK = 20_000
REBUILD_INDEXES_FROM = 100_000


def _sync_counter(conn, max_code: int) -> None:
    from core.models.numbering import NumberCounter

    table = NumberCounter.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as up
    else:
        from sqlalchemy.dialects.sqlite import insert as up
    stmt = up(table).values(company_id=0, kind=PARTY_COUNTER, series="", last_value=max_code)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.company_id, table.c.kind, table.c.series],
                                      set_={"last_value": func.max(table.c.last_value, max_code)}
                                      if conn.dialect.name == "sqlite" else
                                      {"last_value": func.greatest(table.c.last_value, max_code)})
    conn.execute(stmt)


def _rows(faker: PartyFaker, first: int, count: int, start_code: int):
    end = datetime.now(timezone.utc)
    times = faker.created_times(count, end=end)
    for i in range(count):
        n = first + i
        yield row_for_insert(faker.party(n), code=start_code + i, created_at=times[i])


def _droppable_indexes():
    return [ix for ix in Party.__table__.indexes]


def load_parties(engine, count: int, *, seed: int = 7, echo: Callable[[str], None] = print) -> int:
    """Bring the party table up to `count` rows (adds the missing ones); returns rows added."""
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(Party)).scalar_one()
        max_code = conn.execute(select(func.coalesce(func.max(Party.code), 0))).scalar_one()
        max_id = conn.execute(select(func.coalesce(func.max(Party.id), 0))).scalar_one()
    missing = count - existing
    if missing <= 0:
        echo(f"A tabela de pessoas já tem {existing} linhas; nada a carregar.")
        return 0
    faker = PartyFaker(seed + existing)
    echo(f"Carregando {missing} pessoas (já existem {existing})…")
    t0 = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    rebuild = pg and missing >= REBUILD_INDEXES_FROM
    if rebuild:
        with engine.begin() as conn:
            for ix in _droppable_indexes():
                conn.execute(text(f'DROP INDEX IF EXISTS "{ix.name}"'))
    rows = _rows(faker, existing, missing, max_code + 1)
    done = 0
    if pg:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cols = ", ".join(f'"{c}"' for c in PARTY_COLUMNS)
            with cur.copy(f"COPY party ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in PARTY_COLUMNS])
                    done += 1
                    if done % 100_000 == 0:
                        echo(f"  {done}/{missing} linhas ({time.perf_counter() - t0:.0f}s)")
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == CHUNK:
                    conn.execute(insert(Party), batch)
                    done += len(batch)
                    batch = []
                    echo(f"  {done}/{missing} linhas ({time.perf_counter() - t0:.0f}s)")
            if batch:
                conn.execute(insert(Party), batch)
                done += len(batch)
    echo(f"  linhas gravadas em {time.perf_counter() - t0:.1f}s")
    if rebuild:
        t1 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            for ix in _droppable_indexes():
                ix.create(conn, checkfirst=True)
        echo(f"  índices recriados em {time.perf_counter() - t1:.1f}s")
    _email_tests(engine, faker, max_id)
    with engine.begin() as conn:
        _sync_counter(conn, max_code + missing)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if pg:  # as autovacuum would: statistics and the visibility map (index-only scans)
            conn.execute(text("VACUUM ANALYZE party"))
            conn.execute(text("VACUUM ANALYZE party_email_test"))
        else:
            conn.execute(text("ANALYZE"))
    echo(f"Carga concluída em {time.perf_counter() - t0:.1f}s")
    return missing


def _email_tests(engine, faker: PartyFaker, after_id: int) -> None:
    """One e-mail test for about one party in twenty of the new rows (id > after_id)."""
    with engine.begin() as conn:
        ids = conn.execute(select(Party.id, Party.email, Party.created_at)
                           .where(Party.email.is_not(None), Party.id > after_id).order_by(Party.id)).all()
        batch = []
        for pid, email, created in ids:
            if faker.rnd.random() < 0.05:
                batch.append({"party_id": pid, "email": email, "ok": faker.rnd.random() < 0.9,
                              "tested_at": created + timedelta(days=faker.rnd.randint(0, 20))})
                if len(batch) == CHUNK:
                    conn.execute(insert(PartyEmailTest), batch)
                    batch = []
        if batch:
            conn.execute(insert(PartyEmailTest), batch)


def _sample(engine) -> dict:
    """Real values from the loaded data to search for."""
    with engine.connect() as conn:
        n = conn.execute(select(func.max(Party.code))).scalar_one() or 1
        picks = [max(1, int(n * f)) for f in (0.11, 0.37, 0.52, 0.78, 0.93)]
        rows = conn.execute(select(Party).where(Party.code.in_(picks))).mappings().all()
        last = conn.execute(select(func.max(Party.created_at))).scalar_one()
    docs = [r["document"] for r in rows if r["document"]] or ["123"]
    return {
        "codes": picks,
        "docs": [d[:6] for d in docs],
        "emails": [(r["email"] or "silva").split("@")[0] for r in rows],
        "phones": [(r["phone_search"] or "98765")[2:7] for r in rows],
        "ceps": [r["cep"] for r in rows if r["cep"]],
        "dates": [r["created_at"].astimezone(timezone(timedelta(hours=-3))).date() for r in rows],
        "last": last.date() if last else date.today(),
    }


SHORT = ["SI", "ma", "Jo", "AN", "lu"]
NAMES = ["SILVA", "joão pereira", "Gonçalves", "MARIA DE", "ribeiro lima"]
CITIES = ["Campinas", "são paulo", "CURITIBA", "Feira de Santana", "Uberlândia"]
DISTRICTS = ["Centro", "jardim america", "Vila Nova", "SANTO ANTONIO", "Morada do Sol"]
TRADE = ["Farmácia", "informatica norte", "Padaria", "AUTO PECAS", "Pet Shop"]
STREETS = ["Sete de Setembro", "rua tiradentes", "Avenida Brasil", "getulio vargas", "Praça"]


def search_cases(engine, s: dict) -> list[tuple[str, list[Callable]]]:
    """(name, [one callable per search term]) for every search kind."""

    def run(fn):
        def call():
            with unit_of_work(engine, readonly=True) as session:
                result = fn(session)
                return len(result[0]) if isinstance(result, tuple) else (
                    result.total if hasattr(result, "total") else len(result))
        return call

    last = s["last"]
    months = [(last - timedelta(days=30 * k + 30), last - timedelta(days=30 * k)) for k in range(5)]
    cases: list[tuple[str, list[Callable]]] = [
        ("últimos 1000 cadastros ativos", [run(lambda se: latest_active(se))]),
        ("últimos 1000 + filtro nome", [run(lambda se, t=t: latest_active(se, filters={"name": t})) for t in NAMES]),
        ("ativos: listar todos (página 1 + total)",
         [run(lambda se: search_parties(se, active=True, filters={}, list_all=True))]),
        ("inativos: listar todos (página 1 + total)",
         [run(lambda se: search_parties(se, active=False, filters={}, list_all=True))]),
        ("ativos: código", [run(lambda se, c=c: search_parties(se, active=True, filters={"code": str(c)}))
                            for c in s["codes"]]),
        ("ativos: data do cadastro", [run(lambda se, d=d: search_parties(se, active=True, filters={"created_at": d.isoformat()}))
                                      for d in s["dates"]]),
        ("ativos: nome contém", [run(lambda se, t=t: search_parties(se, active=True, filters={"name": t}))
                                 for t in NAMES]),
        ("ativos: nome contém (2 letras, sem trigrama)",
         [run(lambda se, t=t: search_parties(se, active=True, filters={"name": t})) for t in SHORT]),
        ("ativos: documento (prefixo)", [run(lambda se, t=t: search_parties(se, active=True, filters={"document": t}))
                                         for t in s["docs"]]),
        ("ativos: e-mail contém", [run(lambda se, t=t: search_parties(se, active=True, filters={"email": t}))
                                   for t in s["emails"]]),
        ("ativos: telefone contém", [run(lambda se, t=t: search_parties(se, active=True, filters={"phone": t}))
                                     for t in s["phones"]]),
        ("ativos: cidade contém", [run(lambda se, t=t: search_parties(se, active=True, filters={"city": t}))
                                   for t in CITIES]),
        ("ativos: bairro contém", [run(lambda se, t=t: search_parties(se, active=True, filters={"district": t}))
                                   for t in DISTRICTS]),
        ("inativos: nome contém", [run(lambda se, t=t: search_parties(se, active=False, filters={"name": t}))
                                   for t in NAMES]),
        ("sintético: UF × tipo de pessoa", [run(lambda se: pivot_counts(se, "uf", "person_type"))]),
        ("sintético: classificação × situação", [run(lambda se: pivot_counts(se, "classification", "active"))]),
        ("sintético: mês do cadastro (ativos)", [run(lambda se: pivot_counts(se, "created_month", active=True))]),
        ("sintético: cidade × ano", [run(lambda se: pivot_counts(se, "city", "created_year"))]),
        ("avançada: período + cidade", [run(lambda se, a=a, b=b, c=c: advanced_search(
            se, AdvancedCriteria(created_from=a, created_to=b, city=c))) for (a, b), c in zip(months, CITIES)]),
        ("avançada: endereço (cidade, bairro, logradouro)", [run(lambda se, c=c, d=d, st=st: advanced_search(
            se, AdvancedCriteria(city=c, district=d, street=st))) for c, d, st in zip(CITIES, DISTRICTS, STREETS)]),
        ("avançada: CEP", [run(lambda se, c=c: advanced_search(se, AdvancedCriteria(cep=c))) for c in s["ceps"]]),
        ("avançada: CEP (prefixo 5)", [run(lambda se, c=c: advanced_search(se, AdvancedCriteria(cep=c[:5])))
                                      for c in s["ceps"]]),
        ("avançada: cliente (nome)", [run(lambda se, t=t: advanced_search(se, AdvancedCriteria(name=t))) for t in NAMES]),
        ("avançada: tipo PJ + classificação fornecedor", [run(lambda se: advanced_search(
            se, AdvancedCriteria(person_type="PJ", classification="fornecedor")))]),
        ("avançada: código", [run(lambda se, c=c: advanced_search(se, AdvancedCriteria(code=c))) for c in s["codes"]]),
        ("avançada: somente logradouro", [run(lambda se, t=t: advanced_search(se, AdvancedCriteria(street_only=t)))
                                          for t in STREETS]),
        ("avançada: ativos com e-mail e fone", [run(lambda se: advanced_search(
            se, AdvancedCriteria(active_with_email_and_phone=True)))]),
        ("avançada: teste de e-mail por data", [run(lambda se, a=a, b=b: advanced_search(
            se, AdvancedCriteria(email_test_from=a, email_test_to=b))) for a, b in months]),
        ("avançada: nome fantasia", [run(lambda se, t=t: advanced_search(se, AdvancedCriteria(trade_name=t)))
                                     for t in TRADE]),
        ("avançada: documento", [run(lambda se, t=t: advanced_search(se, AdvancedCriteria(document=t)))
                                 for t in s["docs"]]),
        ("avançada: e-mail", [run(lambda se, t=t: advanced_search(se, AdvancedCriteria(email=t))) for t in s["emails"]]),
    ]
    return cases


def run_searches(engine, *, runs: int = 5, echo: Callable[[str], None] = print) -> list[dict]:
    sample = _sample(engine)
    results = []
    for name, calls in search_cases(engine, sample):
        idx = {"i": 0}

        def one():
            fn = calls[idx["i"] % len(calls)]
            idx["i"] += 1
            return fn()

        median, rows = time_median(one, runs=runs, warmup=1)
        results.append({"search": name, "median_ms": round(median * 1000, 2), "rows": rows})
        echo(f"  {name:48} {median * 1000:9.1f} ms   ({rows} linhas)")
    return results


def benchmark_parties(url: str, *, count: int, runs: int = 5, seed: int = 7,
                      echo: Callable[[str], None] = print) -> dict:
    """Migrate `url`, load up to `count` parties, time the searches; returns the figures."""
    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    rt = bootstrap(parse_config({"database": {"url": url}, "plugins": {"enabled": []}}), make_current=False)
    try:
        migrate.upgrade(rt)
        t0 = time.perf_counter()
        added = load_parties(rt.engine, count, seed=seed, echo=echo)
        load_s = time.perf_counter() - t0
        with rt.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(Party)).scalar_one()
        echo(f"Pesquisas sobre {total} pessoas ({rt.engine.dialect.name}), mediana de {runs} execuções:")
        searches = run_searches(rt.engine, runs=runs, echo=echo)
    finally:
        rt.dispose()
    return {"database": rt.engine.dialect.name, "parties": total, "added": added,
            "load_seconds": round(load_s, 1), "runs": runs, "searches": searches,
            "slowest_ms": max(r["median_ms"] for r in searches)}


def bench_parties(
    count: int = typer.Option(1_000_000, "--count", help="Quantidade de pessoas na tabela (carrega as que faltarem)."),
    database: Optional[str] = typer.Option(None, "--database", help="URL do banco (padrão: o da configuração)."),
    runs: int = typer.Option(5, "--runs", help="Execuções por pesquisa (vale a mediana)."),
    seed: int = typer.Option(7, "--seed", help="Semente dos dados gerados."),
    as_json: bool = typer.Option(False, "--json", help="Imprime o resultado em JSON."),
):
    """Carrega N pessoas e mede cada pesquisa do painel do cliente (use um banco de testes)."""
    from core.config import load_config

    url = database or load_config().database_url
    echo = (lambda m: typer.echo(m, err=True)) if as_json else typer.echo
    result = benchmark_parties(url, count=count, runs=runs, seed=seed, echo=echo)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"Mais lenta: {result['slowest_ms']:.1f} ms")


def add_commands(bench: typer.Typer) -> None:
    bench.command("parties")(bench_parties)
