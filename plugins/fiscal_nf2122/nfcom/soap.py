"""Mensagens do serviço `NFComRecepcao` (MOC 1.00a §3.2.2, §3.4.1, §4.2), funções puras.

- SOAP 1.2 (`http://www.w3.org/2003/05/soap-envelope`), document/literal, **sem SOAP Header**.
- Corpo: `<nfcomDadosMsg xmlns="http://www.portalfiscal.inf.br/nfcom/wsdl/NFComRecepcao">` com a
  NFCom assinada compactada em GZip e convertida para Base64 (só a recepção; consulta, evento e
  status vão em XML sem compactar). O manual escreve `NFComDadosMsg` e o namespace com "NFCom";
  gravamos como o WSDL do SVRS e o gem nfcom-ruby (em produção): `nfcomDadosMsg`, ".../nfcom/wsdl/…".
- HTTP: `Content-Type: application/soap+xml; charset=utf-8; action="…/NFComRecepcao/nfcomRecepcao"`.
- Retorno: `nfcomResultMsg` com `retNFCom` (cStat, xMotivo, protNFCom/infProt com nProt). Aceitamos o
  `retNFCom` em XML ou compactado (GZip+Base64), e `soap12:Fault` vira erro pt-BR.
- O GZip sai com mtime 0 (bytes determinísticos) e o XML sem declaração nem espaços entre tags
  (cStat 599: "caracteres de edição").
"""

from __future__ import annotations

import base64
import gzip
import zlib
from dataclasses import dataclass

from lxml import etree

from core.i18n import _
from plugins.fiscal_nf2122.nfcom.xsd import NS, NFComError, validar_xsd

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSDL_RECEPCAO = "http://www.portalfiscal.inf.br/nfcom/wsdl/NFComRecepcao"
ACAO_RECEPCAO = WSDL_RECEPCAO + "/nfcomRecepcao"
CONTENT_TYPE_RECEPCAO = f'application/soap+xml; charset=utf-8; action="{ACAO_RECEPCAO}"'
_S = "{%s}" % SOAP12
_N = "{%s}" % NS


class RetornoError(NFComError):
    """Resposta do autorizador que não dá para ler (HTML, SOAP Fault, sem retNFCom…)."""


def compactar(xml: bytes) -> str:
    """GZip (mtime 0) + Base64 do XML."""
    return base64.b64encode(gzip.compress(xml, compresslevel=9, mtime=0)).decode("ascii")


def descompactar(texto: str) -> bytes:
    try:
        return gzip.decompress(base64.b64decode("".join(texto.split()), validate=True))
    except (ValueError, OSError, EOFError, zlib.error) as exc:  # binascii.Error é ValueError
        raise RetornoError(_("conteúdo GZip+Base64 inválido: {e}").format(e=exc)) from exc


def envelope_recepcao(xml_assinado: bytes) -> bytes:
    """O envelope SOAP 1.2 do `nfcomRecepcao` para uma NFCom assinada."""
    raiz = etree.fromstring(xml_assinado)
    if raiz.tag != _N + "NFCom":
        raise NFComError(_("NFComRecepcao: o documento enviado deve ser uma NFCom (raiz {r})")
                         .format(r=etree.QName(raiz).localname))
    compacto = etree.tostring(raiz, encoding="UTF-8")  # sem declaração; preserva os bytes assinados
    env = etree.Element(_S + "Envelope", nsmap={"soap12": SOAP12})
    body = etree.SubElement(env, _S + "Body")
    dados = etree.SubElement(body, "{%s}nfcomDadosMsg" % WSDL_RECEPCAO, nsmap={None: WSDL_RECEPCAO})
    dados.text = compactar(compacto)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _ler_xml(dados: bytes, o_que: str) -> etree._Element:
    try:
        return etree.fromstring(dados)
    except etree.XMLSyntaxError as exc:
        raise RetornoError(_("{o} não é XML: {e}").format(o=o_que, e=exc)) from exc


