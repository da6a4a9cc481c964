"""User rules of the reconciliation ("Cadastro de Regras" of the manual; table in `rules_models.py`).

The manual orders the automatic pass: its rule 1 (open / settled invoice, transfer with the line's
date and value, a single candidate) first; "caso não encontre nenhuma fatura/transferência baseada na
primeira regra …, o sistema tentará aplicar as regras criadas pelo usuário"; what no rule takes gets
the suggestions. `matching.reconcile_automatic` calls `apply_rules` on the lines its rule 1 did not
reconcile (ambiguous, without candidate, debits), before storing the suggestions.

- Rules are ordered (`sequence`) per company; the FIRST active rule whose conditions all hold wins
  (`first_matching_rule`, pure). Conditions: bank account (none = all), direction, absolute amount
  range, memo/payee contains (case- and accent-insensitive) or regex (case-insensitive, searched in the
  memo and in the payee, each on its own; checked at save: an invalid one is refused naming the field), party (its CPF/CNPJ digits — or, without a document, its code as a
  whole number — in memo/payee).
- "classificar em conta contábil": posts D bank / C account (credit line) or D account / C bank
  (debit line: tarifas, impostos) for the line's absolute amount on its date (`post_entry`, origin
  `reconciliation.rule`), with the rule's histórico and cost centre, and reconciles the line (origin
  "regra"; the item keeps the rule and the entry). Unreconciling reverses that entry, dated the day
  of the unreconcile (`reverse_rule_entries`, called by `reconcile.unreconcile`).
- "conciliar com candidatos": the line's candidates are limited to the invoices of the rule's party
  (any party when the rule has none), value within ± tolerance and date within ± days (open: due
  date; settled into this account and not reconciled yet: payment date). Exactly one ⇒
  `reconcile.reconcile_line` (origin "regra"); several ⇒ they become the line's stored suggestions,
  with "regra «nome»" among the reasons; none ⇒ the line goes on to the ordinary suggestions.

Services work in the caller's unit of work (never commit) and raise `ValidationError` in pt-BR naming
the field (the form's field names are the attribute names below).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.br.documents import only_digits
from core.errors import ValidationError
from core.ledger.models import Account, CostCentre, JournalEntry
from core.ledger.services import LineSpec, post_entry, protected_until, reverse_entry
from core.model import utcnow
from core.money import format_brl, parse_money
from core.parties.models import Party
from core.parties.rules import fold
from plugins.receivables.models import INVOICE_OPEN, INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import (ORIGIN_RULE, PASS_APPROX, PASS_EXACT, Reconciliation,
                                                     ReconciliationItem, Suggestion)
from plugins.reconciliation.suggestions import InvoiceCandidate
from plugins.reconciliation.rules_models import (ACTION_CLASSIFY, ACTIONS, DIRECTION_BOTH,
                                                 DIRECTION_CREDIT, DIRECTION_DEBIT, DIRECTIONS, TEXT_CONTAINS,
                                                 TEXT_MODES, TEXT_REGEX, ReconciliationRule)

AUDIT_KIND = "reconciliation_rule"
ORIGIN_KIND = "reconciliation.rule"
TEST_DAYS = 90
CHUNK = 500
MAX_DAYS = 60


@dataclass
class RuleFields:
    """What the form / CLI give (text or typed values; checked by `check_fields`)."""

    name: str
    action: str
    active: bool = True
    bank_account_id: int | None = None
    direction: str = DIRECTION_BOTH
    amount_min: Decimal | str | None = None
    amount_max: Decimal | str | None = None
    text_mode: str = ""
    text: str = ""
    party_id: int | None = None
    ledger_account_id: int | None = None
    description: str = ""
    cost_centre_id: int | None = None
    tolerance: Decimal | str | None = None
    days: int | str | None = 0


def _money(value, field_name: str, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = parse_money(value, field=label)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc), field=field_name) from None
    if amount < 0:
        raise ValidationError(f"{label}: informe um valor positivo (vale para créditos e débitos).", field=field_name)
    return amount


def check_fields(session: Session, company_id: int, f: RuleFields) -> dict:
    """The rule's columns from `f`, validated (ValidationError naming the field)."""
    name = (f.name or "").strip()
    if not name:
        raise ValidationError("Informe o nome da regra.", field="name")
    if len(name) > 80:
        raise ValidationError("O nome da regra tem mais de 80 caracteres.", field="name")
    if f.action not in dict(ACTIONS):
        raise ValidationError("Ação inválida: escolha «Classificar em conta contábil» ou «Conciliar com candidatos».",
                              field="action")
    if f.direction not in dict(DIRECTIONS):
        raise ValidationError("Tipo de lançamento inválido: crédito, débito ou ambos.", field="direction")
    out = {"name": name, "action": f.action, "active": bool(f.active), "direction": f.direction,
           "bank_account_id": None, "party_id": None, "ledger_account_id": None, "cost_centre_id": None}
    if f.bank_account_id not in (None, ""):
        acc = session.get(Account, int(f.bank_account_id))
        if acc is None or acc.company_id != company_id or acc.kind != "bank":
            raise ValidationError("Conta bancária não encontrada na empresa (deixe em branco para todas).",
                                  field="bank_account_id")
        out["bank_account_id"] = acc.id
    low = _money(f.amount_min, "amount_min", "Valor mínimo")
    high = _money(f.amount_max, "amount_max", "Valor máximo")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"O valor mínimo ({format_brl(low)}) é maior que o máximo ({format_brl(high)}).",
                              field="amount_min")
    out.update(amount_min=low, amount_max=high)
    mode, text = f.text_mode or "", (f.text or "").strip()
    if mode not in dict(TEXT_MODES):
        raise ValidationError("Condição do histórico inválida: contém ou expressão regular.", field="text_mode")
    if mode and not text:
        raise ValidationError("Informe o texto procurado no histórico.", field="text")
    if len(text) > 255:
        raise ValidationError("O texto procurado tem mais de 255 caracteres.", field="text")
    if mode == TEXT_REGEX:
        try:
            re.compile(text, re.IGNORECASE)
        except re.error as exc:
            raise ValidationError(f"Expressão regular inválida «{text}»: {exc.msg} (posição {exc.pos}).",
                                  field="text") from None
    out.update(text_mode=mode, text=text if mode else "")
    if f.party_id not in (None, ""):
        party = session.get(Party, int(f.party_id))
        if party is None:
            raise ValidationError(f"Cliente/fornecedor {f.party_id} não encontrado.", field="party_id")
        out["party_id"] = party.id
    out["description"] = (f.description or "").strip()
    if f.action == ACTION_CLASSIFY:
        if f.ledger_account_id in (None, ""):
            raise ValidationError("Informe a conta contábil em que a regra classifica os lançamentos.",
                                  field="ledger_account_id")
        acc = session.get(Account, int(f.ledger_account_id))
        if acc is None or acc.company_id != company_id:
            raise ValidationError("Conta contábil não encontrada na empresa.", field="ledger_account_id")
        if acc.is_synthetic or not acc.active:
            raise ValidationError(f"A conta {acc.code} - {acc.name} não recebe lançamentos: escolha uma conta "
                                  "analítica e ativa.", field="ledger_account_id")
        if acc.id == out["bank_account_id"]:
            raise ValidationError("A conta contábil deve ser diferente da conta bancária da regra.",
                                  field="ledger_account_id")
        out["ledger_account_id"] = acc.id
        if not out["description"]:
            raise ValidationError("Informe o histórico do lançamento contábil.", field="description")
        if len(out["description"]) > 200:
            raise ValidationError("O histórico tem mais de 200 caracteres.", field="description")
        if f.cost_centre_id not in (None, ""):
            cc = session.get(CostCentre, int(f.cost_centre_id))
            if cc is None or cc.company_id != company_id or not cc.active:
                raise ValidationError("Centro de custo não encontrado (ou inativo) na empresa.", field="cost_centre_id")
            out["cost_centre_id"] = cc.id
        out.update(tolerance=Decimal("0.00"), days=0)
    else:
        if f.direction == DIRECTION_DEBIT:
            raise ValidationError("«Conciliar com candidatos» procura faturas a receber: vale só para lançamentos a "
                                  "crédito.", field="direction")
        out["tolerance"] = _money(f.tolerance, "tolerance", "Tolerância de valor") or Decimal("0.00")
        try:
            days = int(str(f.days if f.days not in (None, "") else 0).strip())
        except ValueError:
            raise ValidationError(f"Dias de diferença: número inválido «{f.days}».", field="days") from None
        if not 0 <= days <= MAX_DAYS:
            raise ValidationError(f"Dias de diferença: informe de 0 a {MAX_DAYS}.", field="days")
        out["days"] = days
    return out


