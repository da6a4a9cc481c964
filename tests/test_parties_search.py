"""Customer-panel searches: latest registrations, search mode with column filters, synthetic
counts and every filter of the advanced search."""

from datetime import date, datetime, timezone

import pytest

from core.db import unit_of_work
from core.errors import ValidationError
from core.parties.rules import created_ym
from core.parties.search import (
    AdvancedCriteria, advanced_search, grid_row, latest_active, pivot_counts, search_parties,
)
from core.parties.services import create_party, record_email_test

UTC = timezone.utc

# code: (created_at UTC, values)
PEOPLE = [
    (datetime(2024, 1, 15, 13, tzinfo=UTC), dict(
        person_type="PF", name="João Gonçalves", document="529.982.247-25", email="joao@gmail.com",
        mobile="(11) 98765-4321", street="Rua Sete de Setembro", district="Centro", city="São Paulo", uf="SP",
        cep="01310-100")),
    (datetime(2024, 3, 10, 1, tzinfo=UTC), dict(  # 09/03/2024 22:00 in São Paulo
        person_type="PF", name="Maria Souza", document="111.444.777-35", email="maria@uol.com.br",
        extra_emails="maria.trabalho@empresa.com.br", phone="(41) 3222-1111", street="Avenida Brasil",
        district="Jardim América", city="Curitiba", uf="PR", cep="80010-000")),
    (datetime(2024, 3, 20, 15, tzinfo=UTC), dict(
        person_type="PJ", name="Farmácia Central Ltda", trade_name="Drogaria Saúde", document="11.222.333/0001-81",
        email="contato@drogaria.com.br", phone="(41) 3333-4444", street="Rua XV de Novembro", district="Centro",
        city="Curitiba", uf="PR", cep="80020-310", classification="cliente_fornecedor")),
    (datetime(2025, 2, 1, 12, tzinfo=UTC), dict(
        person_type="PJ", name="Transportes Rápidos SA", trade_name="Rápido 100%", document="12.ABC.345/01DE-35",
        email="fretes@rapidos.com", mobile="(31) 99888-7777", street="Avenida Amazonas", district="Barro Preto",
        city="Belo Horizonte", uf="MG", cep="30180-001", classification="transportadora")),
    (datetime(2025, 6, 5, 12, tzinfo=UTC), dict(
        person_type="PRE", name="Lead Sem Documento", email=None, mobile="(85) 98888-0000",
        street="Rua Sete de Setembro", district="Aldeota", city="Fortaleza", uf="CE", cep="60150-160")),
    (datetime(2025, 7, 7, 12, tzinfo=UTC), dict(
        person_type="PF", name="José Inativo", document="935.411.347-80", email="jose@exemplo.com",
        phone="(11) 3456-0000", street="Rua Augusta", district="Consolação", city="São Paulo", uf="SP",
        cep="01305-000", active=False)),
    (datetime(2025, 8, 1, 12, tzinfo=UTC), dict(
        person_type="PF", name="Ana Fornecedora", document="123.456.789-09", email="ana@fornece.com",
        street="Travessa 50_50", district="Centro", city="Campinas", uf="SP", cep="13010-000",
        classification="fornecedor")),
]


@pytest.fixture
def data(runtime):
    with unit_of_work(runtime.engine) as s:
        parties = []
        for created, values in PEOPLE:
            p = create_party(s, **values)
            p.created_at = created
            p.created_ym = created_ym(created)
            parties.append(p)
        s.flush()
        record_email_test(s, parties[1], ok=True, at=datetime(2025, 4, 10, 15, tzinfo=UTC))
        record_email_test(s, parties[3], ok=False, at=datetime(2025, 4, 20, 15, tzinfo=UTC))
        record_email_test(s, parties[0], ok=True, at=datetime(2025, 9, 1, 15, tzinfo=UTC))
    return runtime


def codes(rows):
    return [p.code for p in rows]


