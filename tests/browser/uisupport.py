"""Shared by the web tests (TestClient) and the browser tests: users, parties and a small
in-test plugin ("ui_probe") that contributes a menu item, a customer-panel tab, a page with a
selectable grid, a bulk action with a reason and a confirmation, and blockers for it."""

from __future__ import annotations

import re
import types
from datetime import date

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from core.br.documents import cpf_check_digits
from core.config import BUILTIN_PLUGINS, parse_config
from core.db import unit_of_work
from hooks import hookimpl
from tests.worldkit import add_accounts  # noqa: F401  (re-exported for the browser tests)

PROBE = "ui_probe"
PROBE_PERMISSION = "probe.desativar"
PROBE_TAB_PERMISSION = "probe.aba"
PROBE_ACTION = "probe.desativar"
PROBE_CONFIRM = "Tem certeza que deseja desativar os cadastros selecionados?"
PASSWORD = "senha-forte-123"


def config(url: str, *, probe: bool = False, receivables: dict | None = None, secret: str = "segredo-de-teste-web"):
    """The built-in plugins' config (plus the probe plugin when `probe`), with `[plugins.receivables]`
    settings when given (for a module's own server)."""
    plugins = {"enabled": list(BUILTIN_PLUGINS) + ([PROBE] if probe else [])}
    if receivables is not None:
        plugins["receivables"] = dict(receivables)
    return parse_config({"database": {"url": url}, "app": {"secret_key": secret}, "plugins": plugins})


def make_cpf(n: int) -> str:
    base = f"{100000000 + n:09d}"
    return base + cpf_check_digits(base)


def add_user(engine, username: str, *, admin: bool = False, roles=(), permissions=(), full_name: str = ""):
    """A user; `permissions` are granted through a role named after the user."""
    from core.auth import create_user, ensure_role

    with unit_of_work(engine) as s:
        role_names = list(roles)
        if permissions:
            ensure_role(s, f"papel_{username}", f"Papel de {username}", list(permissions))
            role_names.append(f"papel_{username}")
        user = create_user(s, username, PASSWORD, full_name=full_name or username.title(), is_admin=admin,
                           roles=role_names)
        return user.id


def add_party(engine, n: int, name: str, **fields) -> int:
    from core.parties.services import create_party

    data = {"person_type": "PF", "name": name, "document": make_cpf(n), "classification": "cliente",
            "email": f"cliente{n}@exemplo.com.br", "phone": f"(11) 9{n:04d}-0000", "city": "São Paulo",
            "uf": "SP", "district": "Centro", "street": "Rua das Flores", "number": str(n), "cep": "01001000"}
    data.update(fields)
    with unit_of_work(engine) as s:
        return create_party(s, **data).id


def add_reason(engine, kind: str = "suspensao", code: str = "S01", description: str = "Inadimplência",
               requires_justification: bool = False) -> int:
    from core.models import Reason

    with unit_of_work(engine) as s:
        r = Reason(kind=kind, code=code, description=description, active=True,
                   requires_justification=requires_justification)
        s.add(r)
        s.flush()
        return r.id


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert m, "página sem token CSRF"
    return m.group(1)


def login(client, username: str, password: str = PASSWORD) -> str:
    """Log in through the real form; return the session's CSRF token for later POSTs."""
    page = client.get("/login")
    resp = client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return csrf_of(client.get("/").text)


class ProbeParams(BaseModel):
    effective: date = Field(title="Data de efeito")
    notify: bool = Field(False, title="Avisar o cliente")


