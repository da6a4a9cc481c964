"""Event hooks: told after a change is committed.

They run after the unit of work commits, outside it, and receive plain data (names, ids), not ORM
objects. For durable side effects (e-mail, files) enqueue an outbox message instead: it survives a
crash between the commit and the hook.
"""

from hooks import hookspec


@hookspec
def after_action(action_name, result, ctx):
    """An action finished and its transaction committed.

    Arguments: `action_name: str`; `result: core.actions.ActionResult` (done ids, refused ids with
    their blockers); `ctx: core.actions.ActionContext` (its session is closed).
    Returns: ignored.
    Calls: every enabled plugin (not firstresult), once per action run, last-registered first;
    one plugin raising does not stop the others.
    Transaction: after commit, outside any unit of work — open a new one to touch the database.
    An exception here is logged and does not undo the action.
    """


@hookspec
def after_document_saved(doctype, record_id, event, ctx):
    """A low-code document was created, changed, submitted, cancelled, amended or deleted.

    Arguments: `doctype: str` (document type name), `record_id: int`, `event: str` (one of
    "created", "updated", "submitted", "cancelled", "amended", "deleted"), `ctx` (user id, company).
    Returns: ignored.
    Calls: every enabled plugin (not firstresult), once per saved document, last-registered first;
    one plugin raising does not stop the others.
    Transaction: after commit, outside any unit of work — open a new one to touch the database.
    """