def test_latest_active_newest_first_limited_and_filtered(data):
    with unit_of_work(data.engine, readonly=True) as s:
        assert codes(latest_active(s)) == [7, 5, 4, 3, 2, 1]  # 6 is inactive
        assert codes(latest_active(s, limit=2)) == [7, 5]
        assert codes(latest_active(s, filters={"city": "curitiba"})) == [3, 2]
        # Filters apply within the newest registrations only.
        assert codes(latest_active(s, limit=2, filters={"city": "curitiba"})) == []


def test_search_mode_lists_nothing_until_asked(data):
    with unit_of_work(data.engine, readonly=True) as s:
        assert search_parties(s, active=True, filters={}) == ([], 0)
        assert search_parties(s, active=True, filters={"name": "  "}) == ([], 0)
        rows, total = search_parties(s, active=True, filters={}, list_all=True)
        assert (codes(rows), total) == ([1, 2, 3, 4, 5, 7], 6)
        rows, total = search_parties(s, active=False, filters={}, list_all=True)
        assert (codes(rows), total) == ([6], 1)
        rows, total = search_parties(s, active=True, filters={}, list_all=True, limit=2, offset=2)
        assert (codes(rows), total) == ([3, 4], 6)


@pytest.mark.parametrize("filters, active, expected", [
    ({"code": "3"}, True, [3]),
    ({"code": "6"}, True, []),
    ({"code": "6"}, False, [6]),
    ({"created_at": "09/03/2024"}, True, [2]),       # business-day date, not the UTC one
    ({"created_at": "2024-03-10"}, True, []),
    ({"name": "joao goncalves"}, True, [1]),        # accents and case ignored
    ({"name": "SOUZA"}, True, [2]),
    ({"name": "josé"}, False, [6]),
    ({"document": "529.982"}, True, [1]),           # prefix, punctuation ignored
    ({"document": "12abc"}, True, [4]),
    ({"email": "UOL.com"}, True, [2]),
    ({"email": "trabalho@empresa"}, True, [2]),     # other e-mails too
    ({"phone": "3333-44"}, True, [3]),
    ({"phone": "9888"}, True, [4, 5]),
    ({"city": "sao paulo"}, True, [1]),
    ({"city": "curitiba", "district": "centro"}, True, [3]),
    ({"district": "Jardim"}, True, [2]),
    ({"name": "%"}, True, []),                       # wildcards are literal
])
def test_column_filters(data, filters, active, expected):
    with unit_of_work(data.engine, readonly=True) as s:
        rows, total = search_parties(s, active=active, filters=filters)
        assert codes(rows) == expected and total == len(expected)


@pytest.mark.parametrize("filters, field", [
    ({"apelido": "x"}, "apelido"), ({"code": "abc"}, "code"), ({"created_at": "31/02/2024"}, "created_at"),
    ({"phone": "abc"}, "phone"), ({"document": "./-"}, "document"),
])
def test_bad_filters_name_the_field(data, filters, field):
    with unit_of_work(data.engine, readonly=True) as s:
        with pytest.raises(ValidationError) as exc:
            search_parties(s, active=True, filters=filters)
        assert exc.value.field == field


def test_grid_row_is_formatted(data):
    with unit_of_work(data.engine, readonly=True) as s:
        row = grid_row(search_parties(s, active=True, filters={"code": "2"})[0][0])
        assert row["created_at"] == date(2024, 3, 9)
        assert row["document"] == "111.444.777-35" and row["phone"] == "(41) 3222-1111"
        assert row["city"] == "Curitiba" and row["district"] == "Jardim América"


def test_pivot_counts_rows_by_columns(data):
    with unit_of_work(data.engine, readonly=True) as s:
        t = pivot_counts(s, "uf", "person_type")
        assert t.total == 7
        assert t.row_keys == ["CE", "MG", "PR", "SP"]
        assert t.count("SP", "PF") == 3 and t.count("PR", "PJ") == 1 and t.count("CE", "PRE") == 1
        assert t.row_totals["SP"] == 3 and t.col_totals["PJ"] == 2
        assert t.col_label("PRE") == "Pré-Cadastro"
        active_only = pivot_counts(s, "uf", "person_type", active=True)
        assert active_only.count("SP", "PF") == 2 and active_only.total == 6
        by_month = pivot_counts(s, "created_month")
        assert by_month.row_keys[:2] == [202401, 202403]
        assert by_month.count(202403) == 2          # 09/03 (local) and 20/03
        assert by_month.row_label(202403) == "03/2024"
        years = pivot_counts(s, "created_year", "active")
        assert years.count(2024, True) == 3 and years.count(2025, False) == 1
        assert years.col_label(False) == "Inativo"
        classes = pivot_counts(s, "classification").as_dict()
        assert dict(zip(classes["row_keys"], classes["row_totals"]))["Transportadoras"] == 1
        city = pivot_counts(s, "city", "uf")
        assert city.count("Curitiba", "PR") == 2


