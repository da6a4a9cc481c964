"""Bank instructions in the remessa (`remessa_instructions`): each movement queued on a transmitted
invoice goes out in the next remessa with the bank's code and its fields, and the file re-reads
(`cnab.reader.read_remessa`) to the same values — Itaú CNAB 400 and Sicoob CNAB 240; a movement the
bank does not take is refused in pt-BR; the kernel actions on invoices; the profile's juros, multa,
desconto, protesto and baixa in the entrada's título fields."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.parties.models import Party
from plugins.bank_profiles.cnab.reader import read_remessa
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.remessa import gerar_remessa
from plugins.bank_profiles.remessa_instructions import queue_instruction
from plugins.bank_profiles.remessa_marks import transmitir
from plugins.bank_profiles.remessa_models import RemessaInstrucao
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB, seed
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Invoice
from plugins.receivables.tests.conftest import Factory

D = Decimal
CPFS = ["52998224725", "11144477735", "12345678909"]
FIRST_RECORD = ("detalhe_remessa", "segmento_p")  # opens a título in the file


def _world(runtime, profile: dict) -> dict:
    _company, (pid,), _c = seed(Factory, contracts=3, profiles=(profile,))
    with unit_of_work() as s:
        for p, doc in zip(s.scalars(select(Party).order_by(Party.id)), CPFS):
            p.document, p.street, p.city, p.uf, p.cep = doc, "Rua A", "Taubaté", "SP", "12000000"
    assert run_billing(runtime, "2026-12")["invoices_created"] == 3
    with unit_of_work(readonly=True) as s:
        rows = s.execute(select(Boleto.invoice_id, Boleto.nosso_numero, Boleto.vencimento, Boleto.valor)
                         .order_by(Boleto.nosso_numero)).all()
    return {"profile": pid, "boletos": rows}


def _titles(content: bytes) -> tuple:
    """The file's títulos: nosso número → the values of all its records (P+Q+R, or 1 + multa)."""
    layout, parsed, avisos = read_remessa(content, arquivo="teste.rem")
    assert avisos == []
    out, current = {}, None
    for p in parsed:
        if p.record.name in FIRST_RECORD:
            current = out.setdefault(int(p.values["nosso_numero"]), {})
        if current is not None and not p.record.name.startswith(("trailer", "header")):
            current.update({k: v for k, v in p.values.items() if k != "movimento" or p.record.name in FIRST_RECORD})
    return layout, out


def _send(pid, *, transmit=True) -> tuple:
    with unit_of_work() as s:
        r = gerar_remessa(s, pid, user="op")
        rid, content, counts = r.id, bytes(r.content), (r.titulos, r.instrucoes)
        if transmit:
            transmitir(s, rid, user="op")
    return (*_titles(content), counts)


def _queue(invoice_id, tipo, **kw):
    with unit_of_work() as s:
        return queue_instruction(s, invoice_id, tipo, user="op", **kw).movimento


NEW_DUE = date(2027, 2, 15)
ROUNDS_240 = [  # one movement per invoice per remessa: (tipo, params, code, fields expected in the file)
    [("alteracao_vencimento", {"vencimento": NEW_DUE}, "06", {"vencimento": NEW_DUE}),
     ("concessao_abatimento", {"valor": D("10.00")}, "04", {"abatimento": D("10.00")}),  # no 47 at Sicoob
     ("concessao_desconto", {"valor": D("5.00"), "data": date(2027, 1, 5)}, "07",
      {"desconto_valor": D("5.00"), "desconto_data": date(2027, 1, 5)})],
    [("concessao_abatimento", {"valor": D("10.00")}, "04", {"abatimento": D("10.00")}),
     ("protestar", {}, "09", {}),
     ("cancelamento_desconto", {}, "08", {})],
    [("cancelamento_abatimento", {"valor": D("10.00")}, "05", {"abatimento": D("10.00")}),
     ("sustar_protesto", {}, "11", {}),
     ("baixa", {}, "02", {})],
]
ROUNDS_ITAU = [
    [("alteracao_vencimento", {"vencimento": NEW_DUE}, "06", {"vencimento": NEW_DUE}),
     ("concessao_abatimento", {"valor": D("10.00")}, "04", {"abatimento": D("10.00")}),
     ("protestar", {}, "09", {})],
    [("cancelamento_abatimento", {}, "05", {}),
     ("baixa", {}, "02", {}),
     ("sustar_protesto", {}, "18", {})],
]


