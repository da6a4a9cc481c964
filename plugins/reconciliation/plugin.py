"""Plugin 'reconciliation': Conciliação bancária.

Issue 5. `ofx/` reads what Brazilian banks send (ofxparse behind an adapter), `statement_import.py`
stores the lines of each ledger bank account without duplicates (`models.py`), `matching.py` runs the
manual's automatic reconciliation, `suggestions.py` the ranked suggestions with their reasons,
`reconcile.py` reconcile / unreconcile (`reconcile_models.py`); `cli.py` adds `quita ofx parse | import`
and `quita conciliacao auto | sugestoes | conciliar | desconciliar`, `bench.py` / `matching_bench.py`
add `quita bench ofx | matching`, `statement_web.py` the page "Extratos bancários (OFX)",
`bank_accounts_web.py` the bank accounts list ("Conciliador bancário") and `reconciler_web.py` the
reconciler page of one account (`reconciler_queries.py` its reads).
`transfers.py` the transfers between accounts (`quita transferencia`, `transfers_cli.py`), matched by
the automatic pass. User rules, batch credit and many × many are still to come (see README.md).
"""

from pathlib import Path

from hooks import hookimpl
from plugins.reconciliation import models  # noqa: F401  (maps the tables for migrations)

LABEL = "Conciliação bancária"
REQUIRES = ("receivables",)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_migrations(register):
    register("reconciliation", MIGRATIONS)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from plugins.reconciliation import bench, cli as commands, matching_bench, transfers_cli

    commands.register(cli)
    transfers_cli.register(cli)
    bench.register(bench_group(cli))
    matching_bench.register(bench_group(cli))


@hookimpl
def register_permissions(register):
    from plugins.reconciliation.reconciler_web import PERM_RECONCILE
    from plugins.reconciliation.statement_web import PERM_IMPORT

    register(PERM_IMPORT, "Importar extratos bancários (OFX) e vincular contas", "Conciliação bancária")
    register(PERM_RECONCILE, "Conciliador bancário: enviar extratos, conciliar (baixando faturas), desconciliar e "
             "excluir lançamentos do extrato", "Conciliação bancária")


@hookimpl
def register_routes(register):
    from plugins.reconciliation import bank_accounts_web, reconciler_web, statement_web

    for module in (statement_web, bank_accounts_web, reconciler_web):
        register(module.router)


@hookimpl
def register_menu_items(register):
    from plugins.reconciliation import bank_accounts_web, statement_web

    for item in bank_accounts_web.menu_items() + statement_web.menu_items():
        register(item)


@hookimpl
def register_demo_loaders(register):
    from plugins.reconciliation.demo import load

    register("Extrato bancário (OFX) e conciliação de demonstração", load, order=130)
