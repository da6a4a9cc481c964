"""Chave de acesso da NFCom: montar, ler, DV módulo 11 (pesos 2..9), CNPJ alfanumérico."""

from __future__ import annotations

import pytest

from plugins.fiscal_nf2122.nfcom.chave import ChaveError, chave_valida, digito_verificador, ler_chave, montar_chave

AMOSTRA = "41250306117473000150620010000001231012345675"  # tests/fixtures/nfcom/NFCom-nfcom.xml


def test_chave_da_amostra_real_confere_e_se_decompoe():
    chave = ler_chave("NFCom" + AMOSTRA)
    assert (chave.cuf, chave.aamm, chave.cnpj, chave.serie, chave.numero) == ("41", "2503", "06117473000150", 1, 123)
    assert (chave.tp_emis, chave.site_autorizador, chave.codigo, chave.dv) == (1, 0, "1234567", 5)
    assert chave.id_nfcom == "NFCom" + AMOSTRA


def test_montar_reproduz_a_chave_da_amostra():
    chave = montar_chave(cuf=41, aamm="2503", cnpj="06117473000150", serie=1, numero=123, codigo="1234567")
    assert chave.texto == AMOSTRA


@pytest.mark.parametrize("sem_dv, dv", [
    ("4125030611747300015062001000000123101234567", 5),  # amostra do nfelib
    # resto 0 (3×3 + 1×2 = 11) e resto 1 (6×2 = 12) ⇒ DV 0 nos dois casos
    ("0000000000000000000000000000000000000000031", 0),
    ("0000000000000000000000000000000000000000006", 0),
    ("0000000000000000000000000000000000000000011", 6),  # 1×3 + 1×2 = 5 ⇒ 11 − 5
    ("0000000000000000000000000000000000000000001", 9),  # 1×2 = 2 ⇒ 11 − 2
])
def test_vetores_do_digito_verificador(sem_dv, dv):
    assert digito_verificador(sem_dv) == dv


def test_dv_trocado_e_recusado_com_os_dois_valores():
    with pytest.raises(ChaveError, match="informado 4, calculado 5"):
        ler_chave(AMOSTRA[:43] + "4")


def test_troca_de_posicoes_vizinhas_muda_o_dv():
    trocada = AMOSTRA[:32] + AMOSTRA[33] + AMOSTRA[32] + AMOSTRA[34:]  # nNF 000000123 → 000000132
    assert trocada != AMOSTRA and not chave_valida(trocada)


@pytest.mark.parametrize("texto, mensagem", [
    (AMOSTRA[:-1], "44 posições"),
    (AMOSTRA[:20] + "55" + AMOSTRA[22:], "modelo 55"),
    ("99" + AMOSTRA[2:43] + str(digito_verificador("99" + AMOSTRA[2:43])), "UF 99"),
    (AMOSTRA[:4] + "13" + AMOSTRA[6:43] + str(digito_verificador(AMOSTRA[:4] + "13" + AMOSTRA[6:43])), "AAMM"),
])
def test_chave_invalida_diz_o_motivo(texto, mensagem):
    with pytest.raises(ChaveError, match=mensagem):
        ler_chave(texto)


def test_cnpj_alfanumerico_vale_ord_menos_48():
    cnpj = "12ABC34501DE35"  # exemplo da RFB (IN 2.229/2024)
    chave = montar_chave(cuf=35, aamm="2611", cnpj=cnpj, serie=0, numero=1, codigo="0000001")
    valores = [ord(c) - 48 for c in chave.texto[:43]]
    pesos = [2 + (i % 8) for i in range(43)][::-1]
    resto = sum(v * p for v, p in zip(valores, pesos)) % 11
    assert chave.dv == (0 if resto < 2 else 11 - resto)
    assert ler_chave(chave.texto) == chave
    assert chave.texto[6:20] == cnpj


def test_montar_recusa_partes_fora_do_dominio():
    with pytest.raises(ChaveError, match="CNPJ"):
        montar_chave(cuf=41, aamm="2611", cnpj="06117473000151", serie=1, numero=1)
    with pytest.raises(ChaveError, match="número"):
        montar_chave(cuf=41, aamm="2611", cnpj="06117473000150", serie=1, numero=0)
    with pytest.raises(ChaveError, match="tipo de emissão"):
        montar_chave(cuf=41, aamm="2611", cnpj="06117473000150", serie=1, numero=1, tp_emis=3)


def test_codigo_numerico_aleatorio_tem_7_digitos_e_a_chave_confere():
    chave = montar_chave(cuf=41, aamm="2611", cnpj="06117473000150", serie=1, numero=7)
    assert len(chave.codigo) == 7 and chave.codigo.isdigit()
    assert chave_valida(chave.texto)
