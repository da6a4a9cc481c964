"""Ailos (085, Sistema de Cooperativas de Crédito — cooperativas Viacredi, Acredicoop…) for Quita.

Only data: the boleto as a `PerfilBoleto` and a folder of CNAB spec files. Quita finds this module
through the entry point `ailos` of the group `quita.banks` (see pyproject.toml).

Boleto (brcobranca `lib/brcobranca/boleto/ailos.rb`, vectors in `spec/brcobranca/boleto/ailos_spec.rb`):
campo livre = convênio(6) + conta corrente(7) + DV da conta(1) + nosso número(9) + carteira(2).
The DV of the conta is módulo 11 with weights 9..2 from the right, DV = the remainder, 10 → 0; the
nosso número printed on the boleto is conta + DV + sequencial (17 digits) — Ailos has no separate
DV for the sequence, so Quita's "nosso_numero_dv" is the conta's DV.
"""

from pathlib import Path

from plugins.bank_profiles.boleto.banks.base import PerfilBoleto
from plugins.bank_profiles.boleto.modulo import Regra11, modulo11

# Módulo 11, weights 9..2 from the right, DV = resto (not 11 − resto), 10 → 0.
DV_CONTA_AILOS = Regra11("ailos_conta", pesos=(9, 8, 7, 6, 5, 4, 3, 2), complemento=False, mapa={10: "0"})

AILOS = PerfilBoleto(
    codigo="085",
    nome="Ailos",
    campos={"convenio": 6, "conta": 7, "carteira": 2, "nosso_numero": 9},
    padroes={"carteira": "01"},
    nosso_numero_dv=lambda v: modulo11(v["conta"], DV_CONTA_AILOS),
    campo_livre=("convenio", "conta", "dv", "nosso_numero", "carteira"),
    formato_nosso_numero="{conta}{dv}{nosso_numero}",
    observacao="Pacote quita-bank-example (entry point quita.banks: ailos).",
)

BOLETOS = (AILOS,)
CNAB_SPECS = Path(__file__).parent / "specs"