def resolve_party(session: Session, text: str | None) -> int | None:
    """The party of a CPF/CNPJ (masked or not) or a code / id typed by the operator; blank ⇒ None."""
    text = (text or "").strip()
    if not text:
        return None
    digits = only_digits(text)
    found: list[int] = []
    if len(digits) in (11, 14):
        found = list(session.scalars(select(Party.id).where(Party.document == digits)))
    if not found and text.isdigit():
        found = list(session.scalars(select(Party.id).where(or_(Party.code == int(text), Party.id == int(text)))))
    if len(set(found)) != 1:
        raise ValidationError(f"Cliente/fornecedor «{text}» não encontrado (informe o CPF/CNPJ ou o código).",
                              field="party_id")
    return found[0]


# --- CRUD and order -------------------------------------------------------------------------------

def list_rules(session: Session, company_id: int) -> list[ReconciliationRule]:
    return list(session.scalars(select(ReconciliationRule).where(ReconciliationRule.company_id == company_id)
                                .order_by(ReconciliationRule.sequence, ReconciliationRule.id)))


def get_rule(session: Session, rule_id: int, company_id: int | None = None) -> ReconciliationRule:
    rule = session.get(ReconciliationRule, int(rule_id))
    if rule is None or (company_id is not None and rule.company_id != company_id):
        raise ValidationError(f"Regra {rule_id} não encontrada.", field="rule_id")
    return rule


