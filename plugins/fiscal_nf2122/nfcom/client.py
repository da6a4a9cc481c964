"""Cliente dos web services da NFCom (MOC 1.00a §3–§6): SOAP 1.2 sobre HTTPS com TLS mútuo.

Uso (quem transmite as notas — documentos modelo 62, geração automática, CLI)::

    cliente = NFComClient(certificado=carregar_pfx(caminho, senha), uf="PR", tp_amb=2)
    ret = cliente.autorizar(xml_assinado)      # RetornoNFCom: .cstat .xmotivo .autorizada .protocolo
    if ret.autorizada:
        guardar(nfcom_proc(xml_assinado, ret.protocolo))
    cliente.status_servico()                    # RetornoStatus: .cstat == "107" em operação
    cliente.consultar(chave)                    # RetornoConsulta: .cstat 100/101/102/150 ou 217…
    ev = cancelamento_assinado(chave=…, protocolo=…, justificativa=…, certificado=…, quando=agora,
                               autorizada_em=…)  # eventos.py; PrazoCancelamentoError (220) antes da rede
    cliente.enviar_evento(ev)                   # RetornoEvento: .cstat "135" registrado, .protocolo

`NFComClient(urls=None, *, certificado, ca_file=None, timeout=30, uf="RS", tp_amb=2)`:

- `urls`: {"recepcao"|"status"|"consulta"|"evento": URL}; o que faltar vem de `URLS_SVRS[tp_amb]`.
- `certificado`: o A1 da empresa (`CertificadoA1`), apresentado como certificado cliente no TLS.
  O `ssl` do Python só carrega certificado de arquivo: a chave vai para um PEM temporário (permissão
  0600, **cifrado** com uma senha aleatória de uso único) que é apagado logo depois de carregado.
- `ca_file`: cadeia que valida o servidor (PEM); `None` = CAs do sistema. TLS 1.2 no mínimo.
- Regras: cada pedido e cada retorno é validado nos XSD oficiais (`schemas/`). Rejeição do
  autorizador **não** é exceção: volta no `cstat`/`xmotivo`. Falha de rede, tempo esgotado, TLS
  recusado, HTTP ≠ 200, página HTML ou resposta ilegível ⇒ `ComunicacaoError` (pt-BR, diz o serviço,
  a URL, o que houve, e que a nota pode seguir em contingência); dados inválidos antes do envio ⇒
  `NFComError` / `NFComSchemaError`.

Endereços do SVRS (MOC; ACBr `ACBrNFComServicos.ini`, Uni.NFCom, nfcom-ruby): conferidos em três
projetos públicos, não contra o serviço real. Namespaces `…/nfcom/wsdl/<Serviço>` e as operações
(`nfcomStatusServicoNF`, `nfcomConsultaNF`, `nfcomRecepcaoEvento`): NÃO VERIFICADO contra o `?wsdl`.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat
from lxml import etree

from core.br.ibge import UF_CODES
from core.i18n import _
from plugins.fiscal_nf2122.nfcom.certificado import CertificadoA1
from plugins.fiscal_nf2122.nfcom.chave import ChaveError, ler_chave
from plugins.fiscal_nf2122.nfcom.eventos import RetornoEvento, ler_ret_evento, validar_evento
from plugins.fiscal_nf2122.nfcom.soap import (
    AliasesCStat,
    ProtocoloNFCom,
    RetornoError,
    RetornoNFCom,
    content_type,
    envelope_recepcao,
    envelope_xml,
    ler_protocolo,
    ler_resultado,
    ler_retorno_recepcao,
    motivo_falha,
    nome_servico,
)
from plugins.fiscal_nf2122.nfcom.xsd import NS, NFComError, validar_xsd

_N = "{%s}" % NS
VERSAO = "1.00"
SERVICOS = ("recepcao", "status", "consulta", "evento")

_CAMINHOS = {
    "recepcao": "/WS/NFComRecepcao/NFComRecepcao.asmx",
    "status": "/WS/NFComStatusServico/NFComStatusServico.asmx",
    "consulta": "/WS/NFComConsulta/NFComConsulta.asmx",
    "evento": "/WS/NFComRecepcaoEvento/NFComRecepcaoEvento.asmx",
}
URLS_SVRS: dict[int, dict[str, str]] = {
    1: {s: "https://nfcom.svrs.rs.gov.br" + c for s, c in _CAMINHOS.items()},
    2: {s: "https://nfcom-homologacao.svrs.rs.gov.br" + c for s, c in _CAMINHOS.items()},
}


class ComunicacaoError(RetornoError):
    """O autorizador não respondeu de forma utilizável (rede, TLS, tempo, HTTP, HTML).

    `talvez_processada`: o pedido chegou a sair (tempo esgotado esperando a resposta, conexão caída
    depois do envio, HTTP 5xx, resposta ilegível) — a nota pode ter sido autorizada: consultar antes
    de reenviar. Falso quando a conexão nem se estabeleceu (recusada, DNS, aperto de mão TLS)."""

    def __init__(self, servico: str, url: str, o_que: str, *, talvez_processada: bool = False):
        self.servico, self.url, self.o_que = servico, url, o_que
        self.talvez_processada = talvez_processada
        if talvez_processada:
            conselho = _("Não se sabe se o autorizador processou o pedido: consulte a situação da NFCom "
                         "(NFComConsulta) antes de reenviar; se o serviço continuar fora, emita em contingência "
                         "(tpEmis 2) e transmita depois.")
        else:
            conselho = _("O pedido não chegou ao autorizador; tente de novo mais tarde ou emita em contingência "
                         "(tpEmis 2) e transmita depois.")
        super().__init__(_("{s} ({u}): {o}. {c}").format(s=nome_servico(servico), u=url, o=o_que, c=conselho))


@dataclass(frozen=True)
class RetornoStatus(AliasesCStat):
    tp_amb: str
    versao_aplicativo: str
    c_stat: str
    x_motivo: str
    c_uf: str
    data_recebimento: str
    tempo_medio: str | None
    data_retorno: str | None
    observacao: str | None
    xml: bytes = field(repr=False)

    @property
    def em_operacao(self) -> bool:
        return self.c_stat == "107"


@dataclass(frozen=True)
class RetornoConsulta(AliasesCStat):
    tp_amb: str
    versao_aplicativo: str
    c_stat: str
    x_motivo: str
    c_uf: str
    protocolo: ProtocoloNFCom | None
    eventos: tuple[RetornoEvento, ...]
    xml: bytes = field(repr=False)

    @property
    def autorizada(self) -> bool:
        """Situação 100/150: autorizada e sem cancelamento nem substituição."""
        return self.c_stat in ("100", "150")

    @property
    def cancelada(self) -> bool:
        return self.c_stat == "101"

    @property
    def substituida(self) -> bool:
        return self.c_stat == "102"


def _texto(el: etree._Element, nome: str) -> str | None:
    valor = (el.findtext(_N + nome) or "").strip()
    return valor or None


def _pem_cifrado(certificado: CertificadoA1, senha: bytes) -> bytes:
    chave = certificado.chave_privada.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                     BestAvailableEncryption(senha))
    return certificado.certificado.public_bytes(Encoding.PEM) + chave


def contexto_tls(certificado: CertificadoA1, ca_file: str | None = None) -> ssl.SSLContext:
    """`SSLContext` cliente: TLS ≥ 1.2, servidor conferido (nome e cadeia), o A1 como certificado cliente."""
    contexto = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    contexto.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        contexto.load_verify_locations(cafile=ca_file)
    else:
        contexto.load_default_certs(ssl.Purpose.SERVER_AUTH)
    senha = secrets.token_hex(16).encode()
    fd, caminho = tempfile.mkstemp(prefix="quita-nfcom-", suffix=".pem")  # mkstemp cria com 0600
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as arquivo:
            arquivo.write(_pem_cifrado(certificado, senha))
        contexto.load_cert_chain(caminho, password=senha)
    finally:
        os.unlink(caminho)
    return contexto


def validar_retorno_consulta(ret: etree._Element) -> None:
    """Valida o `retConsSitNFCom`. O esquema declara `protNFCom` e `procEventoNFCom` como `xs:any` de
    um só filho; o `protNFCom` é conferido dentro de um `retNFCom` (tipo `TProtNFCom`) e cada
    `procEventoNFCom` no `procEventoNFCom_v1.00.xsd` (evento + retorno, dois filhos, como o arquivo
    de distribuição — formato do SVRS NÃO VERIFICADO); o resto no `retConsSitNFCom_v1.00.xsd`."""
    copia = etree.fromstring(etree.tostring(ret))
    for proc in copia.findall(_N + "procEventoNFCom"):
        validar_xsd(etree.fromstring(etree.tostring(proc)), "procEventoNFCom_v1.00.xsd")
        copia.remove(proc)
    validar_xsd(copia, "retConsSitNFCom_v1.00.xsd")
    prot = copia.find(_N + "protNFCom")
    if prot is not None:
        envoltorio = etree.Element(_N + "retNFCom", nsmap={None: NS}, versao=VERSAO)
        for nome in ("tpAmb", "cUF", "verAplic", "cStat", "xMotivo"):
            etree.SubElement(envoltorio, _N + nome).text = copia.findtext(_N + nome)
        envoltorio.append(etree.fromstring(etree.tostring(prot)))
        validar_xsd(envoltorio, "retNFCom_v1.00.xsd")


class NFComClient:
    """Os quatro serviços da NFCom num autorizador (SVRS por padrão). Veja o docstring do módulo."""

    def __init__(self, urls: dict[str, str] | None = None, *, certificado: CertificadoA1,
                 ca_file: str | None = None, timeout: float = 30, uf: str = "RS", tp_amb: int = 2):
        if tp_amb not in (1, 2):
            raise NFComError(_("tpAmb: 1 produção ou 2 homologação (recebido {v})").format(v=tp_amb))
        uf = (uf or "").upper()
        if uf not in UF_CODES:
            raise NFComError(_("UF desconhecida: {u}").format(u=uf))
        desconhecidos = set(urls or {}) - set(SERVICOS)
        if desconhecidos:
            raise NFComError(_("serviços desconhecidos nas URLs: {s} (use {v})")
                             .format(s=", ".join(sorted(desconhecidos)), v=", ".join(SERVICOS)))
        self.urls = {**URLS_SVRS[tp_amb], **(urls or {})}
        for servico, url in self.urls.items():
            partes = urlsplit(url)
            if partes.scheme != "https" or not partes.hostname:
                raise NFComError(_("URL do serviço {s} deve ser https://…: {u}").format(s=servico, u=url))
        self.certificado = certificado
        self.ca_file = ca_file
        self.timeout = timeout
        self.uf = uf
        self.cuf = f"{UF_CODES[uf]:02d}"
        self.tp_amb = tp_amb
        self._contexto: ssl.SSLContext | None = None

    # -- transporte ---------------------------------------------------------------------------------

    def _ssl(self) -> ssl.SSLContext:
        if self._contexto is None:
            self.certificado.conferir_validade()
            self._contexto = contexto_tls(self.certificado, self.ca_file)
        return self._contexto

    def _postar(self, servico: str, envelope: bytes) -> bytes:
        url = self.urls[servico]
        partes = urlsplit(url)
        caminho = partes.path or "/"
        if partes.query:
            caminho += "?" + partes.query
        contexto = self._ssl()

        conectado = False

        def falha(o_que: str, *, talvez: bool | None = None) -> ComunicacaoError:
            return ComunicacaoError(servico, url, o_que, talvez_processada=conectado if talvez is None else talvez)

        conexao = http.client.HTTPSConnection(partes.hostname, partes.port or 443, timeout=self.timeout,
                                              context=contexto)
        try:
            try:
                conexao.connect()  # TCP + aperto de mão TLS
                conectado = True
                conexao.request("POST", caminho, body=envelope,
                                headers={"Content-Type": content_type(servico), "Accept": "application/soap+xml"})
                resposta = conexao.getresponse()
                corpo = resposta.read()
            except (TimeoutError, socket.timeout):
                raise falha(_("tempo esgotado ({t:g} s) sem resposta do autorizador").format(t=self.timeout)) from None
            except ssl.SSLCertVerificationError as exc:
                raise falha(_("certificado do servidor não confere ({e})")
                            .format(e=exc.verify_message or exc.reason), talvez=False) from None
            except ssl.SSLError as exc:  # no TLS 1.3 a recusa do A1 chega depois do aperto de mão
                raise falha(_("falha no TLS mútuo ({e}); o autorizador pode ter recusado o certificado A1")
                            .format(e=exc.reason or exc), talvez=False) from None
            except ConnectionRefusedError:
                raise falha(_("conexão recusada (serviço fora do ar?)")) from None
            except socket.gaierror as exc:
                raise falha(_("endereço não encontrado ({e})").format(e=exc.strerror or exc)) from None
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                raise falha(_("o autorizador encerrou a conexão sem responder (certificado A1 recusado ou "
                              "serviço instável)")) from None
            except (OSError, http.client.HTTPException) as exc:
                raise falha(_("erro de comunicação: {e}").format(e=exc)) from None
        finally:
            conexao.close()
        tipo = (resposta.getheader("Content-Type") or "").lower()
        inicio = corpo.lstrip()[:200].lower()
        html = "text/html" in tipo or inicio.startswith((b"<!doctype html", b"<html"))
        if resposta.status != 200:
            motivo = None if html else motivo_falha(corpo)
            detalhe = _(" — SOAP Fault: {m}").format(m=motivo) if motivo else ""
            raise falha(_("HTTP {c} {r}{d}").format(c=resposta.status, r=resposta.reason, d=detalhe), talvez=True)
        if html:
            raise falha(_("o autorizador respondeu uma página HTML em vez de SOAP (manutenção ou endereço "
                          "errado)"), talvez=True)
        return corpo

    def _ler(self, servico: str, corpo: bytes, leitor):
        try:
            return leitor(corpo)
        except RetornoError as exc:
            if isinstance(exc, ComunicacaoError):
                raise
            raise ComunicacaoError(servico, self.urls[servico], _("resposta ilegível: {e}").format(e=exc),
                                   talvez_processada=True) from None
        except NFComError as exc:  # retorno fora do XSD
            raise ComunicacaoError(servico, self.urls[servico], _("retorno fora do esquema XSD: {e}").format(e=exc),
                                   talvez_processada=True) from None

    def _conferir_ambiente(self, tp_amb: str | None, campo: str) -> None:
        if tp_amb != str(self.tp_amb):
            raise NFComError(_("{c}: o documento é do ambiente {d} e o cliente está configurado para {a} "
                               "(1 produção, 2 homologação)").format(c=campo, d=tp_amb, a=self.tp_amb))

    # -- serviços -----------------------------------------------------------------------------------

    def autorizar(self, xml_assinado: bytes) -> RetornoNFCom:
        """`NFComRecepcao` (síncrono, uma nota, GZip+Base64). A nota é validada no XSD antes do envio."""
        validar_xsd(xml_assinado, "nfcom_v1.00.xsd")
        self._conferir_ambiente(etree.fromstring(xml_assinado).findtext(f"{_N}infNFCom/{_N}ide/{_N}tpAmb"),
                                "NFCom/infNFCom/ide/tpAmb")
        corpo = self._postar("recepcao", envelope_recepcao(xml_assinado))
        return self._ler("recepcao", corpo, ler_retorno_recepcao)

    def status_servico(self, cuf: str | int | None = None, tp_amb: int | None = None) -> RetornoStatus:
        """`NFComStatusServico` (consStatServNFCom). O pedido 1.00 não leva cUF (o autorizador devolve
        o seu); `cuf`, se informado, é conferido no retorno."""
        amb = tp_amb or self.tp_amb
        pedido = etree.Element(_N + "consStatServNFCom", nsmap={None: NS}, versao=VERSAO)
        etree.SubElement(pedido, _N + "tpAmb").text = str(amb)
        etree.SubElement(pedido, _N + "xServ").text = "STATUS"
        validar_xsd(pedido, "consStatServNFCom_v1.00.xsd")
        corpo = self._postar("status", envelope_xml("status", etree.tostring(pedido, encoding="UTF-8")))

        def ler(dados: bytes) -> RetornoStatus:
            ret = ler_resultado(dados, "status", "retConsStatServNFCom", "retConsStatServNFCom_v1.00.xsd")
            return RetornoStatus(
                tp_amb=_texto(ret, "tpAmb") or "", versao_aplicativo=_texto(ret, "verAplic") or "",
                c_stat=_texto(ret, "cStat") or "", x_motivo=_texto(ret, "xMotivo") or "",
                c_uf=_texto(ret, "cUF") or "", data_recebimento=_texto(ret, "dhRecbto") or "",
                tempo_medio=_texto(ret, "tMed"), data_retorno=_texto(ret, "dhRetorno"),
                observacao=_texto(ret, "xObs"), xml=etree.tostring(ret, encoding="UTF-8"))

        retorno = self._ler("status", corpo, ler)
        if cuf is not None and retorno.c_uf != f"{int(cuf):02d}":
            raise ComunicacaoError("status", self.urls["status"],
                                   _("o autorizador respondeu pela UF {r}, e a consulta era da UF {c}")
                                   .format(r=retorno.c_uf, c=f"{int(cuf):02d}"))
        return retorno

    def consultar(self, chave: str, tp_amb: int | None = None) -> RetornoConsulta:
        """`NFComConsulta` (consSitNFCom): situação atual, protocolo e eventos da nota."""
        try:
            texto = ler_chave(chave).texto
        except ChaveError as exc:
            raise NFComError(_("chNFCom: {e}").format(e=exc)) from exc
        pedido = etree.Element(_N + "consSitNFCom", nsmap={None: NS}, versao=VERSAO)
        etree.SubElement(pedido, _N + "tpAmb").text = str(tp_amb or self.tp_amb)
        etree.SubElement(pedido, _N + "xServ").text = "CONSULTAR"
        etree.SubElement(pedido, _N + "chNFCom").text = texto
        validar_xsd(pedido, "consSitNFCom_v1.00.xsd")
        corpo = self._postar("consulta", envelope_xml("consulta", etree.tostring(pedido, encoding="UTF-8")))

        def ler(dados: bytes) -> RetornoConsulta:
            ret = ler_resultado(dados, "consulta", "retConsSitNFCom", None)
            validar_retorno_consulta(ret)
            prot = ret.find(_N + "protNFCom")
            protocolo = ler_protocolo(prot) if prot is not None else None
            eventos = tuple(ler_ret_evento(proc.find(_N + "retEventoNFCom"))
                            for proc in ret.findall(_N + "procEventoNFCom"))
            return RetornoConsulta(
                tp_amb=_texto(ret, "tpAmb") or "", versao_aplicativo=_texto(ret, "verAplic") or "",
                c_stat=_texto(ret, "cStat") or "", x_motivo=_texto(ret, "xMotivo") or "",
                c_uf=_texto(ret, "cUF") or "", protocolo=protocolo, eventos=eventos,
                xml=etree.tostring(ret, encoding="UTF-8"))

        return self._ler("consulta", corpo, ler)

    def enviar_evento(self, evento_assinado: bytes) -> RetornoEvento:
        """`NFComRecepcaoEvento`: o `eventoNFCom` assinado (ex.: `eventos.cancelamento_assinado`)."""
        validar_evento(evento_assinado)
        self._conferir_ambiente(etree.fromstring(evento_assinado).findtext(f"{_N}infEvento/{_N}tpAmb"),
                                "eventoNFCom/infEvento/tpAmb")
        corpo = self._postar("evento", envelope_xml("evento", evento_assinado))

        def ler(dados: bytes) -> RetornoEvento:
            return ler_ret_evento(ler_resultado(dados, "evento", "retEventoNFCom", "retEventoNFCom_v1.00.xsd"))

        return self._ler("evento", corpo, ler)
