"""Settings of the reconciliation plugin: the `[plugins.reconciliation]` table of quita.toml.

```toml
[plugins.reconciliation]
ofx_job_threshold = 5000   # OFX with more lines than this is imported as a background job (core.jobs)
ofx_chunk_size = 5000      # lines per part of that job (whole days; one transaction each)
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReconciliationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ofx_job_threshold: int = Field(default=5000, ge=0, le=10_000_000, description=(
        "Extrato OFX com mais lançamentos que isto é importado em tarefa de segundo plano, com progresso."))
    ofx_chunk_size: int = Field(default=5000, ge=1, le=100_000, description=(
        "Lançamentos por parte da importação em tarefa (dias inteiros; uma transação cada)."))


def settings_of(runtime) -> ReconciliationSettings:
    found = runtime.settings("reconciliation") if runtime is not None else None
    return found or ReconciliationSettings()
