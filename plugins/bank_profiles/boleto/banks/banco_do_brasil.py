"""Banco do Brasil (001). The convênio's length picks the layout (brcobranca `banco_brasil.rb`):

- convênio 7 or 8 digits: ``000000`` + convênio + nosso número (10 or 9) + carteira — the
  17-position nosso número (convênio + número) is printed without DV;
- convênio 6, nosso número 5: convênio + NN + agência(4) + conta(8) + carteira;
- convênio 6 with ``modalidade=21`` (carteiras 16/18 only): convênio + NN(17) + ``21``;
- convênio 4: convênio + NN(7) + agência + conta + carteira.

NN DV: módulo 11, weights 9..2 from the right, DV = resto, 10 → "X", over convênio + NN.
"""

from dataclasses import replace

from core.i18n import _

from ..modulo import BANCO_DO_BRASIL, modulo11
from .base import PerfilBoleto, exigir, so_carteiras


def _dv(v):
    return modulo11(v["convenio"] + v["nosso_numero"], BANCO_DO_BRASIL)


def _so_16_18():
    return _("Banco 001 (Banco do Brasil): nosso número de 17 com convênio de 6 dígitos só nas carteiras 16 ou 18")


_AGENCIA_CONTA = PerfilBoleto(
    codigo="001",
    nome="Banco do Brasil",
    campos={"convenio": 4, "nosso_numero": 7, "agencia": 4, "conta": 8, "carteira": 2},
    nosso_numero_dv=_dv,
    campo_livre=("convenio", "nosso_numero", "agencia", "conta", "carteira"),
    formato_nosso_numero="{convenio}{nosso_numero}-{dv}",
)
CONVENIO_4 = _AGENCIA_CONTA
CONVENIO_6 = replace(_AGENCIA_CONTA, campos={**_AGENCIA_CONTA.campos, "convenio": 6, "nosso_numero": 5})
CONVENIO_6_NN17 = replace(
    _AGENCIA_CONTA,
    campos={"convenio": 6, "nosso_numero": 17, "carteira": 2, "modalidade": 2},
    campo_livre=("convenio", "nosso_numero", "21"),
    validar=so_carteiras(frozenset({"16", "18"}), _so_16_18),
)
CONVENIO_7 = replace(
    _AGENCIA_CONTA,
    campos={"convenio": 7, "nosso_numero": 10, "carteira": 2},
    campo_livre=("000000", "convenio", "nosso_numero", "carteira"),
    formato_nosso_numero="{convenio}{nosso_numero}",
)
CONVENIO_8 = replace(CONVENIO_7, campos={"convenio": 8, "nosso_numero": 9, "carteira": 2})


def _variante(dados):
    convenio = str(dados.get("convenio") or "").strip()
    if len(convenio) == 6:
        return CONVENIO_6_NN17 if str(dados.get("modalidade") or "").strip() == "21" else CONVENIO_6
    por_tamanho = {4: CONVENIO_4, 7: CONVENIO_7, 8: CONVENIO_8}
    exigir(
        len(convenio) in por_tamanho,
        _("Banco 001 (Banco do Brasil): convênio deve ter 4, 6, 7 ou 8 dígitos (veio {c!r}).").format(c=convenio),
    )
    return por_tamanho[len(convenio)]


PERFIL = replace(_AGENCIA_CONTA, variante=_variante)
