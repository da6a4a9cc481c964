"""Actions framework: permissions, parameters, confirmation, reasons, blockers from every plugin,
one transaction for the allowed records, audit per record, `after_action` after commit."""

from __future__ import annotations

import types
from datetime import date

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from conftest import make_config, truncate_all
from core import audit
from core.actions import (Action, ActionResult, Blocker, actions_for, can_run, collect_blockers, get_action,
                          preview_action, reasons_for, run_action, validate_params)
from core.auth import hash_password
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models.audit import AuditEntry
from core.models.company import Company
from core.models.reasons import Reason
from core.models.users import User
from core.runtime import bootstrap, set_current
from hooks import hookimpl

RENAME = "teste.empresa.renomear"
REMOVE = "teste.empresa.excluir"
BROKEN = "teste.empresa.quebrada"
DEACTIVATE = "teste.motivo.desativar"
PASSWORD_HASH = hash_password("senha-forte")


class RenameParams(BaseModel):
    suffix: str = Field(title="Sufixo", min_length=1, max_length=20)
    effective: date = Field(title="Data de vigência")


def _rename(ctx, records, params):
    for c in records:
        c.trade_name = f"{c.name} {params.suffix}"


def _remove(ctx, records, params):
    for c in records:
        ctx.session.delete(c)


def _deactivate(ctx, records, params):
    for r in records:
        r.active = False


def _broken(ctx, records, params):
    for c in records:
        c.trade_name = "meio do caminho"
    ctx.session.flush()
    raise RuntimeError("falha no meio da ação")


class Calls:
    def __init__(self):
        self.after: list[tuple] = []
        self.blockers_asked: list[tuple] = []


def _make_plugins(calls: Calls):
    main = types.ModuleType("acoes_teste")
    guard = types.ModuleType("guarda_teste")

    @hookimpl
    def register_permissions(register):
        register(RENAME, "Renomear empresas (teste)", "Testes")
        register(REMOVE, "Excluir empresas (teste)", "Testes")

    @hookimpl
    def register_reason_kinds(register):
        register("teste_renomeacao", "Renomeação de empresa")

    @hookimpl
    def register_actions(register):
        register(Action(name=RENAME, label="Renomear", target=Company, permission=RENAME, run=_rename,
                        params=RenameParams, confirm="Tem certeza que deseja renomear as empresas?",
                        reason_kind="teste_renomeacao", description="Acrescenta um sufixo ao nome fantasia"))
        register(Action(name=REMOVE, label="Excluir", target=Company, permission=REMOVE, run=_remove,
                        reason_kind="remocao",
                        check=lambda ctx, recs, p: [Blocker(c.id, "empresa_matriz", f"A empresa {c.code} é a matriz")
                                                    for c in recs if c.code == "1"]))
        register(Action(name=BROKEN, label="Quebrada", target=Company, permission=RENAME, run=_broken))
        register(Action(name=DEACTIVATE, label="Desativar motivos", target=Reason, permission=RENAME,
                        run=_deactivate))

    @hookimpl
    def action_blockers(action, records, params, ctx):
        calls.blockers_asked.append(("acoes_teste", action.name, ctx.preview))
        if action.target is not Company:
            return []
        return [Blocker(c.id, "empresa_sp", f"A empresa {c.code} é de SP") for c in records if c.uf == "SP"]

    @hookimpl
    def after_action(action_name, result, ctx):
        calls.after.append((action_name, list(result.done), sorted(result.refused), ctx.user.username))

    for fn in (register_permissions, register_reason_kinds, register_actions, action_blockers, after_action):
        setattr(main, fn.__name__, fn)

    @hookimpl
    def action_blockers(action, records, params, ctx):  # noqa: F811 - a second, independent plugin
        calls.blockers_asked.append(("guarda_teste", action.name, ctx.preview))
        if action.target is not Company:
            return None
        return (Blocker(c.id, "periodo_protegido", f"A empresa {c.code} tem lançamentos protegidos")
                for c in records if c.protect_before is not None)

    @hookimpl
    def after_action(action_name, result, ctx):  # noqa: F811
        raise RuntimeError("um plugin com defeito não desfaz a ação")

    guard.action_blockers = action_blockers
    guard.after_action = after_action
    return {"acoes_teste": main, "guarda_teste": guard}


