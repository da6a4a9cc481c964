"""Valor por extenso (pt-BR) for receipts and cheques: `money_in_words(Decimal("1234.56"))` ⇒
"mil duzentos e trinta e quatro reais e cinquenta e seis centavos".

Rules (norma culta): "cem" alone, "cento e …" otherwise; "mil" without "um"; "e" joins hundreds,
tens and units, and joins a group to the previous one when it is below 100 or a whole hundred
("mil e cem", "dois mil e cinquenta", "mil duzentos e trinta"); "um milhão de reais" when only
whole millions/billions precede the currency.
"""

from __future__ import annotations

from decimal import Decimal

from core.money import round_money

_UNITS = ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze",
          "doze", "treze", "quatorze", "quinze", "dezesseis", "dezessete", "dezoito", "dezenove")
_TENS = ("", "", "vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa")
_HUNDREDS = ("", "cento", "duzentos", "trezentos", "quatrocentos", "quinhentos", "seiscentos", "setecentos",
             "oitocentos", "novecentos")
_SCALES = (("", ""), ("mil", "mil"), ("milhão", "milhões"), ("bilhão", "bilhões"), ("trilhão", "trilhões"))


def _below_thousand(n: int) -> str:
    if n == 100:
        return "cem"
    parts = []
    if n >= 100:
        parts.append(_HUNDREDS[n // 100])
        n %= 100
    if n >= 20:
        parts.append(_TENS[n // 10])
        n %= 10
    if n:
        parts.append(_UNITS[n])
    return " e ".join(parts)


def number_in_words(n: int) -> str:
    """A whole number 0 ≤ n < 10¹⁵ in words: 2021 ⇒ "dois mil e vinte e um"."""
    if n < 0 or n >= 10 ** 15:
        raise ValueError(f"número fora do intervalo para extenso: {n}")
    if n == 0:
        return "zero"
    groups = []
    scale = 0
    while n:
        n, g = divmod(n, 1000)
        if g:
            groups.append((scale, g))
        scale += 1
    groups.reverse()
    out = ""
    for i, (scale, g) in enumerate(groups):
        words = "mil" if scale == 1 and g == 1 else _below_thousand(g)
        if scale >= 2:
            words += " " + _SCALES[scale][0 if g == 1 else 1]
        elif scale == 1 and g != 1:
            words += " mil"
        if i == 0:
            out = words
        else:
            last = i == len(groups) - 1
            joined = last and (g < 100 or g % 100 == 0)
            out += (" e " if joined else " ") + words
    return out


def money_in_words(value: Decimal | int) -> str:
    """R$ in words: Decimal("90.00") ⇒ "noventa reais"; Decimal("0.50") ⇒ "cinquenta centavos";
    Decimal("1000000") ⇒ "um milhão de reais". Negative values are refused (ValueError)."""
    d = round_money(value)
    if d < 0:
        raise ValueError(f"valor negativo não tem extenso de recibo: {d}")
    reais, cents = int(d), int((d - int(d)) * 100)
    parts = []
    if reais:
        text = number_in_words(reais)
        currency = "real" if reais == 1 else "reais"
        if reais >= 1_000_000 and reais % 1_000_000 == 0:
            currency = "de " + currency
        parts.append(f"{text} {currency}")
    if cents:
        parts.append(f"{number_in_words(cents)} {'centavo' if cents == 1 else 'centavos'}")
    return " e ".join(parts) if parts else "zero reais"
