"""Tables of the remessa (CNAB file sent to the bank): the generated file, the boletos it carried
and the pending instructions (pedido de baixa) consumed by the next remessa of the profile.

Written by `remessa.gerar_remessa` (file + items) and `remessa.queue_baixa` (instructions).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

MOVIMENTO_ENTRADA = "01"
MOVIMENTO_BAIXA = "02"
MOVIMENTOS = {MOVIMENTO_ENTRADA: "Entrada de título", MOVIMENTO_BAIXA: "Pedido de baixa"}


class Remessa(Base):
    """One remessa file of a payment profile: numbered by a gapless NSA per profile, kept byte for
    byte for download."""

    __tablename__ = "bank_profiles_remessa"
    __table_args__ = (UniqueConstraint("profile_id", "nsa", name="uq_bank_profiles_remessa_nsa"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    profile_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_payment_profile.id"), nullable=False,
                                            index=True)
    nsa: Mapped[int] = mapped_column(Integer, nullable=False)
    filename: Mapped[str] = mapped_column(String(60), nullable=False)
    layout: Mapped[str] = mapped_column(String(40), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    titulos: Mapped[int] = mapped_column(Integer, nullable=False)  # entradas (movimento 01)
    instrucoes: Mapped[int] = mapped_column(Integer, nullable=False)  # pedidos de baixa (02)
    valor_total: Mapped[Decimal] = mapped_column(Money, nullable=False)  # sum of the entradas
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(150))


class RemessaItem(Base):
    """A boleto carried by a remessa, with the movement (01 entrada, 02 pedido de baixa)."""

    __tablename__ = "bank_profiles_remessa_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remessa_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_remessa.id"), nullable=False, index=True)
    boleto_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_boleto.id"), nullable=False, index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False)
    movimento: Mapped[str] = mapped_column(String(2), nullable=False)
    valor: Mapped[Decimal] = mapped_column(Money, nullable=False)


class RemessaInstrucao(Base):
    """A pending instruction for the bank (pedido de baixa of a boleto already sent), consumed by
    the next remessa of the profile (`remessa_id` set then)."""

    __tablename__ = "bank_profiles_remessa_instrucao"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_payment_profile.id"), nullable=False,
                                            index=True)
    boleto_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_boleto.id"), nullable=False)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False)
    movimento: Mapped[str] = mapped_column(String(2), nullable=False, default=MOVIMENTO_BAIXA)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(150))
    remessa_id: Mapped[int | None] = mapped_column(ForeignKey("bank_profiles_remessa.id"))
