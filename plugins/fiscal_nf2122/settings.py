"""Settings of the fiscal_nf2122 plugin: the `[plugins.fiscal_nf2122]` table of quita.toml.

```toml
[plugins.fiscal_nf2122]
model = 21                 # 21 NFSC (comunicação, o caso do provedor) ou 22 NFST (telecomunicações)
serie = "U"                # série única; 1 a 3 caracteres [0-9A-Za-z -], alinhada à esquerda
tipo_utilizacao = 4        # tab. 11.2: 4 = provimento de acesso à internet

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

Defaults (documented in README.md): modelo 21, série "U", CFOP 5307/6307, classificação 0104,
ICMS/PIS/COFINS zero (the common case of an ISP in the Simples Nacional: nothing destacado, the
whole value in "isentas / não tributadas"). A plan's table overrides only the keys it names.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.i18n import _


class Composition(BaseModel):
    """Fiscal composition of an item (conta) of the NF 21/22."""

    model_config = ConfigDict(extra="forbid")

    cfop: str = Field(default="5307", pattern=r"^[1-7]\d{3}$",
                      description="CFOP da prestação dentro do estado (5xxx); fora do estado vira 6xxx.")
    classificacao: str = Field(default="0104", pattern=r"^\d{4}$", description="Classificação do item (tab. 11.5).")
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


class FiscalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: int = Field(default=21, description="Modelo da nota: 21 (NFSC) ou 22 (NFST).")
    serie: str = Field(default="U", min_length=1, max_length=3, description="Série (\"U\" = série única).")
    tipo_utilizacao: int = Field(default=4, ge=1, le=6, description="Tipo de utilização (tab. 11.2).")
    composition: Composition = Field(default_factory=Composition, description="Composição fiscal padrão.")
    plans: dict[str, dict] = Field(default_factory=dict,
                                   description="Composição por código de plano (só as chaves informadas mudam).")

    @field_validator("model")
    @classmethod
    def _model(cls, value: int) -> int:
        if value not in (21, 22):
            raise ValueError(_("modelo {m} inválido: use 21 ou 22").format(m=value))
        return value

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
