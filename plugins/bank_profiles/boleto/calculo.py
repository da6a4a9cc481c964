"""Compute a boleto from a bank code and the bank's fields (Portuguese names as in the issue:
``agencia, conta, carteira, convenio, codigo_beneficiario, modalidade, posto, byte_idt, emissao,
nosso_numero, parcela``…), its valor and its vencimento.

This is what `quita boleto compute` prints: barcode, linha digitável, nosso número DV, fator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Mapping

from core.money import from_cents

from .banks import perfil as perfil_do_banco
from .banks.base import NossoNumero, calcular_nosso_numero, montar_campo_livre
from .codigo_barras import Boleto, linha_digitavel, montar_codigo_barras, valor_em_centavos
from .fator import fator_vencimento


@dataclass(frozen=True)
class BoletoCalculado(Boleto):
    nosso_numero: str  # the bank's nosso número field, zero-padded, without DV
    nosso_numero_dv: str
    nosso_numero_formatado: str  # as printed on the boleto

    def as_dict(self) -> dict:
        """`quita boleto compute --json`: barcode, linha_digitavel, nosso_numero_dv, fator_vencimento …"""
        return super().as_dict() | {"nosso_numero_dv": self.nosso_numero_dv, "nosso_numero": self.nosso_numero_formatado}


def calcular_boleto(
    banco: str | int, dados: Mapping[str, object], *, valor: Decimal | int | str, vencimento: date
) -> BoletoCalculado:
    centavos = valor_em_centavos(valor)
    fator = fator_vencimento(vencimento)
    nn = calcular_nosso_numero(perfil_do_banco(banco), dados)
    campo_livre = montar_campo_livre(nn.perfil, nn.valores)
    barras = montar_codigo_barras(nn.perfil.codigo, fator, centavos, campo_livre)
    return BoletoCalculado(
        banco=nn.perfil.codigo,
        valor=from_cents(centavos),
        vencimento=vencimento,
        fator_vencimento=fator,
        nosso_numero=nn.valores["nosso_numero"],
        nosso_numero_dv=nn.dv,
        nosso_numero_formatado=nn.formatado,
        campo_livre=campo_livre,
        codigo_barras=barras,
        linha_digitavel=linha_digitavel(barras),
    )


def nosso_numero(banco: str | int, dados: Mapping[str, object]) -> NossoNumero:
    """Only the nosso número (padded fields, DV, printed form) — what a remessa writer needs."""
    return calcular_nosso_numero(perfil_do_banco(banco), dados)
