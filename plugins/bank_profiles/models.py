"""Tables of the bank_profiles plugin: the payment profile (perfil de pagamento / portador, a
low-code document) and the boleto drawn for an invoice when it is created.

`receivables` knows neither table: a contract only stores `payment_profile_id` (no foreign key),
and `on_invoice_created` (see `assignment.py`) writes `bank_profiles_boleto`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from core.doctype import DocMeta, Document, field
from core.model import Base, UTCDateTime, utcnow
from core.money import Money

ROLES = {"financeiro": "read write create", "gerente": "read write create delete", "atendimento": "read"}

LAYOUTS = (("240", "CNAB 240"), ("400", "CNAB 400"))
JUROS_TIPOS = (("mensal", "% ao mês"), ("diario", "% ao dia"))


def _bank_choices():
    from plugins.bank_profiles.boleto.banks import perfis

    return tuple((code, f"{code} — {p.nome}") for code, p in sorted(perfis().items()))


class PaymentProfile(Document):
    """Perfil de pagamento (portador / carteira de cobrança) of one company at one bank.

    The rules (bank fields, range, PIX key) are in `profiles.validate_profile`."""

    __tablename__ = "bank_profiles_payment_profile"
    __table_args__ = (
        CheckConstraint("nosso_numero_inicio >= 1 AND nosso_numero_fim >= nosso_numero_inicio",
                        name="nosso_numero_range"),
    )
    meta = DocMeta(
        label="Perfil de pagamento", label_plural="Perfis de pagamento",
        list_columns=("name", "company_id", "banco", "agencia", "conta", "carteira", "active"),
        filters=("name", "company_id", "banco", "active"), permissions=ROLES, title_field="name",
        search_fields=("name",), order_by="name", menu_group="Cadastros",
    )

    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company")
    name: Mapped[str] = field(String(60), label="Nome", required=True,
                              help="Como o perfil aparece para o operador, ex.: Itaú cobrança 109.")
    banco: Mapped[str] = field(String(3), label="Banco", required=True, choices=_bank_choices())
    agencia: Mapped[str | None] = field(String(10), label="Agência")
    agencia_dv: Mapped[str | None] = field(String(2), label="DV da agência")
    conta: Mapped[str | None] = field(String(15), label="Conta")
    conta_dv: Mapped[str | None] = field(String(2), label="DV da conta")
    convenio: Mapped[str | None] = field(String(20), label="Convênio")
    codigo_beneficiario: Mapped[str | None] = field(String(20), label="Código do beneficiário")
    codigo_transmissao: Mapped[str | None] = field(
        String(20), label="Código de transmissão",
        help="Santander: código fornecido pelo banco para o arquivo de remessa (15 ou 20 dígitos).")
    codigo_empresa: Mapped[str | None] = field(
        String(20), label="Código da empresa",
        help="Bradesco: código da empresa no banco, informado no cabeçalho da remessa CNAB 400 (até 20 dígitos).")
    carteira: Mapped[str | None] = field(String(5), label="Carteira")
    modalidade: Mapped[str | None] = field(String(5), label="Modalidade / variação")
    posto: Mapped[str | None] = field(String(5), label="Posto")
    byte_idt: Mapped[str | None] = field(String(1), label="Byte de identificação",
                                         help="Sicredi: 1 = gerado pela cooperativa, 2 a 9 = pelo beneficiário.")
    nosso_numero_inicio: Mapped[int] = field(BigInteger, label="Nosso número: início da faixa", required=True, default=1)
    nosso_numero_fim: Mapped[int] = field(BigInteger, label="Nosso número: fim da faixa", required=True)
    nosso_numero_proximo: Mapped[int | None] = field(
        BigInteger, label="Nosso número: primeiro a usar",
        help="Vazio = início da faixa. Para continuar a numeração de outro sistema; não muda depois do "
             "primeiro boleto (os números seguintes vêm de um contador sem lacunas).")
    layout: Mapped[str] = field(String(3), label="Leiaute CNAB", required=True, choices=LAYOUTS, default="240")
    layout_versao: Mapped[str | None] = field(String(5), label="Versão do leiaute")
    juros_percentual: Mapped[Decimal | None] = field(Numeric(7, 4), label="Juros (%)")
    juros_tipo: Mapped[str] = field(String(10), label="Juros por", required=True, choices=JUROS_TIPOS,
                                    default="mensal")
    multa_percentual: Mapped[Decimal | None] = field(Numeric(7, 4), label="Multa (%)")
    desconto_valor: Mapped[Decimal | None] = field(Money, label="Desconto até o vencimento")
    protesto_dias: Mapped[int | None] = field(Integer, label="Protestar após (dias)")
    baixa_dias: Mapped[int | None] = field(Integer, label="Baixa automática após (dias)")
    pedido_baixa_habilitado: Mapped[bool] = field(Boolean, label="Envia pedido de baixa e instruções", default=True,
                                                  nullable=False)
    pix_chave: Mapped[str | None] = field(String(77), label="Chave PIX (boleto híbrido)",
                                          help="Com chave, cada boleto leva também um QR Code PIX com o valor.")
    conta_contabil: Mapped[str | None] = field(String(30), label="Conta contábil do banco",
                                               help="Código da conta no plano de contas (ex.: 1.1.1.02).")
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True, nullable=False)

    def validate(self, session) -> None:
        from plugins.bank_profiles.assignment import invalidate
        from plugins.bank_profiles.profiles import validate_profile

        validate_profile(session, self)
        invalidate(session)  # the unit of work's cached profiles are stale now


class Boleto(Base):
    """The boleto of an invoice: nosso número drawn from its profile's range when the invoice was
    created, and what the bank needs to print and register it. Never deleted nor renumbered."""

    __tablename__ = "bank_profiles_boleto"
    __table_args__ = (UniqueConstraint("profile_id", "nosso_numero", name="uq_bank_profiles_boleto_nosso_numero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, unique=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("bank_profiles_payment_profile.id"), nullable=False)
    banco: Mapped[str] = mapped_column(String(3), nullable=False)
    nosso_numero: Mapped[int] = mapped_column(BigInteger, nullable=False)
    nosso_numero_dv: Mapped[str] = mapped_column(String(2), nullable=False)
    nosso_numero_formatado: Mapped[str] = mapped_column(String(40), nullable=False)
    codigo_barras: Mapped[str] = mapped_column(String(44), nullable=False)
    linha_digitavel: Mapped[str] = mapped_column(String(54), nullable=False)
    valor: Mapped[Decimal] = mapped_column(Money, nullable=False)
    vencimento: Mapped[date] = mapped_column(Date, nullable=False)
    pix_brcode: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # From the bank's retorno (retorno.py): entrada confirmada / baixa dates.
    registrado_em: Mapped[date | None] = mapped_column(Date)
    baixado_em: Mapped[date | None] = mapped_column(Date)
