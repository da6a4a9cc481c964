"""Settings of the receivables plugin: the `[plugins.receivables]` table of quita.toml.

```toml
[plugins.receivables]
minimum_amount = "10.00"     # invoices below this total are not issued; the charges roll over
billing_chunk_size = 500     # parties per billing-run chunk (one transaction each)
receivable_account_code = "1.1.03"     # clientes: debit on issuing invoices, credit on settlement
service_revenue_account_code = "3.1.01"  # receita de serviços: credit on issuing invoices (accrual.py)
accrual_accounting = true              # false: issuing/removing invoices posts nothing
revenue_account_code = "3.1.2.01"      # juros e multa recebidos
discount_account_code = "3.2.1.01"     # contas de desconto da liquidação
surcharge_account_code = "3.1.3.01"    # contas de acréscimo da liquidação
bank_account_code = "1.1.1.01"         # conta banco/caixa sugerida nos diálogos de liquidação/estorno
unidentified_deposit_account_code = "2.1.02"  # "Conta para depósito não identificado" (deposits.py)
juros_multa_na_nova_fatura = false     # "Juros em R$" na fatura do saldo da baixa parcial

[plugins.receivables.interest] # juros, multa, carência… (see plugins.receivables.interest)

[plugins.receivables.email]    # "Enviar fatura" por e-mail (see plugins.receivables.mail)
host = "smtp.provedor.com.br"
port = 587
from_address = "financeiro@provedor.com.br"
starttls = true                # or ssl = true (port 465); username / password optional
subject = "Fatura #empresa# - #cliente#"   # template with the manual's wildcards
body = "Olá, #cliente#. …"
```
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from core.money import parse_money
from plugins.receivables.interest import InterestSettings
from plugins.receivables.mail import MailSettings


class ReceivablesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minimum_amount: Decimal = Field(
        default=Decimal("0.00"),
        description="Valor mínimo de uma fatura; abaixo dele as contas ficam abertas para o mês seguinte.")
    billing_chunk_size: int = Field(default=500, ge=1, le=100_000,
                                    description="Clientes por parte da tarefa de faturamento.")
    interest: InterestSettings = Field(default_factory=InterestSettings,
                                       description="Juros, multa e descontos (ver interest.py).")
    email: MailSettings = Field(default_factory=MailSettings,
                                description="Servidor SMTP e modelo do e-mail de faturas (ver mail.py).")
    # Liquidação (plugins.receivables.settlement): contas do plano de contas, pelo código, em cada empresa.
    receivable_account_code: str | None = Field(
        default="1.1.03", description="Código da conta de clientes (contas a receber): debitada na emissão das "
                                      "faturas (accrual.py) e creditada na liquidação.")
    service_revenue_account_code: str | None = Field(
        default="3.1.01", description="Código da conta de receita de serviços creditada na emissão das faturas "
                                      "(quando a conta da fatura não tem conta de receita própria da empresa).")
    accrual_accounting: bool = Field(
        default=True, description="Contabilização por competência: a emissão de faturas lança clientes × receita "
                                  "(empresas sem plano de contas não são contabilizadas).")
    revenue_account_code: str | None = Field(
        default=None, description="Código da conta de receita de juros e multa recebidos na liquidação.")
    discount_account_code: str | None = Field(
        default=None, description="Código da conta das contas de desconto geradas na liquidação.")
    surcharge_account_code: str | None = Field(
        default=None, description="Código da conta das contas de acréscimo geradas na liquidação.")
    bank_account_code: str | None = Field(
        default=None, description="Código da conta banco/caixa sugerida nos diálogos de liquidação, baixa "
                                  "parcial e estorno (o operador escolhe entre as contas banco/caixa da empresa).")
    unidentified_deposit_account_code: str | None = Field(
        default="2.1.02", validation_alias=AliasChoices("unidentified_deposit_account_code",
                                                    "conta_deposito_nao_identificado"),
        description="Conta para depósito não identificado: creditada ao registrar o depósito e debitada "
                    "quando ele liquida uma fatura (código no plano de contas da empresa).")
    interest_on_remainder_invoice: bool = Field(
        default=False, validation_alias=AliasChoices("interest_on_remainder_invoice", "juros_multa_na_nova_fatura"),
        description="Juros/Multa na nova fatura: permite informar juros na fatura do saldo da baixa parcial.")
    attachment_max_kb: int = Field(
        default=5120, ge=1, le=102_400,
        description="Tamanho máximo (KB) de um arquivo anexado a um contrato ou ao banco de imagens do cliente.")

    @field_validator("minimum_amount", mode="before")
    @classmethod
    def _money(cls, value):
        if isinstance(value, float):
            raise ValueError("use texto, por exemplo \"10.00\"")
        try:
            amount = parse_money(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from None
        if amount < 0:
            raise ValueError("o valor mínimo não pode ser negativo")
        return amount


def settings_of(runtime) -> ReceivablesSettings:
    """The validated settings (defaults when the plugin's table is absent)."""
    found = runtime.settings("receivables") if runtime is not None else None
    return found or ReceivablesSettings()
