"""PIX BR Code ("Pix Copia e Cola", EMV® QRCPS-MPM), static and dynamic, and its reader.

TLV fields: ID(2) + length(2, decimal) + value (/work/shared/reference/banks.md §2.5; BCB
*Manual de Padrões para Iniciação do Pix*):

    00 "01"                       payload format
    01 "12"                       point of initiation: single use (dynamic; static only on request)
    26 merchant account           00 "br.gov.bcb.pix", 01 key (static) or 25 location (dynamic),
                                  02 free text (static only)
    52 "0000"  53 "986"           MCC, currency (BRL)
    54 amount                     optional, "123.45" (no thousands separator)
    58 "BR"  59 name (≤ 25)  60 city (≤ 15)
    62 additional data            05 txid: ≤ 25 letters/digits, "***" when there is none
    63 CRC                        CRC-16/CCITT-FALSE over everything up to and including "6304",
                                  always 4 uppercase hex digits

Texts are reduced to ASCII (accents dropped: "São Paulo" → "Sao Paulo") before lengths are
counted, as every reader counts bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from core.br.documents import is_valid_cnpj, is_valid_cpf
from core.i18n import _
from core.money import parse_money

from .erros import ErroPix

GUI = "br.gov.bcb.pix"
TXID_AUSENTE = "***"

_TXID = re.compile(r"^[A-Za-z0-9]{1,25}$")
_EVP = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEFONE = re.compile(r"^\+[1-9]\d{10,13}$")


def crc16_ccitt_false(texto: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), 4 uppercase hex."""
    crc = 0xFFFF
    for byte in texto.encode("utf-8"):
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def sem_acentos(texto: str) -> str:
    """Drop accents and anything outside printable ASCII; collapse blanks."""
    decomposto = unicodedata.normalize("NFKD", texto)
    ascii_ = "".join(c for c in decomposto if not unicodedata.combining(c) and 32 <= ord(c) < 127)
    return " ".join(ascii_.split())


def _tlv(ident: str, valor: str) -> str:
    if len(valor) > 99:
        raise ErroPix(_("BR Code: campo {id} com {n} caracteres; o máximo é 99.").format(id=ident, n=len(valor)))
    return f"{ident}{len(valor):02d}{valor}"


def _texto(valor: str | None, campo: str, maximo: int, *, obrigatorio: bool = True) -> str:
    limpo = sem_acentos(valor or "")
    if not limpo:
        if obrigatorio:
            raise ErroPix(_("PIX: {campo} é obrigatório.").format(campo=campo))
        return ""
    if len(limpo) > maximo:
        raise ErroPix(
            _("PIX: {campo} aceita no máximo {maximo} caracteres (veio {n}: {valor!r}).").format(
                campo=campo, maximo=maximo, n=len(limpo), valor=limpo
            )
        )
    return limpo


def validar_chave(chave: str) -> str:
    """Key as it goes in the payload: CPF/CNPJ (digits), e-mail, +55 phone or random key (EVP)."""
    bruta = (chave or "").strip()
    if _EVP.match(bruta):
        return bruta.lower()
    if _EMAIL.match(bruta) and len(bruta) <= 77:
        return bruta.lower()
    if _TELEFONE.match(bruta):
        return bruta
    digitos = re.sub(r"[.\-/]", "", bruta).upper()  # CNPJ may be alphanumeric (2026 rule)
    if (len(digitos) == 11 and is_valid_cpf(digitos)) or (len(digitos) == 14 and is_valid_cnpj(digitos)):
        return digitos
    raise ErroPix(
        _(
            "PIX: chave {chave!r} inválida; use CPF ou CNPJ (com dígitos verificadores válidos), e-mail, telefone no formato "
            "+5511999998888 ou chave aleatória (UUID)."
        ).format(chave=chave)
    )


def _txid(txid: str | None) -> str:
    if txid is None or txid == "" or txid == TXID_AUSENTE:
        return TXID_AUSENTE
    if not _TXID.match(txid):
        raise ErroPix(
            _("PIX: txid {txid!r} inválido; use de 1 a 25 letras ou dígitos, sem espaços nem símbolos.").format(txid=txid)
        )
    return txid


def _valor(valor: Decimal | int | str | None) -> str:
    if valor is None or valor == "":
        return ""
    try:
        quantia = parse_money(valor, field="valor")
    except (TypeError, ValueError) as exc:
        raise ErroPix(str(exc)) from exc
    if quantia <= 0:
        raise ErroPix(_("PIX: valor deve ser maior que zero (veio {valor}).").format(valor=quantia))
    texto = f"{quantia:.2f}"
    if len(texto) > 13:
        raise ErroPix(_("PIX: valor {valor} não cabe nos 13 caracteres do campo 54.").format(valor=texto))
    return texto


def _montar(conta: str, nome: str, cidade: str, valor: str, txid: str, unico: bool) -> str:
    corpo = _tlv("00", "01")
    if unico:
        corpo += _tlv("01", "12")
    corpo += _tlv("26", conta) + _tlv("52", "0000") + _tlv("53", "986")
    if valor:
        corpo += _tlv("54", valor)
    corpo += _tlv("58", "BR")
    corpo += _tlv("59", _texto(nome, _("nome do recebedor"), 25))
    corpo += _tlv("60", _texto(cidade, _("cidade do recebedor"), 15))
    corpo += _tlv("62", _tlv("05", txid)) + "6304"
    return corpo + crc16_ccitt_false(corpo)


