"""Warnings (`Advice`) in kernel actions: the action's own `warn` and every plugin's
`action_warnings` hook; shown in the dialog (yellow, the operator may still run) and returned by
`preview_action` / `run_action`. Also the dialog's choice lists (`core.choices`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import select

from browser.uisupport import add_user, login
from conftest import make_config, truncate_all
from core.actions import Action, ActionResult, Advice, Blocker, preview_action, run_action
from core.choices import Choices, choice_provider, resolve_choices
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.errors import NotFound
from core.ledger.models import Account
from core.models.company import Company
from core.runtime import bootstrap, set_current
from core.web.app import create_app
from hooks import hookimpl
from pluginkit import plugin_module

RENAME = "aviso.empresa.renomear"
PICK = "aviso.empresa.conta"


class RenameParams(BaseModel):
    suffix: str = Field(title="Sufixo", min_length=1)


class PickParams(BaseModel):
    account_id: Optional[int] = Field(default=None, title="Conta banco/caixa",
                                      json_schema_extra={"choices": "ledger.cash_accounts"})
    other_id: Optional[int] = Field(default=None, title="Conta preferida",
                                    json_schema_extra={"choices": "teste.conta_preferida"})


@choice_provider("teste.conta_preferida")
def _preferred(runtime, session, user):
    accounts = list(session.scalars(select(Account).where(Account.kind == "cash").order_by(Account.code)))
    return Choices([(str(a.id), a.name) for a in accounts], default=str(accounts[-1].id) if accounts else None)


def _rename(ctx, records, params):
    for c in records:
        c.trade_name = f"{c.name} {params.suffix}"


def _own_warn(ctx, records, params):
    # reads the record as it is BEFORE the run (trade_name still empty)
    return [Advice(c.id, "sem_fantasia", f"A empresa {c.code} ainda não tem nome fantasia")
            for c in records if not c.trade_name and c.code == "2"]


def _plugins(seen: list):
    @hookimpl
    def register_permissions(register):
        register(RENAME, "Renomear (teste de avisos)", "Testes")

    @hookimpl
    def register_actions(register):
        register(Action(name=RENAME, label="Renomear", target=Company, permission=RENAME, run=_rename,
                        params=RenameParams, warn=_own_warn))
        register(Action(name=PICK, label="Escolher conta", target=Company, permission=RENAME,
                        run=lambda ctx, recs, p: None, params=PickParams))

    @hookimpl
    def action_blockers(action, records, params, ctx):
        return [Blocker(c.id, "empresa_sp", f"A empresa {c.code} é de SP") for c in records if c.uf == "SP"]

    @hookimpl
    def action_warnings(action, records, params, ctx):
        seen.append(("avisos_a", ctx.preview, sorted(r.id for r in records)))
        # advice about a record outside `records` is ignored by the kernel
        return [Advice(c.id, "filial", f"A empresa {c.code} é uma filial") for c in records if c.code != "1"] + \
            [Advice(999_999, "fantasma", "não deve aparecer")]

    def second(action, records, params, ctx):
        seen.append(("avisos_b", ctx.preview, sorted(r.id for r in records)))
        return (Advice(c.id, "filial", f"A empresa {c.code} é uma filial") for c in records if c.code == "5")

    a = plugin_module("avisos_a", register_permissions=register_permissions, register_actions=register_actions,
                      action_blockers=action_blockers, action_warnings=action_warnings)
    b = plugin_module("avisos_b", action_warnings=hookimpl(second))
    return {"avisos_a": a, "avisos_b": b}


@pytest.fixture
def env(database_url):
    seen: list = []
    extra = _plugins(seen)
    rt = bootstrap(make_config(database_url, enabled=[*BUILTIN_PLUGINS, *extra], secret_key="segredo-avisos"),
                   extra_plugins=extra)
    with unit_of_work(rt.engine) as s:
        companies = [Company(code="1", name="Matriz", cnpj="00000000000101", uf="PE"),
                     Company(code="2", name="Filial Recife", cnpj="00000000000202", uf="PE"),
                     Company(code="3", name="Filial Paulista", cnpj="00000000000303", uf="SP"),
                     Company(code="5", name="Filial Olinda", cnpj="00000000000505", uf="PE")]
        s.add_all(companies)
        s.flush()
        ids = {c.code: c.id for c in companies}
    add_user(rt.engine, "admin", admin=True)
    with unit_of_work(rt.engine, readonly=True) as s:
        from core.models.users import User

        admin = s.scalar(select(User).where(User.username == "admin"))
    yield type("Env", (), {"rt": rt, "ids": ids, "admin": admin, "seen": seen})
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


def test_hook_action_warnings(env):
    ids = env.ids
    selected = [ids["1"], ids["2"], ids["3"], ids["5"]]
    preview = preview_action(env.rt, RENAME, selected, {"suffix": "Net"}, env.admin)
    assert preview.done == [ids["1"], ids["2"], ids["5"]] and list(preview.refused) == [ids["3"]]
    # refused record 3 gets no warnings; 2 has the action's own and the hook's; 5 the same advice
    # from both plugins only once; the advice about an unknown id is dropped
    assert {rid: [(w.code, w.message) for w in ws] for rid, ws in preview.warnings.items()} == {
        ids["2"]: [("sem_fantasia", "A empresa 2 ainda não tem nome fantasia"),
                   ("filial", "A empresa 2 é uma filial")],
        ids["5"]: [("filial", "A empresa 5 é uma filial")],
    }
    assert {(p, prev) for p, prev, _ in env.seen} == {("avisos_a", True), ("avisos_b", True)}
    assert all(recs == sorted([ids["1"], ids["2"], ids["5"]]) for _, _, recs in env.seen)
    env.seen.clear()

    result = run_action(env.rt, RENAME, selected, {"suffix": "Net"}, env.admin)
    assert isinstance(result, ActionResult) and result.done == [ids["1"], ids["2"], ids["5"]]
    # the warnings are those of the records as they were before the run (the run fills trade_name)
    assert result.warnings == preview.warnings
    assert {(p, prev) for p, prev, _ in env.seen} == {("avisos_a", False), ("avisos_b", False)}
    as_dict = result.as_dict()
    assert as_dict["warning_count"] == 2 and as_dict["refused_count"] == 1 and as_dict["done_count"] == 3
    assert as_dict["warnings"][ids["5"]] == [{"record_id": ids["5"], "code": "filial",
                                              "message": "A empresa 5 é uma filial"}]
    with unit_of_work(env.rt.engine, readonly=True) as s:
        assert s.get(Company, ids["2"]).trade_name == "Filial Recife Net"   # the warning did not stop it


def test_warnings_default_empty_and_backward_compatible():
    r = ActionResult(action="x", done=[1])
    assert r.warnings == {} and r.as_dict()["warnings"] == {} and r.as_dict()["warning_count"] == 0
    assert Advice(1, "c", "m").as_dict() == {"record_id": 1, "code": "c", "message": "m"}


def test_a_warning_of_the_wrong_type_is_a_programming_error(env):
    bad = plugin_module("avisos_ruins", action_warnings=hookimpl(
        lambda action, records, params, ctx: [Blocker(records[0].id, "x", "não é aviso")]))
    env.rt.plugins.pm.register(bad, "avisos_ruins")
    try:
        with pytest.raises(TypeError, match="core.actions.Advice"):
            preview_action(env.rt, RENAME, [env.ids["1"]], {"suffix": "Net"}, env.admin)
    finally:
        env.rt.plugins.pm.unregister(bad)


def test_dialog_shows_warnings_in_yellow_and_still_runs(env):
    ids = env.ids
    with TestClient(create_app(env.rt)) as client:
        token = login(client, "admin")
        dialog = client.get(f"/acoes/{RENAME}/dialogo", params={"ids": f"{ids['2']},{ids['3']}"})
        assert dialog.status_code == 200
        item = re.search(rf'<li class="allowed warned" data-record="{ids["2"]}">(.*?)</ul>', dialog.text, re.S).group(1)
        assert "badge-warning" in item and 'data-warning="filial"' in item and "A empresa 2 é uma filial" in item
        assert 'data-record="{}"'.format(ids["3"]) in dialog.text and "A empresa 3 é de SP" in dialog.text
        assert "data-action-warnings" in dialog.text and "Os avisos não impedem a operação." in dialog.text
        assert not re.search(r'<button type="submit" class="btn btn-primary" disabled', dialog.text)
        run = client.post(f"/acoes/{RENAME}/executar",
                          data={"csrf_token": token, "ids": f"{ids['2']},{ids['3']}", "suffix": "Net"})
        assert run.status_code == 200
        assert "1 processado(s)" in run.text and "1 com aviso(s)" in run.text
        done = re.search(rf'<li class="done warned" data-record="{ids["2"]}">(.*?)</li>\s*</ul>', run.text, re.S)
        assert done and "A empresa 2 ainda não tem nome fantasia" in done.group(1)


def test_dialog_draws_choice_lists_from_providers(env):
    with unit_of_work(env.rt.engine) as s:
        for code, name, kind, company in (("1.1.01", "Caixa geral", "cash", "1"), ("1.1.02", "Banco do Brasil", "bank", "1"),
                                          ("1.1.03", "Cofre", "cash", "1"), ("3.1.01", "Receita", "revenue", "1"),
                                          ("1.1.09", "Banco de outra empresa", "bank", "2")):
            s.add(Account(company_id=env.ids[company], code=code, name=name, kind=kind, is_synthetic=False,
                          active=True))
    add_user(env.rt.engine, "caixa", permissions=[RENAME])
    with unit_of_work(env.rt.engine) as s:
        from core.models.users import User

        u = s.scalar(select(User).where(User.username == "caixa"))
        u.company_id = env.ids["1"]
        accounts = {a.code: a.id for a in s.scalars(select(Account))}
    with TestClient(create_app(env.rt)) as client:
        login(client, "caixa")
        dialog = client.get(f"/acoes/{PICK}/dialogo", params={"ids": str(env.ids["1"])})
        assert dialog.status_code == 200
        select_html = re.search(r'<select name="account_id"[^>]*>(.*?)</select>', dialog.text, re.S).group(1)
        options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select_html)
        # bank and cash accounts of the user's company only, by code; not the revenue nor the other company's
        assert options == [("", "—"), (str(accounts["1.1.01"]), "1.1.01 - Caixa geral"),
                           (str(accounts["1.1.02"]), "1.1.02 - Banco do Brasil"),
                           (str(accounts["1.1.03"]), "1.1.03 - Cofre")]
        other = re.search(r'<select name="other_id"[^>]*>(.*?)</select>', dialog.text, re.S).group(1)
        assert re.search(rf'<option value="{accounts["1.1.03"]}" selected>Cofre</option>', other)  # provider default
    with unit_of_work(env.rt.engine, readonly=True) as s:
        with pytest.raises(NotFound, match="Lista de opções desconhecida: nenhuma"):
            resolve_choices("nenhuma", env.rt, s, env.admin)
