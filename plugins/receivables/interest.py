"""Interest (juros), penalty (multa), early-payment discount and protest cost of a receivable.

Pure rules, no database: `compute_charges(amount, due, paid_on, policy)` answers what the
customer owes on `paid_on` for an invoice of `amount` due on `due`. The rules come from the
finance manual ("Desconto e juros", "Configurações de juros", carência, compensação, multa,
protesto):

- **Days late** are calendar days from the due date to the payment date. A due date on a
  Saturday, Sunday or bank holiday is payable on the next business day without any charge
  (`InterestPolicy.shift_non_business_due`); paid later than that, the days count from the
  *original* due date (the manual's example: due Sunday 12/08/2007, paid 15/08/2007 ⇒ 3 days).
- **Carência** (`interest_grace_days`): no interest while days late ≤ grace; beyond it the FULL
  days late count — grace does not reduce the days (manual: grace 2, 3 days late ⇒ 3 days).
- **Compensação** D+n (`compensation_days`): n is subtracted from the days late for interest
  (manual: D+2, 3 days late ⇒ 1 day). When both are set, the grace is compared with the calendar
  days late first, then the compensation is subtracted.
- **Juros**: daily rate in % on the invoice amount, simple (`amount × rate × days`) or compound
  (`amount × ((1 + rate)^days − 1)`). A monthly rate (`monthly_rate_percent`, the banks' "juros de
  mora ao mês") is charged per day as rate ÷ 30, divided last so 1 % a.m. has no repeating decimal.
- **Multa** (`penalty_percent`): a percentage of the invoice amount charged once (not daily)
  when days late > `penalty_grace_days` (manual: grace 5, due 15/04/2010 ⇒ none on 20/04,
  charged on 21/04).
- **Desconto** for early payment: amount × days before the due date × daily discount %; when
  the result exceeds the cap (`discount_cap_percent` of the amount) the cap is granted. A fixed
  `on_time_discount` (R$, a boleto's "desconto até o vencimento") applies when paid up to the due
  date (or the next business day); the larger of the two is granted, never both.
- **Protesto**: a cost added to what is paid, only for an overdue invoice.

Rounding (written once): each component (interest, penalty, discount) is computed exactly with
`Decimal` and rounded ONCE with `core.money.round_money` (half up, to centavos); the total is the
sum of the rounded components, so it is always exact to the centavo and equals what the operator
sees line by line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from core.errors import ValidationError
from core.i18n import _
from core.money import CENT, ZERO, round_money

InterestMode = Literal["simple", "compound"]
HUNDRED = Decimal(100)


def _easter_based(year: int, easter: date) -> tuple[date, ...]:
    """Carnival Monday and Tuesday, Good Friday and Corpus Christi of one year."""
    return (easter - timedelta(days=48), easter - timedelta(days=47),
            easter - timedelta(days=2), easter + timedelta(days=60))


def _fixed(year: int) -> tuple[date, ...]:
    # Confraternização, Tiradentes, Trabalho, Independência, Aparecida, Finados, República,
    # Consciência Negra (national since Lei 14.759/2023), Natal.
    return tuple(date(year, m, d) for m, d in
                 ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25)))


# Days without bank business nationwide, 2025–2027: the national holidays plus Carnival (Monday
# and Tuesday), Good Friday and Corpus Christi, on which banks do not open. Data, not a formula:
# Easter Sundays 20/04/2025, 05/04/2026, 28/03/2027. A deployment adds municipal holidays through
# `InterestPolicy.holidays`; years outside this table only shift weekends (and given holidays).
BANK_HOLIDAYS: frozenset[date] = frozenset(
    d for year, easter in ((2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)))
    for d in _fixed(year) + _easter_based(year, easter))


def is_business_day(day: date, holidays: frozenset[date] = BANK_HOLIDAYS) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def next_business_day(day: date, holidays: frozenset[date] = BANK_HOLIDAYS) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def _check_rate(value, name: str, label: str) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValidationError(_("{label}: informe um número decimal exato (não float).").format(label=label),
                              field=name)
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValidationError(_("{label} não pode ser negativo.").format(label=label), field=name)
    return value


def _check_days(value, name: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(_("{label} deve ser um número inteiro de dias, zero ou mais.").format(label=label),
                              field=name)
    return value


def _check_money(value, name: str, label: str) -> Decimal:
    value = _check_rate(value, name, label)
    if value != value.quantize(CENT):
        raise ValidationError(_("{label} tem mais de duas casas decimais.").format(label=label), field=name)
    return value.quantize(CENT)


def _check_date(value, name: str, label: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(_("{label}: informe uma data.").format(label=label), field=name)
    return value


@dataclass(frozen=True)
class InterestPolicy:
    """How late and early payments are charged. Rates are percentages (`Decimal("0.033")` is
    0,033 % a day); every field is validated on creation (ValidationError naming the field)."""

    daily_rate_percent: Decimal = ZERO
    mode: InterestMode = "simple"
    interest_grace_days: int = 0
    compensation_days: int = 0
    penalty_percent: Decimal = ZERO
    penalty_grace_days: int = 0
    discount_daily_percent: Decimal = ZERO
    discount_cap_percent: Decimal | None = None   # None: no cap
    protest_cost: Decimal = ZERO
    shift_non_business_due: bool = True
    holidays: frozenset[date] = field(default=BANK_HOLIDAYS, repr=False)
    monthly_rate_percent: Decimal | None = None   # set: replaces daily_rate_percent (per day = ÷ 30)
    on_time_discount: Decimal = ZERO              # R$ off when paid up to payable_until(due)

    def __post_init__(self):
        put = object.__setattr__
        put(self, "daily_rate_percent", _check_rate(self.daily_rate_percent, "daily_rate_percent",
                                                    _("Taxa de juros diária")))
        if self.mode not in ("simple", "compound"):
            raise ValidationError(_("Tipo de juros inválido: use simples (simple) ou composto (compound)."),
                                  field="mode")
        put(self, "interest_grace_days", _check_days(self.interest_grace_days, "interest_grace_days",
                                                     _("Dias de carência para juros")))
        put(self, "compensation_days", _check_days(self.compensation_days, "compensation_days",
                                                   _("Dias de compensação")))
        put(self, "penalty_percent", _check_rate(self.penalty_percent, "penalty_percent", _("Percentual de multa")))
        put(self, "penalty_grace_days", _check_days(self.penalty_grace_days, "penalty_grace_days",
                                                    _("Dias de carência para multa")))
        put(self, "discount_daily_percent", _check_rate(self.discount_daily_percent, "discount_daily_percent",
                                                        _("Desconto diário")))
        if self.discount_cap_percent is not None:
            put(self, "discount_cap_percent", _check_rate(self.discount_cap_percent, "discount_cap_percent",
                                                          _("Desconto máximo")))
        put(self, "protest_cost", _check_money(self.protest_cost, "protest_cost", _("Custo do protesto")))
        put(self, "holidays", frozenset(self.holidays))
        if self.monthly_rate_percent is not None:
            put(self, "monthly_rate_percent", _check_rate(self.monthly_rate_percent, "monthly_rate_percent",
                                                          _("Taxa de juros mensal")))
        put(self, "on_time_discount", _check_money(self.on_time_discount, "on_time_discount",
                                                   _("Desconto até o vencimento")))

    def payable_until(self, due: date) -> date:
        """Last day the invoice can be paid without charges (the due date, or the next
        business day when the due date falls on a weekend or holiday and shifting is on)."""
        return next_business_day(due, self.holidays) if self.shift_non_business_due else due


@dataclass(frozen=True)
class InterestBreakdown:
    """What is owed on `paid_on`. Money fields are `Decimal` quantized to centavos;
    `total = amount + interest + penalty + protest_cost − discount`."""

    amount: Decimal
    due: date
    paid_on: date
    payable_until: date
    days_late: int
    days_early: int
    interest_days: int
    interest: Decimal
    penalty: Decimal
    discount: Decimal
    protest_cost: Decimal
    total: Decimal

    @property
    def charges(self) -> Decimal:
        """Net change to the invoice amount (positive: surcharge; negative: discount)."""
        return self.total - self.amount


class ChargeableInvoice(Protocol):
    """What `compute_interest` needs from an invoice (the receivables `Invoice` model)."""

    total: Decimal
    due_date: date


def days_late(due: date, paid_on: date, policy: InterestPolicy) -> int:
    """Calendar days late from the original due date; 0 up to `policy.payable_until(due)`."""
    if paid_on <= policy.payable_until(due):
        return 0
    return (paid_on - due).days


def interest_days(late: int, policy: InterestPolicy) -> int:
    """Days that bear interest: none within the grace, else days late minus compensation."""
    if late <= policy.interest_grace_days:
        return 0
    return max(late - policy.compensation_days, 0)


def _interest(amount: Decimal, days: int, policy: InterestPolicy) -> Decimal:
    monthly = policy.monthly_rate_percent
    if days == 0 or (policy.daily_rate_percent if monthly is None else monthly) == 0:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = 50
        if monthly is not None and policy.mode == "simple":
            return round_money(amount * monthly * days / (HUNDRED * 30))
        rate = policy.daily_rate_percent / HUNDRED if monthly is None else monthly / (HUNDRED * 30)
        raw = amount * rate * days if policy.mode == "simple" else amount * ((1 + rate) ** days - 1)
        return round_money(raw)


def _discount(amount: Decimal, early: int, policy: InterestPolicy) -> Decimal:
    if early == 0 or policy.discount_daily_percent == 0:
        return ZERO
    raw = amount * early * policy.discount_daily_percent / HUNDRED
    if policy.discount_cap_percent is not None:
        raw = min(raw, amount * policy.discount_cap_percent / HUNDRED)
    return round_money(min(raw, amount))


def compute_charges(amount: Decimal, due: date, paid_on: date, policy: InterestPolicy,
                    *, protest_cost: Decimal | None = None) -> InterestBreakdown:
    """Interest, penalty, discount and protest cost of paying `amount` (due on `due`) on `paid_on`.

    `protest_cost` overrides the policy's cost for this invoice (the manual's "Custo do
    protesto" informed per invoice); it is charged only when the invoice is late.
    Bad input raises `core.errors.ValidationError` naming the field.
    """
    amount = _check_money(amount, "amount", _("Valor da fatura"))
    due = _check_date(due, "due", _("Vencimento"))
    paid_on = _check_date(paid_on, "paid_on", _("Data do pagamento"))
    if not isinstance(policy, InterestPolicy):
        raise ValidationError(_("Política de juros inválida."), field="policy")
    protest = policy.protest_cost if protest_cost is None else _check_money(protest_cost, "protest_cost",
                                                                            _("Custo do protesto"))
    late = days_late(due, paid_on, policy)
    early = (due - paid_on).days if paid_on < due else 0
    i_days = interest_days(late, policy)
    interest = _interest(amount, i_days, policy)
    penalty = (round_money(amount * policy.penalty_percent / HUNDRED)
               if late > policy.penalty_grace_days else ZERO)
    discount = _discount(amount, early, policy)
    if policy.on_time_discount and paid_on <= policy.payable_until(due):
        discount = max(discount, min(policy.on_time_discount, amount))
    protest = protest if late > 0 else ZERO
    total = amount + interest + penalty + protest - discount
    return InterestBreakdown(amount=amount, due=due, paid_on=paid_on, payable_until=policy.payable_until(due),
                             days_late=late, days_early=early, interest_days=i_days, interest=interest,
                             penalty=penalty, discount=discount, protest_cost=protest, total=total)


def apply_terms(policy: InterestPolicy, terms) -> InterestPolicy:
    """`policy` with one invoice's own terms (`hooks.receivables.InterestTerms`, from the
    `invoice_interest_terms` hook) laid over it: a term that is None keeps the policy's value; a
    rate per month or per day replaces both of the policy's rates; an on-time discount replaces
    the per-day early-payment discount."""
    if terms is None:
        return policy
    changes: dict = {}
    if terms.monthly_rate_percent is not None:
        changes.update(monthly_rate_percent=terms.monthly_rate_percent, daily_rate_percent=ZERO)
    elif terms.daily_rate_percent is not None:
        changes.update(monthly_rate_percent=None, daily_rate_percent=terms.daily_rate_percent)
    if terms.penalty_percent is not None:
        changes["penalty_percent"] = terms.penalty_percent
    if terms.on_time_discount is not None:
        changes.update(on_time_discount=terms.on_time_discount, discount_daily_percent=ZERO)
    return replace(policy, **changes)


class InterestSettings(BaseModel):
    """The `interest` part of `[plugins.receivables]` (quita.toml), e.g.::

        [plugins.receivables.interest]
        daily_rate_percent = "0.033"
        mode = "compound"
        penalty_percent = "2"
        penalty_grace_days = 5

    Defaults: 0,033 % a day simple interest (≈ 1 % a month) and a 2 % penalty, the usual
    ceilings for consumer contracts (CDC art. 52 §1º); no grace, no compensation, no discount.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    daily_rate_percent: Decimal = Field(Decimal("0.033"), ge=0, le=100, title="Taxa de juros diária (%)",
                                        description="Percentual de juros cobrado por dia de atraso.")
    mode: InterestMode = Field("simple", title="Tipo de juros",
                               description="simple (juros simples) ou compound (juros compostos).")
    interest_grace_days: int = Field(0, ge=0, title="Dias de carência para juros",
                                     description="Até quantos dias de atraso não se cobram juros; passado "
                                                 "esse prazo, os juros contam todos os dias de atraso.")
    compensation_days: int = Field(0, ge=0, title="Compensação (D+n)",
                                   description="Dias descontados dos dias de atraso no cálculo dos juros "
                                               "(tempo de compensação do pagamento).")
    penalty_percent: Decimal = Field(Decimal("2.00"), ge=0, le=100, title="Percentual multa %",
                                     description="Multa sobre o valor da fatura, cobrada uma única vez "
                                                 "quando a fatura está em atraso.")
    penalty_grace_days: int = Field(0, ge=0, title="Dias de carência para multa",
                                    description="Até quantos dias de atraso não se cobra a multa.")
    discount_daily_percent: Decimal = Field(Decimal("0"), ge=0, le=100, title="Desconto diário (%)",
                                            description="Desconto por dia de antecedência do pagamento, "
                                                        "em percentual do valor da fatura.")
    discount_cap_percent: Decimal | None = Field(None, ge=0, le=100, title="Desconto máximo (%)",
                                                 description="Limite do desconto por antecipação, em "
                                                             "percentual do valor da fatura; vazio: sem limite.")
    protest_cost: Decimal = Field(Decimal("0.00"), ge=0, decimal_places=2, title="Custo do protesto (R$)",
                                  description="Somado ao valor pago de uma fatura vencida protestada.")
    shift_non_business_due: bool = Field(True, title="Vencimento em dia não útil",
                                         description="Vencimento em sábado, domingo ou feriado pode ser pago "
                                                     "no próximo dia útil sem juros nem multa.")

    def to_policy(self, extra_holidays: frozenset[date] = frozenset()) -> InterestPolicy:
        """The `InterestPolicy` these settings describe (bank holidays plus `extra_holidays`)."""
        return InterestPolicy(**self.model_dump(), holidays=BANK_HOLIDAYS | frozenset(extra_holidays))
