"""Helpers shared by the reconciliation command lines (`cli.py`, `rules_cli.py`, `transfers_cli.py`,
`account_links.py`): the one way a command runs its work in a unit of work and refuses.

A `core.errors.ValidationError` (pt-BR) ends the command with `Erro: …` and exit code 2 (`core.cli.fail`).
"""

from __future__ import annotations


def run(work):
    """`work(session, runtime)` in one unit of work; a pt-BR refusal ends the command (exit 2)."""
    from core.cli import fail, runtime
    from core.db import unit_of_work
    from core.errors import ValidationError

    rt = runtime(check_schema=True)
    try:
        with unit_of_work(rt.engine) as s:
            return work(s, rt)
    except ValidationError as exc:
        fail(str(exc))


def run_session(work):
    """`run` for work that needs only the session: `work(session)`."""
    return run(lambda s, rt: work(s))
