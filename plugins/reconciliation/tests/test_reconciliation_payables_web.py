"""The reconciler page with debit lines × contas a pagar (TestClient, real app): the automatic pass
writes off the unique open fatura a pagar; a debit line with two candidates shows the stored payables
suggestions with their reasons; "Conciliar" writes the chosen one off; "Desconciliar" reverses it and
says so; without payables the debit pane still shows stored transfer suggestions."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.web.app import create_app
from plugins.reconciliation.tests.from_line_world import prt, seed_from_line  # noqa: F401
from plugins.reconciliation.tests.reconcile_world import import_lines, rt  # noqa: F401
from plugins.reconciliation.tests.test_reconciliation_payables_service import launch, status
from plugins.reconciliation.transfers import TransferFields, create_transfer
from tests.browser.uisupport import add_user, login

HX = {"HX-Request": "true"}
DAY = date(2026, 12, 10)
PERIOD = {"de": "2026-12-01", "ate": "2026-12-31"}


@contextmanager
def _reconciler(runtime, w):
    """A "gerente" logged in to the bank account's reconciler: (client, CSRF token, reconciler URL)."""
    add_user(runtime.engine, "gerente", admin=True)
    with TestClient(create_app(runtime)) as client:
        yield client, login(client, "gerente"), f"/conciliacao/contas/{w.bank_id}"


