"""Receivables tables: plans, due-day rules, contracts (master data, low-code documents) and the
transactional rows the billing run writes — charges (contas a receber) and invoices (faturas).

Money columns are `core.money.Money` (integer centavos in the database, `Decimal` in Python).

Due-day rule (`DueRule`) semantics, used by `plugins.receivables.billing`:

- `due_day` 1–31: the day of the month the charge falls due; in a shorter month a day past its
  end means the month's last day (31 ⇒ 30/04, 28/02 or 29/02).
- `competence_mode` — the competence is ALWAYS the month of use (the service period, stored as
  its first day). The mode says in which month that period falls due:
  "mes_seguinte" (post-paid, the default: December's use is due in January) or
  "mesmo_mes" (pre-paid: December's use is due in December).
- `issue_days_before`: how many days before the due date the invoice is dated (issue date =
  due date − N days).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from core.doctype import DocMeta, Document, field
from core.model import Base, UTCDateTime, in_choices, utcnow
from core.money import Money

# --- statuses ---------------------------------------------------------------------------------

CONTRACT_AWAITING = "aguardando_ativacao"
CONTRACT_ACTIVE = "ativo"
CONTRACT_SUSPENDED = "suspenso"
CONTRACT_CANCELLED = "cancelado"
CONTRACT_STATUSES = (
    (CONTRACT_AWAITING, "Aguardando ativação"),
    (CONTRACT_ACTIVE, "Ativo"),
    (CONTRACT_SUSPENDED, "Suspenso"),
    (CONTRACT_CANCELLED, "Cancelado"),
)

CHARGE_OPEN = "aberta"
CHARGE_INVOICED = "faturada"
CHARGE_SETTLED = "liquidada"
CHARGE_SUSPENDED = "suspensa"
CHARGE_REMOVED = "removida"
CHARGE_STATUSES = (
    (CHARGE_OPEN, "Aberta"),
    (CHARGE_INVOICED, "Faturada"),
    (CHARGE_SETTLED, "Liquidada"),
    (CHARGE_SUSPENDED, "Suspensa"),
    (CHARGE_REMOVED, "Removida"),
)

INVOICE_OPEN = "aberta"
INVOICE_SETTLED = "liquidada"
INVOICE_REMOVED = "excluida"
INVOICE_SUSPENDED = "suspensa"
INVOICE_PARTIAL = "parcialmente_liquidada"
INVOICE_STATUSES = (
    (INVOICE_OPEN, "Aberta"),
    (INVOICE_SETTLED, "Liquidada"),
    (INVOICE_REMOVED, "Excluída"),
    (INVOICE_SUSPENDED, "Suspensa"),
    (INVOICE_PARTIAL, "Parcialmente liquidada"),
)

# Forma de pagamento (tipo de documento) of an invoice; interest and the early-payment discount are
# computed only for "crediario" (manual: "somente para faturas que tenham a forma de pagamento
# Crediário (4)"); the penalty (multa) applies to every form.
PAYMENT_FORM_CREDIARIO = "crediario"
PAYMENT_FORMS = (
    ("chq_vista", "Chq. Vista"),
    ("chq_prazo", "Chq. Prazo"),
    (PAYMENT_FORM_CREDIARIO, "Crediário"),
    ("cartao", "Cartão"),
    ("convenio", "Convênio"),
    ("financeira", "Financeira"),
)

MODE_NEXT_MONTH = "mes_seguinte"
MODE_SAME_MONTH = "mesmo_mes"
COMPETENCE_MODES = (
    (MODE_NEXT_MONTH, "Pós-pago: o uso do mês vence no mês seguinte"),
    (MODE_SAME_MONTH, "Pré-pago: o uso do mês vence no próprio mês"),
)

# Charges the billing run creates are "mensalidade"; other charges leave `recurring_kind` NULL,
# so the unique (contract_id, competence, recurring_kind) binds only the recurring ones.
RECURRING_MONTHLY = "mensalidade"
ORIGIN_CONTRACT = "contrato"
ORIGIN_MANUAL = "avulsa"

RECEIVABLES_ROLES = {"financeiro": "read write create", "comercial": "read write create",
                     "gerente": "read write create delete", "atendimento": "read"}


# --- master data (low-code documents) ---------------------------------------------------------

class Plan(Document):
    """Plano de acesso: a service and its monthly price."""

    __tablename__ = "receivables_plan"
    meta = DocMeta(
        label="Plano de acesso", label_plural="Planos de acesso",
        list_columns=("code", "name", "price", "active"), filters=("code", "name", "active"),
        permissions=RECEIVABLES_ROLES, title_field="name", search_fields=("code", "name"),
        order_by="code", menu_group="Cadastros",
    )

    code: Mapped[str] = field(String(20), label="Código", required=True, unique=True)
    name: Mapped[str] = field(String(120), label="Nome", required=True)
    price: Mapped[Decimal] = field(Money, label="Preço mensal", required=True)
    service_description: Mapped[str | None] = field(String(200), label="Descrição do serviço",
                                                    help="Texto usado na descrição das contas do plano.")
    revenue_account_id: Mapped[int | None] = field(ForeignKey("ledger_account.id"), label="Conta de receita",
                                                   link="ledger_account")
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True, nullable=False)

    def validate(self, session) -> None:
        from core.errors import ValidationError

        if self.price is not None and self.price < 0:
            raise ValidationError("O preço mensal não pode ser negativo.", field="price")


class DueRule(Document):
    """Regra de vencimento (see the module docstring for the exact semantics)."""

    __tablename__ = "receivables_due_rule"
    __table_args__ = (
        CheckConstraint("due_day BETWEEN 1 AND 31", name="due_day_range"),
        CheckConstraint("issue_days_before >= 0", name="issue_days_before_positive"),
    )
    meta = DocMeta(
        label="Regra de vencimento", label_plural="Regras de vencimento",
        list_columns=("code", "name", "due_day", "competence_mode", "active"),
        filters=("code", "name", "due_day", "active"),
        permissions=RECEIVABLES_ROLES, title_field="name", order_by="code", menu_group="Cadastros",
    )

    code: Mapped[str] = field(String(20), label="Código", required=True, unique=True)
    name: Mapped[str] = field(String(120), label="Nome", required=True)
    due_day: Mapped[int] = field(Integer, label="Dia do vencimento", required=True,
                                 help="1 a 31; em mês mais curto vence no último dia do mês.")
    issue_days_before: Mapped[int] = field(Integer, label="Dias de antecedência da emissão", required=True,
                                           default=10, help="A fatura é emitida N dias antes do vencimento.")
    competence_mode: Mapped[str] = field(String(20), label="Competência", required=True,
                                         choices=COMPETENCE_MODES, default=MODE_NEXT_MONTH)
    active: Mapped[bool] = field(Boolean, label="Ativa", default=True, nullable=False)

    def validate(self, session) -> None:
        from core.errors import ValidationError

        if self.due_day is None or not 1 <= int(self.due_day) <= 31:
            raise ValidationError("O dia do vencimento deve estar entre 1 e 31.", field="due_day")
        if self.issue_days_before is not None and int(self.issue_days_before) < 0:
            raise ValidationError("Os dias de antecedência da emissão não podem ser negativos.",
                                  field="issue_days_before")


class Contract(Document):
    """Contrato de serviço. The status changes only through `plugins.receivables.contracts`."""

    __tablename__ = "receivables_contract"
    __table_args__ = (
        CheckConstraint(in_choices("status", CONTRACT_STATUSES), name="status_valid"),
        Index("ix_receivables_contract_party_status", "party_id", "status"),
        Index("ix_receivables_contract_status_party", "status", "party_id"),
    )
    meta = DocMeta(
        label="Contrato", label_plural="Contratos",
        list_columns=("id", "party_id", "plan_id", "status", "activated_on", "cancellation_requested"),
        filters=("party_id", "company_id", "plan_id", "status", "cancellation_requested"),
        permissions=RECEIVABLES_ROLES, order_by="-id", menu_group="Contas a receber",
    )

    party_id: Mapped[int] = field(ForeignKey("party.id"), label="Cliente", required=True, link="party")
    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company")
    plan_id: Mapped[int] = field(ForeignKey("receivables_plan.id"), label="Plano de acesso", required=True,
                                 link="receivables_plan")
    due_rule_id: Mapped[int] = field(ForeignKey("receivables_due_rule.id"), label="Regra de vencimento",
                                     required=True, link="receivables_due_rule")
    wallet: Mapped[str | None] = field(String(60), label="Profile de pagamento (carteira)",
                                       help="Carteira de cobrança; o plugin bank_profiles trará o cadastro completo.")
    status: Mapped[str] = field(String(20), label="Situação", required=True, choices=CONTRACT_STATUSES,
                                default=CONTRACT_AWAITING, read_only=True)
    activated_on: Mapped[date | None] = field(Date, label="Data de ativação", read_only=True)
    suspended_on: Mapped[date | None] = field(Date, label="Suspenso desde", read_only=True)
    suspension_reason: Mapped[str | None] = field(String(250), label="Motivo da suspensão", read_only=True)
    cancelled_on: Mapped[date | None] = field(Date, label="Data do cancelamento", read_only=True,
                                              help="Último dia cobrado é a véspera desta data.")
    cancellation_reason: Mapped[str | None] = field(String(250), label="Motivo do cancelamento", read_only=True)
    cancellation_requested: Mapped[bool] = field(Boolean, label="Cancelamento solicitado", default=False,
                                                 nullable=False, read_only=True,
                                                 help="Está no gerenciador de cancelamentos (retenção).")
    cancellation_requested_at: Mapped[datetime | None] = field(UTCDateTime, label="Cancelamento solicitado em",
                                                               read_only=True)
    price_override: Mapped[Decimal | None] = field(Money, label="Preço especial",
                                                   help="Substitui o preço do plano neste contrato.")
    grouping_key: Mapped[str | None] = field(String(30), label="Agrupamento",
                                             help="Contratos do cliente com o mesmo agrupamento saem na mesma "
                                                  "fatura; vazio = agrupa com as demais contas do cliente.")
    notes: Mapped[str | None] = field(Text, label="Observação", widget="textarea")
    # Contract tools (plugins.receivables.contract_tools): payment profile, general data, installments.
    payment_profile_id: Mapped[int | None] = field(Integer, label="Profile de pagamento", read_only=True,
                                                   help="Cadastro do plugin bank_profiles (sem chave estrangeira); "
                                                        "mude com “Trocar profile de pagamento”.")
    description: Mapped[str | None] = field(String(200), label="Descrição do contrato")
    email_billing: Mapped[bool] = field(Boolean, label="Envia fatura por e-mail", default=True, nullable=False,
                                        server_default=sa_text("true"))
    installments: Mapped[int | None] = field(Integer, label="Quantidade de parcelas",
                                             help="Contrato com parcelas fixas; vazio = mensalidade sem prazo.")
    installments_generated: Mapped[int] = field(Integer, label="Parcelas geradas", default=0, nullable=False,
                                                server_default="0", read_only=True)

    def validate(self, session) -> None:
        from core.errors import ValidationError

        if self.installments is not None and int(self.installments) < 1:
            raise ValidationError("A quantidade de parcelas deve ser pelo menos 1.", field="installments")
        if self.price_override is not None and self.price_override < 0:
            raise ValidationError("O preço especial não pode ser negativo.", field="price_override")


# --- history and transactional rows -----------------------------------------------------------

class ContractSuspension(Base):
    """One suspension period of a contract: [starts_on, ends_on) — `ends_on` is the day the
    suspension was cancelled (that day is billed again); NULL while still suspended."""

    __tablename__ = "receivables_contract_suspension"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("receivables_contract.id"), nullable=False, index=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("reason.id"))
    notes: Mapped[str | None] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Charge(Base):
    """Conta a receber: one line owed by a party, billed (in an invoice) or not."""

    __tablename__ = "receivables_charge"
    __table_args__ = (
        # Idempotency of the billing run: one recurring charge per (contract, competence).
        UniqueConstraint("contract_id", "competence", "recurring_kind", name="uq_receivables_charge_recurring"),
        CheckConstraint(in_choices("status", CHARGE_STATUSES), name="status_valid"),
        CheckConstraint("installment >= 1 AND installment <= installments", name="installment_range"),
        Index("ix_receivables_charge_party_status_due", "party_id", "status", "due_date"),
        Index("ix_receivables_charge_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    # No index of its own: the unique (contract_id, competence, recurring_kind) leads with it.
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_contract.id"))
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    competence: Mapped[date] = mapped_column(Date, nullable=False)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    installment: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    installments: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    revenue_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CHARGE_OPEN)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_invoice.id"), index=True)
    origin: Mapped[str] = mapped_column(String(20), nullable=False, default=ORIGIN_MANUAL)
    recurring_kind: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    @property
    def title(self) -> str:
        """How the action dialog names the charge."""
        return f"Conta {self.id} — {self.description}"


class Invoice(Base):
    """Fatura: groups charges; what the customer pays. The number is drawn at issue from the
    gapless counter (kind "receivables.invoice", per company)."""

    __tablename__ = "receivables_invoice"
    __table_args__ = (
        UniqueConstraint("company_id", "number", name="uq_receivables_invoice_number"),
        CheckConstraint(in_choices("status", INVOICE_STATUSES), name="status_valid"),
        CheckConstraint(in_choices("payment_form", PAYMENT_FORMS), name="payment_form_valid"),
        Index("ix_receivables_invoice_party_status_due", "party_id", "status", "due_date"),
        Index("ix_receivables_invoice_status_due", "status", "due_date"),
        # bank reconciliation (plugins.reconciliation.matching): open invoices by (due date, total)
        Index("ix_receivables_invoice_due_total", "due_date", "total"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    status: Mapped[str] = mapped_column(String(25), nullable=False, default=INVOICE_OPEN)
    description: Mapped[str | None] = mapped_column(String(200))
    wallet: Mapped[str | None] = mapped_column(String(60))
    competence: Mapped[date | None] = mapped_column(Date)
    # Remessa placeholders (bank_profiles fills them later).
    remessa_transmitted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    remessa_write_off_pending: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # "Alteração de desconto/instrução" (Alterar Fatura): discount for paying on time, up to a date,
    # and the boleto's instruction text.
    discount_amount: Mapped[Decimal | None] = mapped_column(Money)
    discount_until: Mapped[date | None] = mapped_column(Date)
    instruction: Mapped[str | None] = mapped_column(String(250))
    # Forma de pagamento (PAYMENT_FORMS): billing and avulsa invoices are "crediario" (server default,
    # also for the billing run's raw inserts); only "crediario" bears interest and discount.
    payment_form: Mapped[str] = mapped_column(String(12), nullable=False, default=PAYMENT_FORM_CREDIARIO,
                                              server_default=PAYMENT_FORM_CREDIARIO)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
