"""The rows of the deposits page / `quita receber depositos listar`: `deposits_as_dicts` shows each
used deposit's invoice number and the bank account, with a fixed number of queries however many
deposits are listed (no query per row)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from core.db import unit_of_work
from core.runtime import bootstrap, set_current
from plugins.receivables.deposits import deposit_as_dict, deposits_as_dicts, list_deposits, register_deposit, \
    settle_with_deposit
from plugins.receivables.models import Invoice
from plugins.receivables.tests.deposits_world import SETTINGS, invoice, seed
from tests.conftest import make_config, truncate_all


@pytest.fixture
def rt(database_url):
    config = make_config(database_url, enabled=["receivables"], plugin_settings=SETTINGS)
    runtime = bootstrap(config, make_current=False)
    yield runtime
    truncate_all(runtime.engine)
    runtime.dispose()
    set_current(None)


def test_deposit_rows_name_the_invoice_with_a_fixed_number_of_queries(rt, factory):
    w = seed(rt.engine, factory)
    invoice_ids = [invoice(rt.engine, w, total="50.00", description=f"Serviço {n}") for n in range(3)]
    with unit_of_work(rt.engine) as s:
        deposits = [register_deposit(s, company_id=w.company_id, deposited_on=date(2026, 12, 5), amount="50,00",
                                     account=account, description=f"PIX {n}", runtime=rt, user=w.admin).id
                    for n, account in enumerate(("1.1.1.02", "1.1.1.01", "1.1.1.02", "1.1.1.01"))]
    for inv_id, dep_id in zip(invoice_ids, deposits):
        with unit_of_work(rt.engine) as s:
            settle_with_deposit(s, s.get(Invoice, inv_id), dep_id, user=w.admin, runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        numbers = {i: s.get(Invoice, i).number for i in invoice_ids}
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with unit_of_work(rt.engine, readonly=True) as s:
        rows = list_deposits(s, company_id=w.company_id)
        event.listen(rt.engine, "before_cursor_execute", count)
        try:
            dicts = deposits_as_dicts(s, rows)
        finally:
            event.remove(rt.engine, "before_cursor_execute", count)
        single = deposit_as_dict(s, rows[0])
    assert len(statements) == 2, statements  # the accounts, the invoice numbers
    by_id = {d["id"]: d for d in dicts}
    assert [by_id[d]["invoice_number"] for d in deposits] == [numbers[i] for i in invoice_ids] + [None]
    assert [by_id[d]["status_label"] for d in deposits] == ["Utilizado"] * 3 + ["Aberto"]
    assert by_id[deposits[0]]["account"] == "1.1.1.02 - Banco do Brasil c/c"
    assert by_id[deposits[3]]["account"] == "1.1.1.01 - Caixa geral"
    assert single == by_id[single["id"]]
