"""NFComClient contra o emulador local do SVRS (`nfcom_svrs_server.py`): HTTPS com TLS mútuo de
verdade (AC de teste, certificado do servidor, A1 do provedor emitido pela AC), sockets reais, sem
mocks. Um servidor por módulo; cada teste usa números de nota próprios."""

from __future__ import annotations

import base64
import hashlib
import http.client
import itertools
import re
import ssl
from dataclasses import replace
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from plugins.fiscal_nf2122.nfcom.certificado import carregar_pfx
from plugins.fiscal_nf2122.nfcom.client import URLS_SVRS, ComunicacaoError, NFComClient, contexto_tls
from plugins.fiscal_nf2122.nfcom.documento import Substituicao
from plugins.fiscal_nf2122.nfcom.eventos import (
    PrazoCancelamentoError,
    assinar_evento,
    cancelamento_assinado,
    ler_ret_evento,
    montar_cancelamento,
    proc_evento,
)
from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom
from plugins.fiscal_nf2122.nfcom.soap import (
    envelope_recepcao,
    envelope_xml,
    ler_resultado,
    ler_retorno_recepcao,
    nfcom_proc,
)
from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
from plugins.fiscal_nf2122.nfcom.xsd import DSIG_NS, NS, NFComSchemaError, problemas_xsd
from plugins.fiscal_nf2122.tests.nfcom_support import BRT, SENHA, dados_exemplo, gerar_pfx
from plugins.fiscal_nf2122.tests.nfcom_svrs_server import ServidorSVRS, gerar_ac, porta_livre

_N = "{%s}" % NS
JUSTIFICATIVA = "Cliente desistiu do serviço antes da instalação"
OUTRO_CNPJ = "11222333000181"
_numeros = itertools.count(1000)


@pytest.fixture(scope="module")
def mundo(tmp_path_factory):
    pasta = tmp_path_factory.mktemp("svrs")
    with ServidorSVRS(pasta) as servidor:
        pfx, _cert = gerar_pfx(pasta / "a1.pfx", emissor=servidor.ac)
        certificado = carregar_pfx(pfx, SENHA)
        cliente = NFComClient(servidor.urls, certificado=certificado, ca_file=servidor.ca_file, timeout=5)
        yield servidor, cliente, certificado
        assert servidor.erros == []  # nenhuma exceção não tratada no emulador


@pytest.fixture(scope="module")
def estranhos(tmp_path_factory):
    """Certificados que o servidor não aceita: uma AC desconhecida e um A1 dela; um A1 autoassinado
    de outro CNPJ (também usado para assinar notas e eventos de outro emitente)."""
    pasta = tmp_path_factory.mktemp("estranhos")
    ac = gerar_ac("AC Desconhecida")
    ac_pem = pasta / "ac-desconhecida.pem"
    ac_pem.write_bytes(ac[1].public_bytes(Encoding.PEM))
    da_ac = carregar_pfx(gerar_pfx(pasta / "da-ac.pfx", emissor=ac)[0], SENHA)
    outro = carregar_pfx(gerar_pfx(pasta / "outro.pfx", cnpj=OUTRO_CNPJ)[0], SENHA)
    return {"ac_pem": str(ac_pem), "da_ac": da_ac, "outro": outro}


@pytest.fixture
def relogio(mundo):
    servidor = mundo[0]
    original = servidor.autorizador.relogio

    def ajustar(quando: datetime) -> None:
        servidor.autorizador.relogio = lambda: quando

    yield ajustar
    servidor.autorizador.relogio = original


def _nota(certificado, **kwargs):
    """(chave, XML assinado) de uma nota com número novo."""
    kwargs.setdefault("numero", next(_numeros))
    montada = montar_nfcom(dados_exemplo(**kwargs))
    return montada.chave.texto, assinar_nfcom(montada.xml, certificado)


def _assinar_alterada(certificado, alterar, **kwargs) -> bytes:
    """Monta sem assinar, aplica `alterar(raiz)` e assina (o documento continua no XSD)."""
    kwargs.setdefault("numero", next(_numeros))
    raiz = etree.fromstring(montar_nfcom(dados_exemplo(**kwargs)).xml)
    alterar(raiz)
    return assinar_nfcom(etree.tostring(raiz), certificado)


