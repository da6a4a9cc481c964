"""Debit split (desmembramento da conta débito) and cost-centre apportionment (rateio) of a launch.

Debit split (manual): at most 10 debit accounts; their values add up to the invoice value (here
the net value, total − discount: what is owed and posted); all accounts distinct. The two alerts
are the manual's own sentences (`SPLIT_SUM_ALERT`, `SPLIT_REPEATED_ALERT`) followed by the figures
or the repeated account.

Apportionment between cost centres:

- the histórico's `ApportionmentRule` says fixo (the rule's shares, not changeable) or variável
  (the operator's shares, the rule's as default); a histórico with no rule takes the operator's
  shares, else its own cost centre at 100 %, else none;
- shares are percentages adding up to 100; amounts = net × percentage, and the rounding difference
  is apportioned between the centres (largest remainder: whole centavos to the largest fractions),
  so they add up to the net value exactly;
- "Não ratear diferença entre centros de custo" (`keep_typed=True`): the operator types each
  centre's VALUE and nothing is redistributed; their sum must be the net value. The manual allows
  it only for a histórico with rateio variável and a company with one hierarchical level of cost
  centres (no centre of the company has a parent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.ledger.models import Account, AccountingTemplate, CostCentre
from core.money import format_brl, from_cents, parse_money, to_cents
from plugins.payables.models import (APPORTION_FIXED, APPORTION_VARIABLE, MAX_DEBIT_SPLITS, ApportionmentRule)

SPLIT_SUM_ALERT = ("A soma dos valores rateados entre as contas débito deverão ser igual ao valor total da "
                   "fatura.")
SPLIT_REPEATED_ALERT = "Todas as contas selecionadas deverão ser distintas."
SPLIT_LIMIT_ALERT = "O valor total da fatura poderá ser desmembrado em no máximo 10 contas débito."
KEEP_TYPED_LABEL = "Não ratear diferença entre centros de custo"
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class DebitSplit:
    account_id: int
    amount: Decimal


@dataclass(frozen=True)
class CentreShare:
    cost_centre_id: int
    percent: Decimal
    amount: Decimal


def distribute(total_cents: int, weights: list[Decimal]) -> list[int]:
    """`total_cents` in parts proportional to `weights`, adding up exactly (largest remainder;
    ties go to the earlier part)."""
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0:
        raise ValueError("pesos do rateio somam zero")
    exact = [Decimal(total_cents) * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]  # floor: everything is non-negative
    left = total_cents - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))[:left]:
        parts[i] += 1
    return parts


def _money(value, field: str, label: str) -> Decimal:
    try:
        return parse_money(value, field=label)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc), field=field) from None


# --- debit split ------------------------------------------------------------------------------

def check_debit_splits(session: Session, company_id: int, net: Decimal,
                       splits: list[tuple[int, object]]) -> list[DebitSplit]:
    """Validate the desmembramento: ≤ 10 accounts, distinct, analytic accounts of the company,
    positive values adding up to `net`. Raises the manual's alerts (field "debit_splits")."""
    if not splits:
        raise ValidationError("Informe a conta débito.", field="debit_splits")
    if len(splits) > MAX_DEBIT_SPLITS:
        raise ValidationError(f"{SPLIT_LIMIT_ALERT} Informadas: {len(splits)}.", field="debit_splits")
    seen: set[int] = set()
    out: list[DebitSplit] = []
    for i, (account_id, value) in enumerate(splits):
        account = _account(session, company_id, account_id, f"debit_splits.{i}.account_id", "débito")
        if account.id in seen:
            raise ValidationError(f"{SPLIT_REPEATED_ALERT} Conta repetida: {account.code} - {account.name}.",
                                  field="debit_splits")
        seen.add(account.id)
        amount = _money(value, f"debit_splits.{i}.amount", f"valor da conta débito {account.code}")
        if amount <= 0:
            raise ValidationError(f"O valor da conta débito {account.code} deve ser maior que zero.",
                                  field=f"debit_splits.{i}.amount")
        out.append(DebitSplit(account.id, amount))
    total = sum((s.amount for s in out), Decimal("0.00"))
    if total != net:
        raise ValidationError(f"{SPLIT_SUM_ALERT} Soma das contas débito: {format_brl(total)}; "
                              f"valor da fatura: {format_brl(net)}.", field="debit_splits")
    return out


def _account(session: Session, company_id: int, account_id, field: str, side: str) -> Account:
    account = session.get(Account, int(account_id)) if account_id else None
    if account is None or account.company_id != company_id:
        raise ValidationError(f"Conta {side} {account_id} não encontrada no plano de contas desta empresa.",
                              field=field)
    if account.is_synthetic or not account.active:
        raise ValidationError(f"A conta {side} {account.code} - {account.name} precisa ser analítica e ativa.",
                              field=field)
    return account


def account_by_code(session: Session, company_id: int, code_or_id, *, field: str, side: str) -> Account:
    """An analytic, active account of the company given by its code ("4.1.03") or its id."""
    if isinstance(code_or_id, int):
        return _account(session, company_id, code_or_id, field, side)
    text = str(code_or_id).strip()
    found = session.scalar(select(Account).where(Account.company_id == company_id, Account.code == text))
    if found is None and text.isdigit():
        found = session.get(Account, int(text))
    if found is None:
        raise ValidationError(f"Conta {side} {text} não encontrada no plano de contas desta empresa.", field=field)
    return _account(session, company_id, found.id, field, side)


# --- cost centres -----------------------------------------------------------------------------

