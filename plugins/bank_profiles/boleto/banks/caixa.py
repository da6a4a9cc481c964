"""Caixa (104), SIGCB — brcobranca `caixa.rb`.

Nosso número (17) = carteira(1: ``1`` registrada) + emissão ``4`` (beneficiário) + 15 digits.
Campo livre: código do beneficiário(6) + its DV + NN[3-5] + NN[1] + NN[6-8] + NN[2] + NN[9-17]
+ DV of those 24. All three DVs: módulo 11, weights 2..9, 11 − resto, 10 and 11 → 0.
"""

from ..modulo import PADRAO_ZERO, modulo11
from .base import PerfilBoleto


def _mod11(numero):
    return modulo11(numero, PADRAO_ZERO)


PERFIL = PerfilBoleto(
    codigo="104",
    nome="Caixa",
    campos={"codigo_beneficiario": 6, "carteira": 1, "nosso_numero": 15},
    padroes={"carteira": "1"},
    derivados=lambda v: {
        "nn17": v["carteira"] + "4" + v["nosso_numero"],
        "beneficiario_dv": _mod11(v["codigo_beneficiario"]),
    },
    nosso_numero_dv=lambda v: _mod11(v["nn17"]),
    campo_livre=("codigo_beneficiario", "beneficiario_dv", "nn17[2:5]", "nn17[0:1]", "nn17[5:8]", "nn17[1:2]", "nn17[8:17]"),
    dv_campo_livre=_mod11,
    formato_nosso_numero="{nn17}-{dv}",
)
