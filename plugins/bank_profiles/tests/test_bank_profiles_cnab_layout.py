"""CNAB spec files: load, inherit from the FEBRABAN base, and refuse inconsistent specs naming the
file, the record and the field."""

import shutil
from pathlib import Path

import pytest

from plugins.bank_profiles.cnab.layout import SPEC_DIR, LayoutError, all_layouts, find_layout, load_layout_file


def test_bundled_specs_load_and_every_record_covers_the_whole_line():
    layouts = {lay.id: lay for lay in all_layouts()}
    assert {"caixa_240", "bb_240", "sicoob_240", "itau_400", "bradesco_400"} <= set(layouts)
    assert "febraban_240" not in layouts and "cnab400_base" not in layouts  # bases are not banks
    for lay in layouts.values():
        for rec in lay.records.values():
            covered = [p for f in rec.fields for p in range(f.start, f.end + 1)]
            assert covered == list(range(1, lay.cnab + 1)), (lay.id, rec.name)
    assert find_layout("104", 240).id == "caixa_240"


def test_a_bank_spec_overrides_only_what_differs_from_the_febraban_base():
    caixa, bb = find_layout("104", 240), find_layout("001", 240)
    # Caixa splits 24-57 (conta + nosso número) into beneficiário, modalidade and a 15-digit NN
    p = caixa.record("segmento_p")
    assert (p.field("nosso_numero").start, p.field("nosso_numero").end, p.field("nosso_numero").type) == (43, 57, "num")
    assert p.field("modalidade").default == "14"
    # BB keeps the FEBRABAN field and the base's occurrence and reason tables
    assert (bb.record("segmento_t").field("nosso_numero").start, bb.record("segmento_t").field("nosso_numero").end) == (38, 57)
    assert bb.occurrence("28").kind == "tarifa"
    assert bb.reason_text("03", "09") == "Nosso número duplicado"


def _bank_spec(tmp_path: Path, body: str, name: str = "banco_teste_240.toml") -> Path:
    shutil.copy(SPEC_DIR / "febraban_240.toml", tmp_path / "febraban_240.toml")
    path = tmp_path / name
    path.write_text('[layout]\nextends = "febraban_240"\nbank = "999"\nbank_name = "TESTE"\n' + body, encoding="utf-8")
    return path


def test_an_override_that_leaves_a_gap_names_file_record_and_positions(tmp_path):
    path = _bank_spec(tmp_path, '[records.segmento_t]\noverride = [{ name = "nosso_numero", pos = [38, 47], type = "num" }]\n')
    with pytest.raises(LayoutError) as exc:
        load_layout_file(path)
    assert str(exc.value) == (
        "banco_teste_240.toml (sobre febraban_240.toml): registro segmento_t: lacuna nas posições 48-57 "
        "(antes do campo carteira (posições 58-58))"
    )


@pytest.mark.parametrize(
    ("second_field", "message"),
    [
        ("pos = [8, 240]", r"registro segmento_y: campo identificacao \(posições 8-240\) sobrepõe o campo anterior \(posição 8\)$"),
        ("pos = [9, 239]", r"registro segmento_y: o último campo \(identificacao \(posições 9-239\)\) termina na posição 239; o registro deve ter 240 posições$"),
    ],
)
def test_overlapping_fields_and_a_wrong_record_length_are_refused(tmp_path, second_field, message):
    path = _bank_spec(tmp_path, f"""
[records.segmento_y]
fields = [
  {{ name = "tipo_registro", pos = [1, 8], type = "num", value = "00000003", key = true }},
  {{ name = "identificacao", {second_field}, type = "alfa" }},
]
""")
    with pytest.raises(LayoutError, match=r"^banco_teste_240.toml \(sobre febraban_240.toml\): " + message):
        load_layout_file(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[records.segmento_p]\noverride = [{ name = "valor", pos = [86, 100], type = "dinheiro" }]\n',
         "registro segmento_p: campo valor: tipo 'dinheiro' desconhecido (use num, alfa, date, money)"),
        ('[records.segmento_p]\noverride = [{ name = "especie", pos = [107, 108], type = "num", value = "1" }]\n',
         "registro segmento_p: campo especie: constante '1' tem 1 posições; o campo tem 2"),
        ('[records.segmento_p]\noverride = [{ name = "vencimento", pos = [78, 85], type = "date", format = "DDMMAA" }]\n',
         "registro segmento_p: campo vencimento: data DDMMAA não cabe em 8 posições"),
        ('[records.segmento_p]\ndefaults = { inexistente = "1" }\n',
         "registro segmento_p: defaults.inexistente não corresponde a nenhum campo"),
        ('[ocorrencias]\n"06" = ["Liquidação", "pago"]\n',
         'ocorrências: código 06: use ["significado", "tipo"]'),
    ],
)
def test_spec_mistakes_are_named(tmp_path, body, message):
    with pytest.raises(LayoutError) as exc:
        load_layout_file(_bank_spec(tmp_path, body))
    assert message in str(exc.value)
    assert str(exc.value).startswith("banco_teste_240.toml")


def test_bank_code_and_width_are_checked(tmp_path):
    path = tmp_path / "x_400.toml"
    path.write_text('[layout]\nbank = "41"\ncnab = 400\n', encoding="utf-8")
    with pytest.raises(LayoutError, match=r"x_400.toml: \[layout\] bank deve ter 3 dígitos \(código COMPE\), não '41'"):
        load_layout_file(path)
    path.write_text('[layout]\nbank = "041"\ncnab = 444\n', encoding="utf-8")
    with pytest.raises(LayoutError, match=r"x_400.toml: \[layout\] cnab deve ser 240 ou 400, não 444"):
        load_layout_file(path)
