"""Installment schedule of a launch: due dates and values (pure functions, no database).

Due dates (manual, "Lançar Pagamento - Contas a Pagar"):

- by term ("Prazo"): the first due date is emission + prazo days; the others keep that same
  distance between them — installment k falls due on emission + k × prazo;
- fixed day ("Gerar vencimento fixo"): the first due date is emission + prazo days; the others fall
  on the same day of the following months. A day past the end of a shorter month falls on that
  month's last day (31 ⇒ 30/04, 28/02 or 29/02) and the next months go back to the original day
  (the same rule as the receivables due-day rule);
- "only weekdays" (`[plugins.payables] only_weekdays`): a due date on Saturday or Sunday moves to
  the following Monday. Each date is computed from the unshifted schedule, so shifts never
  accumulate (and a fixed day stays fixed).

Values: the net value (total − discount) is split in equal centavos; the remainder centavos go to
the FIRST installments, one each (1.000,00 / 3 ⇒ 333,34 + 333,33 + 333,33), so the sum is always
exact.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.errors import ValidationError
from core.money import from_cents, to_cents
from plugins.payables.models import DUE_BY_TERM, DUE_FIXED_DAY

SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class PlannedInstallment:
    sequence: int
    due_date: date
    amount: Decimal


def weekday_or_monday(day: date) -> date:
    """Saturday and Sunday ⇒ the following Monday; other days unchanged."""
    if day.weekday() == SATURDAY:
        return day + timedelta(days=2)
    if day.weekday() == SUNDAY:
        return day + timedelta(days=1)
    return day


def same_day_months_later(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def due_dates(emission: date, count: int, term_days: int, *, mode: str = DUE_BY_TERM,
              only_weekdays: bool = False) -> list[date]:
    """The due dates of `count` installments (see the module docstring)."""
    if count < 1:
        raise ValidationError("Informe ao menos uma parcela.", field="installments")
    if term_days < 0:
        raise ValidationError("O prazo não pode ser negativo.", field="term_days")
    if mode not in (DUE_BY_TERM, DUE_FIXED_DAY):
        raise ValidationError(f"Tipo de vencimento inválido: {mode}.", field="due_mode")
    if mode == DUE_BY_TERM and count > 1 and term_days == 0:
        raise ValidationError("Informe o prazo entre as parcelas (dias) para gerar mais de uma parcela.",
                              field="term_days")
    first = emission + timedelta(days=term_days)
    if mode == DUE_BY_TERM:
        dates = [emission + timedelta(days=term_days * k) for k in range(1, count + 1)]
    else:
        dates = [same_day_months_later(first, k) for k in range(count)]
    return [weekday_or_monday(d) for d in dates] if only_weekdays else dates


def split_amount(net: Decimal, count: int) -> list[Decimal]:
    """`net` in `count` values whose sum is exactly `net`; remainder centavos to the first ones."""
    cents = to_cents(net)
    if count < 1:
        raise ValidationError("Informe ao menos uma parcela.", field="installments")
    base, remainder = divmod(cents, count)
    if base == 0:
        raise ValidationError(
            f"O valor da fatura não comporta {count} parcelas: cada parcela precisa de pelo menos R$ 0,01.",
            field="installments")
    return [from_cents(base + (1 if k < remainder else 0)) for k in range(count)]


def plan_installments(emission: date, net: Decimal, count: int, term_days: int, *, mode: str = DUE_BY_TERM,
                      only_weekdays: bool = False) -> list[PlannedInstallment]:
    dates = due_dates(emission, count, term_days, mode=mode, only_weekdays=only_weekdays)
    return [PlannedInstallment(k + 1, d, v) for k, (d, v) in enumerate(zip(dates, split_amount(net, count)))]