def _autorizada(mundo, **kwargs):
    _servidor, cliente, certificado = mundo
    chave, xml = _nota(certificado, **kwargs)
    retorno = cliente.autorizar(xml)
    assert retorno.autorizada, retorno.x_motivo
    return chave, xml, retorno


# -- status, autorização --------------------------------------------------------------------------------


def test_status_servico_107(mundo):
    servidor, cliente, _c = mundo
    retorno = cliente.status_servico()
    assert (retorno.cstat, retorno.xmotivo, retorno.c_uf, retorno.tp_amb) == ("107", "Serviço em Operação", "43", "2")
    assert retorno.em_operacao and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-03:00", retorno.data_recebimento)
    caminho, tipo = servidor.pedidos[-1]
    assert caminho == "/WS/NFComStatusServico/NFComStatusServico.asmx"
    assert 'action="http://www.portalfiscal.inf.br/nfcom/wsdl/NFComStatusServico/nfcomStatusServicoNF"' in tipo
    assert cliente.status_servico(cuf=43).em_operacao
    with pytest.raises(ComunicacaoError, match="UF 43, e a consulta era da UF 41"):
        cliente.status_servico(cuf="41")


def test_autoriza_com_protocolo_e_monta_o_nfcomproc(mundo):
    servidor, cliente, _c = mundo
    chave, xml, retorno = _autorizada(mundo)
    assert (retorno.cstat, retorno.xmotivo) == ("100", "Autorizado o uso da NFCom")
    prot = retorno.protocolo
    assert prot.chave == chave and re.fullmatch(r"\d{16}", prot.numero)
    digest = etree.fromstring(xml).findtext(f"{{{DSIG_NS}}}Signature/{{{DSIG_NS}}}SignedInfo/"
                                            f"{{{DSIG_NS}}}Reference/{{{DSIG_NS}}}DigestValue")
    assert prot.digest == digest
    # o digest é o SHA-1 do infNFCom canonizado: confere de forma independente
    inf = etree.fromstring(xml).find(_N + "infNFCom")
    assert digest == base64.b64encode(hashlib.sha1(etree.tostring(inf, method="c14n")).digest()).decode()
    proc = nfcom_proc(xml, prot)
    assert problemas_xsd(proc, "procNFCom_v1.00.xsd") == []
    assert servidor.pedidos[-1][0] == "/WS/NFComRecepcao/NFComRecepcao.asmx"
    assert servidor.autorizador.notas[chave].numero_protocolo == prot.numero


def test_nota_fora_do_xsd_nao_sai_do_cliente_e_o_servidor_rejeita_215(mundo):
    servidor, cliente, certificado = mundo
    xml = _assinar_alterada(certificado, lambda r: r.find(f"{_N}infNFCom/{_N}ide/{_N}serie").set("x", "1"))
    antes = len(servidor.pedidos)
    with pytest.raises(NFComSchemaError, match="serie"):
        cliente.autorizar(xml)
    assert len(servidor.pedidos) == antes  # nada foi transmitido
    # o mesmo XML enviado direto (outro emissor, sem a validação local): o autorizador rejeita 215
    retorno = ler_retorno_recepcao(cliente._postar("recepcao", envelope_recepcao(xml)))
    assert retorno.cstat == "215" and retorno.xmotivo.startswith("Rejeição: Falha no schema XML")
    assert "serie" in retorno.xmotivo and not retorno.autorizada and retorno.protocolo is None


def test_assinatura_adulterada_297(mundo):
    _s, cliente, certificado = mundo
    _chave, xml = _nota(certificado)
    adulterado = xml.replace(b"Maria da Silva", b"Maria da Sirva")
    assert adulterado != xml
    retorno = cliente.autorizar(adulterado)
    assert (retorno.cstat, retorno.xmotivo) == ("297", "Rejeição: Assinatura difere do calculado")
    assert not retorno.autorizada


def test_id_diferente_dos_campos_227(mundo):
    _s, cliente, certificado = mundo

    def trocar_numero(raiz):
        nnf = raiz.find(f"{_N}infNFCom/{_N}ide/{_N}nNF")
        nnf.text = str(int(nnf.text) + 1)

    retorno = cliente.autorizar(_assinar_alterada(certificado, trocar_numero))
    assert retorno.cstat == "227"
    assert retorno.xmotivo == ("Rejeição: Chave de Acesso do Campo Id difere da concatenação dos campos "
                               "correspondentes")


