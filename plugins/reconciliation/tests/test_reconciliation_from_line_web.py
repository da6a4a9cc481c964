"""The reconciler's "Nova fatura a receber / a pagar" and "Nova transferência" through the real app
(TestClient): the buttons of the pane (a pagar only with payables, only for debits), the dialogs, the
POST that creates, settles and reconciles, a refusal writing nothing, and "Desconciliar" listing what
was deleted."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import unit_of_work
from core.web.app import create_app
from plugins.receivables.models import Invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.from_line_world import prt, seed_from_line  # noqa: F401 (prt: fixture)
from plugins.reconciliation.tests.reconcile_world import CPF, import_lines, rt  # noqa: F401 (rt: fixture)
from plugins.reconciliation.transfers_models import Transfer
from tests.browser.uisupport import add_user, login

HX = {"HX-Request": "true"}
PERIOD = {"de": "2026-12-01", "ate": "2026-12-31"}


def rec_of(line_id):
    with unit_of_work(readonly=True) as s:
        return s.get(StatementLine, line_id).reconciliation_id


def test_new_receivable_and_transfer_from_the_pane(rt):
    fw = seed_from_line()
    w = fw.w
    credit, debit = import_lines(w, ("150,00", "20261210", "PIX MARIA"), ("-500,00", "20261211", "TED INTER"))
    add_user(rt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        post = {**HX, "X-CSRF-Token": token}
        pane = client.get(url + f"/painel?linhas={credit}", headers=HX)
        assert "data-rc-nova-receber" in pane.text and "data-rc-nova-transferencia" in pane.text
        debit_pane = client.get(url + f"/painel?linhas={debit}", headers=HX)
        assert "data-rc-nova-transferencia" in debit_pane.text
        assert "data-rc-nova-pagar" not in debit_pane.text  # payables is not enabled in this runtime
        assert client.get(url + f"/linhas/{debit}/nova/pagar", headers=HX).status_code == 404
        wrong = client.get(url + f"/linhas/{debit}/nova/receber", headers=HX)
        assert wrong.status_code == 400 and "selecione um lançamento a crédito" in wrong.text
        dialog = client.get(url + f"/linhas/{credit}/nova/receber", headers=HX)
        assert dialog.status_code == 200 and 'data-rc-nova="receber"' in dialog.text and 'value="PIX MARIA"' in dialog.text
        unknown = client.post(url + f"/linhas/{credit}/nova/receber",
                              data={**PERIOD, "cliente": "99999999999", "historico": "Avulsa"}, headers=post)
        assert unknown.status_code == 400 and "Cliente «99999999999» não encontrado" in unknown.text
        with unit_of_work(readonly=True) as s:
            assert s.scalar(select(func.count()).select_from(Invoice)) == 0
        done = client.post(url + f"/linhas/{credit}/nova/receber",
                           data={**PERIOD, "cliente": CPF, "historico": "Instalação avulsa", "vencimento": "2026-12-10"},
                           headers=post)
        assert done.status_code == 200, done.text
        assert "Fatura a receber gerada, baixada e conciliada com o lançamento." in done.text
        assert "fatura gerada pelo conciliador (excluída ao desconciliar)" in done.text
        with unit_of_work(readonly=True) as s:
            inv = s.scalar(select(Invoice))
            assert (inv.party_id, inv.status, inv.description) == (w.party_id, "liquidada", "Instalação avulsa")
            number = inv.number
        tdialog = client.get(url + f"/linhas/{debit}/nova/transferencia", headers=HX)
        assert "Conta de Entrada" in tdialog.text and f'<option value="{w.other_bank_id}">' in tdialog.text
        moved = client.post(url + f"/linhas/{debit}/nova/transferencia",
                            data={**PERIOD, "outra_conta": str(w.other_bank_id), "historico": "Para o Inter"},
                            headers=post)
        assert moved.status_code == 200 and "Transferência gerada e conciliada com o lançamento." in moved.text
        assert re.search(r"Transferência \d+: 1\.1\.1\.01 - Banco Itaú → 1\.1\.1\.02 - Banco Inter \(Para o Inter\)",
                         moved.text)
        assert rec_of(credit) is not None and rec_of(debit) is not None
        undone = client.post(url + f"/linhas/{credit}/desconciliar", data=PERIOD, headers=post)
        assert undone.status_code == 200
        assert f"Faturas a receber geradas pelo conciliador excluídas (Faturas excluídas): {number}." in undone.text
        undone = client.post(url + f"/linhas/{debit}/desconciliar", data=PERIOD, headers=post)
        with unit_of_work(readonly=True) as s:
            tid = s.scalar(select(Transfer.id))
            assert s.get(Transfer, tid).deleted_at is not None
        assert f"Transferências geradas pelo conciliador excluídas (lançamento estornado): {tid}." in undone.text
    assert rec_of(credit) is None and rec_of(debit) is None


def test_new_payable_from_the_pane(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (debit,) = import_lines(w, ("-300,00", "20261210", "PAGTO ATACADO"))
    add_user(prt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(prt)) as client:
        token = login(client, "gerente")
        post = {**HX, "X-CSRF-Token": token}
        assert "data-rc-nova-pagar" in client.get(url + f"/painel?linhas={debit}", headers=HX).text
        dialog = client.get(url + f"/linhas/{debit}/nova/pagar", headers=HX)
        assert dialog.status_code == 200 and "410 - Compra de link de internet" in dialog.text
        missing = client.post(url + f"/linhas/{debit}/nova/pagar",
                              data={**PERIOD, "fornecedor": "11444777000161", "historico": str(fw.template_id)},
                              headers=post)
        assert missing.status_code == 400 and "Informe a categoria financeira." in missing.text
        done = client.post(url + f"/linhas/{debit}/nova/pagar",
                           data={**PERIOD, "fornecedor": "11.444.777/0001-61", "categoria": "Links",
                                 "historico": str(fw.template_id), "documento": "NF 88"}, headers=post)
        assert done.status_code == 200, done.text
        assert "Fatura a pagar gerada, baixada e conciliada com o lançamento." in done.text
        assert re.search(r"Fatura a pagar \d+ — Atacado de Links S\.A\.", done.text)
        undone = client.post(url + f"/linhas/{debit}/desconciliar", data=PERIOD, headers=post)
        assert re.search(r"Faturas a pagar geradas pelo conciliador excluídas: \d+\.", undone.text)
    assert rec_of(debit) is None
