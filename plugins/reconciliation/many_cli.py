"""`quita conciliacao varios` (several lines of a day × several invoices, `reconcile_many`) and
`quita conciliacao lote` (batch credits of a line, `batch_credit`), added to the `conciliacao` group of
`cli.py`."""

from __future__ import annotations

import json
from decimal import Decimal

import typer

from core.money import format_brl


def _target(text: str):
    """"NÚMERO" or "NÚMERO:DESCONTO:JUROS" (e.g. "42:5,00:0") ⇒ (number, discount, interest)."""
    from core.errors import ValidationError
    from core.money import parse_money

    parts = text.split(":")
    if not parts[0].strip().isdigit() or len(parts) not in (1, 3):
        raise ValidationError(f"--invoice «{text}»: use NÚMERO ou NÚMERO:DESCONTO:JUROS (ex.: 42:5,00:0).",
                              field="invoice")
    values = []
    for raw, label in zip(parts[1:], ("Desconto", "Juros")):
        try:
            values.append(parse_money(raw.strip() or "0", field=label))
        except ValueError as exc:
            raise ValidationError(f"--invoice «{text}»: {exc}.", field="invoice") from None
    discount, interest = values or [Decimal("0.00"), Decimal("0.00")]
    return int(parts[0]), discount, interest


def register(group: typer.Typer, run) -> None:
    @group.command("varios")
    def conciliacao_varios(
        lines: list[int] = typer.Option(..., "--line", help="Id de um lançamento do extrato (repita; todos do mesmo dia)."),
        invoices: list[str] = typer.Option(..., "--invoice", help=(
            "Fatura: NÚMERO ou NÚMERO:DESCONTO:JUROS (repita para várias).")),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Concilia lançamentos do mesmo dia com várias faturas — só com diferença zero (totais do manual)."""
        from core.ledger.models import Account
        from plugins.reconciliation.reconcile import invoice_by_number
        from plugins.reconciliation.reconcile_many import Target, reconcile_many
        from plugins.reconciliation.suggestions import get_line

        def work(s, rt):
            company_id = s.get(Account, get_line(s, lines[0]).bank_account_id).company_id
            targets = []
            for text in invoices:
                number, discount, interest = _target(text)
                targets.append(Target(invoice_by_number(s, company_id, number).id, discount=discount,
                                      interest=interest))
            rec = reconcile_many(s, lines, targets, runtime=rt)
            return {"reconciliation_id": rec.id, "line_ids": sorted(lines), "amount": str(rec.amount),
                    "invoices": [_target(t)[0] for t in invoices], "origin": rec.origin}

        r = run(work)
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else
                   f"Lançamentos {', '.join(map(str, r['line_ids']))} ({format_brl(Decimal(r['amount']))}) "
                   f"conciliados com as faturas {', '.join(map(str, r['invoices']))} "
                   f"(conciliação {r['reconciliation_id']}).")

    @group.command("lote")
    def conciliacao_lote(
        line: int = typer.Option(..., "--line", help="Id do lançamento do extrato (a crédito)."),
        key: str = typer.Option("", "--chave", help="Chave do crédito em lote a conciliar (sem ela: lista os grupos)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Créditos em lote (retornos) com a data e o valor do lançamento; com --chave, concilia com um deles."""
        from plugins.reconciliation.batch_credit import groups_for_line, reconcile_batch
        from plugins.reconciliation.suggestions import get_line

        def work(s, rt):
            if key:
                rec = reconcile_batch(s, line, key, runtime=rt)
                return {"reconciliation_id": rec.id, "line_id": line, "batch": rec.batch_label}
            return [g.as_dict() for g in groups_for_line(s, rt, get_line(s, line))]

        r = run(work)
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
        elif key:
            typer.echo(f"Lançamento {r['line_id']} conciliado com o crédito em lote {r['batch']} "
                       f"(conciliação {r['reconciliation_id']}).")
        elif not r:
            typer.echo("Nenhum crédito em lote com a data e o valor do lançamento.")
        else:
            for g in r:
                typer.echo(f"{g['key']}: {g['label']} — crédito {'/'.join(reversed(g['credited_on'].split('-')))}, "
                           f"{g['count']} título(s), {format_brl(Decimal(g['total']))}")
