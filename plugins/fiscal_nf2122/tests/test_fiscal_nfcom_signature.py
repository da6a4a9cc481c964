"""Assinatura XMLDSig enveloped (RSA-SHA1, C14N) com certificado A1 em PFX gerado no set-up.

A conferência deste arquivo é independente de `signature.py`: relê os bytes, acha o elemento pelo
Id, refaz o C14N e o SHA-1 e confere o RSA com a chave pública do certificado gerado no teste (não
com o certificado que vem dentro do XML)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from plugins.fiscal_nf2122.nfcom.certificado import CertificadoError, carregar_pfx
from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom, verificar_assinatura
from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
from plugins.fiscal_nf2122.nfcom.xsd import DSIG_NS, NS, NFComError, problemas_xsd
from plugins.fiscal_nf2122.tests.nfcom_support import CNPJ_EMITENTE, FIXTURES, SENHA, dados_exemplo, gerar_pfx

DS = {"ds": DSIG_NS, "n": NS}


@pytest.fixture(scope="module")
def pfx(tmp_path_factory):
    return gerar_pfx(tmp_path_factory.mktemp("cert") / "a1.pfx")


def _confere_independente(xml: bytes, cert) -> None:
    doc = etree.fromstring(xml)
    (assinatura,) = doc.xpath("/n:NFCom/ds:Signature", namespaces=DS)
    uri = assinatura.xpath("string(ds:SignedInfo/ds:Reference/@URI)", namespaces=DS)
    (alvo,) = doc.xpath("//*[@Id=$id]", id=uri.lstrip("#"))
    assert etree.QName(alvo).localname == "infNFCom"
    digest = base64.b64encode(hashlib.sha1(etree.tostring(alvo, method="c14n")).digest()).decode()
    assert assinatura.xpath("string(.//ds:DigestValue)", namespaces=DS) == digest
    (signed_info,) = assinatura.xpath("ds:SignedInfo", namespaces=DS)
    valor = base64.b64decode(assinatura.xpath("string(ds:SignatureValue)", namespaces=DS))
    cert.public_key().verify(valor, etree.tostring(signed_info, method="c14n"), padding.PKCS1v15(), hashes.SHA1())
    embutido = base64.b64decode(assinatura.xpath("string(.//ds:X509Certificate)", namespaces=DS))
    assert embutido == cert.public_bytes(Encoding.DER)


def test_carrega_pfx_com_senha_e_le_o_cnpj_do_otherName(pfx):
    caminho, cert = pfx
    a1 = carregar_pfx(caminho, SENHA)
    assert a1.certificado == cert
    assert a1.cnpj == CNPJ_EMITENTE
    assert a1.titular == f"PROVEDOR EXEMPLO LTDA:{CNPJ_EMITENTE}"


def test_senha_errada_ou_arquivo_ausente_em_pt_br(pfx, tmp_path):
    caminho, _cert = pfx
    with pytest.raises(CertificadoError, match="senha incorreta"):
        carregar_pfx(caminho, "errada")
    with pytest.raises(CertificadoError, match="não pôde ser lido"):
        carregar_pfx(tmp_path / "nao-existe.pfx", SENHA)


def test_assinatura_confere_independente_e_o_xml_assinado_passa_no_xsd(pfx):
    caminho, cert = pfx
    montada = montar_nfcom(dados_exemplo())
    assinado = assinar_nfcom(montada.xml, carregar_pfx(caminho, SENHA))
    assert problemas_xsd(assinado) == []
    _confere_independente(assinado, cert)
    resultado = verificar_assinatura(assinado)
    assert resultado.valida, resultado.motivo
    doc = etree.fromstring(assinado)
    assert [etree.QName(e).localname for e in doc] == ["infNFCom", "infNFComSupl", "Signature"]
    algoritmos = doc.xpath("//ds:SignedInfo//@Algorithm", namespaces=DS)
    assert algoritmos == ["http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                          "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                          "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                          "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                          "http://www.w3.org/2000/09/xmldsig#sha1"]


def test_conteudo_alterado_depois_de_assinar_nao_confere(pfx):
    caminho, cert = pfx
    assinado = assinar_nfcom(montar_nfcom(dados_exemplo()).xml, carregar_pfx(caminho, SENHA))
    adulterado = assinado.replace(b"<vNF>107.40</vNF>", b"<vNF>17.40</vNF>")
    assert adulterado != assinado
    resultado = verificar_assinatura(adulterado)
    assert not resultado.valida and "DigestValue" in resultado.motivo
    with pytest.raises(AssertionError):
        _confere_independente(adulterado, cert)


def test_assinatura_de_outro_certificado_nao_confere(pfx, tmp_path):
    caminho, cert = pfx
    outro, _ = gerar_pfx(tmp_path / "outro.pfx", bits=1024)
    assinado = assinar_nfcom(montar_nfcom(dados_exemplo()).xml, carregar_pfx(outro, SENHA))
    assert verificar_assinatura(assinado).valida  # confere com o certificado embutido...
    with pytest.raises(InvalidSignature):
        _confere_independente(assinado, cert)  # ...mas não é o do emitente


def test_amostra_real_assinada_passa_no_xsd(pfx):
    caminho, cert = pfx
    amostra = (FIXTURES / "NFCom-nfcom.xml").read_bytes()
    assinado = assinar_nfcom(amostra, carregar_pfx(caminho, SENHA))
    assert problemas_xsd(assinado) == []
    _confere_independente(assinado, cert)
    assert b"\n\t" not in assinado  # os espaços de indentação saem antes de assinar


def test_certificado_vencido_ou_futuro_e_recusado(tmp_path):
    inicio = datetime.now(timezone.utc) - timedelta(days=400)
    vencido, _ = gerar_pfx(tmp_path / "vencido.pfx", inicio=inicio, dias=30)
    with pytest.raises(CertificadoError, match="venceu em"):
        assinar_nfcom(montar_nfcom(dados_exemplo()).xml, carregar_pfx(vencido, SENHA))
    futuro, _ = gerar_pfx(tmp_path / "futuro.pfx", inicio=datetime.now(timezone.utc) + timedelta(days=3))
    with pytest.raises(CertificadoError, match="só vale a partir de"):
        assinar_nfcom(montar_nfcom(dados_exemplo()).xml, carregar_pfx(futuro, SENHA))


def test_nao_assina_duas_vezes(pfx):
    caminho, _cert = pfx
    a1 = carregar_pfx(caminho, SENHA)
    assinado = assinar_nfcom(montar_nfcom(dados_exemplo()).xml, a1)
    with pytest.raises(NFComError, match="já está assinado"):
        assinar_nfcom(assinado, a1)
