"""Companies (multi-empresa): each with its own CNPJ; most records belong to one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped

from core.doctype import DocMeta, Document, field


class Company(Document):
    __tablename__ = "company"
    meta = DocMeta(
        label="Empresa", label_plural="Empresas",
        list_columns=("code", "name", "cnpj", "city", "uf"), filters=("code", "name", "cnpj", "uf"),
        permissions={"financeiro": "read"}, title_field="name", search_fields=("name", "trade_name", "cnpj"),
        order_by="code", menu_group="Cadastros",
    )

    code: Mapped[str] = field(String(10), label="Código", required=True, unique=True)
    name: Mapped[str] = field(String(150), label="Razão social", required=True)
    trade_name: Mapped[str | None] = field(String(150), label="Nome fantasia")
    cnpj: Mapped[str] = field(String(14), label="CNPJ", required=True, unique=True)
    state_registration: Mapped[str | None] = field(String(20), label="Inscrição estadual")
    municipal_registration: Mapped[str | None] = field(String(20), label="Inscrição municipal")
    email: Mapped[str | None] = field(String(150), label="E-mail")
    phone: Mapped[str | None] = field(String(30), label="Telefone")
    site: Mapped[str | None] = field(String(150), label="Site")
    street: Mapped[str | None] = field(String(150), label="Logradouro")
    number: Mapped[str | None] = field(String(20), label="Número")
    district: Mapped[str | None] = field(String(80), label="Bairro")
    city: Mapped[str | None] = field(String(80), label="Cidade")
    ibge_code: Mapped[str | None] = field(String(7), label="Código IBGE")
    uf: Mapped[str | None] = field(String(2), label="UF")
    cep: Mapped[str | None] = field(String(8), label="CEP")
    protect_before: Mapped[date | None] = field(
        Date, label="Proteger lançamentos anteriores a",
        help="Nenhum lançamento contábil pode ser criado, alterado ou excluído nesta data ou antes dela.")

    def validate(self, session) -> None:
        """The CNPJ is required and valid (numeric or the alphanumeric CNPJ of July 2026); stored
        normalized (uppercase, no punctuation)."""
        from core.br.documents import validate_document
        from core.errors import ValidationError

        try:
            self.cnpj = validate_document(self.cnpj, "PJ")
        except ValueError as exc:
            raise ValidationError(str(exc), field="cnpj") from exc
