"""Ledger tables.

Master data are low-code documents (list/form/REST from the doctype engine):
- `Account` (`ledger_account`) — the chart of accounts (plano de contas), per company;
  synthetic accounts group others, only analytic accounts take entries;
- `CostCentre` (`ledger_cost_centre`) — hierarchical cost centres, per company;
- `AccountingTemplate` (`ledger_template`) — histórico contábil: a debit and a credit account.

Journal entries are not documents: `JournalEntry` (`ledger_entry`) and its `JournalLine`s
(`ledger_entry_line`) are written only by `core.ledger.services.post_entry` / `reverse_entry`
and never change afterwards. Deleting or updating them through the ORM raises (mapper events and a
bulk-statement guard below); a mistake is corrected by a reversal (estorno), never by a delete.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, event, select)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.doctype import DocMeta, Document, field
from core.errors import ValidationError
from core.i18n import _
from core.model import Base, UTCDateTime, utcnow
from core.money import ZERO, Money

ACCOUNT_KINDS: tuple[tuple[str, str], ...] = (
    ("bank", "Banco"),
    ("cash", "Caixa"),
    ("receivable", "Contas a receber"),
    ("payable", "Contas a pagar"),
    ("revenue", "Receita"),
    ("expense", "Despesa"),
    ("discount", "Desconto"),
    ("surcharge", "Acréscimo"),
    ("asset", "Ativo"),
    ("liability", "Passivo"),
    ("equity", "Patrimônio líquido"),
    ("other", "Outra"),
)
ACCOUNT_KIND_LABELS = dict(ACCOUNT_KINDS)

LEDGER_ROLES = {"contabilidade": "read write create delete", "financeiro": "read"}

_CODE_RE = re.compile(r"^[0-9A-Za-z]+([.\-][0-9A-Za-z]+)*$")


def _check_code(value: str | None, label: str = "Código") -> str:
    code = (value or "").strip()
    if not code:
        raise ValidationError(_("Informe o código."), field="code")
    if not _CODE_RE.match(code):
        raise ValidationError(
            _("{label} inválido: \"{code}\". Use letras, dígitos, pontos ou hífens (ex.: 1.1.01.001).")
            .format(label=label, code=code), field="code")
    return code


def _check_unique_code(session: Session, cls, obj) -> None:
    q = select(cls.id).where(cls.company_id == obj.company_id, cls.code == obj.code)
    if obj.id is not None:
        q = q.where(cls.id != obj.id)
    if session.execute(q.limit(1)).first() is not None:
        raise ValidationError(_("Já existe {what} com o código {code} nesta empresa.")
                              .format(what=cls.meta.label.lower(), code=obj.code), field="code")


def _check_parent(session: Session, cls, obj, *, must_be_synthetic: bool) -> None:
    """Parent in the same company, no cycle; for accounts the parent must be synthetic."""
    if obj.parent_id is None:
        return
    if obj.id is not None and obj.parent_id == obj.id:
        raise ValidationError(_("Um registro não pode ser pai de si mesmo."), field="parent_id")
    parent = session.get(cls, obj.parent_id)
    if parent is None:
        raise ValidationError(_("Registro pai não encontrado."), field="parent_id")
    if parent.company_id != obj.company_id:
        raise ValidationError(_("O registro pai {code} pertence a outra empresa.").format(code=parent.code),
                              field="parent_id")
    if must_be_synthetic and not parent.is_synthetic:
        raise ValidationError(
            _("A conta pai {code} é analítica; somente contas sintéticas podem agrupar outras contas.")
            .format(code=parent.code), field="parent_id")
    seen = {obj.id} if obj.id is not None else set()
    node = parent
    while node is not None:
        if node.id in seen:
            raise ValidationError(_("A hierarquia informada forma um ciclo."), field="parent_id")
        seen.add(node.id)
        node = session.get(cls, node.parent_id) if node.parent_id is not None else None


class Account(Document):
    """An account of the chart of accounts (plano de contas) of one company."""

    __tablename__ = "ledger_account"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    meta = DocMeta(
        label="Conta contábil", label_plural="Plano de contas",
        list_columns=("code", "name", "kind", "is_synthetic", "active"),
        filters=("company_id", "code", "name", "kind", "is_synthetic", "active"),
        permissions=LEDGER_ROLES, title_field="name", search_fields=("code", "name"),
        order_by="code",
    )

    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company",
                                    index=True)
    code: Mapped[str] = field(String(40), label="Código", required=True,
                              help="Código da conta, ex.: 1.1.01.001")
    name: Mapped[str] = field(String(150), label="Nome", required=True)
    parent_id: Mapped[int | None] = field(ForeignKey("ledger_account.id"), label="Conta pai",
                                          link="ledger_account", index=True)
    is_synthetic: Mapped[bool] = field(Boolean, label="Sintética", default=False,
                                       help="Conta sintética agrupa outras contas e não recebe lançamentos; "
                                            "somente contas analíticas recebem lançamentos.")
    kind: Mapped[str] = field(String(20), label="Tipo", required=True, choices=ACCOUNT_KINDS, default="other")
    bank_code: Mapped[str | None] = field(String(3), label="Código do banco", help="Para contas do tipo Banco, ex.: 001")
    branch: Mapped[str | None] = field(String(10), label="Agência")
    branch_digit: Mapped[str | None] = field(String(2), label="Dígito da agência")
    account_number: Mapped[str | None] = field(String(20), label="Conta corrente")
    account_digit: Mapped[str | None] = field(String(2), label="Dígito da conta")
    active: Mapped[bool] = field(Boolean, label="Ativa", default=True)

    @property
    def is_analytic(self) -> bool:
        return not self.is_synthetic

    @property
    def kind_label(self) -> str:
        return ACCOUNT_KIND_LABELS.get(self.kind, self.kind)

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    def validate(self, session) -> None:
        self.code = _check_code(self.code)
        self.name = (self.name or "").strip()
        if not self.name:
            raise ValidationError(_("Informe o nome da conta."), field="name")
        if self.kind not in ACCOUNT_KIND_LABELS:
            raise ValidationError(_("Tipo de conta inválido: {kind}.").format(kind=self.kind), field="kind")
        if self.company_id is None:
            raise ValidationError(_("Informe a empresa da conta."), field="company_id")
        _check_unique_code(session, Account, self)
        _check_parent(session, Account, self, must_be_synthetic=True)
        if self.kind == "bank" and not self.is_synthetic:
            self._validate_bank_details()
        if self.id is None:
            return
        if not self.is_synthetic:
            child = session.execute(select(Account.code).where(Account.parent_id == self.id).limit(1)).first()
            if child is not None:
                raise ValidationError(
                    _("A conta {code} agrupa outras contas (ex.: {child}) e precisa ser sintética.")
                    .format(code=self.code, child=child[0]), field="is_synthetic")
        used = session.execute(select(JournalLine.company_id).where(JournalLine.account_id == self.id).limit(1)).first()
        if used is not None:
            if self.is_synthetic:
                raise ValidationError(
                    _("A conta {code} já recebeu lançamentos e não pode passar a ser sintética.").format(code=self.code),
                    field="is_synthetic")
            if used[0] != self.company_id:
                raise ValidationError(
                    _("A conta {code} já recebeu lançamentos e não pode mudar de empresa.").format(code=self.code),
                    field="company_id")

    def _validate_bank_details(self) -> None:
        bank = (self.bank_code or "").strip()
        if not re.fullmatch(r"\d{3}", bank):
            raise ValidationError(_("Conta do tipo Banco: informe o código do banco com 3 dígitos (ex.: 001)."),
                                  field="bank_code")
        self.bank_code = bank
        if not (self.branch or "").strip():
            raise ValidationError(_("Conta do tipo Banco: informe a agência."), field="branch")
        if not (self.account_number or "").strip():
            raise ValidationError(_("Conta do tipo Banco: informe o número da conta corrente."),
                                  field="account_number")
        self.branch = self.branch.strip()
        self.account_number = self.account_number.strip()


class CostCentre(Document):
    """A cost centre (centro de custo) of one company; hierarchical through `parent_id`."""

    __tablename__ = "ledger_cost_centre"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    meta = DocMeta(
        label="Centro de custo", label_plural="Centros de custo",
        list_columns=("code", "name", "active"), filters=("company_id", "code", "name", "active"),
        permissions=LEDGER_ROLES, title_field="name", search_fields=("code", "name"),
        order_by="code",
    )

    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company",
                                    index=True)
    code: Mapped[str] = field(String(40), label="Código", required=True)
    name: Mapped[str] = field(String(150), label="Nome", required=True)
    parent_id: Mapped[int | None] = field(ForeignKey("ledger_cost_centre.id"), label="Centro de custo pai",
                                          link="ledger_cost_centre", index=True)
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True)

    @property
    def is_synthetic(self) -> bool:  # any cost centre may group others
        return True

    def validate(self, session) -> None:
        self.code = _check_code(self.code)
        self.name = (self.name or "").strip()
        if not self.name:
            raise ValidationError(_("Informe o nome do centro de custo."), field="name")
        if self.company_id is None:
            raise ValidationError(_("Informe a empresa do centro de custo."), field="company_id")
        _check_unique_code(session, CostCentre, self)
        _check_parent(session, CostCentre, self, must_be_synthetic=False)


class AccountingTemplate(Document):
    """Histórico contábil: a named pair of debit and credit accounts used by postings.

    Either side may be left empty when the operation supplies it (e.g. the bank account chosen at
    settlement); `post_from_template` then requires it as an argument.
    """

    __tablename__ = "ledger_template"
    __table_args__ = (UniqueConstraint("company_id", "code"),)
    meta = DocMeta(
        label="Histórico contábil", label_plural="Históricos contábeis",
        list_columns=("code", "description", "debit_account_id", "credit_account_id", "active"),
        filters=("company_id", "code", "description", "active"),
        permissions=LEDGER_ROLES, title_field="description", search_fields=("code", "description"),
        order_by="code",
    )

    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company",
                                    index=True)
    code: Mapped[str] = field(String(20), label="Código", required=True)
    description: Mapped[str] = field(String(150), label="Descrição", required=True)
    debit_account_id: Mapped[int | None] = field(ForeignKey("ledger_account.id"), label="Conta débito",
                                                 link="ledger_account")
    credit_account_id: Mapped[int | None] = field(ForeignKey("ledger_account.id"), label="Conta crédito",
                                                  link="ledger_account")
    cost_centre_id: Mapped[int | None] = field(ForeignKey("ledger_cost_centre.id"), label="Centro de custo",
                                               link="ledger_cost_centre")
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True)

    def validate(self, session) -> None:
        self.code = _check_code(self.code)
        self.description = (self.description or "").strip()
        if not self.description:
            raise ValidationError(_("Informe a descrição do histórico."), field="description")
        if self.company_id is None:
            raise ValidationError(_("Informe a empresa do histórico."), field="company_id")
        _check_unique_code(session, AccountingTemplate, self)
        if self.debit_account_id is None and self.credit_account_id is None:
            raise ValidationError(_("Informe ao menos a conta débito ou a conta crédito do histórico."),
                                  field="debit_account_id")
        if self.debit_account_id is not None and self.debit_account_id == self.credit_account_id:
            raise ValidationError(_("A conta débito e a conta crédito do histórico devem ser diferentes."),
                                  field="credit_account_id")
        for attr, side in (("debit_account_id", "débito"), ("credit_account_id", "crédito")):
            account_id = getattr(self, attr)
            if account_id is None:
                continue
            account = session.get(Account, account_id)
            if account is None:
                raise ValidationError(_("Conta {side} não encontrada.").format(side=side), field=attr)
            if account.company_id != self.company_id:
                raise ValidationError(_("A conta {side} {code} pertence a outra empresa.")
                                      .format(side=side, code=account.code), field=attr)
            if account.is_synthetic:
                raise ValidationError(
                    _("A conta {side} {code} é sintética; informe uma conta analítica.")
                    .format(side=side, code=account.code), field=attr)
        if self.cost_centre_id is not None:
            centre = session.get(CostCentre, self.cost_centre_id)
            if centre is None or centre.company_id != self.company_id:
                raise ValidationError(_("Centro de custo não encontrado nesta empresa."), field="cost_centre_id")


class JournalEntry(Base):
    """A posted double-entry journal entry (lançamento contábil). Immutable once written."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        Index("ix_ledger_entry_company_date", "company_id", "date"),
        Index("ix_ledger_entry_origin", "origin_kind", "origin_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(String(255), nullable=False)
    origin: Mapped[str | None] = mapped_column(String(120))
    origin_kind: Mapped[str | None] = mapped_column(String(60))
    origin_id: Mapped[int | None] = mapped_column(Integer)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_template.id"))
    # The entry this one reverses; unique, so an entry can be reversed only once (also in the DB).
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    lines: Mapped[list["JournalLine"]] = relationship(
        back_populates="entry", order_by="JournalLine.line_no", lazy="selectin")
    reversal_of: Mapped["JournalEntry | None"] = relationship(remote_side=[id], foreign_keys=[reversal_of_id])

    @property
    def title(self) -> str:
        """How the entry is named in dialogs and links: "Lançamento 12 de 05/11/2026 — Venda"."""
        return _("Lançamento {n} de {d} — {desc}").format(n=self.number, d=self.date.strftime("%d/%m/%Y"),
                                                          desc=self.description)

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), ZERO)


