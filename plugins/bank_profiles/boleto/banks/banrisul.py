"""Banrisul (041) — brcobranca `banrisul.rb`.

Campo livre: produto/carteira(1: 1 cobrança normal, 2 cobrança direta) + ``1`` + agência(4) +
código do beneficiário(7, without its NC) + NN(8) + ``40`` + duplo dígito (NC) of those 23.
The nosso número's own check is the same two-digit NC (módulo 10 then módulo 11).
"""

from ..modulo import duplo_digito_banrisul
from .base import PerfilBoleto

PERFIL = PerfilBoleto(
    codigo="041",
    nome="Banrisul",
    campos={"carteira": 1, "agencia": 4, "codigo_beneficiario": 7, "nosso_numero": 8},
    padroes={"carteira": "2"},
    nosso_numero_dv=lambda v: duplo_digito_banrisul(v["nosso_numero"]),
    campo_livre=("carteira", "1", "agencia", "codigo_beneficiario", "nosso_numero", "40"),
    dv_campo_livre=duplo_digito_banrisul,
)
