""""Baixa de fatura com rateio entre centro de custo" (Baixar Pagamento): juros and taxa (the
write-off's expenses) apportioned between cost centres — by default the launch's own rateio
("confirmar a baixa e o rateio"), typed percentages when the histórico's rateio is variável (sum
100 %, centavos by largest remainder), the rule's only when it is fixo; one centre still possible.
Service, the dialog (kernel action: preview shows the split) and `quita pagar baixar --rateio`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from plugins.payables.installment_actions import WRITE_OFF
from plugins.payables.models import APPORTION_FIXED, ApportionmentRule, ApportionmentShare, PayableWriteOff
from plugins.payables.tests.payables_world import assert_books
from plugins.payables.tests.payables_writeoff_world import cli, inst, make, rt, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, preview_writeoff, write_off

D = Decimal


def _expense_lines(s, wo_id: int) -> list[tuple[str, int | None, Decimal]]:
    """(account code, centre id, debit) of the entry's juros/taxa lines (debits without the supplier)."""
    wo = s.get(PayableWriteOff, wo_id)
    entry = s.get(JournalEntry, wo.entry_id)
    return sorted((ln.account.code, ln.cost_centre_id, ln.debit) for ln in entry.lines
                  if ln.debit and ln.party_id is None)


def test_default_is_the_launchs_rateio_and_typed_percentages(rt):
    ww = seed_writeoff(rt.engine, rt)
    w, c = ww.w, ww.w.centres
    with unit_of_work(rt.engine) as s:  # a launch apportioned ADM 60 % / TEC 40 %
        from plugins.payables.launch import launch_invoice

        inv = launch_invoice(s, w.request(document="5000", category="Links", cash_flow_account_id=w.accounts["1.1.1.02"],
                                          cost_centres=[(c["ADM"], "60"), (c["TEC"], "40")]), runtime=rt, user=w.admin)
        code = inv.parcels[0].code
        wo = write_off(s, inst(s, code), WriteOffRequest(paid_on=date(2026, 12, 5), interest="10,00", fee="1,01"),
                       runtime=rt, user=w.admin)
        assert _expense_lines(s, wo.id) == sorted([
            ("4.2.01", c["ADM"], D("6.00")), ("4.2.01", c["TEC"], D("4.00")),
            ("4.2.02", c["ADM"], D("0.61")), ("4.2.02", c["TEC"], D("0.40"))])  # 1,01: the centavo to the largest rest
        assert wo.cost_centre_id is None  # several centres: the lines carry them
        # typed percentages (rateio variável: the histórico has no rule)
        wo2 = write_off(s, inst(s, code + 1), WriteOffRequest(paid_on=date(2026, 12, 5), interest="3,33",
                                                              cost_centres=[(c["ADM"], "50"), (c["COM"], "50")]),
                        runtime=rt, user=w.admin)
        assert _expense_lines(s, wo2.id) == sorted([("4.2.01", c["ADM"], D("1.67")), ("4.2.01", c["COM"], D("1.66"))])
        # one centre, as before
        wo3 = write_off(s, inst(s, code + 2), WriteOffRequest(paid_on=date(2026, 12, 5), interest="2,00",
                                                              cost_centre_id=c["COM"]), runtime=rt, user=w.admin)
        assert _expense_lines(s, wo3.id) == [("4.2.01", c["COM"], D("2.00"))] and wo3.cost_centre_id == c["COM"]
        assert_books(s, w)
    # the percentages must add up to 100; nothing written on refusal
    with unit_of_work(rt.engine) as s, pytest.raises(ValidationError) as exc:
        write_off(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 12, 5), interest="1,00",
                                                 cost_centres=[(c["ADM"], "50"), (c["TEC"], "40")]), runtime=rt)
    assert exc.value.field == "cost_centres" and "somam 90%; devem somar 100%" in str(exc.value)


def test_fixed_rule_only_its_percentages(rt):
    ww = seed_writeoff(rt.engine, rt)
    w, c = ww.w, ww.w.centres
    with unit_of_work(rt.engine) as s:
        rule = ApportionmentRule(template_id=w.template_id, kind=APPORTION_FIXED)
        s.add(rule)
        s.flush()
        s.add_all([ApportionmentShare(rule_id=rule.id, cost_centre_id=c["ADM"], percent=D("20")),
                   ApportionmentShare(rule_id=rule.id, cost_centre_id=c["TEC"], percent=D("80"))])
    with unit_of_work(rt.engine, readonly=True) as s:
        with pytest.raises(ValidationError) as exc:
            preview_writeoff(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 12, 5), interest="5,00",
                                                            cost_centres=[(c["ADM"], "50"), (c["TEC"], "50")]))
        assert exc.value.field == "cost_centres" and "tem rateio fixo" in str(exc.value)
        plan = preview_writeoff(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 12, 5), interest="5,00",
                                                               cost_centres=[(c["TEC"], "80"), (c["ADM"], "20")]))
        assert sorted((ln.cost_centre_id, ln.debit) for ln in plan.lines if ln.cost_centre_id) == sorted(
            [(c["ADM"], D("1.00")), (c["TEC"], D("4.00"))])


def test_dialog_and_cli(rt, cli):
    ww = seed_writeoff(rt.engine, rt)
    user, c = ww.w.admin, ww.w.centres
    with unit_of_work(rt.engine, readonly=True) as s:
        first = inst(s, 1).id
    params = {"paid_on": "05/12/2026", "interest": "10,00", "apportionment": "ADM=70; TEC=30"}
    preview = preview_action(rt, WRITE_OFF, [first], params, user)
    assert [a.message for a in preview.warnings[first] if a.code == "baixa.rateio"] == [
        "Rateio de juros e taxa entre centros de custo: ADM - Administrativo 70% (R$ 7,00); TEC - Técnico 30% "
        "(R$ 3,00)."]
    bad = preview_action(rt, WRITE_OFF, [first], {**params, "apportionment": "XYZ=100"}, user)
    assert bad.done == [] and bad.refused[first][0].message == "Centro de custo XYZ não encontrado nesta empresa."
    assert run_action(rt, WRITE_OFF, [first], params, user).done == [first]
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.scalar(select(PayableWriteOff).where(PayableWriteOff.installment_id == first))
        assert _expense_lines(s, wo.id) == sorted([("4.2.01", c["ADM"], D("7.00")), ("4.2.01", c["TEC"], D("3.00"))])
    out = cli("pagar", "baixar", "--fatura", "2", "--data", "05/12/2026", "--taxa", "2,00", "--rateio", "ADM=25",
              "--rateio", "COM=75", "--json")
    assert out.exit_code == 0, out.output
    with unit_of_work(rt.engine, readonly=True) as s:
        wo_id = json.loads(out.output)[0]["id"]
        assert _expense_lines(s, wo_id) == sorted([("4.2.02", c["ADM"], D("0.50")), ("4.2.02", c["COM"], D("1.50"))])
    out = cli("pagar", "baixar", "--fatura", "3", "--data", "05/12/2026", "--taxa", "2,00", "--rateio", "ADM=25")
    assert out.exit_code == 2 and "(campo: cost_centres)" in out.output
