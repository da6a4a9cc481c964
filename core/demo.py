"""`quita demo`: realistic demonstration data.

Two companies (valid CNPJs, real cities), the administrator "admin" / "admin", a few roles and
operators, N customers (PF with valid CPFs, PJ with valid CNPJs; real municipalities with their
IBGE codes, CEPs in the UF's range, e-mails and phones), some suppliers and an e-mail test
history. Everything goes in one transaction; a database that already holds the demo data is left
alone with a clear message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Callable

from sqlalchemy import func, insert, select

from core.db import unit_of_work
from core.parties.fakedata import PartyFaker, row_for_insert
from core.parties.models import Party, PartyEmailTest
from core.parties.rules import PARTY_COUNTER, clean_party_values

DEMO_COMPANIES = (
    dict(code="01", name="Conecta Norte Telecomunicações Ltda", trade_name="Conecta Net", cnpj="11222333000181",
         email="financeiro@conectanet.com.br", phone="(11) 3456-7890", street="Avenida Paulista", number="1000",
         district="Bela Vista", city="São Paulo", ibge_code="3550308", uf="SP", cep="01310100"),
    dict(code="02", name="Vale Fibra Provedor de Internet Ltda", trade_name="Vale Fibra", cnpj="45723174000110",
         email="contato@valefibra.com.br", phone="(31) 3222-4455", street="Rua da Bahia", number="1148",
         district="Centro", city="Belo Horizonte", ibge_code="3106200", uf="MG", cep="30160011"),
)
DEMO_USERS = (
    ("admin", "admin", "Administrador", True, ()),
    ("financeiro", "financeiro", "Operador Financeiro", False, ("financeiro",)),
    ("cadastro", "cadastro", "Operador de Cadastro", False, ("cadastro",)),
    ("atendimento", "atendimento", "Atendimento", False, ("atendimento",)),
)
SUPPLIER_SALT = 500_000_000  # suppliers' documents come from another part of the sequence


class DemoAlreadyLoaded(Exception):
    pass


def _roles(session, runtime) -> None:
    from core.auth import ensure_role

    keys = sorted(runtime.registry.permissions) if runtime is not None else []
    finance = [k for k in keys if not k.startswith("core.users") and not k.startswith("core.company")]
    ensure_role(session, "financeiro", "Financeiro", finance)
    # Party rights come from Party.meta.permissions (roles "cadastro", "financeiro", "atendimento").
    ensure_role(session, "cadastro", "Cadastro", [])
    ensure_role(session, "atendimento", "Atendimento", [])


def load_demo(runtime, *, customers: int = 3000, seed: int = 42, echo: Callable[[str], None] = print) -> dict:
    """Load the demo data into the runtime's database; returns the counts written.

    Refuses (with a message, returning {"skipped": True}) when demo data is already there.
    """
    from core.auth import create_user
    from core.models import Company, User
    from core.numbering import next_number

    if customers < 0:
        raise ValueError("a quantidade de clientes não pode ser negativa")
    faker = PartyFaker(seed)
    suppliers = max(5, customers // 25) if customers else 0
    with unit_of_work(runtime.engine) as session:
        if session.scalar(select(User.id).where(User.username == "admin")) is not None or \
                session.scalar(select(Company.id).where(Company.cnpj == DEMO_COMPANIES[0]["cnpj"])) is not None:
            echo("Dados de demonstração já carregados (usuário 'admin' ou empresa de demonstração existentes); "
                 "nada foi alterado.")
            return {"skipped": True}
        existing = session.scalar(select(func.count()).select_from(Party))
        if existing:
            echo(f"O banco já tem {existing} pessoas cadastradas; os dados de demonstração não foram carregados.")
            return {"skipped": True}

        echo("Empresas…")
        for data in DEMO_COMPANIES:
            session.add(Company(**data))
        session.flush()
        echo("Papéis e usuários (admin / admin)…")
        _roles(session, runtime)
        for username, password, full_name, admin, roles in DEMO_USERS:
            create_user(session, username, password, full_name=full_name, is_admin=admin, roles=list(roles))

        total = customers + suppliers
        times = faker.created_times(total)
        rows = []
        step = max(1, total // 10)
        for i in range(total):
            if i < customers:
                values = faker.party(i)
            else:
                values = faker.party(i, classification="fornecedor", person_type="PJ", salt=SUPPLIER_SALT)
                values["active"] = True
            values = clean_party_values(values)  # the same rules as the form
            rows.append(row_for_insert(values, code=next_number(session, kind=PARTY_COUNTER), created_at=times[i]))
            if (i + 1) % step == 0 or i + 1 == total:
                echo(f"  pessoas: {i + 1}/{total}")
        for start in range(0, len(rows), 1000):
            session.execute(insert(Party), rows[start:start + 1000])

        # E-mail test history for about one party in ten (the "teste de e-mail por data" filter).
        ids = session.execute(select(Party.id, Party.email, Party.created_at).where(Party.email.is_not(None))
                              .order_by(Party.id)).all()
        tests, last = [], {}
        for pid, email, created in ids:
            if faker.rnd.random() < 0.1:
                at = created + timedelta(days=faker.rnd.randint(0, 30), hours=faker.rnd.randint(8, 18))
                ok = faker.rnd.random() < 0.85
                tests.append({"party_id": pid, "tested_at": at, "email": email, "ok": ok,
                              "detail": None if ok else "Caixa postal inexistente"})
                last[pid] = at
        if tests:
            session.execute(insert(PartyEmailTest), tests)
            from sqlalchemy import update

            session.execute(update(Party), [{"id": pid, "email_tested_at": at} for pid, at in last.items()])
        echo("Motivos, justificativas, plano de contas e lançamentos…")
        from core.demo_master import load_master_data

        master = load_master_data(session, runtime)
    counts = {"companies": len(DEMO_COMPANIES), "users": len(DEMO_USERS), "customers": customers,
              "suppliers": suppliers, "email_tests": len(tests), **master}
    import random

    rnd = random.Random(seed)
    for _order, label, loader in runtime.registry.demo_loaders:
        echo(f"{label}…")
        counts.update(loader(runtime, rnd, echo) or {})
    echo(f"Demonstração carregada: {customers} clientes, {suppliers} fornecedores, "
         f"{len(DEMO_COMPANIES)} empresas; acesse com usuário 'admin' e senha 'admin'.")
    return counts
