"""Sicredi (748) — brcobranca `sicredi.rb` (Sicredi manual, May 2016).

Nosso número (9) = ano de emissão(2) + byte de identificação(1: 1 pela cooperativa, 2-9 pelo
beneficiário) + sequencial(5) + DV; DV: módulo 11 over agência + posto + beneficiário + those 8
digits, 10 and 11 → 0. Campo livre: tipo de cobrança (``carteira``: 1 com registro, 3 sem) +
carteira simples ``1`` + NN(9) + agência(4) + posto(2) + código do beneficiário(5) + ``1`` (valor
expresso; Quita never issues a boleto without value) + ``0`` + DV (módulo 11, 0/1 → 0).
"""

from datetime import date

from core.i18n import _

from ..modulo import PADRAO_ZERO, modulo11
from .base import PerfilBoleto, exigir


def _ano_de_emissao(valor):
    """`emissao` may be a date, "2016-08-22", "22/08/2016", a 4-digit or a 2-digit year."""
    if isinstance(valor, date):
        return valor.strftime("%y")
    texto = str(valor).strip()
    if len(texto) == 10 and texto[4] == "-":
        return texto[2:4]
    if len(texto) == 10 and texto[2] == "/":
        return texto[8:10]
    return texto[-2:] if len(texto) == 4 else texto


def _byte_valido(v):
    exigir(
        v["byte_idt"] != "0",
        _("Banco 748 (Sicredi): byte_idt deve ser 1 (gerado pela cooperativa) ou de 2 a 9 (gerado pelo beneficiário)."),
    )


PERFIL = PerfilBoleto(
    codigo="748",
    nome="Sicredi",
    campos={"carteira": 1, "agencia": 4, "posto": 2, "codigo_beneficiario": 5, "byte_idt": 1, "emissao": 2, "nosso_numero": 5},
    padroes={"carteira": "1"},
    conversores={"emissao": _ano_de_emissao},
    validar=_byte_valido,
    nosso_numero_dv=lambda v: modulo11(
        v["agencia"] + v["posto"] + v["codigo_beneficiario"] + v["emissao"] + v["byte_idt"] + v["nosso_numero"], PADRAO_ZERO
    ),
    campo_livre=("carteira", "1", "emissao", "byte_idt", "nosso_numero", "dv", "agencia", "posto", "codigo_beneficiario", "10"),
    dv_campo_livre=lambda campo: modulo11(campo, PADRAO_ZERO),
    formato_nosso_numero="{emissao}/{byte_idt}{nosso_numero}-{dv}",
)
