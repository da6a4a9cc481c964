"""Tables of the remessa (CNAB file sent to the bank): the generated file and its state (gerada →
transmitida, or descartada), the boletos it carried and the instruction queue (baixa, alteração de
vencimento/valor, abatimento, desconto, protesto) consumed by the next remessa of the profile.

Written by `remessa.gerar_remessa` (file + items), `remessa_marks` (states, releases) and
`remessa_instructions.queue_instruction` (queue).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

MOVIMENTO_ENTRADA = "01"
MOVIMENTO_BAIXA = "02"

# Quita's movement kinds (cnab.layout.MOVEMENT_KINDS) and their pt-BR names; each bank's code is
# in its spec's [movimentos] table.
ENTRADA = "entrada"
BAIXA = "baixa"
TIPOS = {
    ENTRADA: "Entrada de título",
    BAIXA: "Pedido de baixa",
    "alteracao_vencimento": "Alteração de vencimento",
    "alteracao_valor": "Alteração de valor",
    "concessao_abatimento": "Concessão de abatimento",
    "cancelamento_abatimento": "Cancelamento de abatimento",
    "concessao_desconto": "Concessão de desconto",
    "cancelamento_desconto": "Cancelamento de desconto",
    "protestar": "Protestar",
    "sustar_protesto": "Sustar protesto",
}

GERADA, TRANSMITIDA, DESCARTADA = "gerada", "transmitida", "descartada"
ESTADOS = {GERADA: "Gerada (aguarda transmissão)", TRANSMITIDA: "Transmitida", DESCARTADA: "Descartada"}


class Remessa(Base):
    """One remessa file of a payment profile: numbered by a gapless NSA per profile, kept byte for
    byte for download. `estado`: gerada (awaiting transmission) → transmitida (the operator sent it
    to the bank) or descartada (never sent: its títulos and instructions go in the next one; its
    NSA stays used)."""

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
    instrucoes: Mapped[int] = mapped_column(Integer, nullable=False)  # instructions (baixa, alterações…)
    valor_total: Mapped[Decimal] = mapped_column(Money, nullable=False)  # sum of the entradas
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(150))
    estado: Mapped[str] = mapped_column(String(12), nullable=False, default=GERADA)
    estado_em: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when transmitted / discarded
    estado_por: Mapped[str | None] = mapped_column(String(150))


class RemessaItem(Base):
    """A boleto carried by a remessa: Quita's movement kind (`tipo`) and the bank's code
    (`movimento`). `liberado_em`: an entrada released for the next remessa (remessa discarded,
    entrada rejected by the bank, operator's "Remover marcação de remessa gerada"), with why."""

    __tablename__ = "bank_profiles_remessa_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remessa_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_remessa.id"), nullable=False, index=True)
    boleto_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_boleto.id"), nullable=False, index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False)
    movimento: Mapped[str] = mapped_column(String(2), nullable=False)
    tipo: Mapped[str] = mapped_column(String(30), nullable=False, default=ENTRADA)
    valor: Mapped[Decimal] = mapped_column(Money, nullable=False)
    liberado_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    liberado_motivo: Mapped[str | None] = mapped_column(String(500))


class RemessaInstrucao(Base):
    """A pending instruction for the bank about a boleto already sent (baixa, alteração de
    vencimento/valor, abatimento, desconto, protesto), consumed by the next remessa of the profile
    (`remessa_id` set then; back to None when that remessa is discarded). `movimento` is the bank's
    code, resolved from the profile's layout when queued; `vencimento`/`valor`/`data` carry the new
    due date, the new value, the abatimento or desconto value and the desconto's limit date."""

    __tablename__ = "bank_profiles_remessa_instrucao"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_payment_profile.id"), nullable=False,
                                            index=True)
    boleto_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_boleto.id"), nullable=False)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False)
    movimento: Mapped[str] = mapped_column(String(2), nullable=False, default=MOVIMENTO_BAIXA)
    tipo: Mapped[str] = mapped_column(String(30), nullable=False, default=BAIXA)
    vencimento: Mapped[date | None] = mapped_column(Date)
    valor: Mapped[Decimal | None] = mapped_column(Money)
    data: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(150))
    remessa_id: Mapped[int | None] = mapped_column(ForeignKey("bank_profiles_remessa.id"))
