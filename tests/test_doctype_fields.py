"""Field kinds and the coercion of operator input (no database needed)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from core.doctype.fields import FieldError, coerce, doc_fields, field_map, parse_date_text
from core.models.company import Company
from test_doctype_support import Voucher

V = field_map(Voucher)


def test_kinds_come_from_column_types_and_declarations():
    kinds = {f.name: f.kind for f in doc_fields(Voucher)}
    assert kinds == {"title": "text", "amount": "money", "issue_date": "date", "quantity": "int",
                     "kind": "select", "company_id": "link", "paid": "bool", "notes": "textarea",
                     "external_ref": "text"}
    assert V["title"].max_length == 40 and V["title"].required and not V["notes"].required
    assert V["external_ref"].unique and not V["title"].unique
    assert V["company_id"].link == "company" and V["kind"].value_kind == "text"
    assert field_map(Company)["protect_before"].kind == "date"


@pytest.mark.parametrize("raw, expected", [
    ("1.234,56", Decimal("1234.56")), ("1234,5", Decimal("1234.50")), ("R$ 10", Decimal("10.00")),
    ("1234.56", Decimal("1234.56")), (Decimal("7"), Decimal("7.00")), (3, Decimal("3.00")), ("", None),
    ("   ", None), (None, None),
])
def test_money_input(raw, expected):
    assert coerce(V["amount"], raw) == expected


@pytest.mark.parametrize("raw", ["12,345", "dez reais", "1,2,3", 1.5, "1.234.5"])
def test_bad_money_is_refused(raw):
    with pytest.raises(FieldError, match="«Valor»"):
        coerce(V["amount"], raw)


@pytest.mark.parametrize("raw, expected", [("7", 7), ("-3", -3), ("1.000", 1000), (12, 12), (Decimal("4"), 4)])
def test_integer_input(raw, expected):
    assert coerce(V["quantity"], raw) == expected


@pytest.mark.parametrize("raw", ["1.5", "1,0", "três", True, Decimal("2.5")])
def test_bad_integer_is_refused(raw):
    with pytest.raises(FieldError, match="número inteiro"):
        coerce(V["quantity"], raw)


@pytest.mark.parametrize("raw, expected", [
    ("05/03/2026", date(2026, 3, 5)), ("2026-03-05", date(2026, 3, 5)), ("05/03/26", date(2026, 3, 5)),
    (date(2026, 3, 5), date(2026, 3, 5)), (datetime(2026, 3, 5, 10, tzinfo=timezone.utc), date(2026, 3, 5)),
])
def test_date_input(raw, expected):
    assert coerce(V["issue_date"], raw) == expected


def test_bad_dates_are_refused():
    for raw in ("31/02/2026", "2026-13-01", "amanhã"):
        with pytest.raises(FieldError, match="dd/mm/aaaa"):
            coerce(V["issue_date"], raw)
    with pytest.raises(ValueError):
        parse_date_text("32/01/2026")


@pytest.mark.parametrize("raw, expected", [
    ("on", True), ("sim", True), ("1", True), (True, True), ("não", False), ("nao", False), ("", False),
    ("off", False), (0, False), (None, None),
])
def test_yes_no_input(raw, expected):
    assert coerce(V["paid"], raw) is expected


def test_text_is_trimmed_and_limited():
    assert coerce(V["title"], "  Mensalidade  ") == "Mensalidade"
    assert coerce(V["title"], "   ") is None
    with pytest.raises(FieldError, match="no máximo 40 caracteres"):
        coerce(V["title"], "x" * 41)


def test_links_take_ids():
    assert coerce(V["company_id"], "12") == 12
    with pytest.raises(FieldError, match="deve indicar um registro"):
        coerce(V["company_id"], "Provedor Alfa")
