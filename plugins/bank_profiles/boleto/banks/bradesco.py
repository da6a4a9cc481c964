"""Bradesco (237) — brcobranca `bradesco.rb`; BTG Pactual (208) uses the same layout and NN rule
(laravel-boleto `Btg.php`, `CalculoDV::btgNossoNumero`).

Campo livre: agência(4) + carteira(2) + NN(11) + conta(7) + ``0``.
NN DV: módulo 11 weights 2..7 over carteira + NN; 11 − resto; 10 → "P", 11 → 0.
"""

from dataclasses import replace

from ..modulo import BRADESCO, modulo11
from .base import PerfilBoleto

PERFIL = PerfilBoleto(
    codigo="237",
    nome="Bradesco",
    campos={"agencia": 4, "carteira": 2, "nosso_numero": 11, "conta": 7},
    nosso_numero_dv=lambda v: modulo11(v["carteira"] + v["nosso_numero"], BRADESCO),
    campo_livre=("agencia", "carteira", "nosso_numero", "conta", "0"),
    formato_nosso_numero="{carteira}/{nosso_numero}-{dv}",
)

BTG = replace(
    PERFIL,
    codigo="208",
    nome="BTG Pactual",
    observacao="Layout do Bradesco (laravel-boleto Btg.php; talesgalvao/brcobranca btg_pactual.rb).",
)
