"""Money: Decimal centavos everywhere, integer centavos in the database, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, bindparam, insert, select, text
from sqlalchemy.exc import StatementError

from core.db import unit_of_work
from core.money import Money, format_brl, from_cents, parse_money, round_money, to_cents

# A probe table created as a TEMPORARY table inside each test's connection (never in the schema).
_probe_md = MetaData()
probe = Table("money_probe", _probe_md, Column("id", Integer, primary_key=True), Column("amount", Money()))

VALUES = [Decimal("0.10") + Decimal("0.20"), Decimal("1234567.89"), Decimal("-0.01"), Decimal("-98765.43"),
          Decimal("0.00"), Decimal("92233720368547758.07")]


def _create_probe(session):
    """A temporary table that lives only in this transaction's connection."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("CREATE TEMPORARY TABLE money_probe (id INTEGER PRIMARY KEY, amount BIGINT) "
                             "ON COMMIT DROP"))
    else:
        session.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS money_probe "
                             "(id INTEGER PRIMARY KEY, amount BIGINT)"))
        session.execute(text("DELETE FROM money_probe"))


def test_values_round_trip_exactly_through_the_database(runtime):
    with unit_of_work(runtime.engine) as s:
        _create_probe(s)
        for i, v in enumerate(VALUES, start=1):
            s.execute(insert(probe).values(id=i, amount=v))
        s.execute(insert(probe).values(id=99, amount=None))
        rows = dict(s.execute(select(probe.c.id, probe.c.amount)).all())
        raw_cents = dict(s.execute(select(probe.c.id, probe.c.amount.cast(BigInteger))).all())
    assert [rows[i] for i in range(1, len(VALUES) + 1)] == VALUES
    assert all(isinstance(rows[i], Decimal) for i in range(1, len(VALUES) + 1))
    assert rows[1] == Decimal("0.30") and str(rows[1]) == "0.30"
    assert rows[99] is None
    assert raw_cents[2] == 123456789 and raw_cents[3] == -1       # stored as integer centavos


def test_float_bound_to_a_money_column_is_refused_on_insert(runtime):
    with pytest.raises(StatementError) as exc:
        with unit_of_work(runtime.engine) as s:
            _create_probe(s)
            s.execute(insert(probe).values(id=1, amount=0.1 + 0.2))
    assert isinstance(exc.value.orig, TypeError)
    assert "float" in str(exc.value.orig)


def test_float_is_refused_in_a_query_parameter_too(runtime):
    with pytest.raises(StatementError) as exc:
        with unit_of_work(runtime.engine, readonly=True) as s:
            s.execute(select(bindparam("v", 10.5, type_=Money())))
    assert isinstance(exc.value.orig, TypeError)


def test_sub_centavo_value_is_refused_not_rounded(runtime):
    with pytest.raises(StatementError) as exc:
        with unit_of_work(runtime.engine) as s:
            _create_probe(s)
            s.execute(insert(probe).values(id=1, amount=Decimal("1.005")))
    assert isinstance(exc.value.orig, ValueError) and "duas casas" in str(exc.value.orig)


def test_bound_parameter_round_trip(runtime):
    with unit_of_work(runtime.engine, readonly=True) as s:
        got = s.execute(select(bindparam("v", Decimal("-1234.56"), type_=Money()))).scalar_one()
    assert got == Decimal("-1234.56")


@pytest.mark.parametrize("text, expected", [
    ("1.234,56", "1234.56"),
    ("1234,56", "1234.56"),
    ("1234.56", "1234.56"),
    ("R$ 10", "10.00"),
    ("R$\u00a01.000.000,00", "1000000.00"),
    ("-2,5", "-2.50"),
    ("0,1", "0.10"),
    (" 7 ", "7.00"),
    (Decimal("3.1"), "3.10"),
    (12, "12.00"),
])
def test_parse_money(text, expected):
    value = parse_money(text)
    assert value == Decimal(expected) and str(value) == expected


@pytest.mark.parametrize("text, message", [
    ("", "valor vazio"),
    ("abc", "valor monetário inválido"),
    ("1,234.56", "valor monetário inválido"),
    ("1.23.4", "valor monetário inválido"),
    ("10,001", "mais de duas casas"),
])
def test_parse_money_bad_input_names_the_field(text, message):
    with pytest.raises(ValueError) as exc:
        parse_money(text, field="valor")
    assert message in str(exc.value)
    assert str(exc.value).startswith("campo valor: ")


def test_parse_money_refuses_float():
    with pytest.raises(TypeError):
        parse_money(0.1)


@pytest.mark.parametrize("value, expected", [
    ("0.005", "0.01"), ("0.015", "0.02"), ("0.025", "0.03"), ("2.675", "2.68"),
    ("-0.005", "-0.01"), ("-2.675", "-2.68"), ("1.004", "1.00"), (3, "3.00"),
])
def test_round_money_is_half_up(value, expected):
    assert round_money(value) == Decimal(expected)


def test_round_money_refuses_float_and_bool():
    with pytest.raises(TypeError):
        round_money(2.675)
    with pytest.raises(TypeError):
        round_money(True)


def test_cents_conversions():
    assert to_cents(Decimal("12.34")) == 1234
    assert to_cents(5) == 500
    assert from_cents(-1) == Decimal("-0.01")
    with pytest.raises(ValueError):
        to_cents(Decimal("0.001"))
    with pytest.raises(TypeError):
        to_cents("12.34")


@pytest.mark.parametrize("value, expected", [
    (Decimal("1234.5"), "R$ 1.234,50"),
    (Decimal("0"), "R$ 0,00"),
    (Decimal("-1234567.891"), "-R$ 1.234.567,89"),
    (Decimal("999.995"), "R$ 1.000,00"),
    (None, ""),
])
def test_format_brl(value, expected):
    assert format_brl(value) == expected


def test_format_brl_without_symbol():
    assert format_brl(Decimal("1000"), symbol=False) == "1.000,00"
