"""Event hooks: told after a change is committed.

Event hooks run after the unit of work commits, outside it; they receive plain data (ids, names),
not ORM objects bound to a closed session. For durable side effects (e-mail, files) enqueue an
outbox message instead — it survives a crash between commit and the hook.
"""

from hooks import hookspec


@hookspec
def after_action(action_name, result, ctx):
    """An action finished and its transaction committed.

    Arguments: `action_name: str`; `result: core.actions.ActionResult` (done ids, refused ids with
    blockers); `ctx: core.actions.ActionContext` (its session is closed: open a new unit of work
    if you need the database). Return: ignored. Called for every enabled plugin, after commit.
    An exception here is logged and does not undo the action.
    """


@hookspec
def after_document_saved(doctype, record_id, event, ctx):
    """A low-code document was created, changed, submitted, cancelled or deleted (after commit).

    Arguments: `doctype: str` (document type name), `record_id: int`, `event: str` (one of
    "created", "updated", "submitted", "cancelled", "amended", "deleted"), `ctx` (user, company).
    Return: ignored. Called after commit, for every enabled plugin.
    """
