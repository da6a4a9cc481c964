"""Previsão de despesas (Tesouraria > Previsão de despesas): expenses expected but not launched yet,
which the cash-flow report adds to the "Previsto" side when "Previsões de despesas não compensadas"
is ticked (plugins/payables/cashflow.py).

`ExpenseForecast` (`payables_expense_forecast`) is a low-code document (list/form pages under
`/doc/payables_expense_forecast`, REST, audit): company, flow account (an analytic bank/cash
account of that company: where the money will leave from), description, value, first date and
recurrence — "única" (one date) or "mensal" (the same day every month until `until`; a day past the
end of a shorter month falls on its last day, as the launch's fixed due day). `compensated_until`
("Compensada até"): occurrences on or before it have been compensated (the real expense was
launched) and no longer count; `active` off drops the whole forecast from the report.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped

from core.doctype import DocMeta, Document, field
from core.errors import ValidationError
from core.model import in_choices
from core.money import Money

QUITA_COMPONENT = "payables"

FLOW_ACCOUNT_KINDS = ("bank", "cash")  # "Conta Fluxo": analytic bank (Banco) or cash (Caixa) accounts
RECURRENCE_ONCE = "unica"
RECURRENCE_MONTHLY = "mensal"
RECURRENCES = ((RECURRENCE_ONCE, "Única"), (RECURRENCE_MONTHLY, "Mensal"))
MAX_OCCURRENCES = 120  # ten years of a monthly forecast
FORECAST_ROLES = {"financeiro": "read write create delete", "gerente": "read write create delete"}


def month_occurrence(first: date, months: int) -> date:
    """`first`'s day `months` months later (a missing day ⇒ the month's last day; the day comes back
    in the next months) — the launch's fixed due-day rule."""
    from plugins.payables.installments import same_day_months_later

    return same_day_months_later(first, months)


class ExpenseForecast(Document):
    """Previsão de despesa (see the module docstring)."""

    __tablename__ = "payables_expense_forecast"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint(in_choices("recurrence", RECURRENCES), name="recurrence_valid"))
    meta = DocMeta(
        label="Previsão de despesa", label_plural="Previsões de despesas",
        list_columns=("company_id", "due_date", "description", "amount", "recurrence", "until", "account_id",
                      "compensated_until", "active"),
        filters=("company_id", "account_id", "description", "recurrence", "active"), permissions=FORECAST_ROLES,
        title_field="description", search_fields=("description",), order_by="due_date", menu_group="Financeiro",
    )

    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company")
    account_id: Mapped[int] = field(ForeignKey("ledger_account.id"), label="Conta fluxo (banco/caixa)",
                                    required=True, link="ledger_account")
    description: Mapped[str] = field(String(120), label="Descrição", required=True)
    amount: Mapped[Decimal] = field(Money, label="Valor", required=True)
    due_date: Mapped[date] = field(Date, label="Data (1º vencimento)", required=True)
    recurrence: Mapped[str] = field(String(10), label="Recorrência", required=True, choices=RECURRENCES,
                                    default=RECURRENCE_ONCE)
    until: Mapped[date | None] = field(Date, label="Repetir até", help="Recorrência mensal: último mês previsto.")
    compensated_until: Mapped[date | None] = field(
        Date, label="Compensada até", help="Ocorrências até esta data já foram lançadas e não entram no fluxo.")
    active: Mapped[bool] = field(Boolean, label="Ativa", default=True, nullable=False)

    def validate(self, session) -> None:
        from core.ledger.models import Account

        self.description = (self.description or "").strip()
        if not self.description:
            raise ValidationError("Informe a descrição da previsão de despesa.", field="description")
        if self.amount is None or self.amount <= 0:
            raise ValidationError("O valor da previsão de despesa deve ser maior que zero.", field="amount")
        account = session.get(Account, self.account_id)
        if (account is None or account.company_id != self.company_id or account.is_synthetic
                or account.kind not in FLOW_ACCOUNT_KINDS):
            raise ValidationError("A conta da previsão deve ser uma conta fluxo (banco ou caixa, analítica) da "
                                  "empresa.", field="account_id")
        if self.recurrence == RECURRENCE_MONTHLY:
            if self.until is None:
                raise ValidationError("Informe até quando a despesa mensal se repete (Repetir até).", field="until")
            if self.until < self.due_date:
                raise ValidationError("«Repetir até» não pode ser anterior à data do 1º vencimento.", field="until")
            months = (self.until.year - self.due_date.year) * 12 + self.until.month - self.due_date.month
            if months >= MAX_OCCURRENCES:
                raise ValidationError(f"Uma previsão mensal tem no máximo {MAX_OCCURRENCES} ocorrências.",
                                      field="until")
        elif self.until is not None:
            raise ValidationError("«Repetir até» só vale para a recorrência mensal.", field="until")

    def occurrences(self, start: date, end: date) -> list[date]:
        """Dates of the occurrences in [start, end] not yet compensated."""
        if self.recurrence == RECURRENCE_MONTHLY:
            dates, k = [], 0
            while (d := month_occurrence(self.due_date, k)) <= min(end, self.until or self.due_date):
                dates.append(d)
                k += 1
        else:
            dates = [self.due_date]
        floor = self.compensated_until
        return [d for d in dates if start <= d <= end and (floor is None or d > floor)]