def test_digito_verificador_errado_253(mundo):
    _s, cliente, certificado = mundo

    def trocar_dv(raiz):
        inf = raiz.find(_N + "infNFCom")
        cdv = inf.find(f"{_N}ide/{_N}cDV")
        cdv.text = str((int(cdv.text) + 1) % 10)
        inf.set("Id", inf.get("Id")[:-1] + cdv.text)  # Id e campos concordam, o DV é que está errado

    retorno = cliente.autorizar(_assinar_alterada(certificado, trocar_dv))
    assert retorno.cstat == "253" and "Dígito Verificador" in retorno.xmotivo


def test_duplicidade_so_de_nota_autorizada_204_e_539(mundo):
    _s, cliente, certificado = mundo
    numero = next(_numeros)
    # rejeitada antes (297) não bloqueia o número: a mesma nota corrigida é autorizada
    chave, xml = _nota(certificado, numero=numero, codigo_numerico="7654321")
    assert cliente.autorizar(xml.replace(b"Maria da Silva", b"Maria da Sirva")).cstat == "297"
    primeira = cliente.autorizar(xml)
    assert primeira.cstat == "100"
    de_novo = cliente.autorizar(xml)
    assert de_novo.cstat == "204" and not de_novo.autorizada
    assert de_novo.xmotivo.startswith("Rejeição: Duplicidade de NFCom")
    assert f"[nProt:{primeira.protocolo.numero}]" in de_novo.xmotivo
    _outra_chave, outro_cnf = _nota(certificado, numero=numero, codigo_numerico="1111111")
    diferente = cliente.autorizar(outro_cnf)
    assert diferente.cstat == "539"
    assert diferente.xmotivo.startswith("Rejeição: Duplicidade de NFCom com diferença na Chave de Acesso")
    assert f"[chNFCom:{chave}]" in diferente.xmotivo


# -- consulta, cancelamento -----------------------------------------------------------------------------


def test_consulta_autorizada_e_nao_consta(mundo):
    _s, cliente, certificado = mundo
    chave, _xml, retorno = _autorizada(mundo)
    consulta = cliente.consultar(chave)
    assert (consulta.cstat, consulta.xmotivo) == ("100", "Autorizado o uso da NFCom")
    assert consulta.autorizada and consulta.protocolo.numero == retorno.protocolo.numero
    assert consulta.eventos == ()
    nunca, _ = _nota(certificado)
    nao = cliente.consultar(nunca)
    assert (nao.cstat, nao.xmotivo) == ("217", "Rejeição: NFCom não consta na base de dados da SEFAZ")
    assert nao.protocolo is None and not nao.autorizada


def test_cancelamento_135_depois_218(mundo):
    _s, cliente, certificado = mundo
    chave, _xml, retorno = _autorizada(mundo)
    autorizada_em = datetime.fromisoformat(retorno.protocolo.data_recebimento)
    evento = cancelamento_assinado(chave=chave, protocolo=retorno.protocolo.numero, justificativa=JUSTIFICATIVA,
                                   certificado=certificado, quando=datetime.now(BRT), autorizada_em=autorizada_em)
    registrado = cliente.enviar_evento(evento)
    assert (registrado.cstat, registrado.xmotivo) == ("135", "Evento registrado e vinculado a NFCom")
    assert registrado.registrado and re.fullmatch(r"\d{16}", registrado.protocolo)
    assert (registrado.chave, registrado.tp_evento, registrado.n_seq) == (chave, "110111", "1")
    proc = etree.fromstring(proc_evento(evento, registrado))  # validado no procEventoNFCom_v1.00.xsd
    assert [etree.QName(e).localname for e in proc] == ["eventoNFCom", "retEventoNFCom"]
    consulta = cliente.consultar(chave)
    assert consulta.cstat == "101" and consulta.cancelada and not consulta.autorizada
    assert [e.protocolo for e in consulta.eventos] == [registrado.protocolo]
    # reenviar o cancelamento (o mesmo ou um novo, nSeqEvento 1): a regra K09 vem antes da L05
    for reenvio in (evento, cancelamento_assinado(chave=chave, protocolo=retorno.protocolo.numero,
                                                  justificativa=JUSTIFICATIVA + " (reenvio)",
                                                  certificado=certificado, quando=datetime.now(BRT))):
        de_novo = cliente.enviar_evento(reenvio)
        assert de_novo.cstat == "631" and de_novo.duplicado and not de_novo.registrado
        assert de_novo.xmotivo.startswith(f"Rejeição: Duplicidade de evento [nProt:{registrado.protocolo}]")
    assert cliente.consultar(chave).cstat == "101"


