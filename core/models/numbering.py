"""Gapless number counters, one row per (company, document kind, series).

`company_id` 0 means "no company" (a key column cannot be NULL and still be unique on every
database). Rows are only ever touched through `core.numbering`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base


class NumberCounter(Base):
    __tablename__ = "number_counter"

    company_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    series: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    last_value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