@pytest.fixture
def env(database_url):
    calls = Calls()
    extra = _make_plugins(calls)
    rt = bootstrap(make_config(database_url, enabled=[*BUILTIN_PLUGINS, *extra]), extra_plugins=extra)
    with unit_of_work(rt.engine) as s:
        companies = [
            Company(code="1", name="Matriz", cnpj="00000000000101", uf="PE"),
            Company(code="2", name="Filial Recife", cnpj="00000000000202", uf="PE"),
            Company(code="3", name="Filial Paulista", cnpj="00000000000303", uf="SP"),
            Company(code="4", name="Filial Campinas", cnpj="00000000000404", uf="SP", protect_before=date(2026, 1, 31)),
            Company(code="5", name="Filial Olinda", cnpj="00000000000505", uf="PE"),
        ]
        s.add_all(companies)
        s.add_all([
            Reason(kind="teste_renomeacao", code="R1", description="Mudança de marca", active=True),
            Reason(kind="teste_renomeacao", code="R2", description="Motivo antigo", active=False),
            Reason(kind="teste_renomeacao", code="R3", description="Outro", active=True, requires_justification=True),
            Reason(kind="remocao", code="R1", description="Cadastro duplicado", active=True),
        ])
        from core.auth import ensure_role

        testers = ensure_role(s, "testes", permissions=[RENAME])
        # Users built directly (one argon2 hash shared) to keep the fixture fast; create_user has its own tests.
        admin = User(username="admin", password_hash=PASSWORD_HASH, is_admin=True, roles=[])
        operator = User(username="operador", password_hash=PASSWORD_HASH, roles=[testers])
        nobody = User(username="visitante", password_hash=PASSWORD_HASH, roles=[])
        s.add_all([admin, operator, nobody])
        s.flush()
        ids = {c.code: c.id for c in companies}
    yield types.SimpleNamespace(rt=rt, calls=calls, ids=ids, admin=admin, operator=operator, nobody=nobody)
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


def _params(**kw):
    base = {"suffix": "Net", "effective": "2026-12-01", "reason": "R1", "confirmed": True}
    base.update(kw)
    return base


def _companies(rt) -> dict[str, Company]:
    with unit_of_work(rt.engine, readonly=True) as s:
        return {c.code: c for c in s.scalars(select(Company))}