def test_cancelar_nota_ja_cancelada_sem_este_evento_218(mundo):
    servidor, cliente, certificado = mundo
    chave, _xml, retorno = _autorizada(mundo)
    servidor.autorizador.marcar_cancelada(chave, datetime(2026, 11, 20, 9, 0, tzinfo=BRT))
    evento = cancelamento_assinado(chave=chave, protocolo=retorno.protocolo.numero, justificativa=JUSTIFICATIVA,
                                   certificado=certificado, quando=datetime.now(BRT))
    r = cliente.enviar_evento(evento)
    assert r.cstat == "218" and not r.registrado
    assert r.xmotivo.startswith("Rejeição: NFCom já está cancelada na base de dados da SEFAZ. [nProt:")
    assert r.xmotivo.endswith("[dhCanc:2026-11-20T09:00:00-03:00]")


def test_regras_do_evento_628_630_632_634_636_e_213(mundo, estranhos):
    _s, cliente, certificado = mundo
    chave, _xml, retorno = _autorizada(mundo)
    numero = retorno.protocolo.numero
    agora = datetime.now(BRT)

    def enviar(xml: bytes):
        return ler_ret_evento(ler_resultado(cliente._postar("evento", envelope_xml("evento", xml)), "evento",
                                            "retEventoNFCom", "retEventoNFCom_v1.00.xsd"))

    def alterado(alterar, cert=certificado, **kwargs):
        raiz = etree.fromstring(montar_cancelamento(**{"chave": chave, "protocolo": numero,
                                                        "justificativa": JUSTIFICATIVA, "quando": agora, **kwargs}))
        alterar(raiz)
        return assinar_nfcom(etree.tostring(raiz), cert, elemento="infEvento")

    inf = f"{_N}infEvento"
    sem_id = alterado(lambda r: r.find(inf).set("Id", f"ID110111{chave}002"))
    assert enviar(sem_id).cstat == "628"
    desc = alterado(lambda r: setattr(r.find(f"{inf}/{_N}detEvento/{_N}evCancNFCom/{_N}descEvento"), "text", "Canc"))
    with pytest.raises(NFComSchemaError):  # o cliente não deixa sair…
        cliente.enviar_evento(desc)
    r = enviar(desc)  # …e o autorizador rejeita no esquema específico
    assert (r.cstat, r.xmotivo) == ("630", "Rejeição: Falha no Schema XML específico para o evento")
    outro = estranhos["outro"]
    autor = alterado(lambda r: setattr(r.find(f"{inf}/{_N}CNPJ"), "text", OUTRO_CNPJ), outro)
    assert enviar(autor).cstat == "632"
    assert enviar(alterado(lambda r: None, outro)).cstat == "213"  # assinado por outro CNPJ-base
    antes = cancelamento_assinado(chave=chave, protocolo=numero, justificativa=JUSTIFICATIVA,
                                  certificado=certificado, quando=datetime(2026, 11, 1, 8, 0, tzinfo=BRT))
    assert cliente.enviar_evento(antes).cstat == "634"  # a nota é de 05/11/2026
    seq2 = assinar_evento(montar_cancelamento(chave=chave, protocolo=numero, justificativa=JUSTIFICATIVA,
                                              quando=agora, n_seq=2), certificado)
    assert cliente.enviar_evento(seq2).cstat == "636"
    assert cliente.consultar(chave).cstat == "100"  # nada disso cancelou a nota