def rule_dict(session: Session, rule: ReconciliationRule) -> dict:
    def acc(acc_id):
        a = session.get(Account, acc_id) if acc_id else None
        return f"{a.code} - {a.name}" if a else None

    party = session.get(Party, rule.party_id) if rule.party_id else None
    cc = session.get(CostCentre, rule.cost_centre_id) if rule.cost_centre_id else None
    return {"id": rule.id, "company_id": rule.company_id, "sequence": rule.sequence, "name": rule.name,
            "active": rule.active, "bank_account_id": rule.bank_account_id,
            "bank_account": acc(rule.bank_account_id) or "todas", "direction": rule.direction,
            "amount_min": None if rule.amount_min is None else str(rule.amount_min),
            "amount_max": None if rule.amount_max is None else str(rule.amount_max),
            "text_mode": rule.text_mode, "text": rule.text, "party_id": rule.party_id,
            "party": f"{party.code} - {party.name}" if party else None, "action": rule.action,
            "ledger_account_id": rule.ledger_account_id, "ledger_account": acc(rule.ledger_account_id),
            "description": rule.description, "cost_centre_id": rule.cost_centre_id,
            "cost_centre": f"{cc.code} - {cc.name}" if cc else None, "tolerance": str(rule.tolerance),
            "days": rule.days, "summary": describe(session, rule)}


def describe(session: Session, rule: ReconciliationRule) -> str:
    """The rule in one pt-BR sentence (list page, CLI)."""
    parts = [{"credito": "créditos", "debito": "débitos"}.get(rule.direction, "créditos e débitos")]
    if rule.bank_account_id:
        a = session.get(Account, rule.bank_account_id)
        parts.append(f"da conta {a.code}")
    if rule.amount_min is not None and rule.amount_max is not None:
        parts.append(f"de {format_brl(rule.amount_min)} a {format_brl(rule.amount_max)}")
    elif rule.amount_min is not None:
        parts.append(f"a partir de {format_brl(rule.amount_min)}")
    elif rule.amount_max is not None:
        parts.append(f"até {format_brl(rule.amount_max)}")
    if rule.text_mode == TEXT_CONTAINS:
        parts.append(f"com «{rule.text}» no histórico")
    elif rule.text_mode == TEXT_REGEX:
        parts.append(f"com histórico que casa /{rule.text}/")
    if rule.party_id:
        p = session.get(Party, rule.party_id)
        parts.append(f"do CPF/CNPJ de {p.name}")
    if rule.action == ACTION_CLASSIFY:
        a = session.get(Account, rule.ledger_account_id)
        then = f"classificar em {a.code} - {a.name} («{rule.description}»)"
    else:
        then = (f"conciliar com a fatura {'do cliente' if rule.party_id else ''} com valor ± "
                f"{format_brl(rule.tolerance)} e data ± {rule.days} dia(s)").replace("  ", " ")
    text = " ".join(parts)
    return f"{text[:1].upper()}{text[1:]} ⇒ {then}"


