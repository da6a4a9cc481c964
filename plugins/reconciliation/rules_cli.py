"""`quita conciliacao regras list | add | remove | mover | testar | aplicar` (`--json` on each): the user
rules of the reconciliation (`rules.py`), one unit of work per command; pt-BR errors, exit code 2."""

from __future__ import annotations

import json
from typing import Optional

import typer

from plugins.reconciliation.cli_support import run as _run


def _company(s, empresa: int | None) -> int:
    from sqlalchemy import select

    from core.errors import ValidationError
    from core.models.company import Company

    if empresa is not None:
        if s.get(Company, empresa) is None:
            raise ValidationError(f"Empresa {empresa} não encontrada.", field="empresa")
        return empresa
    ids = list(s.scalars(select(Company.id).limit(2)))
    if len(ids) != 1:
        raise ValidationError("Informe a empresa (--empresa ID): há mais de uma cadastrada.", field="empresa")
    return ids[0]


def _account_id(s, company_id: int, code: str | None, field: str) -> int | None:
    from sqlalchemy import select

    from core.errors import ValidationError
    from core.ledger.models import Account

    if not code:
        return None
    acc = s.scalar(select(Account).where(Account.company_id == company_id, Account.code == code.strip()))
    if acc is None:
        raise ValidationError(f"Conta «{code}» não encontrada no plano de contas da empresa.", field=field)
    return acc.id


