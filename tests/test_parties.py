"""Party (pessoa): validation with pt-BR messages naming the field, gapless codes, audit."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from core.audit import history
from core.db import unit_of_work
from core.errors import ValidationError
from core.numbering import peek_next
from core.parties.models import Party
from core.parties.rules import fold
from core.parties.services import create_party, email_tests, get_party_by_code, record_email_test, update_party

CPF = "529.982.247-25"
CPF2 = "111.444.777-35"
CNPJ = "11.222.333/0001-81"


def base(**kw):
    data = dict(person_type="PF", name="João da Silva", document=CPF, email="Joao@Exemplo.com.br",
                phone="11 3456-7890", mobile="(11) 98765-4321", street="Rua Sete de Setembro", number="100",
                district="Centro", city="São Paulo", uf="sp", cep="01310-100")
    data.update(kw)
    return data


def test_party_is_a_registered_doctype(runtime):
    assert runtime.registry.doctypes["party"] is Party
    assert Party.meta.list_columns == ("code", "created_at", "name", "document", "email", "phone", "city", "district")


def test_create_normalizes_fills_city_code_and_audits(runtime):
    with unit_of_work(runtime.engine) as s:
        p = create_party(s, **base())
        pid = p.id
    with unit_of_work(runtime.engine) as s:
        p = s.get(Party, pid)
        assert p.code == 1
        assert p.document == "52998224725"
        assert p.email == "joao@exemplo.com.br"
        assert p.phone == "(11) 3456-7890" and p.mobile == "(11) 98765-4321"
        assert p.uf == "SP" and p.cep == "01310100"
        assert p.ibge_code == "3550308"           # found from city + UF
        assert p.classification == "cliente" and p.active is True
        assert p.name_search == "JOAO DA SILVA" and p.city_search == "SAO PAULO"
        assert p.phone_search == "1134567890 11987654321"
        assert p.created_at.tzinfo is not None and p.created_ym >= 202001
        entries = history(s, "party", pid)
        assert [e.action for e in entries] == ["create"]
        assert entries[0].after["document"] == "52998224725"


def test_city_name_and_uf_come_from_the_ibge_code(runtime):
    with unit_of_work(runtime.engine) as s:
        p = create_party(s, **base(city=None, uf=None, ibge_code="4106902"))
        assert (p.city, p.uf) == ("Curitiba", "PR")


def test_codes_come_from_the_gapless_counter(runtime):
    with unit_of_work(runtime.engine) as s:
        a = create_party(s, **base())
        b = create_party(s, **base(document=CPF2, name="Maria"))
        assert (a.code, b.code) == (1, 2)
    with pytest.raises(RuntimeError):
        with unit_of_work(runtime.engine) as s:
            create_party(s, **base(document="935.411.347-80", name="Rolada"))
            raise RuntimeError("desfaz")
    with unit_of_work(runtime.engine) as s:
        assert peek_next(s, kind="party") == 3          # the rolled-back code was not consumed
        c = create_party(s, person_type="PRE", name="Pré")
        assert c.code == 3


@pytest.mark.parametrize("changes, field, message", [
    (dict(document="529.982.247-24"), "document", "CPF inválido"),
    (dict(document=""), "document", "Informe o CPF"),
    (dict(person_type="PJ", document=CPF), "document", "CNPJ inválido"),
    (dict(person_type="XX"), "person_type", "Tipo de pessoa inválido"),
    (dict(classification="socio"), "classification", "Classificação inválida"),
    (dict(name="  "), "name", "Informe o nome"),
    (dict(cep="0131-100"), "cep", "CEP inválido"),
    (dict(uf="XX"), "uf", "UF inválida"),
    (dict(ibge_code="3550308", uf="RJ", city="Rio"), "ibge_code", "é de um município de SP, não de RJ"),
    (dict(ibge_code="3550307"), "ibge_code", "Código IBGE inválido"),
    (dict(email="joao@"), "email", "E-mail inválido"),
    (dict(extra_emails="a@b.com, errado"), "extra_emails", "E-mail inválido em outros e-mails"),
    (dict(phone="1234"), "phone", "Telefone inválido"),
    (dict(mobile="119"), "mobile", "Celular inválido"),
    (dict(name="x" * 151), "name", "no máximo 150"),
    (dict(active="talvez"), "active", "Ativo"),
])
def test_invalid_input_names_the_field(runtime, changes, field, message):
    with unit_of_work(runtime.engine) as s:
        with pytest.raises(ValidationError) as exc:
            create_party(s, **base(**changes))
        assert exc.value.field == field
        assert message in str(exc.value)
        assert s.scalar(select(func.count()).select_from(Party)) == 0


def test_all_errors_are_reported_together(runtime):
    with unit_of_work(runtime.engine) as s:
        with pytest.raises(ValidationError) as exc:
            create_party(s, **base(document="123", cep="1", uf="ZZ", email="x"))
        assert {"document", "cep", "uf", "email"} <= set(exc.value.errors)


def test_unknown_field_and_code_are_refused(runtime):
    with unit_of_work(runtime.engine) as s:
        with pytest.raises(ValidationError) as exc:
            create_party(s, **base(apelido="Jão"))
        assert exc.value.field == "apelido"
        p = create_party(s, **base())
        with pytest.raises(ValidationError) as exc:
            update_party(s, p, code=99)
        assert exc.value.field == "code"


def test_duplicate_document_names_the_existing_code(runtime):
    with unit_of_work(runtime.engine) as s:
        create_party(s, **base())
        with pytest.raises(ValidationError) as exc:
            create_party(s, **base(name="Outro", document="52998224725"))
        assert exc.value.field == "document"
        assert str(exc.value) == "Já existe um cadastro com este documento: código 1"


def test_pre_cadastro_without_document_and_alphanumeric_cnpj(runtime):
    with unit_of_work(runtime.engine) as s:
        a = create_party(s, person_type="PRE", name="Lead 1", phone="(21) 99999-0000")
        b = create_party(s, person_type="PRE", name="Lead 2")
        assert a.document is None and b.document is None and a.classification == "pre_cadastro"
        c = create_party(s, **base(person_type="PJ", name="Empresa Nova", trade_name="Nova",
                                   document="12.abc.345/01de-35"))
        assert c.document == "12ABC34501DE35"
        d = create_party(s, **base(person_type="PJ", name="Outra", document=CNPJ, classification="fornecedor"))
        assert d.classification == "fornecedor"


def test_update_validates_everything_before_changing_anything(runtime):
    with unit_of_work(runtime.engine) as s:
        p = create_party(s, **base())
        with pytest.raises(ValidationError):
            update_party(s, p, name="Novo Nome", cep="123")
        assert p.name == "João da Silva" and p.name_search == "JOAO DA SILVA"
        update_party(s, p, name="José Araújo", active=False, notes_1="Isento de ICMS\nlinha 2")
        assert p.name_search == "JOSE ARAUJO" and p.active is False and p.notes_1 == "Isento de ICMS\nlinha 2"
        entries = history(s, "party", p.id)
        assert entries[0].action == "update"
        assert entries[0].changes["name"] == ["João da Silva", "José Araújo"]
        assert entries[0].changes["active"] == [True, False]
        # The document may be kept on update (no false duplicate with itself).
        update_party(s, p, document=CPF)
        assert get_party_by_code(s, p.code).id == p.id


def test_email_test_history(runtime):
    with unit_of_work(runtime.engine) as s:
        p = create_party(s, **base())
        t1 = datetime(2025, 5, 1, 12, tzinfo=timezone.utc)
        t2 = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
        record_email_test(s, p, ok=True, at=t2)
        record_email_test(s, p, ok=False, at=t1, detail="caixa cheia")
        assert p.email_tested_at == t2
        assert [t.ok for t in email_tests(s, p)] == [True, False]
        q = create_party(s, person_type="PRE", name="Sem e-mail")
        with pytest.raises(ValidationError) as exc:
            record_email_test(s, q, ok=True)
        assert exc.value.field == "email"


def test_fold_removes_accents_and_case():
    assert fold("  Conceição   do  Araguaia ") == "CONCEICAO DO ARAGUAIA"
    assert fold(None) == ""


def test_generic_document_service_applies_party_rules(runtime):
    """The low-code form/REST path (`core.doctype.service`) runs `Party.validate` too."""
    from core.auth import create_user
    from core.doctype.service import create_doc, update_doc

    with unit_of_work(runtime.engine) as s:
        admin = create_user(s, "chefe", "segredo123", is_admin=True)
        p = create_doc(s, Party, base(), user=admin)
        assert p.code == 1 and p.document == "52998224725" and p.name_search == "JOAO DA SILVA"
        with pytest.raises(ValidationError) as exc:
            create_doc(s, Party, base(name="Outro", document="52998224725"), user=admin)
        assert "código 1" in exc.value.errors["document"]
        update_doc(s, p, {"city": "Campinas", "uf": "SP", "ibge_code": ""}, user=admin)
        assert p.ibge_code == "3509502" and p.city_search == "CAMPINAS"
        with pytest.raises(ValidationError) as exc:
            update_doc(s, p, {"cep": "12"}, user=admin)
        assert "cep" in exc.value.errors


def test_find_party_by_key_reads_document_or_code_and_ignores_digits_beyond_a_code(runtime):
    from core.parties.services import find_party_by_key

    with unit_of_work(runtime.engine) as s:
        p = create_party(s, **base())
        pid, code = p.id, p.code
    with unit_of_work(runtime.engine) as s:
        assert find_party_by_key(s, CPF).id == pid                 # punctuated CPF
        assert find_party_by_key(s, "52998224725").id == pid
        assert find_party_by_key(s, f" {code} ").id == pid        # its code
        assert find_party_by_key(s, "") is None and find_party_by_key(s, None) is None
        # 14 digits that are nobody's CNPJ: not a code either (PostgreSQL refused int4 overflow before)
        assert find_party_by_key(s, "11222333000199") is None
        assert find_party_by_key(s, "2147483648") is None
