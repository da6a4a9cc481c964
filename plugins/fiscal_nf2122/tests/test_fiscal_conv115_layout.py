"""Convênio 115 layouts as data: record lengths and the field positions of fiscal.md §1.3, §1.4,
§1.6 (the reference tables), the older 258/254 layouts, and the load-time consistency check."""

from __future__ import annotations

import pytest

from plugins.fiscal_nf2122.conv115.layout import LayoutError, _record, layout_for_period, layouts_for, load_layout


def _pos(layout_id, kind, name):
    f = load_layout(layout_id).record(kind).field(name)
    return (f.n, f.start, f.end, f.type)


def test_record_lengths_of_every_layout():
    assert load_layout("conv115_2017").lengths() == {"M": 425, "I": 331, "D": 287, "C": 797}
    assert load_layout("conv115_2012").lengths() == {"M": 258, "I": 254, "D": 258, "C": 797}
    assert load_layout("conv115_2003").lengths() == {"M": 254, "I": 254, "D": 254, "C": 766}


@pytest.mark.parametrize("kind,name,expected", [
    ("M", "md5_documento", (13, 104, 135, "md5")), ("M", "valor_total", (14, 136, 147, "num")),
    ("M", "situacao", (19, 196, 196, "alfa")), ("M", "referencia_item", (21, 201, 209, "num")),
    ("M", "terminal_principal", (26, 227, 238, "alfa")), ("M", "cnpj_emitente", (27, 239, 252, "num")),
    ("M", "valor_fatura", (29, 273, 284, "num")), ("M", "informacoes_adicionais", (34, 359, 388, "alfa")),
    ("M", "md5_registro", (36, 394, 425, "md5")),
    ("I", "descricao", (13, 60, 99, "alfa")), ("I", "valor_total", (18, 134, 144, "num")),
    ("I", "outros", (24, 200, 210, "num")), ("I", "aliquota_icms", (25, 211, 214, "num")),
    ("I", "tarifa", (30, 247, 257, "num")), ("I", "cofins", (34, 281, 291, "num")),
    ("I", "tipo_isencao", (36, 293, 294, "num")), ("I", "md5_registro", (38, 300, 331, "md5")),
    ("D", "cep", (7, 129, 136, "num")), ("D", "uf_terminal", (14, 220, 221, "alfa")),
    ("D", "numero", (18, 235, 243, "num")), ("D", "codigo_municipio", (19, 244, 250, "num")),
    ("D", "md5_registro", (21, 256, 287, "md5")),
    ("C", "m_registros", (13, 307, 313, "num")), ("C", "m_valor_total", (19, 355, 368, "num")),
    ("C", "m_nome_arquivo", (24, 425, 439, "alfa")), ("C", "m_md5_arquivo", (26, 441, 472, "md5")),
    ("C", "i_registros", (27, 473, 481, "num")), ("C", "i_nome_arquivo", (40, 621, 635, "alfa")),
    ("C", "i_md5_arquivo", (42, 637, 668, "md5")), ("C", "d_registros", (43, 669, 675, "num")),
    ("C", "d_md5_arquivo", (46, 692, 723, "md5")), ("C", "md5_registro", (48, 766, 797, "md5")),
])
def test_current_layout_positions_match_the_reference(kind, name, expected):
    assert _pos("conv115_2017", kind, name) == expected


def test_implied_decimals_and_the_document_md5_fields():
    layout = load_layout("conv115_2017")
    item = layout.record("I")
    assert [item.field(n).decimals for n in ("qtd_contratada", "valor_total", "tarifa", "aliquota_pis")] == [3, 2, 6, 4]
    assert layout.document_md5 == ("cnpj_cpf", "numero", "valor_total", "bc_icms", "icms", "data_emissao", "cnpj_emitente")
    assert load_layout("conv115_2012").document_md5 == ("cnpj_cpf", "numero", "valor_total", "bc_icms", "icms")


def test_older_layouts_differ_only_in_terminal_fields_and_blanks():
    assert _pos("conv115_2012", "M", "terminal") == (22, 210, 221, "alfa")
    assert _pos("conv115_2003", "M", "terminal") == (22, 210, 219, "alfa")
    assert _pos("conv115_2012", "D", "telefone") == (11, 184, 195, "alfa")
    assert _pos("conv115_2003", "D", "terminal") == (13, 206, 215, "alfa")
    assert _pos("conv115_2003", "I", "qtd_contratada") == (16, 110, 120, "num")
    assert _pos("conv115_2003", "C", "m_nome_arquivo") == (24, 425, 437, "alfa")


def test_layout_by_period_and_by_length():
    assert layout_for_period("1207").id == "conv115_2012"
    assert layout_for_period("1206").id == "conv115_2003"
    assert layout_for_period("2611").id == "conv115_2017"
    assert [(lay.id, rec.type) for lay, rec in layouts_for(None, 258)] == [("conv115_2012", "M"), ("conv115_2012", "D")]
    assert [lay.id for lay, _rec in layouts_for("I", 254)] == ["conv115_2012", "conv115_2003"]


def test_a_spec_with_a_gap_is_refused_naming_record_and_field():
    raw = {"type": "M", "length": 40, "description": "x", "fields": [
        {"n": 1, "name": "a", "pos": [1, 4], "type": "num", "label": "A"},
        {"n": 2, "name": "b", "pos": [6, 8], "type": "alfa", "label": "B"},
        {"n": 3, "name": "md5_registro", "pos": [9, 40], "type": "md5", "label": "MD5"}]}
    with pytest.raises(LayoutError, match=r"Leiaute x.toml, registro mestre: campo 2 \(b\): posições 6-8, esperado começar em 5"):
        _record("x.toml", "mestre", raw)
    raw["fields"][1]["pos"] = [5, 8]
    raw["fields"][1]["type"] = "texto"
    with pytest.raises(LayoutError, match="tipo desconhecido 'texto'"):
        _record("x.toml", "mestre", raw)
