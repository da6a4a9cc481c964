"""Plugin 'receivables': Contas a receber.

Registers the receivables documents (plans, due rules, contracts), the contract actions with
their permissions and reason kinds, the settings model, the billing job, the plugin's
migrations and the `quita billing` / `quita invoices` / `quita bench billing` commands.
"""

from pathlib import Path

from hooks import hookimpl
from plugins.receivables import models  # noqa: F401  (maps the tables for migrations)
from plugins.receivables import settlement_models  # noqa: F401  (settlement tables)
from plugins.receivables import accrual_models  # noqa: F401  (invoice → journal entry links)
from plugins.receivables import invoice_log  # noqa: F401  (invoice tools' tables)
from plugins.receivables import messages_models  # noqa: F401  (sent messages: e-mail log)
from plugins.receivables import groupings  # noqa: F401  (contract groupings table)
from plugins.receivables import deposit_models  # noqa: F401  (unidentified deposits)
from plugins.receivables import deposit_choices  # noqa: F401  (choice list of open deposits for the action dialog)
from plugins.receivables.interest_hooks import compute_interest  # noqa: F401  (hook implementation)

LABEL = "Contas a receber"
REQUIRES = ()
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_settings(register):
    from plugins.receivables.settings import ReceivablesSettings

    register("receivables", ReceivablesSettings)


@hookimpl
def register_migrations(register):
    register("receivables", MIGRATIONS)


@hookimpl
def register_doctypes(register):
    register(models.Plan)
    register(models.DueRule)
    register(models.Contract)


@hookimpl
def register_permissions(register):
    from plugins.receivables.contracts import PERMISSIONS

    for key, (label, group) in PERMISSIONS.items():
        register(key, label, group)
    register("receivables.billing.run", "Executar o faturamento mensal", "Faturamento")
    from plugins.receivables.contract_tools import PERMISSIONS as CONTRACT_TOOL_PERMISSIONS
    from plugins.receivables.groupings import PERMISSIONS as GROUPING_PERMISSIONS

    for key, (label, group) in {**CONTRACT_TOOL_PERMISSIONS, **GROUPING_PERMISSIONS}.items():
        register(key, label, group)
    from plugins.receivables.invoice_tools import PERMISSIONS as INVOICE_PERMISSIONS

    for key, (label, group) in INVOICE_PERMISSIONS.items():
        register(key, label, group)
    from plugins.receivables.charge_tools import PERMISSIONS as CHARGE_PERMISSIONS

    for key, (label, group) in CHARGE_PERMISSIONS.items():
        register(key, label, group)
    from plugins.receivables.settlement import PERMISSIONS as SETTLEMENT_PERMISSIONS

    for key, (label, group) in SETTLEMENT_PERMISSIONS.items():
        register(key, label, group)
    from plugins.receivables.mail import PERMISSIONS as MAIL_PERMISSIONS

    for key, (label, group) in MAIL_PERMISSIONS.items():
        register(key, label, group)
    from plugins.receivables.printing import PERMISSIONS as PRINT_PERMISSIONS

    for key, (label, group) in PRINT_PERMISSIONS.items():
        register(key, label, group)
    from plugins.receivables.deposits import PERMISSIONS as DEPOSIT_PERMISSIONS

    for key, (label, group) in DEPOSIT_PERMISSIONS.items():
        register(key, label, group)


@hookimpl
def register_reason_kinds(register):
    from plugins.receivables.contracts import REASON_KINDS

    for kind, label in REASON_KINDS.items():
        register(kind, label)
    from plugins.receivables.invoice_tools import REASON_KINDS as INVOICE_REASON_KINDS

    for kind, label in INVOICE_REASON_KINDS.items():
        register(kind, label)
    from plugins.receivables.charge_tools import REASON_KINDS as CHARGE_REASON_KINDS

    for kind, label in CHARGE_REASON_KINDS.items():
        register(kind, label)


@hookimpl
def register_actions(register):
    from plugins.receivables.contracts import ACTIONS

    for action in ACTIONS:
        register(action)
    from plugins.receivables.contract_tools import ACTIONS as CONTRACT_TOOL_ACTIONS
    from plugins.receivables.groupings import ACTIONS as GROUPING_ACTIONS

    for action in CONTRACT_TOOL_ACTIONS + GROUPING_ACTIONS:
        register(action)
    from plugins.receivables.settlement import ACTIONS as SETTLEMENT_ACTIONS

    for action in SETTLEMENT_ACTIONS:
        register(action)
    from plugins.receivables.invoice_tools import ACTIONS as INVOICE_ACTIONS

    for action in INVOICE_ACTIONS:
        register(action)
    from plugins.receivables.invoice_charges import ACTIONS as INVOICE_CHARGE_ACTIONS

    for action in INVOICE_CHARGE_ACTIONS:
        register(action)
    from plugins.receivables.charge_tools import ACTIONS as CHARGE_ACTIONS

    for action in CHARGE_ACTIONS:
        register(action)
    from plugins.receivables.mail import ACTIONS as MAIL_ACTIONS

    for action in MAIL_ACTIONS:
        register(action)
    from plugins.receivables.deposits import actions as deposit_actions

    for action in deposit_actions():
        register(action)


@hookimpl
def register_customer_panel_tabs(register):
    from plugins.receivables.panels import register_tabs

    register_tabs(register)
    from plugins.receivables.messages_panel import register_tabs as register_message_tabs

    register_message_tabs(register)


@hookimpl
def register_routes(register):
    from plugins.receivables.web import include

    include(register)
    from plugins.receivables.attachments_web import router as attachments_router

    register(attachments_router)
    from plugins.receivables.deposits_web import router as deposits_router

    register(deposits_router)
    from plugins.receivables.collections_web import router as collections_router

    register(collections_router)


@hookimpl
def register_menu_items(register):
    from plugins.receivables.web import menu_items

    for item in menu_items():
        register(item)
    from plugins.receivables.deposits_web import menu_items as deposit_menu_items

    for item in deposit_menu_items():
        register(item)
    from plugins.receivables.collections_web import menu_items as collection_menu_items

    for item in collection_menu_items():
        register(item)


@hookimpl
def register_outbox_handlers(register):
    from plugins.receivables.mail import OUTBOX_KIND, handle_invoice_email

    register(OUTBOX_KIND, handle_invoice_email)


@hookimpl
def register_demo_loaders(register):
    from plugins.receivables.demo import load

    register("Contratos e faturamento de demonstração", load)


@hookimpl
def register_jobs(register):
    from plugins.receivables.billing import BILLING_JOB

    register(BILLING_JOB)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from plugins.receivables import bench, cli as commands

    commands.register(cli)
    from plugins.receivables.deposits_cli import register as register_deposit_commands

    register_deposit_commands(cli)
    bench.register(bench_group(cli))
