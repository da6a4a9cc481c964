"""URL do QR Code da NFCom (`infNFComSupl/qrCodNFCom`), MOC 1.00a §9.2 e §10.4.

- Emissão normal: `<URL da UF>?chNFCom=<44>&tpAmb=<1|2>`.
- Contingência off-line (tpEmis 2): acrescenta `&sign=<RSA-SHA1 em Base64 do valor de chNFCom>`,
  assinado com a chave privada do certificado que assina a NFCom. O exemplo do manual traz o Base64
  sem codificação de URL (o padrão do XSD aceita `+`, `/` e `=`), e é assim que gravamos.

A URL da UF é publicada no Portal Nacional da NFCom; o padrão do manual é
`http(s)://URL_da_SEFAZ/NFCom/qrcode`. Para as UFs atendidas pelo SVRS usamos
`https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode` (a do exemplo do nfelib; o gem nfcom-ruby, usado em
produção, grava a mesma em minúsculas). Configurável por quem chama: a SEFAZ rejeita com cStat 464
quando o endereço diverge do previsto para a UF.
"""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.i18n import _

URL_SVRS = "https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode"
_PATTERN = re.compile(r"((HTTPS?|https?)://.*\?chNFCom=[0-9]{6}[A-Z0-9]{12}[0-9]{26}&tpAmb=[1-2]"
                      r"(&sign=[!-ÿ]{1}[ -ÿ]{0,}[!-ÿ]{1}|[!-ÿ]{1})?)")


def assinar_chave(chave: str, chave_privada: rsa.RSAPrivateKey) -> str:
    """`sign` da contingência: RSA PKCS#1 v1.5 com SHA-1 sobre os 44 caracteres, em Base64."""
    assinatura = chave_privada.sign(chave.encode("ascii"), padding.PKCS1v15(), hashes.SHA1())
    return base64.b64encode(assinatura).decode("ascii")


def url_qrcode(chave: str, ambiente: int, *, assinatura: str | None = None, base_url: str = URL_SVRS) -> str:
    """A URL gravada em `qrCodNFCom` (entre 50 e 1000 caracteres, padrão ER63 do XSD)."""
    if ambiente not in (1, 2):
        raise ValueError(_("ambiente {a} inválido no QR Code: 1 produção ou 2 homologação").format(a=ambiente))
    url = f"{base_url}?chNFCom={chave}&tpAmb={ambiente}"
    if assinatura:
        url += f"&sign={assinatura}"
    if not _PATTERN.fullmatch(url) or not 50 <= len(url) <= 1000:
        raise ValueError(_("qrCodNFCom: URL do QR Code fora do padrão do manual: {u}").format(u=url))
    return url
