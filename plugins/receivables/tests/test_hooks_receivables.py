"""The receivables hook family (hooks/receivables.py), each exercised through a real plugin manager
(`core.plugins.load_plugins` / `core.runtime.bootstrap` with in-test plugin modules), called the way
the receivables services call it: guards and `on_invoice_created` inside the unit of work, events
after commit through `core.plugins.notify_each`, `compute_interest` as a firstresult policy.

Invoices are plain objects with the attributes the specs name (`id`, `total`, `due_date`…): the
hooks' contract, not the ORM model, is under test here.
"""

from __future__ import annotations

import dataclasses
import types
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.actions import ActionContext, Blocker
from core.db import after_commit, unit_of_work
from core.numbering import next_number, peek_next
from core.plugins import notify_each
from core.runtime import bootstrap
from hooks import hookimpl
from hooks.receivables import SettlementAdjustment, SettlementReview, collect_before_settle
from plugins.receivables import interest_hooks
from plugins.receivables.interest import InterestBreakdown, InterestPolicy, InterestSettings, compute_charges
from tests.conftest import make_config
from tests.pluginkit import plugin_module
from tests.worldkit import runtime_maker

D = Decimal
DEFAULT = "receivables_interest_default"     # the plugin's default implementations, registered alone
POLICY = InterestPolicy(daily_rate_percent=D("0.033"), interest_grace_days=2)


def _runtime(url: str, modules: dict[str, types.ModuleType], settings: dict | None = None):
    config = make_config(url, enabled=list(modules), plugin_settings=settings)
    return bootstrap(config, extra_plugins=modules, make_current=False)


@pytest.fixture
def db_runtime(database_url):
    """Runtimes built on the suite's (migrated) database; tables emptied afterwards."""
    with runtime_maker(lambda modules: _runtime(database_url, modules)) as make:
        yield make


# --- compute_interest ----------------------------------------------------------------------------

def _bankplugin_module(name: str, calls: list):
    """A bank plugin: its wallet clears in D+2, so it answers with its own compensation."""

    @hookimpl
    def compute_interest(invoice, as_of, policy):
        calls.append((name, invoice.wallet))
        if invoice.wallet != "bradesco":
            return None
        bank_policy = dataclasses.replace(policy, compensation_days=2)
        return compute_charges(invoice.total, invoice.due_date, as_of, bank_policy)

    return plugin_module(name, compute_interest=compute_interest)


def test_hook_compute_interest(tmp_path):
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    invoice = SimpleNamespace(id=1, total=D("100.00"), due_date=date(2007, 8, 12), wallet="carteira")
    bradesco = SimpleNamespace(id=2, total=D("100.00"), due_date=date(2007, 8, 12), wallet="bradesco")
    as_of = date(2007, 8, 15)

    # With only the receivables default: the manual's rules (grace 2, 3 days late ⇒ 3 days).
    rt = _runtime(url, {DEFAULT: interest_hooks})
    answer = rt.hook.compute_interest(invoice=invoice, as_of=as_of, policy=POLICY)
    assert isinstance(answer, InterestBreakdown)           # firstresult: one answer, not a list
    assert answer == compute_charges(D("100.00"), date(2007, 8, 12), as_of, POLICY)
    assert (answer.interest_days, answer.interest) == (3, D("0.10"))
    rt.dispose()

    # A bank plugin answers for its wallet and wins over the trylast default, whatever the
    # registration order (plugins are registered by name: one before, one after the default).
    for bank_name in ("aaa_banco", "zzz_banco"):
        calls: list = []
        rt = _runtime(url, {DEFAULT: interest_hooks, bank_name: _bankplugin_module(bank_name, calls)})
        mine = rt.hook.compute_interest(invoice=bradesco, as_of=as_of, policy=POLICY)
        assert (mine.days_late, mine.interest_days, mine.interest) == (3, 1, D("0.03"))
        # For an invoice it does not handle it returns None and the default answers.
        other = rt.hook.compute_interest(invoice=invoice, as_of=as_of, policy=POLICY)
        assert (other.interest_days, other.interest) == (3, D("0.10"))
        assert calls == [(bank_name, "bradesco"), (bank_name, "carteira")]
        rt.dispose()

    # Without any implementation the hook answers None (receivables disabled).
    rt = _runtime(url, {"aaa_banco": _bankplugin_module("aaa_banco", [])})
    assert rt.hook.compute_interest(invoice=invoice, as_of=as_of, policy=POLICY) is None
    rt.dispose()


