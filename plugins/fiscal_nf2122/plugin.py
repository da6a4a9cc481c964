"""Plugin 'fiscal_nf2122': Documentos fiscais de comunicação (NF 21/22, NFCom).

Issue 7: the Convênio ICMS 115/03 file layer (`conv115/`: layouts as data, writer, reader,
validator) with `quita conv115 check | generate` and `quita bench conv115`; the fiscal documents
(`models.py`, `documents.py`: pending → generated, numbering per empresa/modelo/série, cancel vs
annul in `cancel.py`), the period files (`period_files.py`), the kernel actions (`actions.py`),
the blockers of receivables' invoice actions (`guards.py`, `action_blockers`) and
`quita fiscal gerar | efetivar | pendentes | list | cancelar | anular`. NFCom and the UI come next
(see README.md).
"""

from pathlib import Path

from hooks import hookimpl
from plugins.fiscal_nf2122 import models  # noqa: F401  (maps the tables for migrations)

LABEL = "Documentos fiscais de comunicação (NF 21/22, NFCom)"
REQUIRES = ("receivables",)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_settings(register):
    from plugins.fiscal_nf2122.settings import FiscalSettings

    register("fiscal_nf2122", FiscalSettings)


@hookimpl
def register_migrations(register):
    register("fiscal_nf2122", MIGRATIONS)


@hookimpl
def register_permissions(register):
    from plugins.fiscal_nf2122.actions import PERMISSIONS

    for key, (label, group) in PERMISSIONS.items():
        register(key, label, group)


@hookimpl
def register_actions(register):
    from plugins.fiscal_nf2122.actions import actions

    for action in actions():
        register(action)


@hookimpl
def register_history_kinds(register):
    from plugins.fiscal_nf2122.actions import PERM_READ
    from plugins.fiscal_nf2122.panels import HISTORY_FIELDS, document_title

    register("fiscal_document", "Documento fiscal (NF 21/22)", PERM_READ, HISTORY_FIELDS, document_title)


@hookimpl
def register_customer_panel_tabs(register):
    from plugins.fiscal_nf2122.panels import register_tabs

    register_tabs(register)


@hookimpl
def action_blockers(action, records, params, ctx):
    from plugins.fiscal_nf2122.guards import BLOCKED_ACTIONS, invoice_blockers

    if action.name not in BLOCKED_ACTIONS:
        return None
    return invoice_blockers(ctx.session, action.name, records, params)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from plugins.fiscal_nf2122 import bench, cli as commands, documents_cli

    commands.register(cli)
    documents_cli.register(cli)
    bench.register(bench_group(cli))


@hookimpl
def register_demo_loaders(register):
    from plugins.fiscal_nf2122.demo import load

    register("Documentos fiscais (NF 21/22) e Convênio 115 de demonstração", load, order=140)
