"""Field values ⇄ fixed-width text: implied decimals, never float nor negative, transliteration,
dates, and `Raw` keeping undecodable text for a byte-exact rewrite."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from plugins.fiscal_nf2122.conv115.layout import load_layout
from plugins.fiscal_nf2122.conv115.values import FieldValueError, Raw, ascii_text, decode, encode

MESTRE = load_layout("conv115_2017").record("M")
ITEM = load_layout("conv115_2017").record("I")


def test_money_and_quantities_with_implied_decimals():
    total, qtd, tarifa = MESTRE.field("valor_total"), ITEM.field("qtd_faturada"), ITEM.field("tarifa")
    assert encode(total, Decimal("1234.5")) == "000000123450" and decode(total, "000000123450") == (Decimal("1234.50"), None)
    assert encode(qtd, Decimal("14.648")) == "000000014648" and encode(tarifa, Decimal("0.123456")) == "00000123456"
    for bad, message in ((Decimal("1.234"), "mais de 2 casas"), (Decimal("-1"), "negativo"), (1.5, "float"),
                         (Decimal("10000000000"), "13 dígitos")):
        with pytest.raises(FieldValueError, match=message):
            encode(total, bad)


def test_text_is_transliterated_or_kept_in_latin1():
    assert ascii_text("Ação Nº 5 — São João d’Água") == "Acao No 5 - Sao Joao d'Agua"
    name = MESTRE.field("razao_social")
    assert encode(name, "Conceição") == "Conceicao".ljust(35)
    assert encode(name, "Conceição", transliterate=False) == "Conceição".ljust(35)
    assert encode(name, "x" * 40) == "x" * 35  # free text cut to the width


def test_dates_zeros_and_invalid_text():
    day = MESTRE.field("data_emissao")
    assert encode(day, date(2026, 11, 5)) == "20261105" and encode(day, None) == "00000000"
    assert decode(day, "00000000") == (None, None)
    value, problem = decode(day, "20261341")
    assert isinstance(value, Raw) and "inválida" in problem and encode(day, value) == "20261341"
    value, problem = decode(MESTRE.field("numero"), "00000 001")
    assert isinstance(value, Raw) and "campo numérico" in problem
