"""Certificado digital A1 (arquivo PFX / PKCS#12 com a chave privada e o certificado X.509).

O MOC (§3.2.3) exige certificado ICP-Brasil A1 ou A3 com o CNPJ do titular; aqui só o A1 (arquivo).
O CNPJ é lido do campo otherName OID 2.16.76.1.3.3 do SubjectAltName (padrão ICP-Brasil) ou, na
falta dele, do fim do CN ("RAZAO SOCIAL:12345678000199"). Certificado vencido ou ainda não válido ⇒
erro em pt-BR antes de assinar (a SEFAZ rejeitaria a assinatura).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID

from core.i18n import _

OID_CNPJ_ICP = x509.ObjectIdentifier("2.16.76.1.3.3")


class CertificadoError(ValueError):
    """Arquivo PFX ilegível, senha errada, chave que não é RSA ou certificado fora da validade."""


@dataclass(frozen=True)
class CertificadoA1:
    chave_privada: rsa.RSAPrivateKey
    certificado: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificado.public_bytes(Encoding.DER)

    @property
    def titular(self) -> str:
        cns = self.certificado.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(cns[0].value) if cns else self.certificado.subject.rfc4514_string()

    @property
    def cnpj(self) -> str | None:
        return cnpj_do_certificado(self.certificado)

    def conferir_validade(self, quando: datetime | None = None) -> None:
        agora = quando or datetime.now(timezone.utc)
        inicio, fim = self.certificado.not_valid_before_utc, self.certificado.not_valid_after_utc
        if agora < inicio:
            raise CertificadoError(_("certificado de {t} só vale a partir de {d:%d/%m/%Y %H:%M} (UTC)")
                                   .format(t=self.titular, d=inicio))
        if agora > fim:
            raise CertificadoError(_("certificado de {t} venceu em {d:%d/%m/%Y %H:%M} (UTC)")
                                   .format(t=self.titular, d=fim))


def cnpj_do_certificado(certificado: x509.Certificate) -> str | None:
    """CNPJ do titular: otherName 2.16.76.1.3.3 do SubjectAltName ou, na falta, o fim do CN."""
    try:
        san = certificado.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        for nome in san.get_values_for_type(x509.OtherName):
            if nome.type_id == OID_CNPJ_ICP:
                achado = re.search(rb"[0-9A-Z]{12}[0-9]{2}", nome.value)
                if achado:
                    return achado.group().decode()
    cns = certificado.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    achado = re.search(r":([0-9A-Z]{12}[0-9]{2})$", str(cns[0].value)) if cns else None
    return achado.group(1) if achado else None


def carregar_pfx(origem: bytes | str | Path, senha: str | bytes | None) -> CertificadoA1:
    """Lê o PFX (caminho ou bytes); `CertificadoError` em pt-BR quando não der."""
    if isinstance(origem, (str, Path)):
        caminho = Path(origem)
        try:
            dados = caminho.read_bytes()
        except OSError as exc:
            raise CertificadoError(_("arquivo do certificado {a} não pôde ser lido: {e}")
                                   .format(a=caminho, e=exc.strerror)) from exc
    else:
        dados = origem
    if isinstance(senha, str):
        senha = senha.encode()
    try:
        chave, cert, _extras = pkcs12.load_key_and_certificates(dados, senha)
    except ValueError as exc:
        raise CertificadoError(_("certificado PFX ilegível ou senha incorreta")) from exc
    if cert is None or chave is None:
        raise CertificadoError(_("o arquivo PFX não traz o certificado e a chave privada"))
    if not isinstance(chave, rsa.RSAPrivateKey):
        raise CertificadoError(_("a chave do certificado não é RSA (a assinatura da NFCom é RSA-SHA1)"))
    return CertificadoA1(chave_privada=chave, certificado=cert)
