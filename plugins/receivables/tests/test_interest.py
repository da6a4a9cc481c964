"""Interest, penalty, discount and protest rules (pure, no database).

The worked examples are the finance manual's ("Configurações de juros", "Compensação", "Multa");
the money figures are computed by hand in the comments.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.config import validate_plugin_settings
from core.errors import ConfigError, ValidationError
from core.money import CENT
from plugins.receivables.interest import (BANK_HOLIDAYS, InterestPolicy, InterestSettings, compute_charges,
                                          is_business_day, next_business_day)

D = Decimal
RATE = D("0.033")          # 0,033 % a day ≈ 1 % a month


def policy(**kw) -> InterestPolicy:
    return InterestPolicy(**{"daily_rate_percent": RATE, **kw})


# --- the manual's worked examples ----------------------------------------------------------------

def test_grace_two_days_situation_a_no_interest():
    # Carência 2 dias; data atual 15/08/2007, vencimento 13/08/2007: 2 dias de atraso ⇒ sem juros.
    b = compute_charges(D("100.00"), date(2007, 8, 13), date(2007, 8, 15), policy(interest_grace_days=2))
    assert b.days_late == 2
    assert b.interest_days == 0
    assert b.interest == D("0.00")
    assert b.total == D("100.00")


def test_grace_two_days_situation_b_full_three_days():
    # Vencimento 12/08/2007 (um domingo), pago 15/08/2007: 3 dias de atraso > carência 2 ⇒ juros
    # pelos TRÊS dias (a carência não reduz os dias). 100,00 × 0,033 % × 3 = 0,099 ⇒ 0,10.
    b = compute_charges(D("100.00"), date(2007, 8, 12), date(2007, 8, 15), policy(interest_grace_days=2))
    assert b.days_late == 3
    assert b.interest_days == 3
    assert b.interest == D("0.10")
    assert b.total == D("100.10")


def test_compensation_d_plus_2_leaves_one_day():
    # Compensação D+2; vencimento 12/08/2007, pago 15/08/2007: 3 − 2 = 1 dia de juros.
    # 100,00 × 0,033 % × 1 = 0,033 ⇒ 0,03.
    b = compute_charges(D("100.00"), date(2007, 8, 12), date(2007, 8, 15), policy(compensation_days=2))
    assert b.days_late == 3
    assert b.interest_days == 1
    assert b.interest == D("0.03")


def test_penalty_grace_five_days_situation_a_none():
    # Carência da multa 5 dias; vencimento 15/04/2010, baixa 20/04/2010: 5 dias ⇒ sem multa.
    b = compute_charges(D("100.00"), date(2010, 4, 15), date(2010, 4, 20),
                        policy(penalty_percent=D("2"), penalty_grace_days=5))
    assert b.days_late == 5
    assert b.penalty == D("0.00")


def test_penalty_grace_five_days_situation_b_charged_once():
    # Baixa 21/04/2010: 6 dias > 5 ⇒ multa de 2 % sobre 100,00 = 2,00, uma única vez (não diária).
    pol = policy(penalty_percent=D("2"), penalty_grace_days=5, daily_rate_percent=D("0"))
    b = compute_charges(D("100.00"), date(2010, 4, 15), date(2010, 4, 21), pol)
    assert b.days_late == 6
    assert b.penalty == D("2.00")
    assert b.total == D("102.00")
    later = compute_charges(D("100.00"), date(2010, 4, 15), date(2010, 6, 30), pol)
    assert later.penalty == D("2.00")


def test_grace_is_compared_with_calendar_days_then_compensation_subtracted():
    # Both set: carência 2, compensação D+2, 3 days late: 3 > 2 ⇒ interest on 3 − 2 = 1 day.
    b = compute_charges(D("100.00"), date(2007, 8, 12), date(2007, 8, 15),
                        policy(interest_grace_days=2, compensation_days=2))
    assert (b.days_late, b.interest_days, b.interest) == (3, 1, D("0.03"))
    # Compensation larger than the days late: no negative days.
    b = compute_charges(D("100.00"), date(2007, 8, 13), date(2007, 8, 15), policy(compensation_days=5))
    assert (b.days_late, b.interest_days, b.interest) == (2, 0, D("0.00"))


# --- money figures -------------------------------------------------------------------------------

def test_simple_daily_interest_and_penalty_on_a_monthly_plan():
    # Plano de 99,90, vencimento 10/03/2026 (terça), pago 25/03/2026: 15 dias.
    # Juros simples: 99,90 × 0,00033 × 15 = 0,494505 ⇒ 0,49.  Multa 2 %: 1,998 ⇒ 2,00.
    # Total: 99,90 + 0,49 + 2,00 = 102,39.
    b = compute_charges(D("99.90"), date(2026, 3, 10), date(2026, 3, 25), policy(penalty_percent=D("2")))
    assert (b.days_late, b.interest_days) == (15, 15)
    assert b.interest == D("0.49")
    assert b.penalty == D("2.00")
    assert b.total == D("102.39")
    assert b.charges == D("2.49")


def test_compound_daily_interest():
    # Juros compostos: 99,90 × ((1,00033)^15 − 1).
    # (1,00033)^15 − 1 = 15×0,00033 + 105×0,00033² + 455×0,00033³ + … = 0,00495 + 0,0000114345
    # + 0,0000000164 ≈ 0,0049614509; × 99,90 = 0,495649 ⇒ 0,50 (the simple rate gives 0,49).
    b = compute_charges(D("99.90"), date(2026, 3, 10), date(2026, 3, 25), policy(mode="compound"))
    assert b.interest == D("0.50")
    # 1.000,00 at 0,5 % a day for 30 days: simple 1000 × 0,005 × 30 = 150,00;
    # compound 1000 × (1,005^30 − 1) = 1000 × 0,1614001 = 161,40.
    due, paid = date(2026, 3, 10), date(2026, 4, 9)
    simple = compute_charges(D("1000.00"), due, paid, policy(daily_rate_percent=D("0.5")))
    compound = compute_charges(D("1000.00"), due, paid, policy(daily_rate_percent=D("0.5"), mode="compound"))
    assert simple.interest_days == compound.interest_days == 30
    assert simple.interest == D("150.00")
    assert compound.interest == D("161.40")


def test_half_up_rounding_once_per_component():
    # 150,00 × 0,033 % × 10 = 0,495 ⇒ 0,50 (half up, as core.money rounds), not 0,49.
    b = compute_charges(D("150.00"), date(2026, 3, 10), date(2026, 3, 20), policy())
    assert b.interest == D("0.50")


def test_early_payment_discount_and_its_cap():
    # 200,00 with 0,1 % a day of discount, cap 5 % (= 10,00).
    pol = InterestPolicy(discount_daily_percent=D("0.1"), discount_cap_percent=D("5"))
    due = date(2026, 6, 30)
    # 10 days early: 200 × 10 × 0,001 = 2,00 (below the cap).
    b = compute_charges(D("200.00"), due, due - timedelta(days=10), pol)
    assert (b.days_early, b.days_late, b.discount, b.total) == (10, 0, D("2.00"), D("198.00"))
    # 60 days early: 200 × 60 × 0,001 = 12,00 > cap ⇒ the cap, 10,00.
    b = compute_charges(D("200.00"), due, due - timedelta(days=60), pol)
    assert (b.discount, b.total) == (D("10.00"), D("190.00"))
    # Without a cap the full 12,00; on the due date itself no discount.
    no_cap = InterestPolicy(discount_daily_percent=D("0.1"))
    assert compute_charges(D("200.00"), due, due - timedelta(days=60), no_cap).discount == D("12.00")
    assert compute_charges(D("200.00"), due, due, pol).discount == D("0.00")
    # A discount never exceeds the invoice (1 % a day, 200 days early, no cap).
    huge = InterestPolicy(discount_daily_percent=D("1"))
    assert compute_charges(D("200.00"), due, due - timedelta(days=200), huge).total == D("0.00")


def test_protest_cost_only_when_late():
    pol = policy(protest_cost=D("12.50"), daily_rate_percent=D("0"))
    due = date(2026, 3, 10)
    assert compute_charges(D("80.00"), due, due, pol).protest_cost == D("0.00")
    late = compute_charges(D("80.00"), due, date(2026, 4, 10), pol)
    assert (late.protest_cost, late.total) == (D("12.50"), D("92.50"))
    # The per-invoice cost (manual: "Custo do protesto" informed on the invoice) overrides the policy.
    assert compute_charges(D("80.00"), due, date(2026, 4, 10), pol, protest_cost=D("7.00")).total == D("87.00")


# --- due dates on weekends and holidays ----------------------------------------------------------

def test_due_on_weekend_is_payable_next_business_day_without_charges():
    pol = policy(penalty_percent=D("2"))
    # Saturday 14/02/2026; Monday 16 and Tuesday 17 are Carnival (no bank business) ⇒ Wednesday 18.
    due = date(2026, 2, 14)
    assert pol.payable_until(due) == date(2026, 2, 18)
    on_time = compute_charges(D("100.00"), due, date(2026, 2, 18), pol)
    assert (on_time.days_late, on_time.interest, on_time.penalty, on_time.total) == (0, D("0.00"), D("0.00"),
                                                                                    D("100.00"))
    # One day after that, the days count from the original due date: 19/02 − 14/02 = 5 days.
    late = compute_charges(D("100.00"), due, date(2026, 2, 19), pol)
    assert late.days_late == 5
    assert late.interest == D("0.17")              # 100 × 0,00033 × 5 = 0,165 ⇒ 0,17
    assert late.penalty == D("2.00")


def test_shift_can_be_turned_off():
    pol = policy(shift_non_business_due=False)
    due = date(2026, 2, 14)                     # Saturday
    assert pol.payable_until(due) == due
    assert compute_charges(D("100.00"), due, date(2026, 2, 16), pol).days_late == 2


def test_due_on_a_holiday_moves_and_business_day_helpers():
    # Friday 20/11/2026 (Consciência Negra) ⇒ Monday 23/11/2026.
    assert not is_business_day(date(2026, 11, 20))
    assert next_business_day(date(2026, 11, 20)) == date(2026, 11, 23)
    assert next_business_day(date(2026, 11, 23)) == date(2026, 11, 23)
    b = compute_charges(D("50.00"), date(2026, 11, 20), date(2026, 11, 23), policy())
    assert b.days_late == 0
    # A municipal holiday the deployment adds is honoured too.
    local = InterestSettings().to_policy(extra_holidays=frozenset({date(2026, 11, 23)}))
    assert local.payable_until(date(2026, 11, 20)) == date(2026, 11, 24)


def _easter(year: int) -> date:
    """Anonymous Gregorian algorithm (independent check of the holiday data)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = (h + ll - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def test_bank_holidays_data_2025_to_2027():
    assert {d.year for d in BANK_HOLIDAYS} == {2025, 2026, 2027}
    for year in (2025, 2026, 2027):
        easter = _easter(year)
        for moving in (easter - timedelta(days=48), easter - timedelta(days=47),
                       easter - timedelta(days=2), easter + timedelta(days=60)):
            assert moving in BANK_HOLIDAYS, moving
        for month, day in ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25)):
            assert date(year, month, day) in BANK_HOLIDAYS
    assert len(BANK_HOLIDAYS) == 3 * 13
    assert date(2026, 4, 3) in BANK_HOLIDAYS            # Sexta-feira Santa 2026
    assert date(2026, 4, 6) not in BANK_HOLIDAYS        # the Monday after Easter is a business day


