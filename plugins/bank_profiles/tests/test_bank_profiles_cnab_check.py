"""`check_file` (what `quita cnab check` prints) and the reader's tolerance of real files' quirks:
every problem by line and columns, not only the first; 401-column lines, BOM, LF/CRLF, no final
newline and trimmed blanks accepted; extra records (segment Y, PIX type 2) accepted."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.reader import RetornoError, check_file, detect_kind, read_retorno
from plugins.bank_profiles.tests.cnab_support import FIXTURES

ALL = sorted(p.name for p in FIXTURES.glob("*.re[mt]"))


@pytest.mark.parametrize("name", ALL)
def test_every_fixture_checks_clean(name):
    layout = load_layout("unicred_400") if name.startswith("retorno_cnab400_unicred") else None
    report = check_file((FIXTURES / name).read_bytes(), arquivo=name, layout=layout)
    assert report.problems == [], [str(p) for p in report.problems]
    assert report.kind == name.split("_")[0] and report.lines > 2


def _bb_retorno_lines() -> list[str]:
    return (FIXTURES / "retorno_cnab240_bb_laravel.ret").read_bytes().decode("ascii").split("\n")


def test_check_reports_every_problem_with_line_and_columns():
    lines = _bb_retorno_lines()
    lines[3] = lines[3][:80] + "X" + lines[3][81:]  # line 4 (U): a letter in valor pago
    lines[4] = lines[4][:13] + "Z" + lines[4][14:]  # line 5: unknown segment
    lines[6] = lines[6][:240] + "9"  # line 7: data beyond column 240
    lines[8] = lines[8][:73] + "31022011" + lines[8][81:]  # line 9 (T): impossible vencimento
    report = check_file("\n".join(lines), arquivo="bb.ret")
    found = [(p.linha, p.colunas) for p in report.problems]
    assert (4, "78-92") in found and (5, "8, 14") in found and (7, "241-241") in found and (9, "74-81") in found
    texts = [str(p) for p in report.problems]
    assert "linha 4, colunas 78-92: registro segmento_u, campo valor_pago (posições 78-92): valor não numérico" in texts[0]
    assert any(t.startswith("linha 5, colunas 8, 14: tipo de registro desconhecido para bb_240.toml") for t in texts)
    assert any("a linha tem 241 colunas; o CNAB 240 tem 240 e as colunas 241-241 não estão em branco" in t for t in texts)
    assert any("campo vencimento (posições 74-81): data inválida '31022011'" in t for t in texts)
    # the U after a refused T (lines 8 and 10) has no T of its own: reported too, the reading went on
    assert found == [(4, "78-92"), (5, "8, 14"), (7, "241-241"), (8, ""), (9, "74-81"), (10, "")]


def test_check_of_a_remessa_verifies_sequences_and_trailer_counts():
    raw = (FIXTURES / "remessa_cnab400_itau_brcobranca.rem").read_bytes().decode("ascii").split("\n")
    raw[2] = raw[2][:394] + "000009"  # type-2 record numbered 9 instead of 3
    report = check_file("\n".join(raw), arquivo="itau.rem")
    assert [str(p) for p in report.problems] == ["linha 3, colunas 395-400: sequencial do registro 000009; esperado 000003"]
    caixa = (FIXTURES / "remessa_cnab240_caixa_brcobranca.rem").read_bytes().decode("ascii").split("\n")
    caixa[6] = caixa[6][:23] + "000008" + caixa[6][29:]
    report = check_file("\n".join(caixa), arquivo="caixa.rem")
    assert [str(p) for p in report.problems] == ["linha 7, colunas 24-29: qtd_registros = 8; o arquivo tem 7"]


def test_check_names_a_file_that_is_not_cnab():
    report = check_file(b"hello\nworld\n", arquivo="x.txt")
    assert report.layout is None and [p.linha for p in report.problems] == [1]
    assert "não é um arquivo CNAB 240 nem CNAB 400" in str(report.problems[0])


def test_a_401_column_line_with_a_blank_excess_is_read_and_with_data_refused():
    raw = (FIXTURES / "retorno_cnab400_itau_laravel.ret").read_bytes().decode("ascii").split("\r\n")
    raw[1] = raw[1] + " "
    ret = read_retorno("\r\n".join(raw), arquivo="itau.ret")
    assert len(ret.titulos) == 4 and any("linha 2: 401 colunas" in a for a in ret.avisos)
    raw[1] = raw[1][:400] + "7"
    with pytest.raises(RetornoError, match=r"^itau.ret, linha 2: a linha tem 401 colunas; o CNAB 400 tem 400 e as colunas 401-401 não estão em branco$"):
        read_retorno("\r\n".join(raw), arquivo="itau.ret")


@pytest.mark.parametrize("name", ["retorno_cnab400_itau_laravel.ret", "retorno_cnab400_santander_pix_laravel.ret"])
def test_400_files_read_the_same_with_lf_bom_no_final_newline_and_trimmed_blanks(name):
    raw = (FIXTURES / name).read_bytes()
    base = read_retorno(raw, arquivo=name)
    trimmed = b"\r\n".join(ln.rstrip() for ln in raw.split(b"\r\n"))
    for variant in (raw.replace(b"\r\n", b"\n"), b"\xef\xbb\xbf" + raw, raw.rstrip(b"\r\n"), trimmed):
        other = read_retorno(variant, arquivo=name)
        assert [(t.nosso_numero, t.ocorrencia, t.valor_pago, t.campos) for t in other.titulos] == [
            (t.nosso_numero, t.ocorrencia, t.valor_pago, t.campos) for t in base.titulos]


def test_a_generic_segment_y_is_accepted_after_t_u_at_any_240_bank():
    lines = _bb_retorno_lines()
    y = ("0010001300003Y 0604" + "EMAIL@EXEMPLO.COM.BR").ljust(240)
    lines.insert(4, y)
    ret = read_retorno("\n".join(lines), arquivo="bb.ret")
    assert len(ret.titulos) == 5 and ret.titulos[0].campos["registro_opcional"] == "04"
    assert ret.titulos[0].valor_pago == D("40.00")


def test_a_segment_y_before_any_t_is_refused_naming_the_line():
    lines = _bb_retorno_lines()
    lines.insert(2, ("0010001300001Y 0601").ljust(240))
    with pytest.raises(RetornoError, match=r"^bb.ret, linha 3: registro segmento_y sem o registro segmento_t que o precede$"):
        read_retorno("\n".join(lines), arquivo="bb.ret")


def test_kind_detection_survives_a_shifted_240_header():
    raw = (FIXTURES / "retorno_cnab240_sicoob_brcobranca.ret").read_bytes().decode("ascii")
    assert raw.split("\r\n")[0][142] != "2" and detect_kind(raw) == "retorno"
    assert detect_kind((FIXTURES / "remessa_cnab240_sicoob_brcobranca.rem").read_text()) == "remessa"


def test_400_optional_type_2_and_8_records_are_accepted_after_a_detail():
    raw = (FIXTURES / "retorno_cnab400_itau_laravel.ret").read_bytes().decode("ascii").split("\r\n")
    pix = ("8" + "5" + "39a1178e-db6b-4407-bc7b-b674390acf5f").ljust(394) + "000003"
    lines = raw[:2] + [pix] + raw[2:]
    ret = read_retorno("\r\n".join(lines), arquivo="itau.ret")
    assert len(ret.titulos) == 4 and ret.titulos[0].campos["dados_opcionais"].startswith("539a1178e")
    assert ret.titulos[0].ocorrencia == "liquidada" and ret.titulos[1].campos.get("dados_opcionais") is None
    with pytest.raises(RetornoError, match=r"^itau.ret, linha 2: registro detalhe_opcional_8 sem o registro detalhe_retorno que o precede$"):
        read_retorno("\r\n".join(raw[:1] + [pix] + raw[1:]), arquivo="itau.ret")


def test_check_wants_the_header_first_and_the_trailer_last():
    lines = (FIXTURES / "remessa_cnab400_bb_brcobranca.rem").read_bytes().decode("ascii").split("\n")[:-1]
    lines[0], lines[2] = lines[2][:394] + "000001", lines[0][:394] + "000003"
    assert "não é um arquivo CNAB" in str(check_file("\n".join(lines), arquivo="bb.rem").problems[0])
    texts = [str(p) for p in check_file("\n".join(lines), arquivo="bb.rem", layout=load_layout("bb_400")).problems]
    assert texts[0].startswith("linha 1: a primeira linha deveria ser o cabeçalho (header_remessa), não trailer_remessa")
    assert texts[-1].startswith("linha 3: a última linha deveria ser o trailer (trailer_remessa), não header_remessa")