def create_rule(session: Session, company_id: int, fields: RuleFields, *, user=None) -> ReconciliationRule:
    """A new rule at the end of the company's order."""
    values = check_fields(session, company_id, fields)
    last = session.scalar(select(func.max(ReconciliationRule.sequence))
                          .where(ReconciliationRule.company_id == company_id))
    rule = ReconciliationRule(company_id=company_id, sequence=(last or 0) + 1, user_id=getattr(user, "id", None),
                              **values)
    session.add(rule)
    session.flush()
    audit.record(session, action="create", target_kind=AUDIT_KIND, target_id=rule.id, user=user,
                 after=rule_dict(session, rule), company_id=company_id)
    return rule


def update_rule(session: Session, rule_id: int, fields: RuleFields, *, company_id: int | None = None,
                user=None) -> ReconciliationRule:
    rule = get_rule(session, rule_id, company_id)
    values = check_fields(session, rule.company_id, fields)
    before = rule_dict(session, rule)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.updated_at = utcnow()
    session.flush()
    audit.record(session, action="update", target_kind=AUDIT_KIND, target_id=rule.id, user=user, before=before,
                 after=rule_dict(session, rule), company_id=rule.company_id)
    return rule


def delete_rule(session: Session, rule_id: int, *, company_id: int | None = None, user=None) -> None:
    """Delete a rule that never reconciled a line (one that did is kept as history: deactivate it)."""
    rule = get_rule(session, rule_id, company_id)
    if session.scalar(select(ReconciliationItem.id).where(ReconciliationItem.rule_id == rule.id).limit(1)):
        raise ValidationError(f"A regra «{rule.name}» já conciliou lançamentos do extrato e não pode ser excluída; "
                              "desative-a.", field="rule_id")
    before = rule_dict(session, rule)
    session.delete(rule)
    session.flush()
    audit.record(session, action="delete", target_kind=AUDIT_KIND, target_id=before["id"], user=user,
                 before=before, company_id=before["company_id"])


def move_rule(session: Session, rule_id: int, direction: str, *, company_id: int | None = None,
              user=None) -> list[int]:
    """Move a rule one place up ("cima") or down ("baixo"); the company's rule ids in the new order.
    Sequences are renumbered 1..n (so gaps or ties left by concurrent saves disappear)."""
    if direction not in ("cima", "baixo"):
        raise ValidationError("Direção inválida: cima ou baixo.", field="direction")
    rule = get_rule(session, rule_id, company_id)
    rules = list(session.scalars(select(ReconciliationRule).where(ReconciliationRule.company_id == rule.company_id)
                                 .order_by(ReconciliationRule.sequence, ReconciliationRule.id).with_for_update()))
    i = next(k for k, r in enumerate(rules) if r.id == rule.id)
    j = i - 1 if direction == "cima" else i + 1
    if 0 <= j < len(rules):
        rules[i], rules[j] = rules[j], rules[i]
    for n, r in enumerate(rules, start=1):
        r.sequence = n
    session.flush()
    audit.record(session, action="reconciliation.rule.move", target_kind=AUDIT_KIND, target_id=rule.id, user=user,
                 after={"order": [r.id for r in rules]}, company_id=rule.company_id)
    return [r.id for r in rules]


# --- Matching (pure) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to test lines (no database access)."""

    id: int
    name: str
    action: str
    bank_account_id: int | None = None
    direction: str = DIRECTION_BOTH
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    contains: str = ""                    # folded
    regex: re.Pattern | None = None
    party_document: str = ""              # digits (11 or 14)
    party_code: int | None = None         # when the party has no document
    party_id: int | None = None


def compile_rule(rule: ReconciliationRule, party: Party | None = None) -> CompiledRule:
    doc = only_digits(party.document) if party is not None else ""
    return CompiledRule(
        id=rule.id, name=rule.name, action=rule.action, bank_account_id=rule.bank_account_id,
        direction=rule.direction, amount_min=rule.amount_min, amount_max=rule.amount_max,
        contains=fold(rule.text) if rule.text_mode == TEXT_CONTAINS else "",
        regex=re.compile(rule.text, re.IGNORECASE) if rule.text_mode == TEXT_REGEX else None,
        party_document=doc if len(doc) in (11, 14) else "",
        party_code=party.code if party is not None and len(doc) not in (11, 14) else None,
        party_id=rule.party_id)


