"""Per-bank boleto vectors: barcode + linha digitável from public libraries' test suites.

Sources (read, not copied; the values are the libraries' expected outputs):
- BRC = kivanio/brcobranca@325e0ea `spec/brcobranca/boleto/<bank>_spec.rb` (MIT);
- STELLA = hprange/caelum-stella@3585fa8
  `stella-boleto/src/test/java/br/com/caelum/stella/boleto/bancos/CaixaSIGCBTest.java`;
- BTGSPEC = talesgalvao/brcobranca@d2ec5c7 `spec/brcobranca/btg_pactual_spec.rb` (a brcobranca fork;
  it asserts every barcode slice; the linha is the barcode's rearrangement);
- PYC = Maxwbh/pyCobranca `tests/test_bancos_inter.py` (BSD-3): its Inter barcode is, in its own
  words, a regression guard, not an independent vector; only the NN DV comes from the Inter manual.
Where a source gives only the linha (Sicredi, Sicoob, Unicred), the barcode written here is that
linha rearranged (positions, no arithmetic).
"""

from datetime import date

import pytest

from plugins.bank_profiles.boleto.banks import PERFIS, perfil
from plugins.bank_profiles.boleto.calculo import calcular_boleto
from plugins.bank_profiles.boleto.codigo_barras import decodificar
from plugins.bank_profiles.boleto.erros import ErroBoleto