def register(cli: typer.Typer) -> None:
    """Adds `regras` under the `conciliacao` group (registered before by `cli.register_conciliacao`)."""
    group = typer.Typer(help="Regras de conciliação (\"Cadastro de Regras\"): ordenadas, a primeira que casa vence.",
                        no_args_is_help=True)

    @group.command("list")
    def listar(
        empresa: Optional[int] = typer.Option(None, "--empresa", help="Id da empresa (padrão: a única cadastrada)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """As regras, na ordem em que são aplicadas."""
        from plugins.reconciliation.rules import list_rules, rule_dict

        rows = _run(lambda s, rt: [rule_dict(s, r) for r in list_rules(s, _company(s, empresa))])
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            typer.echo("Nenhuma regra cadastrada.")
        for r in rows:
            typer.echo(f"{r['sequence']:>3}. [{r['id']}] {r['name']}{'' if r['active'] else ' (inativa)'} — "
                       f"{r['summary']}")

    @group.command("add")
    def adicionar(
        nome: str = typer.Option(..., "--nome", help="Nome da regra."),
        acao: str = typer.Option(..., "--acao", help="classificar (em conta contábil) ou conciliar (com candidatos)."),
        tipo: str = typer.Option("ambos", "--tipo", help="credito, debito ou ambos."),
        conta: Optional[str] = typer.Option(None, "--conta", help="Código da conta bancária (padrão: todas)."),
        valor_min: Optional[str] = typer.Option(None, "--valor-min", help="Valor mínimo (absoluto), ex.: 0,01."),
        valor_max: Optional[str] = typer.Option(None, "--valor-max", help="Valor máximo (absoluto), ex.: 50,00."),
        contem: Optional[str] = typer.Option(None, "--contem", help="Histórico contém (sem diferenciar maiúsculas "
                                                                      "e acentos)."),
        regex: Optional[str] = typer.Option(None, "--regex", help="Histórico casa com a expressão regular."),
        parte: Optional[str] = typer.Option(None, "--parte", help="CPF/CNPJ ou código do cliente/fornecedor."),
        conta_contabil: Optional[str] = typer.Option(None, "--conta-contabil", help="classificar: código da conta."),
        historico: str = typer.Option("", "--historico", help="classificar: histórico do lançamento."),
        centro_custo: Optional[str] = typer.Option(None, "--centro-custo", help="classificar: código do centro de "
                                                                                  "custo."),
        tolerancia: Optional[str] = typer.Option(None, "--tolerancia", help="conciliar: diferença de valor aceita."),
        dias: int = typer.Option(0, "--dias", help="conciliar: dias de diferença aceitos."),
        inativa: bool = typer.Option(False, "--inativa", help="Cadastrar desativada."),
        empresa: Optional[int] = typer.Option(None, "--empresa", help="Id da empresa (padrão: a única cadastrada)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Cadastra uma regra no fim da ordem."""
        from sqlalchemy import select

        from core.errors import ValidationError
        from core.ledger.models import CostCentre
        from plugins.reconciliation.rules import RuleFields, create_rule, resolve_party, rule_dict

        if contem and regex:
            from core.cli import fail

            fail("Use --contem ou --regex, não os dois.")

        def work(s, rt):
            cid = _company(s, empresa)
            cc = None
            if centro_custo:
                cc = s.scalar(select(CostCentre.id).where(CostCentre.company_id == cid,
                                                          CostCentre.code == centro_custo.strip()))
                if cc is None:
                    raise ValidationError(f"Centro de custo «{centro_custo}» não encontrado.", field="cost_centre_id")
            fields = RuleFields(
                name=nome, action=acao, active=not inativa, bank_account_id=_account_id(s, cid, conta, "bank_account_id"),
                direction=tipo, amount_min=valor_min, amount_max=valor_max,
                text_mode="regex" if regex else ("contem" if contem else ""), text=regex or contem or "",
                party_id=resolve_party(s, parte), ledger_account_id=_account_id(s, cid, conta_contabil, "ledger_account_id"),
                description=historico, cost_centre_id=cc, tolerance=tolerancia, days=dias)
            return rule_dict(s, create_rule(s, cid, fields))

        r = _run(work)
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else
                   f"Regra {r['id']} cadastrada na posição {r['sequence']}: {r['name']} — {r['summary']}")

    @group.command("remove")
    def remover(
        rule_id: int = typer.Option(..., "--id", help="Id da regra."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Exclui a regra (uma regra que já conciliou lançamentos só pode ser desativada)."""
        from plugins.reconciliation.rules import delete_rule

        _run(lambda s, rt: delete_rule(s, rule_id))
        typer.echo(json.dumps({"deleted": rule_id}) if as_json else f"Regra {rule_id} excluída.")

    @group.command("mover")
    def mover(
        rule_id: int = typer.Option(..., "--id", help="Id da regra."),
        para: str = typer.Option(..., "--para", help="cima ou baixo."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Sobe ou desce a regra uma posição."""
        from plugins.reconciliation.rules import move_rule

        order = _run(lambda s, rt: move_rule(s, rule_id, para))
        typer.echo(json.dumps({"order": order}) if as_json else f"Nova ordem: {', '.join(map(str, order))}")

    @group.command("testar")
    def testar(
        rule_id: int = typer.Option(..., "--id", help="Id da regra."),
        dias: int = typer.Option(90, "--dias", min=1, help="Dias para trás (padrão: 90)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Quantos lançamentos dos últimos dias a regra pegaria (nada é gravado)."""
        from plugins.reconciliation.rules import test_rule

        r = _run(lambda s, rt: test_rule(s, rule_id, days=dias))
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
            return
        typer.echo(f"Regra «{r['rule']}», lançamentos de {r['from']} a {r['to']}: {r['lines']} no período; "
                   f"a regra casa com {r['caught']} ({r['first_rule']} sem regra anterior que os pegue; "
                   f"{r['free']} ainda não conciliados).")
        for x in r["sample"]:
            before = f" — antes pega a regra «{x['earlier_rule']}»" if x["earlier_rule"] else ""
            typer.echo(f"  {x['line_id']}  {x['date']}  {x['amount']:>12}  {x['memo']}"
                       f"{' (conciliado)' if x['reconciled'] else ''}{before}")

    @group.command("aplicar")
    def aplicar(
        account: str = typer.Option(..., "--account", help="Código da conta bancária no plano de contas."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Aplica as regras aos lançamentos livres da conta (sem a conciliação automática do manual)."""
        from plugins.reconciliation.rules import run_rules
        from plugins.reconciliation.statement_import import bank_account_by_code

        r = _run(lambda s, rt: run_rules(s, bank_account_by_code(s, account), runtime=rt).as_dict())
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
            return
        typer.echo(f"Conciliados pelas regras: {r['reconciled']}"
                   + "".join(f"; «{k}»: {v}" for k, v in r["by_rule"].items())
                   + f". Com candidatos guardados como sugestão: {len(r['suggested'])}.")
        for x in r["refused"]:
            typer.echo(f"  lançamento {x['line_id']}: {x['message']}")
        for a in r["alerts"]:
            typer.echo(f"Alerta: {a}")

    for g in cli.registered_groups:
        if g.name == "conciliacao":
            g.typer_instance.add_typer(group, name="regras")
            return
    raise RuntimeError("o grupo «conciliacao» deve ser registrado antes das regras")