def test_pivot_refuses_unknown_fields(data):
    with unit_of_work(data.engine, readonly=True) as s:
        with pytest.raises(ValidationError) as exc:
            pivot_counts(s, "cpf")
        assert exc.value.field == "cpf"


@pytest.mark.parametrize("criteria, expected", [
    (dict(created_from=date(2024, 3, 1), created_to=date(2024, 3, 31)), [2, 3]),
    (dict(created_from=date(2025, 1, 1)), [4, 5, 6, 7]),
    (dict(created_to=date(2024, 3, 9)), [1, 2]),
    (dict(city="são paulo"), [1, 6]),
    (dict(city="Curitiba", district="centro", street="xv de"), [3]),
    (dict(cep="80010-000"), [2]),
    (dict(cep="800"), [2, 3]),
    (dict(name="souza"), [2]),
    (dict(person_type="PJ"), [3, 4]),
    (dict(person_type="PRE"), [5]),
    (dict(classification="transportadora"), [4]),
    (dict(classification="fornecedor"), [7]),
    (dict(code=4), [4]),
    (dict(street_only="sete de setembro"), [1, 5]),
    (dict(street_only="50_50"), [7]),
    (dict(active_with_email_and_phone=True), [1, 2, 3, 4]),  # 5 lacks e-mail, 6 inactive, 7 lacks phone
    (dict(email_test_from=date(2025, 4, 1), email_test_to=date(2025, 4, 30)), [2, 4]),
    (dict(email_test_from=date(2025, 8, 1)), [1]),
    (dict(trade_name="saude"), [3]),
    (dict(trade_name="100%"), [4]),
    (dict(document="11.222.333/0001-81"), [3]),
    (dict(document="935"), [6]),
    (dict(email="fornece"), [7]),
    (dict(person_type="PF", city="sao paulo", active=True), [1]),
    (dict(active=False), [6]),
])
def test_advanced_search_every_filter(data, criteria, expected):
    with unit_of_work(data.engine, readonly=True) as s:
        assert codes(advanced_search(s, AdvancedCriteria(**criteria))) == expected


def test_advanced_search_empty_and_limit(data):
    with unit_of_work(data.engine, readonly=True) as s:
        assert advanced_search(s, AdvancedCriteria()) == []
        assert codes(advanced_search(s, AdvancedCriteria(created_from=date(2000, 1, 1)), limit=3)) == [1, 2, 3]


def test_advanced_criteria_from_form(data):
    crit = AdvancedCriteria.from_form({"created_from": "01/03/2024", "created_to": "2024-03-31", "code": "",
                                       "active_with_email_and_phone": "on", "person_type": "pj", "name": " "})
    assert crit.created_from == date(2024, 3, 1) and crit.created_to == date(2024, 3, 31)
    assert crit.active_with_email_and_phone is True and crit.code is None and crit.name is None
    with unit_of_work(data.engine, readonly=True) as s:
        assert codes(advanced_search(s, crit)) == [3]
    for form, field in [({"created_from": "32/01/2024"}, "created_from"), ({"code": "12a"}, "code"),
                        ({"created_from": "02/02/2024", "created_to": "01/01/2024"}, "created_from"),
                        ({"person_type": "XY"}, "person_type"), ({"classification": "socio"}, "classification"),
                        ({"cidade": "x"}, "cidade")]:
        with pytest.raises(ValidationError) as exc:
            AdvancedCriteria.from_form(form)
        assert exc.value.field == field
