"""The `Document` base class every low-code document type inherits."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.doctype.meta import DocMeta, DocStatus
from core.model import Base, UTCDateTime, utcnow


class Document(Base):
    """Common columns: id, name (from the naming series), docstatus, amended_from, timestamps, users."""

    __abstract__ = True
    meta: ClassVar[DocMeta]

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    docname: Mapped[str | None] = mapped_column(String(60), index=True)
    docstatus: Mapped[int] = mapped_column(SmallInteger, default=DocStatus.DRAFT, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    created_by: Mapped[int | None] = mapped_column(Integer)
    modified_by: Mapped[int | None] = mapped_column(Integer)

    @declared_attr
    def amended_from(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"), nullable=True)

    @classmethod
    def doctype_name(cls) -> str:
        return cls.__tablename__

    @property
    def title(self) -> str:
        tf = self.meta.title_field
        value = getattr(self, tf, None) if tf else None
        return str(value) if value else (self.docname or f"{self.meta.label} {self.id}")

    @property
    def status(self) -> DocStatus:
        return DocStatus(self.docstatus or 0)

    def validate(self, session) -> None:
        """Hook for document-specific rules; raise core.errors.ValidationError(message, field)."""
