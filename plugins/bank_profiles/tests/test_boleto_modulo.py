"""Módulo 10 / módulo 11 variants and their special remainders (0, 1, 10).

Vectors marked "brcobranca" come from kivanio/brcobranca@325e0ea `spec/brcobranca/boleto/*_spec.rb`
(MIT); the others are worked by hand in the comments.
"""

import pytest

from plugins.bank_profiles.boleto.erros import ErroBoleto
from plugins.bank_profiles.boleto.modulo import (
    BANCO_DO_BRASIL,
    BRADESCO,
    DV_GERAL,
    PADRAO_ZERO,
    SICOOB,
    duplo_digito_banrisul,
    modulo10,
    modulo11,
    soma_ponderada,
)


@pytest.mark.parametrize(
    "campo, dv",
    [
        # fields of brcobranca's Itaú linha '34191.75124 34567.840813 05367.890000 1 43290000000000'
        ("341917512", "4"),
        ("3456784081", "3"),
        ("0536789000", "0"),
        # 2×6=12 → 1+2=3; 1×1 → total 4 → DV 6 (products over 9 sum their digits)
        ("16", "6"),
        ("0", "0"),
    ],
)
def test_boleto_modulo10(campo, dv):
    assert modulo10(campo) == dv


def test_boleto_soma_ponderada_cycles_weights_from_either_side():
    # from the right: 3×2 + 2×3 + 1×4 = 16; from the left with 3,1,9,7: 1×3 + 2×1 + 3×9 = 32
    assert soma_ponderada("123", (2, 3, 4)) == 16
    assert soma_ponderada("123", (3, 1, 9, 7), da_direita=False) == 32


@pytest.mark.parametrize(
    "numero, regra, dv",
    [
        # single digit d, weight 2 (9 for BB): sums chosen to hit each special remainder
        ("0", DV_GERAL, "1"),  # resto 0 → 11 → 1
        ("6", DV_GERAL, "1"),  # 12 → resto 1 → 10 → 1
        ("5", DV_GERAL, "1"),  # 10 → resto 10 → 1 (a plain 1)
        ("4", DV_GERAL, "3"),  # 8 → 11 − 8 = 3
        ("0", PADRAO_ZERO, "0"),  # 11 → 0
        ("6", PADRAO_ZERO, "0"),  # 10 → 0
        ("6", BRADESCO, "P"),  # 10 → P
        ("0", BRADESCO, "0"),  # 11 → 0
        ("6", BANCO_DO_BRASIL, "X"),  # 9×6 = 54, resto 10 → X
        ("5", BANCO_DO_BRASIL, "1"),  # 45, resto 1 → 1 (BB keeps the remainder)
        ("0", BANCO_DO_BRASIL, "0"),
    ],
)
def test_boleto_modulo11_special_remainders(numero, regra, dv):
    assert modulo11(numero, regra) == dv


@pytest.mark.parametrize(
    "carteira_nn, dv",
    [("0600000000525", "P"), ("0900000000001", "1"), ("1900000000002", "8"), ("1900000000006", "0"), ("1900000000001", "P")],
)
def test_boleto_modulo11_bradesco_brcobranca(carteira_nn, dv):
    assert modulo11(carteira_nn, BRADESCO) == dv


@pytest.mark.parametrize("numero, dv", [("566612457800", "2"), ("90002720", "7"), ("1961005", "0")])
def test_boleto_modulo11_santander_brcobranca(numero, dv):
    assert modulo11(numero, PADRAO_ZERO) == dv


@pytest.mark.parametrize("nn, dv", [("000004042", "4"), ("000061900", "7"), ("000000719", "2")])
def test_boleto_modulo11_banco_do_brasil_brcobranca(nn, dv):
    assert modulo11("12387989" + nn, BANCO_DO_BRASIL) == dv


def test_boleto_modulo11_sicoob_constant_3197_brcobranca():
    # cooperativa 4327, cliente 229385 (10 digits), NN 1..13 → brcobranca sicoob_spec.rb
    esperados = "7419630853085"
    for numero, dv in enumerate(esperados, start=1):
        assert modulo11("4327" + "0000229385" + f"{numero:07d}", SICOOB) == dv, numero


def test_boleto_modulo11_sicoob_manual_example():
    # Sicoob manual 3.13 (quoted in brcobranca sicoob.rb): 0001 + 0000000019 + 0000021 → 36, resto 3 → 8
    assert modulo11("0001" + "0000000019" + "0000021", SICOOB) == "8"


@pytest.mark.parametrize("numero, nc", [("00009274", "22"), ("00009194", "38"), ("22832563", "51")])
def test_boleto_banrisul_duplo_digito_brcobranca(numero, nc):
    assert duplo_digito_banrisul(numero) == nc


def test_boleto_banrisul_duplo_digito_remainder_one_bumps_first_digit():
    # "00000016": módulo 10 → 6; 000000166 weights 2..7 → 6×2+6×3+1×4 = 34, resto 1 (invalid)
    # → first digit 7: 7×2+6×3+1×4 = 36, resto 3 → 11 − 3 = 8
    assert duplo_digito_banrisul("00000016") == "78"


def test_boleto_modulo_rejects_non_digits():
    with pytest.raises(ErroBoleto, match="só dígitos"):
        modulo10("12a4")
    with pytest.raises(ErroBoleto, match="só dígitos"):
        modulo11("", PADRAO_ZERO)
