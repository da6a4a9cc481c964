"""Invoice tools (remove, suspend, alter, comment, SPC, remessa mark): the manual's blockers in
bulk runs, the removal record, recreation with a new number on due-date / value changes, and the
hooks — with an in-test plugin that records `on_invoice_created` / `on_invoice_removed` and
refuses removal of invoices with remessa transmitted through the kernel `action_blockers` hook."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import audit
from core.actions import Blocker, preview_action, run_action
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.reasons import Reason
from core.models.users import User
from core.runtime import bootstrap, set_current
from hooks import hookimpl
from plugins.receivables import invoice_tools as tools
from plugins.receivables.invoice_log import InvoiceRemessaMark, InvoiceSuspension
from plugins.receivables.invoicing import draw_numbers
from plugins.receivables.models import Charge, Invoice
from tests.conftest import make_config, truncate_all

GUARD = "guarda_remessa_teste"


class Seen:
    def __init__(self):
        self.created: list[tuple[int, int, bool]] = []  # (invoice id, number, session active)
        self.removed: list[tuple[int, str | None, str | None]] = []  # (invoice id, reason, justification)


def _guard_plugin(seen: Seen):
    mod = types.ModuleType(GUARD)

    @hookimpl
    def action_blockers(action, records, params, ctx):
        if action.name != "receivables.invoice.remove":
            return None
        return [Blocker(inv.id, "remessa.transmitida", f"A fatura {inv.number} está com remessa transmitida")
                for inv in records if inv.remessa_transmitted]

    @hookimpl
    def on_invoice_created(invoice, ctx):
        seen.created.append((invoice.id, invoice.number, ctx.session.in_transaction()))

    @hookimpl
    def on_invoice_removed(invoice_id, reason, ctx):
        seen.removed.append((invoice_id, reason, ctx.justification))

    mod.action_blockers = action_blockers
    mod.on_invoice_created = on_invoice_created
    mod.on_invoice_removed = on_invoice_removed
    return mod


@pytest.fixture
def env(database_url):
    seen = Seen()
    extra = {GUARD: _guard_plugin(seen)}
    rt = bootstrap(make_config(database_url, enabled=[*BUILTIN_PLUGINS, GUARD]), extra_plugins=extra)
    yield rt, seen
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


def _invoice(f, s, company, party, amounts, *, due=date(2027, 1, 10), status="aberta", remessa=False):
    """An invoice of `amounts` (one charge each), number from the gapless counter."""
    total = sum((Decimal(a) for a in amounts), Decimal("0.00"))
    inv = Invoice(party_id=party.id, company_id=company.id, number=draw_numbers(s, company.id, 1),
                  issue_date=date(2026, 12, 31), due_date=due, total=total, status=status,
                  description="Fatura competência 12/2026", wallet="cobranca", competence=date(2026, 12, 1),
                  remessa_transmitted=remessa, remessa_write_off_pending=False)
    s.add(inv)
    s.flush()
    for i, a in enumerate(amounts):
        s.add(Charge(party_id=party.id, company_id=company.id, description=f"Conta {i + 1}", amount=Decimal(a),
                     due_date=due, competence=date(2026, 12, 1), status="faturada", invoice_id=inv.id))
    s.flush()
    return inv


def _setup(factory, statuses=("aberta",), *, remessa=()):
    """A company, a party, an admin and one invoice per status (99,90 + 49,95 = 149,85 each)."""
    with unit_of_work() as s:
        f = factory(s)
        company, party = f.company(), f.party("Ana")
        admin = User(username="gerente", password_hash="x", is_admin=True, roles=[])
        s.add(admin)
        s.add_all([Reason(kind="exclusao_fatura", code="DUP", description="Fatura duplicada"),
                   Reason(kind="suspensao_fatura", code="NEG", description="Negociação em andamento")])
        ids = [_invoice(f, s, company, party, ["99.90", "49.95"], status=st, remessa=i in remessa).id
               for i, st in enumerate(statuses)]
        s.flush()
        return ids, admin, company.id, party.id


def _messages(result, inv_id):
    return [b.message for b in result.refused[inv_id]]


def _numbers(ids):
    with unit_of_work(readonly=True) as s:
        return [s.get(Invoice, i).number for i in ids]


def test_remove_in_bulk_refuses_with_the_manuals_reasons_and_records_the_removal(env, factory):
    rt, seen = env
    ids, admin, _, party_id = _setup(factory, ("aberta", "liquidada", "excluida", "parcialmente_liquidada"))
    n = _numbers(ids)
    result = run_action(rt, "receivables.invoice.remove", ids,
                        {"reason": "DUP", "comments": "Gerada em dobro", "confirmed": True}, admin)
    assert result.done == [ids[0]]
    assert _messages(result, ids[1]) == [f"A Fatura {n[1]} já está liquidada"]
    assert _messages(result, ids[2]) == [f"A fatura {n[2]} está com status de excluída"]
    assert _messages(result, ids[3]) == ["Esta fatura possui liquidações parciais"]
    with unit_of_work(readonly=True) as s:
        inv = s.get(Invoice, ids[0])
        assert inv.status == "excluida"
        charges = s.scalars(select(Charge).where(Charge.description.in_(["Conta 1", "Conta 2"]),
                                                 Charge.invoice_id.is_(None))).all()
        assert sorted(c.amount for c in charges) == [Decimal("49.95"), Decimal("99.90")]
        assert {c.status for c in charges} == {"aberta"}
        [row] = tools.removed_invoices(s, party_id=party_id)
        assert (row.invoice_id, row.number, row.total) == (ids[0], n[0], Decimal("149.85"))
        assert (row.removed_by, row.reason_text, row.comments) == ("gerente", "DUP — Fatura duplicada",
                                                                    "Gerada em dobro")
        assert row.removed_at is not None and row.replaced_by_invoice_id is None
        [entry] = audit.history(s, "receivables_invoice", ids[0])
        assert entry.changes["status"] == ["aberta", "excluida"]
    assert seen.removed == [(ids[0], "DUP", None)]


def test_remove_requires_reason_and_confirmation(env, factory):
    rt, seen = env
    ids, admin, _, _ = _setup(factory)
    with pytest.raises(ValidationError, match="Confirme a operação"):
        run_action(rt, "receivables.invoice.remove", ids, {"reason": "DUP"}, admin)
    with pytest.raises(ValidationError, match="Informe o motivo"):
        run_action(rt, "receivables.invoice.remove", ids, {"confirmed": True}, admin)
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, ids[0]).status == "aberta"
    assert seen.removed == []


def test_another_plugins_action_blockers_refuses_removal(env, factory):
    rt, seen = env
    ids, admin, _, _ = _setup(factory, ("aberta", "aberta", "liquidada"), remessa=(1, 2))
    n = _numbers(ids)
    preview = preview_action(rt, "receivables.invoice.remove", ids, {}, admin)
    assert preview.done == [ids[0]]
    result = run_action(rt, "receivables.invoice.remove", ids, {"reason": "DUP", "confirmed": True}, admin)
    assert result.done == [ids[0]]
    assert _messages(result, ids[1]) == [f"A fatura {n[1]} está com remessa transmitida"]
    # every reason of a refused invoice is reported: the plugin's and the action's own
    assert sorted(_messages(result, ids[2])) == sorted([f"A Fatura {n[2]} já está liquidada",
                                                        f"A fatura {n[2]} está com remessa transmitida"])
    assert [r[0] for r in seen.removed] == [ids[0]]


def test_suspend_and_cancel_suspension_in_bulk(env, factory):
    rt, _ = env
    ids, admin, _, _ = _setup(factory, ("aberta", "aberta", "liquidada", "excluida", "suspensa"), remessa=(1,))
    n = _numbers(ids)
    with unit_of_work(readonly=True) as s:
        warnings = tools.suspension_warnings([s.get(Invoice, i) for i in ids])
    assert warnings == {ids[1]: "ATENÇÃO: Suspensão autorizada, porém essa fatura já tem remessa gerada."}
    result = run_action(rt, "receivables.invoice.suspend", ids,
                        {"reason": "NEG", "notes": "Cliente negociando acordo"}, admin)
    assert result.done == ids[:2]
    assert _messages(result, ids[2]) == [f"A Fatura {n[2]} já está liquidada"]
    assert _messages(result, ids[3]) == [f"A fatura {n[3]} está com status de excluída"]
    assert _messages(result, ids[4]) == [f"A fatura {n[4]} já está com o status de suspenso."]
    with unit_of_work(readonly=True) as s:
        assert [s.get(Invoice, i).status for i in ids[:2]] == ["suspensa", "suspensa"]
        row = s.scalar(select(InvoiceSuspension).where(InvoiceSuspension.invoice_id == ids[0]))
        assert (row.reason_text, row.notes, row.suspended_by) == ("NEG — Negociação em andamento",
                                                                  "Cliente negociando acordo", "gerente")
    result = run_action(rt, "receivables.invoice.cancel_suspension", [ids[0], ids[2]], {}, admin)
    assert result.done == [ids[0]]
    assert _messages(result, ids[2]) == [f"A fatura {n[2]} não está suspensa."]
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, ids[0]).status == "aberta"
        row = s.scalar(select(InvoiceSuspension).where(InvoiceSuspension.invoice_id == ids[0]))
        assert row.lifted_at is not None and row.lifted_by == "gerente"


def test_alter_due_date_with_surcharge_recreates_the_invoice_with_a_new_number(env, factory):
    rt, seen = env
    ids, admin, _, party_id = _setup(factory)
    [old_number] = _numbers(ids)
    result = run_action(rt, "receivables.invoice.alter", ids,
                        {"justification": "Cliente pediu novo vencimento", "what": "vencimento",
                         "due_date": "20/01/2027", "surcharge": "2,00"}, admin)
    assert result.done == ids
    with unit_of_work(readonly=True) as s:
        old = s.get(Invoice, ids[0])
        assert old.status == "excluida" and old.total == Decimal("149.85")
        [removed] = tools.removed_invoices(s, party_id=party_id)
        new = s.get(Invoice, removed.replaced_by_invoice_id)
        assert new.number == old_number + 1
        assert (new.status, new.due_date, new.total) == ("aberta", date(2027, 1, 20), Decimal("151.85"))
        assert removed.comments == "Cliente pediu novo vencimento"
        charges = s.scalars(select(Charge).where(Charge.invoice_id == new.id).order_by(Charge.id)).all()
        assert [c.amount for c in charges] == [Decimal("99.90"), Decimal("49.95"), Decimal("2.00")]
        assert charges[2].description == "Acréscimo por alteração de vencimento (10/01/2027 → 20/01/2027)"
        assert {c.due_date for c in charges} == {date(2027, 1, 20)}
        assert s.scalar(select(Charge.id).where(Charge.invoice_id == old.id)) is None
        assert audit.history(s, "receivables_invoice", new.id)[0].justification == "Cliente pediu novo vencimento"
    assert seen.created == [(new.id, old_number + 1, True)]
    assert seen.removed == [(ids[0], None, "Cliente pediu novo vencimento")]


def test_alter_value_adds_an_adjustment_charge_in_a_new_invoice(env, factory):
    rt, seen = env
    ids, admin, _, _ = _setup(factory, ("aberta", "aberta"))
    n = _numbers(ids)
    run_action(rt, "receivables.invoice.alter", [ids[0]],
               {"justification": "Desconto negociado", "what": "valor", "new_total": "120,00"}, admin)
    run_action(rt, "receivables.invoice.alter", [ids[1]],
               {"justification": "Visita técnica", "what": "valor", "new_total": "180.00"}, admin)
    with unit_of_work(readonly=True) as s:
        new = {r.invoice_id: s.get(Invoice, r.replaced_by_invoice_id) for r in tools.removed_invoices(s)}
        assert [new[i].number for i in ids] == [n[1] + 1, n[1] + 2]
        assert [new[i].total for i in ids] == [Decimal("120.00"), Decimal("180.00")]
        adjust = [s.scalar(select(Charge).where(Charge.invoice_id == new[i].id, Charge.description.not_like("Conta%")))
                  for i in ids]
        assert [a.amount for a in adjust] == [Decimal("-29.85"), Decimal("30.15")]
        assert adjust[0].description == f"Desconto por alteração do valor da fatura {n[0]}"
        assert adjust[1].description == f"Acréscimo por alteração do valor da fatura {n[1]}"
        assert new[ids[0]].due_date == date(2027, 1, 10)
    assert [c[1] for c in seen.created] == [n[1] + 1, n[1] + 2]


def test_alter_in_place_requires_justification_and_refuses_with_the_manuals_reasons(env, factory):
    rt, seen = env
    ids, admin, _, _ = _setup(factory, ("aberta", "liquidada", "excluida", "suspensa", "parcialmente_liquidada"))
    n = _numbers(ids)
    with pytest.raises(ValidationError, match="Justificativa") as err:
        run_action(rt, "receivables.invoice.alter", ids, {"what": "descricao", "description": "X"}, admin)
    assert err.value.field == "justification"
    with pytest.raises(ValidationError, match="Informe a nova data de vencimento"):
        run_action(rt, "receivables.invoice.alter", ids, {"justification": "j", "what": "vencimento"}, admin)
    result = run_action(rt, "receivables.invoice.alter", ids,
                        {"justification": "Pedido do cliente", "what": "descricao",
                         "description": "Mensalidade dezembro/2026 — Fibra 300 Mega"}, admin)
    assert result.done == [ids[0]]
    assert _messages(result, ids[1]) == [f"A Fatura {n[1]} já está liquidada"]
    assert _messages(result, ids[2]) == [f"A fatura {n[2]} está com status de excluída"]
    assert _messages(result, ids[3]) == [f"A fatura {n[3]} já está com o status de suspenso."]
    assert _messages(result, ids[4]) == ["A fatura está com liquidação parcial"]
    result = run_action(rt, "receivables.invoice.alter", [ids[0]],
                        {"justification": "Pontualidade", "what": "desconto_instrucao", "discount_amount": "5,00",
                         "discount_until": "05/01/2027", "instruction": "Não receber após 30 dias do vencimento"},
                        admin)
    assert result.done == [ids[0]]
    with unit_of_work(readonly=True) as s:
        inv = s.get(Invoice, ids[0])
        assert (inv.number, inv.status, inv.total) == (n[0], "aberta", Decimal("149.85"))
        assert inv.description == "Mensalidade dezembro/2026 — Fibra 300 Mega"
        assert (inv.discount_amount, inv.discount_until) == (Decimal("5.00"), date(2027, 1, 5))
        assert inv.instruction == "Não receber após 30 dias do vencimento"
        entries = audit.history(s, "receivables_invoice", ids[0])
        assert [e.justification for e in entries] == ["Pontualidade", "Pedido do cliente"]
    # a discount date after the due date is refused and nothing is written
    with pytest.raises(ValidationError, match="posterior ao vencimento"):
        run_action(rt, "receivables.invoice.alter", [ids[0]],
                   {"justification": "j", "what": "desconto_instrucao", "discount_amount": "5,00",
                    "discount_until": "11/01/2027"}, admin)
    assert seen.created == [] and seen.removed == []


def test_service_refusals_and_same_value(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        inv = _invoice(f, s, f.company(), f.party("Bia"), ["99.90"], status="liquidada")
        with pytest.raises(ValidationError, match=f"A Fatura {inv.number} já está liquidada"):
            tools.remove_invoice(s, inv)
        inv.status = "aberta"
        with pytest.raises(ValidationError, match="igual ao valor atual"):
            tools.alter_value(s, inv, Decimal("99.90"))
        with pytest.raises(ValidationError, match="igual à atual"):
            tools.alter_due_date(s, inv, date(2027, 1, 10))
        new = tools.alter_value(s, inv, Decimal("89.90"))  # without a runtime: no hooks, still recreated
        assert (new.total, inv.status) == (Decimal("89.90"), "excluida")
        row = tools.remove_invoice(s, new, comments="Serviço não prestado")  # service path releases the charges
        assert (row.number, row.total, row.removed_by) == (new.number, Decimal("89.90"), None)
        charges = s.scalars(select(Charge).where(Charge.party_id == inv.party_id).order_by(Charge.id)).all()
        assert [(c.amount, c.status, c.invoice_id) for c in charges] == [(Decimal("99.90"), "aberta", None),
                                                                          (Decimal("-10.00"), "aberta", None)]


def test_comments_are_appended_with_user_and_date(env, factory):
    rt, _ = env
    ids, admin, _, _ = _setup(factory, ("aberta", "excluida"))
    run_action(rt, "receivables.invoice.comment", ids, {"text": "Cliente ligou pedindo 2ª via"}, admin)
    run_action(rt, "receivables.invoice.comment", [ids[0]], {"text": "Enviada por e-mail"}, admin)
    with pytest.raises(ValidationError, match="Comentário"):
        run_action(rt, "receivables.invoice.comment", ids, {"text": ""}, admin)
    with unit_of_work(readonly=True) as s:
        rows = tools.invoice_comments(s, ids[0])
        assert [(c.text, c.username) for c in rows] == [("Cliente ligou pedindo 2ª via", "gerente"),
                                                         ("Enviada por e-mail", "gerente")]
        assert all(c.created_at is not None for c in rows)
        assert len(tools.invoice_comments(s, ids[1])) == 1


def test_spc_marker_and_collections_list(env, factory):
    rt, _ = env
    ids, admin, company_id, _ = _setup(factory, ("aberta", "aberta", "liquidada", "excluida"))
    n = _numbers(ids)
    result = run_action(rt, "receivables.invoice.add_to_spc", ids, {}, admin)
    assert result.done == ids[:2]
    assert _messages(result, ids[2]) == [f"A Fatura {n[2]} já está liquidada"]
    assert _messages(result, ids[3]) == [f"A fatura {n[3]} está com status de excluída"]
    result = run_action(rt, "receivables.invoice.add_to_spc", [ids[0]], {}, admin)
    assert _messages(result, ids[0]) == [f"A fatura {n[0]} já foi adicionada ao SPC."]
    with unit_of_work(readonly=True) as s:
        listed = tools.spc_invoices(s, company_id=company_id)
        assert sorted(inv.id for inv, _ in listed) == sorted(ids[:2])
        assert {entry.added_by for _, entry in listed} == {"gerente"}
        assert tools.spc_invoices(s, company_id=company_id + 1000) == []


def test_mark_and_unmark_remessa_transmitted(env, factory):
    rt, _ = env
    ids, admin, _, _ = _setup(factory, ("aberta", "aberta", "excluida"), remessa=(1,))
    n = _numbers(ids)
    result = run_action(rt, "receivables.invoice.mark_remessa", ids, {}, admin)
    assert result.done == [ids[0]]
    assert _messages(result, ids[1]) == [f"A fatura {n[1]} já está com remessa transmitida."]
    assert _messages(result, ids[2]) == [f"A fatura {n[2]} está com status de excluída"]
    result = run_action(rt, "receivables.invoice.unmark_remessa", ids, {}, admin)
    assert result.done == ids[:2]
    assert _messages(result, ids[2]) == [f"A fatura {n[2]} não está com remessa transmitida."]
    with unit_of_work(readonly=True) as s:
        assert [s.get(Invoice, i).remessa_transmitted for i in ids] == [False, False, False]
        assert [(m.transmitted, m.username) for m in tools.remessa_marks(s, ids[0])] == [(True, "gerente"),
                                                                                         (False, "gerente")]
        assert s.query(InvoiceRemessaMark).filter(InvoiceRemessaMark.invoice_id == ids[1]).count() == 1


def test_registered_actions_permissions_and_reason_kinds(runtime):
    names = {a.name for a in tools.ACTIONS}
    assert names <= set(runtime.registry.actions)
    assert {"exclusao_fatura", "suspensao_fatura"} <= set(runtime.registry.reason_kinds)
    assert set(tools.PERMISSIONS) <= set(runtime.registry.permissions)
