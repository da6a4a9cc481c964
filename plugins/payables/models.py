"""Payables tables (contas a pagar): the supplier invoice launched by "Lançar Pagamento", its
installments (the faturas a pagar that are later altered, written off and reversed one by one),
its debit splits (desmembramento da conta débito) and its cost-centre apportionment (rateio).

Money columns are `core.money.Money` (integer centavos in the database, `Decimal` in Python).

- `PayableInvoice` (`payables_invoice`) — one launch: supplier (a kernel `Party`), company,
  emission/launch dates, entry document + série, total, discount, payment form, accounting
  (histórico, credit account, cash-flow account), buyer, user, standard note, financial category,
  advance + order number, retentions of a service invoice (used by the write-off, issue 6). Its
  `number` ("número de controle") is drawn from the gapless counter `payables.invoice` per
  company. Value owed = `total - discount` (`net`): the installments and the debit splits add up
  to it (see plugins/payables/README.md).
- `PayableInstallment` (`payables_installment`) — one fatura a pagar: `code` (the invoice code
  the other routines ask for, counter `payables.installment` per company), `sequence` (1..N, fixed),
  the editable `number`, `due_date`, `amount`, `note` and `carrier` (portador); its own status.
- `PayableDebitSplit` (`payables_debit_split`) — up to 10 distinct debit accounts, sum = net.
- `PayableApportionment` (`payables_apportionment`) — cost centre, percentage and amount of the
  net value; "não ratear diferença" keeps the amounts typed by the operator.
- `ApportionmentRule` / `ApportionmentShare` — the histórico's kind of apportionment (fixo or
  variável) and its default shares (the kernel template knows only one cost centre).
- `FinancialCategory` and `Carrier` — master data (low-code documents; categories are also
  created inline by the launch).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.doctype import DocMeta, Document, field
from core.model import Base, UTCDateTime, in_choices, utcnow
from core.money import Money

QUITA_COMPONENT = "payables"

MAX_DEBIT_SPLITS = 10

# --- statuses and choices ---------------------------------------------------------------------

STATUS_OPEN = "em_aberto"
STATUS_PARTIAL = "parcial"
STATUS_SETTLED = "liquidada"
STATUS_DELETED = "excluida"
STATUSES = (
    (STATUS_OPEN, "Em aberto"),
    (STATUS_PARTIAL, "Parcialmente liquidada"),
    (STATUS_SETTLED, "Liquidada"),
    (STATUS_DELETED, "Excluída"),
)
STATUS_LABELS = dict(STATUSES)

# Manual: "para lançamento de faturas a pagar as formas de pagamento disponíveis são: Chq. Vista,
# Chq. Prazo, Crediário, Cartão e Convênio".
PAYMENT_FORMS = (
    ("chq_vista", "Chq. Vista"),
    ("chq_prazo", "Chq. Prazo"),
    ("crediario", "Crediário"),
    ("cartao", "Cartão"),
    ("convenio", "Convênio"),
)
PAYMENT_FORM_LABELS = dict(PAYMENT_FORMS)

DUE_BY_TERM = "prazo"
DUE_FIXED_DAY = "fixo"
DUE_MODES = ((DUE_BY_TERM, "Prazo entre parcelas"), (DUE_FIXED_DAY, "Vencimento fixo"))

APPORTION_FIXED = "fixo"
APPORTION_VARIABLE = "variavel"
APPORTION_KINDS = ((APPORTION_FIXED, "Fixo"), (APPORTION_VARIABLE, "Variável"))

PAYABLES_ROLES = {"financeiro": "read write create", "gerente": "read write create delete"}


# --- master data ------------------------------------------------------------------------------

class FinancialCategory(Document):
    """Categoria financeira of payables (creatable inline from the launch)."""

    __tablename__ = "payables_category"
    meta = DocMeta(
        label="Categoria financeira", label_plural="Categorias financeiras",
        list_columns=("name", "active"), filters=("name", "active"), permissions=PAYABLES_ROLES,
        title_field="name", search_fields=("name",), order_by="name", menu_group="Contas a pagar",
    )

    name: Mapped[str] = field(String(60), label="Nome", required=True, unique=True)
    active: Mapped[bool] = field(Boolean, label="Ativa", default=True, nullable=False)


class Carrier(Document):
    """Portador of a fatura a pagar (bank, cash, cheque…)."""

    __tablename__ = "payables_carrier"
    meta = DocMeta(
        label="Portador", label_plural="Portadores",
        list_columns=("code", "name", "active"), filters=("code", "name", "active"), permissions=PAYABLES_ROLES,
        title_field="name", search_fields=("code", "name"), order_by="code", menu_group="Contas a pagar",
    )

    code: Mapped[str] = field(String(20), label="Código", required=True, unique=True)
    name: Mapped[str] = field(String(80), label="Nome", required=True)
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True, nullable=False)


class ApportionmentRule(Base):
    """Tipo de rateio of a histórico (kernel `AccountingTemplate`): fixo or variável, with shares."""

    __tablename__ = "payables_apportionment_rule"
    __table_args__ = (CheckConstraint(in_choices("kind", APPORTION_KINDS), name="kind_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("ledger_template.id"), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=APPORTION_FIXED)
    shares: Mapped[list["ApportionmentShare"]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="ApportionmentShare.id", lazy="selectin")


class ApportionmentShare(Base):
    """One cost centre's percentage of a rule (the shares of a rule add up to 100 %)."""

    __tablename__ = "payables_apportionment_share"
    __table_args__ = (UniqueConstraint("rule_id", "cost_centre_id"),
                      CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("payables_apportionment_rule.id"), nullable=False)
    cost_centre_id: Mapped[int] = mapped_column(ForeignKey("ledger_cost_centre.id"), nullable=False)
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)
    rule: Mapped[ApportionmentRule] = relationship(back_populates="shares")