@pytest.mark.parametrize("profile,rounds", [(ITAU, ROUNDS_ITAU), (SICOOB, ROUNDS_240)], ids=["itau400", "sicoob240"])
def test_each_movement_goes_out_with_the_banks_code_and_reads_back(runtime, profile, rounds):
    w = _world(runtime, profile)
    layout, entradas, counts = _send(w["profile"])
    assert counts == (3, 0) and {t["movimento"] for t in entradas.values()} == {"01"}
    bank_has = {nn: {"vencimento": due, "valor": valor} for _inv, nn, due, valor in w["boletos"]}
    for movements in rounds:
        for (inv, nn, _due, _valor), (tipo, params, code, _want) in zip(w["boletos"], movements):
            assert _queue(inv, tipo, **params) == code
        _layout, got, counts = _send(w["profile"])
        assert counts == (0, 3)
        for (_inv, nn, _due, _valor), (tipo, _params, code, want) in zip(w["boletos"], movements):
            bank_has[nn].update({k: v for k, v in want.items() if k in bank_has[nn]})
            t = got[nn]
            assert t["movimento"] == code, (tipo, t["movimento"])
            for key, value in {**bank_has[nn], **want}.items():  # the changed field, the rest as the bank has it
                assert t[key] == value, (tipo, key, t[key])
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(RemessaInstrucao).where(RemessaInstrucao.remessa_id.is_(None))) == 0


def test_alteracao_de_vencimento_moves_the_boleto_and_the_invoice_keeping_the_nosso_numero(runtime):
    w = _world(runtime, SICOOB)
    _send(w["profile"])
    inv, nn, due, valor = w["boletos"][0]
    with unit_of_work(readonly=True) as s:
        before = s.scalar(select(Boleto).where(Boleto.invoice_id == inv)).linha_digitavel
    _queue(inv, "alteracao_vencimento", vencimento=NEW_DUE)
    _queue(inv, "alteracao_vencimento", vencimento=NEW_DUE + timedelta(days=1))  # the last one wins, one row
    with unit_of_work(readonly=True) as s:
        b = s.scalar(select(Boleto).where(Boleto.invoice_id == inv))
        assert (b.nosso_numero, b.vencimento, s.get(Invoice, inv).due_date) == (nn, NEW_DUE + timedelta(days=1),
                                                                                NEW_DUE + timedelta(days=1))
        assert b.linha_digitavel != before
        assert s.scalar(select(func.count()).select_from(RemessaInstrucao)) == 1


def test_refusals_in_portuguese(runtime):
    w = _world(runtime, ITAU)
    inv, nn, due, valor = w["boletos"][0]
    with pytest.raises(ValidationError, match="não está com remessa transmitida"):
        _queue(inv, "protestar")
    _send(w["profile"])
    with pytest.raises(ValidationError) as err:
        _queue(inv, "concessao_desconto", valor=D("5.00"), data=date(2026, 12, 1))
    assert str(err.value).startswith("O banco 341 (BANCO ITAU SA) não aceita «Concessão de desconto» por arquivo de "
                                      "remessa no leiaute CNAB 400 (perfil «Itaú cobrança 109»).")
    with pytest.raises(ValidationError, match="não aceita «Alteração de valor»"):
        _queue(inv, "alteracao_valor", valor=D("50.00"))
    with pytest.raises(ValidationError, match=r"deve ser menor que o do boleto"):
        _queue(inv, "concessao_abatimento", valor=valor)
    _queue(inv, "baixa")
    with pytest.raises(ValidationError, match="já tem pedido de baixa pendente"):
        _queue(inv, "protestar")
    settled = w["boletos"][1][0]
    with unit_of_work() as s:
        s.get(Invoice, settled).status = "liquidada"
    with pytest.raises(ValidationError, match=r"não está em aberto \(liquidada\): só o pedido de baixa"):
        _queue(settled, "concessao_abatimento", valor=D("1.00"))


def test_invoice_actions_queue_instructions_and_block_what_the_bank_refuses(runtime):
    w = _world(runtime, ITAU)
    _send(w["profile"])
    from core.auth import create_user

    with unit_of_work() as s:
        admin = create_user(s, "gerente", "senha-forte-123", is_admin=True)
    ids = [b[0] for b in w["boletos"]]
    out = run_action(runtime, "bank_profiles.instrucao.concessao_abatimento", ids[:1], {"valor": "12,50"}, admin)
    assert out.done == ids[:1], out
    out = run_action(runtime, "bank_profiles.instrucao.protestar", ids[1:2], {}, admin)
    assert out.done == ids[1:2], out
    refused = preview_action(runtime, "bank_profiles.instrucao.concessao_desconto", ids[2:],
                             {"valor": "1,00", "data": "2026-12-01"}, admin)
    assert "não aceita «Concessão de desconto»" in refused.refused[ids[2]][0].message
    out = run_action(runtime, "bank_profiles.instrucao.baixa", ids[2:], {}, admin)
    assert out.done == ids[2:], out
    _layout, got, counts = _send(w["profile"])
    assert counts == (0, 3)
    assert [(got[b[1]]["movimento"], got[b[1]]["abatimento"]) for b in w["boletos"]] == [
        ("04", D("12.50")), ("09", D("0")), ("02", D("0"))]
    with unit_of_work(readonly=True) as s:  # "Baixar fatura selecionada" does not remove the invoice
        assert s.get(Invoice, ids[2]).status == "aberta"
    again = run_action(runtime, "bank_profiles.instrucao.protestar", ids[1:2], {}, admin)
    assert again.done == ids[1:2]  # the first one went out: this is a new instruction


