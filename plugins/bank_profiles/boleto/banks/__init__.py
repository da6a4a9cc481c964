"""Per-bank boleto data: one `PerfilBoleto` per bank (see `base.py` for the engine).

`perfil(codigo)` returns the profile of a COMPE code ("341", 341 or "0341" are accepted);
`registrar_perfil(p)` adds (or replaces) one. `perfis()` is the registry with the banks shipped as
separate packages (entry-point group `quita.banks`, see `plugins/bank_profiles/bank_packages.py`)
loaded on first use — not at import, since a bank package imports this module itself; one of them
reusing a built-in code is refused. `PERFIS` holds Quita's own; read all through `perfis()` / `perfil()`.
"""

from __future__ import annotations

from functools import lru_cache

from core.i18n import _

from ..erros import ErroBoleto
from . import banco_do_brasil, banrisul, bradesco, caixa, inter, itau, santander, sicoob, sicredi, unicred
from .base import PerfilBoleto

PERFIS: dict[str, PerfilBoleto] = {
    p.codigo: p
    for p in (
        banco_do_brasil.PERFIL,
        santander.PERFIL,
        banrisul.PERFIL,
        inter.PERFIL,
        caixa.PERFIL,
        unicred.PERFIL,
        bradesco.BTG,
        bradesco.PERFIL,
        itau.PERFIL,
        sicredi.PERFIL,
        sicoob.PERFIL,
    )
}


def perfil(codigo: str | int) -> PerfilBoleto:
    chave = str(codigo).strip().lstrip("0").zfill(3)
    try:
        return PERFIS.get(chave) or _dos_pacotes()[chave]
    except KeyError:
        raise ErroBoleto(
            _("Banco {codigo}: sem perfil de boleto. Bancos disponíveis: {lista}.").format(
                codigo=codigo, lista=", ".join(sorted(perfis()))
            )
        ) from None


def registrar_perfil(novo: PerfilBoleto) -> None:
    if not (len(novo.codigo) == 3 and novo.codigo.isdigit()):
        raise ErroBoleto(_("Perfil de boleto: código do banco deve ter 3 dígitos (veio {c!r}).").format(c=novo.codigo))
    PERFIS[novo.codigo] = novo


@lru_cache(maxsize=1)
def _dos_pacotes() -> dict[str, PerfilBoleto]:
    """The boleto profiles of the bank packages, checked once per process."""
    from plugins.bank_profiles.bank_packages import BankPackageError, bank_packages

    achados: dict[str, PerfilBoleto] = {}
    for pacote in bank_packages():
        for novo in pacote.boletos:
            if not isinstance(novo, PerfilBoleto) or not (len(novo.codigo) == 3 and novo.codigo.isdigit()):
                raise BankPackageError(f"pacote de banco «{pacote.name}»: BOLETOS deve conter PerfilBoleto com código "
                                       f"de 3 dígitos, não {novo!r}")
            if novo.codigo in PERFIS or novo.codigo in achados:
                raise BankPackageError(f"pacote de banco «{pacote.name}»: o banco {novo.codigo} já existe "
                                       f"({(PERFIS.get(novo.codigo) or achados[novo.codigo]).nome})")
            achados[novo.codigo] = novo
    return achados


def perfis() -> dict[str, PerfilBoleto]:
    """Every bank's boleto profile by COMPE code: Quita's (`PERFIS`) and the bank packages'."""
    return {**PERFIS, **_dos_pacotes()}
