"""Itaú (341) — brcobranca `itau.rb`.

Campo livre: carteira(3) + NN(8) + DAC + agência(4) + conta(5) + DAC(agência+conta) + ``000``.
Carteiras 106/107/122/142/143/195/196/198: carteira + NN + seu número(7) + código do cliente(5,
``codigo_beneficiario``) + DAC (módulo 10 of those 23 digits) + ``0``.
NN DAC: módulo 10 over agência + conta + carteira + NN; for carteiras 112/126/131/146/150/168
over carteira + NN only.
"""

from dataclasses import replace

from ..modulo import modulo10
from .base import PerfilBoleto

CARTEIRAS_DAC_SO_NN = frozenset({"112", "126", "131", "146", "150", "168"})
CARTEIRAS_SEU_NUMERO = frozenset({"106", "107", "122", "142", "143", "195", "196", "198"})


def _dac(v):
    if v["carteira"] in CARTEIRAS_DAC_SO_NN:
        return modulo10(v["carteira"] + v["nosso_numero"])
    return modulo10(v["agencia"] + v["conta"] + v["carteira"] + v["nosso_numero"])


def _derivados(v):
    extra = {"dac_conta": modulo10(v["agencia"] + v["conta"])}
    if "seu_numero" in v:
        extra["dac_seu_numero"] = modulo10(v["carteira"] + v["nosso_numero"] + v["seu_numero"] + v["codigo_beneficiario"])
    return extra


PADRAO = PerfilBoleto(
    codigo="341",
    nome="Itaú",
    campos={"agencia": 4, "conta": 5, "carteira": 3, "nosso_numero": 8},
    nosso_numero_dv=_dac,
    derivados=_derivados,
    campo_livre=("carteira", "nosso_numero", "dv", "agencia", "conta", "dac_conta", "000"),
    formato_nosso_numero="{carteira}/{nosso_numero}-{dv}",
)
SEU_NUMERO = replace(
    PADRAO,
    campos={**PADRAO.campos, "seu_numero": 7, "codigo_beneficiario": 5},
    campo_livre=("carteira", "nosso_numero", "seu_numero", "codigo_beneficiario", "dac_seu_numero", "0"),
)


def _variante(dados):
    carteira = str(dados.get("carteira") or "").strip().zfill(3)
    return SEU_NUMERO if carteira in CARTEIRAS_SEU_NUMERO else PADRAO


PERFIL = replace(PADRAO, variante=_variante)
