"""Os dados de uma NFCom em dataclasses simples (sem banco de dados, sem XML).

Dinheiro e alíquotas em `Decimal` (nunca float); alíquotas em % (25.00 = 25%). Os valores
calculados (vProd do item, ICMS, PIS, COFINS, IBS, CBS, totais) não são informados: o
`xml_builder` calcula, arredondando por item com `core.money.round_money`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class Endereco:
    logradouro: str
    numero: str
    bairro: str
    codigo_municipio: str  # IBGE, 7 dígitos
    municipio: str
    cep: str
    uf: str
    complemento: str | None = None
    fone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Emitente:
    cnpj: str
    ie: str
    crt: int  # 1 Simples Nacional, 2 Simples com excesso de sublimite, 3 regime normal
    nome: str
    endereco: Endereco
    fantasia: str | None = None


@dataclass(frozen=True)
class Destinatario:
    nome: str
    documento: str  # CPF (11), CNPJ (14) ou identificação de estrangeiro (vai em idOutros)
    endereco: Endereco
    ind_ie: int = 9  # 1 contribuinte do ICMS, 2 isento, 9 não contribuinte
    ie: str | None = None


@dataclass(frozen=True)
class Assinante:
    codigo: str  # iCodAssinante
    tipo: int  # tpAssinante: 1 comercial, 2 industrial, 3 residencial/PF, 4 produtor rural, … 99 outros
    servico: int  # tpServUtil: 1 telefonia, 2 comunicação de dados, 3 TV por assinatura, 4 internet, …
    contrato: str | None = None
    inicio_contrato: date | None = None
    fim_contrato: date | None = None
    terminal: str | None = None  # NroTermPrinc
    uf_terminal: str | None = None  # cUFPrinc (código IBGE)


@dataclass(frozen=True)
class Icms:
    """ICMS do item. CST "00" tributado, "20" com redução de base, "40"/"41" isento/não tributado,
    "51" diferimento, "90" outros, "SN" Simples Nacional (grupo ICMSSN: CST 90 + indSN)."""

    cst: str = "SN"
    base: Decimal | None = None  # None ⇒ o valor líquido do item
    aliquota: Decimal = ZERO
    reducao_base: Decimal = ZERO  # % (CST 20)


@dataclass(frozen=True)
class Contribuicao:
    """PIS ou COFINS do item (CST 01, 02, 06, 07, 08, 09, 49)."""

    cst: str
    aliquota: Decimal = ZERO
    base: Decimal | None = None  # None ⇒ o valor líquido do item


@dataclass(frozen=True)
class IbsCbs:
    """Grupo IBSCBS do item (NT 2025.001): CST e cClassTrib da tabela da reforma; alíquotas em %.

    `tributado=False` (CST de isenção/imunidade/não incidência) omite o grupo gIBSCBS."""

    cst: str = "000"
    class_trib: str = "000001"
    aliquota_ibs_uf: Decimal = Decimal("0.10")
    aliquota_ibs_mun: Decimal = ZERO
    aliquota_cbs: Decimal = Decimal("0.90")
    base: Decimal | None = None  # None ⇒ o valor líquido do item
    tributado: bool = True


@dataclass(frozen=True)
class Item:
    codigo: str  # cProd
    descricao: str  # xProd
    classificacao: str  # cClass (7 dígitos, tabela do MOC item 7.8)
    valor_unitario: Decimal  # vItem
    cfop: str | None = None
    quantidade: Decimal = Decimal("1")
    unidade: int = 4  # uMed: 1 minuto, 2 MB, 3 GB, 4 UN
    desconto: Decimal = ZERO
    outros: Decimal = ZERO
    icms: Icms = field(default_factory=Icms)
    pis: Contribuicao | None = None
    cofins: Contribuicao | None = None
    ibscbs: IbsCbs | None = None
    informacao_adicional: str | None = None


@dataclass(frozen=True)
class Faturamento:
    competencia: str  # AAAAMM
    vencimento: date
    codigo_barras: str  # linha digitável / código de barras, só dígitos
    inicio_uso: date | None = None
    fim_uso: date | None = None
    url_pix: str | None = None


@dataclass(frozen=True)
class Substituicao:
    """gSub: a NFCom substituída (finNFCom 3) e o motivo (01 preço … 06 regime especial)."""

    chave: str
    motivo: str


@dataclass(frozen=True)
class ResponsavelTecnico:
    cnpj: str
    contato: str
    email: str
    fone: str


@dataclass(frozen=True)
class NFComDados:
    emitente: Emitente
    destinatario: Destinatario
    assinante: Assinante
    itens: list[Item]
    serie: int
    numero: int
    emissao: datetime  # com fuso (dhEmi "AAAA-MM-DDThh:mm:ss-03:00")
    municipio_fato_gerador: str  # cMunFG
    ambiente: int = 2  # tpAmb: 1 produção, 2 homologação
    tipo_emissao: int = 1  # tpEmis: 1 normal, 2 contingência off-line
    site_autorizador: int = 0
    codigo_numerico: str | None = None  # cNF; aleatório quando None
    finalidade: int = 0  # finNFCom: 0 normal, 3 substituição, 4 ajuste
    tipo_faturamento: int = 0  # tpFat: 0 normal, 1 centralizado, 2 cofaturamento
    versao_processo: str = "Quita 0.1"
    contingencia_inicio: datetime | None = None  # dhCont (tpEmis 2)
    contingencia_justificativa: str | None = None  # xJust (15 a 256)
    substituicao: Substituicao | None = None
    faturamento: Faturamento | None = None
    informacoes_fisco: str | None = None
    informacoes_complementares: list[str] = field(default_factory=list)  # até 5 infCpl
    responsavel_tecnico: ResponsavelTecnico | None = None
