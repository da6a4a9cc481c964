"""Per-bank boleto data: one `PerfilBoleto` per bank (see `base.py` for the engine).

`perfil(codigo)` returns the profile of a COMPE code ("341", 341 or "0341" are accepted);
`registrar_perfil(p)` adds (or replaces) one — the hook for a bank shipped as a separate package.
"""

from __future__ import annotations

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
        return PERFIS[chave]
    except KeyError:
        raise ErroBoleto(
            _("Banco {codigo}: sem perfil de boleto. Bancos disponíveis: {lista}.").format(
                codigo=codigo, lista=", ".join(sorted(PERFIS))
            )
        ) from None


def registrar_perfil(novo: PerfilBoleto) -> None:
    if not (len(novo.codigo) == 3 and novo.codigo.isdigit()):
        raise ErroBoleto(_("Perfil de boleto: código do banco deve ter 3 dígitos (veio {c!r}).").format(c=novo.codigo))
    PERFIS[novo.codigo] = novo
