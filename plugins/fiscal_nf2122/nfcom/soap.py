"""Mensagens SOAP dos serviços da NFCom (MOC 1.00a §3.2.2, §3.4.1, §4.2), funções puras.

`NFComRecepcao` abaixo; os outros três (`NFComStatusServico`, `NFComConsulta`,
`NFComRecepcaoEvento`) usam `envelope_xml` (o XML como filho do `nfcomDadosMsg`, sem compactar) e
`ler_resultado`; o transporte HTTPS fica em `client.py`. Para o emulador dos testes:
`ler_envelope_xml` (isola o elemento sem os namespaces do envelope, senão a C14N da assinatura
muda), `envelope_resultado`, `envelope_falha`.

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


# Os quatro serviços do MOC §3.1: (nome do serviço no WSDL, operação). Namespace do WSDL e nome da
# operação como o gem nfcom-ruby e o Uni.NFCom usam no SVRS — NÃO VERIFICADO contra o ?wsdl real.
WSDL_BASE = "http://www.portalfiscal.inf.br/nfcom/wsdl/"
SERVICOS_SOAP: dict[str, tuple[str, str]] = {
    "recepcao": ("NFComRecepcao", "nfcomRecepcao"),
    "status": ("NFComStatusServico", "nfcomStatusServicoNF"),
    "consulta": ("NFComConsulta", "nfcomConsultaNF"),
    "evento": ("NFComRecepcaoEvento", "nfcomRecepcaoEvento"),
}


def _servico(servico: str) -> tuple[str, str]:
    try:
        return SERVICOS_SOAP[servico]
    except KeyError:
        raise NFComError(_("serviço NFCom desconhecido: {s}").format(s=servico)) from None


def nome_servico(servico: str) -> str:
    """"status" → "NFComStatusServico"."""
    return _servico(servico)[0]


def namespace_wsdl(servico: str) -> str:
    return WSDL_BASE + _servico(servico)[0]


def acao_soap(servico: str) -> str:
    return namespace_wsdl(servico) + "/" + _servico(servico)[1]


def content_type(servico: str) -> str:
    """Content-Type do SOAP 1.2 com a `action` do serviço."""
    return f'application/soap+xml; charset=utf-8; action="{acao_soap(servico)}"'


def _sem_declaracao(xml: bytes) -> bytes:
    xml = xml.strip()
    if xml.startswith(b"<?xml"):
        xml = xml[xml.index(b"?>") + 2:].lstrip()
    return xml


def envelope_xml(servico: str, xml: bytes) -> bytes:
    """Envelope SOAP 1.2 (sem Header) com o XML **sem compactar** dentro do `nfcomDadosMsg` —
    status, consulta e evento. Os bytes do XML entram como estão (a assinatura do evento continua
    valendo); só a declaração `<?xml …?>` sai."""
    etree.fromstring(xml)  # XML malformado falha aqui, antes de ir para a rede
    return (b'<?xml version="1.0" encoding="utf-8"?>'
            b'<soap12:Envelope xmlns:soap12="' + SOAP12.encode() + b'"><soap12:Body>'
            b'<nfcomDadosMsg xmlns="' + namespace_wsdl(servico).encode() + b'">' + _sem_declaracao(xml)
            + b"</nfcomDadosMsg></soap12:Body></soap12:Envelope>")


def _isolado(el: etree._Element) -> etree._Element:
    """Cópia do elemento como documento próprio, sem as declarações de namespace herdadas do
    envelope que ele não usa (senão a C14N inclusiva da assinatura muda)."""
    copia = etree.fromstring(etree.tostring(el))
    etree.cleanup_namespaces(copia)
    return copia


def ler_envelope_xml(envelope: bytes, servico: str) -> etree._Element:
    """Para o servidor local: o elemento de dentro do `nfcomDadosMsg` (status, consulta, evento)."""
    raiz = _ler_xml(envelope, _("o envelope SOAP"))
    dados = raiz.find(f"{_S}Body/{{{namespace_wsdl(servico)}}}nfcomDadosMsg")
    if dados is None or len(dados) != 1:
        raise RetornoError(_("envelope sem soap12:Body/nfcomDadosMsg com um único elemento"))
    return _isolado(dados[0])


def envelope_resultado(servico: str, xml: bytes | etree._Element) -> bytes:
    """Para o servidor local: a resposta SOAP com o retorno dentro do `nfcomResultMsg`."""
    if isinstance(xml, etree._Element):
        xml = etree.tostring(xml, encoding="UTF-8")
    return (b'<?xml version="1.0" encoding="utf-8"?>'
            b'<soap12:Envelope xmlns:soap12="' + SOAP12.encode() + b'"><soap12:Body>'
            b'<nfcomResultMsg xmlns="' + namespace_wsdl(servico).encode() + b'">' + _sem_declaracao(xml)
            + b"</nfcomResultMsg></soap12:Body></soap12:Envelope>")


def envelope_falha(motivo: str) -> bytes:
    """Para o servidor local: um SOAP 1.2 Fault (Receiver) com o motivo."""
    env = etree.Element(_S + "Envelope", nsmap={"soap12": SOAP12})
    falha = etree.SubElement(etree.SubElement(env, _S + "Body"), _S + "Fault")
    etree.SubElement(etree.SubElement(falha, _S + "Code"), _S + "Value").text = "soap12:Receiver"
    texto = etree.SubElement(etree.SubElement(falha, _S + "Reason"), _S + "Text")
    texto.set("{http://www.w3.org/XML/1998/namespace}lang", "pt-BR")
    texto.text = motivo
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def motivo_falha(resposta: bytes) -> str | None:
    """O texto do SOAP Fault da resposta, ou None se ela não é um Fault."""
    try:
        raiz = etree.fromstring(resposta)
    except etree.XMLSyntaxError:
        return None
    falha = raiz.find(f"{_S}Body/{_S}Fault")
    if falha is None:
        return None
    return " ".join(t.strip() for t in falha.itertext() if t.strip())


def ler_resultado(resposta: bytes, servico: str, raiz_esperada: str, esquema: str | None) -> etree._Element:
    """O elemento `raiz_esperada` (ex.: "retConsStatServNFCom") da resposta SOAP, em XML ou
    compactado dentro do `nfcomResultMsg`, validado no `esquema` (None: quem chama valida). SOAP
    Fault, HTML ou resposta sem o retorno ⇒ `RetornoError` pt-BR."""
    raiz = _ler_xml(resposta, _("a resposta do autorizador"))
    motivo = motivo_falha(resposta)
    if motivo is not None:
        raise RetornoError(_("o autorizador devolveu SOAP Fault: {m}").format(m=motivo))
    alvo = _N + raiz_esperada
    ret = raiz if raiz.tag == alvo else raiz.find(".//" + alvo)
    if ret is None:
        resultado = raiz.find(".//{%s}nfcomResultMsg" % namespace_wsdl(servico))
        if resultado is None or not (resultado.text or "").strip():
            raise RetornoError(_("resposta sem nfcomResultMsg/{r}").format(r=raiz_esperada))
        ret = _ler_xml(descompactar(resultado.text), "nfcomResultMsg")
        if ret.tag != alvo:
            raise RetornoError(_("nfcomResultMsg não traz um {r}").format(r=raiz_esperada))
    ret = _isolado(ret)
    if esquema:
        validar_xsd(ret, esquema)
    return ret


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


class AliasesCStat:
    """`cstat` / `xmotivo`: sinônimos de `c_stat` / `x_motivo` (a API combinada com quem transmite as
    notas) para os retornos do autorizador (`RetornoNFCom`, `RetornoStatus`, `RetornoConsulta`,
    `RetornoEvento`)."""

    c_stat: str
    x_motivo: str

    @property
    def cstat(self) -> str:
        return self.c_stat

    @property
    def xmotivo(self) -> str:
        return self.x_motivo


@dataclass(frozen=True)
class RetornoNFCom(AliasesCStat):
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


def ler_protocolo(prot_el: etree._Element) -> ProtocoloNFCom:
    """`protNFCom` (do retNFCom ou do retConsSitNFCom) → `ProtocoloNFCom`."""
    inf = prot_el.find(_N + "infProt")
    if inf is None:
        raise RetornoError(_("protNFCom sem infProt"))
    return ProtocoloNFCom(
        chave=_texto(inf, "chNFCom"), data_recebimento=_texto(inf, "dhRecbto"), c_stat=_texto(inf, "cStat"),
        x_motivo=_texto(inf, "xMotivo"), numero=_texto(inf, "nProt") or None,
        digest=_texto(inf, "digVal") or None, xml=etree.tostring(_isolado(prot_el), encoding="UTF-8"))


def ler_retorno_recepcao(resposta: bytes) -> RetornoNFCom:
    """Lê a resposta SOAP do `nfcomRecepcao`; `RetornoError` em pt-BR quando não há `retNFCom`."""
    ret = ler_resultado(resposta, "recepcao", "retNFCom", "retNFCom_v1.00.xsd")
    prot_el = ret.find(_N + "protNFCom")
    protocolo = ler_protocolo(prot_el) if prot_el is not None else None
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
