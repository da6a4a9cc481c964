"""Round trip: every remessa fixture, read and re-generated from its parsed content, is the same
file byte for byte (`cmp`) — line ends, trimmed trailing blanks and "not informed" fields included."""

from __future__ import annotations

import pytest

from plugins.bank_profiles.cnab.reader import file_shape, read_remessa
from plugins.bank_profiles.cnab.writer import render_records
from plugins.bank_profiles.tests.cnab_support import FIXTURES

REMESSAS = sorted(p.name for p in FIXTURES.glob("*.rem"))


def test_every_bank_of_the_issue_has_a_remessa_fixture():
    banks = {name.split("_")[2] + "_" + name.split("_")[1][4:] for name in REMESSAS}
    assert {"bb_240", "bb_400", "caixa_240", "santander_240", "santander_400", "sicoob_240", "sicoob_400",
            "sicredi_240", "bradesco_400", "itau_400", "unicred_400"} <= banks


@pytest.mark.parametrize("name", REMESSAS)
def test_remessa_fixture_read_and_regenerated_is_byte_identical(name):
    raw = (FIXTURES / name).read_bytes()
    layout, records, _avisos = read_remessa(raw, arquivo=name)
    assert layout.id.split("_")[0] == name.split("_")[2]  # detected as the bank the file belongs to
    assert len(records) == raw.count(b"\n")
    assert render_records(records, shape=file_shape(raw)).encode("ascii") == raw


def test_regeneration_comes_from_the_parsed_values_not_from_the_text():
    raw = (FIXTURES / "remessa_cnab400_itau_brcobranca.rem").read_bytes()
    _layout, records, _avisos = read_remessa(raw, arquivo="itau.rem")
    records[1].values["valor"] = records[1].values["valor"] + 1
    lines = render_records(records, shape=file_shape(raw)).split("\n")
    assert lines[1][126:139] == "0000000020090" and lines[0] == raw.decode().split("\n")[0]


def test_shape_of_a_trimmed_crlf_file_with_bom_and_no_final_newline_is_kept():
    raw = (FIXTURES / "remessa_cnab240_caixa_entrada_oca.rem").read_bytes()  # LF, trailing blanks trimmed
    odd = b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n").rstrip(b"\r\n")
    _layout, records, avisos = read_remessa(odd, arquivo="oca.rem")
    assert "10 linha(s) com menos de 240 colunas" in avisos[0]
    assert render_records(records, shape=file_shape(odd)).encode("utf-8") == odd
    full = render_records(records)  # no shape: CRLF, full width, final newline
    assert {len(ln) for ln in full.split("\r\n")[:-1]} == {240} and full.endswith("\r\n")
