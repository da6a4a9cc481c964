"""`quita ofx parse ARQUIVO [--json]`, `quita ofx import ARQUIVO [--account CÓDIGO] [--json]` and
`quita conciliacao auto --account CÓDIGO | sugestoes --line ID | conciliar --line ID --invoice N |
desconciliar --line ID [--sem-automatica]` (`--json` on each).

`parse` reads the file only (no database): the accounts, lines and warnings the adapter sees.
`import` stores the lines (`statement_import.import_statement`, one unit of work) and prints the
summary: new / already imported / restored lines per account, and the warnings. `--account`
takes the ledger code of the bank account; for a file with several unlinked accounts, give one
`--account ACCTID=CÓDIGO` per account. Errors in pt-BR, exit code 2.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import List, Optional

import typer

from core.money import format_brl


def _read(arquivo: Path) -> bytes:
    from core.cli import fail

    if not arquivo.is_file():
        fail(f"arquivo {arquivo} não encontrado")
    return arquivo.read_bytes()


def print_statement(statement) -> None:
    for a in statement.accounts:
        saldo = format_brl(a.balance) if a.balance is not None else "sem saldo"
        when = a.balance_date.strftime("%d/%m/%Y") if a.balance_date else "-"
        typer.echo(f"Conta {a.account_id} (banco {a.bank_id or '-'}, agência {a.branch_id or '-'}, {a.type}, "
                   f"{a.currency}): {len(a.transactions)} lançamentos; saldo {saldo} em {when}")
        for t in a.transactions:
            typer.echo(f"  {t.date.strftime('%d/%m/%Y')}  {format_brl(t.amount):>16}  {t.fitid}  {t.memo or t.payee}")
    for w in statement.warnings:
        typer.echo(f"Aviso: {w}")


def print_report(report: dict) -> None:
    typer.echo(f"Extrato {report['filename']} (arquivo {report['file_id']})")
    for a in report["accounts"]:
        if a["bank_account"] is None:
            typer.echo(f"  {a['ofx_account']}: sem lançamentos, não importada")
            continue
        linked = " (vinculada agora)" if a["linked_now"] else ""
        typer.echo(f"  {a['ofx_account']} → {a['bank_account']}{linked}: {a['lines_in_file']} no arquivo; "
                   f"novos: {a['new']}; já importados: {a['already_imported']}; restaurados: {a['restored']}")
    typer.echo(f"Avisos: {len(report['warnings'])}")
    for w in report["warnings"]:
        typer.echo(f"  {w}")


def _run_ofx_job(rt, submitted) -> dict:
    """A big file's job run here, one progress line per part on stderr; the report at the end."""
    from core.db import unit_of_work
    from core.errors import ValidationError
    from core.jobs import work_until_finished
    from plugins.reconciliation.statement_jobs import import_progress

    def show(_n=0):
        with unit_of_work(rt.engine, readonly=True) as s:
            p = import_progress(s, submitted.file_id)
        typer.echo(f"Extrato {p['filename']}: {p['read']} de {p['lines']} lançamentos lidos; novos: {p['new']}; "
                   f"já importados: {p['already_imported']}; restaurados: {p['restored']}", err=True)
        return p

    typer.echo(f"Extrato com {submitted.lines} lançamentos: importando em partes (tarefa {submitted.job_id}).", err=True)
    work_until_finished(rt, submitted.job_id, progress=show)
    p = show()
    if not p["finished"]:
        raise ValidationError(f"A importação parou ({p['status']}): {p['error'] or 'outra parte ainda em andamento'}; "
                              f"rode `quita jobs worker` para continuar a tarefa {submitted.job_id}.")
    return p["report"]


def _account_options(values: list[str]) -> tuple[str | None, dict[str, str]]:
    """`--account CÓDIGO` (one) and `--account ACCTID=CÓDIGO` (per account of the file)."""
    from core.cli import fail

    plain, per_account = None, {}
    for value in values:
        acctid, sep, code = value.rpartition("=")
        if sep:
            per_account[acctid.strip()] = code.strip()
        elif plain is not None:
            fail("informe --account CÓDIGO uma vez só, ou --account ACCTID=CÓDIGO para cada conta do arquivo")
        else:
            plain = value.strip()
    return plain, per_account


