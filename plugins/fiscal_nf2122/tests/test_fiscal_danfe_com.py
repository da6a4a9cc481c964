"""DANFE-COM from real XML: the nfelib sample NFCom and a note built, signed and wrapped in a
nfcomProc by our own builder. Each PDF is rendered (pdftoppm), its QR code decoded with zbarimg
(must equal infNFComSupl/qrCodNFCom) and its text read with pdftotext."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree

from plugins.fiscal_nf2122.danfe_com import DanfeError, danfe_com_pdf, format_chave, read_danfe
from plugins.fiscal_nf2122.nfcom.certificado import carregar_pfx
from plugins.fiscal_nf2122.nfcom.qrcode import assinar_chave
from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom
from plugins.fiscal_nf2122.nfcom.soap import ProtocoloNFCom, nfcom_proc
from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
from plugins.fiscal_nf2122.tests.nfcom_support import BRT, FIXTURES, SENHA, dados_exemplo, gerar_pfx

NS = "http://www.portalfiscal.inf.br/nfcom"
SAMPLE = FIXTURES / "NFCom-nfcom.xml"


def _qr_of(xml: bytes) -> str:
    root = etree.fromstring(xml)
    return root.find(f".//{{{NS}}}qrCodNFCom").text


def render(pdf: bytes, tmp_path, name: str) -> tuple[str, str, int]:
    """(text, decoded QR code, pages) of the PDF."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / name)], check=True)
    png = next(tmp_path.glob(f"{name}-*1.png"))
    qr = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout.strip()
    pages = text.count("\f")
    return text, qr, pages


@pytest.fixture(scope="module")
def certificado(tmp_path_factory):
    caminho, cert = gerar_pfx(tmp_path_factory.mktemp("a1") / "a1.pfx")
    return carregar_pfx(caminho, SENHA)


def _protocolo(chave: str) -> ProtocoloNFCom:
    xml = (f'<protNFCom xmlns="{NS}" versao="1.00"><infProt><tpAmb>1</tpAmb><verAplic>SVRS202611</verAplic>'
           f'<chNFCom>{chave}</chNFCom><dhRecbto>2026-11-05T10:30:05-03:00</dhRecbto>'
           '<nProt>3412600000012345</nProt><digVal>aGVsbG8gd29ybGQgMTIzNDU2Nzg=</digVal>'
           '<cStat>100</cStat><xMotivo>Autorizado o uso da NFCom</xMotivo></infProt></protNFCom>').encode()
    return ProtocoloNFCom(chave=chave, data_recebimento="2026-11-05T10:30:05-03:00", c_stat="100",
                          x_motivo="Autorizado o uso da NFCom", numero="3412600000012345",
                          digest="aGVsbG8gd29ybGQgMTIzNDU2Nzg=", xml=xml)


def test_sample_nfcom_homologacao_without_protocol(tmp_path):
    xml = SAMPLE.read_bytes()
    text, qr, _pages = render(danfe_com_pdf(xml), tmp_path, "amostra")
    assert qr == _qr_of(xml) == ("https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode?"
                                 "chNFCom=41250306117473000150620010000001231012345675&tpAmb=2")
    assert "DANFE-COM" in text and "4125 0306 1174 7300 0150 6200 1000 0001 2310 1234 5675" in text
    assert "SEM VALOR FISCAL" in text and "Sem protocolo de autorização" in text
    assert "EMITIDA EM CONTINGÊNCIA" not in text
    assert "Unimake Software" in text and "06.117.473/0001-50" in text and "Unifake Software" in text
    assert "000000123" in text and "06/03/2025 09:48:58" in text
    assert "1234567" in text and "5120" in text and "R$ 1.234,10" in text  # cClass, CFOP, vProd of the item
    assert "VALOR TOTAL DA NFCOM" in text and "R$ 111,54" in text
    assert "Produtor Rural" in text and "Informacao 1" in text
    assert "NFCom emitida em substituição à chave 1234 5678" in text


