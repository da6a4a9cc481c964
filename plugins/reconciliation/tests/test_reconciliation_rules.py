"""User rules of the reconciliation ("Cadastro de Regras"): validation, order (first match wins), each
condition, "classificar em conta contábil" (balanced entry, reconciled with origin "regra", reversed
on unreconcile, protected period), "conciliar com candidatos", the automatic pass calling them
between the manual's rule 1 and the suggestions, the 90-day test and the CLI — on a real runtime
(SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account, CostCentre, JournalEntry
from core.ledger.services import account_balance
from plugins.receivables.models import Invoice
from plugins.reconciliation.matching import reconcile_automatic
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.rules import (RuleFields, compile_rule, create_rule, delete_rule, first_matching_rule,
                                          list_rules, move_rule, rule_matches, rule_of_reconciliation, run_rules,
                                          test_rule as try_rule, update_rule)
from plugins.reconciliation.rules_models import ReconciliationRule
from plugins.reconciliation.tests.reconcile_world import CPF, D, import_lines, invoice, number_of, protect, seed
from plugins.reconciliation.tests.test_reconciliation_reconcile import cli, rt  # noqa: F401  (fixtures)
from tests.worldkit import add_accounts, entry_lines

DAY = date(2026, 12, 10)
FEES = "4.1.01"


def world():
    w = seed()
    with unit_of_work() as s:
        w.accounts.update(add_accounts(s, w.company_id, ((FEES, "Tarifas bancárias", "expense"),
                                                         ("4.1.02", "IOF e impostos", "expense"))))
        cc = CostCentre(company_id=w.company_id, code="ADM", name="Administrativo", active=True)
        s.add(cc)
        s.flush()
        w.accounts["cc"] = cc.id
    return w


def fees_rule(w, name="Tarifas", **kw) -> RuleFields:
    base = dict(name=name, action="classificar", direction="debito", text_mode="contem", text="tarifa",
                ledger_account_id=w.accounts[FEES], description="Tarifa bancária")
    base.update(kw)
    return RuleFields(**base)


def add(w, fields: RuleFields) -> int:
    with unit_of_work() as s:
        return create_rule(s, w.company_id, fields).id


def auto(rt, bank_id) -> dict:
    with unit_of_work() as s:
        return reconcile_automatic(s, s.get(Account, bank_id), runtime=rt).as_dict()


def rec_of(line_id):
    with unit_of_work(readonly=True) as s:
        line = s.get(StatementLine, line_id)
        rec = s.get(Reconciliation, line.reconciliation_id) if line.reconciliation_id else None
        return rec and (rec.origin, rule_of_reconciliation(s, rec.id))


class Line:
    def __init__(self, amount, memo="", payee="", bank_account_id=None):
        self.amount, self.memo, self.payee, self.bank_account_id = D(amount), memo, payee, bank_account_id


def compiled(session, rule_id):
    from core.parties.models import Party

    rule = session.get(ReconciliationRule, rule_id)
    return compile_rule(rule, session.get(Party, rule.party_id) if rule.party_id else None)


# --- validation -----------------------------------------------------------------------------------

def test_invalid_rules_are_refused_naming_the_field(rt):
    w = world()
    refused = [
        (dict(name=" "), "name", "Informe o nome da regra"),
        (dict(text_mode="regex", text="TARIFA (PIX"), "text", r"Expressão regular inválida «TARIFA \(PIX»: "
                                                             r"missing \), unterminated subpattern \(posição 7\)"),
        (dict(text=""), "text", "Informe o texto procurado"),
        (dict(amount_min="50,00", amount_max="10,00"), "amount_min",
         r"O valor mínimo \(R\$ 50,00\) é maior que o máximo \(R\$ 10,00\)"),
        (dict(amount_min="1,005"), "amount_min", "casas"),
        (dict(ledger_account_id=None), "ledger_account_id", "Informe a conta contábil"),
        (dict(ledger_account_id=w.bank_id, bank_account_id=w.bank_id), "ledger_account_id", "diferente da conta"),
        (dict(description=""), "description", "histórico"),
        (dict(bank_account_id=w.accounts[FEES]), "bank_account_id", "Conta bancária não encontrada"),
        (dict(action="conciliar", direction="debito"), "direction", "só para lançamentos a crédito"),
        (dict(action="conciliar", direction="credito", days="99"), "days", "de 0 a 60"),
        (dict(action="apagar"), "action", "Ação inválida"),
    ]
    for kw, field, message in refused:
        with unit_of_work() as s:
            with pytest.raises(ValidationError, match=message) as exc:
                create_rule(s, w.company_id, fees_rule(w, **kw))
            assert exc.value.field == field, kw
    with unit_of_work(readonly=True) as s:
        assert list_rules(s, w.company_id) == []


# --- order and conditions (pure) ------------------------------------------------------------------

def test_first_match_wins_by_order_and_move_up_down(rt):
    w = world()
    a = add(w, fees_rule(w, "Tarifas gerais"))
    b = add(w, fees_rule(w, "Tarifa PIX", text="tarifa pix", ledger_account_id=w.accounts["4.1.02"]))
    line = Line("-1.50", "TARIFA PIX ENVIADO")
    with unit_of_work(readonly=True) as s:
        rules = [compiled(s, r.id) for r in list_rules(s, w.company_id)]
        assert first_matching_rule(line, rules).id == a  # both match: the first in order wins
        assert first_matching_rule(Line("-1.50", "DOC ENVIADO"), rules) is None
    with unit_of_work() as s:
        assert move_rule(s, b, "cima") == [b, a]
        assert move_rule(s, b, "cima") == [b, a]  # already first: nothing moves
    with unit_of_work(readonly=True) as s:
        rules = [compiled(s, r.id) for r in list_rules(s, w.company_id)]
        assert first_matching_rule(line, rules).id == b
        assert [r.sequence for r in list_rules(s, w.company_id)] == [1, 2]
    with unit_of_work() as s:
        assert move_rule(s, b, "baixo") == [a, b]


def test_each_condition(rt):
    w = world()
    with unit_of_work() as s:
        from core.parties.models import Party

        maria = s.get(Party, w.party_id)
        base = ReconciliationRule(id=1, company_id=w.company_id, name="r", sequence=1, action="classificar",
                                  direction="ambos", text_mode="", text="", amount_min=None, amount_max=None,
                                  bank_account_id=None, party_id=None)

        def ok(line, party=None, **kw):
            rule = ReconciliationRule(**{**{c: getattr(base, c) for c in ("id", "company_id", "name", "sequence",
                                                                            "action", "direction", "text_mode", "text",
                                                                            "amount_min", "amount_max",
                                                                            "bank_account_id", "party_id")}, **kw})
            return rule_matches(compile_rule(rule, party), line)

        # direction
        assert ok(Line("-5.00"), direction="debito") and not ok(Line("5.00"), direction="debito")
        assert ok(Line("5.00"), direction="credito") and not ok(Line("-5.00"), direction="credito")
        assert ok(Line("5.00")) and ok(Line("-5.00"))
        # amount range on the absolute value, limits included
        for amount, hit in (("-9.99", False), ("-10.00", True), ("-50.00", True), ("-50.01", False)):
            assert ok(Line(amount), amount_min=D("10.00"), amount_max=D("50.00")) is hit, amount
        # contains: case- and accent-insensitive, memo or payee
        assert ok(Line("-1.00", "Tarifa Manutenção Conta"), text_mode="contem", text="MANUTENCAO")
        assert ok(Line("-1.00", "", "TARIFA MANUTENÇÃO"), text_mode="contem", text="manutenção")
        assert not ok(Line("-1.00", "TED ENVIADA"), text_mode="contem", text="tarifa")
        # regex (case-insensitive)
        assert ok(Line("-0.38", "IOF 000123"), text_mode="regex", text=r"^iof\s+\d+$")
        assert not ok(Line("-0.38", "ESTORNO IOF"), text_mode="regex", text=r"^iof")
        # party: its CPF digits in memo/payee (masked or not)
        assert ok(Line("100.00", "PIX RECEBIDO 529.982.247-25"), maria, party_id=maria.id)
        assert ok(Line("100.00", "", f"MARIA {CPF}"), maria, party_id=maria.id)
        assert not ok(Line("100.00", "PIX RECEBIDO 111.444.777-35"), maria, party_id=maria.id)
        # bank account
        assert ok(Line("-1.00", bank_account_id=w.bank_id), bank_account_id=w.bank_id)
        assert not ok(Line("-1.00", bank_account_id=w.other_bank_id), bank_account_id=w.bank_id)
        s.rollback()


# --- classify: entry, reconciliation, unreconcile --------------------------------------------------

def test_classify_posts_a_balanced_entry_and_reconciles_then_unreconcile_reverses_it(rt):
    w = world()
    rule_id = add(w, fees_rule(w, cost_centre_id=w.accounts["cc"]))
    fee, pix, credit = import_lines(w, ("-12,90", "20261210", "TARIFA PACOTE SERVICOS"),
                                    ("-1,50", "20261210", "PIX ENVIADO"),
                                    ("25,00", "20261210", "TARIFA ESTORNADA"))
    r = auto(rt, w.bank_id)
    assert r["rules"]["by_rule"] == {"Tarifas": 1} and r["rules"]["reconciled_line_ids"] == [fee]
    assert r["debits_skipped"] == 1  # the PIX debit: no rule, no transfer
    origin, view = rec_of(fee)
    assert origin == "regra" and view["rule"] == "Tarifas" and view["entry"]["account"] == f"{FEES} - Tarifas bancárias"
    assert rec_of(pix) is None and rec_of(credit) is None  # the rule is for debits only
    with unit_of_work(readonly=True) as s:
        item = s.scalar(select(ReconciliationItem).join(StatementLine, StatementLine.reconciliation_id
                                                        == ReconciliationItem.reconciliation_id)
                        .where(StatementLine.id == fee))
        assert item.rule_id == rule_id and item.invoice_id is None and item.amount == D("-12.90")
        entry = s.get(JournalEntry, item.entry_id)
        assert entry.date == DAY and entry.origin_kind == "reconciliation.rule" and entry.origin_id == rule_id
        assert entry.description.startswith("Tarifa bancária — extrato 10/12/2026 TARIFA PACOTE SERVICOS")
        assert entry_lines(s, entry.id) == [("1.1.1.01", D("0.00"), D("12.90")), (FEES, D("12.90"), D("0.00"))]
        assert {ln.cost_centre_id for ln in entry.lines} == {w.accounts["cc"]}
        assert account_balance(s, w.bank_id) == D("-12.90")
    # re-running the automatic pass does not classify the line again
    again = auto(rt, w.bank_id)
    assert again["rules"]["reconciled"] == 0
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(JournalEntry.id).where(JournalEntry.origin_kind == "reconciliation.rule")
                        .order_by(JournalEntry.id.desc())) == item.entry_id
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="já conciliou lançamentos"):
            delete_rule(s, rule_id)
    with unit_of_work() as s:
        out = unreconcile(s, fee, runtime=rt).as_dict()
    assert len(out["reversed_entries"]) == 1
    with unit_of_work(readonly=True) as s:
        reversal = s.scalar(select(JournalEntry).where(JournalEntry.reversal_of_id == item.entry_id))
        assert reversal.number == out["reversed_entries"][0] and reversal.date == max(date.today(), DAY)
        assert account_balance(s, w.bank_id) == D("0.00") and account_balance(s, w.accounts[FEES]) == D("0.00")
        assert s.get(StatementLine, fee).reconciliation_id is None


def test_credit_classification_and_rule_limited_to_one_bank_account(rt):
    w = world()
    add(w, RuleFields(name="Rendimentos Inter", action="classificar", direction="credito",
                      bank_account_id=w.other_bank_id, text_mode="regex", text=r"^REND(IMENTO)?\b",
                      ledger_account_id=w.accounts["3.1.2.01"], description="Rendimento de aplicação"))
    itau, = import_lines(w, ("3,21", "20261210", "RENDIMENTO POUPANCA"))
    inter, = import_lines(w, ("3,21", "20261210", "RENDIMENTO POUPANCA"), bank_id=w.other_bank_id, acctid="999-1")
    assert auto(rt, w.bank_id)["rules"].get("reconciled", 0) == 0 and rec_of(itau) is None
    r = auto(rt, w.other_bank_id)
    assert r["rules"]["reconciled_line_ids"] == [inter] and r["unmatched"] == 0
    with unit_of_work(readonly=True) as s:
        item = s.scalar(select(ReconciliationItem).where(ReconciliationItem.rule_id.is_not(None)))
        assert entry_lines(s, item.entry_id) == [("1.1.1.02", D("3.21"), D("0.00")),
                                                 ("3.1.2.01", D("0.00"), D("3.21"))]


def test_protected_period_keeps_rules_out_with_the_manual_alert(rt):
    w = world()
    add(w, fees_rule(w))
    fee, = import_lines(w, ("-12,90", "20261205", "TARIFA"))
    protect(w, date(2026, 12, 5))
    with unit_of_work() as s:
        r = run_rules(s, s.get(Account, w.bank_id), runtime=rt).as_dict()
    assert r["reconciled"] == 0 and r["protected_line_ids"] == [fee]
    assert r["alerts"] == ["1 lançamento do extrato está dentro do período de proteção contábil (lançamentos até "
                           "05/12/2026 protegidos) e não será conciliado, mesmo que exista uma fatura correspondente. "
                           "Gere uma nova fatura ou altere a data de proteção."]
    protect(w, None)
    with unit_of_work() as s:
        assert run_rules(s, s.get(Account, w.bank_id), runtime=rt).reconciled == {"Tarifas": 1}
    protect(w, date(2026, 12, 6))
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="período de proteção contábil"):
            unreconcile(s, fee, runtime=rt)
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(JournalEntry.id).where(JournalEntry.reversal_of_id.is_not(None))) is None


# --- match with candidates ------------------------------------------------------------------------

def test_match_rule_limits_candidates_to_the_party_with_tolerance(rt):
    w = world()
    maria_a = invoice(w, "99.90", date(2026, 12, 8))
    invoice(w, "99.90", DAY, party_id=w.other_party_id)   # João: same value, other party
    add(w, RuleFields(name="PIX da Maria", action="conciliar", direction="credito", party_id=w.party_id,
                      tolerance="0,50", days=3))
    # no exact (date, value) for rule 1 apart from João's invoice of 10/12 — make it ambiguous with a twin
    invoice(w, "99.90", DAY, party_id=w.other_party_id)
    line, = import_lines(w, ("99,50", "20261210", f"PIX RECEBIDO MARIA {CPF}"))
    r = auto(rt, w.bank_id)
    assert r["rules"]["reconciled_line_ids"] == [line] and r["unmatched"] == 0
    origin, view = rec_of(line)
    assert origin == "regra" and view == {"rule": "PIX da Maria", "action": "conciliar", "entry": None}
    with unit_of_work(readonly=True) as s:
        inv = s.get(Invoice, maria_a)
        assert inv.status == "liquidada"
    # two of Maria's invoices inside the window ⇒ stored suggestions with the rule as a reason
    b, c = invoice(w, "80.00", date(2026, 12, 11)), invoice(w, "80.20", date(2026, 12, 12))
    line2, = import_lines(w, ("80,10", "20261211", f"PIX {CPF}"), acctid="777-7")
    r = auto(rt, w.bank_id)
    assert r["rules"]["suggested"] == [{"line_id": line2, "rule": "PIX da Maria"}]
    with unit_of_work(readonly=True) as s:
        rows = list(s.scalars(select(Suggestion).where(Suggestion.line_id == line2).order_by(Suggestion.rank)))
        assert [x.invoice_id for x in rows] == [b, c]
        assert json.loads(rows[0].reasons)[0] == "regra «PIX da Maria»"
    assert number_of(b) < number_of(c)


def test_inactive_rule_is_skipped_and_update_changes_it(rt):
    w = world()
    rid = add(w, fees_rule(w, active=False))
    fee, = import_lines(w, ("-7,00", "20261210", "TARIFA DOC"))
    assert auto(rt, w.bank_id)["rules"].get("reconciled", 0) == 0
    with unit_of_work() as s:
        update_rule(s, rid, fees_rule(w, active=True, amount_max="5,00"))
    assert auto(rt, w.bank_id)["rules"].get("reconciled", 0) == 0  # R$ 7,00 is above the maximum
    with unit_of_work() as s:
        update_rule(s, rid, fees_rule(w, amount_max="10,00"))
    assert auto(rt, w.bank_id)["rules"]["reconciled_line_ids"] == [fee]


def test_test_rule_counts_the_last_90_days(rt):
    w = world()
    first = add(w, fees_rule(w, "Tarifa PIX", text="tarifa pix"))
    second = add(w, fees_rule(w))
    import_lines(w, ("-1,00", "20261210", "TARIFA PIX"), ("-2,00", "20261201", "TARIFA DOC"),
                 ("-3,00", "20260801", "TARIFA ANTIGA"), ("-4,00", "20261209", "PIX ENVIADO"))
    with unit_of_work(readonly=True) as s:
        out = try_rule(s, second, today=DAY)
        assert (out["lines"], out["caught"], out["first_rule"], out["free"]) == (3, 2, 1, 2)
        assert [x["earlier_rule"] for x in out["sample"]] == [None, "Tarifa PIX"]
        assert try_rule(s, first, today=DAY)["caught"] == 1


def test_cli_add_list_test_remove(cli, rt):
    w = world()
    res = cli("conciliacao", "regras", "add", "--nome", "Tarifas", "--acao", "classificar", "--tipo", "debito",
              "--contem", "tarifa", "--conta-contabil", FEES, "--historico", "Tarifa bancária", "--json")
    assert res.exit_code == 0, res.output
    rule = json.loads(res.output)
    assert rule["sequence"] == 1 and rule["ledger_account"] == f"{FEES} - Tarifas bancárias"
    bad = cli("conciliacao", "regras", "add", "--nome", "X", "--acao", "classificar", "--regex", "(",
              "--conta-contabil", FEES, "--historico", "x")
    assert bad.exit_code == 2 and "Expressão regular inválida «(»" in bad.output
    listed = cli("conciliacao", "regras", "list", "--json")
    assert [r["name"] for r in json.loads(listed.output)] == ["Tarifas"]
    text = cli("conciliacao", "regras", "list")
    assert "Débitos com «tarifa» no histórico ⇒ classificar em 4.1.01 - Tarifas bancárias" in text.output
    import_lines(w, ("-1,00", date.today().strftime("%Y%m%d"), "TARIFA"))
    tested = cli("conciliacao", "regras", "testar", "--id", str(rule["id"]), "--json")
    assert json.loads(tested.output)["caught"] == 1
    assert cli("conciliacao", "regras", "remove", "--id", str(rule["id"])).exit_code == 0
    assert json.loads(cli("conciliacao", "regras", "list", "--json").output) == []
