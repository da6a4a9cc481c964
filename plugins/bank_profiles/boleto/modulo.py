"""Módulo 10 and módulo 11 check digits, in the variants the banks use.

Every function takes a string of digits and returns the check digit as a one-character string
(some banks print a letter: Bradesco "P", Banco do Brasil "X").

- `modulo10`: weights 2,1,2,1… from the right, digits of each product summed,
  DV = (10 − soma mod 10) mod 10 (FEBRABAN linha digitável fields, Itaú DAC, Inter).
- `modulo11(numero, regra)`: weighted sum, then either DV = 11 − (soma mod 11) ("complemento")
  or DV = soma mod 11 ("resto"), and the bank's mapping of the special results (0, 10, 11)
  to a digit or letter. The `Regra11` constants below are the variants in use.
- `duplo_digito_banrisul`: Banrisul's "NC" (módulo 10 followed by módulo 11 with the
  adjustment of the first digit when the remainder is 1).

Sources: /work/shared/reference/banks.md §2.1, §2.2, §2.4 (brcobranca `calculo.rb`, bank
classes; laravel-boleto `Util::modulo11`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import cycle
from types import MappingProxyType
from typing import Mapping

from core.i18n import _

from .erros import ErroBoleto


def _so_digitos(numero: str) -> str:
    if not numero or not numero.isdigit():
        raise ErroBoleto(_("Cálculo de dígito verificador: esperava só dígitos, veio {numero!r}.").format(numero=numero))
    return numero


def soma_ponderada(numero: str, pesos: tuple[int, ...], *, da_direita: bool = True) -> int:
    """Σ dígito × peso, the weights cycling from the rightmost digit (or from the leftmost)."""
    digitos = _so_digitos(numero)
    ordem = reversed(digitos) if da_direita else iter(digitos)
    return sum(int(d) * p for d, p in zip(ordem, cycle(pesos)))


def modulo10(numero: str) -> str:
    """FEBRABAN módulo 10: weights 2,1,… from the right; products over 9 count their digits."""
    total = 0
    for posicao, d in enumerate(reversed(_so_digitos(numero))):
        produto = int(d) * (2 if posicao % 2 == 0 else 1)
        total += produto - 9 if produto > 9 else produto
    return str((10 - total % 10) % 10)


def _mapa(**kv: str) -> Mapping[int, str]:
    return MappingProxyType({int(k[1:]): v for k, v in kv.items()})


@dataclass(frozen=True)
class Regra11:
    """One módulo-11 variant: weights, direction, complement or remainder, special mapping."""

    nome: str
    pesos: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9)
    da_direita: bool = True
    complemento: bool = True  # DV = 11 − resto; False: DV = resto
    mapa: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))

    def calcular(self, numero: str) -> str:
        resto = soma_ponderada(numero, self.pesos, da_direita=self.da_direita) % 11
        valor = 11 - resto if self.complemento else resto
        return self.mapa.get(valor, str(valor))


# DV geral do código de barras (posição 5): 11 − resto; 0, 10 e 11 viram 1.
DV_GERAL = Regra11("dv_geral", mapa=_mapa(v0="1", v10="1", v11="1"))
# Santander, Caixa, Sicredi, Unicred (NN and campo livre DVs): 10 e 11 viram 0.
PADRAO_ZERO = Regra11("padrao_zero", mapa=_mapa(v10="0", v11="0"))
# Bradesco (and BTG): weights 2..7, 10 vira "P", 11 vira 0.
BRADESCO = Regra11("bradesco", pesos=(2, 3, 4, 5, 6, 7), mapa=_mapa(v10="P", v11="0"))
# Banco do Brasil: weights 9..2 from the right, DV = resto, 10 vira "X".
BANCO_DO_BRASIL = Regra11("banco_do_brasil", pesos=(9, 8, 7, 6, 5, 4, 3, 2), complemento=False, mapa=_mapa(v10="X"))
# Sicoob: constant 3197 from the LEFT, 11 − resto; 10 e 11 viram 0.
SICOOB = Regra11("sicoob", pesos=(3, 1, 9, 7), da_direita=False, mapa=_mapa(v10="0", v11="0"))


def modulo11(numero: str, regra: Regra11 = PADRAO_ZERO) -> str:
    return regra.calcular(numero)


def duplo_digito_banrisul(numero: str) -> str:
    """Banrisul "NC": módulo 10, then módulo 11 (weights 2..7) over number + first digit.

    Remainder 1 is invalid: the first digit is incremented (9 → 0) and the second recomputed.
    A remainder 0 gives 0, otherwise the second digit is 11 − remainder.
    """
    primeiro = int(modulo10(numero))
    while True:
        resto = soma_ponderada(f"{numero}{primeiro}", (2, 3, 4, 5, 6, 7)) % 11
        if resto != 1:
            break
        primeiro = (primeiro + 1) % 10
    segundo = 0 if resto == 0 else 11 - resto
    return f"{primeiro}{segundo}"