VETORES = [
    # (id, banco, dados, valor, vencimento, barcode, linha formatada or None, nosso número formatado or None)
    ("itau-175", "341", dict(agencia="0810", conta="53678", carteira="175", nosso_numero="12345678"), "0.00", date(2009, 8, 14),
     "34191432900000000001751234567840810536789000", "34191.75124 34567.840813 05367.890000 1 43290000000000", "175/12345678-4"),  # BRC itau 'Gerar boleto'
    ("itau-175-issue-cli", "341", dict(agencia="0810", conta="53678", carteira="175", nosso_numero="258281"), "135.00", date(2008, 2, 2),
     "34191377000000135001750025828170810536789000", "34191.75009 25828.170818 05367.890000 1 37700000013500", None),  # BRC itau
    ("itau-196-seu-numero", "341", dict(agencia="0810", conta="53678", carteira="196", nosso_numero="258281", seu_numero="1234567", codigo_beneficiario="12345"),
     "135.00", date(2004, 9, 5), "34191252500000135001960025828112345671234550", "34191.96005 25828.112349 56712.345505 1 25250000013500", None),  # BRC itau
    ("itau-196-cliente-4", "341", dict(agencia="0810", conta="53678", carteira="196", nosso_numero="258281", seu_numero="123456", codigo_beneficiario="1234"),
     "135.00", date(2004, 9, 5), "34192252500000135001960025828101234560123440", "34191.96005 25828.101235 45601.234409 2 25250000013500", None),  # BRC itau
    ("itau-109-after-reset", "341", dict(agencia="1248", conta="02124", carteira="109", nosso_numero="00010152"), "6757.87", date(2029, 5, 20),
     "34194254800006757871090001015271248021246000", "34191.09008 01015.271248 80212.460002 4 25480000675787", None),  # BRC itau
    ("bradesco-06", "237", dict(agencia="1172", conta="0403005", carteira="06", nosso_numero="75896452"), "2952.95", date(2009, 4, 30),
     "23795422300002952951172060007589645204030050", "23791.17209 60007.589645 52040.300502 5 42230000295295", None),  # BRC bradesco
    ("bradesco-03", "237", dict(agencia="4042", conta="61900", carteira="03", nosso_numero="777700168"), "135.00", date(2008, 2, 2),
     "23791377000000135004042030077770016800619000", "23794.04201 30077.770011 68006.190000 1 37700000013500", None),  # BRC bradesco
    ("bb-convenio-8", "001", dict(convenio="12387989", nosso_numero="777700168", carteira="18", agencia="4042", conta="61900"), "135.00", date(2008, 2, 1),
     "00193376900000135000000001238798977770016818", "00190.00009 01238.798977 77700.168188 3 37690000013500", "12387989777700168"),  # BRC bb
    ("bb-convenio-7", "001", dict(convenio="1238798", nosso_numero="7777700168", carteira="18"), "723.56", date(2008, 2, 3),
     "00195377100000723560000001238798777770016818", "00190.00009 01238.798779 77700.168188 5 37710000072356", None),  # BRC bb
    ("bb-convenio-7-carteira-17", "001", dict(convenio="1474166", nosso_numero="0000000328", carteira="17", agencia="3174", conta="00011672"), "2246.74", date(2016, 7, 5),
     "00191684600002246740000001474166000000032817", "00190.00009 01474.166004 00000.328179 1 68460000224674", None),  # BRC bb
    ("bb-convenio-6-nn-5", "001", dict(convenio="123879", nosso_numero="1234", carteira="18", agencia="4042", conta="61900"), "135.00", date(2008, 2, 1),
     "00192376900000135001238790123440420006190018", "00191.23876 90123.440423 00061.900189 2 37690000013500", None),  # BRC bb
    ("bb-convenio-6-nn-17", "001", dict(convenio="123879", nosso_numero="1234567899", carteira="16", modalidade="21"), "135.00", date(2008, 2, 1),
     "00199376900000135001238790000000123456789921", "00191.23876 90000.000126 34567.899215 9 37690000013500", None),  # BRC bb
    ("bb-convenio-4", "001", dict(convenio="1238", nosso_numero="123456", carteira="18", agencia="4042", conta="61900"), "135.00", date(2008, 2, 1),
     "00191376900000135001238012345640420006190018", "00191.23801 12345.640424 00061.900189 1 37690000013500", None),  # BRC bb
    ("santander-1", "033", dict(codigo_beneficiario="1899775", nosso_numero="9000026", carteira="102"), "25.00", date(2011, 10, 9),
     "03399511500000025009189977500000900002690102", "03399.18997 77500.000904 00026.901025 9 51150000002500", None),  # BRC santander
    ("santander-2", "033", dict(codigo_beneficiario="1899775", nosso_numero="9000272", carteira="102"), "54.00", date(2012, 9, 8),
     "03393545000000054009189977500000900027250102", "03399.18997 77500.000904 00272.501024 3 54500000005400", None),  # BRC santander
    ("banrisul-1", "041", dict(agencia="1102", codigo_beneficiario="9000150", nosso_numero="22832563"), "1278.90", date(2015, 6, 26),
     "04191647100001278902111029000150228325634059", "04192.11107 29000.150226 83256.340593 1 64710000127890", "22832563-51"),  # BRC banrisul
    ("banrisul-2", "041", dict(agencia="0016", codigo_beneficiario="0164640", nosso_numero="03408099"), "1216.00", date(2017, 1, 12),
     "04192703700001216002100160164640034080994027", "04192.10018 60164.640033 40809.940279 2 70370000121600", None),  # BRC banrisul
    ("caixa-sigcb", "104", dict(codigo_beneficiario="5507", carteira="1", nosso_numero="19"), "321.12", date(2006, 8, 23),
     "10491324200000321120055077000100040000000190", None, "14000000000000019-7"),  # STELLA
    ("unicred", "136", dict(agencia="1234", conta="12345", conta_dv="7", nosso_numero="13871"), "2952.95", date(2012, 1, 24),
     "13691522200002952951234000012345700000138711", "13691.23409 00012.345708 00001.387117 1 52220000295295", "0000013871-1"),  # BRC unicred
    ("sicredi-1", "748", dict(agencia="0710", posto="65", codigo_beneficiario="129", byte_idt="2", emissao=date(2016, 8, 22), nosso_numero="8879", carteira="1"),
     "195.57", date(2016, 8, 22), "74891689400000195571116208879307106500129101", "74891.11620 08879.307109 65001.291015 1 68940000019557", "16/208879-3"),  # BRC sicredi case 1
    ("sicredi-3", "748", dict(agencia="0710", posto="65", codigo_beneficiario="129", byte_idt="2", emissao="2016-08-22", nosso_numero="8879", carteira="3"),
     "195.57", date(2016, 8, 22), "74891689400000195573116208879307106500129105", "74893.11626 08879.307109 65001.291056 1 68940000019557", None),  # BRC sicredi carteira 3
    ("sicredi-6", "748", dict(agencia="0710", posto="65", codigo_beneficiario="129", byte_idt="2", emissao="2016", nosso_numero="9048"),
     "222.00", date(2016, 8, 26), "74898689800000222001116209048807106500129103", "74891.11620 09048.807102 65001.291031 8 68980000022200", None),  # BRC sicredi case 6
    ("sicoob-01", "756", dict(agencia="4327", codigo_beneficiario="229385", nosso_numero="2"), "50.00", date(2016, 2, 18),
     "75692670800000050001432701022938500000024001", "75691.43279 01022.938508 00000.240010 2 67080000005000", "0000002-4"),  # BRC sicoob
    ("sicoob-05", "756", dict(agencia="4134", codigo_beneficiario="148180", nosso_numero="110", modalidade="05"), "235.00", date(2017, 4, 15),
     "75694713000000235001413405014818000001104001", "75691.41349 05014.818008 00011.040011 4 71300000023500", None),  # BRC sicoob
    ("btg-after-reset", "208", dict(agencia="0050", conta="445757", carteira="1", nosso_numero="123"), "123.45", date(2025, 2, 23),
     "20898100100000123450050010000000012304457570", None, None),  # BTGSPEC (fator 1001 = 2025-02-23)
    ("inter-110", "077", dict(convenio="1234567", nosso_numero="0004309540"), "1234.56", date(2026, 8, 15),
     "07794153900001234560001110123456700043095401", "07790.00116 10123.456708 00430.954016 4 15390000123456", "0004309540-1"),  # PYC (guard)
]


