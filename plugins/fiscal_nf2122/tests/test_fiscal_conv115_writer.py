"""The Convênio 115 writer: documents → M, I, D and controle bytes (widths, CRLF, transliteration,
MD5s computed independently here with hashlib, totals, controle, volumes), refusals naming document,
item and field, and the validator on generated and tampered sets."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from plugins.fiscal_nf2122.conv115.check import check_files
from plugins.fiscal_nf2122.conv115.writer import Conv115Error, ItemNF, write_file_set
from plugins.fiscal_nf2122.tests.conv115_support import documento, entrega

NAME = "SP0786103300017521U  2611N01{t}.{v:03d}"


def _lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


@pytest.fixture(name="files")
def _files():
    docs = [documento(1), documento(2, situacao="S"), documento(3)]
    return {f.type: f for f in write_file_set(entrega(), docs)}


def test_file_names_record_widths_crlf_and_single_byte(files):
    assert [f.name for f in files.values()] == [NAME.format(t=t, v=1) for t in "MIDC"]
    for kind, width, count in (("M", 425, 3), ("I", 331, 6), ("D", 287, 3), ("C", 797, 1)):
        lines = _lines(files[kind].data)
        assert [len(line) for line in lines] == [width] * count
        assert all(b < 0x80 for b in files[kind].data)  # accents transliterated
    assert b"Jose da Conceicao" in files["M"].data and b"Servico de comunicacao multimidia" in files["I"].data


def test_document_md5_and_record_md5_recomputed_by_hand(files):
    m1 = _lines(files["M"].data)[0].decode("ascii")
    # campos 01 + 12 + 14 (99.90 − 5.00 + 10.00) + 15 + 16 + 09 + 27, at full width
    parts = ["00012345678909", "000000001", "000000010490", "000000009990", "000000001798", "20261102", "07861033000175"]
    expected = hashlib.md5("".join(parts).encode()).hexdigest().upper()
    assert m1[103:135] == expected
    for kind in "MIDC":
        for line in _lines(files[kind].data):
            assert hashlib.md5(line[:-32]).hexdigest().upper().encode() == line[-32:]


def test_mestre_fields_totals_and_item_reference(files):
    m = [line.decode() for line in _lines(files["M"].data)]
    assert [r[200:209] for r in m] == ["000000001", "000000003", "000000005"]  # campo 21: first item of each doc
    assert [r[195] for r in m] == ["N", "S", "N"]
    first = m[0]
    assert first[135:147] == "000000010490" and first[147:159] == "000000009990" and first[159:171] == "000000001798"
    assert first[183:195] == "000000001000"  # outros
    assert first[91:94] == "U  " and first[89:91] == "21" and first[196:200] == "2611"
    assert first[221] == "2" and first[222:224] == "03"  # CPF, residencial
    items = [line.decode() for line in _lines(files["I"].data)]
    assert [r[46:49] for r in items[:2]] == ["001", "002"] and items[1][42:46] == "5949"
    assert items[2][214] == "S"  # items of the cancelled document carry its situação


def test_controle_counts_totals_names_and_file_md5s(files):
    c = _lines(files["C"].data)[0].decode()
    assert c[:18] == "07.861.033/0001-75" and c[133:142] == "01310-100"
    assert c[306:313] == "0000003" and c[313:320] == "0000001"  # 3 documents, 1 cancelled
    assert c[336:345] == "000000001" and c[345:354] == "000000003"
    assert c[354:368] == "00000000031470"  # 3 × 104.90 (cancelled documents stay in the totals)
    assert c[424:439] == "SPU  2611NM.001" and c[439] == "N"
    assert c[440:472] == hashlib.md5(files["M"].data).hexdigest().upper()
    assert c[472:481] == "000000006" and c[481:488] == "0000002"
    assert c[636:668] == hashlib.md5(files["I"].data).hexdigest().upper()
    assert c[668:675] == "0000003" and c[675:690] == "SPU  2611ND.001"
    assert c[691:723] == hashlib.md5(files["D"].data).hexdigest().upper()


def test_generated_set_checks_clean(files):
    reports = check_files([(f.name, f.data) for f in files.values()])
    assert [(r.type, r.errors, r.warnings) for r in reports] == [(t, [], []) for t in "MIDC"]
    assert reports[3].as_dict()["totals"] == {"valor_total": "314.70", "bc_icms": "299.70", "icms": "53.94"}


def test_tampered_item_file_is_caught_by_record_md5_and_controle(files):
    data = bytearray(files["I"].data)
    data[133 + 331 + 2] = ord("9")  # item 2 total: first digit → 9
    sets = [(f.name, bytes(data) if f.type == "I" else f.data) for f in files.values()]
    reports = {r.type: r for r in check_files(sets)}
    assert [(p.record, p.field.split(" ")[1]) for p in reports["I"].errors] == [(2, "md5_registro")]
    controle = {p.field.split(" ")[1] for p in reports["C"].errors}
    assert controle == {"i_md5_arquivo", "i_valor_total"}
    assert any(p.field.startswith("14 valor_total") for p in reports["M"].warnings)


def test_missing_file_of_the_set_is_a_warning(files):
    reports = check_files([(f.name, f.data) for f in files.values() if f.type != "D"])
    m = next(r for r in reports if r.type == "M")
    assert any("arquivo D do mesmo conjunto não informado" in w.message for w in m.warnings)
    c = next(r for r in reports if r.type == "C")
    assert {w.field.split(" ")[1] for w in c.warnings} == {"d_registros", "d_nome_arquivo", "d_status", "d_md5_arquivo"}


def test_volumes_split_before_max_records_keeping_items_together():
    docs = [documento(n) for n in range(1, 6)]
    files = write_file_set(entrega(), docs, max_records=5)  # 2 items per doc ⇒ 2 docs per volume
    assert [f.name for f in files] == [NAME.format(t=t, v=v) for v in (1, 2, 3) for t in "MIDC"]
    assert [f.records for f in files if f.type == "I"] == [4, 4, 2]
    third_m = next(f for f in files if f.name == NAME.format(t="M", v=3))
    assert third_m.data[200:209] == b"000000001"  # campo 21 counts within the volume
    reports = check_files([(f.name, f.data) for f in files])
    assert all(r.errors == [] and r.warnings == [] for r in reports)


def test_substitute_delivery_name_and_status():
    files = write_file_set(entrega(status="S", sequencia=2), [documento(1)])
    assert files[0].name == "SP0786103300017521U  2611S02M.001"
    assert _lines(files[3].data)[0][439:440] == b"S"


def test_refusals_name_document_item_and_field():
    big = documento(3)
    big.itens[0] = ItemNF(descricao="x", valor_total=Decimal("1000000000.00"))
    with pytest.raises(Conv115Error, match=r"Documento 3, item 1, registro Item do documento fiscal: campo 18 valor_total"):
        write_file_set(entrega(), [documento(1), big])
    floaty = documento(4)
    floaty.itens[1].icms = 1.5
    with pytest.raises(Conv115Error, match=r"Documento 4, item 2.*campo 22 icms.*float"):
        write_file_set(entrega(), [floaty])
    with pytest.raises(Conv115Error, match="número repetido"):
        write_file_set(entrega(), [documento(1), documento(1)])
    with pytest.raises(Conv115Error, match="Série da entrega"):
        write_file_set(entrega(serie="-A"), [documento(1)])
    with pytest.raises(Conv115Error, match="situação R exige no campo 34"):
        write_file_set(entrega(), [documento(1, situacao="R")])


def test_substitute_document_reference_is_checked():
    ok = documento(2, situacao="R", informacoes_adicionais="2611_21_U_000000001_20261102")
    files = write_file_set(entrega(), [documento(1, situacao="S"), ok])
    assert all(r.errors == [] for r in check_files([(f.name, f.data) for f in files]))
    bad = documento(2, situacao="R", informacoes_adicionais="nota 1")
    files = write_file_set(entrega(), [documento(1, situacao="S"), bad])
    m = check_files([(f.name, f.data) for f in files])[0]
    assert [(p.record, p.field.split(" ")[1]) for p in m.errors] == [(2, "informacoes_adicionais")]
