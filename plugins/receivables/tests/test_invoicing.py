"""Invoices: grouping rule, concurrent-link guard, listing, and the CLI commands."""

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from core.cli import build_app
from core.db import unit_of_work
from core.money import to_cents
from plugins.receivables import invoicing
from plugins.receivables.invoicing import OpenCharge, group_charges
from plugins.receivables.models import Charge, Invoice


def _oc(i, due, amount, party=1, grouping=""):
    return OpenCharge(i, party, 1, to_cents(Decimal(amount)), due, grouping, None, 5)


def test_group_charges_by_party_due_date_and_minimum():
    jan10, jan20, feb10 = date(2027, 1, 10), date(2027, 1, 20), date(2027, 2, 10)
    groups = group_charges([_oc(1, jan10, "99.90"), _oc(2, jan10, "10.00"), _oc(3, jan20, "5.00"),
                            _oc(4, jan10, "20.00", party=2), _oc(5, jan10, "50.00", grouping="loja")])
    assert [(g.party_id, g.due_date, g.total) for g in groups] == [
        (1, jan10, Decimal("109.90")), (1, jan20, Decimal("5.00")), (1, jan10, Decimal("50.00")),
        (2, jan10, Decimal("20.00"))]
    assert groups[0].issue_date == date(2027, 1, 5)
    # a small group rolls into the next later one of the same key; the last small one stays alone
    rolled = group_charges([_oc(1, jan10, "19.90"), _oc(2, feb10, "19.90"), _oc(3, jan10, "9.00", party=2)],
                           Decimal("30.00"))
    assert [(g.party_id, g.due_date, g.total, [c.id for c in g.charges]) for g in rolled] == [
        (1, feb10, Decimal("39.80"), [1, 2]), (2, jan10, Decimal("9.00"), [3])]


def _charges(factory, n=2):
    with unit_of_work() as s:
        f = factory(s)
        company, party = f.company(), f.party("Ana")
        rows = [Charge(party_id=party.id, company_id=company.id, description=f"Conta avulsa {i}",
                       amount=Decimal("25.00"), due_date=date(2027, 1, 10), competence=date(2026, 12, 1),
                       origin="avulsa") for i in range(n)]
        s.add_all(rows)
        s.flush()
        return party.id, company.id


def test_issue_invoices_refuses_charges_invoiced_meanwhile(runtime, factory):
    party_id, company_id = _charges(factory)
    with pytest.raises(RuntimeError, match="outra execução"):
        with unit_of_work() as s:
            charges = invoicing.open_charges(s, party_from=party_id, party_to=party_id, due_until=date(2027, 1, 31))
            groups = group_charges(charges)
            s.execute(update(Charge).where(Charge.id == charges[0].id).values(status="suspensa"))
            invoicing.issue_invoices(s, groups)
    with unit_of_work(readonly=True) as s:  # rolled back: no invoice, no number consumed
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
    with unit_of_work() as s:
        charges = invoicing.open_charges(s, party_from=party_id, party_to=party_id, due_until=date(2027, 1, 31))
        ids = invoicing.issue_invoices(s, group_charges(charges), description="Avulsas de dezembro")
        inv = s.get(Invoice, ids[0])
        assert (inv.number, inv.total, inv.description) == (1, Decimal("50.00"), "Avulsas de dezembro")
        assert [c.status for c in invoicing.invoice_charges(s, inv.id)] == ["faturada", "faturada"]


def _cli_env(runtime, database_url, tmp_path, monkeypatch):
    cfg = tmp_path / "quita.toml"
    enabled = ", ".join(f'"{n}"' for n in runtime.config.enabled_plugins)
    cfg.write_text(f'[database]\nurl = "{database_url}"\n\n[plugins]\nenabled = [{enabled}]\n', encoding="utf-8")
    monkeypatch.setenv("QUITA_CONFIG", str(cfg))
    return build_app(runtime.plugins), CliRunner()


def test_cli_billing_run_and_invoices_list(runtime, database_url, factory, tmp_path, monkeypatch):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        party = f.party("Ana")
        f.contract(party, company, plan, rule)
        f.contract(party, company, plan, rule, activated_on=date(2026, 12, 16))
        party_id = party.id
    app, runner = _cli_env(runtime, database_url, tmp_path, monkeypatch)
    out = runner.invoke(app, ["billing", "run", "--help"])
    assert out.exit_code == 0 and "Competência" in out.output
    out = runner.invoke(app, ["billing", "run", "--competence", "2026-12"])
    assert out.exit_code == 0, out.output
    assert "contas criadas:      2" in out.output and "faturas criadas:     1" in out.output
    out = runner.invoke(app, ["billing", "run", "--competence", "2026-12", "--json"])
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert (summary["charges_created"], summary["already_billed"], summary["invoices_created"]) == (0, 2, 0)
    out = runner.invoke(app, ["invoices", "list", "--party", str(party_id), "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [(r["number"], r["total"], r["due_date"], r["status"]) for r in rows] == [
        (1, "151.46", "2027-01-10", "aberta")]  # 99,90 + 16/31 × 99,90 (51,56)
    out = runner.invoke(app, ["billing", "run", "--competence", "2026-13"])
    assert out.exit_code == 2 and "Competência inválida" in out.output
