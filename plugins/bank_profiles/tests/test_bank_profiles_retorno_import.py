"""Retorno import (`retorno.importar_retorno`) on real runtimes (receivables + bank_profiles):
synthetic Itaú CNAB 400 retornos written from the layout for invoices billed with boletos, and the
real fixtures for the no-match path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.runtime import bootstrap
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.retorno import importar_retorno, summary
from plugins.bank_profiles.retorno_models import RetornoImport, RetornoItem
from plugins.bank_profiles.tests.profiles_world import ITAU, seed
from plugins.bank_profiles.tests.retorno_files import ACCOUNTS, CHART, ITAU_HEADER, PAID_ON, build_retorno
from plugins.receivables.billing import run_billing
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import METHOD_PROFILE, Settlement
from plugins.receivables.tests.conftest import Factory
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker
from tests.worldkit import entry_lines

D = Decimal
FIXTURES = Path(__file__).parent / "fixtures" / "cnab"
ENABLED = ["receivables", "bank_profiles"]


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings={"receivables": ACCOUNTS}))


@pytest.fixture
def world(rt):
    """Three contracts on the Itaú profile billed for 2026-12: three open invoices with boletos 1..3."""
    company, (itau,), _contracts = seed(Factory, contracts=3, profiles=({**ITAU, "conta_contabil": "1.1.1.02"},))
    with unit_of_work() as s:
        accounts = add_accounts(s, company, CHART)
    billed = run_billing(rt, "2026-12")
    assert billed["invoices_created"] == 3, repr(billed)
    with unit_of_work(readonly=True) as s:
        rows = s.execute(select(Boleto.nosso_numero, Boleto.invoice_id).where(Boleto.profile_id == itau)
                         .order_by(Boleto.nosso_numero)).all()
    assert [nn for nn, _i in rows] == [1, 2, 3]
    return {"company": company, "profile": itau, "invoices": {nn: inv for nn, inv in rows}, "bank": accounts["1.1.1.02"]}


def liquidacao(nn: int, pago: str, *, juros="0", desconto="0", tarifa="1.50", codigo="06") -> dict:
    return dict(nosso_numero=nn, carteira=109, ocorrencia_codigo=codigo, data_ocorrencia=PAID_ON,
                data_credito=date(2027, 1, 9), vencimento=date(2027, 1, 10), valor_titulo=D("99.90"),
                valor_pago=D(pago), juros_multa=D(juros), desconto=D(desconto), tarifa=D(tarifa))


def _import(rt, data: bytes, name: str = "itau.ret", **kw):
    with unit_of_work() as s:
        imp = importar_retorno(s, data, name, runtime=rt, **kw)
        return summary(s, imp)


def test_three_liquidations_settle_three_invoices_with_ledger_entries_and_reimport_is_refused(rt, world):
    data = build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(2, "95.00"),
                                                   liquidacao(3, "102.40", juros="2.50")])
    report = _import(rt, data)
    assert (report["titulos"], report["liquidados"], report["valor_total"], report["nao_encontrados"],
            report["rejeitados"], report["erros"]) == (3, 3, "297.30", 0, 0, 0)
    by_nn = {int(i["nosso_numero"]): i for i in report["itens"]}
    assert by_nn[2]["diferenca"] == "-4.90" and "pago a menor: desconto de R$ 4,90" in by_nn[2]["mensagem"]
    assert by_nn[1]["tarifa"] == "1.50" and by_nn[3]["diferenca"] is None  # juros of the file, not a surcharge
    inv = world["invoices"]
    entries = set()
    with unit_of_work(readonly=True) as s:
        for nn, (amount, interest, discount) in {1: ("99.90", "0", "0"), 2: ("95.00", "0", "4.90"),
                                                 3: ("102.40", "2.50", "0")}.items():
            invoice = s.get(Invoice, inv[nn])
            st = s.scalar(select(Settlement).where(Settlement.invoice_id == inv[nn]))
            assert invoice.status == INVOICE_SETTLED
            assert (st.method, st.paid_on, st.amount, st.interest, st.discount, st.bank_account_id) == (
                METHOD_PROFILE, PAID_ON, D(amount), D(interest), D(discount), world["bank"])
            assert by_nn[nn]["liquidacao_id"] == st.id and by_nn[nn]["fatura_id"] == inv[nn]
            entries.add(st.entry_id)
        # one ledger entry for the settlements of the same day (settlement_batch): D bank, D discount / C clientes,
        # C juros
        (entry_id,) = entries
        assert s.get(JournalEntry, entry_id).date == PAID_ON
        assert entry_lines(s, entry_id) == [("1.1.1.02", D("297.30"), D("0")), ("1.1.3.01", D("0"), D("299.70")),
                                            ("3.1.2.01", D("0"), D("2.50")), ("3.2.1.01", D("4.90"), D("0"))]
    again = build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(2, "95.00"),
                                                    liquidacao(3, "102.40", juros="2.50")])
    assert again == data
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        importar_retorno(s, again, "itau-de-novo.ret", runtime=rt)
    assert str(exc.value).startswith(f"O arquivo itau-de-novo.ret já foi importado (importação {report['id']}, "
                                     "arquivo itau.ret, em ")
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(RetornoImport.content).where(RetornoImport.id == report["id"])) == data
        assert len(s.scalars(select(RetornoImport)).all()) == 1


def test_unknown_nosso_numero_rejection_reasons_and_a_title_applied_twice(rt, world):
    rejected = dict(nosso_numero=2, carteira=109, ocorrencia_codigo="03", data_ocorrencia=date(2026, 12, 2),
                    motivos="03040000")
    report = _import(rt, build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(77, "10.00"),
                                                                 rejected]), "a.ret")
    assert (report["liquidados"], report["nao_encontrados"], report["rejeitados"], report["erros"]) == (1, 1, 1, 0)
    items = {int(i["nosso_numero"]): i for i in report["itens"]}
    assert items[77]["resultado"] == "nao_encontrado"
    assert items[77]["mensagem"] == "Nosso número 00000077 não encontrado nos boletos do perfil «Itaú cobrança 109»."
    assert items[2]["resultado"] == "rejeitado" and items[2]["motivos"].splitlines() == ["03", "04"]
    assert items[2]["mensagem"].startswith("Entrada rejeitada pelo banco: 03; 04")
    # a second file (other bytes) repeating the liquidation of 1: skipped; 3 paid now
    report2 = _import(rt, build_retorno("itau_400", {**ITAU_HEADER, "nsa": 2}, [liquidacao(1, "99.90"),
                                                                                 liquidacao(3, "99.90")]), "b.ret")
    items2 = {int(i["nosso_numero"]): i for i in report2["itens"]}
    assert items2[1]["resultado"] == "ja_aplicado"
    assert items2[1]["mensagem"].startswith(f"Ocorrência já aplicada pela importação {report['id']} (a.ret, linha 2)")
    assert items2[3]["resultado"] == "liquidada" and report2["liquidados"] == 1
    with unit_of_work(readonly=True) as s:
        assert len(s.scalars(select(Settlement).where(Settlement.invoice_id == world["invoices"][1])).all()) == 1


def test_one_bad_title_does_not_stop_the_others_and_writes_nothing_of_its_own(rt, world):
    bad = liquidacao(2, "99.90")
    bad["data_ocorrencia"] = date(2026, 11, 1)  # before the invoice's issue date: the settlement refuses
    report = _import(rt, build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), bad, liquidacao(3, "99.90")]))
    assert (report["liquidados"], report["erros"]) == (2, 1)
    err = next(i for i in report["itens"] if i["resultado"] == "erro")
    assert "não pode ser anterior à data de emissão da fatura" in err["mensagem"]
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, world["invoices"][2]).status != INVOICE_SETTLED
        assert s.scalar(select(Settlement).where(Settlement.invoice_id == world["invoices"][2])) is None


def test_entrada_confirmada_and_baixa_mark_the_boleto(rt, world):
    entrada = dict(nosso_numero=1, carteira=109, ocorrencia_codigo="02", data_ocorrencia=date(2026, 12, 2))
    baixa = dict(nosso_numero=2, carteira=109, ocorrencia_codigo="09", data_ocorrencia=date(2026, 12, 20))
    report = _import(rt, build_retorno("itau_400", ITAU_HEADER, [entrada, baixa]))
    assert [i["resultado"] for i in report["itens"]] == ["registrado", "baixado"]
    with unit_of_work(readonly=True) as s:
        b1 = s.scalar(select(Boleto).where(Boleto.invoice_id == world["invoices"][1]))
        b2 = s.scalar(select(Boleto).where(Boleto.invoice_id == world["invoices"][2]))
        assert (b1.registrado_em, b2.baixado_em) == (date(2026, 12, 2), date(2026, 12, 20))


def test_profile_from_the_header_and_refusals(rt, world):
    other = build_retorno("itau_400", {"agencia": "9999", "conta": "11111"}, [liquidacao(1, "99.90")])
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        importar_retorno(s, other, "outro.ret", runtime=rt)
    assert str(exc.value) == ("outro.ret: nenhum perfil de pagamento ativo do banco 341 confere com o cabeçalho "
                              "(agencia=9999, conta=11111); informe o perfil (--profile).")
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        importar_retorno(s, b"lixo\r\n", "lixo.ret", runtime=rt)
    assert "lixo.ret, linha 1: não é um arquivo CNAB 240 nem CNAB 400" in str(exc.value)
    with unit_of_work(readonly=True) as s:
        assert s.scalars(select(RetornoImport)).all() == []


def test_real_fixture_with_the_profile_given_reports_every_title_not_found(rt, world):
    data = (FIXTURES / "retorno_cnab400_itau_laravel.ret").read_bytes()
    report = _import(rt, data, "retorno_cnab400_itau_laravel.ret", profile_id=world["profile"])
    assert report["titulos"] == 4 and report["liquidados"] == 0 and report["erros"] == 0
    assert {i["resultado"] for i in report["itens"]} == {"nao_encontrado"}
    assert report["nao_encontrados"] == 4
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(RetornoImport.sha256).where(RetornoImport.id == report["id"])) is not None
        assert len(s.scalars(select(RetornoItem)).all()) == 4
    bradesco = (FIXTURES / "retorno_cnab400_bradesco_brcobranca.ret").read_bytes()
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        importar_retorno(s, bradesco, "brad.ret", profile_id=world["profile"], runtime=rt)
    assert str(exc.value) == "O arquivo brad.ret é do banco 237, mas o perfil «Itaú cobrança 109» é do banco 341."


def test_late_payment_takes_the_interest_the_bank_charged_not_the_computed_one(rt, world):
    late = liquidacao(1, "101.00", juros="1.10")
    late["data_ocorrencia"] = date(2027, 1, 25)  # 15 days late: receivables would charge its own 2 % penalty
    report = _import(rt, build_retorno("itau_400", ITAU_HEADER, [late]))
    assert report["liquidados"] == 1 and report["itens"][0]["diferenca"] is None
    with unit_of_work(readonly=True) as s:
        st = s.scalar(select(Settlement).where(Settlement.invoice_id == world["invoices"][1]))
        assert (st.amount, st.interest, st.penalty, st.discount, st.surcharge) == (
            D("101.00"), D("1.10"), D("0"), D("0"), D("0"))