def test_envelope_ilegivel_244_chave_invalida_236_tipo_de_evento_629_e_orgao_226(mundo):
    _s, cliente, certificado = mundo
    quebrado = (b'<soap12:Envelope xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"><soap12:Body>'
                b'<nfcomDadosMsg xmlns="http://www.portalfiscal.inf.br/nfcom/wsdl/NFComRecepcao">n%o-base64'
                b'</nfcomDadosMsg></soap12:Body></soap12:Envelope>')
    r = ler_retorno_recepcao(cliente._postar("recepcao", quebrado))
    assert (r.cstat, r.xmotivo) == ("244", "Rejeição: Falha na descompactação da área de dados")
    chave, _xml, retorno = _autorizada(mundo)
    errada = chave[:43] + str((int(chave[43]) + 1) % 10)
    pedido = (f'<consSitNFCom xmlns="{NS}" versao="1.00"><tpAmb>2</tpAmb><xServ>CONSULTAR</xServ>'
              f"<chNFCom>{errada}</chNFCom></consSitNFCom>").encode()
    resposta = cliente._postar("consulta", envelope_xml("consulta", pedido))
    ret = ler_resultado(resposta, "consulta", "retConsSitNFCom", "retConsSitNFCom_v1.00.xsd")
    assert ret.findtext(_N + "cStat") == "236"
    assert ret.findtext(_N + "xMotivo").startswith("Rejeição: Chave de Acesso inválida [Motivo: dígito verificador")

    def evento(alterar) -> bytes:
        raiz = etree.fromstring(montar_cancelamento(chave=chave, protocolo=retorno.protocolo.numero,
                                                    justificativa=JUSTIFICATIVA, quando=datetime.now(BRT)))
        alterar(raiz.find(_N + "infEvento"))
        return assinar_evento(etree.tostring(raiz), certificado)

    def outro_tipo(inf):
        inf.find(_N + "tpEvento").text = "110112"
        inf.set("Id", f"ID110112{chave}001")

    assert cliente.enviar_evento(evento(outro_tipo)).cstat == "629"
    assert cliente.enviar_evento(evento(lambda inf: setattr(inf.find(_N + "cOrgao"), "text", "43"))).cstat == "226"
    assert cliente.consultar(chave).cstat == "100"


def test_nota_assinada_por_certificado_de_outro_cnpj_213(mundo, estranhos):
    _s, cliente, _c = mundo
    _chave, xml = _nota(estranhos["outro"])
    r = cliente.autorizar(xml)
    assert (r.cstat, r.xmotivo) == ("213", "Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado "
                                           "Digital")


def test_cancelamento_com_protocolo_errado_222_e_nota_desconhecida_217(mundo):
    _s, cliente, certificado = mundo
    chave, _xml, _r = _autorizada(mundo)
    errado = cancelamento_assinado(chave=chave, protocolo="3439900000000000", justificativa=JUSTIFICATIVA,
                                   certificado=certificado, quando=datetime.now(BRT))
    assert cliente.enviar_evento(errado).cstat == "222"
    nunca, _ = _nota(certificado)
    evento = cancelamento_assinado(chave=nunca, protocolo="3439900000000000", justificativa=JUSTIFICATIVA,
                                   certificado=certificado, quando=datetime.now(BRT))
    assert cliente.enviar_evento(evento).cstat == "217"


def test_prazo_de_120_horas_do_mes_seguinte_220(mundo, relogio):
    _s, cliente, certificado = mundo
    relogio(datetime(2026, 11, 5, 10, 30, 5, tzinfo=BRT))
    chave, _xml, retorno = _autorizada(mundo)
    numero = retorno.protocolo.numero
    autorizada_em = datetime.fromisoformat(retorno.protocolo.data_recebimento)
    assert autorizada_em == datetime(2026, 11, 5, 10, 30, 5, tzinfo=BRT)

    depois = datetime(2026, 12, 6, 0, 0, 1, tzinfo=BRT)  # 120 h do mês seguinte + 1 s
    with pytest.raises(PrazoCancelamentoError, match=r"só podia ser cancelada até 06/12/2026 00:00.*cStat 220"):
        cancelamento_assinado(chave=chave, protocolo=numero, justificativa=JUSTIFICATIVA, certificado=certificado,
                              quando=depois, autorizada_em=autorizada_em)
    # sem a conferência local, o autorizador rejeita (relógio dele 10 min depois do prazo)
    relogio(datetime(2026, 12, 6, 0, 10, tzinfo=BRT))
    evento = cancelamento_assinado(chave=chave, protocolo=numero, justificativa=JUSTIFICATIVA,
                                   certificado=certificado, quando=datetime(2026, 12, 5, 23, 59, tzinfo=BRT))
    fora = cliente.enviar_evento(evento)
    assert (fora.cstat, fora.xmotivo) == ("220", "Rejeição: Vedado cancelamento de NFCom com data/hora de "
                                                 "autorização anterior ao prazo permitido")
    # dentro da tolerância de 5 minutos do autorizador: registra
    relogio(datetime(2026, 12, 6, 0, 4, tzinfo=BRT))
    assert cliente.enviar_evento(evento).cstat == "135"


