"""Batch credit ("crédito em lote"): a retorno imported through bank_profiles settles títulos; the bank
credits their Σ valor líquido (valor pago − tarifa) as one statement line on the crédito date, and the
reconciler matches the line with the whole group (`batch_credit.py`, hook `reconciliation_batch_credits`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account
from core.runtime import bootstrap
from hooks.reconciliation import BatchCredit
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.retorno import importar_retorno
from plugins.bank_profiles.tests.profiles_world import ITAU, seed
from plugins.bank_profiles.tests.retorno_files import ACCOUNTS, CHART, ITAU_HEADER, PAID_ON, build_retorno
from plugins.receivables.billing import run_billing
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.settlement import reverse_settlement
from plugins.receivables.settlement_models import Settlement
from plugins.receivables.tests.conftest import Factory
from plugins.reconciliation.batch_credit import batch_credits, groups_for_line, reconcile_batch
from plugins.reconciliation.matching import reconcile_automatic
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem
from plugins.reconciliation.reconciler_queries import reconciled_view
from plugins.reconciliation.statement_import import import_statement
from plugins.reconciliation.tests.ofx_files import sgml, stmtrs, stmttrn
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

D = Decimal
ENABLED = ["receivables", "bank_profiles", "reconciliation"]


@pytest.fixture
def brt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings={"receivables": ACCOUNTS}))


@pytest.fixture
def world(brt):
    """Five contracts on the Itaú profile (bank account 1.1.1.02) billed for 2026-12: boletos 1..5."""
    company, (itau,), _contracts = seed(Factory, contracts=5, profiles=({**ITAU, "conta_contabil": "1.1.1.02"},))
    with unit_of_work() as s:
        accounts = add_accounts(s, company, CHART)
    assert run_billing(brt, "2026-12")["invoices_created"] == 5
    with unit_of_work(readonly=True) as s:
        rows = s.execute(select(Boleto.nosso_numero, Boleto.invoice_id).order_by(Boleto.nosso_numero)).all()
    return {"company": company, "invoices": dict(rows), "bank": accounts["1.1.1.02"]}


def liquidacao(nn: int, pago: str, *, credito: date, juros="0", tarifa="1.50") -> dict:
    return dict(nosso_numero=nn, carteira=109, ocorrencia_codigo="06", data_ocorrencia=PAID_ON,
                data_credito=credito, vencimento=date(2027, 1, 10), valor_titulo=D("99.90"),
                valor_pago=D(pago), juros_multa=D(juros), desconto=D("0"), tarifa=D(tarifa))


def import_retorno(brt, titulos, name: str) -> int:
    with unit_of_work() as s:
        return importar_retorno(s, build_retorno("itau_400", ITAU_HEADER, titulos), name, runtime=brt).id


def statement(world, *txns) -> list[int]:
    body = "".join(stmttrn(amount=a, fitid=f"L{i}", posted=d, memo=m) for i, (a, d, m) in enumerate(txns))
    with unit_of_work() as s:
        import_statement(s, sgml(stmtrs(body, acctid="56789-0")).encode("cp1252"), "itau.ofx",
                         bank_account_id=world["bank"])
    with unit_of_work(readonly=True) as s:
        return list(s.scalars(select(StatementLine.id).order_by(StatementLine.id)))


def auto(brt, world) -> dict:
    with unit_of_work() as s:
        return reconcile_automatic(s, s.get(Account, world["bank"]), runtime=brt).as_dict()


def test_hook_reconciliation_batch_credits(brt, world):
    """bank_profiles answers the hook with one group per (retorno, crédito date): Σ (valor pago − tarifa)."""
    imp = import_retorno(brt, [liquidacao(1, "99.90", credito=date(2027, 1, 9)),
                               liquidacao(2, "95.00", credito=date(2027, 1, 9)),
                               liquidacao(3, "102.40", juros="2.50", credito=date(2027, 1, 9)),
                               liquidacao(4, "99.90", credito=date(2027, 1, 11))], "CB0901.RET")
    with unit_of_work(readonly=True) as s:
        answers = brt.hook.reconciliation_batch_credits(session=s, bank_account_id=world["bank"],
                                                       date_from=date(2027, 1, 9), date_to=date(2027, 1, 9))
        other_bank = brt.hook.reconciliation_batch_credits(session=s, bank_account_id=world["bank"] + 999,
                                                          date_from=date(2027, 1, 1), date_to=date(2027, 1, 31))
        settled = dict(s.execute(select(Settlement.invoice_id, Settlement.id)).all())
    (group,) = [c for answer in answers if answer for c in answer]
    assert isinstance(group, BatchCredit)
    assert group.total == D("292.80")  # 99,90 + 95,00 + 102,40 − 3 × 1,50
    assert group.credited_on == date(2027, 1, 9) and group.label == f"Retorno CB0901.RET (importação {imp})"
    assert sorted(group.settlement_ids) == sorted(settled[world["invoices"][nn]] for nn in (1, 2, 3))
    assert not [c for answer in other_bank if answer for c in answer]


def test_a_credit_line_equal_to_a_retornos_net_sum_reconciles_the_group_and_unreconcile_frees_it(brt, world):
    imp = import_retorno(brt, [liquidacao(1, "99.90", credito=date(2027, 1, 9)),
                               liquidacao(2, "95.00", credito=date(2027, 1, 9)),
                               liquidacao(3, "102.40", juros="2.50", credito=date(2027, 1, 9))], "CB0901.RET")
    (line,) = statement(world, ("292,80", "20270109", "CREDITO COBRANCA"))
    report = auto(brt, world)
    assert (report["batch_credits"], report["reconciled"], report["unmatched"]) == (1, 1, 0)
    invoices = world["invoices"]
    with unit_of_work(readonly=True) as s:
        ln = s.get(StatementLine, line)
        rec = s.get(Reconciliation, ln.reconciliation_id)
        assert (rec.origin, rec.amount, rec.batch_label) == ("automatica", D("292.80"),
                                                             f"Retorno CB0901.RET (importação {imp})")
        items = s.scalars(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec.id)).all()
        assert sorted(i.invoice_id for i in items) == sorted(invoices[nn] for nn in (1, 2, 3))
        assert not any(i.created_settlement for i in items)
        assert sorted(i.amount for i in items) == [D("95.00"), D("99.90"), D("102.40")]
        view = reconciled_view(s, ln)
        assert view.batch_label == rec.batch_label and len(view.items) == 3
        # the títulos are now reconciled: no group is offered again for that day
        assert batch_credits(s, brt, world["bank"], date(2027, 1, 9), date(2027, 1, 9)) == []
    # "faturas conciliadas em lote não podem ser estornadas" (the reconciler's before_reverse)
    with pytest.raises(ValidationError, match="conciliada em lote"), unit_of_work() as s:
        st = s.scalar(select(Settlement).where(Settlement.invoice_id == invoices[1]))
        reverse_settlement(s, st, on=date(2027, 1, 9), justification="teste", runtime=brt)
    with unit_of_work() as s:
        out = unreconcile(s, line, runtime=brt)
    assert out.reopened_invoices == [] and out.restored_invoices == []
    with unit_of_work(readonly=True) as s:
        assert sorted(out.untouched_invoices) == sorted(s.get(Invoice, invoices[nn]).number for nn in (1, 2, 3))
        assert s.get(StatementLine, line).reconciliation_id is None
        assert all(s.get(Invoice, invoices[nn]).status == INVOICE_SETTLED for nn in (1, 2, 3))
        assert s.scalar(select(Settlement.id).where(Settlement.reversed.is_(True))) is None  # nothing reversed
        (group,) = batch_credits(s, brt, world["bank"], date(2027, 1, 9), date(2027, 1, 9))
        assert group.count == 3 and group.total == D("292.80")


def test_two_retornos_with_the_same_net_sum_on_the_day_are_suggestions_not_automatic(brt, world):
    credit = date(2027, 1, 12)
    a = import_retorno(brt, [liquidacao(4, "99.90", credito=credit), liquidacao(1, "50.00", credito=credit)],
                       "CB1201.RET")
    b = import_retorno(brt, [liquidacao(5, "99.90", credito=credit), liquidacao(2, "50.00", credito=credit)],
                       "CB1202.RET")
    (line,) = statement(world, ("146,90", "20270112", "CREDITO COBRANCA"))
    report = auto(brt, world)
    assert report["batch_credits"] == 0 and report["ambiguous_line_ids"] == [line] and report["unmatched"] == 0
    with unit_of_work(readonly=True) as s:
        ln = s.get(StatementLine, line)
        assert ln.reconciliation_id is None
        groups = groups_for_line(s, brt, ln)
    assert [g.label for g in groups] == [f"Retorno CB1201.RET (importação {a})", f"Retorno CB1202.RET (importação {b})"]
    assert [(g.count, g.total) for g in groups] == [(2, D("146.90")), (2, D("146.90"))]
    with pytest.raises(ValidationError, match="Crédito em lote não encontrado"), unit_of_work() as s:
        reconcile_batch(s, line, "bank_profiles.retorno:999:2027-01-12", runtime=brt)
    with unit_of_work() as s:
        rec = reconcile_batch(s, line, groups[1].key, runtime=brt)
        assert (rec.origin, rec.batch_key) == ("sugestao", groups[1].key)
    with unit_of_work(readonly=True) as s:
        assert s.get(StatementLine, line).reconciliation_id == rec.id
        (left,) = batch_credits(s, brt, world["bank"], credit, credit)
        assert left.key == groups[0].key
    with pytest.raises(ValidationError, match="já está conciliado"), unit_of_work() as s:
        reconcile_batch(s, line, groups[0].key, runtime=brt)


def test_a_line_with_another_amount_is_refused_with_the_difference(brt, world):
    import_retorno(brt, [liquidacao(1, "99.90", credito=date(2027, 1, 9))], "CB0901.RET")
    (line,) = statement(world, ("100,00", "20270109", "CREDITO COBRANCA"))
    with unit_of_work(readonly=True) as s:
        (group,) = batch_credits(s, brt, world["bank"], date(2027, 1, 9), date(2027, 1, 9))
        assert groups_for_line(s, brt, s.get(StatementLine, line)) == []
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        reconcile_batch(s, line, group.key, runtime=brt)
    assert str(exc.value) == (f"O crédito em lote {group.label} soma R$ 98,40 e o lançamento do extrato é de R$ 100,00: "
                              "só é possível conciliar com diferença zero.")


def test_the_pane_shows_the_groups_and_reconciles_one(brt, world):
    """The reconciler's pane of a free credit line lists the retornos of its date and amount (file, títulos,
    sum) with "Conciliar"; the reconciled line shows the group."""
    import re

    from fastapi.testclient import TestClient

    from core.web.app import create_app
    from tests.browser.uisupport import add_user, login

    credit = date(2027, 1, 12)
    import_retorno(brt, [liquidacao(4, "99.90", credito=credit), liquidacao(1, "50.00", credito=credit)], "CB1201.RET")
    b = import_retorno(brt, [liquidacao(5, "99.90", credito=credit), liquidacao(2, "50.00", credito=credit)],
                       "CB1202.RET")
    (line,) = statement(world, ("146,90", "20270112", "CREDITO COBRANCA"))
    add_user(brt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{world['bank']}"
    hx = {"HX-Request": "true"}
    with TestClient(create_app(brt)) as client:
        token = login(client, "gerente")
        pane = client.get(url + f"/painel?linhas={line}", headers=hx)
        assert pane.status_code == 200 and "data-rc-lotes" in pane.text
        rows = re.findall(r'<tr data-lote="([^"]+)">(.*?)</tr>', pane.text, re.S)
        assert len(rows) == 2 and "Retorno CB1202.RET" in rows[1][1] and "R$ 146,90" in rows[1][1]
        assert '<td class="num">2</td>' in rows[1][1]
        done = client.post(url + f"/linhas/{line}/lote", data={"lote": rows[1][0], "de": "2027-01-01",
                                                               "ate": "2027-01-31"},
                           headers={**hx, "X-CSRF-Token": token})
        assert done.status_code == 200, done.text
        assert (f"Lançamento conciliado com o crédito em lote: Retorno CB1202.RET (importação {b})." in done.text)
        assert "data-rc-lote" in done.text and "2 título(s), soma R$ 146,90" in done.text
        undone = client.post(url + f"/linhas/{line}/desconciliar", data={"de": "2027-01-01", "ate": "2027-01-31"},
                             headers={**hx, "X-CSRF-Token": token})
        assert undone.status_code == 200 and "Faturas baixadas fora do conciliador, sem alteração" in undone.text


def test_cli_lote_lists_and_reconciles(brt, world, database_url, tmp_path, monkeypatch):
    import json

    from tests.cli_runner import cli_invoker

    imp = import_retorno(brt, [liquidacao(1, "99.90", credito=date(2027, 1, 9)),
                               liquidacao(2, "95.00", credito=date(2027, 1, 9))], "CB0901.RET")
    (line,) = statement(world, ("191,90", "20270109", "CREDITO COBRANCA"))
    cli = cli_invoker(brt, database_url, tmp_path, monkeypatch, ENABLED, {"receivables": ACCOUNTS})
    out = cli("conciliacao", "lote", "--line", str(line))
    assert out.exit_code == 0, out.output
    key = f"bank_profiles.retorno:{imp}:2027-01-09"
    assert f"{key}: Retorno CB0901.RET (importação {imp}) — crédito 09/01/2027, 2 título(s), R$ 191,90" in out.output
    out = cli("conciliacao", "lote", "--line", str(line), "--chave", key, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["batch"] == f"Retorno CB0901.RET (importação {imp})"
    out = cli("conciliacao", "lote", "--line", str(line), "--chave", key)
    assert out.exit_code == 2 and "já está conciliado" in out.output


def test_bench_lote_reports_the_groups_it_found(brt, world, database_url):
    """`quita bench lote` on a database with a retorno: figures for the busiest day, the period and a day
    without credit (timings are printed, never asserted)."""
    from plugins.reconciliation.batch_bench import bench_batch

    import_retorno(brt, [liquidacao(1, "99.90", credito=date(2027, 1, 9)),
                         liquidacao(2, "95.00", credito=date(2027, 1, 9)),
                         liquidacao(3, "99.90", credito=date(2027, 1, 11))], "CB0901.RET")
    r = bench_batch(database_url, runs=1)
    assert r["retorno_itens"] == 3
    assert (r["dia_mais_cheio"]["de"], r["dia_mais_cheio"]["grupos"], r["dia_mais_cheio"]["titulos"]) == (
        "2027-01-09", 1, 2)
    assert (r["periodo"]["de"], r["periodo"]["ate"], r["periodo"]["grupos"], r["periodo"]["titulos"]) == (
        "2027-01-09", "2027-01-11", 2, 3)
    assert (r["dia_sem_credito"]["grupos"], r["dia_sem_credito"]["titulos"]) == (0, 0)
