"""Tables of the retorno import (`retorno.importar_retorno`, `retorno_jobs`): the file as received and
one row per título with what was done with it. Items are append-only; the import row only counts
the títulos applied so far (`processados`) until it is finished (`finished_at`, tarifas posted)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

# RetornoItem.outcome
OUT_SETTLED = "liquidada"            # invoice settled now
OUT_ALREADY_SETTLED = "ja_liquidada"  # the invoice was settled before (another way)
OUT_ALREADY_APPLIED = "ja_aplicado"   # the same occurrence of this título came in an earlier import
OUT_NOT_FOUND = "nao_encontrado"
OUT_REGISTERED = "registrado"        # entrada confirmada
OUT_REJECTED = "rejeitado"
OUT_WRITTEN_OFF = "baixado"
OUT_RECORDED = "registrado_apenas"   # other occurrences: only recorded
OUT_ERROR = "erro"
APPLIED = (OUT_SETTLED, OUT_REGISTERED, OUT_REJECTED, OUT_WRITTEN_OFF, OUT_RECORDED)


class RetornoImport(Base):
    """One retorno file imported (its bytes kept; the SHA-256 refuses the same file twice)."""

    __tablename__ = "bank_profiles_retorno_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    profile_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_payment_profile.id"), nullable=False)
    banco: Mapped[str] = mapped_column(String(3), nullable=False)
    layout: Mapped[str] = mapped_column(String(40), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))  # read only when parsed
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    nsa: Mapped[str | None] = mapped_column(String(20))
    titulos: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    liquidados: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    valor_liquidado: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    nao_encontrados: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejeitados: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    erros: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    avisos: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    processados: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # títulos applied so far
    tarifas: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))  # fees posted
    job_id: Mapped[int | None] = mapped_column(Integer)  # the core.jobs job applying it (None: applied inline)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every título applied, fees posted


class RetornoItem(Base):
    """One título of an imported retorno and its outcome."""

    __tablename__ = "bank_profiles_retorno_item"
    # the reconciler's batch-credit lookup (`retorno_credits.batch_credits`): liquidated títulos credited in a
    # period, coalesce(data_credito, data_ocorrencia) written as two ranges of this one index (migration 0002)
    __table_args__ = (Index("ix_bank_profiles_retorno_item_credit", "outcome", "data_credito", "data_ocorrencia"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_retorno_import.id"), nullable=False, index=True)
    profile_id: Mapped[int] = mapped_column(Integer, nullable=False)
    linha: Mapped[int] = mapped_column(Integer, nullable=False)
    nosso_numero: Mapped[str | None] = mapped_column(String(40), index=True)
    ocorrencia_codigo: Mapped[str | None] = mapped_column(String(5))
    ocorrencia: Mapped[str] = mapped_column(String(30), nullable=False)
    ocorrencia_descricao: Mapped[str | None] = mapped_column(Text)
    data_ocorrencia: Mapped[date | None] = mapped_column(Date)
    data_credito: Mapped[date | None] = mapped_column(Date)
    valor_titulo: Mapped[Decimal | None] = mapped_column(Money)
    valor_pago: Mapped[Decimal | None] = mapped_column(Money)
    juros_multa: Mapped[Decimal | None] = mapped_column(Money)
    desconto: Mapped[Decimal | None] = mapped_column(Money)
    tarifa: Mapped[Decimal | None] = mapped_column(Money)
    motivos: Mapped[str | None] = mapped_column(Text)  # "código — texto" per line
    boleto_id: Mapped[int | None] = mapped_column(Integer)
    invoice_id: Mapped[int | None] = mapped_column(Integer)
    settlement_id: Mapped[int | None] = mapped_column(Integer)
    diferenca: Mapped[Decimal | None] = mapped_column(Money)  # settlement discount (<0) / surcharge (>0)
    tarifa_entry_id: Mapped[int | None] = mapped_column(Integer)  # journal entry that posted its `tarifa`
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