def test_built_signed_authorized_nfcom_with_ibs_cbs(tmp_path, certificado):
    montada = montar_nfcom(dados_exemplo(ambiente=1))
    assinado = assinar_nfcom(montada.xml, certificado)
    proc = nfcom_proc(assinado, _protocolo(montada.chave.texto))
    text, qr, pages = render(danfe_com_pdf(proc), tmp_path, "autorizada")
    assert qr == _qr_of(proc) and f"chNFCom={montada.chave.texto}&tpAmb=1" in qr
    assert format_chave(montada.chave.texto) in text
    assert "3412600000012345 - 05/11/2026 10:30:05" in text
    assert "SEM VALOR FISCAL" not in text and "Sem protocolo" not in text
    assert "Fibra Já" in text and "Provedor Exemplo Ltda" in text and "Maria da Silva" in text
    assert "529.982.247-25" in text and "Residencial/Pessoa Física" in text
    assert "Provimento de acesso à Internet" in text and "CT-77" in text
    assert "Plano Fibra 300 Mega" in text and "Locação de roteador" in text
    assert "11/2026" in text and "20/11/2026" in text and "01/10/2026 a 31/10/2026" in text
    assert "Central do assinante: 0800 000 0000" in text
    assert "99,90" in text and "R$ 2,50" in text  # vItem with the cents, the router's discount
    # IBS/CBS totals as the builder computed them
    t = montada.totais
    assert "Valor do IBS" in text and "Valor da CBS" in text and "Total com IBS e CBS" in text
    from core.money import format_brl

    for value in (t.v_nf, t.v_cbs, t.v_tot_dfe):
        assert format_brl(value) in text
    assert pages == 1
    # the protocol may also come apart from the signed XML
    apart = read_danfe(assinado, _protocolo(montada.chave.texto).xml)
    assert (apart.protocolo, apart.protocolo_data) == ("3412600000012345", "05/11/2026 10:30:05")


def test_contingency_prints_the_notice_and_the_signed_qr(tmp_path, certificado):
    dados = dados_exemplo(tipo_emissao=2, contingencia_inicio=datetime(2026, 11, 5, 9, 0, tzinfo=BRT),
                          contingencia_justificativa="Autorizador fora do ar desde as 9h")
    montada = montar_nfcom(dados, assinar_qr=lambda chave: assinar_chave(chave, certificado.chave_privada))
    text, qr, _pages = render(danfe_com_pdf(assinar_nfcom(montada.xml, certificado)), tmp_path, "contingencia")
    assert "&sign=" in qr and qr == _qr_of(montada.xml)
    assert "EMITIDA EM CONTINGÊNCIA" in text and "Sem protocolo de autorização" in text


def test_many_items_continue_on_a_second_page(tmp_path):
    base = dados_exemplo()
    itens = [replace(base.itens[0], codigo=f"S{n}", descricao=f"Serviço adicional {n}", valor_unitario=Decimal("1.00"))
             for n in range(1, 41)]
    text, _qr, pages = render(danfe_com_pdf(montar_nfcom(replace(base, itens=itens)).xml), tmp_path, "longa")
    assert pages == 2 and "Serviço adicional 1 " in text and "Serviço adicional 40" in text
    assert text.count("DANFE-COM") == 2  # the header repeats


def test_bad_input_is_refused_in_portuguese():
    with pytest.raises(DanfeError, match="XML da NFCom inválido"):
        danfe_com_pdf(b"<NFCom><nao-fecha>")
    with pytest.raises(DanfeError, match="não é uma NFCom nem um nfcomProc"):
        danfe_com_pdf(b"<nfeProc xmlns='http://www.portalfiscal.inf.br/nfe'/>")


def test_print_benchmark_renders_what_it_counts(tmp_path):
    from plugins.fiscal_nf2122.print_bench import bench_pdf, synthetic_printables
    from plugins.fiscal_nf2122.printing import render_pdf

    r = bench_pdf(3, 2)
    assert (r["documents"], r["danfes"]) == (3, 2) and r["nf_bytes"] > 0 and r["danfe_bytes"] > 0
    text, _qr, pages = render(render_pdf(synthetic_printables(3)), tmp_path, "bench")
    assert pages == 3 and "Cliente Ação 3" in text and "000.000.003" in text