# --- property-like checks ------------------------------------------------------------------------

def test_every_component_and_total_is_quantized_and_consistent():
    rnd = random.Random(20260315)
    for _ in range(2000):
        amount = D(rnd.randint(0, 5_000_000)) / 100
        due = date(2025, 1, 1) + timedelta(days=rnd.randint(0, 1000))
        paid = due + timedelta(days=rnd.randint(-90, 400))
        pol = InterestPolicy(
            daily_rate_percent=D(rnd.randint(0, 2000)) / 10_000,       # 0 – 0,2 % a day, 4 places
            mode=rnd.choice(("simple", "compound")),
            interest_grace_days=rnd.randint(0, 10), compensation_days=rnd.randint(0, 5),
            penalty_percent=D(rnd.randint(0, 1000)) / 1000, penalty_grace_days=rnd.randint(0, 10),
            discount_daily_percent=D(rnd.randint(0, 500)) / 1000,
            discount_cap_percent=rnd.choice((None, D(rnd.randint(0, 2000)) / 100)),
            protest_cost=D(rnd.randint(0, 5000)) / 100)
        b = compute_charges(amount, due, paid, pol)
        for value in (b.interest, b.penalty, b.discount, b.protest_cost, b.total):
            assert value == value.quantize(CENT) and value.as_tuple().exponent == -2, (value, b)
            assert value >= 0
        assert b.total == b.amount + b.interest + b.penalty + b.protest_cost - b.discount
        assert not (b.days_late and b.days_early)
        assert b.discount == 0 or b.days_late == 0
        assert b.interest_days <= b.days_late
        # One more day late never lowers what is owed.
        later = compute_charges(amount, due, paid + timedelta(days=1), pol)
        assert later.interest >= b.interest or b.days_late == 0


