"""The reconciler's batch-credit lookup of bank_profiles (`retorno_credits.batch_credits`) after its rewrite as
two ranges of the index `ix_bank_profiles_retorno_item_credit` (migration 0002): the same answer as
coalesce(data_credito, data_ocorrencia) — no crédito date ⇒ the ocorrência date; a crédito date outside the
period excludes the título even when its ocorrência is inside; both ends inclusive —, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect

from core.db import unit_of_work
from plugins.bank_profiles.retorno_credits import batch_credits
from plugins.bank_profiles.tests.retorno_files import PAID_ON
from plugins.reconciliation.tests.test_reconciliation_batch_credit import (D, brt, import_retorno,  # noqa: F401
                                                                           liquidacao, world)


def test_the_migration_creates_the_credit_index(brt):
    with brt.engine.connect() as conn:
        found = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("bank_profiles_retorno_item")}
    assert found["ix_bank_profiles_retorno_item_credit"] == ["outcome", "data_credito", "data_ocorrencia"]


def test_credit_date_else_ocorrencia_date_inside_the_period(brt, world):
    day = PAID_ON + timedelta(days=3)
    sem_credito = liquidacao(1, "99.90", credito=None)                     # ocorrência = PAID_ON
    no_dia = liquidacao(2, "95.00", credito=day)
    fora = liquidacao(3, "102.40", juros="2.50", credito=day + timedelta(days=1))  # ocorrência inside, crédito not
    import_retorno(brt, [sem_credito, no_dia, fora], "CB0101.RET")
    with unit_of_work(readonly=True) as s:
        groups = batch_credits(s, world["bank"], PAID_ON, day)
        only_first = batch_credits(s, world["bank"], PAID_ON, PAID_ON)
        after = batch_credits(s, world["bank"], day + timedelta(days=1), day + timedelta(days=1))
        nothing = batch_credits(s, world["bank"], PAID_ON - timedelta(days=5), PAID_ON - timedelta(days=1))
    assert [(g.credited_on, g.total, len(g.settlement_ids)) for g in groups] == [
        (PAID_ON, D("98.40"), 1), (day, D("93.50"), 1)]          # valor pago − tarifa 1,50
    assert [(g.credited_on, g.total) for g in only_first] == [(PAID_ON, D("98.40"))]
    assert [(g.credited_on, g.total) for g in after] == [(day + timedelta(days=1), D("100.90"))]
    assert nothing == []
