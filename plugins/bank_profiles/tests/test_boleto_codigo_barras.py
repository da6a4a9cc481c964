"""Barcode ⇄ linha digitável, decoding with every DV checked, valor limits.

Main vector: brcobranca@325e0ea spec/brcobranca/boleto/itau_spec.rb (Itaú, R$ 135,00, 2008-02-02):
barcode 34191377000000135001750025828170810536789000,
linha   34191.75009 25828.170818 05367.890000 1 37700000013500.
"""

from datetime import date
from decimal import Decimal

import pytest

from plugins.bank_profiles.boleto.codigo_barras import (
    codigo_barras_da_linha,
    decodificar,
    formatar_linha,
    linha_digitavel,
    montar_codigo_barras,
    valor_em_centavos,
)
from plugins.bank_profiles.boleto.erros import ErroBoleto

BARRAS = "34191377000000135001750025828170810536789000"
LINHA = "34191.75009 25828.170818 05367.890000 1 37700000013500"
LINHA_DIGITOS = LINHA.replace(".", "").replace(" ", "")


def test_boleto_barcode_from_parts():
    assert montar_codigo_barras("341", 3770, 13500, "1750025828170810536789000") == BARRAS


def test_boleto_linha_and_back():
    assert linha_digitavel(BARRAS) == LINHA_DIGITOS
    assert formatar_linha(LINHA_DIGITOS) == LINHA
    assert codigo_barras_da_linha(LINHA_DIGITOS) == BARRAS


def test_boleto_decode_linha_with_dots_and_spaces():
    lido = decodificar(LINHA, referencia=date(2008, 1, 15))
    assert lido.banco == "341"
    assert lido.moeda == "9"
    assert lido.valor == Decimal("135.00")
    assert lido.fator_vencimento == 3770
    assert lido.vencimento == date(2008, 2, 2)
    assert lido.campo_livre == "1750025828170810536789000"
    assert lido.codigo_barras == BARRAS
    assert lido.linha_formatada == LINHA


def test_boleto_decode_barcode():
    lido = decodificar(BARRAS, referencia=date(2008, 1, 15))
    assert lido.linha_digitavel == LINHA_DIGITOS
    assert lido.vencimento == date(2008, 2, 2)


def test_boleto_decode_needs_reference_for_factor_1001():
    # same linha, fator 1001: 2000-07-04 or 2025-02-23 depending on the reference date
    barras = montar_codigo_barras("341", 1001, 10000, "1750025828170810536789000")
    assert decodificar(barras, referencia=date(2000, 7, 1)).vencimento == date(2000, 7, 4)
    assert decodificar(barras, referencia=date(2025, 2, 1)).vencimento == date(2025, 2, 23)


def _troca(texto: str, indice: int) -> str:
    novo = str((int(texto[indice]) + 1) % 10)
    return texto[:indice] + novo + texto[indice + 1 :]


@pytest.mark.parametrize(
    "indice, mensagem",
    [
        (9, "Linha digitável: dígito verificador do campo 1 (posição 10) deveria ser 9, veio 0."),
        (20, "Linha digitável: dígito verificador do campo 2 (posição 21) deveria ser 8, veio 9."),
        (31, "Linha digitável: dígito verificador do campo 3 (posição 32) deveria ser 0, veio 1."),
        (32, "Linha digitável: dígito verificador geral (posição 33) deveria ser 1, veio 2."),
        (2, "Linha digitável: dígito verificador do campo 1 (posição 10)"),  # a bank digit typo
        (15, "Linha digitável: dígito verificador do campo 2 (posição 21)"),
        (40, "Linha digitável: dígito verificador geral (posição 33)"),  # a valor typo
    ],
)
def test_boleto_decode_wrong_digit_names_field_and_position(indice, mensagem):
    with pytest.raises(ErroBoleto) as erro:
        decodificar(_troca(LINHA_DIGITOS, indice), referencia=date(2008, 1, 15))
    assert mensagem in str(erro.value)


