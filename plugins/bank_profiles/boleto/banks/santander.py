"""Santander (033) — brcobranca `santander.rb`; the código do beneficiário is not the account
(BoletoNet issue 307) and the NN DV is not part of the linha's third field in old code (boletophp
PR 65): campo livre ``9`` + código do beneficiário(7) + NN(12) + DV + IOF ``0`` + carteira(3).
NN DV: módulo 11, weights 2..9, 11 − resto, 10 and 11 → 0.
"""

from ..modulo import PADRAO_ZERO, modulo11
from .base import PerfilBoleto

PERFIL = PerfilBoleto(
    codigo="033",
    nome="Santander",
    campos={"codigo_beneficiario": 7, "nosso_numero": 12, "carteira": 3},
    nosso_numero_dv=lambda v: modulo11(v["nosso_numero"], PADRAO_ZERO),
    campo_livre=("9", "codigo_beneficiario", "nosso_numero", "dv", "0", "carteira"),
)