def compile_rules(session: Session, company_id: int, bank_account_id: int | None = None, *,
                  only: list[int] | None = None, include_inactive: bool = False) -> list[CompiledRule]:
    """The company's rules in order (active ones, or `only` those ids), for one bank account when given."""
    stmt = select(ReconciliationRule).where(ReconciliationRule.company_id == company_id)
    if only is not None:
        stmt = stmt.where(ReconciliationRule.id.in_(only))
    elif not include_inactive:
        stmt = stmt.where(ReconciliationRule.active.is_(True))
    if bank_account_id is not None:
        stmt = stmt.where(or_(ReconciliationRule.bank_account_id.is_(None),
                              ReconciliationRule.bank_account_id == bank_account_id))
    rules = list(session.scalars(stmt.order_by(ReconciliationRule.sequence, ReconciliationRule.id)))
    parties = {p.id: p for p in session.scalars(select(Party).where(Party.id.in_({r.party_id for r in rules
                                                                                    if r.party_id})))}
    return [compile_rule(r, parties.get(r.party_id)) for r in rules]


def _whole_number_in(number: int, text: str) -> bool:
    return re.search(rf"(?<!\d)0*{int(number)}(?!\d)", text) is not None


class _Text:
    """A line's memo + payee, folded and as digits, computed once per line (not once per rule)."""

    __slots__ = ("line", "_joined", "_folded", "_digits")

    def __init__(self, line):
        self.line, self._joined, self._folded, self._digits = line, None, None, None

    @property
    def joined(self) -> str:
        if self._joined is None:
            self._joined = f"{self.line.memo or ''} {self.line.payee or ''}"
        return self._joined

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.joined)
        return self._folded

    @property
    def digits(self) -> str:
        if self._digits is None:
            self._digits = only_digits(self.joined)
        return self._digits


def rule_matches(rule: CompiledRule, line, text: _Text | None = None) -> bool:
    """Do all the rule's conditions hold for the line (`amount`, `memo`, `payee`, optional
    `bank_account_id`)?"""
    amount = line.amount
    bank = getattr(line, "bank_account_id", None)
    if rule.bank_account_id is not None and bank is not None and bank != rule.bank_account_id:
        return False
    if rule.direction == DIRECTION_CREDIT and amount <= 0 or rule.direction == DIRECTION_DEBIT and amount >= 0:
        return False
    value = abs(amount)
    if rule.amount_min is not None and value < rule.amount_min:
        return False
    if rule.amount_max is not None and value > rule.amount_max:
        return False
    text = text or _Text(line)
    if rule.contains and rule.contains not in text.folded:
        return False
    if rule.regex is not None and not (rule.regex.search(line.memo or "") or rule.regex.search(line.payee or "")):
        return False
    if rule.party_document and rule.party_document not in text.digits:
        return False
    if rule.party_code is not None and not _whole_number_in(rule.party_code, text.joined):
        return False
    return True


def first_matching_rule(line, rules: list[CompiledRule]) -> CompiledRule | None:
    """The first rule (in the given order) whose conditions all hold for the line; None when none does."""
    text = _Text(line)
    for rule in rules:
        if rule_matches(rule, line, text):
            return rule
    return None


# --- Applying -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleLine:
    id: int
    bank_account_id: int
    posted_on: date
    amount: Decimal
    memo: str
    payee: str


@dataclass
class RulesReport:
    reconciled: dict[str, int] = field(default_factory=dict)     # rule name ⇒ lines reconciled by it
    suggested: dict[int, str] = field(default_factory=dict)       # line id ⇒ rule that stored its candidates
    reconciled_line_ids: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    protected: list[int] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    entries: int = 0                                              # ledger entries posted ("classificar")

    def as_dict(self) -> dict:
        return {"reconciled": sum(self.reconciled.values()), "by_rule": self.reconciled,
                "reconciled_line_ids": self.reconciled_line_ids,
                "suggested": [{"line_id": i, "rule": r} for i, r in self.suggested.items()],
                "refused": [{"line_id": i, "message": m} for i, m in self.refused],
                "protected_line_ids": self.protected, "alerts": self.alerts, "entries": self.entries}


def load_rule_lines(session: Session, line_ids: list[int]) -> list[RuleLine]:
    out: list[RuleLine] = []
    for i in range(0, len(line_ids), CHUNK):
        out += [RuleLine(*row) for row in session.execute(
            select(StatementLine.id, StatementLine.bank_account_id, StatementLine.posted_on, StatementLine.amount,
                   StatementLine.memo, StatementLine.payee).where(StatementLine.id.in_(line_ids[i:i + CHUNK]),
                                                                  StatementLine.reconciliation_id.is_(None),
                                                                  StatementLine.deleted.is_(False)))]
    out.sort(key=lambda ln: (ln.posted_on, ln.id))
    return out


