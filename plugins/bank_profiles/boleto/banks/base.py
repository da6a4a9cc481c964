"""The data a bank's boleto needs, and the one engine that turns it into a campo livre.

A bank is a `PerfilBoleto`: its fields (Portuguese names, zero-padded widths, defaults), how its
nosso número check digit is computed, a few derived values, and its campo livre written as a
template of tokens:

- a field or derived name (``"agencia"``, ``"dv"``), optionally sliced: ``"nn17[2:5]"``;
- a run of digits is a literal (``"0"``, ``"000"``, ``"40"``);
- `dv_campo_livre`, when set, is appended (Caixa, Sicredi, Banrisul, Itaú special carteiras).

Banks whose layout depends on the data (Banco do Brasil by convênio length, Itaú by carteira)
give a `variante` function that picks the right profile from the raw input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from core.i18n import _

from ..erros import ErroBoleto

Valores = Mapping[str, str]

_TOKEN = re.compile(r"^(?P<nome>[a-z_0-9]+?)(?:\[(?P<ini>\d*):(?P<fim>\d*)\])?$")


@dataclass(frozen=True, eq=False)
class PerfilBoleto:
    codigo: str  # COMPE, 3 digits
    nome: str
    campos: Mapping[str, int]  # name → width (zero-padded digits)
    nosso_numero_dv: Callable[[Valores], str]
    campo_livre: tuple[str, ...]
    formato_nosso_numero: str = "{nosso_numero}-{dv}"
    padroes: Mapping[str, str] = field(default_factory=dict)
    derivados: Callable[[Valores], Mapping[str, str]] | None = None
    dv_campo_livre: Callable[[str], str] | None = None
    conversores: Mapping[str, Callable[[object], str]] = field(default_factory=dict)
    validar: Callable[[Valores], None] | None = None
    variante: Callable[[Mapping[str, object]], "PerfilBoleto"] | None = None
    observacao: str = ""

    @property
    def rotulo(self) -> str:
        return f"{self.codigo} ({self.nome})"


@dataclass(frozen=True)
class NossoNumero:
    perfil: PerfilBoleto  # the resolved variant
    valores: Mapping[str, str]  # every field, padded, plus the derived values and "dv"
    dv: str
    formatado: str


def normalizar(perfil: PerfilBoleto, dados: Mapping[str, object]) -> dict[str, str]:
    """Check and zero-pad the fields the bank needs; pt-BR errors name field and bank."""
    valores: dict[str, str] = {}
    for nome, largura in perfil.campos.items():
        bruto = dados.get(nome)
        if bruto is None or str(bruto).strip() == "":
            bruto = perfil.padroes.get(nome)
        if bruto is None:
            raise ErroBoleto(
                _("Banco {banco}: campo obrigatório '{campo}' não informado.").format(banco=perfil.rotulo, campo=nome)
            )
        texto = perfil.conversores[nome](bruto) if nome in perfil.conversores else str(bruto).strip()
        if not texto.isdigit():
            raise ErroBoleto(
                _("Banco {banco}: campo '{campo}' aceita só dígitos (veio {valor!r}).").format(
                    banco=perfil.rotulo, campo=nome, valor=bruto
                )
            )
        sem_zeros = texto.lstrip("0") or "0"
        if len(sem_zeros) > largura:
            raise ErroBoleto(
                _("Banco {banco}: campo '{campo}' aceita no máximo {largura} dígitos (veio {valor!r}).").format(
                    banco=perfil.rotulo, campo=nome, largura=largura, valor=bruto
                )
            )
        valores[nome] = sem_zeros.zfill(largura)
    if perfil.validar:
        perfil.validar(valores)
    return valores


def resolver(perfil: PerfilBoleto, dados: Mapping[str, object]) -> PerfilBoleto:
    while perfil.variante is not None:
        perfil = perfil.variante(dados)
    return perfil


def calcular_nosso_numero(perfil: PerfilBoleto, dados: Mapping[str, object]) -> NossoNumero:
    perfil = resolver(perfil, dados)
    valores = normalizar(perfil, dados)
    if perfil.derivados:
        valores.update(perfil.derivados(valores))
    dv = perfil.nosso_numero_dv(valores)
    valores["dv"] = dv
    return NossoNumero(perfil=perfil, valores=valores, dv=dv, formatado=perfil.formato_nosso_numero.format(**valores))


def montar_campo_livre(perfil: PerfilBoleto, valores: Valores) -> str:
    partes = []
    for token in perfil.campo_livre:
        if token.isdigit():
            partes.append(token)
            continue
        achado = _TOKEN.match(token)
        if not achado or achado["nome"] not in valores:
            raise KeyError(f"campo livre de {perfil.rotulo}: token desconhecido {token!r}")
        texto = valores[achado["nome"]]
        if achado["ini"] is not None:
            ini = int(achado["ini"]) if achado["ini"] else None
            fim = int(achado["fim"]) if achado["fim"] else None
            texto = texto[ini:fim]
        partes.append(texto)
    campo = "".join(partes)
    if perfil.dv_campo_livre:
        campo += perfil.dv_campo_livre(campo)
    if len(campo) != 25 or not campo.isdigit():
        raise ErroBoleto(
            _("Banco {banco}: campo livre montado com {n} posições ({campo!r}); deveriam ser 25 dígitos.").format(
                banco=perfil.rotulo, n=len(campo), campo=campo
            )
        )
    return campo


def exigir(condicao: bool, mensagem: str) -> None:
    if not condicao:
        raise ErroBoleto(mensagem)


def so_carteiras(permitidas: frozenset[str], motivo: Callable[[], str]) -> Callable[[Valores], None]:
    """A `validar` refusing any carteira outside `permitidas`; the message is motivo() + the carteira."""

    def validar(valores: Valores) -> None:
        exigir(valores["carteira"] in permitidas, _("{motivo} (veio {c}).").format(motivo=motivo(), c=valores["carteira"]))

    return validar
