"""The ledger inside the kernel: low-code documents, the bulk reversal action, registrations,
company CNPJ validation and concurrent writers (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.actions import preview_action, run_action
from core.audit import history
from core.auth import create_user
from core.db import unit_of_work
from core.doctype.service import create_doc, delete_doc, update_doc
from core.errors import PermissionDenied, ValidationError
from core.ledger.hooks import REVERSAL_REASON_KIND, REVERSE_ACTION
from core.ledger.models import Account, AccountingTemplate, CostCentre, JournalEntry
from core.ledger.services import LineSpec, account_balance, post_entry, reverse_entry
from core.models.company import Company
from core.models.reasons import Reason

D = Decimal


@pytest.fixture
def chart(runtime):
    """One company, a synthetic group and three analytic accounts, created through the doctype engine."""
    with unit_of_work(runtime.engine) as s:
        company = create_doc(s, Company, {"code": "01", "name": "Fibra Sul Ltda", "cnpj": "11222333000181"})
        cid = company.id
        group = create_doc(s, Account, {"company_id": cid, "code": "1.1", "name": "Disponível", "kind": "asset",
                                        "is_synthetic": True})
        bank = create_doc(s, Account, {"company_id": cid, "code": "1.1.01", "name": "Banco Itaú", "kind": "bank",
                                       "parent_id": group.id, "bank_code": "341", "branch": "0001",
                                       "account_number": "12345", "account_digit": "6"})
        clients = create_doc(s, Account, {"company_id": cid, "code": "1.2.01", "name": "Clientes",
                                          "kind": "receivable"})
        revenue = create_doc(s, Account, {"company_id": cid, "code": "3.1", "name": "Receita de serviços",
                                          "kind": "revenue"})
        return {"company": cid, "group": group.id, "bank": bank.id, "clients": clients.id, "revenue": revenue.id}


def test_ledger_doctypes_menu_permissions_and_reason_kind_are_registered(runtime):
    reg = runtime.registry
    assert reg.doctypes["ledger_account"] is Account
    assert reg.doctypes["ledger_cost_centre"] is CostCentre
    assert reg.doctypes["ledger_template"] is AccountingTemplate
    ledger_menu = [m for m in reg.menu_items if m.group == "Contabilidade"]
    assert [m.url for m in ledger_menu] == ["/doc/ledger_account", "/doc/ledger_cost_centre", "/doc/ledger_template",
                                         "/contabilidade/lancamentos", "/contabilidade/balancete"]
    assert {"ledger.entry.read", "ledger.entry.post", "ledger.entry.reverse"} <= set(reg.permissions)
    assert reg.reason_kinds[REVERSAL_REASON_KIND] == "Estorno de lançamento contábil"
    assert reg.actions[REVERSE_ACTION].target is JournalEntry


def test_doctype_engine_runs_the_ledger_rules(runtime, chart):
    with unit_of_work(runtime.engine, readonly=True) as s:
        company = s.get(Company, chart["company"])
        assert company.cnpj == "11222333000181"
    cases = [
        ({"code": "1.1.01.1", "name": "Sub do banco", "kind": "bank", "parent_id": chart["bank"]}, "parent_id"),
        ({"code": "1.1.02", "name": "Caixa Econômica", "kind": "bank", "parent_id": chart["group"]}, "bank_code"),
        ({"code": "1.1.01", "name": "Repetida", "kind": "cash"}, "code"),
        ({"code": "9", "name": "Tipo inválido", "kind": "imaginario"}, "kind"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as exc:
            with unit_of_work(runtime.engine) as s:
                create_doc(s, Account, {"company_id": chart["company"], **data})
        assert field in exc.value.errors, (data, exc.value.errors)
    with unit_of_work(runtime.engine) as s:
        tpl = create_doc(s, AccountingTemplate, {"company_id": chart["company"], "code": "10",
                                                 "description": "Recebimento", "debit_account_id": chart["bank"],
                                                 "credit_account_id": chart["clients"]})
        assert tpl.id is not None
        with pytest.raises(ValidationError) as exc:
            update_doc(s, tpl, {"debit_account_id": chart["group"]})
        assert "debit_account_id" in exc.value.errors
        assert tpl.debit_account_id == chart["bank"]


def test_company_cnpj_is_validated(runtime):
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            create_doc(s, Company, {"code": "09", "name": "Inválida", "cnpj": "11222333000182"})
    assert exc.value.errors.get("cnpj") == "CNPJ inválido: 11222333000182"
    with unit_of_work(runtime.engine) as s:
        # the alphanumeric CNPJ (from July 2026) is accepted and normalized
        company = create_doc(s, Company, {"code": "10", "name": "Alfanumérica", "cnpj": "12abc34501de35"})
        assert company.cnpj == "12ABC34501DE35"


def test_used_account_cannot_be_deleted_through_the_doctype_engine(runtime, chart):
    with unit_of_work(runtime.engine) as s:
        post_entry(s, company_id=chart["company"], date=date(2026, 11, 3), description="Venda",
                   lines=[LineSpec.dr(chart["clients"], "10.00"), LineSpec.cr(chart["revenue"], "10.00")])
    with pytest.raises(ValidationError, match="possui lançamentos"):
        with unit_of_work(runtime.engine) as s:
            delete_doc(s, s.get(Account, chart["revenue"]))
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.get(Account, chart["revenue"]) is not None


def _entries(runtime, chart, n):
    ids = []
    with unit_of_work(runtime.engine) as s:
        for i in range(n):
            ids.append(post_entry(s, company_id=chart["company"], date=date(2026, 11, 2 + i),
                                  description=f"Mensalidade {i + 1}",
                                  lines=[LineSpec.dr(chart["clients"], "79.90"),
                                         LineSpec.cr(chart["revenue"], "79.90")]).id)
        s.add(Reason(kind=REVERSAL_REASON_KIND, code="DUP", description="Lançamento em duplicidade"))
    return ids


def test_bulk_reversal_action_reports_refused_entries_with_reasons(runtime, chart):
    ids = _entries(runtime, chart, 3)
    with unit_of_work(runtime.engine) as s:
        admin = create_user(s, "contador", "senha-muito-boa", is_admin=True)
        clerk = create_user(s, "atendente", "senha-muito-boa")
        already = reverse_entry(s, ids[0], on=date(2026, 11, 10)).id
        s.get(Company, chart["company"]).protect_before = date(2026, 11, 3)

    with pytest.raises(PermissionDenied):
        run_action(runtime, REVERSE_ACTION, ids, {"on": "2026-11-20", "reason": "DUP", "confirmed": True}, clerk)
    with pytest.raises(ValidationError) as exc:
        run_action(runtime, REVERSE_ACTION, ids, {"reason": "DUP", "confirmed": True}, admin)
    assert exc.value.field == "on"

    preview = preview_action(runtime, REVERSE_ACTION, ids + [already], {"on": "2026-11-03"}, admin)
    assert preview.done == []
    codes = {rid: sorted(b.code for b in blockers) for rid, blockers in preview.refused.items()}
    assert codes == {ids[0]: ["already_reversed", "protected"], ids[1]: ["protected"],
                     ids[2]: ["before_entry_date", "protected"], already: ["before_entry_date", "is_reversal", "protected"]}

    result = run_action(runtime, REVERSE_ACTION, ids + [already],
                        {"on": "2026-11-20", "reason": "DUP", "justification": "Faturado duas vezes",
                         "confirmed": True}, admin)
    assert result.done == [ids[1], ids[2]]
    assert [b.message for b in result.refused[ids[0]]] == ["O lançamento 1 já foi estornado pelo lançamento 4."]
    assert [b.code for b in result.refused[already]] == ["is_reversal"]
    with unit_of_work(runtime.engine, readonly=True) as s:
        reversals = s.scalars(select(JournalEntry).where(JournalEntry.reversal_of_id.in_(ids[1:]))
                              .order_by(JournalEntry.number)).all()
        assert [(r.number, r.date, r.reversal_of_id) for r in reversals] == [
            (5, date(2026, 11, 20), ids[1]), (6, date(2026, 11, 20), ids[2])]
        assert reversals[0].reversal_reason == "DUP — Lançamento em duplicidade; Faturado duas vezes"
        assert account_balance(s, chart["clients"]) == D("0.00")
        audit = history(s, "ledger_entry", ids[1])
        assert [h.action for h in audit] == [REVERSE_ACTION, "create"]
        assert audit[0].justification == "Faturado duas vezes" and audit[0].username == "contador"


def test_concurrent_reversals_of_one_entry_make_exactly_one(runtime, chart):
    entry_id = _entries(runtime, chart, 1)[0]
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker():
        barrier.wait()
        try:
            with unit_of_work(runtime.engine) as s:
                reverse_entry(s, entry_id, on=date(2026, 11, 25))
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(str(exc))
        except Exception as exc:  # an integrity error would also be a refusal, but reported as a bug
            outcomes.append(f"erro: {exc!r}")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["O lançamento 1 já foi estornado pelo lançamento 2."] * 3 + ["ok"]
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.execute(select(func.count()).select_from(JournalEntry)).scalar_one() == 2
        assert account_balance(s, chart["revenue"]) == D("0.00")


def test_concurrent_postings_get_gapless_numbers(runtime, chart):
    writers, per_writer = 4, 15
    barrier = threading.Barrier(writers)
    errors: list[str] = []

    def worker(w):
        barrier.wait()
        try:
            for i in range(per_writer):
                with unit_of_work(runtime.engine) as s:
                    post_entry(s, company_id=chart["company"], date=date(2026, 11, 5),
                               description=f"Escritor {w} lançamento {i}",
                               lines=[LineSpec.dr(chart["bank"], "1.01"), LineSpec.cr(chart["revenue"], "1.01")])
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with unit_of_work(runtime.engine, readonly=True) as s:
        numbers = s.scalars(select(JournalEntry.number).order_by(JournalEntry.number)).all()
        assert numbers == list(range(1, writers * per_writer + 1))
        assert account_balance(s, chart["bank"]) == D("1.01") * writers * per_writer