def test_substituida_224_e_substituta_nao_cancelavel_524(mundo):
    _s, cliente, certificado = mundo
    original, _xml, ret_original = _autorizada(mundo)
    substituta, _xml2, ret_subst = _autorizada(mundo, finalidade=3, substituicao=Substituicao(original, "01"))
    assert cliente.consultar(original).cstat == "102"
    cancelar_original = cancelamento_assinado(chave=original, protocolo=ret_original.protocolo.numero,
                                              justificativa=JUSTIFICATIVA, certificado=certificado,
                                              quando=datetime.now(BRT))
    r = cliente.enviar_evento(cancelar_original)
    assert r.cstat == "224" and r.xmotivo.startswith("Rejeição: NFCom já está substituída")
    cancelar_substituta = cancelamento_assinado(chave=substituta, protocolo=ret_subst.protocolo.numero,
                                                justificativa=JUSTIFICATIVA, certificado=certificado,
                                                quando=datetime.now(BRT))
    r = cliente.enviar_evento(cancelar_substituta)
    assert (r.cstat, r.xmotivo) == ("524", "Rejeição: NFCom de substituição não pode ser cancelada")


# -- TLS e falhas de comunicação ---------------------------------------------------------------------


def test_cliente_sem_certificado_e_recusado_no_tls(mundo):
    servidor, _cliente, _c = mundo
    contexto = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    contexto.load_verify_locations(servidor.ca_file)  # confia no servidor, mas não se apresenta
    antes_pedidos, antes_falhas = len(servidor.pedidos), len(servidor.falhas_tls)
    conexao = http.client.HTTPSConnection("127.0.0.1", servidor.porta, context=contexto, timeout=5)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        conexao.request("POST", "/WS/NFComStatusServico/NFComStatusServico.asmx", body=b"<x/>")
        conexao.getresponse().read()
    conexao.close()
    assert servidor.esperar_falhas_tls(antes_falhas + 1)
    assert len(servidor.pedidos) == antes_pedidos
    assert "certificate" in servidor.falhas_tls[-1].lower()


def test_certificado_de_outra_ac_e_recusado_no_tls(mundo, estranhos):
    servidor, _cliente, _c = mundo
    cliente = NFComClient(servidor.urls, certificado=estranhos["da_ac"], ca_file=servidor.ca_file, timeout=5)
    antes_pedidos, antes_falhas = len(servidor.pedidos), len(servidor.falhas_tls)
    with pytest.raises(ComunicacaoError) as erro:
        cliente.status_servico()
    assert "NFComStatusServico" in str(erro.value) and "contingência" in str(erro.value)
    assert servidor.esperar_falhas_tls(antes_falhas + 1) and len(servidor.pedidos) == antes_pedidos
    assert "certificate" in servidor.falhas_tls[-1].lower()
    # autoassinado também não passa
    autoassinado = estranhos["outro"]
    with pytest.raises(ComunicacaoError):
        NFComClient(servidor.urls, certificado=autoassinado, ca_file=servidor.ca_file, timeout=5).status_servico()
    assert servidor.esperar_falhas_tls(antes_falhas + 2) and len(servidor.pedidos) == antes_pedidos


def test_servidor_que_nao_confere_com_a_cadeia(mundo, estranhos):
    servidor, _cliente, certificado = mundo
    cliente = NFComClient(servidor.urls, certificado=certificado, ca_file=estranhos["ac_pem"], timeout=5)
    with pytest.raises(ComunicacaoError, match="certificado do servidor não confere"):
        cliente.status_servico()


def test_servidor_fora_do_ar(mundo):
    _s, _cliente, certificado = mundo
    url = f"https://127.0.0.1:{porta_livre()}/WS/NFComRecepcao/NFComRecepcao.asmx"
    cliente = NFComClient({"recepcao": url}, certificado=certificado, timeout=5)
    _chave, xml = _nota(certificado)
    with pytest.raises(ComunicacaoError) as erro:
        cliente.autorizar(xml)
    texto = str(erro.value)
    assert texto == (f"NFComRecepcao ({url}): conexão recusada (serviço fora do ar?). O pedido não chegou ao "
                     "autorizador; tente de novo mais tarde ou emita em contingência (tpEmis 2) e transmita depois.")
    assert erro.value.servico == "recepcao" and not erro.value.talvez_processada


