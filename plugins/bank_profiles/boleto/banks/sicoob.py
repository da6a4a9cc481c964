"""Sicoob (756) — brcobranca `sicoob.rb` (Sicoob manual, item 3.13).

Campo livre: carteira(1) + cooperativa(``agencia``, 4) + modalidade(2) + código do cliente
(``codigo_beneficiario``, 7) + NN(7) + DV + parcela(3, ``001`` for a single one).
NN DV: constant 3197 repeated from the left over cooperativa(4) + cliente(10) + NN(7); 11 − resto;
0 and 1 as remainders give 0.
"""

from ..modulo import SICOOB, modulo11
from .base import PerfilBoleto

PERFIL = PerfilBoleto(
    codigo="756",
    nome="Sicoob",
    campos={"carteira": 1, "agencia": 4, "modalidade": 2, "codigo_beneficiario": 7, "nosso_numero": 7, "parcela": 3},
    padroes={"carteira": "1", "modalidade": "01", "parcela": "001"},
    nosso_numero_dv=lambda v: modulo11(v["agencia"] + v["codigo_beneficiario"].zfill(10) + v["nosso_numero"], SICOOB),
    campo_livre=("carteira", "agencia", "modalidade", "codigo_beneficiario", "nosso_numero", "dv", "parcela"),
)