def test_debit_lines_with_payables_on_the_reconciler_page(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (unique,) = launch(fw, "250,00")
    (a,) = launch(fw, "100,00", document="7781")
    (b,) = launch(fw, "100,00")
    one, two = import_lines(w, ("-250,00", "20261210", "PAGTO BOLETO"), ("-100,00", "20261210", "PAGTO NF 7781"))
    with _reconciler(prt, w) as (client, token, url):
        auto = client.post(url + "/automatica", data=PERIOD, headers={**HX, "X-CSRF-Token": token})
        assert auto.status_code == 200, auto.text
        assert "Débitos conciliados com faturas a pagar: 1 baixada(s) agora; 0 já baixada(s)." in auto.text
        assert status(unique) == "liquidada" and status(a) == status(b) == "em_aberto"
        pane = client.get(url + f"/painel?linhas={two}", headers=HX)
        assert pane.status_code == 200 and pane.text.count('data-tipo="pagar"') == 2
        assert "documento 7781 no histórico" in pane.text and ">Fornec.</th>" in pane.text
        assert f"fatura a pagar {a} (7781-1)" in pane.text and "em aberto" in pane.text
        sid = re.search(r'data-sugestao="(\d+)" data-fatura="" data-tipo="pagar"', pane.text).group(1)
        done = client.post(url + f"/sugestoes/{sid}/conciliar", data=PERIOD, headers={**HX, "X-CSRF-Token": token})
        assert done.status_code == 200 and "Lançamento conciliado com a sugestão." in done.text
        assert "fatura a pagar baixada na conciliação (baixa estornada ao desconciliar)" in done.text
        assert "desconciliar as duas" not in done.text             # the transfers' pair option: not for payables
        assert status(a) == "liquidada" and status(b) == "em_aberto"
        undone = client.post(url + f"/linhas/{two}/desconciliar", data=PERIOD, headers={**HX, "X-CSRF-Token": token})
        assert undone.status_code == 200
        assert f"Faturas a pagar em aberto de novo (baixa estornada): {a}." in undone.text
        assert status(a) == "em_aberto"
        reconciled = client.get(url + f"/painel?linhas={one}", headers=HX)
        assert f"Fatura a pagar {unique} — Atacado de Links S.A." in reconciled.text


def test_debit_pane_without_payables_shows_transfer_suggestions(rt):
    fw = seed_from_line()
    w = fw.w
    with unit_of_work() as s:
        for i in (1, 2):
            create_transfer(s, TransferFields(DAY, "500,00", w.bank_id, w.other_bank_id, f"Reserva {i}"))
    (lid,) = import_lines(w, ("-500,00", "20261210", "TED"))
    with _reconciler(rt, w) as (client, token, url):
        pane = client.get(url + f"/painel?linhas={lid}", headers=HX)
        assert pane.status_code == 200 and pane.text.count('data-tipo="transferencia"') == 2
        assert "para 1.1.1.02 - Banco Inter" in pane.text and 'data-rc-nova-pagar' not in pane.text
        sid = re.search(r'data-sugestao="(\d+)" data-fatura="" data-tipo="transferencia"', pane.text).group(1)
        done = client.post(url + f"/sugestoes/{sid}/conciliar", data=PERIOD, headers={**HX, "X-CSRF-Token": token})
        assert done.status_code == 200 and "Lançamento conciliado com a sugestão." in done.text
        assert "Reserva 1" in done.text and "desconciliar as duas" in done.text


def test_search_payables_reconciles_only_at_zero_difference(prt):
    from datetime import timedelta

    from plugins.reconciliation.tests.test_reconciliation_payables_service import write_off_outside

    fw = seed_from_line(payables=True)
    w = fw.w
    (far,) = launch(fw, "95,00", DAY - timedelta(days=20), document="555")   # outside ± 3 days: no suggestion
    (other,) = launch(fw, "96,00", DAY - timedelta(days=25))
    (paid,) = launch(fw, "40,00", DAY - timedelta(days=15))
    write_off_outside(prt, fw, paid, DAY - timedelta(days=15))
    (lid,) = import_lines(w, ("-95,00", "20261210", "PAGTO"))
    with _reconciler(prt, w) as (client, token, url):
        pane = client.get(url + f"/painel?linhas={lid}", headers=HX)
        assert 'data-rc-pane="debito"' in pane.text and "data-rc-buscar-pagar" in pane.text
        found = client.get(url + f"/linhas/{lid}/busca-pagar", headers=HX)
        assert found.status_code == 200
        rows = re.findall(r'<tr data-parcela="(\d+)" data-situacao="(\w+)"', found.text)
        assert rows == [(str(other), "Aberto"), (str(far), "Aberto"), (str(paid), "Pago")]
        assert "R$ 0,00" in found.text and "R$ 55,00" in found.text            # differences: 95 − 95, 95 − 40
        by_doc = client.get(url + f"/linhas/{lid}/busca-pagar?de=2026-11-01&ate=2026-12-31&fatura=555", headers=HX)
        assert re.findall(r'data-parcela="(\d+)"', by_doc.text) == [str(far)]
        by_supplier = client.get(url + f"/linhas/{lid}/busca-pagar?de=2026-11-01&ate=2026-12-31&fornecedor=Nenhum",
                                 headers=HX)
        assert "Nenhuma fatura a pagar com estes filtros." in by_supplier.text
        with unit_of_work(readonly=True) as s:
            from plugins.reconciliation.tests.test_reconciliation_payables_service import inst_of

            other_id, far_id = inst_of(s, other).id, inst_of(s, far).id
        refused = client.post(url + f"/linhas/{lid}/conciliar-pagar", data={"parcela": str(other_id), **PERIOD},
                              headers={**HX, "X-CSRF-Token": token})
        assert refused.status_code == 400
        assert ("Diferença de -R$ 1,00 entre o valor do extrato (R$ 95,00) e o da fatura a pagar "
                f"{other} (R$ 96,00): só é possível conciliar com diferença zero.") in refused.text
        assert status(other) == "em_aberto"
        done = client.post(url + f"/linhas/{lid}/conciliar-pagar", data={"parcela": str(far_id), **PERIOD},
                           headers={**HX, "X-CSRF-Token": token})
        assert done.status_code == 200 and f"Lançamento conciliado com a fatura a pagar {far}." in done.text
        assert status(far) == "liquidada"
        again = client.get(url + f"/linhas/{lid}/busca-pagar", headers=HX)
        assert again.status_code == 400 and "já está conciliado" in again.text
