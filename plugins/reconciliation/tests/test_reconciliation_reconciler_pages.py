"""Reconciler page leftovers: pagination above 2,000 lines in the period ("Mostrando X–Y de Z", the page of
a selected line) and the company select of the bank accounts list when the accounts span companies."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import unit_of_work
from core.models.company import Company
from core.web.app import create_app
from plugins.reconciliation.bench import generate_ofx
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconciler_queries import LINES_LIMIT, line_position
from plugins.reconciliation.statement_import import import_statement
from plugins.reconciliation.tests.reconcile_world import rt, seed  # noqa: F401 (rt: fixture)
from tests.browser.uisupport import add_user, login
from tests.worldkit import add_accounts


def test_pages_of_a_long_period(rt):
    w = seed()
    with unit_of_work() as s:
        import_statement(s, generate_ofx(2100), "grande.ofx", bank_account_id=w.bank_id)
        ids = list(s.scalars(select(StatementLine.id).where(StatementLine.bank_account_id == w.bank_id)
                             .order_by(StatementLine.posted_on, StatementLine.id)))
        first, last = s.execute(select(StatementLine.posted_on).order_by(StatementLine.posted_on)).scalars().all()[::2099]
        assert line_position(s, w.bank_id, first, last, ids[2050]) == 2050
        assert line_position(s, w.bank_id, first, first, ids[2050]) is None  # outside the period
    assert LINES_LIMIT == 2000 and len(ids) == 2100
    add_user(rt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        one = client.get(url)  # default period: the last import's (the whole file)
        assert one.status_code == 200
        assert "Mostrando 1–2.000 de 2.100 lançamentos" in one.text and "página 1 de 2" in one.text
        assert one.text.count("data-line=") == 2000 and f'data-line="{ids[0]}"' in one.text
        assert f'data-line="{ids[2000]}"' not in one.text and "data-rc-pagina-anterior" not in one.text
        assert "pagina=2" in one.text and "(0 de 2100)" in one.text  # the header counts the whole period
        two = client.get(f"{url}?de={first.isoformat()}&ate={last.isoformat()}&pagina=2")
        assert "Mostrando 2.001–2.100 de 2.100 lançamentos" in two.text and two.text.count("data-line=") == 100
        assert f'data-line="{ids[2099]}"' in two.text and "data-rc-pagina-proxima" not in two.text
        beyond = client.get(f"{url}?de={first.isoformat()}&ate={last.isoformat()}&pagina=9")
        assert "Mostrando 2.001–2.100" in beyond.text  # clamped to the last page
        selected = client.get(f"{url}?de={first.isoformat()}&ate={last.isoformat()}&linha={ids[2050]}")
        assert "página 2 de 2" in selected.text and f'data-line="{ids[2050]}" ' in selected.text
        bad = client.get(f"{url}?pagina=dois")
        assert bad.status_code == 400 and "Página inválida: «dois»." in bad.text
        small = client.get(f"{url}?de={first.isoformat()}&ate={first.isoformat()}")
        assert "data-rc-paginas" not in small.text and "Mostrando" not in small.text


def test_company_select_when_accounts_span_companies(rt):
    w = seed()
    add_user(rt.engine, "gerente", admin=True)  # a user of no company sees every company's accounts
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        single = client.get("/conciliacao/contas")
        assert "data-rc-empresas" not in single.text
        with unit_of_work() as s:
            other = Company(code="2", name="Filial Recife", cnpj="11444777000161", uf="PE")
            s.add(other)
            s.flush()
            other_bank = add_accounts(s, other.id, (("1.1.1.09", "Banco da Filial", "bank"),))["1.1.1.09"]
        both = client.get("/conciliacao/contas")
        assert "data-rc-empresas" in both.text and "Filial Recife" in both.text
        assert f'data-conta="{other_bank}"' in both.text and f'data-conta="{w.bank_id}"' in both.text
        filtered = client.get(f"/conciliacao/contas?empresa={other.id}")
        assert f'data-conta="{other_bank}"' in filtered.text and f'data-conta="{w.bank_id}"' not in filtered.text
        assert f'<option value="{other.id}" selected>' in filtered.text
        mine = client.get(f"/conciliacao/contas?empresa={w.company_id}")
        assert f'data-conta="{other_bank}"' not in mine.text and f'data-conta="{w.bank_id}"' in mine.text
