"""Emulador local do autorizador da NFCom (SVRS) para os testes: HTTPS de verdade com TLS mútuo.

- PKI de teste gerada na hora (`cryptography`): uma AC, o certificado do servidor (127.0.0.1 e
  localhost) e o A1 do provedor emitido pela mesma AC. O servidor exige certificado cliente
  (`CERT_REQUIRED`) emitido pela AC: sem certificado, ou com um de outra AC, o TLS falha.
- `http.server` + `ssl` numa thread, porta efêmera em 127.0.0.1; o aperto de mão TLS é feito na
  thread de cada conexão (uma conexão parada não trava as outras).
- Rotas do SVRS (`/WS/<Serviço>/<Serviço>.asmx`) e a `action` do SOAP 1.2 no Content-Type.
- Regras implementadas (MOC 1.00a, códigos e textos do manual; 227/253/204/539 do Anexo I, com o
  texto das outras DF-e — o texto extraído do MOC não traz o Anexo):
  recepção: envelope ilegível 244 → XSD 215 → assinatura 297 → CNPJ-base do certificado 213 →
  ambiente 252 → Id × campos 227 → DV 253 → duplicidade só de nota já autorizada (204 mesma chave,
  539 chave diferente) → 100 com nProt de 16 dígitos e `digVal` = DigestValue; NFCom de substituição
  (finNFCom 3) autorizada marca a substituída (gSub/chNFCom).
  status: 107. consulta: 100/101/102 com protNFCom e procEventoNFCom, 217 não consta, 236 chave
  inválida.
  evento, na ordem do MOC (§5.1.5 grupo K, §6.1.1 grupo L): XSD 215, assinatura 297, 213, 252, Id 628,
  tpEvento 629, evCancNFCom 630, chave 236, cOrgao 226, autor 632, **duplicidade de evento 631** (o
  reenvio do mesmo cancelamento cai aqui, antes da L05), 217, dhEvento antes da emissão 634,
  nSeqEvento > 1 636, 218 já cancelada (só via `marcar_cancelada`), 224 substituída, 524 finNFCom 3,
  222 protocolo diferente, 220 fora do prazo (relógio injetável, tolerância de 5 minutos), 135.
- Todo retorno é validado no XSD `ret*` antes de sair.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from plugins.fiscal_nf2122.nfcom.chave import ChaveError, digito_verificador, ler_chave
from plugins.fiscal_nf2122.nfcom.client import validar_retorno_consulta
from plugins.fiscal_nf2122.nfcom.certificado import cnpj_do_certificado
from plugins.fiscal_nf2122.nfcom.eventos import (
    TOLERANCIA_AUTORIZADOR,
    TP_CANCELAMENTO,
    dentro_do_prazo,
    id_evento,
    ler_data_hora,
    validar_evento,
)
from plugins.fiscal_nf2122.nfcom.signature import verificar_assinatura
from plugins.fiscal_nf2122.nfcom.soap import (
    SERVICOS_SOAP,
    RetornoError,
    acao_soap,
    envelope_falha,
    envelope_resultado,
    ler_envelope_recepcao,
    ler_envelope_xml,
)
from plugins.fiscal_nf2122.nfcom.xsd import DSIG_NS, NS, NFComError, problemas_xsd, validar_xsd

BRT = timezone(timedelta(hours=-3))
VER_APLIC = "SVRS-QUITA-1.00"
_N = "{%s}" % NS
_D = "{%s}" % DSIG_NS


# -- PKI de teste -------------------------------------------------------------------------------------


def gerar_ac(nome: str = "AC Teste Quita (ICP-Brasil simulada)") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    chave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sujeito = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                         x509.NameAttribute(NameOID.COMMON_NAME, nome)])
    agora = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(sujeito).issuer_name(sujeito).public_key(chave.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(agora - timedelta(days=1))
            .not_valid_after(agora + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(chave.public_key()), critical=False)
            .sign(chave, hashes.SHA256()))
    return chave, cert


def gerar_certificado_servidor(ac: tuple[rsa.RSAPrivateKey, x509.Certificate]
                               ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    chave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    agora = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nfcom-homologacao.local")]))
            .issuer_name(ac[1].subject).public_key(chave.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(agora - timedelta(days=1))
            .not_valid_after(agora + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ac[0].public_key()), critical=False)
            .sign(ac[0], hashes.SHA256()))
    return chave, cert


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_chave(chave: rsa.RSAPrivateKey) -> bytes:
    return chave.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())


# -- o autorizador (regras, sem HTTP) ------------------------------------------------------------------


@dataclass
class NotaAutorizada:
    chave: str
    numero_protocolo: str
    autorizada_em: datetime
    xml: bytes
    prot_xml: bytes
    finalidade: str
    emitida_em: datetime
    cancelamento: tuple[str, datetime] | None = None  # (nProt do evento, dhRegEvento)
    substituicao: tuple[str, datetime] | None = None  # (nProt da substituta, quando)
    eventos: list[bytes] = field(default_factory=list)  # procEventoNFCom


def _dh(valor: datetime) -> str:
    return valor.astimezone(BRT).isoformat(timespec="seconds")


def _el(pai: etree._Element, nome: str, texto: str | None) -> None:
    if texto is not None:
        etree.SubElement(pai, _N + nome).text = texto


class Autorizador:
    """As regras do autorizador sobre bytes de envelope SOAP; guarda as notas em memória."""

    def __init__(self, *, tp_amb: int = 2, c_uf: str = "43", relogio: Callable[[], datetime] | None = None):
        self.tp_amb = str(tp_amb)
        self.c_uf = c_uf  # 43 = RS (SVRS)
        self.relogio: Callable[[], datetime] = relogio or (lambda: datetime.now(BRT))
        self.notas: dict[str, NotaAutorizada] = {}
        self._por_numero: dict[tuple[str, ...], str] = {}
        self._eventos: dict[tuple[str, ...], tuple[str, datetime]] = {}
        self._sequencia = 0
        self._trava = threading.Lock()

    def _protocolo(self, cuf: str) -> str:
        self._sequencia += 1
        return f"3{cuf}{self.relogio():%y}{self._sequencia:011d}"

    # recepção ---------------------------------------------------------------------------------------

    def _ret_nfcom(self, c_uf: str, c_stat: str, motivo: str, prot: etree._Element | None = None) -> bytes:
        ret = etree.Element(_N + "retNFCom", nsmap={None: NS}, versao="1.00")
        for nome, valor in (("tpAmb", self.tp_amb), ("cUF", c_uf), ("verAplic", VER_APLIC), ("cStat", c_stat),
                            ("xMotivo", motivo[:255])):
            _el(ret, nome, valor)
        if prot is not None:
            ret.append(prot)
        validar_xsd(ret, "retNFCom_v1.00.xsd")
        return envelope_resultado("recepcao", ret)

    def recepcao(self, envelope: bytes) -> bytes:
        try:
            xml = ler_envelope_recepcao(envelope)
        except RetornoError:
            return self._ret_nfcom(self.c_uf, "244", "Rejeição: Falha na descompactação da área de dados")
        try:
            problemas = problemas_xsd(xml)
        except etree.XMLSyntaxError:
            problemas = ["XML malformado"]
        if problemas:
            return self._ret_nfcom(self.c_uf, "215", f"Rejeição: Falha no schema XML [{problemas[0]}]")
        raiz = etree.fromstring(xml)
        inf = raiz.find(_N + "infNFCom")
        ide = inf.find(_N + "ide")

        def campo(nome: str) -> str:
            return (ide.findtext(_N + nome) or "").strip()

        c_uf = campo("cUF")
        assinatura = verificar_assinatura(xml)
        if not assinatura.valida:  # E02
            return self._ret_nfcom(c_uf, "297", "Rejeição: Assinatura difere do calculado")
        cnpj = (inf.findtext(f"{_N}emit/{_N}CNPJ") or "").strip()
        if (cnpj_do_certificado(assinatura.certificado) or "")[:8] != cnpj[:8]:  # E03
            return self._ret_nfcom(c_uf, "213", "Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do "
                                                "Certificado Digital")
        if campo("tpAmb") != self.tp_amb:
            return self._ret_nfcom(c_uf, "252", "Rejeição: Ambiente informado diverge do Ambiente de recebimento")
        dh_emi = campo("dhEmi")
        sem_dv = (f"{c_uf}{dh_emi[2:4]}{dh_emi[5:7]}{cnpj}{campo('mod')}{int(campo('serie')):03d}"
                  f"{int(campo('nNF')):09d}{campo('tpEmis')}{campo('nSiteAutoriz')}{campo('cNF')}")
        chave = inf.get("Id", "")[5:]
        if chave != sem_dv + campo("cDV"):
            return self._ret_nfcom(c_uf, "227", "Rejeição: Chave de Acesso do Campo Id difere da concatenação "
                                                "dos campos correspondentes")
        if str(digito_verificador(chave[:43])) != chave[43]:
            return self._ret_nfcom(c_uf, "253", "Rejeição: Dígito Verificador da chave de acesso composta inválido")
        natural = (c_uf, cnpj, campo("mod"), campo("serie"), campo("nNF"), campo("tpEmis"), campo("nSiteAutoriz"))
        with self._trava:
            ja = self._por_numero.get(natural)
            if ja is not None:
                anterior = self.notas[ja]
                dados = f"[nProt:{anterior.numero_protocolo}][dhAut:{_dh(anterior.autorizada_em)}]"
                if ja == chave:
                    return self._ret_nfcom(c_uf, "204", f"Rejeição: Duplicidade de NFCom {dados}")
                return self._ret_nfcom(c_uf, "539", "Rejeição: Duplicidade de NFCom com diferença na Chave de "
                                                    f"Acesso [chNFCom:{ja}]{dados}")
            agora = self.relogio()
            numero = self._protocolo(c_uf)
            prot = etree.Element(_N + "protNFCom", nsmap={None: NS}, versao="1.00")
            info = etree.SubElement(prot, _N + "infProt")
            for nome, valor in (("tpAmb", self.tp_amb), ("verAplic", VER_APLIC), ("chNFCom", chave),
                                ("dhRecbto", _dh(agora)), ("nProt", numero),
                                ("digVal", raiz.findtext(f"{_D}Signature/{_D}SignedInfo/{_D}Reference/"
                                                         f"{_D}DigestValue")),
                                ("cStat", "100"), ("xMotivo", "Autorizado o uso da NFCom")):
                _el(info, nome, valor)
            prot_xml = etree.tostring(prot, encoding="UTF-8")
            finalidade = campo("finNFCom")
            self.notas[chave] = NotaAutorizada(chave, numero, agora, xml, prot_xml, finalidade,
                                               ler_data_hora(dh_emi, "dhEmi"))
            self._por_numero[natural] = chave
            substituida = (inf.findtext(f"{_N}gSub/{_N}chNFCom") or "").strip()
            if finalidade == "3" and substituida in self.notas:
                self.notas[substituida].substituicao = (numero, agora)
        return self._ret_nfcom(c_uf, "100", "Autorizado o uso da NFCom", prot)

    # status -----------------------------------------------------------------------------------------

    def status(self, envelope: bytes) -> bytes:
        c_stat, motivo = "107", "Serviço em Operação"
        try:
            pedido = ler_envelope_xml(envelope, "status")
            validar_xsd(pedido, "consStatServNFCom_v1.00.xsd")
            if pedido.findtext(_N + "tpAmb") != self.tp_amb:
                c_stat, motivo = "252", "Rejeição: Ambiente informado diverge do Ambiente de recebimento"
        except (RetornoError, NFComError):
            c_stat, motivo = "215", "Rejeição: Falha no schema XML"
        ret = etree.Element(_N + "retConsStatServNFCom", nsmap={None: NS}, versao="1.00")
        for nome, valor in (("tpAmb", self.tp_amb), ("verAplic", VER_APLIC), ("cStat", c_stat), ("xMotivo", motivo),
                            ("cUF", self.c_uf), ("dhRecbto", _dh(self.relogio())), ("tMed", "1")):
            _el(ret, nome, valor)
        validar_xsd(ret, "retConsStatServNFCom_v1.00.xsd")
        return envelope_resultado("status", ret)

    # consulta ---------------------------------------------------------------------------------------

    def consulta(self, envelope: bytes) -> bytes:
        nota, c_uf = None, self.c_uf
        try:
            pedido = ler_envelope_xml(envelope, "consulta")
            validar_xsd(pedido, "consSitNFCom_v1.00.xsd")
        except (RetornoError, NFComError):
            c_stat, motivo = "215", "Rejeição: Falha no schema XML"
        else:
            chave = pedido.findtext(_N + "chNFCom")
            try:
                c_uf = ler_chave(chave).cuf
            except ChaveError as exc:
                c_stat, motivo = "236", f"Rejeição: Chave de Acesso inválida [Motivo: {exc}]"
            else:
                nota = self.notas.get(chave)
                if nota is None:
                    c_stat, motivo = "217", "Rejeição: NFCom não consta na base de dados da SEFAZ"
                elif nota.cancelamento:
                    c_stat, motivo = "101", "Cancelamento de NFCom homologado"
                elif nota.substituicao:
                    c_stat, motivo = "102", "Substituição da NFCom homologado"
                else:
                    c_stat, motivo = "100", "Autorizado o uso da NFCom"
        ret = etree.Element(_N + "retConsSitNFCom", nsmap={None: NS}, versao="1.00")
        for nome, valor in (("tpAmb", self.tp_amb), ("verAplic", VER_APLIC), ("cStat", c_stat),
                            ("xMotivo", motivo[:255]), ("cUF", c_uf)):
            _el(ret, nome, valor)
        if nota is not None:
            ret.append(etree.fromstring(nota.prot_xml))
            for proc in nota.eventos:
                ret.append(etree.fromstring(proc))
        validar_retorno_consulta(ret)
        return envelope_resultado("consulta", ret)

    # evento -----------------------------------------------------------------------------------------

    def _ret_evento(self, c_stat: str, motivo: str, inf: etree._Element | None = None,
                    registro: tuple[str, datetime] | None = None) -> etree._Element:
        ret = etree.Element(_N + "retEventoNFCom", nsmap={None: NS}, versao="1.00")
        info = etree.SubElement(ret, _N + "infEvento")
        c_orgao = (inf.findtext(_N + "cOrgao") if inf is not None else None) or self.c_uf
        for nome, valor in (("tpAmb", self.tp_amb), ("verAplic", VER_APLIC), ("cOrgao", c_orgao),
                            ("cStat", c_stat), ("xMotivo", motivo[:255])):
            _el(info, nome, valor)
        if registro is not None and inf is not None:
            for nome, valor in (("chNFCom", inf.findtext(_N + "chNFCom")), ("tpEvento", inf.findtext(_N + "tpEvento")),
                                ("xEvento", "Cancelamento"), ("nSeqEvento", inf.findtext(_N + "nSeqEvento")),
                                ("dhRegEvento", _dh(registro[1])), ("nProt", registro[0])):
                _el(info, nome, valor)
        validar_xsd(ret, "retEventoNFCom_v1.00.xsd")
        return ret

    def evento(self, envelope: bytes) -> bytes:
        return envelope_resultado("evento", self._evento(envelope))

    def _evento(self, envelope: bytes) -> etree._Element:
        """Regras na ordem do MOC: grupos de esquema/assinatura, K (§5.1.5) e L (§6.1.1, cancelamento)."""
        try:
            evento = ler_envelope_xml(envelope, "evento")
            validar_xsd(evento, "eventoNFCom_v1.00.xsd")
        except (RetornoError, NFComError):
            return self._ret_evento("215", "Rejeição: Falha no schema XML")
        bruto = etree.tostring(evento, encoding="UTF-8")
        inf = evento.find(_N + "infEvento")

        def t(nome: str) -> str:
            return (inf.findtext(_N + nome) or "").strip()

        assinatura = verificar_assinatura(bruto)
        if not assinatura.valida:
            return self._ret_evento("297", "Rejeição: Assinatura difere do calculado", inf)
        if (cnpj_do_certificado(assinatura.certificado) or "")[:8] != t("CNPJ")[:8]:
            return self._ret_evento("213", "Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado "
                                           "Digital", inf)
        if t("tpAmb") != self.tp_amb:  # K01
            return self._ret_evento("252", "Rejeição: Ambiente informado diverge do Ambiente de recebimento", inf)
        if inf.get("Id") != id_evento(t("tpEvento"), t("chNFCom"), int(t("nSeqEvento"))):  # K04
            return self._ret_evento("628", "Rejeição: Erro Atributo ID do evento não corresponde à concatenação "
                                           'dos campos ("ID" + tpEvento + chNFCom + nSeqEvento)', inf)
        if t("tpEvento") != TP_CANCELAMENTO:  # K05: o emulador só conhece o cancelamento
            return self._ret_evento("629", "Rejeição: O tpEvento informado inválido", inf)
        try:  # K06
            validar_evento(evento)
        except NFComError:
            return self._ret_evento("630", "Rejeição: Falha no Schema XML específico para o evento", inf)
        try:  # K07
            chave = ler_chave(t("chNFCom"))
        except ChaveError as exc:
            return self._ret_evento("236", f"Rejeição: Chave de Acesso inválida [Motivo: {exc}]", inf)
        if t("cOrgao") != chave.cuf:  # K02
            return self._ret_evento("226", "Rejeição: Código da UF do Emitente diverge da UF autorizadora", inf)
        if t("CNPJ") != chave.cnpj:  # K10
            return self._ret_evento("632", "Rejeição: O autor do evento diverge do emissor da NFCom", inf)
        with self._trava:
            chave_evento = (t("cOrgao"), t("tpEvento"), t("chNFCom"), t("nSeqEvento"))
            if chave_evento in self._eventos:  # K09
                n, quando = self._eventos[chave_evento]
                return self._ret_evento("631", f"Rejeição: Duplicidade de evento [nProt:{n}][dhRegEvento:"
                                               f"{_dh(quando)}]", inf)
            nota = self.notas.get(t("chNFCom"))
            if nota is None:  # K12
                return self._ret_evento("217", "Rejeição: NFCom não consta na base de dados da SEFAZ", inf)
            if ler_data_hora(t("dhEvento"), "dhEvento") < nota.emitida_em - TOLERANCIA_AUTORIZADOR:  # K14
                return self._ret_evento("634", "Rejeição: A data do evento não pode ser menor que a data de "
                                               "emissão da NFCom", inf)
            if int(t("nSeqEvento")) > 1:  # L02
                return self._ret_evento("636", "Rejeição: O número sequencial do evento é maior que o permitido",
                                        inf)
            if nota.cancelamento is not None:  # L05 (com K09 antes, só sem o evento registrado aqui)
                n, quando = nota.cancelamento
                return self._ret_evento("218", "Rejeição: NFCom já está cancelada na base de dados da SEFAZ. "
                                               f"[nProt:{n}][dhCanc:{_dh(quando)}]", inf)
            if nota.substituicao is not None:  # L06
                n, quando = nota.substituicao
                return self._ret_evento("224", "Rejeição: NFCom já está substituída na base de dados da SEFAZ. "
                                               f"[nProt:{n}][dhSubst:{_dh(quando)}]", inf)
            if nota.finalidade == "3":  # L07
                return self._ret_evento("524", "Rejeição: NFCom de substituição não pode ser cancelada", inf)
            if inf.findtext(f"{_N}detEvento/{_N}evCancNFCom/{_N}nProt") != nota.numero_protocolo:  # L10
                return self._ret_evento("222", "Rejeição: Protocolo de Autorização de Uso difere do cadastrado", inf)
            agora = self.relogio()
            if not dentro_do_prazo(nota.autorizada_em, agora, tolerancia=TOLERANCIA_AUTORIZADOR):  # L11
                return self._ret_evento("220", "Rejeição: Vedado cancelamento de NFCom com data/hora de "
                                               "autorização anterior ao prazo permitido", inf)
            registro = (self._protocolo(nota.chave[:2]), agora)
            ret = self._ret_evento("135", "Evento registrado e vinculado a NFCom", inf, registro)
            proc = etree.Element(_N + "procEventoNFCom", nsmap={None: NS}, versao="1.00")
            proc.append(etree.fromstring(bruto))
            proc.append(etree.fromstring(etree.tostring(ret)))
            validar_xsd(proc, "procEventoNFCom_v1.00.xsd")
            nota.cancelamento = registro
            nota.eventos.append(etree.tostring(proc, encoding="UTF-8"))
            self._eventos[chave_evento] = registro
            return ret

    def marcar_cancelada(self, chave: str, quando: datetime) -> None:
        """Situação "cancelada" sem o evento do emissor neste emulador (ex.: registrada por outro
        sistema antes da migração) — o caso em que a regra L05 (218) aparece."""
        with self._trava:
            self.notas[chave].cancelamento = (self._protocolo(chave[:2]), quando)


# -- HTTPS --------------------------------------------------------------------------------------------

ROTAS = {f"/ws/{nome.lower()}/{nome.lower()}.asmx": servico for servico, (nome, _op) in SERVICOS_SOAP.items()}


class _Handler(BaseHTTPRequestHandler):
    server: "_Servidor"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(10)
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            self.server.dono.registrar_falha_tls(str(exc))
            raise
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 — silencioso nos testes
        return

    def _responder(self, codigo: int, corpo: bytes, tipo: str = "application/soap+xml; charset=utf-8") -> None:
        self.send_response(codigo)
        self.send_header("Content-Type", tipo)
        self.send_header("Content-Length", str(len(corpo)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(corpo)
        self.close_connection = True

    def do_POST(self) -> None:  # noqa: N802
        dono = self.server.dono
        corpo = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        servico = ROTAS.get(self.path.split("?")[0].lower())
        dono.pedidos.append((self.path, self.headers.get("Content-Type", "")))
        if dono.modo == "travar":
            dono.liberar.wait(10)
            return
        if dono.modo == "html":
            self._responder(200, b"<!DOCTYPE html><html><body><h1>Servico em manutencao</h1></body></html>",
                            "text/html; charset=utf-8")
            return
        if dono.modo == "fora_do_xsd" and servico is not None:
            self._responder(200, envelope_resultado(servico, f'<retConsStatServNFCom xmlns="{NS}" versao="1.00">'
                                                             '<tpAmb>7</tpAmb></retConsStatServNFCom>'.encode()))
            return
        if dono.modo == "http500":
            self._responder(500, envelope_falha("Erro interno do servidor (teste)"))
            return
        if servico is None:
            self._responder(404, b"<html><body>404 - nao encontrado</body></html>", "text/html")
            return
        if f'action="{acao_soap(servico)}"' not in self.headers.get("Content-Type", ""):
            self._responder(500, envelope_falha(f"Ação SOAP diferente de {acao_soap(servico)}"))
            return
        try:
            resposta = getattr(dono.autorizador, servico)(corpo)
        except Exception:  # defeito do emulador: fica em `erros` (o teste confere) e vira SOAP Fault
            dono.erros.append(traceback.format_exc())
            self._responder(500, envelope_falha("Erro interno do emulador"))
            return
        self._responder(200, resposta)


class _Servidor(ThreadingHTTPServer):
    daemon_threads = True
    dono: "ServidorSVRS"

    def handle_error(self, request, client_address) -> None:
        """Falhas de TLS já ficaram em `falhas_tls`; outras exceções vão para `erros` (o teste confere)."""
        tipo, valor, _tb = sys.exc_info()
        if isinstance(valor, (ssl.SSLError, ConnectionError, TimeoutError)):
            return
        self.dono.erros.append(traceback.format_exc())


class ServidorSVRS:
    """O emulador numa thread. `with ServidorSVRS(pasta) as s:` → `s.urls`, `s.ca_file`, `s.ac`."""

    def __init__(self, pasta: Path, *, ac: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None,
                 autorizador: Autorizador | None = None):
        self.pasta = Path(pasta)
        self.ac = ac or gerar_ac()
        self.autorizador = autorizador or Autorizador()
        self.modo: str | None = None  # None, "html", "http500", "travar", "fora_do_xsd"
        self.liberar = threading.Event()
        self.pedidos: list[tuple[str, str]] = []
        self.falhas_tls: list[str] = []
        self.erros: list[str] = []
        self._mudou = threading.Condition()
        self.ca_file = str(self.pasta / "ac.pem")
        Path(self.ca_file).write_bytes(_pem(self.ac[1]))
        chave, cert = gerar_certificado_servidor(self.ac)
        (self.pasta / "servidor.pem").write_bytes(_pem(cert))
        (self.pasta / "servidor.key").write_bytes(_pem_chave(chave))
        (self.pasta / "servidor.key").chmod(0o600)
        contexto = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        contexto.minimum_version = ssl.TLSVersion.TLSv1_2
        contexto.load_cert_chain(self.pasta / "servidor.pem", self.pasta / "servidor.key")
        contexto.verify_mode = ssl.CERT_REQUIRED
        contexto.load_verify_locations(cafile=self.ca_file)
        self._httpd = _Servidor(("127.0.0.1", 0), _Handler)
        self._httpd.dono = self
        self._httpd.socket = contexto.wrap_socket(self._httpd.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self.porta = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def registrar_falha_tls(self, motivo: str) -> None:
        with self._mudou:
            self.falhas_tls.append(motivo)
            self._mudou.notify_all()

    def esperar_falhas_tls(self, quantas: int, segundos: float = 5) -> bool:
        """Espera (sem dormir à toa) o servidor registrar `quantas` falhas de TLS: o cliente recebe o
        alerta TLS antes de a thread do servidor anotar a falha."""
        with self._mudou:
            return self._mudou.wait_for(lambda: len(self.falhas_tls) >= quantas, segundos)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.porta}"

    @property
    def urls(self) -> dict[str, str]:
        return {servico: f"{self.base}/WS/{nome}/{nome}.asmx" for servico, (nome, _op) in SERVICOS_SOAP.items()}

    def iniciar(self) -> "ServidorSVRS":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="svrs-local", daemon=True)
        self._thread.start()
        return self

    def parar(self) -> None:
        self.liberar.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "ServidorSVRS":
        return self.iniciar()

    def __exit__(self, *exc) -> None:
        self.parar()


def porta_livre() -> int:
    """Uma porta em que ninguém escuta (para o teste de "servidor fora do ar")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench(notas: int = 200) -> dict:
    """Autoriza `notas` NFCom (montar + assinar + transmitir) contra o emulador, uma conexão TLS por
    pedido, e mede: `python -m plugins.fiscal_nf2122.tests.nfcom_svrs_server --notas 200`."""
    import tempfile
    import time

    from plugins.fiscal_nf2122.nfcom.certificado import carregar_pfx
    from plugins.fiscal_nf2122.nfcom.client import NFComClient
    from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom
    from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
    from plugins.fiscal_nf2122.tests.nfcom_support import SENHA, dados_exemplo, gerar_pfx

    with tempfile.TemporaryDirectory() as pasta, ServidorSVRS(Path(pasta)) as servidor:
        cert = carregar_pfx(gerar_pfx(Path(pasta) / "a1.pfx", emissor=servidor.ac)[0], SENHA)
        cliente = NFComClient(servidor.urls, certificado=cert, ca_file=servidor.ca_file)
        cliente.status_servico()  # carrega o contexto TLS
        xmls = []
        t0, c0 = time.perf_counter(), time.process_time()
        for n in range(1, notas + 1):
            xmls.append(assinar_nfcom(montar_nfcom(dados_exemplo(numero=n)).xml, cert))
        t1, c1 = time.perf_counter(), time.process_time()
        autorizadas = sum(cliente.autorizar(xml).autorizada for xml in xmls)
        t2, c2 = time.perf_counter(), time.process_time()
        for _ in range(notas):
            cliente.status_servico()
        t3, c3 = time.perf_counter(), time.process_time()
    # CPU do processo inteiro: cliente + emulador (mesmo processo), TLS dos dois lados
    return {"notas": notas, "autorizadas": autorizadas,
            "montar_assinar_por_s": round(notas / (t1 - t0), 1), "montar_assinar_cpu_s": round(c1 - c0, 3),
            "autorizar_por_s": round(notas / (t2 - t1), 1),
            "autorizar_cpu_ms_por_nota": round((c2 - c1) * 1000 / notas, 2),
            "status_por_s": round(notas / (t3 - t2), 1), "status_cpu_ms": round((c3 - c2) * 1000 / notas, 2)}


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Mede o cliente NFCom contra o emulador local do SVRS.")
    parser.add_argument("--notas", type=int, default=200)
    print(json.dumps(bench(parser.parse_args().notas), ensure_ascii=False))