def rule_of(session: Session, template: AccountingTemplate | None) -> ApportionmentRule | None:
    if template is None:
        return None
    return session.scalar(select(ApportionmentRule).where(ApportionmentRule.template_id == template.id))


def single_level(session: Session, company_id: int) -> bool:
    """The company works with one hierarchical level of cost centres (none has a parent)."""
    return session.scalar(select(CostCentre.id).where(CostCentre.company_id == company_id,
                                                      CostCentre.parent_id.is_not(None)).limit(1)) is None


def apportion(session: Session, company_id: int, net: Decimal, template: AccountingTemplate | None,
              shares: list[tuple[int, object]] | None, *, keep_typed: bool = False) -> tuple[str | None, list[CentreShare]]:
    """(kind, shares) of the launch; `shares` are (cost centre id, percentage) — or (id, value) with
    `keep_typed`. See the module docstring for the rules."""
    rule = rule_of(session, template)
    kind = rule.kind if rule is not None else (APPORTION_VARIABLE if shares else None)
    if keep_typed:
        if kind != APPORTION_VARIABLE or rule is None:
            raise ValidationError(f"A opção «{KEEP_TYPED_LABEL}» só está disponível quando o histórico está "
                                  "configurado com o tipo de rateio variável.", field="keep_typed_apportionment")
        if not single_level(session, company_id):
            raise ValidationError(f"A opção «{KEEP_TYPED_LABEL}» só está disponível para empresas que trabalham "
                                  "com apenas um (1) nível hierárquico de centros de custo.",
                                  field="keep_typed_apportionment")
        return kind, _typed_values(session, company_id, net, shares or [])
    if rule is not None and rule.kind == APPORTION_FIXED:
        given = [(int(c), _percent(p, i)) for i, (c, p) in enumerate(shares or [])]
        fixed = [(s.cost_centre_id, Decimal(s.percent)) for s in rule.shares]
        if given and sorted(given) != sorted(fixed):
            raise ValidationError(f"O histórico {template.code} tem rateio fixo entre centros de custo; os "
                                  "percentuais não podem ser alterados no lançamento.", field="cost_centres")
        return kind, _by_percent(session, company_id, net, fixed)
    if shares:
        return kind, _by_percent(session, company_id, net, [(int(c), _percent(p, i)) for i, (c, p) in enumerate(shares)])
    if rule is not None and rule.shares:
        return kind, _by_percent(session, company_id, net, [(s.cost_centre_id, Decimal(s.percent)) for s in rule.shares])
    if template is not None and template.cost_centre_id is not None:
        return None, _by_percent(session, company_id, net, [(template.cost_centre_id, HUNDRED)])
    return None, []


def _percent(value, i: int) -> Decimal:
    try:
        pct = Decimal(str(value).replace(",", ".").replace("%", "").strip())
    except Exception:
        raise ValidationError(f"Percentual inválido no centro de custo {i + 1}: {value}.",
                              field=f"cost_centres.{i}") from None
    if not pct.is_finite() or pct <= 0 or pct > HUNDRED or pct != pct.quantize(Decimal("0.0001")):
        raise ValidationError(f"Percentual inválido no centro de custo {i + 1}: {value} (maior que zero, até 100, "
                              "no máximo 4 casas).", field=f"cost_centres.{i}")
    return pct


def _check_centres(session: Session, company_id: int, ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ValidationError("Cada centro de custo pode aparecer uma só vez no rateio.", field="cost_centres")
    for i, centre_id in enumerate(ids):
        centre = session.get(CostCentre, centre_id)
        if centre is None or centre.company_id != company_id or not centre.active:
            raise ValidationError(f"Centro de custo {centre_id} não encontrado (ou inativo) nesta empresa.",
                                  field=f"cost_centres.{i}")


def _by_percent(session: Session, company_id: int, net: Decimal, shares: list[tuple[int, Decimal]]) -> list[CentreShare]:
    _check_centres(session, company_id, [c for c, _ in shares])
    total_pct = sum((p for _, p in shares), Decimal(0))
    if total_pct != HUNDRED:
        raise ValidationError(f"Os percentuais do rateio entre centros de custo somam {total_pct}%; devem somar 100%.",
                              field="cost_centres")
    parts = distribute(to_cents(net), [p for _, p in shares])
    if not all(parts):
        raise ValidationError(f"O valor da fatura ({format_brl(net)}) não comporta o rateio: um centro de custo "
                              "ficaria sem valor.", field="cost_centres")
    return [CentreShare(c, p, from_cents(v)) for (c, p), v in zip(shares, parts)]


def _typed_values(session: Session, company_id: int, net: Decimal, shares: list[tuple[int, object]]) -> list[CentreShare]:
    if not shares:
        raise ValidationError("Informe o valor de cada centro de custo do rateio.", field="cost_centres")
    ids = [int(c) for c, _ in shares]
    _check_centres(session, company_id, ids)
    values = [_money(v, f"cost_centres.{i}", f"valor do centro de custo {i + 1}") for i, (_, v) in enumerate(shares)]
    if any(v <= 0 for v in values):
        raise ValidationError("O valor de cada centro de custo deve ser maior que zero.", field="cost_centres")
    total = sum(values, Decimal("0.00"))
    if total != net:
        raise ValidationError(f"A soma dos valores dos centros de custo ({format_brl(total)}) deve ser igual ao "
                              f"valor da fatura ({format_brl(net)}).", field="cost_centres")
    return [CentreShare(c, (v * HUNDRED / net).quantize(Decimal("0.0001")), v) for c, v in zip(ids, values)]
