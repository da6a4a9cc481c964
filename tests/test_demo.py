"""`quita demo`: companies, users, valid customers in real cities; refuses a second load."""

from sqlalchemy import func, select

from core.auth import authenticate
from core.br.documents import is_valid_cnpj, is_valid_cpf
from core.br.ibge import city_by_code
from core.db import unit_of_work
from core.demo import load_demo
from core.models import Company, Role, User
from core.numbering import peek_next
from core.parties.models import Party, PartyEmailTest
from core.parties.rules import fold
from core.parties.services import create_party


def test_demo_loads_valid_realistic_data(runtime):
    out = []
    counts = load_demo(runtime, customers=120, seed=5, echo=out.append)
    assert counts["customers"] == 120 and counts["suppliers"] == 5 and counts["companies"] == 2
    assert any("pessoas: 125/125" in line for line in out)
    with unit_of_work(runtime.engine, readonly=True) as s:
        companies = s.scalars(select(Company)).all()
        assert len(companies) == 2 and all(is_valid_cnpj(c.cnpj) for c in companies)
        assert all(city_by_code(c.ibge_code).uf == c.uf for c in companies)
        assert authenticate(s, "admin", "admin").is_admin
        assert {r.name for r in s.scalars(select(Role))} >= {"financeiro", "cadastro", "atendimento"}
        parties = s.scalars(select(Party).order_by(Party.code)).all()
        assert [p.code for p in parties] == list(range(1, 126))
        assert len({p.document for p in parties if p.document}) == len([p for p in parties if p.document])
        for p in parties:
            if p.person_type == "PF":
                assert is_valid_cpf(p.document), p.document
            elif p.person_type == "PJ":
                assert is_valid_cnpj(p.document), p.document
            city = city_by_code(p.ibge_code)
            assert city is not None and city.name == p.city and city.uf == p.uf
            assert len(p.cep) == 8 and p.name_search == fold(p.name)
            assert p.created_ym // 100 >= 2019
        kinds = {p.person_type for p in parties}
        assert kinds == {"PF", "PJ", "PRE"}
        assert sum(1 for p in parties if p.classification == "fornecedor") >= 5
        assert s.scalar(select(func.count()).select_from(PartyEmailTest)) == counts["email_tests"] > 0
        assert peek_next(s, kind="party") == 126


def test_demo_is_not_loaded_twice_and_numbering_continues(runtime):
    load_demo(runtime, customers=10, seed=1, echo=lambda m: None)
    out = []
    assert load_demo(runtime, customers=10, seed=1, echo=out.append) == {"skipped": True}
    assert "já carregados" in out[0]
    with unit_of_work(runtime.engine) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 4
        p = create_party(s, person_type="PRE", name="Depois da demonstração")
        assert p.code == 16  # 10 customers + 5 suppliers


def test_demo_refuses_a_database_with_parties(runtime):
    with unit_of_work(runtime.engine) as s:
        create_party(s, person_type="PRE", name="Cliente real")
    out = []
    assert load_demo(runtime, customers=10, seed=1, echo=out.append) == {"skipped": True}
    assert "já tem 1 pessoas" in out[0]


def test_demo_has_reasons_for_every_kind_and_a_balanced_ledger(runtime):
    from core.actions import reasons_for
    from core.ledger.models import Account, JournalEntry
    from core.demo_master import CHART
    from core.ledger.services import trial_balance

    counts = load_demo(runtime, customers=10, seed=1, echo=lambda m: None)
    assert counts["entries"] == 10
    with unit_of_work(runtime.engine, readonly=True) as s:
        for kind in runtime.registry.reason_kinds:
            assert reasons_for(s, kind), f"sem motivos de demonstração para {kind}"
        company = s.scalars(select(Company).order_by(Company.id)).first()
        first = s.scalars(select(JournalEntry).where(JournalEntry.company_id == company.id)
                          .order_by(JournalEntry.date)).first()
        accounts = select(func.count()).select_from(Account).where(Account.company_id == company.id)
        assert s.scalar(accounts) == len(CHART)
        tb = trial_balance(s, company.id, start=first.date, end=first.date.replace(day=28))
        assert tb.total_debit == tb.total_credit and tb.total_debit > 0


def test_hook_register_demo_loaders(runtime):
    import types

    from core.config import BUILTIN_PLUGINS, parse_config
    from core.runtime import bootstrap, set_current
    from hooks import hookimpl

    calls = []
    mod = types.ModuleType("demo_plugin")

    @hookimpl
    def register_demo_loaders(register):
        def second(rt, rnd, echo):
            calls.append(("second", rnd.random()))

        def first(rt, rnd, echo):
            with unit_of_work(rt.engine, readonly=True) as s:  # runs after the kernel's data committed
                calls.append(("first", s.scalar(select(func.count()).select_from(Party))))
            return {"extra": 7}

        register("Segundo", second, order=200)
        register("Primeiro", first, order=10)

    mod.register_demo_loaders = register_demo_loaders
    cfg = parse_config({"database": {"url": runtime.config.database_url},
                        "plugins": {"enabled": [*BUILTIN_PLUGINS, "demoplugin"]}})
    rt = bootstrap(cfg, extra_plugins={"demoplugin": mod})
    try:
        out = []
        counts = load_demo(rt, customers=10, seed=3, echo=out.append)
    finally:
        rt.dispose()
        set_current(runtime)
    assert [c[0] for c in calls] == ["first", "second"]
    assert calls[0][1] == 10 + 5                       # customers + suppliers were already there
    assert counts["extra"] == 7 and "Primeiro…" in out
