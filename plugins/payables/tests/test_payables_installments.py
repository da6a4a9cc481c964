"""Installment schedule (pure): prazo, vencimento fixo, only weekdays, exact centavos."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import ValidationError
from plugins.payables.apportionment import distribute
from plugins.payables.installments import due_dates, plan_installments, split_amount, weekday_or_monday

D = Decimal
EMISSION = date(2026, 11, 5)


def test_prazo_first_due_is_emission_plus_prazo_then_every_prazo_days():
    assert due_dates(EMISSION, 3, 30) == [date(2026, 12, 5), date(2027, 1, 4), date(2027, 2, 3)]
    assert due_dates(EMISSION, 2, 45) == [date(2026, 12, 20), date(2027, 2, 3)]


def test_prazo_zero_only_for_a_single_installment():
    assert due_dates(EMISSION, 1, 0) == [EMISSION]
    with pytest.raises(ValidationError) as exc:
        due_dates(EMISSION, 2, 0)
    assert exc.value.field == "term_days"


def test_fixed_day_keeps_the_day_and_uses_the_last_day_of_shorter_months():
    got = due_dates(date(2026, 12, 1), 6, 30, mode="fixo")
    assert got == [date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
                   date(2027, 5, 31)]
    # leap year: 29/02
    assert due_dates(date(2028, 1, 1), 2, 30, mode="fixo") == [date(2028, 1, 31), date(2028, 2, 29)]


def test_only_weekdays_moves_saturday_and_sunday_to_monday_without_accumulating():
    assert weekday_or_monday(date(2026, 12, 5)) == date(2026, 12, 7)    # Saturday
    assert weekday_or_monday(date(2027, 1, 31)) == date(2027, 2, 1)     # Sunday
    assert weekday_or_monday(date(2027, 2, 3)) == date(2027, 2, 3)      # Wednesday
    assert due_dates(EMISSION, 3, 30, only_weekdays=True) == [date(2026, 12, 7), date(2027, 1, 4), date(2027, 2, 3)]
    got = due_dates(date(2026, 12, 1), 4, 30, mode="fixo", only_weekdays=True)
    assert got == [date(2026, 12, 31), date(2027, 2, 1), date(2027, 3, 1), date(2027, 3, 31)]


def test_split_remainder_centavos_go_to_the_first_installments():
    assert split_amount(D("1000.00"), 3) == [D("333.34"), D("333.33"), D("333.33")]
    assert split_amount(D("100.00"), 7) == [D("14.29")] * 4 + [D("14.28")] * 3
    parts = split_amount(D("12345.67"), 36)
    assert sum(parts) == D("12345.67") and max(parts) - min(parts) == D("0.01")
    with pytest.raises(ValidationError) as exc:
        split_amount(D("0.02"), 3)
    assert exc.value.field == "installments"


def test_plan_installments_numbers_dates_and_values():
    plan = plan_installments(EMISSION, D("1000.00"), 3, 30)
    assert [(p.sequence, p.due_date, p.amount) for p in plan] == [
        (1, date(2026, 12, 5), D("333.34")), (2, date(2027, 1, 4), D("333.33")), (3, date(2027, 2, 3), D("333.33"))]


def test_distribute_largest_remainder_is_exact():
    assert distribute(10000, [D("33.3333"), D("33.3333"), D("33.3334")]) == [3333, 3333, 3334]
    assert distribute(100, [D(1), D(1), D(1)]) == [34, 33, 33]
    assert distribute(50000, [D("60"), D("40")]) == [30000, 20000]
