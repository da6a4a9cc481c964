"""FEBRABAN barcode (44 digits) and linha digitável (47 digits), both ways.

Barcode (/work/shared/reference/banks.md §2.1):

    pos 1-3 banco | 4 moeda (9 = Real) | 5 DV geral | 6-9 fator | 10-19 valor em centavos | 20-44 campo livre

DV geral: módulo 11, weights 2..9 from the right over the other 43 digits, 11 − resto, with 0, 10
and 11 becoming 1.

Linha digitável (§2.2): ``AAABC.CCCCX DDDDD.DDDDDY EEEEE.EEEEEZ K UUUUVVVVVVVVVV`` — field 1 is
banco+moeda+campo livre 1-5 plus a módulo-10 DV, field 2 campo livre 6-15 + DV, field 3 campo
livre 16-25 + DV, field 4 the DV geral, field 5 fator + valor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.i18n import _
from core.money import from_cents, parse_money, to_cents

from .erros import ErroBoleto
from .fator import vencimento_do_fator
from .modulo import DV_GERAL, modulo10, modulo11

VALOR_MAXIMO = Decimal("99999999.99")  # 10 digits of centavos


def valor_em_centavos(valor: Decimal | int | str) -> int:
    """Valor for the barcode (10 digits of centavos); values over R$ 99.999.999,99 are refused."""
    try:
        quantia = parse_money(valor, field="valor")
    except (TypeError, ValueError) as exc:
        raise ErroBoleto(str(exc)) from exc
    if quantia < 0:
        raise ErroBoleto(_("Valor do boleto não pode ser negativo (veio {valor}).").format(valor=quantia))
    if quantia > VALOR_MAXIMO:
        raise ErroBoleto(
            _(
                "Valor do boleto R$ {valor} acima do máximo que cabe no código de barras "
                "(R$ 99.999.999,99): divida a cobrança."
            ).format(valor=quantia)
        )
    return to_cents(quantia)


def dv_geral(barras_sem_dv: str) -> str:
    """DV geral over the 43 digits (barcode without position 5)."""
    return modulo11(barras_sem_dv, DV_GERAL)


def montar_codigo_barras(banco: str, fator: int, valor_centavos: int, campo_livre: str) -> str:
    """The 44-digit barcode from its parts (currency is always 9, Real)."""
    if not (len(banco) == 3 and banco.isdigit()):
        raise ErroBoleto(_("Código do banco deve ter 3 dígitos (veio {banco!r}).").format(banco=banco))
    if not (len(campo_livre) == 25 and campo_livre.isdigit()):
        raise ErroBoleto(
            _("Campo livre do banco {banco} deve ter 25 dígitos (veio {n}: {campo!r}).").format(
                banco=banco, n=len(campo_livre), campo=campo_livre
            )
        )
    if not 0 <= fator <= 9999:
        raise ErroBoleto(_("Fator de vencimento {fator} fora de 0000-9999.").format(fator=fator))
    if not 0 <= valor_centavos <= 9_999_999_999:
        raise ErroBoleto(_("Valor em centavos {valor} não cabe em 10 dígitos.").format(valor=valor_centavos))
    sem_dv = f"{banco}9{fator:04d}{valor_centavos:010d}{campo_livre}"
    return sem_dv[:4] + dv_geral(sem_dv) + sem_dv[4:]


def _campos_da_linha(barras: str) -> tuple[str, str, str, str, str]:
    c1 = barras[0:4] + barras[19:24]
    c2 = barras[24:34]
    c3 = barras[34:44]
    return c1 + modulo10(c1), c2 + modulo10(c2), c3 + modulo10(c3), barras[4], barras[5:19]


def linha_digitavel(barras: str) -> str:
    """47-digit linha digitável (digits only) for a 44-digit barcode."""
    return "".join(_campos_da_linha(barras))


def formatar_linha(linha: str) -> str:
    """"34191750091234567840810536789000137700000013500" → "34191.75009 12345.678408 …"."""
    return (
        f"{linha[0:5]}.{linha[5:10]} {linha[10:15]}.{linha[15:21]} "
        f"{linha[21:26]}.{linha[26:32]} {linha[32]} {linha[33:47]}"
    )


def codigo_barras_da_linha(linha: str) -> str:
    """Inverse of `linha_digitavel` (no check: see `decodificar`)."""
    return linha[0:4] + linha[32] + linha[33:47] + linha[4:9] + linha[10:20] + linha[21:31]


@dataclass(frozen=True)
class Boleto:
    """What a barcode says: the result of `decodificar`, and the base of `calculo.BoletoCalculado`."""

    banco: str
    valor: Decimal
    fator_vencimento: int
    vencimento: date | None
    campo_livre: str
    codigo_barras: str
    linha_digitavel: str  # 47 digits

    @property
    def moeda(self) -> str:
        return self.codigo_barras[3]

    @property
    def linha_formatada(self) -> str:
        return formatar_linha(self.linha_digitavel)

    def as_dict(self) -> dict:
        """The shape `quita boleto decode --json` prints."""
        return {
            "banco": self.banco,
            "valor": str(self.valor),
            "fator_vencimento": f"{self.fator_vencimento:04d}",
            "vencimento": self.vencimento.isoformat() if self.vencimento else None,
            "campo_livre": self.campo_livre,
            "barcode": self.codigo_barras,
            "linha_digitavel": self.linha_formatada,
        }


def _erro_dv(origem: str, campo: str, posicao: int, esperado: str, veio: str) -> ErroBoleto:
    return ErroBoleto(
        _("{origem}: dígito verificador {campo} (posição {posicao}) deveria ser {esperado}, veio {veio}.").format(
            origem=origem, campo=campo, posicao=posicao, esperado=esperado, veio=veio
        )
    )


def _conferir_linha(linha: str) -> None:
    for numero, (inicio, fim) in enumerate(((0, 9), (10, 20), (21, 31)), start=1):
        esperado = modulo10(linha[inicio:fim])
        if linha[fim] != esperado:
            raise _erro_dv(_("Linha digitável"), _("do campo {n}").format(n=numero), fim + 1, esperado, linha[fim])


def _conferir_barras(barras: str, origem: str, posicao_dv: int) -> None:
    if barras[3] != "9":
        raise ErroBoleto(
            _("{origem}: código da moeda (posição 4) deveria ser 9 (Real), veio {veio}.").format(
                origem=origem, veio=barras[3]
            )
        )
    esperado = dv_geral(barras[:4] + barras[5:])
    if barras[4] != esperado:
        raise _erro_dv(origem, _("geral"), posicao_dv, esperado, barras[4])


def decodificar(texto: str, referencia: date) -> Boleto:
    """Read a linha digitável (47 digits, dots/spaces allowed) or a barcode (44 digits).

    Every check digit is verified; a wrong one raises ErroBoleto naming the field and its
    position. The due date is decoded inside FEBRABAN's window around `referencia`.
    """
    digitos = re.sub(r"[\s.\-]", "", texto or "")
    if digitos.isdigit() and len(digitos) == 48 and digitos[0] == "8":
        raise ErroBoleto(
            _("Linha de 48 dígitos começando por 8 é guia de arrecadação (concessionária/tributo), não boleto de cobrança.")
        )
    if not digitos.isdigit() or len(digitos) not in (44, 47):
        raise ErroBoleto(
            _(
                "Esperava uma linha digitável (47 dígitos) ou um código de barras (44 dígitos); "
                "veio {n} caracteres: {texto!r}."
            ).format(n=len(digitos), texto=texto)
        )
    if len(digitos) == 47:
        _conferir_linha(digitos)
        barras = codigo_barras_da_linha(digitos)
        _conferir_barras(barras, _("Linha digitável"), 33)
        linha = digitos
    else:
        barras = digitos
        _conferir_barras(barras, _("Código de barras"), 5)
        linha = linha_digitavel(barras)
    fator = int(barras[5:9])
    return Boleto(
        banco=barras[0:3],
        fator_vencimento=fator,
        vencimento=vencimento_do_fator(fator, referencia),
        valor=from_cents(int(barras[9:19])),
        campo_livre=barras[19:44],
        codigo_barras=barras,
        linha_digitavel=linha,
    )
