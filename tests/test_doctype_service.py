"""The document engine's services: validation, docstatus rules, naming, amend lineage,
permissions, audit and the after-commit event — on the kernel's Company and on test doctypes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.audit import history
from core.db import unit_of_work
from core.doctype import service
from core.doctype.meta import DocStatus
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models.company import Company
from core.models.numbering import NumberCounter
from test_doctype_support import (EVENTS, FAIL_FOR, PLUGIN_NAME, Tag, Voucher, company_data, doctype_tables,  # noqa: F401
                                  dt_runtime, people, voucher_data)


def _errors(exc_info) -> dict[str, str]:
    return exc_info.value.errors


# ---------------------------------------------------------------- validation

def test_required_fields_are_all_reported_in_ptbr(dt_runtime):
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Company, {"code": "  ", "trade_name": "Alfa"})
    errors = _errors(exc)
    assert errors["code"] == "O campo «Código» é obrigatório."
    assert errors["name"] == "O campo «Razão social» é obrigatório."
    assert errors["cnpj"] == "O campo «CNPJ» é obrigatório."
    with unit_of_work(dt_runtime.engine) as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 0


def test_unique_is_checked_before_insert_naming_field_and_value(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Company, company_data())
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Company, company_data(name="Outra", cnpj="11444777000161"))
    assert _errors(exc) == {"code": "Já existe empresa com Código «1»."}
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Company, company_data(code="2"))
    assert "CNPJ «11222333000181»" in _errors(exc)["cnpj"]
    # Updating a record to its own value is not a clash.
    with unit_of_work(dt_runtime.engine) as s:
        doc = s.scalar(select(Company))
        service.update_doc(s, doc, {"code": "1", "name": "Alfa Telecom"})
        assert doc.name == "Alfa Telecom"


def test_unknown_and_system_fields_are_refused(dt_runtime):
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Company, company_data(cor="azul", docstatus=1))
    assert _errors(exc) == {"cor": "Campo desconhecido: cor",
                            "docstatus": "O campo «docstatus» é preenchido pelo sistema."}


def test_form_strings_are_coerced(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        company = service.create_doc(s, Company, company_data(protect_before="31/01/2026"))
        v = service.create_doc(s, Voucher, voucher_data(quantity="3", company_id=str(company.id), paid="on",
                                                        issue_date="2026-03-05"))
        v2 = service.create_doc(s, Voucher, voucher_data(amount="R$ 10", paid="não", issue_date="05/03/2026"))
        vid, v2id = v.id, v2.id
    with unit_of_work(dt_runtime.engine) as s:
        v, v2 = s.get(Voucher, vid), s.get(Voucher, v2id)
        assert v.amount == Decimal("1234.56") and v.quantity == 3 and v.paid is True
        assert v.issue_date == date(2026, 3, 5) and v.company_id == company.id
        assert v2.amount == Decimal("10.00") and v2.paid is False and v2.issue_date == date(2026, 3, 5)
        assert s.get(Company, company.id).protect_before == date(2026, 1, 31)


def test_bad_values_name_each_field(dt_runtime):
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Voucher, voucher_data(amount="12,345", quantity="três", issue_date="31/02/2026",
                                                    paid="talvez", title="x" * 41))
    errors = _errors(exc)
    assert errors["amount"].startswith("O campo «Valor» deve ser um valor em reais")
    assert errors["quantity"] == "O campo «Quantidade» deve ser um número inteiro."
    assert errors["issue_date"] == "O campo «Data de emissão» deve ser uma data válida no formato dd/mm/aaaa."
    assert errors["paid"] == "O campo «Pago» deve ser sim ou não."
    assert errors["title"] == "O campo «Descrição» aceita no máximo 40 caracteres."


def test_float_money_is_refused(dt_runtime):
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Voucher, voucher_data(amount=12.5))
    assert "ponto flutuante" in _errors(exc)["amount"]


def test_choices_links_and_class_rules(dt_runtime):
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Voucher, voucher_data(kind="troca", company_id="999"))
    errors = _errors(exc)
    assert errors["kind"] == "O valor «troca» não é uma opção válida para «Tipo»."
    assert errors["company_id"] == "Empresa 999 não existe (campo «Empresa»)."
    # The class's own validate() runs once the fields are valid.
    with pytest.raises(ValidationError) as exc, unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Voucher, voucher_data(kind="saida", amount="10.000,01"))
    assert _errors(exc) == {"amount": "Saídas acima de R$ 10.000,00 exigem aprovação."}


def test_defaults_apply_and_failed_update_leaves_the_object_unchanged(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        v = service.create_doc(s, Voucher, voucher_data())
        assert v.quantity == 1 and v.paid is False and v.docstatus == 0
        with pytest.raises(ValidationError):
            service.update_doc(s, v, {"title": "", "quantity": "7"})
        assert v.title == "Mensalidade" and v.quantity == 1


def test_failed_save_writes_nothing(dt_runtime):
    """A bad record among good work: the unit of work rolls back everything, audit included."""
    with pytest.raises(ValidationError), unit_of_work(dt_runtime.engine) as s:
        service.create_doc(s, Company, company_data())
        service.create_doc(s, Company, company_data(code="2"))  # same CNPJ
    with unit_of_work(dt_runtime.engine) as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 0
        assert history(s, "company", 1) == []


# ---------------------------------------------------------------- docstatus

def test_submit_cancel_amend_cycle_with_lineage(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        v = service.create_doc(s, Voucher, voucher_data())
        assert v.docname is None  # drafts get no number
        service.update_doc(s, v, {"title": "Mensalidade março"})  # 0 → 0
        service.submit_doc(s, v)  # 0 → 1
        year = date.today().year
        assert v.status == DocStatus.SUBMITTED and v.docname == f"CPV-{year}-0001"
        service.update_doc(s, v, {"paid": True, "notes": "pago no caixa"})  # allow_on_submit
        with pytest.raises(ValidationError) as exc:
            service.update_doc(s, v, {"amount": "1,00"})
        assert _errors(exc) == {"amount": "O campo «Valor» não pode ser alterado em um documento confirmado."}
        with pytest.raises(ValidationError, match="cancele-o"):
            service.delete_doc(s, v)
        with pytest.raises(ValidationError, match="Somente rascunhos"):
            service.submit_doc(s, v)
        with pytest.raises(ValidationError, match="Somente documentos cancelados"):
            service.amend_doc(s, v)
        service.cancel_doc(s, v)  # 1 → 2
        assert v.status == DocStatus.CANCELLED
        with pytest.raises(ValidationError, match="cancelado"):
            service.update_doc(s, v, {"notes": "x"})
        with pytest.raises(ValidationError, match="Somente documentos confirmados"):
            service.cancel_doc(s, v)

        a1 = service.amend_doc(s, v)
        assert a1.id != v.id and a1.amended_from == v.id and a1.status == DocStatus.DRAFT
        assert a1.docname == f"CPV-{year}-0001-1"
        assert (a1.title, a1.amount, a1.paid, a1.notes) == ("Mensalidade março", Decimal("1234.56"), True,
                                                             "pago no caixa")
        with pytest.raises(ValidationError, match="já foi retificado"):
            service.amend_doc(s, v)
        service.submit_doc(s, a1)
        assert a1.docname == f"CPV-{year}-0001-1"  # an amendment keeps its name: no new number
        service.cancel_doc(s, a1)
        a2 = service.amend_doc(s, a1)
        assert a2.docname == f"CPV-{year}-0001-2"
        assert [d.id for d in service.lineage(s, a2)] == [v.id, a1.id, a2.id]
        with pytest.raises(ValidationError, match="preservar a numeração"):
            service.delete_doc(s, a1)  # cancelled documents stay
        service.delete_doc(s, a2)  # a draft can be deleted
        counter = s.scalar(select(NumberCounter.last_value).where(NumberCounter.kind == "doc:test_doctype_voucher"))
        assert counter == 1


def test_naming_series_draws_no_number_for_drafts(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        drafts = [service.create_doc(s, Voucher, voucher_data(title=f"R{i}")) for i in range(3)]
        assert s.scalar(select(func.count()).select_from(NumberCounter)) == 0
        service.submit_doc(s, drafts[2])
        service.submit_doc(s, drafts[0])
        year = date.today().year
        assert (drafts[2].docname, drafts[0].docname, drafts[1].docname) == (
            f"CPV-{year}-0001", f"CPV-{year}-0002", None)


def test_rolled_back_submit_consumes_no_number(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        vid = service.create_doc(s, Voucher, voucher_data()).id
    with pytest.raises(RuntimeError), unit_of_work(dt_runtime.engine) as s:
        service.submit_doc(s, s.get(Voucher, vid))
        raise RuntimeError("falha depois de confirmar")
    with unit_of_work(dt_runtime.engine) as s:
        v = service.submit_doc(s, s.get(Voucher, vid))
        assert v.docname.endswith("-0001")


def test_non_submittable_types_are_named_at_creation_and_refuse_transitions(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        t1 = service.create_doc(s, Tag, {"code": "A", "label": "Atacado"})
        t2 = service.create_doc(s, Tag, {"code": "B", "label": "Varejo"})
        assert (t1.docname, t2.docname) == ("TAG-001", "TAG-002")
        with pytest.raises(ValidationError, match="não tem confirmação"):
            service.submit_doc(s, t1)
        company = service.create_doc(s, Company, company_data())
        assert company.docname is None and company.title == "Provedor Alfa Ltda"


# ---------------------------------------------------------------- listing

def test_list_filters_per_column_and_newest_first(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        alfa = service.create_doc(s, Company, company_data())
        for i in range(5):
            service.create_doc(s, Voucher, voucher_data(title=f"Mensalidade {i}", amount=f"{i + 1}0,00",
                                                        kind="saida" if i % 2 else "entrada",
                                                        company_id=alfa.id if i < 2 else None,
                                                        issue_date=f"0{i + 1}/03/2026", paid=i == 4))
        service.create_doc(s, Voucher, voucher_data(title="Taxa 100%_x"))
    with unit_of_work(dt_runtime.engine, readonly=True) as s:
        rows, total = service.list_docs(s, Voucher, limit=3)
        assert total == 6 and [r.title for r in rows] == ["Taxa 100%_x", "Mensalidade 4", "Mensalidade 3"]
        rows, total = service.list_docs(s, Voucher, filters={"title": "MENSAL", "kind": "saida"})
        assert total == 2 and {r.title for r in rows} == {"Mensalidade 1", "Mensalidade 3"}
        # ordered by meta.order_by (-issue_date) when filtering
        rows, _ = service.list_docs(s, Voucher, filters={"title": "mensal"})
        assert [r.title for r in rows] == [f"Mensalidade {i}" for i in (4, 3, 2, 1, 0)]
        assert service.list_docs(s, Voucher, filters={"amount": "30,00"})[1] == 1
        assert service.list_docs(s, Voucher, filters={"issue_date": "02/03/2026"})[0][0].title == "Mensalidade 1"
        assert service.list_docs(s, Voucher, filters={"paid": "sim"})[0][0].title == "Mensalidade 4"
        assert service.list_docs(s, Voucher, filters={"company_id": str(alfa.id)})[1] == 2
        assert service.list_docs(s, Voucher, filters={"title": "100%_"})[1] == 1  # wildcards are literal
        assert service.list_docs(s, Voucher, filters={"title": "%"})[1] == 1
        assert service.list_docs(s, Voucher, filters={"docstatus": "Rascunho"})[1] == 6
        assert service.list_docs(s, Voucher, search="taxa")[1] == 1
        page2, total = service.list_docs(s, Voucher, list_all=True, limit=4, offset=4, order_by="title")
        assert total == 6 and [r.title for r in page2] == ["Mensalidade 4", "Taxa 100%_x"]
        with pytest.raises(ValidationError) as exc:
            service.list_docs(s, Voucher, filters={"issue_date": "ontem", "cor": "azul"})
        assert set(_errors(exc)) == {"issue_date", "cor"}


# ---------------------------------------------------------------- permissions

def test_permissions_per_role(dt_runtime, people):
    caixa, sup, auditor, nobody = people["caixa"], people["supervisor"], people["auditor"], people["ninguem"]
    with unit_of_work(dt_runtime.engine) as s:
        v = service.create_doc(s, Voucher, voucher_data(), user=caixa)
        assert v.created_by == caixa.id
        service.submit_doc(s, v, user=caixa)
        with pytest.raises(PermissionDenied, match="Você não tem permissão para cancelar comprovantes."):
            service.cancel_doc(s, v, user=caixa)
        service.cancel_doc(s, v, user=sup)
        service.amend_doc(s, v, user=sup)
        assert service.list_docs(s, Voucher, user=auditor)[1] == 2
        with pytest.raises(PermissionDenied, match="incluir comprovantes"):
            service.create_doc(s, Voucher, voucher_data(), user=auditor)
        with pytest.raises(PermissionDenied, match="consultar comprovantes"):
            service.list_docs(s, Voucher, user=nobody)
        with pytest.raises(PermissionDenied):
            service.get_doc(s, Voucher, v.id, user=nobody)
        # Company declares only "financeiro: read": a cashier cannot create one; an admin can.
        with pytest.raises(PermissionDenied):
            service.create_doc(s, Company, company_data(), user=caixa)
        service.create_doc(s, Company, company_data(), user=people["admin"])


def test_get_unknown_id_is_not_found(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s, pytest.raises(NotFound, match="Comprovante 42 não encontrado"):
        service.get_doc(s, Voucher, 42)


# ---------------------------------------------------------------- audit and events

def test_every_change_is_audited_with_before_and_after(dt_runtime, people):
    sup = people["supervisor"]
    with unit_of_work(dt_runtime.engine) as s:
        v = service.create_doc(s, Voucher, voucher_data(), user=sup)
        service.update_doc(s, v, {"amount": "99,90", "title": "Mensalidade"}, user=sup)
        service.submit_doc(s, v, user=sup)
        service.cancel_doc(s, v, user=sup)
        a = service.amend_doc(s, v, user=sup)
        service.delete_doc(s, a, user=sup)
        vid, aid = v.id, a.id
    with unit_of_work(dt_runtime.engine, readonly=True) as s:
        entries = list(reversed(history(s, "test_doctype_voucher", vid)))
        assert [e.action for e in entries] == ["create", "update", "submit", "cancel"]
        assert entries[0].username == "supervisor" and entries[0].after["amount"] == "1234.56"
        assert entries[1].changes == {"amount": ["1234.56", "99.90"]}
        assert entries[2].changes["docstatus"] == [0, 1] and entries[2].changes["docname"][0] is None
        assert entries[3].changes["docstatus"] == [1, 2]
        amended = list(reversed(history(s, "test_doctype_voucher", aid)))
        assert [e.action for e in amended] == ["amend", "delete"]
        assert amended[0].after["amended_from"] == vid and amended[1].after is None


def test_update_without_change_writes_no_audit(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        c = service.create_doc(s, Company, company_data())
        service.update_doc(s, c, {"name": "Provedor Alfa Ltda", "code": "1"})
        assert [e.action for e in history(s, "company", c.id)] == ["create"]


def test_hook_after_document_saved(dt_runtime, people):
    """The hook runs after commit, once per saved document, with plain data; never on rollback."""
    sup = people["supervisor"]
    with unit_of_work(dt_runtime.engine) as s:
        v = service.create_doc(s, Voucher, voucher_data(), user=sup)
        assert EVENTS == []  # not before the commit
    vid = v.id
    assert EVENTS == [("test_doctype_voucher", vid, "created", sup.id)]
    with pytest.raises(ValidationError), unit_of_work(dt_runtime.engine) as s:
        service.update_doc(s, s.get(Voucher, vid), {"title": "Outro"}, user=sup)
        service.create_doc(s, Voucher, voucher_data(kind="nenhum"))
    assert len(EVENTS) == 1  # the rolled-back update told nobody
    with unit_of_work(dt_runtime.engine) as s:
        doc = s.get(Voucher, vid)
        service.submit_doc(s, doc, user=sup)
        service.cancel_doc(s, doc, user=sup)
        amended = service.amend_doc(s, doc, user=sup)
        service.update_doc(s, amended, {"title": "Corrigido"}, user=sup)
        service.delete_doc(s, amended, user=sup)
    assert [e[2] for e in EVENTS] == ["created", "submitted", "cancelled", "amended", "updated", "deleted"]
    assert EVENTS[3][1] == amended.id


def test_a_failing_event_listener_does_not_undo_the_change(dt_runtime, caplog):
    FAIL_FOR.add("test_doctype_tag")
    with unit_of_work(dt_runtime.engine) as s:
        tag_id = service.create_doc(s, Tag, {"code": "Z", "label": "Zeta"}).id
    assert EVENTS[-1][:3] == ("test_doctype_tag", tag_id, "created")
    assert "o hook after_document_saved do plugin doctype_test falhou" in caplog.text and "test_doctype_tag" in caplog.text
    with unit_of_work(dt_runtime.engine) as s:
        assert s.get(Tag, tag_id).label == "Zeta"


def test_hook_register_doctypes(dt_runtime):
    """The plugin's document types are registered by name; a disabled plugin registers none."""
    from conftest import make_config
    from core.plugins import load_plugins
    import test_doctype_support as plugin

    assert dt_runtime.registry.doctypes["test_doctype_voucher"] is Voucher
    assert dt_runtime.registry.doctypes["test_doctype_tag"] is Tag
    assert dt_runtime.registry.doctypes["company"] is Company  # the kernel registers through the same hook
    assert service.doctype_class("test_doctype_voucher", dt_runtime) is Voucher
    off = load_plugins(make_config("sqlite://", enabled=[]), extra={PLUGIN_NAME: plugin})
    assert "test_doctype_voucher" not in off.registry.doctypes and "company" in off.registry.doctypes


def test_delete_of_a_referenced_record_is_refused_and_the_transaction_goes_on(dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        alfa = service.create_doc(s, Company, company_data())
        service.create_doc(s, Voucher, voucher_data(company_id=alfa.id))
    with unit_of_work(dt_runtime.engine) as s:
        alfa = s.scalar(select(Company))
        with pytest.raises(ValidationError, match="há outros registros que dependem"):
            service.delete_doc(s, alfa)
        # The savepoint took the failed DELETE back: the same unit of work keeps working.
        service.create_doc(s, Company, company_data(code="2", cnpj="11444777000161"))
    with unit_of_work(dt_runtime.engine) as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 2
        assert [e.action for e in history(s, "company", alfa.id)] == ["create"]
