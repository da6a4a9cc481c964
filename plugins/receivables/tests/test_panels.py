"""Receivables tabs of the customer panel through the real app (TestClient): lists, pt-BR money
and dates, action buttons (enabled / disabled by permission) and invoicing an unbilled charge
through the kernel's bulk-action dialog."""

import re
import types
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.browser.uisupport import add_user, csrf_of, login
from core.db import unit_of_work
from core.web.app import create_app
from plugins.receivables import charge_tools as tools
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Charge, Invoice


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


def _data(runtime, factory) -> types.SimpleNamespace:
    """Ana: a contract billed for December 2026 (invoice 1, R$ 99,90 due 10/01/2027), an unbilled
    avulsa charge, a removed invoice and a settled one."""
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule, party = f.company(), f.plan(), f.due_rule(), f.party("Ana Souza")
        contract = f.contract(party, company, plan, rule, activated_on=date(2026, 11, 1))
        ns = types.SimpleNamespace(party=party.id, company=company.id, contract=contract.id)
    run_billing(runtime, "2026-12")
    with unit_of_work() as s:
        ns.invoice = s.scalars(select(Invoice).where(Invoice.party_id == ns.party)).one().id
        (ns.charge,) = [c.id for c in tools.insert_manual_charges(s, ns.party, tools.InsertParams(
            description="Instalação", amount=Decimal("150.00"), due_date=date(2026, 12, 20)))]
        (ns.other,) = [c.id for c in tools.insert_manual_charges(s, ns.party, tools.InsertParams(
            description="Taxa de religação", amount=Decimal("30.00"), due_date=date(2026, 12, 28)))]
        removed = Invoice(party_id=ns.party, company_id=ns.company, number=900, issue_date=date(2026, 10, 1),
                          due_date=date(2026, 10, 10), total=Decimal("89.90"), status="excluida")
        settled = Invoice(party_id=ns.party, company_id=ns.company, number=901, issue_date=date(2026, 9, 1),
                          due_date=date(2026, 9, 10), total=Decimal("79.90"), status="liquidada")
        s.add_all([removed, settled])
        s.flush()
        ns.removed, ns.settled = removed.id, settled.id
    return ns


def _tab(client, party_id, key) -> str:
    resp = client.get(f"/pessoas/{party_id}/painel/aba/{key}")
    assert resp.status_code == 200, resp.text
    return resp.text