# --- the launch -------------------------------------------------------------------------------

class PayableInvoice(Base):
    """Fatura a pagar as launched (see the module docstring)."""

    __tablename__ = "payables_invoice"
    __table_args__ = (
        UniqueConstraint("company_id", "number", name="uq_payables_invoice_number"),
        CheckConstraint(in_choices("status", STATUSES), name="status_valid"),
        CheckConstraint(in_choices("payment_form", PAYMENT_FORMS), name="payment_form_valid"),
        CheckConstraint(in_choices("due_mode", DUE_MODES), name="due_mode_valid"),
        CheckConstraint("total > 0 AND discount >= 0 AND discount < total", name="amounts_valid"),
        CheckConstraint("installments >= 1", name="installments_positive"),
        CheckConstraint("NOT advance OR order_number IS NOT NULL", name="advance_needs_order"),
        Index("ix_payables_invoice_supplier", "supplier_id", "status"),
        Index("ix_payables_invoice_company_document", "company_id", "document", "series"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False)
    emission_date: Mapped[date] = mapped_column(Date, nullable=False)
    launch_date: Mapped[date] = mapped_column(Date, nullable=False)
    document: Mapped[str | None] = mapped_column(String(20))
    series: Mapped[str | None] = mapped_column(String(5))
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    discount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    payment_form: Mapped[str] = mapped_column(String(12), nullable=False)
    installments: Mapped[int] = mapped_column(Integer, nullable=False)
    term_days: Mapped[int] = mapped_column(Integer, nullable=False)
    due_mode: Mapped[str] = mapped_column(String(10), nullable=False, default=DUE_BY_TERM)
    # Contabilidade
    template_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_template.id"))
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    cash_flow_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    apportionment_kind: Mapped[str | None] = mapped_column(String(10))
    keep_typed_apportionment: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    # Dados do lançamento
    advance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    order_number: Mapped[str | None] = mapped_column(String(20))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    standard_note: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("payables_category.id"))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=STATUS_OPEN)
    # Approval (write-off of approved invoices only, when enabled) — filled by a later routine.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Service invoice retentions (CSRF/IRRF at write-off, proportional to the paid installment).
    service_invoice: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    irrf: Mapped[Decimal | None] = mapped_column(Money)
    pis: Mapped[Decimal | None] = mapped_column(Money)
    cofins: Mapped[Decimal | None] = mapped_column(Money)
    csll: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # "Faturas integradas (geradas automaticamente)": set by the routine that generated the invoice
    # (e.g. "Entrada de compras 123"); altering/deleting them needs PERM_ALTER_INTEGRATED (alter.py).
    integrated_from: Mapped[str | None] = mapped_column(String(60))
    # Exclusion (delete.py): when, who, why, and the entry that reversed the launch's entry.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    deletion_reason: Mapped[str | None] = mapped_column(String(250))
    deletion_reason_id: Mapped[int | None] = mapped_column(ForeignKey("reason.id"))
    deletion_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))

    parcels: Mapped[list["PayableInstallment"]] = relationship(
        back_populates="invoice", order_by="PayableInstallment.sequence", lazy="selectin")
    debit_splits: Mapped[list["PayableDebitSplit"]] = relationship(
        order_by="PayableDebitSplit.id", lazy="selectin")
    apportionment: Mapped[list["PayableApportionment"]] = relationship(
        order_by="PayableApportionment.id", lazy="selectin")

    @property
    def net(self) -> Decimal:
        """Value owed: total − discount (what the installments and the debit splits add up to)."""
        return self.total - (self.discount or Decimal("0.00"))


