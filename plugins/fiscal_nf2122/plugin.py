"""Plugin 'fiscal_nf2122': Documentos fiscais de comunicação (NF 21/22, NFCom).

Issue 7: the Convênio ICMS 115/03 file layer (`conv115/`: layouts as data, writer, reader,
validator) with `quita conv115 check | generate` and `quita bench conv115`; the fiscal documents
(`models.py`, `documents.py`: pending → generated, numbering per empresa/modelo/série, cancel vs
annul in `cancel.py`), the period files (`period_files.py`), the kernel actions (`actions.py`),
the blockers of receivables' invoice actions (`guards.py`, `action_blockers`) and
`quita fiscal gerar | efetivar | pendentes | list | cancelar | anular`. NFCom and the UI come next
(see README.md).
Printing (NF 21/22 via única, DANFE-COM), e-mail through the kernel's outbox and the Convênio 115
period page: `printing.py`, `danfe_com.py`, `mail.py`, `printing_web.py`, `period_web.py`,
`delivery_cli.py`.
"""

from pathlib import Path

from hooks import hookimpl
from plugins.fiscal_nf2122 import auto_models, models  # noqa: F401  (maps the tables for migrations)

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
    from plugins.fiscal_nf2122.printing import PERMISSIONS as PRINT_PERMISSIONS
    from plugins.fiscal_nf2122.period_web import PERMISSIONS as PERIOD_PERMISSIONS

    for key, (label, group) in {**PERMISSIONS, **PRINT_PERMISSIONS, **PERIOD_PERMISSIONS}.items():
        register(key, label, group)


@hookimpl
def register_actions(register):
    from plugins.fiscal_nf2122.actions import actions

    for action in actions():
        register(action)
    from plugins.fiscal_nf2122.mail import ACTIONS as MAIL_ACTIONS

    for action in MAIL_ACTIONS:
        register(action)


@hookimpl
def register_outbox_handlers(register):
    from plugins.fiscal_nf2122.mail import OUTBOX_KIND, handle_document_email

    register(OUTBOX_KIND, handle_document_email)


@hookimpl
def register_routes(register):
    from plugins.fiscal_nf2122.period_web import router as period_router
    from plugins.fiscal_nf2122.printing_web import router as printing_router

    register(printing_router)
    register(period_router)
    from plugins.fiscal_nf2122.bulk_web import router as bulk_router  # "Gerar todos" (auto/bulk generation)

    register(bulk_router)


@hookimpl
def register_menu_items(register):
    from plugins.fiscal_nf2122.period_web import menu_items
    from plugins.fiscal_nf2122.bulk_web import menu_items as bulk_menu_items

    for item in menu_items() + bulk_menu_items():
        register(item)


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
    from plugins.fiscal_nf2122 import delivery_cli, print_bench

    delivery_cli.register(cli)
    print_bench.register(bench_group(cli))
    bench.register(bench_group(cli))
    from plugins.fiscal_nf2122 import nfcom_cli

    nfcom_cli.register(cli)


@hookimpl
def register_demo_loaders(register):
    from plugins.fiscal_nf2122.demo import load

    register("Documentos fiscais (NF 21/22) e Convênio 115 de demonstração", load, order=140)


@hookimpl
def register_jobs(register):
    from plugins.fiscal_nf2122.bulk import GENERATION_JOB

    register(GENERATION_JOB)


@hookimpl
def on_invoices_issued(invoice_ids, ctx):
    from plugins.fiscal_nf2122.auto import on_invoices_issued as generate_at_billing

    return generate_at_billing(invoice_ids, ctx)


@hookimpl
def after_settle(invoice_id, settlement_id, ctx):
    from plugins.fiscal_nf2122.auto import generate_at_settlement

    generate_at_settlement(ctx.runtime, invoice_id, settlement_id, user=ctx.user, now=ctx.now)


@hookimpl
def after_reverse(invoice_id, settlement_id, ctx):
    from plugins.fiscal_nf2122.auto import undo_at_reversal

    undo_at_reversal(ctx.runtime, invoice_id, settlement_id, user=ctx.user, now=ctx.now)