# --- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    ({"amount": 10.5}, "amount"),
    ({"amount": D("10.555")}, "amount"),
    ({"amount": D("-1.00")}, "amount"),
    ({"paid_on": datetime(2026, 3, 1, 10, 0)}, "paid_on"),
    ({"due": "2026-03-01"}, "due"),
])
def test_bad_input_names_the_field(kwargs, field):
    args = {"amount": D("10.00"), "due": date(2026, 3, 1), "paid_on": date(2026, 3, 5), "policy": policy()}
    args.update(kwargs)
    with pytest.raises(ValidationError) as err:
        compute_charges(**args)
    assert err.value.field == field


@pytest.mark.parametrize("kwargs, field", [
    ({"daily_rate_percent": 0.033}, "daily_rate_percent"),
    ({"daily_rate_percent": D("-0.1")}, "daily_rate_percent"),
    ({"mode": "diario"}, "mode"),
    ({"interest_grace_days": -1}, "interest_grace_days"),
    ({"penalty_grace_days": 1.5}, "penalty_grace_days"),
    ({"protest_cost": D("1.234")}, "protest_cost"),
])
def test_bad_policy_names_the_field(kwargs, field):
    with pytest.raises(ValidationError) as err:
        InterestPolicy(**kwargs)
    assert err.value.field == field
    assert str(err.value)                       # a pt-BR message for the operator


