"""Settings of the receivables plugin: the `[plugins.receivables]` table of quita.toml.

```toml
[plugins.receivables]
minimum_amount = "10.00"     # invoices below this total are not issued; the charges roll over
billing_chunk_size = 500     # parties per billing-run chunk (one transaction each)

[plugins.receivables.interest] # juros, multa, carência… (see plugins.receivables.interest)
```
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.money import parse_money
from plugins.receivables.interest import InterestSettings


class ReceivablesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minimum_amount: Decimal = Field(
        default=Decimal("0.00"),
        description="Valor mínimo de uma fatura; abaixo dele as contas ficam abertas para o mês seguinte.")
    billing_chunk_size: int = Field(default=500, ge=1, le=100_000,
                                    description="Clientes por parte da tarefa de faturamento.")
    interest: InterestSettings = Field(default_factory=InterestSettings,
                                       description="Juros, multa e descontos (ver interest.py).")

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
