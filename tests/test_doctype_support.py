"""Shared pieces of the document-engine tests: two test-only document types and a tiny plugin.

Why a test-only document type: the engine's submit/cancel/amend cycle, naming series, money,
dates, choices, links and `allow_on_submit` need one type that has all of them, and no kernel
type does. Its table is created here with `Table.create(bind)` and dropped at the end of the
session — the one documented exception to "schemas come from migrations" (the migration path
for a plugin document type is tested separately in test_doctype_migration.py).

This module is also the plugin "doctype_test": it registers both types and records the
`after_document_saved` events it receives.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped

from core.auth import create_user, ensure_role
from core.db import unit_of_work
from core.doctype import DocMeta, Document, field
from core.errors import ValidationError
from core.money import Money
from hooks import hookimpl

PLUGIN_NAME = "doctype_test"
EVENTS: list[tuple[str, int, str, int | None]] = []
FAIL_FOR: set[str] = set()  # doctypes for which the event listener raises (to test isolation)


class Voucher(Document):
    """A submittable document with every kind of field."""

    __tablename__ = "test_doctype_voucher"
    __component__ = PLUGIN_NAME
    meta = DocMeta(
        label="Comprovante", label_plural="Comprovantes",
        list_columns=("title", "amount", "issue_date", "kind", "company_id", "paid"),
        filters=("title", "amount", "issue_date", "kind", "company_id", "paid"),
        permissions={"caixa": "read write create submit",
                     "supervisor": "read write create delete submit cancel amend",
                     "auditor": "read"},
        submittable=True, naming="CPV-.YYYY.-.####", title_field="title", search_fields=("title", "notes"),
        order_by="-issue_date", menu_group="Testes",
    )

    title: Mapped[str] = field(String(40), label="Descrição", required=True)
    amount: Mapped[Decimal] = field(Money, label="Valor", required=True)
    issue_date: Mapped[date | None] = field(Date, label="Data de emissão")
    quantity: Mapped[int] = field(Integer, label="Quantidade", required=True, default=1)
    kind: Mapped[str] = field(String(10), label="Tipo", required=True,
                              choices=(("entrada", "Entrada"), ("saida", "Saída")))
    company_id: Mapped[int | None] = field(ForeignKey("company.id"), label="Empresa", link="company")
    paid: Mapped[bool] = field(Boolean, label="Pago", default=False, nullable=False, allow_on_submit=True)
    notes: Mapped[str | None] = field(Text, label="Observações", allow_on_submit=True)
    external_ref: Mapped[str | None] = field(String(30), label="Referência externa", unique=True)

    def validate(self, session) -> None:
        if self.kind == "saida" and self.amount is not None and self.amount > Decimal("10000.00"):
            raise ValidationError("Saídas acima de R$ 10.000,00 exigem aprovação.", field="amount")


class Tag(Document):
    """A plain (not submittable) document with a naming series drawn at creation."""

    __tablename__ = "test_doctype_tag"
    __component__ = PLUGIN_NAME
    meta = DocMeta(label="Etiqueta", label_plural="Etiquetas", list_columns=("code", "label"),
                   permissions={"caixa": "read create"}, naming="TAG-.###", title_field="label",
                   track_changes=True)

    code: Mapped[str] = field(String(10), label="Código", required=True, unique=True)
    label: Mapped[str] = field(String(60), label="Rótulo", required=True)


@hookimpl
def register_doctypes(register):
    register(Voucher)
    register(Tag)


@hookimpl
def after_document_saved(doctype, record_id, event, ctx):
    EVENTS.append((doctype, record_id, event, ctx.user_id))
    if doctype in FAIL_FOR:
        raise RuntimeError(f"ouvinte com defeito: {doctype}")


# ---------------------------------------------------------------- fixtures

TEST_TABLES = (Voucher.__table__, Tag.__table__)


@pytest.fixture(scope="session")
def doctype_tables(database_url):
    """Create the test-only tables once (after the migrations built everything else); drop them after."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    for table in TEST_TABLES:
        table.create(engine, checkfirst=True)
    engine.dispose()
    yield
    engine = create_engine(database_url)
    for table in reversed(TEST_TABLES):
        table.drop(engine, checkfirst=True)
    engine.dispose()


@pytest.fixture
def dt_runtime(database_url, doctype_tables):
    """Kernel + the "doctype_test" plugin, current for the test; tables emptied afterwards."""
    from conftest import make_config, truncate_all
    from core.runtime import bootstrap, set_current
    import test_doctype_support as plugin

    EVENTS.clear()
    FAIL_FOR.clear()
    rt = bootstrap(make_config(database_url, enabled=[PLUGIN_NAME]), extra_plugins={PLUGIN_NAME: plugin})
    yield rt
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


@pytest.fixture
def people(dt_runtime):
    """Users: admin, a cashier (caixa), a supervisor, an auditor (read only), one with no role."""
    with unit_of_work(dt_runtime.engine) as s:
        ensure_role(s, "caixa")
        ensure_role(s, "supervisor")
        ensure_role(s, "auditor")
        users = {
            "admin": create_user(s, "admin", "segredo123", full_name="Administradora", is_admin=True),
            "caixa": create_user(s, "caixa", "segredo123", roles=["caixa"]),
            "supervisor": create_user(s, "supervisor", "segredo123", roles=["supervisor"]),
            "auditor": create_user(s, "auditor", "segredo123", roles=["auditor"]),
            "ninguem": create_user(s, "ninguem", "segredo123"),
        }
        for u in users.values():
            for role in u.roles:
                list(role.permissions)
        s.expunge_all()
    return users


def company_data(code="1", name="Provedor Alfa Ltda", cnpj="11222333000181", **kw):
    return {"code": code, "name": name, "cnpj": cnpj, **kw}


def voucher_data(**kw):
    data = {"title": "Mensalidade", "amount": "1.234,56", "issue_date": "05/03/2026", "kind": "entrada"}
    data.update(kw)
    return data


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "página sem token CSRF"
    return m.group(1)


def login(client, username: str, password: str = "segredo123") -> str:
    """Log in through the host app's /login; return the session's CSRF token for later POSTs."""
    page = client.get("/login")
    resp = client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def dt_client(dt_runtime):
    """The real host app (`core.web.app.create_app`) with the "doctype_test" plugin enabled."""
    from fastapi.testclient import TestClient

    from core.web.app import create_app

    with TestClient(create_app(dt_runtime)) as c:
        yield c
