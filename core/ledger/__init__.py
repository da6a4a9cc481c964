"""Ledger basics: chart of accounts, cost centres, accounting templates (históricos), double-entry
journal entries, the protection date ("proteger lançamentos anteriores a") and reversals (estorno).

- `core.ledger.models`: the tables (`Account`, `CostCentre`, `AccountingTemplate` are low-code
  documents; `JournalEntry` / `JournalLine` are written only through the services).
- `core.ledger.services`: `post_entry`, `post_from_template`, `reverse_entry`, `check_protection`,
  `account_balance`, `trial_balance` — callable without the web; they never commit.
- `core.ledger.hooks`: the kernel's hook implementations for this area (doctypes, menu,
  permissions, the bulk "estornar lançamentos" action and its guards).
"""
