"""XML da NFCom 1.00 (com IBS/CBS): montagem, cálculos, XSD oficial, erros pt-BR com o elemento."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from plugins.fiscal_nf2122.nfcom.chave import ler_chave
from plugins.fiscal_nf2122.nfcom.documento import Icms, Substituicao
from plugins.fiscal_nf2122.nfcom.qrcode import assinar_chave, url_qrcode
from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
from plugins.fiscal_nf2122.nfcom.xsd import NS, NFComError, NFComSchemaError, problemas_sem_assinatura, problemas_xsd
from plugins.fiscal_nf2122.tests.nfcom_support import (
    BRT,
    FIXTURES,
    dados_exemplo,
    gerar_chave_e_certificado,
    item_internet,
    item_roteador,
)

N = {"n": NS}


def _valor(xml: bytes, caminho: str) -> str:
    return etree.fromstring(xml).xpath(f"string({caminho})", namespaces=N)


def test_nota_de_exemplo_passa_no_xsd_e_sai_compacta():
    montada = montar_nfcom(dados_exemplo())
    assert problemas_sem_assinatura(montada.xml) == []
    assert b"\n" not in montada.xml and b"> <" not in montada.xml and not montada.xml.startswith(b"<?xml")
    assert _valor(montada.xml, "/n:NFCom/n:infNFCom/@Id") == "NFCom" + montada.chave.texto
    assert ler_chave(montada.chave.texto).aamm == "2611"
    assert _valor(montada.xml, "//n:ide/n:dhEmi") == "2026-11-05T10:30:00-03:00"
    assert _valor(montada.xml, "//n:dest/n:CPF") == "52998224725"
    assert _valor(montada.xml, "//n:enderEmit/n:CEP") == "80010000"


def test_valores_dos_itens_e_totais_somados():
    montada = montar_nfcom(dados_exemplo())
    xml = montada.xml
    # item 2: 10,00 − 2,50 de desconto = 7,50; PIS 0,65% = 0,04875 ⇒ 0,05; COFINS 3% = 0,225 ⇒ 0,23
    assert _valor(xml, "//n:det[@nItem='2']/n:prod/n:vProd") == "7.50"
    assert _valor(xml, "//n:det[@nItem='2']//n:PIS/n:vPIS") == "0.05"
    assert _valor(xml, "//n:det[@nItem='2']//n:COFINS/n:vCOFINS") == "0.23"
    assert _valor(xml, "//n:total/n:vProd") == "107.40"
    assert _valor(xml, "//n:total/n:vDesc") == "2.50"
    assert _valor(xml, "//n:total/n:vNF") == "107.40"
    # IBS 0,1% e CBS 0,9% (2026) por item: 0,10 + 0,01 e 0,90 + 0,07 (arredondados por item)
    assert _valor(xml, "//n:IBSCBSTot/n:gIBS/n:vIBS") == "0.11"
    assert _valor(xml, "//n:IBSCBSTot/n:gCBS/n:vCBS") == "0.97"
    assert _valor(xml, "//n:total/n:vTotDFe") == "108.48"  # vNF + IBS + CBS
    assert montada.totais.v_tot_dfe == Decimal("108.48")
    assert _valor(xml, "//n:det[@nItem='1']//n:ICMSSN/n:indSN") == "1"


def test_icms_tributado_e_com_reducao_de_base():
    itens = [item_internet(icms=Icms("00", aliquota=Decimal("25.00")), valor_unitario=Decimal("100.00")),
             item_roteador(icms=Icms("20", aliquota=Decimal("18.00"), reducao_base=Decimal("40.00")),
                           desconto=Decimal("0"))]
    xml = montar_nfcom(dados_exemplo(itens=itens)).xml
    assert _valor(xml, "//n:det[@nItem='1']//n:ICMS00/n:vICMS") == "25.00"
    assert _valor(xml, "//n:det[@nItem='2']//n:ICMS20/n:vBC") == "6.00"  # 10,00 × (1 − 40%)
    assert _valor(xml, "//n:det[@nItem='2']//n:ICMS20/n:vICMS") == "1.08"
    assert _valor(xml, "//n:ICMSTot/n:vBC") == "106.00"
    assert _valor(xml, "//n:ICMSTot/n:vICMS") == "26.08"


def test_sem_ibscbs_nao_ha_grupo_de_totais_da_reforma():
    itens = [item_internet(ibscbs=None)]
    xml = montar_nfcom(dados_exemplo(itens=itens)).xml
    assert problemas_sem_assinatura(xml) == []
    assert not etree.fromstring(xml).xpath("//n:IBSCBSTot|//n:vTotDFe|//n:IBSCBS", namespaces=N)


def test_qr_code_normal_segue_o_manual():
    montada = montar_nfcom(dados_exemplo())
    assert _valor(montada.xml, "//n:infNFComSupl/n:qrCodNFCom") == (
        f"https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode?chNFCom={montada.chave.texto}&tpAmb=2")


def test_contingencia_leva_dhcont_xjust_e_sign_verificavel():
    chave_privada, cert = gerar_chave_e_certificado()
    dados = dados_exemplo(tipo_emissao=2, contingencia_inicio=datetime(2026, 11, 5, 9, 0, tzinfo=BRT),
                          contingencia_justificativa="Autorizador fora do ar desde as 9h")
    montada = montar_nfcom(dados, assinar_qr=lambda chave: assinar_chave(chave, chave_privada))
    assert montada.chave.tp_emis == 2 and montada.chave.texto[34] == "2"
    assert _valor(montada.xml, "//n:ide/n:xJust") == "Autorizador fora do ar desde as 9h"
    url = _valor(montada.xml, "//n:qrCodNFCom")
    prefixo = f"chNFCom={montada.chave.texto}&tpAmb=2&sign="
    assert prefixo in url
    sign = base64.b64decode(url.split("&sign=", 1)[1])
    cert.public_key().verify(sign, montada.chave.texto.encode(), padding.PKCS1v15(), hashes.SHA1())
    assert problemas_sem_assinatura(montada.xml) == []


def test_contingencia_sem_certificado_ou_sem_justificativa_e_recusada():
    dados = dados_exemplo(tipo_emissao=2, contingencia_inicio=datetime(2026, 11, 5, 9, 0, tzinfo=BRT),
                          contingencia_justificativa="Autorizador fora do ar desde as 9h")
    with pytest.raises(NFComError, match="qrCodNFCom"):
        montar_nfcom(dados)
    with pytest.raises(NFComError, match="ide/dhCont, ide/xJust"):
        montar_nfcom(replace(dados, contingencia_justificativa=None), assinar_qr=lambda c: "x")


def test_substituicao_leva_gsub():
    anterior = "41261106117473000150620010000001221012345670"
    dados = dados_exemplo(finalidade=3, substituicao=Substituicao(anterior, "01"))
    xml = montar_nfcom(dados).xml
    assert _valor(xml, "//n:gSub/n:chNFCom") == anterior and _valor(xml, "//n:ide/n:finNFCom") == "3"
    with pytest.raises(NFComError, match="gSub"):
        montar_nfcom(dados_exemplo(finalidade=3))


@pytest.mark.parametrize("mudanca, caminho, trecho", [
    ({"itens": [item_internet(classificacao="010040")]}, "NFCom/infNFCom/det/prod/cClass", "tamanho 6"),
    ({"itens": [item_internet(), item_roteador(cfop="9999")]}, "NFCom/infNFCom/det[2]/prod/CFOP", "9999"),
    ({"municipio_fato_gerador": "41069"}, "NFCom/infNFCom/ide/cMunFG", "41069"),
    ({"destinatario": replace(dados_exemplo().destinatario, nome="M")}, "NFCom/infNFCom/dest/xNome",
     "tamanho 1 abaixo do mínimo 2"),
])
def test_erro_do_xsd_vem_em_pt_br_com_o_caminho_do_elemento(mudanca, caminho, trecho):
    with pytest.raises(NFComSchemaError) as erro:
        montar_nfcom(dados_exemplo(**mudanca))
    assert any(p.startswith(caminho + ":") and trecho in p for p in erro.value.problemas), erro.value.problemas
    assert "NFCom inválida no esquema XSD" in str(erro.value)


@pytest.mark.parametrize("mudanca, mensagem", [
    ({"itens": []}, "det: a NFCom precisa de pelo menos um item"),
    ({"itens": [item_internet(desconto=Decimal("-1"))]}, r"det\[1\]/prod/vDesc: valor negativo"),
    ({"itens": [item_internet(desconto=Decimal("100.00"))]}, r"det\[1\]/prod/vProd: valor do item negativo"),
    ({"emissao": datetime(2026, 11, 5, 10, 30)}, "ide/dhEmi: data e hora sem fuso"),
    ({"informacoes_complementares": ["x"] * 6}, "infAdic/infCpl"),
    ({"serie": 1000}, "série 1000 fora de 0 a 999"),
])
def test_dados_invalidos_recusados_antes_do_xsd(mudanca, mensagem):
    with pytest.raises(NFComError, match=mensagem):
        montar_nfcom(dados_exemplo(**mudanca))


def test_amostra_real_so_falha_no_xsd_pela_falta_da_assinatura():
    xml = (FIXTURES / "NFCom-nfcom.xml").read_bytes()
    assert problemas_xsd(xml) == ["NFCom: faltam elementos filhos; esperado: Signature"]
    assert problemas_sem_assinatura(xml) == []


def test_amostra_real_alterada_aponta_o_elemento():
    xml = (FIXTURES / "NFCom-nfcom.xml").read_bytes().replace(b"<uMed>4</uMed>", b"<uMed>9</uMed>")
    problemas = problemas_sem_assinatura(xml)
    assert len(problemas) == 1 and problemas[0].startswith("NFCom/infNFCom/det/prod/uMed: valor '9'")


def test_url_do_qr_code_configuravel_e_ambiente_conferido():
    montada = montar_nfcom(dados_exemplo(ambiente=1), url_consulta="https://nfcom.fazenda.mg.gov.br/NFCom/qrcode")
    assert _valor(montada.xml, "//n:qrCodNFCom").startswith("https://nfcom.fazenda.mg.gov.br/NFCom/qrcode?chNFCom=")
    assert _valor(montada.xml, "//n:qrCodNFCom").endswith("&tpAmb=1")
    with pytest.raises(ValueError, match="ambiente 3"):
        url_qrcode(montada.chave.texto, 3)
    with pytest.raises(ValueError, match="fora do padrão"):
        url_qrcode(montada.chave.texto, 1, base_url="ftp://x")


@pytest.mark.parametrize("icms, grupo", [
    (Icms("40"), "ICMS40"), (Icms("41"), "ICMS40"), (Icms("51"), "ICMS51"), (Icms("90"), "ICMS90"),
    (Icms("90", aliquota=Decimal("12.00")), "ICMS90"), (Icms("SN"), "ICMSSN"),
])
def test_cada_cst_de_icms_passa_no_xsd(icms, grupo):
    xml = montar_nfcom(dados_exemplo(itens=[item_internet(icms=icms)])).xml
    assert problemas_sem_assinatura(xml) == []
    assert etree.fromstring(xml).xpath(f"count(//n:imposto/n:{grupo})", namespaces=N) == 1