def apply_rules(session: Session, bank_account: Account, lines, runtime, user=None, *,
                rules: list[CompiledRule] | None = None) -> RulesReport:
    """Apply the company's active rules (for this bank account) to `lines` (free lines: objects with
    `id`; the caller already left out the protected period and the reconciled ones). Never commits."""
    report = RulesReport()
    rules = compile_rules(session, bank_account.company_id, bank_account.id) if rules is None else rules
    if not rules or not lines:
        return report
    by_rule: dict[int, list[RuleLine]] = defaultdict(list)
    named = {r.id: r for r in rules}
    for line in load_rule_lines(session, [ln.id for ln in lines]):
        rule = first_matching_rule(line, rules)
        if rule is not None:
            by_rule[rule.id].append(line)
    for rule_id, matched in by_rule.items():
        rule = named[rule_id]
        if rule.action == ACTION_CLASSIFY:
            _classify(session, bank_account, session.get(ReconciliationRule, rule_id), matched, report, user)
        else:
            _match(session, bank_account, session.get(ReconciliationRule, rule_id), matched, report, runtime, user)
    return report


def _entry_description(rule: ReconciliationRule, line: RuleLine) -> str:
    memo = " ".join(f"{line.memo} {line.payee}".split())
    return f"{rule.description} — extrato {line.posted_on:%d/%m/%Y} {memo}"[:200].rstrip()


def _classify(session: Session, bank: Account, rule: ReconciliationRule, lines: list[RuleLine],
              report: RulesReport, user) -> None:
    from plugins.reconciliation.matching import Candidate, FreeLine, record_reconciliations

    done = []
    for line in lines:
        value = abs(line.amount)
        sides = ([LineSpec.dr(bank.id, value, cost_centre_id=rule.cost_centre_id),
                  LineSpec.cr(rule.ledger_account_id, value, cost_centre_id=rule.cost_centre_id)]
                 if line.amount > 0 else
                 [LineSpec.dr(rule.ledger_account_id, value, cost_centre_id=rule.cost_centre_id),
                  LineSpec.cr(bank.id, value, cost_centre_id=rule.cost_centre_id)])
        try:
            with session.begin_nested():
                entry = post_entry(session, company_id=bank.company_id, date=line.posted_on,
                                   description=_entry_description(rule, line), lines=sides, user=user,
                                   origin_kind=ORIGIN_KIND, origin_id=rule.id,
                                   origin=f"Regra de conciliação «{rule.name}»"[:120])
        except ValidationError as exc:
            report.refused.append((line.id, f"regra «{rule.name}»: {exc}"))
            continue
        done.append((FreeLine(line.id, line.posted_on, line.amount), Candidate(None, None, entry.id, rule_id=rule.id),
                     False))
    record_reconciliations(session, bank, done, origin=ORIGIN_RULE, user=user)
    if done:
        report.reconciled[rule.name] = report.reconciled.get(rule.name, 0) + len(done)
        report.reconciled_line_ids += [ln.id for ln, _c, _n in done]
        report.entries += len(done)


def rule_candidates(session: Session, bank: Account, rule: ReconciliationRule, line) -> list[InvoiceCandidate]:
    """The invoices a "conciliar com candidatos" rule allows for a credit line (module docstring)."""
    from plugins.reconciliation.matching import reconciled_settlements

    if line.amount <= 0:
        return []
    low, high = line.amount - rule.tolerance, line.amount + rule.tolerance
    first, last = line.posted_on - timedelta(days=rule.days), line.posted_on + timedelta(days=rule.days)
    open_q = (select(Invoice.id, Invoice.number, Invoice.party_id, Invoice.due_date, Invoice.total)
              .where(Invoice.company_id == bank.company_id, Invoice.status == INVOICE_OPEN,
                     Invoice.due_date.between(first, last), Invoice.total.between(low, high)))
    settled_q = (select(Invoice.id, Invoice.number, Invoice.party_id, Settlement.id, Settlement.paid_on,
                        Settlement.amount)
                 .join(Invoice, Invoice.id == Settlement.invoice_id)
                 .where(Settlement.company_id == bank.company_id, Settlement.bank_account_id == bank.id,
                        Settlement.paid_on.between(first, last), Settlement.amount.between(low, high),
                        Settlement.reversed.is_(False), Settlement.partial.is_(False),
                        Invoice.status == INVOICE_SETTLED, ~reconciled_settlements()))
    if rule.party_id is not None:
        open_q = open_q.where(Invoice.party_id == rule.party_id)
        settled_q = settled_q.where(Invoice.party_id == rule.party_id)
    found = [InvoiceCandidate(i, n, p, None, d, t) for i, n, p, d, t in session.execute(open_q)]
    found += [InvoiceCandidate(i, n, p, s, d, a) for i, n, p, s, d, a in session.execute(settled_q)]
    found.sort(key=lambda f: (abs(line.amount - f.amount), abs((line.posted_on - f.when).days), f.number))
    return found


