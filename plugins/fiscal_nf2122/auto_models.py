"""The log of the automatic / background generation of fiscal documents (`auto.py`).

`FiscalGenerationLog` — one row per attempt made without the operator: at billing
("faturamento"), at settlement ("liquidacao") or by the bulk job "Gerar todos" ("lote"), with the
outcome ("gerado", "aguarda" = prepared awaiting efetivação, "falhou" with the pt-BR reason,
"cancelado" = the settlement's note cancelled by its reversal). The fiscal "pendências" list is
the failures whose invoice is still without a generated note; a settlement's note is found through
`settlement_id` when the settlement is reversed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, in_choices, utcnow

ORIGINS = (("faturamento", "No faturamento"), ("liquidacao", "Na liquidação"), ("lote", "Gerar todos"))
OUTCOMES = (("gerado", "Gerado"), ("aguarda", "Aguarda efetivação"), ("falhou", "Falhou"),
            ("cancelado", "Cancelado pelo estorno"))


class FiscalGenerationLog(Base):
    """One automatic generation attempt of an invoice's fiscal document (module docstring)."""

    __tablename__ = "fiscal_generation_log"
    __table_args__ = (
        CheckConstraint(in_choices("origin", ORIGINS), name="origin_valid"),
        CheckConstraint(in_choices("outcome", OUTCOMES), name="outcome_valid"),
        Index("ix_fiscal_generation_log_invoice", "invoice_id"),
        Index("ix_fiscal_generation_log_outcome", "outcome", "company_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False)
    origin: Mapped[str] = mapped_column(String(12), nullable=False)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_document.id"))
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"))
    job_id: Mapped[int | None] = mapped_column(Integer)  # the billing / bulk job (no FK: jobs may be purged)
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
