"""`core.db.insert_rows`: many rows through the driver (executemany; COPY on PostgreSQL), each value
converted by its column type exactly as an ordinary INSERT would (Money → centavos, dates, JSON, NULL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Column, Date, Integer, MetaData, String, Table, select

from core.db import insert_rows, unit_of_work
from core.money import Money


def test_rows_come_back_as_written(runtime):
    meta = MetaData()
    table = Table("test_insert_rows", meta, Column("id", Integer, primary_key=True), Column("valor", Money),
                  Column("dia", Date), Column("dados", JSON), Column("nome", String(20)))
    meta.create_all(runtime.engine)
    try:
        rows = [{"id": i, "valor": Decimal("99.90") if i % 2 else Decimal("0.01"), "dia": date(2026, 12, 10),
                 "dados": {"n": i, "nome": "conceição"}, "nome": None if i == 3 else f"linha {i}"}
                for i in range(1, 2001)]
        with unit_of_work(runtime.engine) as s:
            insert_rows(s, table, rows)
            insert_rows(s, table, [])  # nothing to do
        with unit_of_work(runtime.engine, readonly=True) as s:
            back = [dict(r._mapping) for r in s.execute(select(table).order_by(table.c.id))]
            raw = s.execute(select(table.c.valor.cast(Integer)).where(table.c.id == 1)).scalar()
        assert back == rows
        assert raw == 9990  # stored in centavos, like any Money column
    finally:
        meta.drop_all(runtime.engine)