def register(cli: typer.Typer) -> None:
    ofx = typer.Typer(help="Extratos bancários OFX: ler e importar.", no_args_is_help=True)

    @ofx.command("parse")
    def ofx_parse(
        arquivo: Path = typer.Argument(..., help="Arquivo OFX do banco."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lê um OFX e mostra as contas, os lançamentos e os avisos (não grava nada)."""
        from core.cli import fail
        from plugins.reconciliation.ofx import OfxError, parse_ofx

        data = _read(arquivo)
        try:
            statement = parse_ofx(data, arquivo.name)
        except OfxError as exc:
            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(statement.as_json(), ensure_ascii=False))
            return
        print_statement(statement)

    @ofx.command("import")
    def ofx_import(
        arquivo: Path = typer.Argument(..., help="Arquivo OFX do banco."),
        account: Optional[List[str]] = typer.Option(None, "--account", help=(
            "Código da conta bancária no plano de contas, para a conta do arquivo ainda sem vínculo "
            "(ou ACCTID=CÓDIGO, uma por conta do arquivo).")),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Importa os lançamentos de um OFX para a conta bancária (sem duplicar; excluídos voltam)."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.reconciliation.statement_import import AccountChoiceNeeded, bank_account_by_code
        from plugins.reconciliation.statement_jobs import submit_statement

        data = _read(arquivo)
        plain, per_account = _account_options(account or [])
        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                bank_account_id = bank_account_by_code(s, plain).id if plain else None
                accounts = {acctid: bank_account_by_code(s, code).id for acctid, code in per_account.items()}
                submitted = submit_statement(s, rt, data, arquivo.name, bank_account_id=bank_account_id,
                                             accounts=accounts)
            report = submitted.report if submitted.job_id is None else _run_ofx_job(rt, submitted)
        except AccountChoiceNeeded as exc:
            fail(f"{exc}; informe --account CÓDIGO" if len(exc.accounts) == 1 else
                 f"{exc}; informe --account ACCTID=CÓDIGO para cada uma")
        except ValidationError as exc:
            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
            return
        print_report(report)

    from plugins.reconciliation.account_links import register_cli as register_links

    register_links(ofx)  # `quita ofx vinculos list | alterar | remover`
    cli.add_typer(ofx, name="ofx")
    register_conciliacao(cli)


def _print_auto(r: dict) -> None:
    typer.echo(f"Conta {r['bank_account']}: {r['lines']} lançamentos a crédito livres; conciliados: {r['reconciled']} "
               f"(faturas baixadas agora: {r['settled_now']}; já baixadas: {r['already_settled']}; transferências: "
               f"{r['transfers']}); com mais de um "
               f"candidato (ver sugestões): {len(r['ambiguous_line_ids'])}; sem candidato: {r['unmatched']}")
    for line_id in r["ambiguous_line_ids"]:
        typer.echo(f"  lançamento {line_id}: mais de um candidato — quita conciliacao sugestoes --line {line_id}")
    for refused in r["refused"]:
        typer.echo(f"  lançamento {refused['line_id']}: baixa recusada: {refused['message']}")
    if r.get("batch_credits"):
        typer.echo(f"Créditos em lote (retorno) conciliados: {r['batch_credits']}")
    if r.get("payables_written_off") or r.get("payables_already_written_off"):
        typer.echo(f"Débitos conciliados com faturas a pagar: baixadas agora {r['payables_written_off']}; "
                   f"já baixadas {r['payables_already_written_off']}")
    if r["debits_skipped"]:
        typer.echo(f"Lançamentos a débito não conciliados automaticamente (contas a pagar/transferências): "
                   f"{r['debits_skipped']}")
    for alert in r["alerts"]:
        typer.echo(f"Alerta: {alert}")


def _suggestion_text(g: dict) -> str:
    situacao = "aberta" if g["status"] == "aberta" else "baixada"
    when = "/".join(reversed(g["date"].split("-")))
    if g.get("kind", "receber") != "receber":  # fatura a pagar / transferência (payables_match.py)
        what = g["label"] + (f" ({situacao})" if g["kind"] == "pagar" else "")
        return (f"{g['rank']:>2}. sugestão {g['id']}: {what} {when} {format_brl(Decimal(g['amount']))} "
                f"{g['customer'] or ''} [{g['pass']}] — {'; '.join(g['reasons'])}")
    return (f"{g['rank']:>2}. sugestão {g['id']}: fatura {g['invoice_number']} ({situacao}) {when} "
            f"{format_brl(Decimal(g['amount']))} {g['customer'] or ''} [{g['pass']}] — {'; '.join(g['reasons'])}")


def register_conciliacao(cli: typer.Typer) -> None:
    """`quita conciliacao auto | sugestoes | conciliar | desconciliar`."""
    group = typer.Typer(help="Conciliação bancária: automática, sugestões, conciliar e desconciliar.",
                        no_args_is_help=True)

    from plugins.reconciliation.cli_support import run

    @group.command("auto")
    def conciliacao_auto(
        account: str = typer.Option(..., "--account", help="Código da conta bancária no plano de contas."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Conciliação automática dos lançamentos livres da conta (regras do manual; só com candidato único)."""
        from plugins.reconciliation.matching import reconcile_automatic
        from plugins.reconciliation.statement_import import bank_account_by_code

        r = run(lambda s, rt: reconcile_automatic(s, bank_account_by_code(s, account), runtime=rt).as_dict())
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
        else:
            _print_auto(r)

    @group.command("sugestoes")
    def conciliacao_sugestoes(
        line: int = typer.Option(..., "--line", help="Id do lançamento do extrato."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Sugestões de conciliação do lançamento, ordenadas, com os motivos."""
        from core.cli import echo_rows
        from plugins.reconciliation.suggestions import suggest

        rows = run(lambda s, rt: suggest(s, line, rt))
        echo_rows(rows, as_json=as_json, empty="Nenhuma sugestão para o lançamento.",
                  line=_suggestion_text)

    @group.command("conciliar")
    def conciliacao_conciliar(
        line: int = typer.Option(..., "--line", help="Id do lançamento do extrato."),
        invoice: int | None = typer.Option(None, "--invoice", help="Número da fatura a receber (lançamento a crédito)."),
        pagar: int | None = typer.Option(None, "--pagar", help=(
            "Código da fatura a pagar (lançamento a débito; exige o módulo Contas a Pagar).")),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Concilia o lançamento com a fatura a receber (--invoice) ou a pagar (--pagar); aberta: baixa-a com a
        data e o valor do extrato; baixada com data/valor diferentes: estorna e baixa de novo."""
        from core.ledger.models import Account
        from plugins.reconciliation.models import StatementLine
        from plugins.reconciliation.reconcile import invoice_by_number, reconcile_line
        from plugins.reconciliation.suggestions import get_line

        if (invoice is None) == (pagar is None):
            from core.cli import fail

            fail("Informe --invoice (fatura a receber) ou --pagar (fatura a pagar).")

        def work(s, rt):
            stmt_line: StatementLine = get_line(s, line)
            if pagar is not None:
                from plugins.reconciliation.payables_reconcile import _require_payables, installment_by_code, \
                    reconcile_payable

                _require_payables(rt)
                inst = installment_by_code(s, s.get(Account, stmt_line.bank_account_id).company_id, pagar)
                rec = reconcile_payable(s, stmt_line.id, inst.id, runtime=rt)
                return {"reconciliation_id": rec.id, "line_id": stmt_line.id, "payable": inst.code,
                        "origin": rec.origin}
            inv = invoice_by_number(s, s.get(Account, stmt_line.bank_account_id).company_id, invoice)
            rec = reconcile_line(s, stmt_line.id, inv.id, runtime=rt)
            return {"reconciliation_id": rec.id, "line_id": stmt_line.id, "invoice": inv.number, "origin": rec.origin}

        r = run(work)
        what = f"a fatura a pagar {r['payable']}" if "payable" in r else f"a fatura {r['invoice']}"
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else
                   f"Lançamento {r['line_id']} conciliado com {what} (conciliação {r['reconciliation_id']}).")

    @group.command("desconciliar")
    def conciliacao_desconciliar(
        line: int = typer.Option(..., "--line", help="Id do lançamento do extrato."),
        sem_automatica: bool = typer.Option(False, "--sem-automatica", help=(
            "Não permitir mais conciliação automática para este lançamento.")),
        confirmar_par: bool = typer.Option(False, "--confirmar-par", help=(
            "Transferência conciliada nas duas contas: desconciliar as duas.")),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Desconcilia o lançamento (faturas baixadas pelo conciliador voltam a ficar em aberto, com estorno)."""
        from plugins.reconciliation.reconcile import unreconcile

        r = run(lambda s, rt: unreconcile(s, line, disable_auto=sem_automatica, confirm_pair=confirmar_par,
                                          runtime=rt).as_dict())
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
            return
        typer.echo(f"Lançamento(s) {', '.join(map(str, r['line_ids']))} desconciliado(s).")
        if r["reopened_invoices"]:
            typer.echo(f"Faturas em aberto de novo (baixa estornada): {', '.join(map(str, r['reopened_invoices']))}")
        if r["restored_invoices"]:
            typer.echo(f"Faturas baixadas de novo como estavam: {', '.join(map(str, r['restored_invoices']))}")
        if r["untouched_invoices"]:
            typer.echo(f"Faturas baixadas fora do conciliador, sem alteração: "
                       f"{', '.join(map(str, r['untouched_invoices']))}")
        for key, label in (("deleted_invoices", "Faturas a receber geradas pelo conciliador excluídas"),  # from_line.py
                           ("deleted_payables", "Faturas a pagar geradas pelo conciliador excluídas"),
                           ("deleted_transfers", "Transferências geradas pelo conciliador excluídas"),
                           ("reopened_payables", "Faturas a pagar em aberto de novo (baixa estornada)"),
                           ("restored_payables", "Faturas a pagar baixadas de novo como estavam"),
                           ("untouched_payables", "Faturas a pagar baixadas fora do conciliador, sem alteração")):
            if r.get(key):
                typer.echo(f"{label}: {', '.join(map(str, r[key]))}")
        if sem_automatica:
            typer.echo("Conciliação automática desabilitada para este lançamento.")

    from plugins.reconciliation.many_cli import register as register_many

    register_many(group, run)  # `varios` (várias linhas × várias faturas) and `lote` (crédito em lote)
    cli.add_typer(group, name="conciliacao")