def test_default_compute_interest_uses_the_deployment_policy(tmp_path):
    """`interest_for` builds the policy from the receivables settings' `interest` fragment."""
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    rt = _runtime(url, {DEFAULT: interest_hooks})
    invoice = SimpleNamespace(total=D("99.90"), due_date=date(2026, 3, 10))
    # No receivables settings registered: defaults 0,033 %/day simple + 2 % multa.
    # 99,90 × 0,00033 × 15 = 0,4945 ⇒ 0,49; multa 1,998 ⇒ 2,00; total 102,39.
    got = interest_hooks.interest_for(rt, invoice, date(2026, 3, 25))
    assert (got.interest, got.penalty, got.total) == (D("0.49"), D("2.00"), D("102.39"))
    settings = SimpleNamespace(interest=InterestSettings(daily_rate_percent=D("0.033"), mode="compound",
                                                         penalty_percent=D("0")))
    assert interest_hooks.policy_from_settings(settings).mode == "compound"
    got = interest_hooks.interest_for(rt, invoice, date(2026, 3, 25), interest_hooks.policy_from_settings(settings))
    assert (got.interest, got.penalty) == (D("0.50"), D("0.00"))   # compound: 0,4956 ⇒ 0,50
    # The hook called with policy=None falls back to the default settings too.
    assert interest_hooks.compute_interest(invoice, date(2026, 3, 25), None).total == D("102.39")
    rt.dispose()


# --- before_settle -------------------------------------------------------------------------------

def _settle_plugins(order: str) -> dict[str, types.ModuleType]:
    @hookimpl
    def remessa_guard(invoice, settlement, ctx):
        if invoice.remessa_transmitted and settlement.method == "avulsa":
            return [Blocker(invoice.id, "remessa_transmitida",
                            f"A fatura {invoice.id} está em uma remessa transmitida ao banco")]
        return None

    @hookimpl
    def fee(invoice, settlement, ctx):
        return [SettlementAdjustment("tarifa_boleto", D("2.50"), "Tarifa de boleto")]

    @hookimpl
    def loyalty(invoice, settlement, ctx):
        if settlement.charges is not None and settlement.charges.days_late == 0:
            return SettlementAdjustment("fidelidade", D("-1.00"), "Desconto de fidelidade")
        return None

    @hookimpl
    def silent(invoice, settlement, ctx):
        return None

    made = {"guard": plugin_module("guard", before_settle=remessa_guard),
            "fee": plugin_module("fee", before_settle=fee),
            "loyalty": plugin_module("loyalty", before_settle=loyalty),
            "silent": plugin_module("silent", before_settle=silent)}
    names = list(made) if order == "forward" else list(reversed(made))
    # Prefixes force pluggy's call order to differ between the two runs.
    return {f"p{i}_{n}": made[n] for i, n in enumerate(names)}


def _review(rt, invoice, settlement) -> SettlementReview:
    ctx = ActionContext(session=None, user=None, runtime=rt)
    return collect_before_settle(rt.hook.before_settle(invoice=invoice, settlement=settlement, ctx=ctx))