@pytest.mark.parametrize("nome, banco, dados, valor, vencimento, barras, linha, nn", VETORES, ids=[v[0] for v in VETORES])
def test_boleto_bank_vectors(nome, banco, dados, valor, vencimento, barras, linha, nn):
    boleto = calcular_boleto(banco, dados, valor=valor, vencimento=vencimento)
    assert boleto.codigo_barras == barras
    assert boleto.campo_livre == barras[19:]
    if linha:
        assert boleto.linha_formatada == linha
    if nn:
        assert boleto.nosso_numero_formatado == nn
    volta = decodificar(boleto.linha_formatada, referencia=vencimento)
    assert (volta.codigo_barras, volta.valor, volta.vencimento, volta.banco) == (barras, boleto.valor, vencimento, banco)


def test_boleto_every_bank_has_a_vector():
    assert set(PERFIS) == {v[1] for v in VETORES}


def test_boleto_issue_cli_example_itau():
    # issue 4: `quita boleto compute --bank 341 agencia=0810 conta=53678 carteira=175
    #   nosso_numero=12345678 valor=135.00 vencimento=2008-02-02`
    saida = calcular_boleto(
        341, dict(agencia="0810", conta="53678", carteira="175", nosso_numero="12345678"), valor="135.00", vencimento=date(2008, 2, 2)
    ).as_dict()
    assert saida["nosso_numero_dv"] == "4"  # DAC of 0810 53678 175 12345678 (BRC itau '175/12345678-4')
    assert saida["fator_vencimento"] == "3770"
    assert saida["barcode"][:19] == "3419" + saida["barcode"][4] + "37700000013500"
    assert saida["barcode"][19:] == "1751234567840810536789000"
    assert decodificar(saida["linha_digitavel"], date(2008, 2, 2)).codigo_barras == saida["barcode"]


def test_boleto_itau_dac_exception_carteiras_use_carteira_and_nn_only():
    # Itaú carteiras 112/126/131/146/150/168: DAC over carteira + NN (reference §2.4). brcobranca's
    # carteira-168 spec vector passes the carteira as an Integer, misses its own exception list and
    # so shows the general rule; no independent vector exists — this checks the rule as documented:
    # módulo 10 of "16800258281" from the right: 1·2 + 8 + 2·2 + 8 + (5·2→1) + 2 + 0 + 0 + (8·2→7)
    # + 6 + 1·2 = 40 → DV 0.
    boleto = calcular_boleto(
        341, dict(agencia="0810", conta="53678", carteira="168", nosso_numero="258281"), valor="135.00", vencimento=date(2004, 9, 5)
    )
    assert boleto.nosso_numero_dv == "0"
    assert boleto.campo_livre == "1680025828100810536789000"


def test_boleto_btg_uses_bradesco_layout_and_p_digit():
    # laravel-boleto Btg.php: agência + carteira + NN(11) + conta(7) + 0; NN DV = Bradesco rule.
    # Bradesco '06/00000000525-P' (BRC) → BTG gives the same NN DV and the same campo livre.
    dados = dict(agencia="0050", conta="1234567", carteira="06", nosso_numero="525")
    btg = calcular_boleto(208, dados, valor="10.00", vencimento=date(2026, 3, 10))
    bradesco = calcular_boleto(237, dados, valor="10.00", vencimento=date(2026, 3, 10))
    assert btg.nosso_numero_formatado == "06/00000000525-P"
    assert btg.campo_livre == bradesco.campo_livre == "0050060000000052512345670"
    assert btg.codigo_barras.startswith("2089")