def ler_envelope_recepcao(envelope: bytes) -> bytes:
    """O inverso (para o servidor local de testes): a NFCom de dentro do `nfcomDadosMsg`."""
    raiz = _ler_xml(envelope, _("o envelope SOAP"))
    dados = raiz.find(f"{_S}Body/{{{WSDL_RECEPCAO}}}nfcomDadosMsg")
    if dados is None or not (dados.text or "").strip():
        raise RetornoError(_("envelope sem soap12:Body/nfcomDadosMsg"))
    return descompactar(dados.text)


@dataclass(frozen=True)
class ProtocoloNFCom:
    chave: str
    data_recebimento: str  # dhRecbto como veio (AAAA-MM-DDThh:mm:ss-03:00)
    c_stat: str
    x_motivo: str
    numero: str | None  # nProt (16 dígitos), só na autorização
    digest: str | None  # digVal
    xml: bytes  # o protNFCom inteiro, para o nfcomProc


@dataclass(frozen=True)
class RetornoNFCom:
    tp_amb: str
    c_uf: str
    versao_aplicativo: str
    c_stat: str
    x_motivo: str
    protocolo: ProtocoloNFCom | None

    @property
    def autorizada(self) -> bool:
        """cStat 100 "Autorizado o Uso da NFCom" ou 150 "… autorização fora de prazo" (MOC §4.3.6),
        com o número do protocolo."""
        return (self.protocolo is not None and self.protocolo.c_stat in ("100", "150")
                and bool(self.protocolo.numero))


def _texto(el: etree._Element, nome: str) -> str:
    return (el.findtext(_N + nome) or "").strip()


def ler_retorno_recepcao(resposta: bytes) -> RetornoNFCom:
    """Lê a resposta SOAP do `nfcomRecepcao`; `RetornoError` em pt-BR quando não há `retNFCom`."""
    raiz = _ler_xml(resposta, _("a resposta do autorizador"))
    falha = raiz.find(f"{_S}Body/{_S}Fault")
    if falha is not None:
        motivo = " ".join(t.strip() for t in falha.itertext() if t.strip())
        raise RetornoError(_("o autorizador devolveu SOAP Fault: {m}").format(m=motivo))
    ret = raiz if raiz.tag == _N + "retNFCom" else raiz.find(".//" + _N + "retNFCom")
    if ret is None:
        resultado = raiz.find(".//{%s}nfcomResultMsg" % WSDL_RECEPCAO)
        if resultado is None or not (resultado.text or "").strip():
            raise RetornoError(_("resposta sem nfcomResultMsg/retNFCom"))
        ret = etree.fromstring(descompactar(resultado.text))
        if ret.tag != _N + "retNFCom":
            raise RetornoError(_("nfcomResultMsg não traz um retNFCom"))
    ret = etree.fromstring(etree.tostring(ret))  # documento próprio, com os namespaces em escopo
    validar_xsd(ret, "retNFCom_v1.00.xsd")
    prot_el = ret.find(_N + "protNFCom")
    protocolo = None
    if prot_el is not None:
        inf = prot_el.find(_N + "infProt")
        protocolo = ProtocoloNFCom(
            chave=_texto(inf, "chNFCom"), data_recebimento=_texto(inf, "dhRecbto"), c_stat=_texto(inf, "cStat"),
            x_motivo=_texto(inf, "xMotivo"), numero=_texto(inf, "nProt") or None,
            digest=_texto(inf, "digVal") or None, xml=etree.tostring(prot_el, encoding="UTF-8"))
    return RetornoNFCom(tp_amb=_texto(ret, "tpAmb"), c_uf=_texto(ret, "cUF"),
                        versao_aplicativo=_texto(ret, "verAplic"), c_stat=_texto(ret, "cStat"),
                        x_motivo=_texto(ret, "xMotivo"), protocolo=protocolo)


def nfcom_proc(xml_assinado: bytes, protocolo: ProtocoloNFCom) -> bytes:
    """`nfcomProc` (NFCom assinada + protNFCom), o arquivo a guardar e entregar; validado no XSD."""
    proc = etree.Element(_N + "nfcomProc", nsmap={None: NS}, versao="1.00")
    proc.append(etree.fromstring(xml_assinado))
    proc.append(etree.fromstring(protocolo.xml))
    validar_xsd(proc, "procNFCom_v1.00.xsd")
    return etree.tostring(proc, xml_declaration=True, encoding="UTF-8")