def test_boleto_decode_wrong_barcode_dv():
    with pytest.raises(ErroBoleto, match=r"Código de barras: dígito verificador geral \(posição 5\) deveria ser 1, veio 2"):
        decodificar(_troca(BARRAS, 4), referencia=date(2008, 1, 15))


def test_boleto_decode_wrong_currency():
    barras = BARRAS[:3] + "8" + BARRAS[4:]
    with pytest.raises(ErroBoleto, match=r"código da moeda \(posição 4\) deveria ser 9"):
        decodificar(barras, referencia=date(2008, 1, 15))


@pytest.mark.parametrize("texto", ["", "3419", LINHA_DIGITOS + "0", "3419X" + BARRAS[5:]])
def test_boleto_decode_wrong_length_or_characters(texto):
    with pytest.raises(ErroBoleto, match="linha digitável \\(47 dígitos\\) ou um código de barras \\(44 dígitos\\)"):
        decodificar(texto, referencia=date(2008, 1, 15))


def test_boleto_decode_factor_zero_has_no_due_date():
    lido = decodificar(montar_codigo_barras("341", 0, 100, "1" * 25), referencia=date(2026, 1, 1))
    assert lido.vencimento is None


def test_boleto_valor_limits():
    assert valor_em_centavos("99999999.99") == 9_999_999_999
    assert valor_em_centavos(Decimal("0.01")) == 1
    assert valor_em_centavos("1.234,56") == 123456
    with pytest.raises(ErroBoleto, match=r"acima do máximo que cabe no código de barras \(R\$ 99.999.999,99\)"):
        valor_em_centavos("100000000.00")
    with pytest.raises(ErroBoleto, match="não pode ser negativo"):
        valor_em_centavos("-1.00")
    with pytest.raises(ErroBoleto, match="mais de duas casas decimais"):
        valor_em_centavos("1,005")
    with pytest.raises(ErroBoleto, match="float"):
        valor_em_centavos(1.5)


def test_boleto_barcode_parts_are_checked():
    with pytest.raises(ErroBoleto, match="Campo livre do banco 341 deve ter 25 dígitos"):
        montar_codigo_barras("341", 1000, 1, "123")
    with pytest.raises(ErroBoleto, match="3 dígitos"):
        montar_codigo_barras("41", 1000, 1, "1" * 25)


def test_boleto_decode_as_dict_for_the_cli():
    assert decodificar(LINHA, referencia=date(2008, 1, 15)).as_dict() == {
        "banco": "341",
        "valor": "135.00",
        "fator_vencimento": "3770",
        "vencimento": "2008-02-02",
        "campo_livre": "1750025828170810536789000",
        "barcode": BARRAS,
        "linha_digitavel": LINHA,
    }


def test_boleto_decode_tells_arrecadacao_apart():
    with pytest.raises(ErroBoleto, match="guia de arrecadação"):
        decodificar("83640000001-1 33120138000-8 12345678901-2 34567890123-4", referencia=date(2026, 1, 1))


def _resto_independente(barras_sem_dv: str) -> int:
    pesos = [2, 3, 4, 5, 6, 7, 8, 9]
    return sum(int(d) * pesos[i % 8] for i, d in enumerate(reversed(barras_sem_dv))) % 11


def test_boleto_dv_geral_special_remainders_become_one():
    # walk the valor until the 43-digit sum leaves each special remainder (0, 1, 10) at least once
    vistos = {}
    for centavos in range(1, 400):
        barras = montar_codigo_barras("341", 3770, centavos, "1750025828170810536789000")
        resto = _resto_independente(barras[:4] + barras[5:])
        assert barras[4] == ("1" if resto in (0, 1, 10) else str(11 - resto))
        assert barras[4] != "0"
        vistos.setdefault(resto, barras)
    assert {0, 1, 10} <= set(vistos)
    for resto in (0, 1, 10):
        assert decodificar(vistos[resto], referencia=date(2008, 1, 1)).codigo_barras == vistos[resto]
