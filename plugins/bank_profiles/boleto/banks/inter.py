"""Banco Inter (077), carteira 110 (nosso número assigned by the beneficiário) — Inter manual
"CNAB 400 — Emissão boletos de cobrança" V9, §7-8, as quoted by pyCobranca
`tests/test_bancos_inter.py`.

Campo livre: agência(4, ``0001``) + carteira(3) + número da operação(7, ``convenio``) + NN(10) +
DV (módulo 10 over agência + carteira + NN). Carteira 112 is numbered by the bank (the nosso
número only exists in the retorno), so it is refused here.
"""

from core.i18n import _

from ..modulo import modulo10
from .base import PerfilBoleto, so_carteiras

_NN_DO_BENEFICIARIO = frozenset({"110"})


def _motivo():
    return _("Banco 077 (Inter): só a carteira 110 tem nosso número do beneficiário; na 112 quem numera é o banco")


PERFIL = PerfilBoleto(
    codigo="077",
    nome="Inter",
    campos={"agencia": 4, "carteira": 3, "convenio": 7, "nosso_numero": 10},
    padroes={"agencia": "0001", "carteira": "110"},
    validar=so_carteiras(_NN_DO_BENEFICIARIO, _motivo),
    nosso_numero_dv=lambda v: modulo10(v["agencia"] + v["carteira"] + v["nosso_numero"]),
    campo_livre=("agencia", "carteira", "convenio", "nosso_numero", "dv"),
    observacao="Sem boleto real público: só o DV do nosso número tem exemplo do manual.",
)
