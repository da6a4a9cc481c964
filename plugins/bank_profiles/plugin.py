"""Plugin 'bank_profiles': Perfis bancários (boleto, PIX, CNAB).

Registers the payment-profile document (perfil de pagamento / portador), its settings, migrations
and permissions; implements `payment_profile_choices` (the profiles a contract may use) and
`on_invoice_created` (nosso número + boleto of each new invoice of a contract with a profile) and
`invoice_interest_terms` (the profile's juros/multa/desconto for manual settlements);
adds `quita boleto compute | decode | show` and the demo profiles. Remessa (`remessa.py`):
`quita remessa gerar | list | transmitida | descartar | instrucoes | instrucao`, page "Arquivos de
remessa", `action_blockers` (remessa gerada / transmitida), `action_warnings` (suspension of an
invoice with remessa gerada), `register_actions` (bank instructions on invoices, "Remover marcação
de remessa gerada") and `on_invoice_removed` (queues the pedido de baixa). See README.md.
"""

from pathlib import Path

from hooks import hookimpl
from plugins.bank_profiles import models  # noqa: F401  (maps the tables for migrations)
from plugins.bank_profiles import retorno_models  # noqa: F401,E402  (retorno import tables)
from plugins.bank_profiles import remessa_models  # noqa: F401,E402  (remessa files and instructions)

LABEL = "Perfis bancários (boleto, PIX, CNAB)"
REQUIRES = ("receivables",)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

PERMISSIONS = {
    "bank_profiles.boleto.view": ("Ver o boleto (nosso número, linha digitável) das faturas", "Cobrança bancária"),
    "bank_profiles.remessa.manage": ("Gerar e baixar arquivos de remessa", "Cobrança bancária"),
}


@hookimpl
def register_settings(register):
    from plugins.bank_profiles.settings import BankProfilesSettings

    register("bank_profiles", BankProfilesSettings)


@hookimpl
def register_migrations(register):
    register("bank_profiles", MIGRATIONS)


@hookimpl
def register_doctypes(register):
    register(models.PaymentProfile)


@hookimpl
def register_permissions(register):
    for key, (label, group) in PERMISSIONS.items():
        register(key, label, group)


@hookimpl
def payment_profile_choices(session, company_id):
    from plugins.bank_profiles.profiles import choices

    return choices(session, company_id) or None


@hookimpl
def on_invoice_created(invoice, ctx):
    from plugins.bank_profiles.settings import settings_of

    if not settings_of(ctx.runtime).assign_on_invoice_created:
        return
    from plugins.bank_profiles.assignment import assign_boleto

    assign_boleto(ctx.session, invoice)


@hookimpl
def invoice_interest_terms(session, invoice):
    from plugins.bank_profiles.interest_terms import invoice_terms

    return invoice_terms(session, invoice.id)


@hookimpl
def draw_invoice_payment_slip(canvas, box, invoice, session, layout):
    from plugins.bank_profiles.boleto_pdf import draw_payment_slip

    return draw_payment_slip(canvas, box, invoice, session, layout)


@hookimpl
def register_demo_loaders(register):
    from plugins.bank_profiles.demo import load

    register("Perfis de pagamento (Itaú e Sicoob) de demonstração", load, order=110)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from plugins.bank_profiles import bench, cli as commands

    commands.register(cli)
    bench.register(bench_group(cli))
    from plugins.bank_profiles import cnab_cli, remessa_cli

    remessa_cli.register(cli)
    cnab_cli.register(cli)


@hookimpl
def action_blockers(action, records, params, ctx):
    from plugins.bank_profiles.remessa_marks import BLOCKED_ACTIONS, remessa_blockers

    if action.name not in BLOCKED_ACTIONS:
        return None
    return remessa_blockers(ctx.session, action.name, records, params)


@hookimpl
def action_warnings(action, records, params, ctx):
    from plugins.bank_profiles.remessa_marks import SUSPEND_ACTION, remessa_warnings

    if action.name != SUSPEND_ACTION:
        return None
    return remessa_warnings(ctx.session, action.name, records)


@hookimpl
def register_actions(register):
    from plugins.bank_profiles import remessa_instructions, remessa_marks

    for action in (*remessa_instructions.actions(), *remessa_marks.actions()):
        register(action)


@hookimpl
def on_invoice_removed(invoice_id, reason, ctx):
    from core.db import unit_of_work
    from plugins.bank_profiles.remessa_instructions import queue_baixa

    engine = ctx.runtime.engine if getattr(ctx, "runtime", None) is not None else None
    with unit_of_work(engine) as s:
        queue_baixa(s, invoice_id, user=getattr(ctx, "user", None))


@hookimpl
def register_jobs(register):
    from plugins.bank_profiles.retorno_jobs import RETORNO_JOB

    register(RETORNO_JOB)


@hookimpl
def register_routes(register):
    from plugins.bank_profiles.remessa_web import router
    from plugins.bank_profiles.retorno_web import router as retorno_router

    register(router)
    register(retorno_router)


@hookimpl
def register_menu_items(register):
    from plugins.bank_profiles.remessa_web import menu_items
    from plugins.bank_profiles.retorno_web import menu_items as retorno_menu_items

    for item in (*menu_items(), *retorno_menu_items()):
        register(item)


@hookimpl
def reconciliation_batch_credits(session, bank_account_id, date_from, date_to):
    from plugins.bank_profiles.retorno_credits import batch_credits

    return batch_credits(session, bank_account_id, date_from, date_to) or None