def brcode_estatico(
    chave: str,
    nome: str,
    cidade: str,
    *,
    valor: Decimal | int | str | None = None,
    txid: str | None = None,
    descricao: str | None = None,
    unico: bool = False,
) -> str:
    """Static BR Code (key in 26-01). `unico` adds 01=12 (the payer's app refuses a second payment)."""
    conta = _tlv("00", GUI) + _tlv("01", validar_chave(chave))
    texto = _texto(descricao, _("descrição"), 72, obrigatorio=False)
    if texto:
        conta += _tlv("02", texto)
    if len(conta) > 99:
        raise ErroPix(
            _("PIX: chave e descrição juntas ocupam {n} caracteres no campo 26; o máximo é 99 — encurte a descrição.").format(
                n=len(conta)
            )
        )
    return _montar(conta, nome, cidade, _valor(valor), _txid(txid), unico)


def brcode_dinamico(url: str, nome: str, cidade: str, *, txid: str | None = None) -> str:
    """Dynamic BR Code: the PSP's location URL (scheme dropped) in 26-25; amount lives at the URL."""
    local = re.sub(r"^https?://", "", (url or "").strip(), flags=re.IGNORECASE)
    if not local or " " in local:
        raise ErroPix(_("PIX: URL de location inválida: {url!r}.").format(url=url))
    if len(local) > 77:
        raise ErroPix(_("PIX: URL de location com {n} caracteres; o máximo é 77.").format(n=len(local)))
    return _montar(_tlv("00", GUI) + _tlv("25", local), nome, cidade, "", _txid(txid), True)


@dataclass(frozen=True)
class BRCode:
    payload: str
    campos: dict[str, str]  # top-level ID → raw value
    chave: str | None
    url: str | None
    descricao: str | None
    valor: Decimal | None
    nome: str
    cidade: str
    txid: str | None  # None when "***"
    unico: bool
    crc: str

    @property
    def dinamico(self) -> bool:
        return self.url is not None


def _ler_tlv(texto: str, onde: str) -> dict[str, str]:
    campos: dict[str, str] = {}
    pos = 0
    while pos < len(texto):
        ident, tamanho = texto[pos : pos + 2], texto[pos + 2 : pos + 4]
        if len(tamanho) < 2 or not (ident.isdigit() and tamanho.isdigit()):
            raise ErroPix(
                _("BR Code ({onde}), posição {pos}: esperava ID e tamanho de 2 dígitos cada, veio {trecho!r}.").format(
                    onde=onde, pos=pos + 1, trecho=texto[pos : pos + 4]
                )
            )
        fim = pos + 4 + int(tamanho)
        if fim > len(texto):
            raise ErroPix(
                _("BR Code ({onde}), campo {id} na posição {pos}: tamanho {n} passa do fim do texto.").format(
                    onde=onde, id=ident, pos=pos + 1, n=int(tamanho)
                )
            )
        campos[ident] = texto[pos + 4 : fim]
        pos = fim
    return campos


def ler_brcode(payload: str) -> BRCode:
    """Parse a BR Code, check its CRC and mandatory fields; pt-BR errors name field and position."""
    texto = (payload or "").strip()
    if len(texto) < 8 or texto[-8:-4] != "6304":
        raise ErroPix(_("BR Code: deve terminar com o campo 63 (CRC) de 4 caracteres, \"6304XXXX\"."))
    esperado = crc16_ccitt_false(texto[:-4])
    if texto[-4:] != esperado:
        raise ErroPix(
            _("BR Code: CRC (campo 63, posição {pos}) deveria ser {esperado}, veio {veio}.").format(
                pos=len(texto) - 3, esperado=esperado, veio=texto[-4:]
            )
        )
    campos = _ler_tlv(texto, _("raiz"))
    if campos.get("00") != "01":
        raise ErroPix(_("BR Code: campo 00 (formato do payload) deveria ser 01."))
    for ident in ("26", "52", "53", "58", "59", "60"):
        if ident not in campos:
            raise ErroPix(_("BR Code: campo obrigatório {id} ausente.").format(id=ident))
    conta = _ler_tlv(campos["26"], _("campo 26"))
    if conta.get("00", "").lower() != GUI:
        raise ErroPix(_("BR Code: campo 26-00 deveria ser {gui}.").format(gui=GUI))
    if ("01" in conta) == ("25" in conta):
        raise ErroPix(_("BR Code: campo 26 deve ter a chave (01) ou a URL de location (25), e só uma delas."))
    adicionais = _ler_tlv(campos.get("62", ""), _("campo 62"))
    txid = adicionais.get("05")
    valor = None
    if "54" in campos:
        try:
            valor = parse_money(campos["54"], field="54")
        except ValueError as exc:
            raise ErroPix(_("BR Code: campo 54 (valor) inválido: {v!r}.").format(v=campos["54"])) from exc
    return BRCode(
        payload=texto,
        campos=campos,
        chave=conta.get("01"),
        url=conta.get("25"),
        descricao=conta.get("02"),
        valor=valor,
        nome=campos["59"],
        cidade=campos["60"],
        txid=None if txid in (None, TXID_AUSENTE) else txid,
        unico=campos.get("01") == "12",
        crc=texto[-4:],
    )