# --- settings fragment ---------------------------------------------------------------------------

def test_interest_settings_defaults_and_policy():
    s = InterestSettings()
    assert (s.daily_rate_percent, s.mode, s.penalty_percent) == (D("0.033"), "simple", D("2.00"))
    pol = s.to_policy()
    assert isinstance(pol, InterestPolicy) and pol.holidays == BANK_HOLIDAYS
    for name, info in InterestSettings.model_fields.items():
        assert info.title and info.description, name          # pt-BR labels for the settings page
    # As read from quita.toml (TOML numbers arrive as int/float, strings as text).
    s = InterestSettings.model_validate({"daily_rate_percent": 0.033, "mode": "compound",
                                         "penalty_grace_days": 5, "protest_cost": "3.50"})
    assert s.to_policy().daily_rate_percent == D("0.033")
    assert s.to_policy().protest_cost == D("3.50")


def test_interest_settings_errors_name_the_key():
    with pytest.raises(ConfigError) as err:
        validate_plugin_settings(InterestSettings, {"daily_rate_percent": "-1"}, "receivables", None)
    assert err.value.key == "plugins.receivables.daily_rate_percent"
    with pytest.raises(ConfigError) as err:
        validate_plugin_settings(InterestSettings, {"juros": "1"}, "receivables", None)
    assert err.value.key == "plugins.receivables.juros"
