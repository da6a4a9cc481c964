"""Settings of the bank_profiles plugin: the `[plugins.bank_profiles]` table of quita.toml.

```toml
[plugins.bank_profiles]
assign_on_invoice_created = true   # draw the nosso número / boleto when an invoice is created
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BankProfilesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assign_on_invoice_created: bool = Field(
        default=True, description="Atribui o nosso número e calcula o boleto quando a fatura é criada "
                                  "(contratos com perfil de pagamento).")


def settings_of(runtime) -> BankProfilesSettings:
    found = runtime.settings("bank_profiles") if runtime is not None else None
    return found or BankProfilesSettings()
