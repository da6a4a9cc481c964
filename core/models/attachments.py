"""Files attached to any record (`core.attachments`): target kind + id, bytes in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.model import Base, UTCDateTime, utcnow

KIND_FILE = "arquivo"
KIND_IMAGE = "imagem"


class Attachment(Base):
    """One attached file. `target_kind` is the record's kind as the audit trail names it (a table
    or document name, e.g. "receivables_contract", "party"); `target_id` its id. No foreign key:
    any component may attach files to its records without the kernel knowing its tables.
    `content` is deferred: lists never load the bytes."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_positive"),
        CheckConstraint(f"kind IN ('{KIND_FILE}', '{KIND_IMAGE}')", name="kind_valid"),
        Index("ix_attachment_target", "target_kind", "target_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(80), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=KIND_FILE)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(String(250))
    company_id: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[str | None] = mapped_column(String(150))