def test_hook_before_settle(tmp_path):
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    in_remessa = SimpleNamespace(id=123, total=D("99.90"), due_date=date(2026, 3, 10), remessa_transmitted=True)
    plain = SimpleNamespace(id=124, total=D("99.90"), due_date=date(2026, 3, 10), remessa_transmitted=False)
    on_time = compute_charges(D("99.90"), date(2026, 3, 10), date(2026, 3, 10), POLICY)
    settlement = SimpleNamespace(paid_on=date(2026, 3, 10), amount=D("99.90"), method="avulsa", charges=on_time)

    reviews = []
    for order in ("forward", "backward"):
        rt = _runtime(url, _settle_plugins(order))
        blocked = _review(rt, in_remessa, settlement)
        allowed = _review(rt, plain, settlement)
        reviews.append((blocked, allowed))
        rt.dispose()
        # A veto: the invoice in a transmitted remessa is refused with the plugin's reason.
        assert not blocked.allowed
        assert blocked.blockers == [Blocker(123, "remessa_transmitida",
                                            "A fatura 123 está em uma remessa transmitida ao banco")]
        # Adjustments of every plugin, merged: +2,50 fee, −1,00 loyalty discount ⇒ +1,50.
        assert allowed.allowed
        assert [(a.code, a.amount) for a in allowed.adjustments] == [("fidelidade", D("-1.00")),
                                                                     ("tarifa_boleto", D("2.50"))]
        assert allowed.adjustment_total == D("1.50")
    assert reviews[0] == reviews[1]                # the plugins' order does not change the outcome

    # A late payment: no loyalty discount, only the fee.
    late = SimpleNamespace(paid_on=date(2026, 3, 25), amount=D("100.00"), method="boleto",
                           charges=compute_charges(D("99.90"), date(2026, 3, 10), date(2026, 3, 25), POLICY))
    rt = _runtime(url, _settle_plugins("forward"))
    review = _review(rt, in_remessa, late)           # method "boleto": the remessa guard lets it through
    assert review.allowed and review.adjustment_total == D("2.50")
    rt.dispose()


def test_before_settle_answers_are_checked():
    with pytest.raises(TypeError):
        collect_before_settle([["não é um bloqueio"]])
    with pytest.raises(TypeError):
        SettlementAdjustment("tarifa", 2.5, "Tarifa")                 # float money
    with pytest.raises(ValueError):
        SettlementAdjustment("tarifa", D("0.00"), "Tarifa")           # zero is no adjustment
    with pytest.raises(ValueError):
        SettlementAdjustment("tarifa", D("1.005"), "Tarifa")          # sub-centavo
    with pytest.raises(ValueError):
        SettlementAdjustment("tarifa", D("1.00"), " ")                # no description
    assert collect_before_settle([]).allowed
    assert collect_before_settle([None, [], [None]]).adjustment_total == D("0.00")


# --- on_invoice_created --------------------------------------------------------------------------

NOSSO = "teste.nosso_numero"


def _created_plugins(seen: list):
    @hookimpl
    def bank(invoice, ctx):
        # Like bank_profiles: draw the boleto's nosso número in the creating transaction.
        invoice.nosso_numero = next_number(ctx.session, kind=NOSSO, series="341-109")

    @hookimpl
    def fragile(invoice, ctx):
        seen.append(invoice.id)
        if invoice.id == 99:
            raise RuntimeError("plugin recusou a fatura 99")

    return {"banco": plugin_module("banco", on_invoice_created=bank),
            "fragil": plugin_module("fragil", on_invoice_created=fragile)}


def _create(rt, invoice, *, fail_after=False):
    """What the receivables services do after flushing a new invoice."""
    with unit_of_work(rt.engine) as session:
        ctx = ActionContext(session=session, user=None, runtime=rt)
        rt.hook.on_invoice_created(invoice=invoice, ctx=ctx)
        if fail_after:
            raise RuntimeError("falha depois do hook")
    return invoice


def test_hook_on_invoice_created(db_runtime):
    seen: list = []
    rt = db_runtime(_created_plugins(seen))
    first = _create(rt, SimpleNamespace(id=1, nosso_numero=None))
    second = _create(rt, SimpleNamespace(id=2, nosso_numero=None))
    assert (first.nosso_numero, second.nosso_numero) == (1, 2)
    assert seen == [1, 2]                                       # every plugin is called

    # The creation fails after the hook: the number drawn inside it is given back.
    with pytest.raises(RuntimeError):
        _create(rt, SimpleNamespace(id=3, nosso_numero=None), fail_after=True)
    # A plugin raising aborts the creation, undoing what the other plugin wrote.
    with pytest.raises(RuntimeError, match="fatura 99"):
        _create(rt, SimpleNamespace(id=99, nosso_numero=None))
    with unit_of_work(rt.engine, readonly=True) as s:
        assert peek_next(s, kind=NOSSO, series="341-109") == 3
    assert _create(rt, SimpleNamespace(id=4, nosso_numero=None)).nosso_numero == 3


