"""Guard hooks: any enabled plugin may veto an action with reasons.

Guards run inside the action's unit of work, before anything is changed. They read; they must not
write, commit or have side effects. Every implementation is called (not firstresult) so the
operator sees all the reasons at once.
"""

from hooks import hookspec


@hookspec
def action_blockers(action, records, params, ctx):
    """Return the reasons that forbid `action` on some of `records`.

    Arguments:
    - `action`: the `core.actions.Action` about to run (use `action.name` and `action.target`);
    - `records`: the ORM objects the operator selected (all of the action's target kind);
    - `params`: the validated parameters (a pydantic model instance);
    - `ctx`: `core.actions.ActionContext` (session, user, company, now).
    Return: an iterable of `core.actions.Blocker(record_id, code, message)` — message in pt-BR,
    e.g. "A fatura 123 já está liquidada" — or None. Not firstresult: all plugins are asked.
    Runs inside the action's transaction, before it changes anything; must not write.
    Allowed records are processed together; refused ones are reported with all their blockers.
    """
