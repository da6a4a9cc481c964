"""Each bank's remessa movement codes and the profile's instruction fields, bank by bank.

For every CNAB layout a profile drives (BB 240/400, Caixa 240, Itaú 240/400, Sicoob 240/400, Sicredi 240,
Unicred 400): each movement the bank takes, queued on a transmitted invoice, goes out with the
bank's own code (the facts, with sources, are the `[movimentos]` comments of the spec files) and
its value, re-read with `cnab.reader.read_remessa`; every other movement is refused in pt-BR.
Santander (240/400) and Bradesco 400 need header data a profile does not carry yet (código de
transmissão, código da empresa): they are checked at the writer level, with a real, unsaved
profile for the codes and the entrada's fields. The entrada carries the profile's juros, multa,
protesto and baixa where the layout has them (`[instrucoes]` of the 400 specs)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from core.errors import ValidationError
from plugins.bank_profiles.cnab.layout import MOVEMENT_KINDS, load_layout
from plugins.bank_profiles.cnab.reader import read_remessa
from plugins.bank_profiles.cnab.writer import build_remessa
from plugins.bank_profiles.models import PaymentProfile
from plugins.bank_profiles.remessa_instructions import movement_code, profile_fields
from plugins.bank_profiles.remessa_models import TIPOS
from plugins.bank_profiles.tests.cnab_support import GENERATED_AT, PAGADOR
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB
from plugins.bank_profiles.tests.test_bank_profiles_remessa_instructions import NEW_DUE, _queue, _send, _world

DESCONTO_ATE = date(2027, 1, 5)
# tipo → (queue parameters, título fields expected in the file)
PARAMS = {
    "alteracao_vencimento": ({"vencimento": NEW_DUE}, {"vencimento": NEW_DUE}),
    "alteracao_valor": ({"valor": D("120.00")}, {"valor": D("120.00")}),
    "concessao_abatimento": ({"valor": D("10.00")}, {"abatimento": D("10.00")}),
    "cancelamento_abatimento": ({"valor": D("10.00")}, {"abatimento": D("10.00")}),
    "concessao_desconto": ({"valor": D("5.00"), "data": DESCONTO_ATE},
                           {"desconto_valor": D("5.00"), "desconto_data": DESCONTO_ATE}),
    "cancelamento_desconto": ({}, {}),
    "protestar": ({}, {}),
    "sustar_protesto": ({}, {}),
    "baixa": ({}, {}),
}
FEBRABAN = {"baixa": "02", "concessao_abatimento": "04", "cancelamento_abatimento": "05",
            "alteracao_vencimento": "06", "concessao_desconto": "07", "cancelamento_desconto": "08",
            "protestar": "09", "sustar_protesto": "11", "alteracao_valor": "47"}
ABATIMENTO_400 = {"baixa": "02", "concessao_abatimento": "04", "cancelamento_abatimento": "05",
                  "alteracao_vencimento": "06", "protestar": "09"}
# layout → the bank's code per movement Quita sends (entrada "01" everywhere); what is missing is refused
CODES = {
    "bb_240": {**FEBRABAN, "sustar_protesto": "10"},
    "caixa_240": FEBRABAN,
    "sicoob_240": {k: v for k, v in FEBRABAN.items() if k != "alteracao_valor"},
    "sicredi_240": {k: v for k, v in FEBRABAN.items() if k != "alteracao_valor"},
    "santander_240": {**FEBRABAN, "concessao_desconto": "10", "cancelamento_desconto": "11", "sustar_protesto": "18"},
    "bb_400": {**ABATIMENTO_400, "sustar_protesto": "10", "concessao_desconto": "31", "cancelamento_desconto": "32",
               "alteracao_valor": "47"},
    "bradesco_400": {**ABATIMENTO_400, "sustar_protesto": "19"},
    "itau_240": {**ABATIMENTO_400, "sustar_protesto": "18"},  # same codes as Itaú 400 (nota 4 of the 240 manual)
    "itau_400": {**ABATIMENTO_400, "sustar_protesto": "18"},
    "santander_400": {**ABATIMENTO_400, "sustar_protesto": "18", "alteracao_valor": "47"},
    "sicoob_400": {**ABATIMENTO_400, "sustar_protesto": "10"},
    "unicred_400": {**ABATIMENTO_400, "sustar_protesto": "11"},
}
BB = dict(name="BB cobrança 17", banco="001", agencia="1234", agencia_dv="3", conta="12345678", conta_dv="9",
          convenio="1234567", carteira="17", modalidade="019", nosso_numero_inicio=1, nosso_numero_fim=9_999_999)
PROFILES = {
    "bb_240": {**BB, "layout": "240"},
    "bb_400": {**BB, "layout": "400"},
    "caixa_240": dict(name="Caixa SIGCB", banco="104", agencia="1234", conta="123456", codigo_beneficiario="123456",
                      carteira="1", nosso_numero_inicio=1, nosso_numero_fim=999_999, layout="240"),
    "itau_240": {**ITAU, "layout": "240"},
    "itau_400": ITAU,
    "sicoob_240": SICOOB,
    "sicoob_400": {**SICOOB, "layout": "400"},
    "sicredi_240": dict(name="Sicredi 1", banco="748", agencia="0165", conta="00623", conta_dv="8", posto="02",
                        codigo_beneficiario="12345", byte_idt="2", carteira="1", nosso_numero_inicio=1,
                        nosso_numero_fim=99_999, layout="240"),
    "unicred_400": dict(name="Unicred 21", banco="136", agencia="1234", conta="12345", conta_dv="7",
                        codigo_beneficiario="1234567890", carteira="21", nosso_numero_inicio=1,
                        nosso_numero_fim=9_999_999, layout="400"),
}


def _rounds(codes: dict) -> list[list[str]]:
    """The movements to send, three per remessa (one per invoice), baixa last."""
    kinds = [k for k in codes if k != "baixa"] + ["baixa"]
    return [kinds[i:i + 3] for i in range(0, len(kinds), 3)]


def _refused(layout_id: str) -> list[str]:
    return [k for k in MOVEMENT_KINDS if k != "entrada" and k not in CODES[layout_id]]


def test_every_layout_is_covered_and_its_spec_declares_these_codes():
    from plugins.bank_profiles.cnab.layout import spec_files

    assert {p.stem for p in spec_files()} == set(CODES)
    for layout_id, codes in CODES.items():
        assert load_layout(layout_id).movement_codes == {"entrada": "01", **codes}, layout_id


@pytest.mark.parametrize("layout_id", sorted(PROFILES))
def test_each_movement_goes_out_with_the_banks_code_and_the_others_are_refused(runtime, layout_id):
    codes = CODES[layout_id]
    w = _world(runtime, {**PROFILES[layout_id], "pedido_baixa_habilitado": True})
    layout, entradas, counts = _send(w["profile"])
    assert layout.id == layout_id and counts == (3, 0)
    assert {t["movimento"] for t in entradas.values()} == {"01"}
    first = w["boletos"][0][0]
    for tipo in _refused(layout_id):
        with pytest.raises(ValidationError) as err:
            _queue(first, tipo)
        assert f"não aceita «{TIPOS[tipo]}» por arquivo de remessa no leiaute CNAB {layout.cnab}" in str(err.value)
    for movements in _rounds(codes):
        for (inv, _nn, _due, _valor), tipo in zip(w["boletos"], movements):
            assert _queue(inv, tipo, **PARAMS[tipo][0]) == codes[tipo]
        _layout, got, counts = _send(w["profile"])
        assert counts == (0, len(movements))
        for (_inv, nn, _due, _valor), tipo in zip(w["boletos"], movements):
            t = got[nn]
            assert t["movimento"] == codes[tipo], (tipo, t["movimento"])
            for key, value in PARAMS[tipo][1].items():
                assert t[key] == value, (tipo, key, t[key])


TERMS = {"juros_percentual": D("0.05"), "juros_tipo": "diario", "multa_percentual": D("2.5"), "protesto_dias": 7}
ENTRADA_400 = [  # (layout, profile terms, fields of the entrada); 99,90 × 0,05 % ao dia = R$ 0,05; × 30 = 1,5 % ao mês
    ("bb_400", TERMS, {"instrucao_1": "06", "protesto_prazo": "07", "juros_valor": D("0.05"), "multa_codigo": "2",
                       "multa_valor": D("2.50")}),
    ("sicoob_400", TERMS, {"juros_taxa": D("1.5000"), "multa_taxa": D("2.5000"), "protesto_prazo": "07"}),
    ("unicred_400", TERMS, {"juros_codigo": "1", "juros_valor": D("0.05"), "multa_codigo": "2",
                            "multa_valor": D("2.50"), "protesto_codigo": "1", "protesto_prazo": "07"}),
    ("itau_400", {"baixa_dias": 45}, {"instrucao_1": "92", "prazo_instrucao": "45"}),  # devolver após 45 dias
]


@pytest.mark.parametrize("layout_id,terms,want", ENTRADA_400, ids=[c[0] for c in ENTRADA_400])
def test_profile_juros_multa_and_protesto_fill_the_400_entrada(runtime, layout_id, terms, want):
    """BB 400: instrução "06" + days at 392-393; Sicoob 400: monthly juros and multa rates (4 places);
    Unicred 400: FEBRABAN codes for juros, multa and protesto; Itaú 400 with baixa only: "92"."""
    w = _world(runtime, {**PROFILES[layout_id], **terms})
    _layout, got, _counts = _send(w["profile"], transmit=False)
    t = got[w["boletos"][0][1]]
    assert {k: t[k] for k in want} == want


# --- writer level: Santander 240/400 and Bradesco 400 --------------------------------------------

DAY = date(2027, 1, 10)
EMPRESA = {"numero_inscricao": "12345678000195", "nome_empresa": "PROVEDOR EXEMPLO LTDA"}
HEADERS = {
    "santander_240": {**EMPRESA, "agencia": "0001", "agencia_dv": "9", "conta": "013001234", "conta_dv": "3",
                      "codigo_transmissao": "000100001234567"},
    "santander_400": {**EMPRESA, "codigo_transmissao": "17777751042700080112"},
    "bradesco_400": {**EMPRESA, "codigo_empresa": "123", "carteira": "09", "agencia": "1172", "conta": "0403005",
                     "conta_dv": "1"},
}
TITULO = {**PAGADOR, "nosso_numero": 123, "nosso_numero_dv": "P", "numero_documento": 77, "valor": D("99.90"),
          "vencimento": DAY, "emissao": date(2026, 12, 1)}
TRANSIENT = {"santander_240": ("033", "240"), "santander_400": ("033", "400"), "bradesco_400": ("237", "400")}


def _profile(layout_id: str, **terms) -> PaymentProfile:
    banco, cnab = TRANSIENT[layout_id]
    return PaymentProfile(name=f"Perfil {layout_id}", banco=banco, layout=cnab, **terms)


def _read_titulos(layout_id: str, titulos: list[dict]) -> list[dict]:
    """The títulos written for `titulos`, re-read: one dict of values per título (all its records)."""
    layout = load_layout(layout_id)
    text = build_remessa(layout, HEADERS[layout_id], titulos, nsa=4, gerado_em=GENERATED_AT)
    read_layout, parsed, avisos = read_remessa(text.encode("ascii"), arquivo="teste.rem")
    assert (read_layout.id, avisos) == (layout_id, [])
    out: list[dict] = []
    for p in parsed:
        if p.record.name in ("detalhe_remessa", "segmento_p"):
            out.append({"_linha": p.raw})
        if out and not p.record.name.startswith(("header", "trailer")):
            out[-1].update({k: v for k, v in p.values.items() if k not in out[-1]})
    return out


@pytest.mark.parametrize("layout_id", sorted(TRANSIENT))
def test_writer_level_movements_of_santander_and_bradesco(layout_id):
    profile = _profile(layout_id)
    codes = CODES[layout_id]
    for tipo in _refused(layout_id):
        with pytest.raises(ValidationError, match=f"não aceita «{TIPOS[tipo]}»"):
            movement_code(profile, tipo)
    sent = [(tipo, movement_code(profile, tipo)) for tipo in codes]
    assert dict(sent) == codes
    titulos = [{**TITULO, "nosso_numero": 100 + i, **PARAMS[tipo][1], "movimento": code}
               for i, (tipo, code) in enumerate(sent)]
    got = _read_titulos(layout_id, titulos)
    assert len(got) == len(sent)
    for t, (tipo, code) in zip(got, sent):
        assert t["movimento"] == code, tipo
        for key, value in PARAMS[tipo][1].items():
            assert t[key] == value, (tipo, key)


def test_writer_level_entrada_fields_of_santander_and_bradesco_400():
    terms = dict(juros_percentual=D("3"), juros_tipo="mensal", multa_percentual=D("2"), protesto_dias=5, baixa_dias=30)
    due = DAY
    fields = profile_fields(_profile("bradesco_400", **terms), TITULO["valor"], due, None)
    [t] = _read_titulos("bradesco_400", [{**TITULO, **fields}])
    # protesto wins over baixa: 1ª instrução "06", days in the 2ª; juros 99,90 × 3 % / 30 = R$ 0,10 per day
    assert (t["instrucao_1"], t["instrucao_2"]) == ("06", "05")
    assert (t["multa_codigo"], t["multa_valor"], t["juros_valor"]) == ("2", D("2.00"), D("0.10"))
    fields = profile_fields(_profile("bradesco_400", baixa_dias=30), TITULO["valor"], due, None)
    [t] = _read_titulos("bradesco_400", [{**TITULO, **fields}])
    assert (t["instrucao_1"], t["instrucao_2"]) == ("18", "30")  # decurso de prazo (baixa) após 30 dias
    fields = profile_fields(_profile("santander_400", **terms), TITULO["valor"], due, None)
    [t] = _read_titulos("santander_400", [{**TITULO, **fields}])
    assert (t["instrucao_1"], t["protesto_prazo"], t["juros_valor"]) == ("06", "05", D("0.10"))
    assert (t["multa_valor"], t["multa_data"]) == (D("2.00"), due + timedelta(days=1))
    assert t["multa_codigo"] == "2" and t["_linha"][77] == "4"  # Santander writes "4" (com multa)


def test_spec_tables_false_drops_a_base_code_and_instrucoes_are_checked(tmp_path):
    from pathlib import Path

    from plugins.bank_profiles.cnab.layout import LayoutError, load_layout_file

    specs = Path(__file__).parents[1] / "cnab" / "specs"
    for name in ("cnab400_base.toml", "bradesco_400.toml"):
        (tmp_path / name).write_text((specs / name).read_text(encoding="utf-8"), encoding="utf-8")
    head = '[layout]\nextends = "bradesco_400"\nbank = "999"\nbank_name = "TESTE"\n\n'
    good = tmp_path / "teste_400.toml"
    good.write_text(head + '[movimentos]\n"19" = false\n\n[instrucoes]\nbaixa = "44"\n', encoding="utf-8")
    layout = load_layout_file(good)
    assert "sustar_protesto" not in layout.movement_codes and "19" not in layout.movements
    assert layout.instructions == {"campo": "instrucao_1", "prazo": "instrucao_2", "protesto": "06", "baixa": "44"}
    bad = tmp_path / "ruim_400.toml"
    bad.write_text(head + '[instrucoes]\nprazo = "dias_protesto"\n', encoding="utf-8")
    with pytest.raises(LayoutError, match=r"\[instrucoes\] prazo = 'dias_protesto': não há esse campo no detalhe"):
        load_layout_file(bad)
