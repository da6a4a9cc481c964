"""Page "Transferência entre contas" through the real app (TestClient): create with the success message,
the last-used fields pre-filled (30 days), the period filter (hoje / 7 / 15 / 30 / informar), alter,
delete only confirmed and with the permission "Conciliação Bancária", the protection date, pt-BR
refusals naming the field, the menu and permissions."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import unit_of_work
from core.ledger.services import account_balance
from core.web.app import create_app
from plugins.reconciliation.tests.from_line_world import seed_from_line
from plugins.reconciliation.tests.reconcile_world import D, protect, rt  # noqa: F401 (rt: fixture)
from plugins.reconciliation.transfers_models import Transfer
from tests.browser.uisupport import add_user, login

URL = "/conciliacao/transferencias"


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-transfer="(\d+)">', html)


def selected(html: str, name: str) -> str | None:
    m = re.search(rf'<select id="[^"]+" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    chosen = re.search(r'<option value="(\d*)" selected>', m.group(1)) if m else None
    return chosen.group(1) if chosen else None


def balances(w):
    with unit_of_work(readonly=True) as s:
        return account_balance(s, w.bank_id), account_balance(s, w.other_bank_id)


def test_create_remember_filter_alter_delete(rt):
    fw = seed_from_line()
    w = fw.w
    add_user(rt.engine, "gerente", admin=True)
    today = date.today()
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        home = client.get("/")
        assert "Transferência entre contas" in home.text and URL in home.text
        page = client.get(URL)
        assert page.status_code == 200 and "data-tr-hoje" in page.text and "Nenhuma transferência foi realizada hoje." in page.text
        assert "data-tr-lembrados" not in page.text
        form = {"csrf_token": token, "issued_on": today.isoformat(), "amount": "1.234,56",
                "description": "Cobertura do Inter", "from_account_id": str(w.bank_id),
                "to_account_id": str(w.other_bank_id), "cost_centre_id": str(fw.centre_id), "note": "TED 123"}
        done = client.post(URL, data=form)
        assert done.status_code == 200, done.text
        with unit_of_work(readonly=True) as s:
            tid = s.scalar(select(Transfer.id))
        assert re.search(rf"Transferência {tid} realizada com sucesso \(lançamento contábil \d+\)\.", done.text)
        assert rows(done.text) == [str(tid)] and "1.234,56" in done.text and "data-tr-hoje" not in done.text
        assert balances(w) == (D("-1234.56"), D("1234.56"))
        # the last-used histórico, accounts and cost centre are pre-filled (saved in the last 30 days)
        again = client.get(URL)
        assert "data-tr-lembrados" in again.text and 'value="Cobertura do Inter"' in again.text
        assert (selected(again.text, "from_account_id"), selected(again.text, "to_account_id"),
                selected(again.text, "cost_centre_id")) == (str(w.bank_id), str(w.other_bank_id), str(fw.centre_id))
        # a refusal: 400, the field named, what was typed kept, nothing written
        bad = client.post(URL, data={**form, "amount": "0,00", "description": "Zero"})
        assert bad.status_code == 400 and "Valor: O valor da transferência deve ser maior que zero." in bad.text
        assert 'data-field="amount"' in bad.text and 'value="Zero"' in bad.text
        same = client.post(URL, data={**form, "to_account_id": str(w.bank_id)})
        assert same.status_code == 400 and "A conta de saída e a conta de entrada devem ser diferentes." in same.text
        # an older one (20 days ago): period filter
        old = client.post(URL, data={**form, "issued_on": (today - timedelta(days=20)).isoformat(), "amount": "10,00"})
        assert old.status_code == 200
        with unit_of_work(readonly=True) as s:
            old_id = s.scalar(select(Transfer.id).where(Transfer.amount == D("10.00")))
        assert rows(client.get(URL).text) == [str(tid)]                            # default: hoje
        assert rows(client.get(URL + "?periodo=15").text) == [str(tid)]
        assert rows(client.get(URL + "?periodo=30").text) == [str(old_id), str(tid)]
        informed = client.get(URL + f"?periodo=informar&de={(today - timedelta(days=25)).isoformat()}"
                                    f"&ate={(today - timedelta(days=1)).isoformat()}")
        assert rows(informed.text) == [str(old_id)] and 'data-tr-datas style="display:none"' not in informed.text
        assert 'data-tr-datas style="display:none"' in client.get(URL + "?periodo=7").text
        assert client.get(URL + "?periodo=90").status_code == 400
        # alter: the form shows the transfer; saving reverses the entry and posts the new one
        edit = client.get(URL + f"?periodo=30&alterar={tid}")
        assert f"Alterar a transferência {tid}" in edit.text and 'value="1234,56"' in edit.text
        changed = client.post(URL + f"/{tid}/alterar?periodo=30", data={**form, "amount": "1.000,00",
                                                                         "description": "Cobertura corrigida"})
        assert changed.status_code == 200 and f"Transferência {tid} alterada com sucesso." in changed.text
        assert balances(w) == (D("-1010.00"), D("1010.00"))
        # delete: only confirmed
        unconfirmed = client.post(URL + f"/{tid}/excluir", data={"csrf_token": token})
        assert unconfirmed.status_code == 400 and f"Confirme a exclusão da transferência {tid}." in unconfirmed.text
        assert f'hx-confirm="Excluir a transferência {tid}' in edit.text
        deleted = client.post(URL + f"/{tid}/excluir?periodo=30", data={"csrf_token": token, "confirmar": "1"})
        assert deleted.status_code == 200 and f"Transferência {tid} excluída (lançamento contábil estornado)." in deleted.text
        assert rows(deleted.text) == [str(old_id)]
        assert balances(w) == (D("-10.00"), D("10.00"))


def test_protection_date_and_permissions(rt):
    fw = seed_from_line()
    w = fw.w
    protect(w, date.today() - timedelta(days=5))
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "tesouraria", permissions=["reconciliation.transfer"])
    add_user(rt.engine, "vendas")
    day = date.today() - timedelta(days=10)
    form = {"issued_on": day.isoformat(), "amount": "50,00", "description": "Antiga", "from_account_id": str(w.bank_id),
            "to_account_id": str(w.other_bank_id)}
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        page = client.get(URL)
        assert f"Lançamentos até {(date.today() - timedelta(days=5)).strftime('%d/%m/%Y')} estão protegidos" in page.text
        refused = client.post(URL, data={**form, "csrf_token": token})
        assert refused.status_code == 400 and 'data-field="issued_on"' in refused.text and "Data: " in refused.text
        assert "protegid" in refused.text
        assert rows(client.get(URL + "?periodo=30").text) == []
    with unit_of_work() as s:
        from plugins.reconciliation.transfers import TransferFields, create_transfer

        tid = create_transfer(s, TransferFields(date.today(), "50.00", w.bank_id, w.other_bank_id, "Hoje")).id
    with TestClient(create_app(rt)) as client:
        token = login(client, "tesouraria")
        assert client.get(URL).status_code == 200
        no_perm = client.post(URL + f"/{tid}/excluir", data={"csrf_token": token, "confirmar": "1"})
        assert no_perm.status_code == 400 and "permissão \"Conciliação Bancária\"" in no_perm.text.replace("&#34;", '"')
        with unit_of_work(readonly=True) as s:
            assert s.get(Transfer, tid).deleted_at is None
    with TestClient(create_app(rt)) as client:
        login(client, "vendas")
        assert client.get(URL).status_code == 403
