"""The reconciler pages through the real app (TestClient): bank accounts with % reconciled, upload ⇒
automatic pass ⇒ reconciler page, the pane (suggestions with reasons / reconciled / several lines of
one day), accepting a suggestion, "Buscar lançamento" reconciling only at zero difference,
unreconciling with "não permitir mais conciliação automática", "Excluir" and its guard, the
protection alert, "sem extrato para o período", permissions."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.web.app import create_app
from plugins.receivables.models import Invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.ofx_files import sgml, stmtrs, stmttrn
from plugins.reconciliation.tests.reconcile_world import (  # noqa: F401 (rt: fixture)
    import_lines, invoice, number_of, protect, rt, seed)
from tests.browser.uisupport import add_user, login

HX = {"HX-Request": "true"}
DUE = date(2026, 12, 10)


def ofx(*txns: tuple[str, str, str]) -> bytes:
    body = "".join(stmttrn(amount=a, fitid=f"F{i}", posted=d, memo=m) for i, (a, d, m) in enumerate(txns))
    return sgml(stmtrs(body, acctid="777-1")).encode("cp1252")


def status(invoice_id: int) -> str:
    with unit_of_work(readonly=True) as s:
        return s.get(Invoice, invoice_id).status


def line_row(html: str, line_id: int) -> str:
    m = re.search(rf'<tr data-line="{line_id}".*?</tr>', html, re.S)
    assert m, f"linha {line_id} não está na página"
    return m.group(0)


def test_upload_runs_the_automatic_pass_and_shows_the_reconciler(rt):
    w = seed()
    auto = invoice(w, "99.90", DUE)
    add_user(rt.engine, "gerente", admin=True)
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        page = client.get("/conciliacao/contas")
        assert page.status_code == 200 and 'data-conta="%d"' % w.bank_id in page.text
        assert "não vinculada" in page.text and "0,0%" in page.text
        data = ofx(("99,90", "20261210", "PIX MARIA"), ("45,00", "20261211", "PIX OUTRO"))
        asked = client.post("/conciliacao/contas/extrato", data={"csrf_token": token},
                            files={"file": ("extrato.ofx", data, "application/x-ofx")})
        assert asked.status_code == 400 and "data-rc-ask" in asked.text
        done = client.post("/conciliacao/contas/extrato", data={"csrf_token": token, "bank_account_id": str(w.bank_id)},
                           files={"file": ("extrato.ofx", data, "application/x-ofx")})
        assert done.status_code == 200, done.text
        assert "Extrato extrato.ofx importado." in done.text and "(vinculada agora)" in done.text
        assert "conciliados: 1 (faturas baixadas agora: 1; já baixadas: 0)" in done.text
        assert "sem candidato: 1" in done.text
        assert "10/12/2026 a 11/12/2026" in done.text and "50,0%" in done.text and "(1 de 2)" in done.text
        assert done.text.count("data-line=") == 2 and done.text.count("badge-ok\">Conciliado") == 1
        assert status(auto) == "liquidada"
        listing = client.get("/conciliacao/contas")
        assert "50,0%" in listing.text and "banco 341 ag. 1234 c/c 7771" in listing.text
        empty = client.get(f"/conciliacao/contas/{w.bank_id}?de=2027-01-01&ate=2027-01-31")
        assert "data-rc-sem-extrato" in empty.text and "Não há extrato importado para o período de 01/01/2027" in empty.text
        assert client.get(f"/conciliacao/contas/{w.other_bank_id + 1000}").status_code == 404
        same = client.get(f"/conciliacao/contas/{w.bank_id}?de=10/12/2026&ate=10/12/2026")
        assert same.text.count("data-line=") == 1 and "10/12/2026 a 10/12/2026" in same.text
        bad = client.get(f"/conciliacao/contas/{w.bank_id}?de=31/02/2026")
        assert bad.status_code == 400 and "Data inicial: data inválida «31/02/2026» (use dd/mm/aaaa)." in bad.text
        swapped = client.get(f"/conciliacao/contas/{w.bank_id}?de=2026-12-11&ate=2026-12-10")
        assert swapped.status_code == 400 and "a data inicial é posterior à final" in swapped.text


def test_suggestion_accept_unreconcile_and_delete_from_the_pane(rt):
    w = seed()
    first = invoice(w, "80.00", DUE)
    second = invoice(w, "80.00", DUE, party_id=w.other_party_id)
    a, b, c = import_lines(w, ("80,00", "20261210", f"PIX FATURA {number_of(first)}"), ("30,00", "20261210", "PIX"),
                           ("-9,90", "20261211", "TARIFA PACOTE"))
    add_user(rt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        auto = client.post(url + "/automatica", data={"de": "2026-12-01", "ate": "2026-12-31"},
                           headers={**HX, "X-CSRF-Token": token})
        assert auto.status_code == 200 and "com mais de um candidato (ver sugestões): 1" in auto.text
        assert "2 sugestões" in line_row(auto.text, a)
        pane = client.get(url + f"/painel?linhas={a}", headers=HX)
        assert pane.status_code == 200 and pane.text.count("data-sugestao=") == 2
        assert f"número da fatura {number_of(first)} no histórico" in pane.text and "valor igual" in pane.text
        sid = re.search(rf'data-sugestao="(\d+)" data-fatura="{number_of(first)}"', pane.text).group(1)
        assert re.search(r'data-sugestao="\d+" data-fatura="(\d+)"', pane.text).group(1) == str(number_of(first))
        many = client.get(url + f"/painel?linhas={a}&linhas={b}", headers=HX)
        assert "2 lançamentos de 10/12/2026 selecionados" in many.text and "R$ 110,00" in many.text
        other_day = client.get(url + f"/painel?linhas={a}&linhas={c}", headers=HX)
        assert other_day.status_code == 400 and "Selecione apenas lançamentos do mesmo dia" in other_day.text
        debit = client.get(url + f"/painel?linhas={c}", headers=HX)
        assert 'data-rc-pane="debito"' in debit.text
        done = client.post(url + f"/sugestoes/{sid}/conciliar", data={"de": "2026-12-01", "ate": "2026-12-31"},
                           headers={**HX, "X-CSRF-Token": token})
        assert done.status_code == 200 and "Lançamento conciliado com a sugestão." in done.text
        assert "data-rc-conciliados" in done.text and "fatura baixada na conciliação" in done.text
        assert re.search(r"Conciliação \d+ · origem: sugestão · em \d\d/\d\d/\d{4} \d\d:\d\d por Gerente", done.text)
        assert status(first) == "liquidada" and status(second) == "aberta"
        refused = client.post(url + "/excluir", data={"linhas": str(a)}, headers={**HX, "X-CSRF-Token": token})
        assert refused.status_code == 400 and "está conciliado e não pode ser excluído; desconcilie-o antes." in refused.text
        undone = client.post(url + f"/linhas/{a}/desconciliar", data={"sem_automatica": "1", "de": "2026-12-01",
                                                                    "ate": "2026-12-31"},
                             headers={**HX, "X-CSRF-Token": token})
        assert undone.status_code == 200 and f"Faturas em aberto de novo (baixa estornada): {number_of(first)}." in undone.text
        assert "sem automática" in line_row(undone.text, a)
        assert status(first) == "aberta"
        deleted = client.post(url + "/excluir", data={"linhas": [str(b), str(c)]}, headers={**HX, "X-CSRF-Token": token})
        assert deleted.status_code == 200 and "2 lançamento(s) excluído(s)." in deleted.text
        assert f'data-line="{b}"' not in deleted.text and f'data-line="{a}"' in deleted.text
    with unit_of_work(readonly=True) as s:
        line = s.get(StatementLine, a)
        assert (line.reconciliation_id, line.auto_disabled, s.get(StatementLine, b).deleted) == (None, True, True)


def test_search_reconciles_only_at_zero_difference(rt):
    w = seed()
    inv = invoice(w, "100.00", date(2026, 12, 1))
    invoice(w, "250.00", date(2026, 12, 2))
    (lid,) = import_lines(w, ("95,00", "20261225", "DEPOSITO"))
    add_user(rt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        pane = client.get(url + f"/painel?linhas={lid}", headers=HX)
        assert 'data-rc-pane="sem-sugestao"' in pane.text
        found = client.get(url + f"/linhas/{lid}/busca", headers=HX)
        assert found.status_code == 200 and found.text.count("data-gross-cents=") == 2
        narrowed = client.get(url + f"/linhas/{lid}/busca?de=2026-11-01&ate=2026-12-31&valor_min=90&valor_max=110"
                              "&cliente=maria", headers=HX)
        assert narrowed.text.count("data-gross-cents=") == 1 and f'data-fatura="{number_of(inv)}"' in narrowed.text
        bad = client.get(url + f"/linhas/{lid}/busca?de=2026-11-01&ate=2026-12-31&valor_min=abc", headers=HX)
        assert bad.status_code == 400 and "Valor mínimo" in bad.text
        period = {"de": "2026-12-01", "ate": "2026-12-31"}
        off = client.post(url + f"/linhas/{lid}/conciliar", data={"fatura": str(inv), f"desconto_{inv}": "4,00",
                                                                 **period}, headers={**HX, "X-CSRF-Token": token})
        assert off.status_code == 400 and "diferença zero" in off.text
        assert ("Diferença de -R$ 1,00 entre o valor do extrato (R$ 95,00) e o subtotal das faturas (R$ 96,00)"
                in off.text)
        assert status(inv) == "aberta"
        ok = client.post(url + f"/linhas/{lid}/conciliar", data={"fatura": str(inv), f"desconto_{inv}": "5,00",
                                                                f"juros_{inv}": "0,00", **period},
                         headers={**HX, "X-CSRF-Token": token})
        assert ok.status_code == 200 and "Lançamento conciliado com a fatura." in ok.text
        assert status(inv) == "liquidada" and "badge-ok\">Conciliado" in line_row(ok.text, lid)


def test_protection_alert_and_permissions(rt):
    w = seed()
    invoice(w, "99.90", DUE)
    (lid,) = import_lines(w, ("99,90", "20261210", "PIX"))
    protect(w, date(2026, 12, 31))
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "atendente")
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        page = client.get(url)
        assert "data-rc-protecao" in page.text and "dentro do período de proteção contábil" in page.text
        auto = client.post(url + "/automatica", data={"de": "2026-12-01", "ate": "2026-12-31"},
                           headers={**HX, "X-CSRF-Token": token})
        assert "data-rc-alert" in auto.text and "Gere uma nova fatura ou altere a data de proteção." in auto.text
        assert "badge-ok\">Conciliado" not in line_row(auto.text, lid)
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert client.get("/conciliacao/contas").status_code == 403 and client.get(url).status_code == 403