def _audit_count(rt) -> int:
    with unit_of_work(rt.engine, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


# --- the hooks -------------------------------------------------------------------------------

def test_hook_register_actions(env):
    action = get_action(env.rt, RENAME)
    assert action.label == "Renomear" and action.target is Company and action.target_kind == "company"
    assert [a.name for a in actions_for(env.rt, "company")] == [REMOVE, BROKEN, RENAME]  # by label
    assert [a.name for a in actions_for(env.rt, "reason")] == [DEACTIVATE]
    assert can_run(env.operator, action) and not can_run(env.nobody, action)
    with pytest.raises(NotFound, match="Ação desconhecida"):
        run_action(env.rt, "nao.existe", [1], {}, env.admin)


def test_hook_register_permissions(env):
    assert env.rt.registry.permissions[RENAME] == ("Renomear empresas (teste)", "Testes")
    with pytest.raises(PermissionDenied) as exc:
        run_action(env.rt, RENAME, [env.ids["2"]], _params(), env.nobody)
    assert "Você não tem permissão para “Renomear”" in str(exc.value)
    assert "Renomear empresas (teste)" in str(exc.value)
    with pytest.raises(PermissionDenied):
        preview_action(env.rt, RENAME, [env.ids["2"]], {}, env.nobody)
    with pytest.raises(PermissionDenied):       # the operator's role grants RENAME only
        run_action(env.rt, REMOVE, [env.ids["2"]], {"reason": "R1"}, env.operator)
    assert _audit_count(env.rt) == 0 and env.calls.after == []


def test_hook_register_reason_kinds(env):
    kinds = env.rt.registry.reason_kinds
    assert kinds["teste_renomeacao"] == "Renomeação de empresa"
    assert {"remocao": "Remoção", "suspensao": "Suspensão", "cancelamento": "Cancelamento",
            "estorno": "Estorno"}.items() <= kinds.items()
    assert ("teste_renomeacao", "Renomeação de empresa") in Reason.kind_choices()
    assert "reason" in env.rt.registry.doctypes
    with unit_of_work(env.rt.engine, readonly=True) as s:
        assert [r.code for r in reasons_for(s, "teste_renomeacao")] == ["R1", "R3"]     # active only
        assert [r.description for r in reasons_for(s, "remocao")] == ["Cadastro duplicado"]
        Reason(kind="suspensao", code="S1", description="Inadimplência").validate(s)
        with pytest.raises(ValidationError) as exc:
            Reason(kind="inexistente", code="X", description="X").validate(s)
        assert exc.value.field == "kind"
        with pytest.raises(ValidationError) as exc:
            Reason(kind="suspensao", code=" ", description="X").validate(s)
        assert exc.value.field == "code"


def test_hook_action_blockers(env):
    ids = env.ids
    selected = [ids["2"], ids["3"], ids["4"], ids["5"]]
    result = run_action(env.rt, RENAME, selected, _params(), env.operator)
    assert result.done == [ids["2"], ids["5"]]
    # Every plugin was asked; record 4 is refused with ALL its reasons, from both plugins.
    assert {(b.code, b.message) for b in result.refused[ids["4"]]} == {
        ("empresa_sp", "A empresa 4 é de SP"), ("periodo_protegido", "A empresa 4 tem lançamentos protegidos")}
    assert [b.code for b in result.refused[ids["3"]]] == ["empresa_sp"]
    assert {p for p, name, _ in env.calls.blockers_asked if name == RENAME} == {"acoes_teste", "guarda_teste"}
    companies = _companies(env.rt)
    assert companies["2"].trade_name == "Filial Recife Net" and companies["5"].trade_name == "Filial Olinda Net"
    assert companies["3"].trade_name is None and companies["4"].trade_name is None
    as_dict = result.as_dict()
    assert as_dict["done_count"] == 2 and as_dict["refused_count"] == 2
    assert as_dict["refused"][ids["3"]] == [{"record_id": ids["3"], "code": "empresa_sp",
                                             "message": "A empresa 3 é de SP"}]


def test_hook_after_action(env):
    ids = env.ids
    result = run_action(env.rt, RENAME, [ids["2"], ids["3"]], _params(), env.operator)
    # Called once, after commit; the failing second plugin neither stops it nor undoes the action.
    assert env.calls.after == [(RENAME, [ids["2"]], [ids["3"]], "operador")]
    assert isinstance(result, ActionResult)
    assert _companies(env.rt)["2"].trade_name == "Filial Recife Net"
    with pytest.raises(ValidationError):
        run_action(env.rt, RENAME, [ids["2"]], _params(reason=""), env.operator)
    assert len(env.calls.after) == 1                    # not called when the action did not run


# --- framework behaviour ---------------------------------------------------------------------

def test_audit_entry_per_processed_record(env):
    ids = env.ids
    run_action(env.rt, RENAME, [ids["2"], ids["3"], ids["5"]],
               _params(justification="Nova marca aprovada pela diretoria"), env.operator)
    with unit_of_work(env.rt.engine, readonly=True) as s:
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.target_id)))
        [h] = audit.history(s, "company", ids["2"])
    assert [e.target_id for e in entries] == [ids["2"], ids["5"]]             # refused record 3: no entry
    assert h.action == RENAME and h.target_kind == "company" and h.username == "operador"
    assert h.user_id == env.operator.id
    assert h.reason == "R1 — Mudança de marca"
    assert h.justification == "Nova marca aprovada pela diretoria"
    assert h.changes == {"trade_name": [None, "Filial Recife Net"]}
    assert h.before["trade_name"] is None and h.after["trade_name"] == "Filial Recife Net"


def test_deleting_action_audits_before_and_no_after(env):
    ids = env.ids
    result = run_action(env.rt, REMOVE, [ids["1"], ids["2"]], {"reason": "R1"}, env.admin)
    assert result.done == [ids["2"]]
    assert [b.code for b in result.refused[ids["1"]]] == ["empresa_matriz"]     # the action's own check
    assert "2" not in _companies(env.rt) and "1" in _companies(env.rt)
    with unit_of_work(env.rt.engine, readonly=True) as s:
        [h] = audit.history(s, "company", ids["2"])
    assert h.after is None and h.before["name"] == "Filial Recife" and h.reason == "R1 — Cadastro duplicado"
    assert h.changes["name"] == ["Filial Recife", None]


