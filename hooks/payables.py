"""Payables hooks: the life of a fatura a pagar's write-off (baixa) in the `payables` plugin.

Called by the `payables` plugin; any plugin may implement them (e.g. `reconciliation`, whose statement
lines are reconciled with write-offs) without `payables` knowing it. Objects passed inside the unit of
work are the payables ORM objects (`plugins.payables.models`: `PayableInstallment` — one installment,
the "fatura a pagar" the operator names by its `code` —, `PayableWriteOff` — one write-off of it).
"""

from __future__ import annotations

from hooks import hookspec


@hookspec
def before_payable_reverse(session, installment, writeoff, ctx):
    """A write-off (baixa) of a fatura a pagar is about to be reversed (estorno): refuse it, or update
    what depends on it.

    Arguments: `session` — the reversal's unit of work; `installment` — the
    `plugins.payables.models.PayableInstallment` whose write-off is reversed (`code`, `company_id`,
    `status`…); `writeoff` — the `PayableWriteOff` being reversed (still active: `reversed` False,
    `paid_on`, `paid`, `cash_account_id`, `entry_id`); `ctx` — `core.actions.ActionContext` (session,
    user — None for the system / CLI —, company_id, now, justification = the reason of the reversal,
    runtime).
    Returns: ignored. Raise `core.errors.ValidationError` (pt-BR message naming the installment) to
    refuse the reversal, e.g. reconciliation: "A fatura a pagar 12 foi conciliada em lote no
    Conciliador Bancário: faturas conciliadas em lote não podem ser estornadas.".
    Calls: every enabled plugin (not firstresult), by `payables.reversal.reverse_writeoff` after its own
    checks (an active write-off, reason, date of the reversal, a paid remainder) and before anything is
    written; only when the caller gives the runtime (every caller of the application does: the
    "Estornar baixa" action, `quita pagar estornar`, the reconciler, the demo).
    Transaction: inside the reversal's unit of work; an implementation may write in `session`
    (reconciliation frees the statement line reconciled with the write-off) and must not commit;
    raising undoes the whole reversal with the caller's unit of work.
    """