def _match(session: Session, bank: Account, rule: ReconciliationRule, lines: list[RuleLine], report: RulesReport,
           runtime, user) -> None:
    from plugins.reconciliation.reconcile import reconcile_line
    from plugins.reconciliation.suggestions import reasons_for

    for line in lines:
        found = rule_candidates(session, bank, rule, line)
        if len(found) == 1:
            try:
                with session.begin_nested():
                    rec = reconcile_line(session, line.id, found[0].invoice_id, origin=ORIGIN_RULE, runtime=runtime,
                                         user=user)
                    for item in session.scalars(select(ReconciliationItem)
                                                .where(ReconciliationItem.reconciliation_id == rec.id)):
                        item.rule_id = rule.id
                    session.flush()
            except ValidationError as exc:
                report.refused.append((line.id, f"regra «{rule.name}»: {exc}"))
                continue
            report.reconciled[rule.name] = report.reconciled.get(rule.name, 0) + 1
            report.reconciled_line_ids.append(line.id)
        elif found:
            documents = dict(session.execute(select(Party.id, Party.document)
                                             .where(Party.id.in_({f.party_id for f in found}))).all())
            session.execute(delete(Suggestion).where(Suggestion.line_id == line.id))
            stmt_line = session.get(StatementLine, line.id)
            for rank, f in enumerate(found, start=1):
                reasons, _evidence = reasons_for(stmt_line, f, document=documents.get(f.party_id), nosso_numero=None)
                diff = line.amount - f.amount
                session.add(Suggestion(
                    line_id=line.id, invoice_id=f.invoice_id, settlement_id=f.settlement_id, rank=rank,
                    match_pass=PASS_EXACT if abs(diff) <= Decimal("0.10") else PASS_APPROX, candidate_date=f.when,
                    candidate_amount=f.amount, amount_diff=diff, days=(line.posted_on - f.when).days,
                    reasons=json.dumps([f"regra «{rule.name}»", *reasons], ensure_ascii=False)))
            report.suggested[line.id] = rule.name
    session.flush()


def run_rules(session: Session, bank_account: Account, *, runtime, user=None, date_from: date | None = None,
              date_to: date | None = None) -> RulesReport:
    """The reconciler's "Aplicar regras": the rules over the account's free lines of the period
    (automatic reconciliation allowed), the protected period left out with the manual's alert."""
    from plugins.reconciliation.matching import free_lines
    from plugins.reconciliation.reconcile import protection_alert

    lines = free_lines(session, bank_account.id, date_from=date_from, date_to=date_to, auto=True)
    limit = protected_until(session, bank_account.company_id)
    protected = [ln.id for ln in lines if limit is not None and ln.posted_on <= limit]
    lines = [ln for ln in lines if limit is None or ln.posted_on > limit]
    report = apply_rules(session, bank_account, lines, runtime, user)
    if protected:
        report.protected = protected
        report.alerts.append(protection_alert(limit, len(protected)))
    return report


# --- Unreconcile ----------------------------------------------------------------------------------

def reverse_rule_entry(session: Session, item: ReconciliationItem, *, on: date | None = None, user=None,
                       why: str = "") -> int:
    """Reverse the entry a "classificar" rule posted for this item, dated `on` (by default the day of the
    unreconcile — never before the entry's date); the reversal's number. The kernel refuses a date
    inside the protected period."""
    entry = session.get(JournalEntry, item.entry_id)
    when = max(on or date.today(), entry.date)
    return reverse_entry(session, entry, on=when, user=user, reason=why or None).number


# --- Test against past lines ----------------------------------------------------------------------