# --- events after commit -------------------------------------------------------------------------

EVENT = "teste.evento"


def _event_plugins(hook_name: str, log: list):
    def listen(**kwargs):
        # Runs after commit: a new unit of work sees what the settlement/removal committed.
        with unit_of_work(kwargs["ctx"].runtime.engine, readonly=True) as s:
            committed = peek_next(s, kind=EVENT) - 1
        log.append(("ouvinte", {k: v for k, v in kwargs.items() if k != "ctx"}, committed))

    def broken(**kwargs):
        log.append(("quebrado",))
        raise RuntimeError("plugin com defeito")

    # Each implementation has the spec's exact argument names (pluggy passes them by name).
    if hook_name == "on_invoice_removed":
        @hookimpl
        def listener(invoice_id, reason, ctx):
            listen(invoice_id=invoice_id, reason=reason, ctx=ctx)

        @hookimpl
        def faulty(invoice_id, reason, ctx):
            broken()
    else:
        @hookimpl
        def listener(invoice_id, settlement_id, ctx):
            listen(invoice_id=invoice_id, settlement_id=settlement_id, ctx=ctx)

        @hookimpl
        def faulty(invoice_id, settlement_id, ctx):
            broken()

    return {"a_ouvinte": plugin_module("a_ouvinte", **{hook_name: listener}),
            "b_quebrado": plugin_module("b_quebrado", **{hook_name: faulty})}


def _commit_then_notify(rt, hook_name: str, *, fail: bool = False, **kwargs):
    """What the receivables services do: write, then notify every plugin after the commit."""
    with unit_of_work(rt.engine) as session:
        ctx = ActionContext(session=session, user=None, runtime=rt)
        next_number(session, kind=EVENT)                  # stands for the settlement/removal rows
        after_commit(session, lambda: notify_each(getattr(rt.hook, hook_name), ctx=ctx, **kwargs))
        if fail:
            raise RuntimeError("falha antes do commit")


def _check_event(db_runtime, hook_name: str, **kwargs):
    log: list = []
    rt = db_runtime(_event_plugins(hook_name, log))
    _commit_then_notify(rt, hook_name, **kwargs)
    # Both plugins called (the broken one last-registered, so first); its error is isolated and
    # the listener sees the committed state.
    assert log == [("quebrado",), ("ouvinte", kwargs, 1)]
    log.clear()
    with pytest.raises(RuntimeError):
        _commit_then_notify(rt, hook_name, fail=True, **kwargs)
    assert log == []                                      # rolled back: nobody is told


def test_hook_on_invoice_removed(db_runtime):
    _check_event(db_runtime, "on_invoice_removed", invoice_id=123, reason="CANCELAMENTO")


def test_hook_after_settle(db_runtime):
    _check_event(db_runtime, "after_settle", invoice_id=123, settlement_id=7)


def test_hook_after_reverse(db_runtime):
    _check_event(db_runtime, "after_reverse", invoice_id=123, settlement_id=7)


def test_receivables_plugin_registers_the_trylast_default(tmp_path):
    """The real plugin (entry point `receivables`) carries the default, marked trylast."""
    config = make_config(f"sqlite:///{tmp_path / 'unused.db'}", enabled=["receivables"])
    rt = bootstrap(config, make_current=False)
    impls = [i for i in rt.hook.compute_interest.get_hookimpls() if i.plugin_name == "receivables"]
    assert len(impls) == 1 and impls[0].trylast and impls[0].function is interest_hooks.compute_interest
    invoice = SimpleNamespace(total=D("100.00"), due_date=date(2010, 4, 15))
    got = interest_hooks.interest_for(rt, invoice, date(2010, 4, 21))
    assert got.penalty == D("2.00")                 # default settings: 2 % multa, no grace
    rt.dispose()
