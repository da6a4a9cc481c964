"""Settings of the fiscal_nf2122 plugin: the `[plugins.fiscal_nf2122]` table of quita.toml.

```toml
[plugins.fiscal_nf2122]
model = 21                 # 21 NFSC (comunicação, o caso do provedor) ou 22 NFST (telecomunicações)
serie = "U"                # série única; 1 a 3 caracteres [0-9A-Za-z -], alinhada à esquerda
tipo_utilizacao = 4        # tab. 11.2: 4 = provimento de acesso à internet
generation_moment = "manual"  # geração automática (auto.py): "manual", "faturamento" ou "liquidacao"
settled_value = false      # "Gerar documentos fiscais pelo valor de liquidação" (na liquidação)
auto_effect = true         # "Efetivar automaticamente" (falso ⇒ "aguarda efetivação")
auto_companies = []        # códigos das empresas com geração automática; vazio = todas

[plugins.fiscal_nf2122.composition]   # composição fiscal padrão de cada item (conta da fatura)
cfop = "5307"              # 5307 no estado; 6307 automático quando a UF do cliente é outra
classificacao = "0104"     # 0104 assinatura de serviços de provimento de acesso à internet
codigo_servico = ""
aliquota_icms = "0.00"     # % sobre a base; 0 ⇒ o valor vai para "isentas / não tributadas"
reducao_base_icms = "0.00" # % de redução da base de cálculo (a parte reduzida vai para "isentas")
aliquota_pis = "0.0000"    # % (ex.: 0.6500 no regime cumulativo); 0 no Simples Nacional
aliquota_cofins = "0.0000" # % (ex.: 3.0000 no regime cumulativo)
tipo_isencao = 0           # tab. 11.10 (00 nenhuma … 99 outras)

[plugins.fiscal_nf2122.plans.F300]    # composição por plano de acesso (código do plano)
aliquota_icms = "25.00"
```

NFCom (modelo 62; see `NFComSettings`, `nfcom_docs.py` and README.md "NFCom"):

```toml
[plugins.fiscal_nf2122.nfcom]
serie = 1                  # série numérica da NFCom (0 a 999)
tp_amb = 2                 # 2 homologação (padrão) ou 1 produção
crt = 1                    # regime do emitente: 1 Simples Nacional, 3 regime normal
cclass = { "0104" = "0100401" }   # classificação da NF 21/22 → cClass (7 dígitos) da NFCom

[plugins.fiscal_nf2122.nfcom.empresas.EMP1]   # por código da empresa
modelo = 62                # esta empresa emite NFCom (sem isso vale o `model` acima)
certificado = "/etc/quita/certificados/emp1.pfx"
senha_certificado = "…"    # nunca aparece em repr, log ou auditoria (SecretStr)
```

Defaults (documented in README.md): modelo 21, série "U", CFOP 5307/6307, classificação 0104,
ICMS/PIS/COFINS zero (the common case of an ISP in the Simples Nacional: nothing destacado, the
whole value in "isentas / não tributadas"). A plan's table overrides only the keys it names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from core.i18n import _


class Composition(BaseModel):
    """Fiscal composition of an item (conta) of the NF 21/22."""

    model_config = ConfigDict(extra="forbid")

    cfop: str = Field(default="5307", pattern=r"^[1-7]\d{3}$",
                      description="CFOP da prestação dentro do estado (5xxx); fora do estado vira 6xxx.")
    classificacao: str = Field(default="0104", pattern=r"^\d{4}$", description="Classificação do item (tab. 11.5).")
    cclass: str | None = Field(default=None, pattern=r"^\d{7}$",
                               description="cClass da NFCom (7 dígitos); vazio ⇒ a tabela `nfcom.cclass`.")
    codigo_servico: str = Field(default="", max_length=10, description="Código do serviço (até 10 posições).")
    unidade: str = Field(default="UN", max_length=6, description="Unidade.")
    aliquota_icms: Decimal = Field(default=Decimal("0.00"), ge=0, le=Decimal("99.99"), decimal_places=2,
                                   description="Alíquota do ICMS (%).")
    reducao_base_icms: Decimal = Field(default=Decimal("0.00"), ge=0, le=100, decimal_places=2,
                                       description="Redução da base de cálculo do ICMS (%).")
    aliquota_pis: Decimal = Field(default=Decimal("0.0000"), ge=0, le=Decimal("99.9999"), decimal_places=4,
                                  description="Alíquota do PIS (%).")
    aliquota_cofins: Decimal = Field(default=Decimal("0.0000"), ge=0, le=Decimal("99.9999"), decimal_places=4,
                                     description="Alíquota da COFINS (%).")
    tipo_isencao: int = Field(default=0, ge=0, le=99, description="Tipo de isenção/redução de base (tab. 11.10).")


class NFComIbsCbs(BaseModel):
    """Grupo IBSCBS de cada item da NFCom (NT 2025.001). Padrão: CST 000, cClassTrib 000001 e as
    alíquotas de teste de 2026 (IBS UF 0,10 %, CBS 0,90 %); `emitir = false` omite o grupo."""

    model_config = ConfigDict(extra="forbid")

    emitir: bool = Field(default=True, description="Informar o grupo IBSCBS nos itens.")
    cst: str = Field(default="000", pattern=r"^\d{3}$", description="CST do IBS/CBS.")
    class_trib: str = Field(default="000001", pattern=r"^\d{6}$", description="cClassTrib.")
    aliquota_ibs_uf: Decimal = Field(default=Decimal("0.10"), ge=0, le=100, description="Alíquota do IBS UF (%).")
    aliquota_ibs_mun: Decimal = Field(default=Decimal("0.00"), ge=0, le=100, description="Alíquota do IBS municipal (%).")
    aliquota_cbs: Decimal = Field(default=Decimal("0.90"), ge=0, le=100, description="Alíquota da CBS (%).")


NFCOM_URL_KEYS = ("recepcao", "evento", "consulta", "status")


def _check_urls(value: dict[str, str]) -> dict[str, str]:
    for key, url in value.items():
        if key not in NFCOM_URL_KEYS:
            raise ValueError(_("serviço {k} desconhecido (use {ks})").format(k=key, ks=", ".join(NFCOM_URL_KEYS)))
        if not url.startswith("https://"):
            raise ValueError(_("a URL de {k} deve começar com https://").format(k=key))
    return value


class NFComEmpresa(BaseModel):
    """NFCom de uma empresa (`[plugins.fiscal_nf2122.nfcom.empresas.<código>]`)."""

    model_config = ConfigDict(extra="forbid")

    modelo: int | None = Field(default=None, description="Modelo que a empresa emite (21, 22 ou 62).")
    certificado: str | None = Field(default=None, description="Caminho do arquivo PFX do certificado A1.")
    senha_certificado: SecretStr | None = Field(default=None, description="Senha do PFX (nunca exibida).")
    serie: int | None = Field(default=None, ge=0, le=999, description="Série da NFCom desta empresa.")
    tp_amb: int | None = Field(default=None, ge=1, le=2, description="Ambiente desta empresa.")
    urls: dict[str, str] = Field(default_factory=dict, description="URLs do autorizador desta empresa.")

    @field_validator("modelo")
    @classmethod
    def _modelo(cls, value: int | None) -> int | None:
        if value is not None and value not in (21, 22, 62):
            raise ValueError(_("modelo {m} inválido: use 21, 22 ou 62").format(m=value))
        return value

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_urls(value)


class NFComSettings(BaseModel):
    """`[plugins.fiscal_nf2122.nfcom]`: série, ambiente, URLs, regime, cClass e IBS/CBS da NFCom."""

    model_config = ConfigDict(extra="forbid")

    serie: int = Field(default=1, ge=0, le=999, description="Série da NFCom (numérica, 0 a 999).")
    tp_amb: int = Field(default=2, ge=1, le=2, description="Ambiente: 1 produção, 2 homologação.")
    urls: dict[str, str] = Field(default_factory=dict,
                                 description="URLs do autorizador (recepcao, evento, consulta, status); "
                                             "vazio ⇒ as do SVRS do ambiente.")
    url_qrcode: str = Field(default="https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode",
                            description="Endereço do QR Code da UF.")
    site_autorizador: int = Field(default=0, ge=0, le=9, description="nSiteAutoriz.")
    crt: int = Field(default=1, ge=1, le=3, description="CRT do emitente: 1 Simples Nacional, 2 excesso, 3 normal.")
    tp_serv_util: int = Field(default=4, ge=1, le=7, description="tpServUtil: 4 = provimento de acesso à internet.")
    cclass: dict[str, str] = Field(default_factory=lambda: {"0104": "0100401"},
                                   description="Classificação da NF 21/22 (4 dígitos) → cClass da NFCom (7).")
    ibscbs: NFComIbsCbs = Field(default_factory=NFComIbsCbs, description="Grupo IBSCBS dos itens.")
    motivo_substituicao: str = Field(default="01", pattern=r"^0[1-6]$",
                                     description="motSub padrão da nota substituta (01 erro de preço … 06).")
    timeout: float = Field(default=30.0, gt=0, le=300, description="Tempo limite de cada chamada (s).")
    ca_file: str | None = Field(default=None, description="Arquivo de CAs para conferir o servidor (vazio ⇒ sistema).")
    empresas: dict[str, NFComEmpresa] = Field(default_factory=dict, description="Por código da empresa.")

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_urls(value)

    @field_validator("cclass")
    @classmethod
    def _cclass(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for key, code in value.items():
            if not re.fullmatch(r"\d{4}", key) or not re.fullmatch(r"\d{7}", code):
                raise ValueError(_("cClass {k} = {v}: a classificação tem 4 dígitos e o cClass 7").format(k=key, v=code))
        return value

    def empresa(self, code: str | None) -> NFComEmpresa:
        return self.empresas.get(code or "") or NFComEmpresa()


class FiscalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: int = Field(default=21, description="Modelo da nota: 21 (NFSC), 22 (NFST) ou 62 (NFCom).")
    serie: str = Field(default="U", min_length=1, max_length=3, description="Série (\"U\" = série única).")
    tipo_utilizacao: int = Field(default=4, ge=1, le=6, description="Tipo de utilização (tab. 11.2).")
    composition: Composition = Field(default_factory=Composition, description="Composição fiscal padrão.")
    plans: dict[str, dict] = Field(default_factory=dict,
                                   description="Composição por código de plano (só as chaves informadas mudam).")
    # automatic generation (auto.py): when the notes are generated without the operator
    generation_moment: Literal["manual", "faturamento", "liquidacao"] = Field(
        default="manual", title="Momento da geração dos documentos fiscais",
        description="manual (padrão: pela lista de pendentes), faturamento (logo após as faturas do "
                    "faturamento mensal) ou liquidacao (quando a fatura é liquidada).")
    settled_value: bool = Field(
        default=False, title="Gerar documentos fiscais pelo valor de liquidação",
        description="A nota gerada na liquidação leva o valor liquidado da fatura: descontos entram, juros, "
                    "multa e acréscimos ficam fora; na liquidação parcial, a parte paga.")
    auto_effect: bool = Field(
        default=True, title="Efetivar automaticamente",
        description="Ligado: a nota gerada automaticamente já recebe número; desligado: fica "
                    "\"aguarda efetivação\" até `quita fiscal efetivar`.")
    auto_companies: list[str] = Field(
        default_factory=list, title="Empresas com geração automática",
        description="Códigos das empresas em que a geração automática vale; vazio = todas.")

    nfcom: NFComSettings = Field(default_factory=NFComSettings, description="NFCom (modelo 62).")

    @field_validator("model")
    @classmethod
    def _model(cls, value: int) -> int:
        if value not in (21, 22, 62):
            raise ValueError(_("modelo {m} inválido: use 21, 22 ou 62").format(m=value))
        return value

    def model_for(self, company_code: str | None) -> int:
        """The model a company issues: `nfcom.empresas.<código>.modelo`, else `model`."""
        return self.nfcom.empresa(company_code).modelo or self.model

    def serie_for(self, company_code: str | None, model: int) -> str:
        """The série of the company's notes of `model` (the NFCom série is a number)."""
        if model != 62:
            return self.serie
        found = self.nfcom.empresa(company_code).serie
        return str(self.nfcom.serie if found is None else found)

    @field_validator("serie")
    @classmethod
    def _serie(cls, value: str) -> str:
        from plugins.fiscal_nf2122.conv115.naming import serie_problem

        problem = serie_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("plans")
    @classmethod
    def _plans(cls, value: dict[str, dict]) -> dict[str, dict]:
        for code, data in value.items():
            Composition.model_validate(data)  # errors name the key
        return value

    def composition_for(self, plan_code: str | None) -> Composition:
        """The plan's composition: the default one with the plan's keys over it."""
        override = self.plans.get(plan_code or "") or {}
        if not override:
            return self.composition
        return Composition.model_validate({**self.composition.model_dump(), **override})


def settings_of(runtime) -> FiscalSettings:
    found = runtime.settings("fiscal_nf2122") if runtime is not None else None
    return found or FiscalSettings()
