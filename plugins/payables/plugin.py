"""Plugin 'payables': Contas a pagar.

Registers the payables tables and documents (financial categories, carriers), the settings model
(`[plugins.payables]`), the plugin's migrations, its permission and the `quita pagar` commands.
The launch ("Lançar Pagamento") is a service: `plugins.payables.launch`; the write-off ("Baixar
Pagamento") `plugins.payables.writeoff` and the reversal ("Estornar Pagamento")
`plugins.payables.reversal`. The cash flow ("Fluxo de Caixa"): `plugins.payables.cashflow` (service),
`cashflow_web` (page /financeiro/fluxo-de-caixa, menu, permission), `cashflow_cli` (`quita cashflow`,
`quita previsao-despesas`) and the "Previsão de despesas" document (`cashflow_models`). Pages: `web`
(launch with preview, list "Faturas a pagar"), `panels` (customer-panel tabs of the party as supplier),
`installment_actions` (kernel actions "Baixar fatura a pagar" / "Estornar baixa" / "Alterar fatura a
pagar"), `approval` ("Aprovar fatura" / "Remover aprovação"). See README.md.
"""

from pathlib import Path

from hooks import hookimpl
from plugins.payables import cashflow_models, cheque_ranges, launch_statuses, models  # noqa: F401  (maps the tables)

LABEL = "Contas a pagar"
REQUIRES = ()
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_settings(register):
    from plugins.payables.settings import PayablesSettings

    register("payables", PayablesSettings)


@hookimpl
def register_migrations(register):
    register("payables", MIGRATIONS)


@hookimpl
def register_doctypes(register):
    register(models.FinancialCategory)
    register(models.Carrier)
    register(cashflow_models.ExpenseForecast)
    register(cheque_ranges.ChequeRange)  # faixas de cheque (nosso número na baixa)
    register(launch_statuses.LaunchStatus)  # "Status" do lançamento (campo só com status cadastrados)


@hookimpl
def register_permissions(register):
    register("payables.invoice.launch", "Lançamento de faturas", "Contas a pagar")
    register("payables.invoice.write_off", "Baixa de Faturas", "Contas a pagar")
    register("payables.invoice.reverse", "Estorno de Faturas", "Contas a pagar")
    from plugins.payables.alter import PERM_ALTER, PERM_ALTER_INTEGRATED

    register(PERM_ALTER, "Alteração/Exclusão de faturas", "Contas a pagar")
    register(PERM_ALTER_INTEGRATED, "Alterar/excluir faturas integradas", "Contas a pagar")
    from plugins.payables.approval import PERM_APPROVE

    register(PERM_APPROVE, "Aprovação de faturas", "Contas a pagar")
    from plugins.payables.cashflow import PERM_CASHFLOW

    register(PERM_CASHFLOW, "Previsão de fluxo de caixa", "Tesouraria")


@hookimpl
def register_cli_commands(cli):
    from plugins.payables.cli import register

    register(cli)
    from plugins.payables.cashflow_cli import register as register_cashflow

    register_cashflow(cli)  # quita cashflow, quita previsao-despesas
    from plugins.payables.tools_cli import register as register_tools

    register_tools(cli)  # quita pagar alterar | excluir | anotar | recibo | autorizacao | bordero
    from core.bench import bench_group
    from plugins.payables.bench import register as register_bench

    register_bench(bench_group(cli))  # quita bench pagar-fornecedor


@hookimpl
def register_reason_kinds(register):
    from plugins.payables.delete import REASON_KIND, REASON_KIND_LABEL

    register(REASON_KIND, REASON_KIND_LABEL)


@hookimpl
def register_routes(register):
    from plugins.payables.cashflow_web import router
    from plugins.payables.web import router as pages_router

    register(router)
    register(pages_router)
    from plugins.payables.documents_web import router as documents_router

    register(documents_router)  # recibo, autorização, borderô (PDF) linked from "Faturas a pagar"


@hookimpl
def register_menu_items(register):
    from plugins.payables.cashflow_web import menu_items
    from plugins.payables.web import menu_items as page_items

    for item in menu_items() + page_items():
        register(item)


@hookimpl
def register_actions(register):
    from plugins.payables.installment_actions import ACTIONS

    for action in ACTIONS:
        register(action)
    from plugins.payables.annotations import ACTIONS as ANNOTATE_ACTIONS
    from plugins.payables.approval import ACTIONS as APPROVAL_ACTIONS
    from plugins.payables.delete import ACTIONS as DELETE_ACTIONS

    for action in DELETE_ACTIONS + ANNOTATE_ACTIONS + APPROVAL_ACTIONS:  # Alterar/Excluir Pagamento, aprovação
        register(action)


@hookimpl
def register_outbox_handlers(register):
    from plugins.payables.writeoff_mail import OUTBOX_KIND, handle_writeoff_email

    register(OUTBOX_KIND, handle_writeoff_email)  # e-mail to the supplier at write-off


@hookimpl
def register_customer_panel_tabs(register):
    from plugins.payables.panels import register_tabs

    register_tabs(register)


@hookimpl
def register_demo_loaders(register):
    from plugins.payables.demo import load

    register("Contas a pagar de demonstração", load, order=120)