def test_params_are_validated_naming_the_field(env):
    ids = [env.ids["2"]]
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, ids, _params(suffix=""), env.operator)
    assert exc.value.field == "suffix"
    assert str(exc.value) == "Valor inválido em Sufixo: deve ter pelo menos 1 caractere(s)"
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, ids, {"suffix": "Net", "reason": "R1", "confirmed": True}, env.operator)
    assert exc.value.field == "effective" and str(exc.value) == "Campo obrigatório: Data de vigência"
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, ids, _params(effective="amanhã"), env.operator)
    assert exc.value.field == "effective"
    assert str(exc.value).startswith("Valor inválido em Data de vigência: data inválida")
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, ids, _params(suffix="x" * 30, effective="hoje"), env.operator)
    assert exc.value.errors == {"suffix": "Valor inválido em Sufixo: deve ter no máximo 20 caracteres",
                                "effective": "Valor inválido em Data de vigência: data inválida "
                                             "(use dd/mm/aaaa ou aaaa-mm-dd)"}
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, [], _params(), env.operator)
    assert exc.value.field == "ids"
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, ["abc"], _params(), env.operator)
    assert exc.value.field == "ids"
    params = validate_params(get_action(env.rt, RENAME), _params())
    assert params.effective == date(2026, 12, 1)
    assert validate_params(get_action(env.rt, RENAME), _params(effective="05/01/2027")).effective == date(2027, 1, 5)
    assert _audit_count(env.rt) == 0 and _companies(env.rt)["2"].trade_name is None


def test_confirmation_is_required(env):
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, [env.ids["2"]], _params(confirmed=False), env.operator)
    assert exc.value.field == "confirmed"
    assert "Tem certeza que deseja renomear as empresas?" in str(exc.value)
    run_action(env.rt, RENAME, [env.ids["2"]], _params(confirmed="on"), env.operator)      # a form checkbox
    assert _companies(env.rt)["2"].trade_name == "Filial Recife Net"


@pytest.mark.parametrize("reason, justification, field, message", [
    (None, None, "reason", "Informe o motivo."),
    ("R9", None, "reason", "Motivo inexistente para Renomeação de empresa: R9"),
    ("R2", None, "reason", "O motivo R2 está inativo."),
    ("R3", None, "justification", "O motivo R3 exige uma justificativa."),
    ("R3", "   ", "justification", "O motivo R3 exige uma justificativa."),
])
def test_reason_must_be_an_active_reason_of_the_kind(env, reason, justification, field, message):
    with pytest.raises(ValidationError) as exc:
        run_action(env.rt, RENAME, [env.ids["2"]], _params(reason=reason, justification=justification), env.operator)
    assert exc.value.field == field and str(exc.value) == message
    assert _audit_count(env.rt) == 0 and _companies(env.rt)["2"].trade_name is None


def test_reason_of_another_kind_is_refused_and_id_is_accepted(env):
    with unit_of_work(env.rt.engine, readonly=True) as s:
        removal = s.scalar(select(Reason).where(Reason.kind == "remocao"))
        r3 = s.scalar(select(Reason).where(Reason.code == "R3"))
    with pytest.raises(ValidationError):
        run_action(env.rt, RENAME, [env.ids["2"]], _params(reason=removal.id), env.operator)
    run_action(env.rt, RENAME, [env.ids["2"]], _params(reason=str(r3.id), justification="ok"), env.operator)
    with unit_of_work(env.rt.engine, readonly=True) as s:
        [h] = audit.history(s, "company", env.ids["2"])
    assert h.reason == "R3 — Outro" and h.justification == "ok"


def test_failure_inside_run_leaves_nothing_half_written(env):
    with pytest.raises(RuntimeError, match="falha no meio"):
        run_action(env.rt, BROKEN, [env.ids["2"], env.ids["5"]], {}, env.operator)
    assert {c.trade_name for c in _companies(env.rt).values()} == {None}
    assert _audit_count(env.rt) == 0 and env.calls.after == []


def test_missing_records_are_refused_with_a_reason(env):
    result = run_action(env.rt, RENAME, [env.ids["2"], 999999, env.ids["2"]], _params(), env.operator)
    assert result.done == [env.ids["2"]]
    assert [(b.code, b.message) for b in result.refused[999999]] == [("nao_encontrado", "O registro 999999 não existe.")]


def test_nothing_allowed_runs_nothing(env):
    result = run_action(env.rt, RENAME, [env.ids["3"], env.ids["4"]], _params(), env.operator)
    assert result.done == [] and set(result.refused) == {env.ids["3"], env.ids["4"]}
    assert _audit_count(env.rt) == 0


