"""The real fixture set (Nfsc21, layout 2017): round trip byte for byte except the two item records
broken by UTF-8 accents, which the validator names by file, record and field; MD5 tampering."""

from __future__ import annotations

import hashlib

from plugins.fiscal_nf2122.conv115.check import check_files
from plugins.fiscal_nf2122.conv115.reader import read_file
from plugins.fiscal_nf2122.conv115.writer import regenerate
from plugins.fiscal_nf2122.tests.conv115_support import FIXTURE_D, FIXTURE_I, FIXTURE_M, fixture_files

DESCRICAO = "13 descricao (Descrição do serviço, posições 60-99)"
MD5_ITEM = "38 md5_registro (Código de autenticação digital do registro, posições 300-331)"


def _records(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def test_mestre_and_cadastro_round_trip_byte_for_byte():
    for path in (FIXTURE_M, FIXTURE_D):
        data = path.read_bytes()
        parsed = read_file(path.name, data)
        assert parsed.errors == []
        assert regenerate(parsed) == data


def test_items_round_trip_except_the_two_utf8_records():
    data = FIXTURE_I.read_bytes()
    again = regenerate(read_file(FIXTURE_I.name, data))
    before, after = _records(data), _records(again)
    assert len(before) == len(after) == 9
    assert [n for n, (a, b) in enumerate(zip(before, after), 1) if a != b] == [2, 8]
    for n in (2, 8):  # regenerated as a valid single-byte record with a fresh MD5
        record = after[n - 1].rstrip(b"\r")
        assert len(before[n - 1].rstrip(b"\r")) == 332 and len(record) == 331
        assert "ALÍQUOTA".encode("latin-1") in record
        assert hashlib.md5(record[:-32]).hexdigest() == record[-32:].decode()
    (report,) = check_files([(FIXTURE_I.name, again)])
    assert report.errors == []  # the regenerated file is valid


def test_check_names_exactly_the_broken_item_records():
    reports = {r.type: r for r in check_files(fixture_files())}
    assert reports["M"].errors == [] and reports["D"].errors == []
    items = reports["I"]
    assert [(p.record, p.field) for p in items.errors] == [(2, DESCRICAO), (2, MD5_ITEM), (8, DESCRICAO), (8, MD5_ITEM)]
    assert "332 bytes" in items.errors[0].message and "UTF-8" in items.errors[0].message and "'Í'" in items.errors[0].message
    assert "85133c4da5b79b7e14bc961986ebca4d" in items.errors[1].message
    assert (items.records, items.record_length) == (8, 331)


def test_totals_and_the_warnings_of_the_fixture_set():
    reports = {r.type: r.as_dict() for r in check_files(fixture_files())}
    assert reports["M"]["totals"] == {"valor_total": "277.84", "bc_icms": "277.84", "icms": "0.00"}
    assert reports["I"]["totals"] == {"valor_total": "299.70", "bc_icms": "299.70", "icms": "0.00"}
    assert reports["D"]["totals"] == {"valor_total": None, "bc_icms": None, "icms": None}
    warnings = {(w["record"], w["field"].split(" ")[1] if w["field"] else None) for w in reports["M"]["warnings"]}
    assert (2, "referencia_item") in warnings  # doc 2 points at item record 1; its first item is record 3
    assert (1, "valor_total") in warnings  # 28.09 in the mestre, 49.95 in its items
    assert any("só com LF" in w["message"] for w in reports["M"]["warnings"])


def test_a_changed_value_breaks_document_and_record_md5():
    data = bytearray(FIXTURE_M.read_bytes())
    data[146] = ord("8")  # valor total of document 1: 28.09 → 28.08 (position 147 of record 1)
    (report, *_rest) = check_files([(FIXTURE_M.name, bytes(data))])
    fields = [(p.record, p.field.split(" ")[1]) for p in report.errors]
    assert fields == [(1, "md5_documento"), (1, "md5_registro")]
    assert "campos cnpj_cpf+numero+valor_total+bc_icms+icms+data_emissao+cnpj_emitente" in report.errors[0].message


def test_upper_case_md5_is_accepted():
    data = FIXTURE_D.read_bytes()
    lines = data.split(b"\r\n")
    upper = b"\r\n".join(line[:-32] + line[-32:].upper() if line else line for line in lines)
    (report,) = check_files([(FIXTURE_D.name, upper)])
    assert report.errors == []
    parsed = read_file(FIXTURE_D.name, upper)
    assert parsed.upper_hex and regenerate(parsed) == upper
