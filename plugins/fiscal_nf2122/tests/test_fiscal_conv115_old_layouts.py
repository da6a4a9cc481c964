"""Older Convênio 115 layouts, read and checked: 2012-07…2016-12 (M 258, I 254, D 258) and the
original one (254 everywhere, controle 766). The files are synthetic look-alikes of the GestorLab
2013 set (fiscal.md §1.5: upper-case MD5, old names `GO0011301NM.001`), built here field by field
from the widths of the sources — independently of the spec files."""

from __future__ import annotations

import hashlib

from plugins.fiscal_nf2122.conv115.check import check_files
from plugins.fiscal_nf2122.conv115.layout import load_layout
from plugins.fiscal_nf2122.conv115.reader import read_file
from plugins.fiscal_nf2122.conv115.writer import DOC_TOTALS, ITEM_TOTALS, Summary, controle_values, regenerate, render

CNPJ, NUMERO, VALOR, BC, ICMS = "12345678000190", "000000001", "000000010000", "000000010000", "000000001800"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("latin-1")).hexdigest().upper()


def _signed(*parts: str) -> str:
    body = "".join(parts)
    return body + _md5(body)


def mestre(terminal_width: int, blanks: int) -> str:
    doc_md5 = _md5(CNPJ + NUMERO + VALOR + BC + ICMS)  # before 2017: campos 01+12+14+15+16 only
    return _signed(CNPJ, "ISENTO".ljust(14), "CLIENTE EXEMPLO".ljust(35), "GO", "3", "4", "00", "C1".ljust(12),
                   "20130105", "21", "001", NUMERO, doc_md5, VALOR, BC, ICMS, "0" * 12, "0" * 12, "N", "1301",
                   "000000001", "6299998888".ljust(terminal_width), " " * blanks)


def item() -> str:
    return _signed(CNPJ, "GO", "3", "4", "00", "20130105", "21", "001", NUMERO, "5307", "001", "SCM".ljust(10),
                   "PLANO 10 MEGA".ljust(40), "0104", "UN".ljust(6), "00000001000", "00000001000", "00000010000",
                   "0" * 11, "0" * 11, "00000010000", "00000001800", "0" * 11, "0" * 11, "1800", "N", "1301", " " * 5)


def cadastro(phone_width: int) -> str:
    return _signed(CNPJ, "ISENTO".ljust(14), "CLIENTE EXEMPLO".ljust(35), "RUA 1".ljust(45), "00010", "".ljust(15),
                   "74000000", "CENTRO".ljust(15), "GOIANIA".ljust(30), "GO", "6232320000".ljust(phone_width),
                   "C1".ljust(12), "6299998888".ljust(phone_width), "GO", " " * 5)


def test_2012_layout_set_reads_checks_and_round_trips():
    files = [("GO0011301NM.001", (mestre(12, 5) + "\r\n").encode()), ("GO0011301NI.001", (item() + "\r\n").encode()),
             ("GO0011301ND.001", (cadastro(12) + "\r\n").encode())]
    assert [len(d) - 2 for _n, d in files] == [258, 254, 258]
    reports = check_files(files)
    assert [(r.type, r.record_length, r.layout, r.errors) for r in reports] == [
        ("M", 258, "conv115_2012", []), ("I", 254, "conv115_2012", []), ("D", 258, "conv115_2012", [])]
    assert reports[0].as_dict()["totals"] == {"valor_total": "100.00", "bc_icms": "100.00", "icms": "18.00"}
    for name, data in files:
        parsed = read_file(name, data)
        assert parsed.upper_hex and regenerate(parsed) == data


def test_2003_layout_with_its_766_byte_controle():
    m, i, d = (mestre(10, 3) + "\r\n").encode(), (item() + "\r\n").encode(), (cadastro(10) + "\r\n").encode()
    assert [len(x) - 2 for x in (m, i, d)] == [254, 254, 254]
    names = {"M": "GO0011105NM.001", "I": "GO0011105NI.001", "D": "GO0011105ND.001"}
    layout = load_layout("conv115_2003")
    parsed = {t: read_file(names[t], data) for t, data in zip("MID", (m, i, d))}
    mestre_rows = [r.values for r in parsed["M"].records]
    mestre_rows[0]["referencia"] = 1105
    values = controle_values({"cnpj": "12.345.678/0001-90", "uf": "GO"}, Summary.of(mestre_rows, DOC_TOTALS),
                             Summary.of((r.values for r in parsed["I"].records), ITEM_TOTALS),
                             1, {t: p.filename for t, p in parsed.items()},
                             {t: hashlib.md5(x).hexdigest().upper() for t, x in zip("MID", (m, i, d))}, name_width=13)
    controle = render(layout.record("C"), values)
    assert len(controle) == 766 and controle[424:437] == "0011105NM.001"
    files = [(names["M"], m), (names["I"], i), (names["D"], d), ("GO0011105NC.001", (controle + "\r\n").encode())]
    reports = {r.type: r for r in check_files(files)}
    assert reports["C"].record_length == 766 and reports["C"].errors == []
    # referência 1301 inside files named 1105: each record is reported against the name
    assert [(p.record, p.field.split(" ")[1]) for p in reports["M"].errors] == [(1, "referencia")]
    tampered = files[:3] + [("GO0011105NC.001", (controle[:306] + "0000009" + controle[313:] + "\r\n").encode())]
    c = next(r for r in check_files(tampered) if r.type == "C")
    assert [p.field.split(" ")[1] for p in c.errors] == ["m_registros", "md5_registro"]
