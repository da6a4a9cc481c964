"""Plugin 'bank_profiles': Perfis bancários (boleto, PIX, CNAB).

Registers the payment-profile document (perfil de pagamento / portador), its settings, migrations
and permissions; implements `payment_profile_choices` (the profiles a contract may use) and
`on_invoice_created` (nosso número + boleto of each new invoice of a contract with a profile);
adds `quita boleto compute | decode | show` and the demo profiles. See README.md.
"""

from pathlib import Path

from hooks import hookimpl
from plugins.bank_profiles import models  # noqa: F401  (maps the tables for migrations)

LABEL = "Perfis bancários (boleto, PIX, CNAB)"
REQUIRES = ("receivables",)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

PERMISSIONS = {
    "bank_profiles.boleto.view": ("Ver o boleto (nosso número, linha digitável) das faturas", "Cobrança bancária"),
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
def register_demo_loaders(register):
    from plugins.bank_profiles.demo import load

    register("Perfis de pagamento (Itaú e Sicoob) de demonstração", load, order=110)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from plugins.bank_profiles import bench, cli as commands

    commands.register(cli)
    bench.register(bench_group(cli))