def test_rule(session: Session, rule_id: int, *, today: date | None = None, days: int = TEST_DAYS,
              company_id: int | None = None, sample: int = 20) -> dict:
    """How many statement lines of the last `days` days (not deleted; of the rule's bank account or of
    all the company's) the rule's conditions catch, how many of those it would actually take (no
    earlier active rule catches them first), how many are still free, and a sample."""
    rule = get_rule(session, rule_id, company_id)
    end = today or date.today()
    start = end - timedelta(days=days)
    this = compile_rules(session, rule.company_id, only=[rule.id])[0]
    before_ids = list(session.scalars(select(ReconciliationRule.id).where(
        ReconciliationRule.company_id == rule.company_id, ReconciliationRule.active.is_(True),
        ReconciliationRule.id != rule.id,
        or_(ReconciliationRule.sequence < rule.sequence,
            and_(ReconciliationRule.sequence == rule.sequence, ReconciliationRule.id < rule.id)))))
    earlier = compile_rules(session, rule.company_id, only=before_ids)
    stmt = (select(StatementLine.id, StatementLine.bank_account_id, StatementLine.posted_on, StatementLine.amount,
                   StatementLine.memo, StatementLine.payee, StatementLine.reconciliation_id)
            .join(Account, Account.id == StatementLine.bank_account_id)
            .where(Account.company_id == rule.company_id, StatementLine.deleted.is_(False),
                   StatementLine.posted_on.between(start, end)))
    if rule.bank_account_id is not None:
        stmt = stmt.where(StatementLine.bank_account_id == rule.bank_account_id)
    caught = wins = free = looked = 0
    shown = []
    for *cols, rec_id in session.execute(stmt.order_by(StatementLine.posted_on, StatementLine.id)):
        line = RuleLine(*cols)
        looked += 1
        if not rule_matches(this, line):
            continue
        caught += 1
        first = first_matching_rule(line, earlier)
        if first is None:
            wins += 1
        if rec_id is None:
            free += 1
        if len(shown) < sample:
            shown.append({"line_id": line.id, "date": line.posted_on.isoformat(), "amount": str(line.amount),
                          "memo": " ".join(f"{line.memo} {line.payee}".split()), "reconciled": rec_id is not None,
                          "earlier_rule": first.name if first else None})
    return {"rule_id": rule.id, "rule": rule.name, "from": start.isoformat(), "to": end.isoformat(),
            "lines": looked, "caught": caught, "first_rule": wins, "free": free, "sample": shown}


test_rule.__test__ = False  # not a pytest test


def rule_of_reconciliation(session: Session, rec_id: int) -> dict | None:
    """What the reconciler shows for a reconciliation made by a rule: the rule's name and, for
    "classificar", the entry (number, account, histórico)."""
    row = session.execute(select(ReconciliationItem, ReconciliationRule.name, ReconciliationRule.action)
                          .join(ReconciliationRule, ReconciliationRule.id == ReconciliationItem.rule_id)
                          .where(ReconciliationItem.reconciliation_id == rec_id).limit(1)).first()
    if row is None:
        return None
    item, name, action = row
    out = {"rule": name, "action": action, "entry": None}
    if action == ACTION_CLASSIFY and item.entry_id:
        from core.ledger.models import JournalLine

        entry = session.get(JournalEntry, item.entry_id)
        rec = session.get(Reconciliation, rec_id)
        acc = session.execute(select(Account.code, Account.name).join(JournalLine, JournalLine.account_id == Account.id)
                              .where(JournalLine.entry_id == entry.id, Account.id != rec.bank_account_id)).first()
        reversal = session.scalar(select(JournalEntry.number).where(JournalEntry.reversal_of_id == entry.id))
        out["entry"] = {"id": entry.id, "number": entry.number, "description": entry.description,
                        "account": f"{acc[0]} - {acc[1]}" if acc else "", "amount": entry.total,
                        "reversal_number": reversal}
    return out


def rule_item_label(session: Session, item: ReconciliationItem) -> str:
    """The reconciler's line for an item a "classificar" rule made: the entry, its other account, the rule."""
    from core.ledger.models import JournalLine

    entry = session.get(JournalEntry, item.entry_id)
    rec = session.get(Reconciliation, item.reconciliation_id)
    acc = session.execute(select(Account.code, Account.name).join(JournalLine, JournalLine.account_id == Account.id)
                          .where(JournalLine.entry_id == entry.id, Account.id != rec.bank_account_id)).first()
    name = session.scalar(select(ReconciliationRule.name).where(ReconciliationRule.id == item.rule_id))
    where = f" em {acc[0]} - {acc[1]}" if acc else ""
    return f"Lançamento contábil {entry.number}{where} ({entry.description}) — regra «{name}»"
