"""Assinatura XMLDSig enveloped da NFCom (MOC 1.00a §3.2.6; `schemas/xmldsig-core-schema_v1.01.xsd`).

O esquema fixa os algoritmos: C14N 1.0 (inclusivo, sem comentários), RSA-SHA1, digest SHA-1, e
exatamente as transformações enveloped + C14N; `Reference URI="#<Id do infNFCom>"`; `KeyInfo` só com
`X509Data/X509Certificate` (DER em Base64). A `Signature` entra no fim da raiz `NFCom`, depois de
`infNFComSupl` (a ordem do XSD `TNFCom`), no namespace do xmldsig.

Passos: C14N do `infNFCom` (a assinatura fica fora dele, então a transformação enveloped não muda
nada) → SHA-1 → `DigestValue`; monta `SignedInfo` dentro do documento, C14N dele no contexto →
RSA PKCS#1 v1.5 com SHA-1 → `SignatureValue`.

`verificar_assinatura` refaz tudo a partir dos bytes (digest e RSA) — é o que o servidor local
(emulador do SVRS, próxima etapa) usará.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from core.i18n import _
from plugins.fiscal_nf2122.nfcom.certificado import CertificadoA1
from plugins.fiscal_nf2122.nfcom.xsd import DSIG_NS, NS, NFComError

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_D = "{%s}" % DSIG_NS


def _c14n(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=False, with_comments=False)


def _b64(dados: bytes) -> str:
    return base64.b64encode(dados).decode("ascii")


def _ds(pai: etree._Element, nome: str, texto: str | None = None, **atributos: str) -> etree._Element:
    el = etree.SubElement(pai, _D + nome, **atributos)
    el.text = texto
    return el


def assinar_nfcom(xml: bytes, certificado: CertificadoA1, *, elemento: str = "infNFCom") -> bytes:
    """Devolve o XML com a `Signature` enveloped do `elemento` (pelo atributo `Id`)."""
    certificado.conferir_validade()
    raiz = etree.fromstring(xml, parser=etree.XMLParser(remove_blank_text=True))
    alvo = raiz.find(f"{{{NS}}}{elemento}")
    if alvo is None or not alvo.get("Id"):
        raise NFComError(_("{e}: elemento com o atributo Id não encontrado para assinar").format(e=elemento))
    if raiz.find(_D + "Signature") is not None:
        raise NFComError(_("Signature: o documento já está assinado"))
    digest = _b64(hashlib.sha1(_c14n(alvo)).digest())

    assinatura = etree.SubElement(raiz, _D + "Signature", nsmap={None: DSIG_NS})
    signed_info = _ds(assinatura, "SignedInfo")
    _ds(signed_info, "CanonicalizationMethod", Algorithm=C14N)
    _ds(signed_info, "SignatureMethod", Algorithm=RSA_SHA1)
    referencia = _ds(signed_info, "Reference", URI="#" + alvo.get("Id"))
    transforms = _ds(referencia, "Transforms")
    _ds(transforms, "Transform", Algorithm=ENVELOPED)
    _ds(transforms, "Transform", Algorithm=C14N)
    _ds(referencia, "DigestMethod", Algorithm=SHA1)
    _ds(referencia, "DigestValue", digest)

    valor = certificado.chave_privada.sign(_c14n(signed_info), padding.PKCS1v15(), hashes.SHA1())
    _ds(assinatura, "SignatureValue", _b64(valor))
    _ds(_ds(_ds(assinatura, "KeyInfo"), "X509Data"), "X509Certificate", _b64(certificado.der))
    return etree.tostring(raiz, encoding="UTF-8")


@dataclass(frozen=True)
class ResultadoAssinatura:
    valida: bool
    motivo: str
    certificado: x509.Certificate | None = None


def verificar_assinatura(xml: bytes) -> ResultadoAssinatura:
    """Confere digest e RSA de uma NFCom (ou evento) assinada; nunca levanta exceção."""
    try:
        raiz = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return ResultadoAssinatura(False, _("XML malformado: {e}").format(e=exc))
    assinatura = raiz.find(_D + "Signature")
    if assinatura is None:
        return ResultadoAssinatura(False, _("documento sem Signature"))
    signed_info = assinatura.find(_D + "SignedInfo")
    referencia = signed_info.find(_D + "Reference") if signed_info is not None else None
    if referencia is None:
        return ResultadoAssinatura(False, _("Signature sem SignedInfo/Reference"))
    uri = referencia.get("URI", "")
    alvos = raiz.xpath("//*[@Id=$id]", id=uri[1:]) if uri.startswith("#") else []
    if len(alvos) != 1:
        return ResultadoAssinatura(False, _("Reference URI {u} não aponta um único elemento").format(u=uri))
    alvo = alvos[0]
    if alvo.find(".//" + _D + "Signature") is not None:  # transformação enveloped: tira a de dentro
        alvo = etree.fromstring(etree.tostring(alvo))
        for dentro in list(alvo.iter(_D + "Signature")):
            dentro.getparent().remove(dentro)
    esperado = referencia.findtext(_D + "DigestValue", "").strip()
    calculado = _b64(hashlib.sha1(_c14n(alvo)).digest())
    if esperado != calculado:
        return ResultadoAssinatura(False, _("DigestValue não confere: o conteúdo assinado foi alterado"))
    texto_cert = assinatura.findtext(f"{_D}KeyInfo/{_D}X509Data/{_D}X509Certificate", "")
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(texto_cert.split())))
    except ValueError:
        return ResultadoAssinatura(False, _("X509Certificate ilegível"))
    chave = cert.public_key()
    if not isinstance(chave, rsa.RSAPublicKey):
        return ResultadoAssinatura(False, _("a chave do certificado não é RSA"))
    valor = base64.b64decode("".join(assinatura.findtext(_D + "SignatureValue", "").split()))
    try:
        chave.verify(valor, _c14n(signed_info), padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return ResultadoAssinatura(False, _("SignatureValue não confere com o certificado"), cert)
    return ResultadoAssinatura(True, _("assinatura válida"), cert)