def probe_plugin() -> types.ModuleType:
    """The in-test plugin module (register it with `extra_plugins={PROBE: probe_plugin()}`)."""
    from core.actions import Action, Blocker
    from core.parties.models import Party
    from core.web.deps import current_user
    from core.web.registry import MenuItem, PanelTab
    from core.web.templating import env
    from markupsafe import escape

    mod = types.ModuleType(PROBE)
    mod.LABEL = "Sonda de interface (teste)"

    def deactivate(ctx, records, params):
        for p in records:
            p.active = False

    def render_tab(ctx):
        return f'<div class="probe-tab">Aba da sonda para {escape(ctx.party.name)}</div>'

    @hookimpl
    def register_permissions(register):
        register(PROBE_PERMISSION, "Desativar cadastros (sonda)", "Testes")
        register(PROBE_TAB_PERMISSION, "Ver a aba da sonda", "Testes")

    @hookimpl
    def register_menu_items(register):
        register(MenuItem(label="Sonda de ações", url="/sonda", group="Testes", order=1,
                          permission=PROBE_TAB_PERMISSION))

    @hookimpl
    def register_customer_panel_tabs(register):
        register(PanelTab(key="sonda", label="Aba da sonda", render=render_tab, order=5,
                          permission=PROBE_TAB_PERMISSION))

    @hookimpl
    def register_actions(register):
        register(Action(name=PROBE_ACTION, label="Desativar cadastros", target=Party,
                        permission=PROBE_PERMISSION, run=deactivate, params=ProbeParams,
                        confirm=PROBE_CONFIRM, reason_kind="suspensao",
                        description="Marca os cadastros selecionados como inativos."))

    @hookimpl
    def action_blockers(action, records, params, ctx):
        if action.name != PROBE_ACTION:
            return None
        out = []
        for p in records:
            if "Bloqueado" in p.name:
                out.append(Blocker(p.id, "probe.bloqueado", f"O cadastro {p.code} está bloqueado para alterações."))
                out.append(Blocker(p.id, "probe.fatura", f"O cadastro {p.code} tem fatura já liquidada."))
        return out

    page = env.from_string("""{% extends "base.html" %}
{% block title %}Sonda de ações{% endblock %}
{% block content %}
<section class="card" id="sonda">
  <div class="toolbar">{{ action_button('probe.desativar', grid='#sonda-grid') }}</div>
  <div class="grid-wrap"><table class="grid" id="sonda-grid">
    <thead><tr><th class="col-check"><input type="checkbox" data-select-all aria-label="Selecionar todos"></th><th>Código</th><th>Nome</th><th>Situação</th></tr></thead>
    <tbody>{% for p in parties %}<tr data-id="{{ p.id }}"><td class="col-check"><input type="checkbox" name="ids" value="{{ p.id }}" aria-label="Selecionar {{ p.name }}"></td><td>{{ p.code }}</td><td>{{ p.name }}</td><td>{{ 'Ativo' if p.active else 'Inativo' }}</td></tr>{% endfor %}</tbody>
  </table></div>
</section>
{% endblock %}""")

    router = APIRouter()

    @router.get("/sonda")
    def sonda(request: Request, user=Depends(current_user)):
        from sqlalchemy import select

        with unit_of_work(request.app.state.runtime.engine, readonly=True) as s:
            parties = list(s.scalars(select(Party).order_by(Party.code)))
        from core.web.deps import page_context
        from starlette.responses import HTMLResponse

        ctx = page_context(request)
        return HTMLResponse(page.render(parties=parties, **ctx))

    @router.get("/sonda/erro")
    def broken(user=Depends(current_user)):
        raise RuntimeError("falha proposital da sonda")

    @hookimpl
    def register_routes(register):
        register(router)

    for fn in (register_permissions, register_menu_items, register_customer_panel_tabs, register_actions,
               action_blockers, register_routes):
        setattr(mod, fn.__name__, fn)
    return mod


# --- shared by the receivables browser tests -------------------------------------------------

def browser_login(page, base_url: str, path: str, username: str, password: str = PASSWORD) -> None:
    """Open `path` in Chromium, get sent to the login form, log in, land back on `path`."""
    page.goto(base_url + path)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def squeezed_text(locator) -> str:
    """The locator's visible text with runs of whitespace made one space."""
    return re.sub(r"\s+", " ", locator.inner_text()).strip()


def add_fiber_plan(s):
    """Company "Provedor Fibra Ltda", plan F300 "Fibra 300 Mega" of R$ 99,90 and due rule D10 (day 10
    of the next month, issued 10 days before), flushed in the caller's session: (company, plan, rule)."""
    from decimal import Decimal

    from core.models.company import Company
    from plugins.receivables.models import DueRule, Plan

    company = Company(code="1", name="Provedor Fibra Ltda", cnpj="11222333000181")
    plan = Plan(code="F300", name="Fibra 300 Mega", price=Decimal("99.90"), active=True)
    rule = DueRule(code="D10", name="Vencimento dia 10", due_day=10, issue_days_before=10,
                   competence_mode="mes_seguinte", active=True)
    s.add_all([company, plan, rule])
    s.flush()
    return company, plan, rule


def add_contract(s, party_id: int, company, plan, rule, *, status: str = "ativo", activated_on=None):
    """A "cobranca" contract of the party on that plan and due rule, flushed."""
    from plugins.receivables.models import Contract

    contract = Contract(party_id=party_id, company_id=company.id, plan_id=plan.id, due_rule_id=rule.id,
                        wallet="cobranca", status=status, activated_on=activated_on, cancellation_requested=False)
    s.add(contract)
    s.flush()
    return contract
