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


@hookspec
def action_warnings(action, records, params, ctx):
    """Return warnings about `action` on some of `records`: things the operator should know before
    confirming, which do NOT forbid the action (e.g. "ATENÇÃO: Suspensão autorizada, porém essa
    fatura já tem remessa gerada.").

    Arguments: `action` — the `core.actions.Action` about to run; `records` — the ORM objects the
    action may process (blocked records are left out); `params` — the parameters (pydantic model;
    in a preview possibly not validated yet); `ctx` — `core.actions.ActionContext` (session, user,
    company_id, now, runtime, `preview`).
    Returns: an iterable of `core.actions.Advice(record_id, code, message)` (message in pt-BR) or
    None. Advice about a record not in `records` is ignored.
    Calls: every enabled plugin (not firstresult), merged per record with the action's own `warn`;
    the order of the plugins does not change the outcome. Called by `preview_action` (the dialog
    shows the warnings in yellow, the operator may still run) and by `run_action`, whose result
    carries them in `ActionResult.warnings`.
    Transaction: inside the action's unit of work, after the blockers and before anything changes;
    read only — must not write or commit.
    """
