"""The same retorno imported twice AT ONCE (two threads, two sessions/connections): one import wins,
the other gets "já foi importado" and nothing is settled or posted twice.

On PostgreSQL both threads are held at the INSERT of the import row (a barrier in a
`before_cursor_execute` listener), so both have already checked that the file is new: the loser's
INSERT waits on the winner's unique SHA-256 and fails when it commits. On SQLite the second writer
waits at `BEGIN IMMEDIATE` and then finds the first import (a barrier at the INSERT would deadlock
there), so the threads only start together."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.runtime import bootstrap
from plugins.bank_profiles.retorno import importar_retorno
from plugins.bank_profiles.retorno_jobs import submit_import, work_import
from plugins.bank_profiles.retorno_models import RetornoImport, RetornoItem
from plugins.bank_profiles.retorno_tarifas import ORIGIN_KIND
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import (ACCOUNTS, ENABLED, ITAU_HEADER, liquidacao,
                                                                           world)  # noqa: F401
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from tests.conftest import make_config
from tests.worldkit import runtime_maker


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings={
            "receivables": ACCOUNTS, "bank_profiles": {"retorno_chunk_size": 2}}))


def _inline(rt, data: bytes, name: str) -> int:
    with unit_of_work(rt.engine) as s:
        return importar_retorno(s, data, name, runtime=rt).id


def _as_job(rt, data: bytes, name: str) -> int:
    with unit_of_work(rt.engine) as s:
        imp = submit_import(s, rt, data, name)
        import_id, job_id = imp.id, imp.job_id
    work_import(rt, job_id)
    return import_id


@pytest.mark.parametrize("how", [_inline, _as_job], ids=["inline", "job"])
def test_the_same_file_imported_twice_at_once_settles_each_invoice_once(rt, world, how):
    data = build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(2, "95.00"),
                                                   liquidacao(3, "99.90")])
    start, at_insert = threading.Barrier(2), threading.Barrier(2, timeout=30)
    outcomes: list = []

    def hold_at_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO BANK_PROFILES_RETORNO_IMPORT"):
            at_insert.wait()

    def operator(name: str) -> None:
        start.wait()
        try:
            outcomes.append(("importado", how(rt, data, name)))
        except ValidationError as exc:
            outcomes.append(("recusado", str(exc)))

    postgres = rt.engine.dialect.name == "postgresql"
    if postgres:
        event.listen(rt.engine, "before_cursor_execute", hold_at_insert)
    try:
        threads = [threading.Thread(target=operator, args=(name,)) for name in ("caixa-1.ret", "caixa-2.ret")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        if postgres:
            event.remove(rt.engine, "before_cursor_execute", hold_at_insert)
    assert sorted(kind for kind, _x in outcomes) == ["importado", "recusado"], outcomes
    winner = next(x for kind, x in outcomes if kind == "importado")
    refusal = next(x for kind, x in outcomes if kind == "recusado")
    assert f"já foi importado (importação {winner}, arquivo caixa-" in refusal and "nada foi feito" in refusal
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(RetornoImport)) == 1
        assert s.scalar(select(func.count()).select_from(RetornoItem)) == 3
        for nn, invoice_id in world["invoices"].items():
            assert s.get(Invoice, invoice_id).status == INVOICE_SETTLED
            assert s.scalar(select(func.count()).select_from(Settlement).where(Settlement.invoice_id == invoice_id)) == 1
        assert s.scalar(select(func.count()).select_from(JournalEntry)
                        .where(JournalEntry.origin_kind == ORIGIN_KIND)) == 1
        assert str(s.get(RetornoImport, winner).tarifas) == "4.50"
