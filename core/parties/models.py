"""The Party document (table `party`) and the e-mail test history (table `party_email_test`).

Normalization and validation rules live in `core.parties.rules` so bulk loaders (demo data, the
benchmark) apply exactly the same ones as the form and the services.

Search columns (`*_search`) hold an uppercase, accent-free copy of the text fields (digits only
for phones, lowercase for e-mails); they are maintained by `Party.validate` and the loaders, and
indexed with trigram GIN indexes on PostgreSQL so "contains" filters stay fast on large tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.doctype import DocMeta, Document, field
from core.model import Base, UTCDateTime, utcnow

PERSON_TYPES = (("PF", "Pessoa Física"), ("PJ", "Pessoa Jurídica"), ("PRE", "Pré-Cadastro"))
CLASSIFICATIONS = (
    ("cliente", "Cliente"),
    ("fornecedor", "Fornecedor"),
    ("funcionario", "Funcionário"),
    ("cliente_fornecedor", "Cliente + Fornecedor"),
    ("fornecedor_funcionario", "Fornecedor + Funcionário"),
    ("transportadora", "Transportadoras"),
    ("cliente_funcionario", "Cliente + Funcionário"),
    ("pre_cadastro", "Pré-cadastro"),
)
# Classifications that make a party a customer (shown in the customer panel searches).
CUSTOMER_CLASSIFICATIONS = ("cliente", "cliente_fornecedor", "cliente_funcionario", "pre_cadastro")

_TRGM_COLUMNS = ("name_search", "trade_name_search", "email_search", "phone_search",
                 "street_search", "district_search", "city_search")


def _trgm(col: str) -> Index:
    return Index(f"ix_party_{col}_trgm", col, postgresql_using="gin", postgresql_ops={col: "gin_trgm_ops"})


class Party(Document):
    __tablename__ = "party"
    __table_args__ = (
        # Unique when present (NULLs never clash). Declared here rather than on the field so the
        # party rules report the duplicate with the existing code ("… código N").
        UniqueConstraint("document", name="uq_party_document"),
        *(_trgm(c) for c in _TRGM_COLUMNS),
        Index("ix_party_document_prefix", "document", postgresql_ops={"document": "varchar_pattern_ops"}),
        Index("ix_party_cep", "cep", postgresql_ops={"cep": "varchar_pattern_ops"}),
        Index("ix_party_created_at", "created_at"),
        Index("ix_party_active_created", "active", "created_at", "id"),
        Index("ix_party_active_code", "active", "code"),
        Index("ix_party_email", "email"),
        Index("ix_party_city", "city"),
        Index("ix_party_uf", "uf"),
        # Covering index for the synthetic counts (index-only scans on PostgreSQL).
        Index("ix_party_pivot", "active", "person_type", "classification", "uf", "created_ym", "city"),
    )
    meta = DocMeta(
        label="Pessoa", label_plural="Pessoas",
        list_columns=("code", "created_at", "name", "document", "email", "phone", "city", "district"),
        filters=("code", "name", "document", "email", "phone", "city", "district", "person_type",
                 "classification", "active"),
        permissions={"cadastro": "read write create", "financeiro": "read write create", "atendimento": "read"},
        title_field="name", search_fields=("name", "trade_name", "document", "email"),
        order_by="-code", menu_group="Cadastros",
    )

    code: Mapped[int] = field(Integer, label="Código", unique=True, nullable=False, read_only=True,
                              help="Atribuído automaticamente na inclusão.")
    person_type: Mapped[str] = field(String(3), label="Tipo de pessoa", required=True, choices=PERSON_TYPES,
                                     default="PF")
    name: Mapped[str] = field(String(150), label="Nome / Razão social", required=True)
    trade_name: Mapped[str | None] = field(String(150), label="Nome fantasia")
    # Stored normalized (11 or 14 characters); wide enough to accept a formatted CNPJ as typed.
    document: Mapped[str | None] = field(String(18), label="CPF/CNPJ",
                                         help="Obrigatório para PF (CPF) e PJ (CNPJ); opcional no pré-cadastro.")
    classification: Mapped[str] = field(String(30), label="Classificação", required=True,
                                        choices=CLASSIFICATIONS, default="cliente")
    email: Mapped[str | None] = field(String(150), label="E-mail")
    extra_emails: Mapped[str | None] = field(Text, label="Outros e-mails", widget="textarea",
                                             help="Separe por vírgula.")
    phone: Mapped[str | None] = field(String(30), label="Telefone")
    mobile: Mapped[str | None] = field(String(30), label="Celular")
    street: Mapped[str | None] = field(String(150), label="Logradouro")
    number: Mapped[str | None] = field(String(20), label="Número")
    complement: Mapped[str | None] = field(String(80), label="Complemento")
    district: Mapped[str | None] = field(String(80), label="Bairro")
    city: Mapped[str | None] = field(String(80), label="Cidade")
    ibge_code: Mapped[str | None] = field(String(7), label="Código IBGE da cidade")
    uf: Mapped[str | None] = field(String(2), label="UF")
    cep: Mapped[str | None] = field(String(9), label="CEP", help="Armazenado com 8 dígitos.")
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True, nullable=False)
    notes_1: Mapped[str | None] = field(Text, label="Observação 1", widget="textarea",
                                        help="Impressa nos documentos fiscais.")
    notes_2: Mapped[str | None] = field(Text, label="Observação 2", widget="textarea",
                                        help="Impressa nos documentos fiscais.")
    email_tested_at: Mapped[datetime | None] = field(UTCDateTime, label="Último teste de e-mail", read_only=True)

    # Normalized copies for searching (not shown in forms).
    name_search: Mapped[str | None] = mapped_column(String(150))
    trade_name_search: Mapped[str | None] = mapped_column(String(150))
    email_search: Mapped[str | None] = mapped_column(Text)
    phone_search: Mapped[str | None] = mapped_column(String(40))
    street_search: Mapped[str | None] = mapped_column(String(150))
    district_search: Mapped[str | None] = mapped_column(String(80))
    city_search: Mapped[str | None] = mapped_column(String(80))
    # Registration month in the business time zone (yyyymm), for the synthetic counts.
    created_ym: Mapped[int | None] = mapped_column(Integer)

    def validate(self, session) -> None:
        """Normalize and check every field; draw the code on first save (see `core.parties.rules`)."""
        from core.parties.rules import apply_rules

        apply_rules(session, self)


class PartyEmailTest(Base):
    """One e-mail test of a party (the "Histórico de teste de e-mail por data" filter)."""

    __tablename__ = "party_email_test"
    __table_args__ = (Index("ix_party_email_test_tested_party", "tested_at", "party_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"), nullable=False, index=True)
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    email: Mapped[str] = mapped_column(String(150), nullable=False)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    detail: Mapped[str | None] = mapped_column(String(255))