def test_boleto_caixa_campo_livre_brcobranca():
    # BRC caixa_spec: convênio 245274, NN 000000000000001 → '2452740000100040000000017', NN '14000000000000001-4'
    boleto = calcular_boleto(104, dict(codigo_beneficiario="245274", nosso_numero="1"), valor="10.00", vencimento=date(2026, 5, 5))
    assert boleto.campo_livre == "2452740000100040000000017"
    assert boleto.nosso_numero_formatado == "14000000000000001-4"


def test_boleto_sicredi_nosso_numero_brcobranca():
    # BRC sicredi_spec: agência 0165, posto 02, beneficiário 00623, byte 2, NN 00003, 2007 → '07/200003-1'
    boleto = calcular_boleto(
        748, dict(agencia="0165", posto="02", codigo_beneficiario="00623", byte_idt="2", emissao=date(2007, 8, 26), nosso_numero="3"),
        valor="1.00", vencimento=date(2007, 8, 26),
    )
    assert boleto.nosso_numero_formatado == "07/200003-1"


@pytest.mark.parametrize(
    "banco, dados, mensagem",
    [
        ("341", dict(agencia="0810", carteira="175", nosso_numero="1"), "Banco 341 (Itaú): campo obrigatório 'conta' não informado."),
        ("341", dict(agencia="08A0", conta="53678", carteira="175", nosso_numero="1"), "Banco 341 (Itaú): campo 'agencia' aceita só dígitos (veio '08A0')."),
        ("341", dict(agencia="0810", conta="53678", carteira="175", nosso_numero="123456789"),
         "Banco 341 (Itaú): campo 'nosso_numero' aceita no máximo 8 dígitos (veio '123456789')."),
        ("001", dict(convenio="12345", nosso_numero="1", carteira="18"), "Banco 001 (Banco do Brasil): convênio deve ter 4, 6, 7 ou 8 dígitos (veio '12345')."),
        ("001", dict(convenio="123879", nosso_numero="1", carteira="17", modalidade="21"), "só nas carteiras 16 ou 18 (veio 17)"),
        ("077", dict(convenio="1234567", nosso_numero="1", carteira="112"), "na 112 quem numera é o banco"),
        ("748", dict(agencia="0710", posto="65", codigo_beneficiario="129", byte_idt="0", emissao="2016", nosso_numero="1"), "byte_idt deve ser 1"),
        ("999", dict(), "Banco 999: sem perfil de boleto"),
    ],
)
def test_boleto_bad_fields_are_named(banco, dados, mensagem):
    with pytest.raises(ErroBoleto) as erro:
        calcular_boleto(banco, dados, valor="1.00", vencimento=date(2026, 1, 10))
    assert mensagem in str(erro.value)


def test_boleto_bank_code_spellings():
    assert perfil("33") is perfil("033") is perfil(33) is PERFIS["033"]


def test_boleto_nosso_numero_alone_for_remessa_writers():
    from plugins.bank_profiles.boleto.calculo import nosso_numero

    nn = nosso_numero("237", dict(agencia="1172", conta="0403005", carteira="06", nosso_numero="525"))
    assert (nn.valores["nosso_numero"], nn.dv, nn.formatado) == ("00000000525", "P", "06/00000000525-P")


def test_boleto_sicredi_emissao_spellings():
    base = dict(agencia="0710", posto="65", codigo_beneficiario="129", byte_idt="2", nosso_numero="8879")
    formas = [date(2016, 8, 22), "2016-08-22", "22/08/2016", "2016", "16"]
    saidas = {calcular_boleto(748, base | {"emissao": f}, valor="195.57", vencimento=date(2016, 8, 22)).codigo_barras for f in formas}
    assert saidas == {"74891689400000195571116208879307106500129101"}


def test_boleto_a_bank_from_another_package_is_registered_as_data():
    from dataclasses import replace

    from plugins.bank_profiles.boleto.banks import registrar_perfil

    # e.g. a cooperative bank with Bradesco's layout, shipped outside Quita
    registrar_perfil(replace(PERFIS["237"], codigo="999", nome="Banco Exemplo"))
    try:
        boleto = calcular_boleto("999", dict(agencia="1", conta="2", carteira="9", nosso_numero="3"), valor="1.00", vencimento=date(2026, 1, 1))
        assert boleto.codigo_barras.startswith("9999") and boleto.banco == "999"
    finally:
        PERFIS.pop("999")
    with pytest.raises(ErroBoleto, match="3 dígitos"):
        registrar_perfil(replace(PERFIS["237"], codigo="99"))