class PayableInstallment(Base):
    """Fatura a pagar: one installment of a launch (see the module docstring)."""

    __tablename__ = "payables_installment"
    __table_args__ = (
        UniqueConstraint("company_id", "code", name="uq_payables_installment_code"),
        UniqueConstraint("invoice_id", "sequence", name="uq_payables_installment_sequence"),
        CheckConstraint(in_choices("status", STATUSES), name="status_valid"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payables_installment_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payables_invoice.id"), nullable=False, index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    code: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    note: Mapped[str | None] = mapped_column(String(250))
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("payables_carrier.id"))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=STATUS_OPEN)
    # Write-off (writeoff.py): "Nosso Número" and the manual's free "Status" (e.g. "Agendado");
    # a partial write-off's remainder installment points at the installment it came from.
    our_number: Mapped[str | None] = mapped_column(String(30), index=True)
    situation: Mapped[str | None] = mapped_column(String(30))
    remainder_of_id: Mapped[int | None] = mapped_column(ForeignKey("payables_installment.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    invoice: Mapped[PayableInvoice] = relationship(back_populates="parcels")

    @property
    def title(self) -> str:
        """How the kernel's action dialog names the record."""
        return f"Fatura {self.code} ({self.number}) — vencimento {self.due_date:%d/%m/%Y}"


class PayableDebitSplit(Base):
    """Desmembramento da conta débito: one debit account and its share of the net value."""

    __tablename__ = "payables_debit_split"
    __table_args__ = (UniqueConstraint("invoice_id", "account_id", name="uq_payables_debit_split_account"),
                      CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payables_invoice.id"), nullable=False, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)


class PayableApportionment(Base):
    """Rateio entre centros de custo: a cost centre's percentage and amount of the net value."""

    __tablename__ = "payables_apportionment"
    __table_args__ = (UniqueConstraint("invoice_id", "cost_centre_id", name="uq_payables_apportionment_centre"),
                      CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payables_invoice.id"), nullable=False, index=True)
    cost_centre_id: Mapped[int] = mapped_column(ForeignKey("ledger_cost_centre.id"), nullable=False)
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)


WRITEOFF_TOTAL = "total"
WRITEOFF_PARTIAL = "parcial"
WRITEOFF_BATCH = "lote"
WRITEOFF_KINDS = ((WRITEOFF_TOTAL, "Individual total"), (WRITEOFF_PARTIAL, "Individual parcial"),
                  (WRITEOFF_BATCH, "Em lote"))


class PayableWriteOff(Base):
    """Baixa of one installment (writeoff.py): the manual's fields, the values posted and, after an
    estorno (reversal.py), the reversal's date, reason and entry. `principal` is the part of the
    installment's value settled (= amount, or less in a partial write-off whose rest went to
    `remainder_installment_id`); `paid` is the money that left the bank/cash account, in R$."""

    __tablename__ = "payables_writeoff"
    __table_args__ = (
        CheckConstraint(in_choices("kind", WRITEOFF_KINDS), name="kind_valid"),
        CheckConstraint("principal > 0 AND paid >= 0 AND interest >= 0 AND discount >= 0 AND fee >= 0 "
                        "AND abatement >= 0 AND remainder_interest >= 0", name="amounts_valid"),
        CheckConstraint("principal + interest + fee = paid + discount + abatement", name="balanced"),
        Index("ix_payables_writeoff_installment", "installment_id", "reversed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    installment_id: Mapped[int] = mapped_column(ForeignKey("payables_installment.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    account_date: Mapped[date] = mapped_column(Date, nullable=False)
    principal: Mapped[Decimal] = mapped_column(Money, nullable=False)
    interest: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    discount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    fee: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    abatement: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    paid: Mapped[Decimal] = mapped_column(Money, nullable=False)
    foreign_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    conversion_index: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    remainder_installment_id: Mapped[int | None] = mapped_column(ForeignKey("payables_installment.id"))
    remainder_interest: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    cash_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_cost_centre.id"))
    irrf: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    pis: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    cofins: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    csll: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    cheque_number: Mapped[str | None] = mapped_column(String(20), index=True)
    cheque_cleared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    our_number: Mapped[str | None] = mapped_column(String(30))
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("payables_carrier.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("payables_category.id"))
    history_note: Mapped[str | None] = mapped_column(String(200))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reversed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversal_reason: Mapped[str | None] = mapped_column(String(250))
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    reversed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PayableAnnotation(Base):
    """Anotação of a fatura a pagar ("Para inserir anotações", Alterar/Excluir Pagamento): append-only
    (an ORM update or delete is refused), with the user, date and time; alphanumeric, ≤ 50 characters
    (annotations.py)."""

    __tablename__ = "payables_annotation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payables_invoice.id"), nullable=False, index=True)
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("payables_installment.id"))
    text: Mapped[str] = mapped_column(String(50), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def _annotation_is_append_only(mapper, connection, target):
    from core.errors import ValidationError

    raise ValidationError("As anotações não podem ser alteradas nem excluídas.", field="annotation")


event.listen(PayableAnnotation, "before_update", _annotation_is_append_only)
event.listen(PayableAnnotation, "before_delete", _annotation_is_append_only)
