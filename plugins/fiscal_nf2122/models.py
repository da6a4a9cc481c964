"""Tables of the fiscal documents (NF modelo 21/22) and of the Convênio 115 period files.

- `FiscalDocument` — one nota fiscal of one invoice (fatura): emitente (company), modelo, série,
  número (NULL while "pendente", drawn from the gapless counter when generated), data de emissão,
  período de apuração (AAMM), destinatário (party), totals (valor total, BC ICMS, ICMS, isentas,
  outros), situação of the Convênio 115 files (N normal, S cancelado, R substituto, C
  complementar), observações 1–4, the document MD5 (mestre campo 13), status (pendente, gerado,
  cancelado, anulado), delivery (`delivered_at`) and the period file that included it
  (`period_file_id`). An annulled document keeps its number for history; the number is free again,
  so the uniqueness of (empresa, modelo, série, número) leaves annulled documents out.
- `FiscalDocumentItem` — one item per charge (conta) of the invoice, with its fiscal composition
  (model 62: also the NFCom cClass).
- `FiscalNFCom` — the NFCom part (1:1) of a model-62 document: key, signed XML, transmission state,
  protocol and `nfcomProc`, cancellation event (see `nfcom_docs.py`).
- `FiscalPeriodFile` / `FiscalPeriodFilePart` — one generated delivery (período, status N/S and
  sequence) and its files (name, type M/I/D/C, MD5, bytes), who/when.

Money columns are `core.money.Money` (centavos in the database, `Decimal` in Python).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String,
                        UniqueConstraint)
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, in_choices, utcnow
from core.money import Money

PENDENTE = "pendente"
GERADO = "gerado"
CANCELADO = "cancelado"
ANULADO = "anulado"
STATUSES = ((PENDENTE, "Aguardando efetivação"), (GERADO, "Gerado"), (CANCELADO, "Cancelado"),
            (ANULADO, "Anulado"))
SITUACOES = (("N", "Normal"), ("S", "Cancelado"), ("R", "Substituto de cancelado"), ("C", "Complementar"))
MODELS = ((21, "NFSC — Nota Fiscal de Serviço de Comunicação"),
          (22, "NFST — Nota Fiscal de Serviço de Telecomunicações"),
          (62, "NFCom — Nota Fiscal Fatura de Serviço de Comunicação Eletrônica"))
TOTALS = ("valor_total", "bc_icms", "icms", "isentas", "outros")


class FiscalDocument(Base):
    """Nota fiscal modelo 21/22 of one invoice (see the module docstring)."""

    __tablename__ = "fiscal_document"
    __table_args__ = (
        CheckConstraint(in_choices("status", STATUSES), name="status_valid"),
        CheckConstraint(in_choices("situacao", SITUACOES), name="situacao_valid"),
        CheckConstraint("model IN (21, 22, 62)", name="model_valid"),
        CheckConstraint("status = 'pendente' OR number IS NOT NULL", name="number_when_generated"),
        # gapless numbering: one living document per number of a série and numbering cycle (annulled
        # ones left out)
        Index("uq_fiscal_document_number", "company_id", "model", "serie", "cycle", "number", unique=True,
              sqlite_where=sa_text("status <> 'anulado' AND number IS NOT NULL"),
              postgresql_where=sa_text("status <> 'anulado' AND number IS NOT NULL")),
        # one pending or generated document per invoice (a cancelled one may get a substitute)
        Index("uq_fiscal_document_live_invoice", "invoice_id", unique=True,
              sqlite_where=sa_text("status IN ('pendente', 'gerado')"),
              postgresql_where=sa_text("status IN ('pendente', 'gerado')")),
        Index("ix_fiscal_document_period", "company_id", "model", "serie", "period"),
        Index("ix_fiscal_document_party", "party_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False)
    # destinatário as issued (mestre campos 01, 03 and 04; campo 01 enters the document MD5)
    dest_document: Mapped[str] = mapped_column(String(14), nullable=False, default="")
    dest_name: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    dest_uf: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    model: Mapped[int] = mapped_column(Integer, nullable=False)
    serie: Mapped[str] = mapped_column(String(3), nullable=False)
    number: Mapped[int | None] = mapped_column(Integer)
    cycle: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # restarts after 999.999.999
    issue_date: Mapped[date | None] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(4))  # AAMM of the período de apuração
    situacao: Mapped[str] = mapped_column(String(1), nullable=False, default="N")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDENTE)
    tipo_utilizacao: Mapped[int] = mapped_column(Integer, nullable=False, default=4)
    valor_total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    bc_icms: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    icms: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    isentas: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    outros: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    valor_fatura: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    observation_1: Mapped[str | None] = mapped_column(String(500))
    observation_2: Mapped[str | None] = mapped_column(String(500))
    observation_3: Mapped[str | None] = mapped_column(String(500))
    observation_4: Mapped[str | None] = mapped_column(String(500))
    md5: Mapped[str | None] = mapped_column(String(32))
    # R (substituto) / C (complementar): the referenced document and mestre campo 34
    # (AAMM_MO_SSS_NNNNNNNNN_AAAAMMDD)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_document.id"))
    reference: Mapped[str | None] = mapped_column(String(30))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # printed / sent to the customer
    period_file_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_period_file.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(80))
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    generated_by: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cancelled / annulled
    closed_by: Mapped[str | None] = mapped_column(String(80))
    closed_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def title(self) -> str:
        """How dialogs and messages name the document."""
        number = "—" if self.number is None else f"{self.number:,}".replace(",", ".")
        if self.model == 62:
            return f"NFCom série {self.serie} nº {number}"
        return f"NF {self.model} série {self.serie} nº {number}"


class FiscalDocumentItem(Base):
    """One item (mestre → itens) of a fiscal document: a charge of the invoice and its composition."""

    __tablename__ = "fiscal_document_item"
    __table_args__ = (UniqueConstraint("document_id", "position", name="uq_fiscal_document_item_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("fiscal_document.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_charge.id"))
    descricao: Mapped[str] = mapped_column(String(200), nullable=False)
    codigo_servico: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    classificacao: Mapped[str] = mapped_column(String(4), nullable=False)
    cclass: Mapped[str | None] = mapped_column(String(7))  # NFCom (modelo 62): cClass de 7 dígitos
    cfop: Mapped[str] = mapped_column(String(4), nullable=False)
    unidade: Mapped[str] = mapped_column(String(6), nullable=False, default="UN")
    valor_total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    desconto: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    acrescimos: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    bc_icms: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    aliquota_icms: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0.00"))
    icms: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    isentas: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    outros: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    aliquota_pis: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False, default=Decimal("0.0000"))
    pis: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    aliquota_cofins: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False, default=Decimal("0.0000"))
    cofins: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    tipo_isencao: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    contrato: Mapped[str] = mapped_column(String(15), nullable=False, default="")


class FiscalPeriodFile(Base):
    """One generated Convênio 115 delivery of (empresa, modelo, série, período): status N (normal)
    or S (substituta) with its sequence; the files are `FiscalPeriodFilePart` rows."""

    __tablename__ = "fiscal_period_file"
    __table_args__ = (
        UniqueConstraint("company_id", "model", "serie", "period", "status", "sequencia",
                         name="uq_fiscal_period_file_delivery"),
        CheckConstraint("status IN ('N', 'S')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    model: Mapped[int] = mapped_column(Integer, nullable=False)
    serie: Mapped[str] = mapped_column(String(3), nullable=False)
    period: Mapped[str] = mapped_column(String(4), nullable=False)
    status: Mapped[str] = mapped_column(String(1), nullable=False, default="N")
    sequencia: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    documents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    valor_total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(80))


class FiscalPeriodFilePart(Base):
    """One file (M, I, D or C of one volume) of a period delivery, stored with its MD5."""

    __tablename__ = "fiscal_period_file_part"
    __table_args__ = (UniqueConstraint("period_file_id", "name", name="uq_fiscal_period_file_part_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_file_id: Mapped[int] = mapped_column(ForeignKey("fiscal_period_file.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    type: Mapped[str] = mapped_column(String(1), nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    md5: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


# --- NFCom (modelo 62) ---------------------------------------------------------------------------

NFCOM_AGUARDANDO = "aguardando"
NFCOM_AUTORIZADA = "autorizada"
NFCOM_REJEITADA = "rejeitada"
NFCOM_CONTINGENCIA = "contingencia"
NFCOM_CANCELADA = "cancelada"
NFCOM_SUBSTITUIDA = "substituida"
NFCOM_ESTADOS = ((NFCOM_AGUARDANDO, "Aguardando transmissão"), (NFCOM_AUTORIZADA, "Autorizada"),
                 (NFCOM_REJEITADA, "Rejeitada"), (NFCOM_CONTINGENCIA, "Em contingência"),
                 (NFCOM_CANCELADA, "Cancelada"), (NFCOM_SUBSTITUIDA, "Substituída"))


class FiscalNFCom(Base):
    """The NFCom (modelo 62) part of a `FiscalDocument` (1:1): access key, signed XML, transmission
    state and the authorizer's answers (autorização and the cancellation event 110111).

    `estado`: aguardando (signed, not sent or the last send failed to communicate), autorizada
    (protocol + `nfcom_proc` kept), rejeitada (cStat/xMotivo of the rejection; the number stays
    used — a new send rebuilds the XML with the same number), contingencia (tpEmis 2, signed with
    `dhCont`/`xJust` and the QR `sign`; sent later), cancelada (event 110111 registered), substituida
    (authorized note replaced by a finNFCom 3 note without a cancellation — e.g. after the deadline)."""

    __tablename__ = "fiscal_nfcom"
    __table_args__ = (
        CheckConstraint(in_choices("estado", NFCOM_ESTADOS), name="estado_valid"),
        CheckConstraint("tp_emis IN (1, 2)", name="tp_emis_valid"),
        CheckConstraint("tp_amb IN (1, 2)", name="tp_amb_valid"),
        Index("ix_fiscal_nfcom_estado", "estado"),
    )

    document_id: Mapped[int] = mapped_column(ForeignKey("fiscal_document.id", ondelete="CASCADE"),
                                             primary_key=True)
    chave: Mapped[str] = mapped_column(String(44), nullable=False, unique=True)
    cnf: Mapped[str] = mapped_column(String(7), nullable=False)
    tp_emis: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    tp_amb: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    fin_nfcom: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0 normal, 3 substituição
    emitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # dhEmi
    estado: Mapped[str] = mapped_column(String(12), nullable=False, default=NFCOM_AGUARDANDO)
    xml_assinado: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    qrcode: Mapped[str] = mapped_column(String(1000), nullable=False)
    # contingência off-line (tpEmis 2)
    contingencia_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # dhCont
    contingencia_motivo: Mapped[str | None] = mapped_column(String(256))  # xJust
    # substituição (finNFCom 3): gSub
    sub_chave: Mapped[str | None] = mapped_column(String(44))
    sub_motivo: Mapped[str | None] = mapped_column(String(2))
    # last answer of the authorizer (autorização or rejeição)
    c_stat: Mapped[str | None] = mapped_column(String(4))
    x_motivo: Mapped[str | None] = mapped_column(String(500))
    n_prot: Mapped[str | None] = mapped_column(String(20))
    dh_recbto: Mapped[str | None] = mapped_column(String(30))  # as it came (AAAA-MM-DDThh:mm:ss-03:00)
    nfcom_proc: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))  # communication failure of the last send
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # cancellation event 110111
    cancel_n_prot: Mapped[str | None] = mapped_column(String(20))
    cancel_c_stat: Mapped[str | None] = mapped_column(String(4))
    cancel_x_just: Mapped[str | None] = mapped_column(String(255))
    cancel_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_xml: Mapped[bytes | None] = mapped_column(LargeBinary)  # evento assinado + retorno
