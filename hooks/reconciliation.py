"""Bank reconciliation hooks: what other plugins tell the reconciler (`plugins.reconciliation`).

Called by the `reconciliation` plugin; a plugin that settles invoices in groups the bank credits as
one statement line (a retorno of boletos: `bank_profiles`) implements them. The reconciler works
without any implementation (nothing is grouped). The value type of this contract lives here:

- `BatchCredit(key, label, credited_on, settlement_ids, total)` — one group of settlements the bank
  credits in one line: `key` a stable text id (e.g. "bank_profiles.retorno:12:2027-01-09"), `label`
  the pt-BR text the operator sees (e.g. "Retorno CB0101.RET (importação 12)"), `credited_on` the
  credit date, `settlement_ids` the receivables settlements (`receivables_settlement.id`) it holds,
  `total` the `Decimal` the bank credits for them (valor líquido: paid − the bank's fee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import CENT
from hooks import hookspec


@dataclass(frozen=True)
class BatchCredit:
    """A group of settlements credited by the bank as one statement line (see the module docstring)."""

    key: str
    label: str
    credited_on: date
    settlement_ids: tuple[int, ...]
    total: Decimal

    def __post_init__(self):
        if not self.key or not self.settlement_ids:
            raise ValueError("BatchCredit sem chave ou sem liquidações")
        if not isinstance(self.total, Decimal) or self.total != self.total.quantize(CENT):
            raise TypeError(f"BatchCredit {self.key}: o total deve ser Decimal com duas casas")


@hookspec
def reconciliation_batch_credits(session, bank_account_id, date_from, date_to):
    """The groups of settlements the bank credits as ONE statement line, credited in a period.

    Arguments: `session` — the caller's unit of work; `bank_account_id: int` — the ledger bank
    account (`ledger_account.id`) the settlements were paid into; `date_from`, `date_to: date` —
    the credit dates asked for (inclusive).
    Returns: an iterable of `hooks.reconciliation.BatchCredit` (one per group and credit date, e.g.
    the liquidated títulos of one imported retorno credited that day, `total` = Σ valor líquido =
    Σ (valor pago − tarifa)), or None when the plugin has none. Only active (not reversed)
    settlements into that bank account; the reconciler itself drops settlements already reconciled.
    Calls: every enabled plugin (not firstresult); the reconciler concatenates the answers
    (`plugins.reconciliation.batch_credit.batch_credits`): a statement line whose amount equals the
    total of exactly one group of its date is reconciled with all its settlements at once
    (automatic pass), two or more groups are shown as suggestions.
    Transaction: inside the caller's unit of work (the automatic pass, the reconciler's pane); read
    only — must not write or commit. One query per call, not one per settlement.
    """