def test_preview_reports_the_same_and_writes_nothing(env):
    ids = env.ids
    selected = [ids["2"], ids["3"], ids["4"]]
    preview = preview_action(env.rt, RENAME, selected, {}, env.operator)      # params not filled in yet
    assert preview.done == [ids["2"]] and set(preview.refused) == {ids["3"], ids["4"]}
    assert len(preview.refused[ids["4"]]) == 2
    assert ("acoes_teste", RENAME, True) in env.calls.blockers_asked
    assert _audit_count(env.rt) == 0 and _companies(env.rt)["2"].trade_name is None
    assert env.calls.after == []
    result = run_action(env.rt, RENAME, selected, _params(), env.operator)
    assert result.done == preview.done and result.refused == preview.refused


def test_company_scoped_user_cannot_act_on_records_of_another_company(env):
    action = get_action(env.rt, DEACTIVATE)
    user = types.SimpleNamespace(id=1, username="filial", company_id=2, is_admin=True, active=True, roles=[])
    records = [types.SimpleNamespace(id=1, company_id=2), types.SimpleNamespace(id=2, company_id=3),
               types.SimpleNamespace(id=3, company_id=None)]
    with unit_of_work(env.rt.engine, readonly=True) as s:
        blockers = collect_blockers(env.rt, s, action, records, validate_params(action, {}), user)
    assert blockers == {2: [Blocker(2, "outra_empresa", "O registro 2 pertence a outra empresa.")]}


def test_action_on_another_target_kind(env):
    with unit_of_work(env.rt.engine, readonly=True) as s:
        ids = [r.id for r in reasons_for(s, "teste_renomeacao")]
    result = run_action(env.rt, DEACTIVATE, ids, {}, env.operator)
    assert result.done == ids and result.refused == {}
    with unit_of_work(env.rt.engine, readonly=True) as s:
        assert reasons_for(s, "teste_renomeacao") == []
        [h] = audit.history(s, "reason", ids[0])
    assert h.changes == {"active": [True, False]} and h.reason is None


def test_reasons_are_master_data_through_the_document_engine(env):
    from core.doctype.service import create_doc, update_doc

    with unit_of_work(env.rt.engine) as s:
        r = create_doc(s, Reason, {"kind": "suspensao", "code": "S1", "description": "Inadimplência"}, user=env.admin)
        rid = r.id
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(env.rt.engine) as s:
            create_doc(s, Reason, {"kind": "nao_existe", "code": "X", "description": "X"}, user=env.admin)
    assert exc.value.field == "kind" or "kind" in exc.value.errors
    with pytest.raises(ValidationError):                         # unique (kind, code)
        with unit_of_work(env.rt.engine) as s:
            create_doc(s, Reason, {"kind": "suspensao", "code": "S1", "description": "Outra"}, user=env.admin)
    with unit_of_work(env.rt.engine) as s:
        assert [x.code for x in reasons_for(s, "suspensao")] == ["S1"]
        update_doc(s, s.get(Reason, rid), {"active": False}, user=env.admin)
    with unit_of_work(env.rt.engine, readonly=True) as s:
        assert reasons_for(s, "suspensao") == []
        assert [h.action for h in audit.history(s, "reason", rid)][:1] == ["update"]


def test_params_accept_brazilian_formats():
    from decimal import Decimal

    class DiscountParams(BaseModel):
        amount: Decimal = Field(title="Valor do desconto", gt=0)
        until: date | None = Field(None, title="Válido até")

    action = Action(name="x.desconto", label="Desconto", target=Company, permission="x", run=lambda *a: None,
                    params=DiscountParams)
    p = validate_params(action, {"amount": "1.234,56", "until": "31/12/2026"})
    assert p.amount == Decimal("1234.56") and p.until == date(2026, 12, 31)
    assert validate_params(action, {"amount": "10.5"}).amount == Decimal("10.5")
    with pytest.raises(ValidationError) as exc:
        validate_params(action, {"amount": "0,00"})
    assert str(exc.value) == "Valor inválido em Valor do desconto: deve ser maior que 0"
    with pytest.raises(ValidationError) as exc:
        validate_params(action, {"amount": "dez reais"})
    assert exc.value.field == "amount" and "deve ser um número" in str(exc.value)
