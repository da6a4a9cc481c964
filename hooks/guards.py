"""Guard hooks: any enabled plugin may veto an action with reasons.

Guards read; they must not write, commit or cause side effects. Every implementation is called
(not firstresult) so the operator sees all the reasons at once.
"""

from hooks import hookspec


@hookspec
def action_blockers(action, records, params, ctx):
    """Return the reasons that forbid `action` on some of `records`.

    Arguments: `action` — the `core.actions.Action` about to run (`action.name`,
    `action.target`); `records` — the ORM objects selected (all of the action's target kind);
    `params` — the validated parameters (pydantic model); `ctx` — `core.actions.ActionContext`
    (session, user, company_id, now, runtime).
    Returns: an iterable of `core.actions.Blocker(record_id, code, message)` (message in pt-BR,
    e.g. "A fatura 123 já está liquidada") or None.
    Calls: every enabled plugin (not firstresult); results are merged per record, so the order of
    the plugins does not change the outcome.
    Transaction: inside the action's unit of work, before anything changes; read only — must
    not write or commit. Allowed records are then processed together; each refused record is
    reported with all its blockers.
    """
