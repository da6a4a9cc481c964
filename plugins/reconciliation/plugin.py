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
the automatic pass. `batch_credit.py` reconciles a retorno credited as one line (hook
`reconciliation_batch_credits`, answered by bank_profiles), `reconcile_many.py` several lines of a day ×
several invoices (`reconciler_many_web.py`). `from_line.py` creates a receivable / payable / transfer from a
line and reconciles it (`from_line_web.py`; `before_reverse` guards receivables' estorno of a reconciled
settlement, `before_payable_reverse` payables' estorno of a reconciled write-off), `transfers_web.py` the
page "Transferência entre contas". `rules.py` the user rules ("Cadastro de Regras": `rules_models.py`, page
`rules_web.py`, `quita conciliacao regras` in `rules_cli.py`), applied by the automatic pass after the
manual's rule 1. `statement_jobs.py` imports a big OFX as a `core.jobs` job (settings in `settings.py`),
`account_links.py` lists / changes / removes the links of the statement's accounts (`quita ofx vinculos`,
section of the bank accounts page).
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
def register_settings(register):
    from plugins.reconciliation.settings import ReconciliationSettings

    register("reconciliation", ReconciliationSettings)


@hookimpl
def register_jobs(register):
    from plugins.reconciliation.statement_jobs import OFX_JOB

    register(OFX_JOB)  # a big OFX import in parts (`statement_jobs.py`)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from plugins.reconciliation import bench, cli as commands, matching_bench, transfers_cli

    commands.register(cli)
    transfers_cli.register(cli)
    from plugins.reconciliation import rules_cli

    rules_cli.register(cli)  # `quita conciliacao regras …` (under the group `commands.register` made)
    bench.register(bench_group(cli))
    matching_bench.register(bench_group(cli))
    from plugins.reconciliation import batch_bench

    batch_bench.register(bench_group(cli))


@hookimpl
def register_permissions(register):
    from plugins.reconciliation.reconciler_web import PERM_RECONCILE
    from plugins.reconciliation.statement_web import PERM_IMPORT

    register(PERM_IMPORT, "Importar extratos bancários (OFX) e vincular contas", "Conciliação bancária")
    register(PERM_RECONCILE, "Conciliador bancário: enviar extratos, conciliar (baixando faturas), desconciliar e "
             "excluir lançamentos do extrato", "Conciliação bancária")
    from plugins.reconciliation.transfers_web import PERM_TRANSFERS

    register(PERM_TRANSFERS, "Transferência entre contas: cadastrar e alterar (excluir exige também a permissão do "
             "Conciliador bancário)", "Conciliação bancária")
    from plugins.reconciliation.rules_web import PERM_RULES

    register(PERM_RULES, "Regras de conciliação: cadastrar, alterar, ordenar, testar e excluir", "Conciliação bancária")


@hookimpl
def register_routes(register):
    from plugins.reconciliation import bank_accounts_web, reconciler_web, statement_web

    for module in (statement_web, bank_accounts_web, reconciler_web):
        register(module.router)
    from plugins.reconciliation import reconciler_many_web

    register(reconciler_many_web.router)
    from plugins.reconciliation import from_line_web, transfers_web

    register(from_line_web.router)
    register(transfers_web.router)
    from plugins.reconciliation import rules_web

    register(rules_web.router)
    from plugins.reconciliation import payables_search_web  # "Buscar lançamento" of debit lines in payables

    register(payables_search_web.router)


@hookimpl
def register_menu_items(register):
    from plugins.reconciliation import bank_accounts_web, statement_web

    for item in bank_accounts_web.menu_items() + statement_web.menu_items():
        register(item)
    from plugins.reconciliation import transfers_web

    for item in transfers_web.menu_items():
        register(item)
    from plugins.reconciliation import rules_web

    for item in rules_web.menu_items():
        register(item)


@hookimpl
def before_reverse(session, invoice, settlement, ctx):
    """Receivables' estorno of a settlement reconciled here: refused for batches and without the permission
    "Conciliação Bancária"; otherwise the statement line is freed in the same unit of work (`from_line.py`)."""
    from plugins.reconciliation.from_line import free_reversed_settlement

    free_reversed_settlement(session, invoice, settlement, user=getattr(ctx, "user", None))


@hookimpl
def before_payable_reverse(session, installment, writeoff, ctx):
    """Payables' estorno of a write-off reconciled here: the same rules as `before_reverse` (`from_line.py`)."""
    from plugins.reconciliation.from_line import free_reversed_writeoff

    free_reversed_writeoff(session, installment, writeoff, user=getattr(ctx, "user", None))


@hookimpl
def register_demo_loaders(register):
    from plugins.reconciliation.demo import load

    register("Extrato bancário (OFX) e conciliação de demonstração", load, order=130)


@hookimpl
def action_blockers(action, records, params, ctx):
    """The same refusal before the "Estorno de Faturas" dialog runs (read only); payables' "Estornar baixa" too."""
    if action.name == "payables.installment.reverse":
        return _payable_reverse_blockers(records, ctx)
    if action.name != "receivables.invoice.reverse":
        return None
    from core.actions import Blocker
    from plugins.receivables.settlement import active_settlement
    from plugins.reconciliation.from_line import reversal_refusal

    out = []
    for inv in records:
        s = active_settlement(ctx.session, inv.id)
        msg = reversal_refusal(ctx.session, inv, s, ctx.user) if s is not None else None
        if msg:
            out.append(Blocker(inv.id, "conciliacao.estorno", msg))
    return out


def _payable_reverse_blockers(records, ctx):
    from core.actions import Blocker
    from plugins.payables.reversal import active_writeoff
    from plugins.reconciliation.from_line import payable_reversal_refusal

    out = []
    for inst in records:
        wo = active_writeoff(ctx.session, inst)
        msg = payable_reversal_refusal(ctx.session, inst, wo, ctx.user) if wo is not None else None
        if msg:
            out.append(Blocker(inst.id, "conciliacao.estorno", msg))
    return out
