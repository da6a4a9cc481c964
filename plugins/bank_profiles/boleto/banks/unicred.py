"""Unicred (136) — brcobranca `unicred.rb`: agência(4) + conta(9) + DV da conta(1) + NN(10) +
DV do NN (módulo 11, 10 and 11 → 0). The carteira (always 21) is not in the barcode.
"""

from ..modulo import PADRAO_ZERO, modulo11
from .base import PerfilBoleto

PERFIL = PerfilBoleto(
    codigo="136",
    nome="Unicred",
    campos={"agencia": 4, "conta": 9, "conta_dv": 1, "nosso_numero": 10},
    nosso_numero_dv=lambda v: modulo11(v["nosso_numero"], PADRAO_ZERO),
    campo_livre=("agencia", "conta", "conta_dv", "nosso_numero", "dv"),
)
