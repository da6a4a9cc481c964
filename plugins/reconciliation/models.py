"""Tables of the OFX import (`statement_import.import_statement`).

- `StatementFile`: one uploaded file, its bytes kept (name, SHA-256, who, when). The same file may
  be uploaded again (that is how deleted lines come back), so the SHA-256 is not unique.
- `StatementImport`: one account of that file imported into one ledger bank account, with the
  figures of the run (lines in the file, new, already imported, restored) and the statement balance.
- `StatementLine`: one bank statement line of a ledger bank account. Dedup key: (bank account,
  FITID, fingerprint, occurrence) — unique, so two imports at once cannot store a line twice.
- `AccountLink`: the file's bank / agência / conta linked to a ledger bank account (asked once).

The reconciliation tables (reconciliation ↔ matched objects, stored suggestions) are in
`reconcile_models.py`; a line points at its current reconciliation (`reconciliation_id`, NULL = free).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money


class AccountLink(Base):
    """The bank account of an OFX file (BANKID / BRANCHID / ACCTID, normalised) → ledger bank account."""

    __tablename__ = "reconciliation_account_link"
    __table_args__ = (UniqueConstraint("bank_id", "branch_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(10), nullable=False)
    branch_id: Mapped[str] = mapped_column(String(20), nullable=False)
    account_id: Mapped[str] = mapped_column(String(60), nullable=False)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class StatementFile(Base):
    """One OFX file as uploaded."""

    __tablename__ = "reconciliation_statement_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    encoding: Mapped[str] = mapped_column(String(20), nullable=False)
    warnings: Mapped[str | None] = mapped_column(Text)  # one per line
    user_id: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class StatementImport(Base):
    """One account of a file imported into one ledger bank account."""

    __tablename__ = "reconciliation_statement_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_statement_file.id"), nullable=False, index=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False, index=True)
    ofx_bank_id: Mapped[str] = mapped_column(String(10), nullable=False)
    ofx_branch_id: Mapped[str] = mapped_column(String(20), nullable=False)
    ofx_account_id: Mapped[str] = mapped_column(String(60), nullable=False)
    ofx_account_type: Mapped[str] = mapped_column(String(20), nullable=False)
    lines_in_file: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    new_lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    already_imported: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    restored: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_date: Mapped[date | None] = mapped_column(Date)
    last_date: Mapped[date | None] = mapped_column(Date)
    balance: Mapped[Decimal | None] = mapped_column(Money)
    balance_date: Mapped[date | None] = mapped_column(Date)


class StatementLine(Base):
    """One line of a bank statement, in a ledger bank account (credit > 0, debit < 0)."""

    __tablename__ = "reconciliation_statement_line"
    __table_args__ = (
        UniqueConstraint("bank_account_id", "fitid", "fingerprint", "occurrence"),
        Index("ix_reconciliation_statement_line_account_date", "bank_account_id", "posted_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    import_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_statement_import.id"), nullable=False,
                                           index=True)  # the import that brought it first
    file_line: Mapped[int] = mapped_column(Integer, nullable=False)  # line of <STMTTRN> in that file
    fitid: Mapped[str] = mapped_column(String(255), nullable=False)
    posted_on: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)  # integer centavos in the database
    trntype: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    memo: Mapped[str] = mapped_column(Text, nullable=False, default="")
    payee: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    checknum: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    refnum: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    fingerprint: Mapped[str] = mapped_column(String(40), nullable=False)
    occurrence: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(Integer)
    # Reconciliation (reconcile.py): the current one (NULL = free line) and the manual's "não permitir
    # mais conciliação automática para este lançamento" (set when unreconciling; the automatic pass skips it).
    reconciliation_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_reconciliation.id"), index=True)
    auto_disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


from plugins.reconciliation import reconcile_models  # noqa: E402,F401  (the tables the FK above points at)
from plugins.reconciliation import transfers_models  # noqa: E402,F401  (transfers, FK of reconciliation_item)
from plugins.reconciliation import rules_models  # noqa: E402,F401  (user rules, FK of reconciliation_item)
