"""Chave de acesso da NFCom (MOC 1.00a §2.1.3; fiscal.md §2).

44 posições: cUF (2) + AAMM da emissão (4) + CNPJ do emitente (14) + modelo "62" (2) + série (3) +
nNF (9) + tpEmis (1) + nSiteAutoriz (1) + cNF (7) + cDV (1). O `Id` do `infNFCom` é "NFCom" + chave.

O DV é o módulo 11 com pesos 2..9 da direita para a esquerda (resto 0 ou 1 ⇒ DV 0). O CNPJ pode ser
alfanumérico (NT 2025.001, padrão `[A-Z0-9]{12}[0-9]{2}` do XSD): cada caractere vale `ord(c) - 48`,
a mesma regra do DV do CNPJ (`core.br.documents`), e os dígitos continuam valendo o próprio número.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from core.br.documents import is_valid_cnpj
from core.br.ibge import UF_CODES
from core.i18n import _

MODELO = "62"
_SHAPE = re.compile(r"^[0-9]{6}[A-Z0-9]{12}[0-9]{26}$")


class ChaveError(ValueError):
    """Chave de acesso inválida; a mensagem (pt-BR) diz qual parte."""


def digito_verificador(chave43: str) -> int:
    """DV módulo 11 (pesos 2..9 da direita para a esquerda) das 43 primeiras posições."""
    if len(chave43) != 43:
        raise ChaveError(_("a chave sem o DV deve ter 43 posições (tem {n})").format(n=len(chave43)))
    total, peso = 0, 2
    for ch in reversed(chave43):
        total += (ord(ch) - 48) * peso
        peso = 2 if peso == 9 else peso + 1
    resto = total % 11
    return 0 if resto < 2 else 11 - resto


def codigo_numerico() -> str:
    """cNF: 7 dígitos aleatórios (o manual pede um código que impeça acesso indevido)."""
    return f"{secrets.randbelow(10_000_000):07d}"


@dataclass(frozen=True)
class ChaveAcesso:
    cuf: str
    aamm: str
    cnpj: str
    serie: int
    numero: int
    tp_emis: int
    site_autorizador: int
    codigo: str  # cNF
    dv: int

    @property
    def texto(self) -> str:
        return (f"{self.cuf}{self.aamm}{self.cnpj}{MODELO}{self.serie:03d}{self.numero:09d}"
                f"{self.tp_emis}{self.site_autorizador}{self.codigo}{self.dv}")

    @property
    def id_nfcom(self) -> str:
        """Valor do atributo `Id` do `infNFCom`."""
        return "NFCom" + self.texto

    def __str__(self) -> str:
        return self.texto


def montar_chave(*, cuf: str | int, aamm: str, cnpj: str, serie: int, numero: int, tp_emis: int = 1,
                 site_autorizador: int = 0, codigo: str | None = None) -> ChaveAcesso:
    """Monta a chave conferindo cada parte; `codigo` (cNF) aleatório quando não informado."""
    cuf = f"{int(cuf):02d}"
    if int(cuf) not in UF_CODES.values():
        raise ChaveError(_("código de UF {c} inexistente na tabela do IBGE").format(c=cuf))
    if not re.fullmatch(r"\d{2}(0[1-9]|1[0-2])", aamm or ""):
        raise ChaveError(_("AAMM da emissão inválido: {v}").format(v=aamm))
    cnpj = (cnpj or "").upper()
    if not is_valid_cnpj(cnpj) or len(cnpj) != 14:
        raise ChaveError(_("CNPJ do emitente inválido: {v}").format(v=cnpj))
    if not 0 <= serie <= 999:
        raise ChaveError(_("série {s} fora de 0 a 999").format(s=serie))
    if not 1 <= numero <= 999_999_999:
        raise ChaveError(_("número {n} fora de 1 a 999.999.999").format(n=numero))
    if tp_emis not in (1, 2):
        raise ChaveError(_("tipo de emissão {t} inválido: 1 normal ou 2 contingência").format(t=tp_emis))
    if not 0 <= site_autorizador <= 9:
        raise ChaveError(_("site do autorizador {s} fora de 0 a 9").format(s=site_autorizador))
    codigo = codigo if codigo is not None else codigo_numerico()
    if not re.fullmatch(r"\d{7}", codigo):
        raise ChaveError(_("código numérico (cNF) deve ter 7 dígitos: {v}").format(v=codigo))
    sem_dv = f"{cuf}{aamm}{cnpj}{MODELO}{serie:03d}{numero:09d}{tp_emis}{site_autorizador}{codigo}"
    return ChaveAcesso(cuf, aamm, cnpj, serie, numero, tp_emis, site_autorizador, codigo,
                       digito_verificador(sem_dv))


def ler_chave(texto: str) -> ChaveAcesso:
    """Lê e confere uma chave (aceita o prefixo "NFCom" e espaços); `ChaveError` diz o que falhou."""
    chave = re.sub(r"\s", "", texto or "").upper()
    if chave.startswith("NFCOM"):
        chave = chave[5:]
    if len(chave) != 44:
        raise ChaveError(_("a chave de acesso deve ter 44 posições (tem {n})").format(n=len(chave)))
    if not _SHAPE.match(chave):
        raise ChaveError(_("chave de acesso com caracteres inválidos: {c}").format(c=chave))
    if chave[20:22] != MODELO:
        raise ChaveError(_("modelo {m} na chave; a NFCom é o modelo 62").format(m=chave[20:22]))
    dv = digito_verificador(chave[:43])
    if dv != int(chave[43]):
        raise ChaveError(_("dígito verificador da chave não confere: informado {i}, calculado {c}")
                         .format(i=chave[43], c=dv))
    montada = montar_chave(cuf=chave[:2], aamm=chave[2:6], cnpj=chave[6:20], serie=int(chave[22:25]),
                           numero=int(chave[25:34]), tp_emis=int(chave[34]),
                           site_autorizador=int(chave[35]), codigo=chave[36:43])
    return montada


def chave_valida(texto: str) -> bool:
    try:
        ler_chave(texto)
    except ChaveError:
        return False
    return True
