"""Settings of the bank_profiles plugin: the `[plugins.bank_profiles]` table of quita.toml.

```toml
[plugins.bank_profiles]
assign_on_invoice_created = true   # draw the nosso número / boleto when an invoice is created
tariff_expense_account_code = "4.1.01"  # despesas bancárias: debited by the tarifas of a retorno ("" = not posted)
retorno_chunk_size = 5000          # títulos per part of a retorno import job (one transaction each)
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BankProfilesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assign_on_invoice_created: bool = Field(
        default=True, description="Atribui o nosso número e calcula o boleto quando a fatura é criada "
                                  "(contratos com perfil de pagamento).")
    tariff_expense_account_code: str | None = Field(
        default="4.1.01", description="Código da conta de despesas bancárias debitada pelas tarifas do retorno "
                                      "(crédito: a conta contábil do perfil). Vazio: as tarifas não são lançadas.")
    retorno_chunk_size: int = Field(default=5000, ge=1, le=100_000,
                                    description="Títulos por parte da importação de retorno (uma transação cada).")


def settings_of(runtime) -> BankProfilesSettings:
    found = runtime.settings("bank_profiles") if runtime is not None else None
    return found or BankProfilesSettings()