def _cells(html: str, row_id: int) -> list[str]:
    m = re.search(rf'<tr data-id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, f"linha {row_id} ausente"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)]


def test_tabs_list_the_partys_receivables(client, runtime, factory):
    ns = _data(runtime, factory)
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    page = client.get(f"/pessoas/{ns.party}/painel").text
    for label in ("Contratos", "Faturas a Receber", "Contas a Receber não faturadas",
                  "Faturas que foram excluídas", "Contas a Receber Liquidadas"):
        assert label in page

    contracts = _tab(client, ns.party, "contratos")
    assert _cells(contracts, ns.contract)[1:6] == [str(ns.contract), "Ativo", "Fibra 300 Mega", "R$ 99,90",
                                                    "Vencimento dia 10"]
    assert 'data-action="receivables.contract.suspend"' in contracts

    invoices = _tab(client, ns.party, "faturas")
    # December 2026 used in full, post-paid: due 10/01/2027, issued 10 days before.
    assert _cells(invoices, ns.invoice)[1:6] == ["1", "31/12/2026", "10/01/2027", "R$ 99,90", "Aberta"]
    assert f'data-id="{ns.removed}"' not in invoices
    # Settled invoices are listed after the open ones (the manual's reversal and receipt tools
    # live in this panel), greyed, and left out of the open total.
    assert _cells(invoices, ns.settled)[1:6] == ["901", "01/09/2026", "10/09/2026", "R$ 79,90", "Liquidada"]
    assert invoices.index(f'data-id="{ns.invoice}"') < invoices.index(f'data-id="{ns.settled}"')
    assert "1 fatura(s) em aberto · 1 liquidada(s)" in invoices and "R$ 179,80" not in invoices
    for name in ("receivables.invoice.remove", "receivables.invoice.settle"):
        if name in runtime.registry.actions:  # other parts of the plugin; shown when registered
            assert f'data-action="{name}"' in invoices

    unbilled = _tab(client, ns.party, "contas")
    assert _cells(unbilled, ns.charge)[1:5] == [str(ns.charge), "Instalação", "20/12/2026", "R$ 150,00"]
    assert _cells(unbilled, ns.charge)[-1] == "Não"
    assert "R$ 180,00" in unbilled  # footer total
    assert f'data-action="receivables.charge.insert" data-ids="{ns.party}"' in unbilled
    assert 'data-action="receivables.charge.invoice" data-grid="#rcv-contas-grid"' in unbilled
    assert "disabled" not in unbilled

    removed = _tab(client, ns.party, "excluidas")
    assert _cells(removed, ns.removed)[1:5] == ["900", "01/10/2026", "10/10/2026", "R$ 89,90"]
    settled = _tab(client, ns.party, "liquidadas")
    assert _cells(settled, ns.settled)[:5] == ["901", "01/09/2026", "10/09/2026", "R$ 79,90", "Liquidada"]
    assert f'data-id="{ns.invoice}"' not in settled


def test_removed_and_settled_tabs_show_the_logs_of_the_other_tools(client, runtime, factory):
    log = pytest.importorskip("plugins.receivables.invoice_log")
    settlement = pytest.importorskip("plugins.receivables.settlement_models")
    ns = _data(runtime, factory)
    with unit_of_work() as s:
        s.add(log.RemovedInvoice(invoice_id=ns.removed, party_id=ns.party, company_id=ns.company, number=900,
                                 total=Decimal("89.90"), removed_by="gerente", reason_text="DUP — Fatura duplicada",
                                 comments="Cliente ligou"))
        s.add(settlement.Settlement(invoice_id=ns.settled, party_id=ns.party, company_id=ns.company, method="outros",
                                    paid_on=date(2026, 9, 8), amount=Decimal("79.90"),
                                    invoice_amount=Decimal("79.90")))
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    cells = _cells(_tab(client, ns.party, "excluidas"), ns.removed)
    assert cells[6:] == ["gerente", "DUP — Fatura duplicada", "Cliente ligou"]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", cells[5])
    assert _cells(_tab(client, ns.party, "liquidadas"), ns.settled)[5:] == ["08/09/2026", "R$ 79,90",
                                                                            "Imprimir recibo de liquidação"]


def test_buttons_are_disabled_without_permission(client, runtime, factory):
    ns = _data(runtime, factory)
    add_user(runtime.engine, "atendente", roles=["atendimento"])
    login(client, "atendente")
    unbilled = _tab(client, ns.party, "contas")
    assert _cells(unbilled, ns.charge)[2] == "Instalação"
    button = re.search(r'<button[^>]*data-action="receivables.charge.invoice"[^>]*>', unbilled).group(0)
    assert 'disabled="disabled"' in button
    assert "Você não tem permissão para esta ação (Faturar contas manualmente)" in unbilled
    resp = client.post("/acoes/receivables.charge.invoice/executar",
                       data={"ids": str(ns.charge), "confirmed": "true", "csrf_token": csrf_of(client.get("/").text)})
    assert resp.status_code == 403


def test_invoice_an_unbilled_charge_through_the_dialog(client, runtime, factory):
    ns = _data(runtime, factory)
    add_user(runtime.engine, "gerente", admin=True)
    token = login(client, "gerente")
    dialog = client.get("/acoes/receivables.charge.invoice/dialogo", params={"ids": f"{ns.charge},{ns.other}"})
    assert dialog.status_code == 200
    assert "Uma fatura por conta" in dialog.text and "Todas as contas em uma fatura" in dialog.text
    assert f"Conta {ns.charge} — Instalação" in dialog.text
    # Locked fields with one invoice per charge: the refusal is shown in the dialog, nothing written.
    locked = client.post("/acoes/receivables.charge.invoice/executar",
                         data={"ids": f"{ns.charge},{ns.other}", "method": "uma_por_conta", "due_date": "30/12/2026",
                               "confirmed": "true", "csrf_token": token})
    assert "Vencimento e descrição são bloqueados" in locked.text
    done = client.post("/acoes/receivables.charge.invoice/executar",
                       data={"ids": f"{ns.charge},{ns.other}", "method": "todas_em_uma", "due_date": "30/12/2026",
                             "description": "Instalação e religação", "confirmed": "true", "csrf_token": token})
    assert done.status_code == 200 and done.headers.get("HX-Trigger") == "quita:action-done"
    with unit_of_work(readonly=True) as s:
        inv = s.scalars(select(Invoice).where(Invoice.description == "Instalação e religação")).one()
        assert (inv.number, inv.total, inv.due_date) == (2, Decimal("180.00"), date(2026, 12, 30))
        assert s.get(Charge, ns.charge).invoice_id == inv.id
    invoices = _tab(client, ns.party, "faturas")
    assert _cells(invoices, inv.id)[1:5][::2] == ["2", "30/12/2026"] and "R$ 180,00" in _cells(invoices, inv.id)
    assert "Nenhuma conta a receber não faturada." in _tab(client, ns.party, "contas")


def test_insert_avulsa_through_the_dialog_with_brazilian_input(client, runtime, factory):
    ns = _data(runtime, factory)
    add_user(runtime.engine, "gerente", admin=True)
    token = login(client, "gerente")
    dialog = client.get("/acoes/receivables.charge.insert/dialogo", params={"ids": str(ns.party)})
    assert dialog.status_code == 200
    for label in ("Descrição da conta", "Valor", "Vencimento", "Referência inicial", "Parcela",
                  "Referência da unidade de plano de contas", "Número de replicações", "Intervalo (dias)"):
        assert label in dialog.text
    assert "Ana Souza" in dialog.text
    form = {"ids": str(ns.party), "description": "Mudança de endereço", "amount": "1.234,56",
            "due_date": "05/01/2027", "replications": "2", "interval_days": "30", "confirmed": "true",
            "csrf_token": token}
    bad = client.post("/acoes/receivables.charge.insert/executar", data={**form, "amount": "0,00"})
    assert "O valor da conta deve ser maior que zero." in bad.text
    done = client.post("/acoes/receivables.charge.insert/executar", data=form)
    assert done.status_code == 200 and f'li class="done" data-record="{ns.party}"' in done.text
    unbilled = _tab(client, ns.party, "contas")
    rows = re.findall(r"<td>Mudança de endereço</td>\s*<td[^>]*>([^<]+)</td>\s*<td[^>]*>([^<]+)</td>", unbilled)
    assert rows == [("05/01/2027", "R$ 1.234,56"), ("04/02/2027", "R$ 1.234,56"), ("06/03/2027", "R$ 1.234,56")]
    assert "1/3" in unbilled and "3/3" in unbilled
