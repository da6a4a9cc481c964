"""Envelope SOAP 1.2 do NFComRecepcao (gzip+base64) e leitura do retorno (cStat, xMotivo, protocolo).

As respostas são sintéticas, montadas aqui no formato do retNFCom_v1.00.xsd (validadas pelo próprio
leitor); o servidor HTTPS local que imita o SVRS é a próxima etapa."""

from __future__ import annotations

import base64
import gzip

import pytest
from lxml import etree

from plugins.fiscal_nf2122.nfcom.certificado import carregar_pfx
from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom, verificar_assinatura
from plugins.fiscal_nf2122.nfcom.soap import (
    CONTENT_TYPE_RECEPCAO,
    SOAP12,
    WSDL_RECEPCAO,
    RetornoError,
    compactar,
    envelope_recepcao,
    ler_envelope_recepcao,
    ler_retorno_recepcao,
    nfcom_proc,
)
from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
from plugins.fiscal_nf2122.nfcom.xsd import NFComSchemaError
from plugins.fiscal_nf2122.tests.nfcom_support import SENHA, dados_exemplo, gerar_pfx


@pytest.fixture(scope="module")
def assinada(tmp_path_factory):
    caminho, _cert = gerar_pfx(tmp_path_factory.mktemp("cert") / "a1.pfx")
    montada = montar_nfcom(dados_exemplo())
    return montada.chave.texto, assinar_nfcom(montada.xml, carregar_pfx(caminho, SENHA))


def _ret(chave: str, c_stat: str, motivo: str, *, protocolo: bool) -> str:
    prot = ""
    if protocolo:
        prot = ('<protNFCom versao="1.00"><infProt><tpAmb>2</tpAmb><verAplic>SVRS202611</verAplic>'
                f'<chNFCom>{chave}</chNFCom><dhRecbto>2026-11-05T10:30:05-03:00</dhRecbto>'
                '<nProt>3412600000012345</nProt><digVal>aGVsbG8gd29ybGQgMTIzNDU2Nzg=</digVal>'
                f'<cStat>{c_stat}</cStat><xMotivo>{motivo}</xMotivo></infProt></protNFCom>')
    return ('<retNFCom xmlns="http://www.portalfiscal.inf.br/nfcom" versao="1.00"><tpAmb>2</tpAmb><cUF>41</cUF>'
            f'<verAplic>SVRS202611</verAplic><cStat>{c_stat}</cStat><xMotivo>{motivo}</xMotivo>{prot}</retNFCom>')


def _resposta(conteudo: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP12}"><soap:Body>'
            f'<nfcomResultMsg xmlns="{WSDL_RECEPCAO}">{conteudo}</nfcomResultMsg></soap:Body></soap:Envelope>'
            ).encode()


def test_envelope_sem_header_com_nfcom_compactada(assinada):
    _chave, xml = assinada
    envelope = envelope_recepcao(xml)
    doc = etree.fromstring(envelope)
    assert doc.tag == f"{{{SOAP12}}}Envelope"
    assert [etree.QName(e).localname for e in doc] == ["Body"]  # MOC §3.4.1: sem SOAP Header
    (dados,) = doc[0]
    assert dados.tag == f"{{{WSDL_RECEPCAO}}}nfcomDadosMsg"
    compactado = base64.b64decode(dados.text)
    assert compactado[:2] == b"\x1f\x8b" and compactado[4:8] == b"\0\0\0\0"  # gzip, mtime 0
    assert gzip.decompress(compactado) == xml  # os mesmos bytes assinados
    assert ler_envelope_recepcao(envelope) == xml
    assert verificar_assinatura(ler_envelope_recepcao(envelope)).valida
    assert envelope == envelope_recepcao(xml)  # determinístico
    assert 'action="http://www.portalfiscal.inf.br/nfcom/wsdl/NFComRecepcao/nfcomRecepcao"' in CONTENT_TYPE_RECEPCAO
    assert CONTENT_TYPE_RECEPCAO.startswith("application/soap+xml")


def test_retorno_autorizado_traz_protocolo_e_forma_o_nfcomproc(assinada):
    chave, xml = assinada
    retorno = ler_retorno_recepcao(_resposta(_ret(chave, "100", "Autorizado o uso da NFCom", protocolo=True)))
    assert retorno.autorizada
    assert (retorno.c_stat, retorno.x_motivo, retorno.c_uf) == ("100", "Autorizado o uso da NFCom", "41")
    assert retorno.protocolo.numero == "3412600000012345" and retorno.protocolo.chave == chave
    assert retorno.protocolo.data_recebimento == "2026-11-05T10:30:05-03:00"
    proc = nfcom_proc(xml, retorno.protocolo)
    raiz = etree.fromstring(proc)
    assert [etree.QName(e).localname for e in raiz] == ["NFCom", "protNFCom"]
    nfcom = etree.tostring(raiz[0])
    assert verificar_assinatura(nfcom).valida  # a assinatura sobrevive dentro do nfcomProc


def test_retorno_de_rejeicao_sem_protocolo(assinada):
    chave, _xml = assinada
    retorno = ler_retorno_recepcao(_resposta(_ret(chave, "215", "Rejeição: Falha no schema XML",
                                                  protocolo=False)))
    assert not retorno.autorizada and retorno.protocolo is None
    assert (retorno.c_stat, retorno.x_motivo) == ("215", "Rejeição: Falha no schema XML")


def test_retorno_compactado_tambem_e_lido(assinada):
    chave, _xml = assinada
    conteudo = compactar(_ret(chave, "100", "Autorizado o uso da NFCom", protocolo=True).encode())
    assert ler_retorno_recepcao(_resposta(conteudo)).autorizada


@pytest.mark.parametrize("resposta, mensagem", [
    (b"<html><body>502 Bad Gateway</body></html>", "sem nfcomResultMsg/retNFCom"),
    (b"Service Unavailable", "não é XML"),
    (f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code>'
     '<e:Reason><e:Text xml:lang="pt">Certificado de transmissão revogado</e:Text></e:Reason></e:Fault>'
     '</e:Body></e:Envelope>'.encode(), "SOAP Fault: e:Receiver Certificado de transmissão revogado"),
    (_resposta("não-é-base64!"), "GZip\\+Base64 inválido"),
])
def test_resposta_ilegivel_vira_erro_pt_br(resposta, mensagem):
    with pytest.raises(RetornoError, match=mensagem):
        ler_retorno_recepcao(resposta)


def test_retnfcom_fora_do_xsd_e_recusado(assinada):
    chave, _xml = assinada
    with pytest.raises(NFComSchemaError, match="retNFCom/cStat"):
        ler_retorno_recepcao(_resposta(_ret(chave, "1", "x", protocolo=False)))


@pytest.mark.parametrize("c_stat, autorizada", [("100", True), ("150", True), ("204", False)])
def test_autorizada_so_com_100_ou_150_e_protocolo(assinada, c_stat, autorizada):
    chave, _xml = assinada
    retorno = ler_retorno_recepcao(_resposta(_ret(chave, c_stat, "Motivo do autorizador", protocolo=True)))
    assert retorno.autorizada is autorizada