class JournalLine(Base):
    """One side of a journal entry: an analytic account debited or credited (never both)."""

    __tablename__ = "ledger_entry_line"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="non_negative"),
        CheckConstraint("(debit = 0) <> (credit = 0)", name="one_side"),
        Index("ix_ledger_entry_line_account_date", "account_id", "date"),
        Index("ix_ledger_entry_line_company_date", "company_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry.id", ondelete="RESTRICT"), nullable=False,
                                          index=True)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    # company and date repeat the entry's so balances read one indexed table.
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    debit: Mapped[Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_cost_centre.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    memo: Mapped[str | None] = mapped_column(String(255))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship(lazy="joined")

    @property
    def amount(self) -> Decimal:
        """Signed amount: debit positive, credit negative."""
        return self.debit - self.credit


# --- Guards: journal entries are append-only ----------------------------------------------------

def _refuse_change(kind: str) -> ValidationError:
    if kind == "delete":
        return ValidationError(_("Lançamentos contábeis não podem ser excluídos; faça o estorno do lançamento."))
    return ValidationError(_("Lançamentos contábeis não podem ser alterados; faça o estorno e um novo lançamento."))


@event.listens_for(JournalEntry, "before_delete")
@event.listens_for(JournalLine, "before_delete")
def _no_entry_delete(mapper, connection, target):
    raise _refuse_change("delete")


@event.listens_for(JournalEntry, "before_update")
@event.listens_for(JournalLine, "before_update")
def _no_entry_update(mapper, connection, target):
    session = Session.object_session(target)
    if session is not None and session.is_modified(target, include_collections=False):
        raise _refuse_change("update")


_APPEND_ONLY_TABLES = frozenset({"ledger_entry", "ledger_entry_line"})


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_entry_change(state):
    """Refuse ORM bulk UPDATE/DELETE statements on journal entries (`session.execute(delete(...))`)."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _APPEND_ONLY_TABLES:
        raise _refuse_change("delete" if state.is_delete else "update")


@event.listens_for(Account, "before_delete")
def _no_used_account_delete(mapper, connection, target):
    used = connection.execute(select(JournalLine.id).where(JournalLine.account_id == target.id).limit(1)).first()
    if used is not None:
        raise ValidationError(
            _("A conta {code} possui lançamentos e não pode ser excluída; desative-a.").format(code=target.code))
