"""Evento 110111 (cancelamento da NFCom): montagem, assinatura, XSD e o prazo da regra L11 do MOC
("autorizada até 120 horas do mês anterior"), sem rede."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from plugins.fiscal_nf2122.nfcom.certificado import carregar_pfx
from plugins.fiscal_nf2122.nfcom.eventos import (
    PrazoCancelamentoError,
    assinar_evento,
    cancelamento_assinado,
    conferir_prazo_cancelamento,
    dentro_do_prazo,
    montar_cancelamento,
    prazo_cancelamento,
    validar_evento,
)
from plugins.fiscal_nf2122.nfcom.signature import verificar_assinatura
from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
from plugins.fiscal_nf2122.nfcom.xsd import DSIG_NS, NS, NFComError, NFComSchemaError
from plugins.fiscal_nf2122.tests.nfcom_support import BRT, CNPJ_EMITENTE, SENHA, dados_exemplo, gerar_pfx

_N = "{%s}" % NS
PROTOCOLO = "3412600000012345"
JUST = "Serviço não prestado ao assinante"


@pytest.fixture(scope="module")
def certificado(tmp_path_factory):
    caminho, _cert = gerar_pfx(tmp_path_factory.mktemp("ev") / "a1.pfx")
    return carregar_pfx(caminho, SENHA)


@pytest.fixture(scope="module")
def chave():
    return montar_nfcom(dados_exemplo()).chave.texto


def test_evento_de_cancelamento_assinado_passa_nos_xsd(certificado, chave):
    quando = datetime(2026, 11, 10, 14, 0, tzinfo=BRT)
    xml = cancelamento_assinado(chave=chave, protocolo=PROTOCOLO, justificativa=JUST, certificado=certificado,
                                quando=quando, autorizada_em=datetime(2026, 11, 5, 10, 30, 5, tzinfo=BRT))
    raiz = etree.fromstring(xml)
    inf = raiz.find(_N + "infEvento")
    assert inf.get("Id") == f"ID110111{chave}001"
    campos = {etree.QName(e).localname: e.text for e in inf if len(e) == 0}
    assert campos == {"cOrgao": "41", "tpAmb": "2", "CNPJ": CNPJ_EMITENTE, "chNFCom": chave,
                      "dhEvento": "2026-11-10T14:00:00-03:00", "tpEvento": "110111", "nSeqEvento": "1"}
    canc = inf.find(f"{_N}detEvento/{_N}evCancNFCom")
    assert inf.find(_N + "detEvento").get("versaoEvento") == "1.00"
    assert [(etree.QName(e).localname, e.text) for e in canc] == [
        ("descEvento", "Cancelamento"), ("nProt", PROTOCOLO), ("xJust", JUST)]
    assinatura = raiz.find(f"{{{DSIG_NS}}}Signature")
    assert raiz[-1] is assinatura  # depois do infEvento, no fim da raiz
    assert assinatura.find(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference").get("URI") == f"#ID110111{chave}001"
    assert verificar_assinatura(xml).valida
    validar_evento(xml)  # não levanta
    adulterado = xml.replace(JUST.encode(), b"Outra justificativa qualquer")
    assert not verificar_assinatura(adulterado).valida


@pytest.mark.parametrize(("campo", "kwargs", "mensagem"), [
    ("xJust curta", {"justificativa": "x" * 14},
     "xJust: a justificativa do cancelamento deve ter de 15 a 255 caracteres (tem 14)"),
    ("xJust longa", {"justificativa": "x" * 256}, "(tem 256)"),
    ("nProt", {"protocolo": "123"}, "nProt: o protocolo de autorização tem 16 dígitos"),
    ("chave", {"chave": "4326"}, "chNFCom: a chave de acesso deve ter 44 posições"),
    ("fuso", {"quando": datetime(2026, 11, 10, 14, 0)}, "dhEvento: data e hora sem fuso horário"),
    ("ambiente", {"tp_amb": 3}, "tpAmb: 1 produção ou 2 homologação"),
])
def test_dados_invalidos_do_cancelamento_em_pt_br(chave, campo, kwargs, mensagem):
    base = {"chave": chave, "protocolo": PROTOCOLO, "justificativa": JUST,
            "quando": datetime(2026, 11, 10, 14, 0, tzinfo=BRT)}
    with pytest.raises(NFComError) as erro:
        montar_cancelamento(**{**base, **kwargs})
    assert mensagem in str(erro.value), campo


def test_justificativa_nos_limites_e_espacos_normalizados(chave):
    xml = montar_cancelamento(chave=chave, protocolo=PROTOCOLO, justificativa="  " + "a" * 15 + "  ",
                              quando=datetime(2026, 11, 10, 14, 0, tzinfo=BRT))
    assert etree.fromstring(xml).findtext(f".//{_N}xJust") == "a" * 15
    montar_cancelamento(chave=chave, protocolo=PROTOCOLO, justificativa="a" * 255,
                        quando=datetime(2026, 11, 10, 14, 0, tzinfo=BRT))


def test_evento_fora_do_xsd_e_recusado_ao_assinar(certificado, chave):
    xml = montar_cancelamento(chave=chave, protocolo=PROTOCOLO, justificativa=JUST,
                              quando=datetime(2026, 11, 10, 14, 0, tzinfo=BRT))
    xml = xml.replace(b"<descEvento>Cancelamento</descEvento>", b"<descEvento>Cancelar</descEvento>")
    with pytest.raises(NFComSchemaError, match="evCancNFCom/descEvento"):
        assinar_evento(xml, certificado)


def test_prazo_e_o_inicio_do_mes_seguinte_mais_120_horas():
    assert prazo_cancelamento(datetime(2026, 11, 5, 10, 30, tzinfo=BRT)) == datetime(2026, 12, 6, 0, 0, tzinfo=BRT)
    # autorizada no último minuto do mês: o prazo é o mesmo (não são 120 h depois da autorização)
    assert prazo_cancelamento(datetime(2026, 11, 30, 23, 59, tzinfo=BRT)) == datetime(2026, 12, 6, tzinfo=BRT)
    assert prazo_cancelamento(datetime(2026, 12, 1, 0, 0, tzinfo=BRT)) == datetime(2027, 1, 6, tzinfo=BRT)
    autorizada = datetime(2026, 11, 5, 10, 30, tzinfo=BRT)
    assert dentro_do_prazo(autorizada, datetime(2026, 12, 5, 23, 59, 59, tzinfo=BRT))
    assert dentro_do_prazo(autorizada, datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc))  # = 00:00 BRT
    assert not dentro_do_prazo(autorizada, datetime(2026, 12, 6, 0, 0, 1, tzinfo=BRT))
    assert dentro_do_prazo(autorizada, datetime(2026, 12, 6, 0, 5, tzinfo=BRT), tolerancia=timedelta(minutes=5))
    conferir_prazo_cancelamento(autorizada, datetime(2026, 12, 5, 23, 0, tzinfo=BRT))
    with pytest.raises(PrazoCancelamentoError) as erro:
        conferir_prazo_cancelamento(autorizada, datetime(2026, 12, 6, 0, 0, 1, tzinfo=BRT))
    assert erro.value.c_stat == "220"
    assert str(erro.value).startswith("cancelamento fora do prazo: a NFCom autorizada em 05/11/2026 10:30 só podia "
                                      "ser cancelada até 06/12/2026 00:00")