def test_profile_instructions_fill_the_titulo_fields(runtime):
    itau = {**ITAU, "juros_percentual": D("2"), "juros_tipo": "mensal", "multa_percentual": D("2"),
            "desconto_valor": D("5.00"), "protesto_dias": 10}
    w = _world(runtime, itau)
    _layout, got, _counts = _send(w["profile"], transmit=False)
    inv, nn, due, valor = w["boletos"][0]
    assert valor == D("99.90")
    t = got[nn]
    # juros de mora por dia = 99,90 × 2 % / 30 = 0,0666 → R$ 0,07; multa 2 % from the day after
    assert (t["juros_valor"], t["juros_data"]) == (D("0.07"), due + timedelta(days=1))
    assert (t["multa_codigo"], t["multa_valor"], t["multa_data"]) == ("2", D("2.00"), due + timedelta(days=1))
    assert (t["desconto_valor"], t["desconto_data"]) == (D("5.00"), due)
    assert (t["instrucao_1"], t["prazo_instrucao"]) == ("34", "10")  # Itaú: protestar após 10 dias corridos


def test_profile_instructions_fill_the_240_fields(runtime):
    sicoob = {**SICOOB, "juros_percentual": D("0.0333"), "juros_tipo": "diario", "multa_percentual": D("2.5"),
              "protesto_dias": 5, "baixa_dias": 30}
    w = _world(runtime, sicoob)
    _layout, got, _counts = _send(w["profile"], transmit=False)
    inv, nn, due, valor = w["boletos"][0]
    t = got[nn]
    # 99,90 × 0,0333 % ao dia = 0,0332667 → R$ 0,03
    assert (t["juros_codigo"], t["juros_valor"], t["juros_data"]) == ("1", D("0.03"), due + timedelta(days=1))
    assert (t["multa_codigo"], t["multa_valor"]) == ("2", D("2.50"))
    assert (t["protesto_codigo"], t["protesto_prazo"]) == ("1", "05")
    assert (t["baixa_codigo"], t["baixa_prazo"].strip()) == ("1", "30")
    assert t["desconto_valor"] == D("0")  # no desconto in the profile


def test_movement_kinds_in_a_spec_are_checked_when_loading(tmp_path):
    from plugins.bank_profiles.cnab.layout import LayoutError, load_layout_file

    for name in ("cnab400_base.toml", "itau_400.toml"):  # a bank spec extending Itaú's: tables merge by code
        (tmp_path / name).write_text((Path(__file__).parents[1] / "cnab" / "specs" / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    head = '[layout]\nextends = "itau_400"\nbank = "999"\nbank_name = "TESTE"\n\n[movimentos]\n'
    good = tmp_path / "teste_400.toml"
    good.write_text(head + '"06" = "Alteração de vencimento (não enviada)"\n"47" = ["Valor", "alteracao_valor"]\n',
                    encoding="utf-8")
    layout = load_layout_file(good)
    assert (layout.movement_codes["entrada"], layout.movement_codes["alteracao_valor"]) == ("01", "47")
    assert "alteracao_vencimento" not in layout.movement_codes  # a child may turn a movement off
    bad = tmp_path / "ruim_400.toml"
    bad.write_text(head + '"09" = ["Protestar", "protesto"]\n', encoding="utf-8")
    with pytest.raises(LayoutError, match="movimentos: código 09: use"):
        load_layout_file(bad)
    twice = tmp_path / "dois_400.toml"
    twice.write_text(head + '"18" = ["Sustar", "sustar_protesto"]\n"19" = ["Sustar e manter", "sustar_protesto"]\n',
                     encoding="utf-8")
    with pytest.raises(LayoutError, match="o tipo sustar_protesto aparece nos códigos 18 e 19"):
        load_layout_file(twice)
