"""Banks shipped as separate Python packages, found through the entry-point group `quita.banks`.

A bank package declares, in its `pyproject.toml`::

    [project.entry-points."quita.banks"]
    ailos = "quita_bank_example.bank"

and the module named there exposes (both optional, at least one):

- `BOLETOS` — a tuple of `plugins.bank_profiles.boleto.banks.base.PerfilBoleto` (the bank's
  fields, nosso-número DV and campo livre as data), added to the boleto registry
  (`boleto.banks.perfis()`: `quita boleto compute --bank …`, payment profiles, PDFs);
- `CNAB_SPECS` — a directory of CNAB spec files (`<banco>_<240|400>.toml`, the format of
  `cnab/specs/`; `extends = "febraban_240"` or `"cnab400_base"` reach Quita's own base specs),
  searched by `cnab.layout.find_layout` / `load_layout` / `all_layouts` after Quita's own.

Discovery runs once per process, when the boleto registry is first imported. A package that fails
to load, or exports neither attribute, is an error naming the entry point: a bank silently missing
would mean boletos or remessas that can't be produced in production.
"""

from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GROUP = "quita.banks"


class BankPackageError(RuntimeError):
    """A bank package found through `quita.banks` could not be used (message in pt-BR)."""


@dataclass(frozen=True)
class BankPackage:
    name: str  # entry-point name
    module: str  # entry-point value
    distribution: str | None
    boletos: tuple  # PerfilBoleto
    cnab_specs: Path | None


def _load(ep) -> BankPackage:
    where = f"pacote de banco «{ep.name}» ({ep.value}, grupo {GROUP})"
    try:
        module = ep.load()
    except Exception as exc:  # noqa: BLE001  (any import error of a third-party package)
        raise BankPackageError(f"{where}: não carregou: {exc}") from exc
    boletos = tuple(getattr(module, "BOLETOS", ()) or ())
    specs = getattr(module, "CNAB_SPECS", None)
    if not boletos and specs is None:
        raise BankPackageError(f"{where}: não exporta BOLETOS nem CNAB_SPECS")
    if specs is not None:
        specs = Path(specs)
        if not specs.is_dir():
            raise BankPackageError(f"{where}: CNAB_SPECS = {specs} não é uma pasta")
    dist = getattr(ep, "dist", None)
    return BankPackage(name=ep.name, module=ep.value, distribution=dist.name if dist else None, boletos=boletos,
                       cnab_specs=specs)


@lru_cache(maxsize=1)
def bank_packages() -> tuple[BankPackage, ...]:
    """Every installed bank package, by entry-point name (loaded once per process)."""
    return tuple(_load(ep) for ep in sorted(md.entry_points(group=GROUP), key=lambda e: e.name))


def external_spec_dirs() -> tuple[Path, ...]:
    return tuple(p.cnab_specs for p in bank_packages() if p.cnab_specs is not None)


def external_boletos() -> tuple:
    return tuple(b for p in bank_packages() for b in p.boletos)
