"""Eventos da NFCom (MOC 1.00a §5 e §6.1; `eventoNFCom_v1.00.xsd`, `evCancNFCom_v1.00.xsd`).

Só o evento do emitente que o provedor usa: **110111 — Cancelamento**.

- `eventoNFCom/infEvento`: cOrgao (UF da chave), tpAmb, CNPJ do emitente, chNFCom, dhEvento (com fuso),
  tpEvento, nSeqEvento (1: o MOC L02 rejeita maior que 1 no cancelamento, cStat 636),
  `detEvento versaoEvento="1.00"` com `evCancNFCom` (descEvento "Cancelamento", nProt de 16 dígitos,
  xJust de 15 a 255 caracteres). `Id` = "ID" + tpEvento + chave + nSeqEvento com 3 dígitos.
- Assinatura: a mesma do documento (`assinar_nfcom(..., elemento="infEvento")`), a `Signature` no fim
  da raiz `eventoNFCom`. O `detEvento` é `xs:any` no esquema do evento, então o `evCancNFCom` é
  validado à parte no `evCancNFCom_v1.00.xsd`.
- Prazo (regra L11, cStat 220): a NFCom pode ser cancelada até 120 horas depois do início do mês
  seguinte ao da autorização (no mês da autorização, ou até o dia 5 às 23:59:59 do mês seguinte, no fuso
  da autorização); o autorizador aceita 5 minutos de tolerância de relógio. `conferir_prazo_cancelamento`
  faz a conta antes de transmitir (sem a tolerância: o relógio local não é o da SEFAZ).
- Retorno `retEventoNFCom`: cStat 135 "Evento registrado e vinculado a NFCom" (136 registrado sem
  vínculo), nProt do evento; `proc_evento` monta o `procEventoNFCom` para guardar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from core.i18n import _
from plugins.fiscal_nf2122.nfcom.certificado import CertificadoA1
from plugins.fiscal_nf2122.nfcom.chave import ChaveError, ler_chave
from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom
from plugins.fiscal_nf2122.nfcom.soap import AliasesCStat
from plugins.fiscal_nf2122.nfcom.xsd import NS, NFComError, validar_xsd

TP_CANCELAMENTO = "110111"
DESC_CANCELAMENTO = "Cancelamento"
VERSAO = "1.00"
HORAS_CANCELAMENTO = 120
TOLERANCIA_AUTORIZADOR = timedelta(minutes=5)
_N = "{%s}" % NS


class PrazoCancelamentoError(NFComError):
    """Fora do prazo de cancelamento (o autorizador responderia cStat 220)."""

    c_stat = "220"


def _data_hora(valor: datetime, campo: str) -> str:
    if valor.tzinfo is None or valor.utcoffset() is None:
        raise NFComError(_("{c}: data e hora sem fuso horário (use, por exemplo, -03:00)").format(c=campo))
    return valor.isoformat(timespec="seconds")


def ler_data_hora(texto: str, campo: str) -> datetime:
    """"2026-11-05T10:30:05-03:00" → datetime com fuso; erro pt-BR nomeando o campo."""
    try:
        valor = datetime.fromisoformat((texto or "").strip())
    except ValueError:
        raise NFComError(_("{c}: data e hora inválida: {v!r}").format(c=campo, v=texto)) from None
    if valor.tzinfo is None:
        raise NFComError(_("{c}: data e hora sem fuso horário: {v!r}").format(c=campo, v=texto))
    return valor


def id_evento(tp_evento: str, chave: str, n_seq: int) -> str:
    return f"ID{tp_evento}{chave}{n_seq:03d}"


def prazo_cancelamento(autorizada_em: datetime) -> datetime:
    """Último instante para cancelar: início do mês seguinte ao da autorização + 120 horas, no fuso
    em que a autorização foi registrada (dhRecbto)."""
    if autorizada_em.tzinfo is None:
        raise NFComError(_("data da autorização sem fuso horário"))
    ano, mes = (autorizada_em.year + 1, 1) if autorizada_em.month == 12 else (autorizada_em.year,
                                                                              autorizada_em.month + 1)
    inicio = autorizada_em.replace(year=ano, month=mes, day=1, hour=0, minute=0, second=0, microsecond=0)
    return inicio + timedelta(hours=HORAS_CANCELAMENTO)


def dentro_do_prazo(autorizada_em: datetime, quando: datetime, *, tolerancia: timedelta = timedelta(0)) -> bool:
    return quando <= prazo_cancelamento(autorizada_em) + tolerancia


def conferir_prazo_cancelamento(autorizada_em: datetime, quando: datetime) -> None:
    """`PrazoCancelamentoError` pt-BR quando `quando` passou do prazo da regra L11 do MOC."""
    if quando.tzinfo is None:
        raise NFComError(_("data do cancelamento sem fuso horário"))
    prazo = prazo_cancelamento(autorizada_em)
    if quando > prazo:
        raise PrazoCancelamentoError(_(
            "cancelamento fora do prazo: a NFCom autorizada em {a:%d/%m/%Y %H:%M} só podia ser cancelada até "
            "{p:%d/%m/%Y %H:%M} (120 horas do mês seguinte ao da autorização, MOC regra L11; o autorizador "
            "rejeita com cStat 220). Emita uma NFCom de substituição ou peça a liberação do prazo ao Fisco")
            .format(a=autorizada_em, p=prazo.astimezone(autorizada_em.tzinfo)))


def montar_cancelamento(*, chave: str, protocolo: str, justificativa: str, quando: datetime, tp_amb: int = 2,
                        n_seq: int = 1) -> bytes:
    """XML do `eventoNFCom` 110111 **sem assinatura** (compacto, sem declaração)."""
    try:
        ch = ler_chave(chave)
    except ChaveError as exc:
        raise NFComError(_("chNFCom: {e}").format(e=exc)) from exc
    if not re.fullmatch(r"[0-9]{16}", protocolo or ""):
        raise NFComError(_("nProt: o protocolo de autorização tem 16 dígitos (recebido {v!r})").format(v=protocolo))
    just = " ".join((justificativa or "").split())
    if not 15 <= len(just) <= 255:
        raise NFComError(_("xJust: a justificativa do cancelamento deve ter de 15 a 255 caracteres (tem {n})")
                         .format(n=len(just)))
    if tp_amb not in (1, 2):
        raise NFComError(_("tpAmb: 1 produção ou 2 homologação (recebido {v})").format(v=tp_amb))
    if not 1 <= n_seq <= 999:
        raise NFComError(_("nSeqEvento fora de 1 a 999: {n}").format(n=n_seq))
    texto = ch.texto
    raiz = etree.Element(_N + "eventoNFCom", nsmap={None: NS}, versao=VERSAO)
    inf = etree.SubElement(raiz, _N + "infEvento", Id=id_evento(TP_CANCELAMENTO, texto, n_seq))
    for nome, valor in (("cOrgao", ch.cuf), ("tpAmb", str(tp_amb)), ("CNPJ", ch.cnpj), ("chNFCom", texto),
                        ("dhEvento", _data_hora(quando, "dhEvento")), ("tpEvento", TP_CANCELAMENTO),
                        ("nSeqEvento", str(n_seq))):
        etree.SubElement(inf, _N + nome).text = valor
    det = etree.SubElement(inf, _N + "detEvento", versaoEvento=VERSAO)
    canc = etree.SubElement(det, _N + "evCancNFCom")
    etree.SubElement(canc, _N + "descEvento").text = DESC_CANCELAMENTO
    etree.SubElement(canc, _N + "nProt").text = protocolo
    etree.SubElement(canc, _N + "xJust").text = just
    return etree.tostring(raiz, encoding="UTF-8")


def validar_evento(xml: bytes | etree._Element) -> None:
    """`eventoNFCom_v1.00.xsd` e, no 110111, o `detEvento` no `evCancNFCom_v1.00.xsd`."""
    raiz = etree.fromstring(xml) if isinstance(xml, bytes) else xml
    validar_xsd(raiz, "eventoNFCom_v1.00.xsd")
    if raiz.findtext(f"{_N}infEvento/{_N}tpEvento") == TP_CANCELAMENTO:
        canc = raiz.find(f"{_N}infEvento/{_N}detEvento/{_N}evCancNFCom")
        if canc is None:
            raise NFComError(_("eventoNFCom/infEvento/detEvento: falta o evCancNFCom do evento 110111"))
        validar_xsd(etree.fromstring(etree.tostring(canc)), "evCancNFCom_v1.00.xsd")


def assinar_evento(xml: bytes, certificado: CertificadoA1) -> bytes:
    """Assina o `infEvento` (mesma XMLDSig da NFCom) e valida o evento assinado nos XSD."""
    assinado = assinar_nfcom(xml, certificado, elemento="infEvento")
    validar_evento(assinado)
    return assinado


def cancelamento_assinado(*, chave: str, protocolo: str, justificativa: str, certificado: CertificadoA1,
                          quando: datetime, autorizada_em: datetime | None = None, tp_amb: int = 2) -> bytes:
    """Evento 110111 pronto para `NFComClient.enviar_evento`; confere o prazo quando `autorizada_em`
    (dhRecbto do protocolo) é informado."""
    if autorizada_em is not None:
        conferir_prazo_cancelamento(autorizada_em, quando)
    xml = montar_cancelamento(chave=chave, protocolo=protocolo, justificativa=justificativa, quando=quando,
                              tp_amb=tp_amb)
    return assinar_evento(xml, certificado)


@dataclass(frozen=True)
class RetornoEvento(AliasesCStat):
    tp_amb: str
    versao_aplicativo: str
    c_orgao: str
    c_stat: str
    x_motivo: str
    chave: str | None
    tp_evento: str | None
    x_evento: str | None
    n_seq: str | None
    data_registro: str | None  # dhRegEvento como veio
    protocolo: str | None  # nProt do evento
    xml: bytes  # o retEventoNFCom inteiro, para o procEventoNFCom

    @property
    def registrado(self) -> bool:
        """cStat 135 (registrado e vinculado à NFCom) ou 136 (registrado, sem vínculo)."""
        return self.c_stat in ("135", "136") and bool(self.protocolo)

    @property
    def duplicado(self) -> bool:
        """cStat 631 "Duplicidade de evento": o mesmo evento já foi registrado (ex.: reenvio depois de
        um tempo esgotado) — o xMotivo traz o nProt; confirme com `NFComClient.consultar`."""
        return self.c_stat == "631"


def ler_ret_evento(ret: etree._Element) -> RetornoEvento:
    """`retEventoNFCom` (já validado no XSD) → `RetornoEvento`."""
    inf = ret.find(_N + "infEvento")

    def t(nome: str) -> str | None:
        valor = (inf.findtext(_N + nome) or "").strip()
        return valor or None

    return RetornoEvento(tp_amb=t("tpAmb") or "", versao_aplicativo=t("verAplic") or "", c_orgao=t("cOrgao") or "",
                         c_stat=t("cStat") or "", x_motivo=t("xMotivo") or "", chave=t("chNFCom"),
                         tp_evento=t("tpEvento"), x_evento=t("xEvento"), n_seq=t("nSeqEvento"),
                         data_registro=t("dhRegEvento"), protocolo=t("nProt"),
                         xml=etree.tostring(ret, encoding="UTF-8"))


def proc_evento(evento_assinado: bytes, retorno: RetornoEvento) -> bytes:
    """`procEventoNFCom` (evento assinado + retEventoNFCom), validado no XSD — o arquivo a guardar."""
    proc = etree.Element(_N + "procEventoNFCom", nsmap={None: NS}, versao=VERSAO)
    proc.append(etree.fromstring(evento_assinado))
    proc.append(etree.fromstring(retorno.xml))
    validar_xsd(proc, "procEventoNFCom_v1.00.xsd")
    return etree.tostring(proc, xml_declaration=True, encoding="UTF-8")