def test_tempo_esgotado(mundo):
    servidor, _cliente, certificado = mundo
    cliente = NFComClient(servidor.urls, certificado=certificado, ca_file=servidor.ca_file, timeout=0.3)
    servidor.modo = "travar"
    try:
        with pytest.raises(ComunicacaoError, match=r"tempo esgotado \(0.3 s\) sem resposta do autorizador") as erro:
            cliente.autorizar(_nota(certificado)[1])
    finally:
        servidor.modo = None
    # o pedido saiu: a nota pode ter sido autorizada, então o conselho é consultar antes de reenviar
    assert erro.value.talvez_processada and "consulte a situação da NFCom (NFComConsulta)" in str(erro.value)
    assert cliente.status_servico().cstat == "107"


def test_resposta_html_e_http_500(mundo):
    servidor, cliente, _c = mundo
    try:
        servidor.modo = "html"
        with pytest.raises(ComunicacaoError, match="página HTML em vez de SOAP"):
            cliente.status_servico()
        servidor.modo = "http500"
        with pytest.raises(ComunicacaoError, match=r"HTTP 500 .*SOAP Fault: .*Erro interno do servidor"):
            cliente.consultar(_nota(mundo[2])[0])
        servidor.modo = "fora_do_xsd"
        with pytest.raises(ComunicacaoError, match=r"retorno fora do esquema XSD: .*tpAmb") as erro:
            cliente.status_servico()
        assert erro.value.talvez_processada
    finally:
        servidor.modo = None


def test_chave_privada_nao_fica_em_disco(mundo, tmp_path, monkeypatch):
    servidor, _cliente, certificado = mundo
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    contexto = contexto_tls(certificado, servidor.ca_file)
    assert list(tmp_path.iterdir()) == []  # o PEM temporário foi apagado
    assert contexto.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert contexto.verify_mode == ssl.CERT_REQUIRED and contexto.check_hostname


def test_urls_padrao_do_svrs_e_validacao_da_configuracao(mundo):
    _s, _cliente, certificado = mundo
    cliente = NFComClient(certificado=certificado)
    assert cliente.urls == URLS_SVRS[2]
    assert cliente.urls["recepcao"] == "https://nfcom-homologacao.svrs.rs.gov.br/WS/NFComRecepcao/NFComRecepcao.asmx"
    producao = NFComClient(certificado=certificado, tp_amb=1, uf="pr")
    assert producao.urls["evento"] == "https://nfcom.svrs.rs.gov.br/WS/NFComRecepcaoEvento/NFComRecepcaoEvento.asmx"
    assert (producao.uf, producao.cuf) == ("PR", "41")
    with pytest.raises(ValueError, match="deve ser https"):
        NFComClient({"status": "http://exemplo/ws"}, certificado=certificado)
    with pytest.raises(ValueError, match="serviços desconhecidos"):
        NFComClient({"inutilizacao": "https://exemplo/ws"}, certificado=certificado)
    with pytest.raises(ValueError, match="tpAmb"):
        NFComClient(certificado=certificado, tp_amb=3)
    chave, _xml = _nota(certificado)
    errada = chave[:43] + str((int(chave[43]) + 1) % 10)
    with pytest.raises(ValueError, match="chNFCom: dígito verificador da chave não confere"):
        NFComClient(certificado=certificado).consultar(errada)  # recusada antes de ir à rede


def test_nota_de_outro_ambiente_recusada_no_cliente_e_252_no_autorizador(mundo):
    servidor, cliente, certificado = mundo
    _chave, xml = _nota(certificado, ambiente=1)
    antes = len(servidor.pedidos)
    with pytest.raises(ValueError, match=r"NFCom/infNFCom/ide/tpAmb: o documento é do ambiente 1 e o cliente está "
                                         r"configurado para 2"):
        cliente.autorizar(xml)
    assert len(servidor.pedidos) == antes
    retorno = ler_retorno_recepcao(cliente._postar("recepcao", envelope_recepcao(xml)))
    assert (retorno.cstat, retorno.xmotivo) == ("252", "Rejeição: Ambiente informado diverge do Ambiente de "
                                                       "recebimento")


def test_retorno_e_dataclass_com_sinonimos(mundo):
    _s, cliente, _c = mundo
    retorno = cliente.status_servico()
    assert replace(retorno, c_stat="108").cstat == "108"
