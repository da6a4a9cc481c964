"""Parties (pessoas): customers, suppliers, employees — PF, PJ or pré-cadastro.

- `core.parties.models`: the `Party` document (table `party`) and `PartyEmailTest`.
- `core.parties.services`: `create_party`, `update_party`, `record_email_test` (validation + audit).
- `core.parties.search`: the searches of the customer panel (latest, active/inactive lists in
  search mode, synthetic counts, advanced search).
"""
